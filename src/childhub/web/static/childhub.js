// childhub's one script, on every page: draws each chart from the JSON figure placed beside it (no inline
// scripts), and lets the keyboard reach a table too wide for the screen. Every chart also has its figures in a
// table, so nothing depends on this running.
(function () {
  "use strict";
  // Plotly's toolbar stays (its buttons are real, labelled buttons) but never offers to send the figures to
  // Plotly's own servers.
  var CONFIG = {
    displaylogo: false, responsive: true, showSendToCloud: false, showEditInChartStudio: false,
    modeBarButtonsToRemove: ["sendDataToCloud"]
  };
  // The drawing is an image named by the chart's caption; the other layers Plotly adds (hover labels) are
  // hidden from screen readers. The box holding the drawing and the toolbar has no role of its own.
  function name(node) {
    var drawings = node.querySelectorAll("svg.main-svg");
    drawings.forEach(function (svg, i) {
      if (i === 0) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", node.getAttribute("data-label") || "chart");
      } else {
        svg.setAttribute("aria-hidden", "true");
      }
    });
  }
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var source = document.getElementById(node.getAttribute("data-chart"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign({ margin: { t: 20, r: 20, b: 50, l: 60 }, font: { family: "Arial, sans-serif" } }, figure.layout || {});
      Plotly.newPlot(node, figure.data || [], layout, CONFIG).then(function () {
        name(node);
        node.on("plotly_afterplot", function () { name(node); });
      });
    });
  }
  // A table wider than its box scrolls inside it (.table-wrap), on a phone most of all: the box then takes the
  // keyboard's focus, so arrow keys scroll it, and is a region named after the table (WCAG 2.1.1, 1.4.10).
  function named(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    for (var node = box; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) { return before.textContent.trim(); }
      }
    }
    return "Table";
  }
  function reachable() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("data-scrolls")) {
        box.setAttribute("data-scrolls", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", named(box) + " (scrolls sideways)");
      } else if (!scrolls && box.hasAttribute("data-scrolls")) {
        ["data-scrolls", "tabindex", "role", "aria-label"].forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  var waiting = false;
  function start() {
    draw();
    reachable();
    window.addEventListener("resize", function () {
      if (waiting) { return; }
      waiting = true;
      window.requestAnimationFrame(function () { waiting = false; reachable(); });
    });
    document.addEventListener("toggle", reachable, true);  // a table shown by opening its <details>
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
