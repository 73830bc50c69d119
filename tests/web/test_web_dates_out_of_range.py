"""Dates on pages: one the calendar cannot count from (the year 1: a financial or academic year would start in the
year 0) is refused with one clear line, on every leaders' page and API and on the overview, never a 500; and templates
print dates with the date filters, never their own strftime."""

from __future__ import annotations

import pytest

PAGES = (
    "/",
    "/indicators/cla_rate",
    "/scrutiny",
    "/scrutiny/pack.pdf",
    "/api/v1/scrutiny",
    "/clusters",
    "/api/v1/clusters",
    "/front-door",
    "/api/v1/front-door",
    "/care-projection",
    "/practice-quality",
    "/self-evaluation",
)


@pytest.mark.parametrize("path", PAGES)
def test_a_date_in_the_year_1_is_refused_in_words(web_hub, path):
    response = web_hub.client("analyst").get(f"{path}?as_at=0001-02-15")
    assert response.status_code == 400, response.text[:300]
    assert "1 January 1900" in response.text
    if path.startswith("/api/"):
        assert response.json()["error"]["message"].startswith("as_at:")


@pytest.mark.slow
def test_a_date_in_1900_is_still_taken(web_hub):
    assert web_hub.client("analyst").get("/?as_at=1900-01-01").status_code == 200


def test_templates_print_dates_with_the_date_filters_never_strftime():
    """Dates on pages are written by ``long_date`` and ``when`` (one way, "5 December 2026"): a template's own
    ``strftime`` pattern drifts from them (no leading zero on some platforms, not on others)."""
    from pathlib import Path

    import childhub.web

    templates = Path(childhub.web.__file__).parent / "templates"
    found = [
        f"{path.name}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if "strftime" in line
    ]
    assert found == []
