// childhub's one script: draws each chart from the JSON figure placed beside it (no inline scripts).
// Every chart also has its figures in a table, so nothing depends on this running.
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var source = document.getElementById(node.getAttribute("data-chart"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign({ margin: { t: 20, r: 20, b: 50, l: 60 }, font: { family: "Arial, sans-serif" } }, figure.layout || {});
      Plotly.newPlot(node, figure.data || [], layout, { displaylogo: false, responsive: true });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
