"""The scrutiny pack on the web: the page, its print stylesheet, the PDF and Word downloads (audited), the JSON, who
may open them, and the disclosure checks of the hardening issue over every figure in it.

The disclosure checks (docs/security/disclosure.md): no count from 1 to 4 anywhere, counts in trends multiples of 5,
dates month ends, no breakdown by team or worker (no team or worker named at all), and no child. The truth they are
held to is the analyst's exact figures, counted here with the calculator.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from childhub.audit import events
from childhub.disclosure import SUPPRESSED, reference_date
from childhub.indicators import JUDGEMENT_AREAS, calculator

THRESHOLD = 5
COUNT_KEYS = {"numerator", "denominator", "children", "audits", "respondents"}
PAIRS = {"by_grade", "by_theme", "answers"}  # (label, count) pairs
PATHS = ("/scrutiny", "/scrutiny/pack.pdf", "/scrutiny/pack.docx", "/api/v1/scrutiny")


def _month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


@pytest.fixture(scope="module")
def pack(web_hub):
    return web_hub.client("scrutiny").get("/api/v1/scrutiny").json()


@pytest.fixture(scope="module")
def truth(web_hub):
    """The exact figures at the pack's month end, and every team's and worker's name."""
    from childhub.facts import prepare

    month_end = reference_date(date.today(), THRESHOLD)
    with calculator(web_hub.store, web_hub.authority) as calc:
        figures = {f.indicator.id: f for f in calc.figures(month_end)}
        prepare(calc.conn, ["team", "worker"])
        names = [n for (n,) in calc.conn.execute("SELECT team_name FROM fact_team").fetchall() if n]
        names += [n for (n,) in calc.conn.execute("SELECT worker_name FROM fact_worker").fetchall() if n]
    return figures, names


def _items(pack):
    return [item for area in pack["areas"] for item in area["indicators"]]


def test_scrutiny_reads_the_pack_by_judgement_area_with_downloads_and_a_print_stylesheet(web_hub, pack):
    client = web_hub.client("scrutiny")
    page = client.get("/scrutiny")
    assert page.status_code == 200
    month_end = reference_date(date.today(), THRESHOLD)
    assert f"as at {month_end.day} {month_end:%B %Y}" in page.text
    for key, name in JUDGEMENT_AREAS.items():
        assert f'<h2 class="heading-l" id="{key}">{name}</h2>' in page.text
    assert f'href="/scrutiny/pack.pdf?as_at={month_end.isoformat()}"' in page.text
    assert f'href="/scrutiny/pack.docx?as_at={month_end.isoformat()}"' in page.text
    assert 'href="/static/scrutiny-print.css' in page.text and 'href="/static/print.css' in page.text
    css = client.get("/static/scrutiny-print.css").text
    assert "@media print" in css and "size: A4" in css and "break-before: page" in css
    assert page.text.count('class="sparkline"') == sum(1 for item in _items(pack) if item["trend"])
    assert "No comparators loaded" in page.text  # none are loaded on the test authority
    for item in _items(pack):
        assert '<article class="scrutiny-indicator' in page.text and f'id="{item["id"]}"' in page.text
        for warning in item["warnings"]:
            assert warning["sentence"].replace("'", "&#39;") in page.text


@pytest.mark.parametrize("path", PATHS)
def test_a_practitioner_is_refused_the_pack(web_hub, path):
    assert web_hub.client("practitioner").get(path).status_code == 403


def test_every_role_gets_the_same_pack_under_the_threshold(web_hub, pack):
    analyst = web_hub.client("analyst").get("/api/v1/scrutiny").json()
    for body in (analyst, pack):
        body.pop("generated_at")
    assert analyst == pack
    assert pack["threshold"] == THRESHOLD and pack["as_at"] == reference_date(date.today(), THRESHOLD).isoformat()
    today = web_hub.client("scrutiny").get("/api/v1/scrutiny", params={"as_at": date.today().isoformat()}).json()
    assert today["as_at"] == pack["as_at"]  # the month end on or before the date asked for
    refused = web_hub.client("scrutiny").get("/api/v1/scrutiny", params={"as_at": "2999-01-01"})
    assert refused.status_code == 400 and "after today" in refused.text


def _disclosure_problems(value, path="pack", in_trend=False):
    """Every place in the JSON that breaks a disclosure check."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if key in ("team", "worker", "child_key", "child_id", "la_child_id"):
                found.append(f"{where}: a {key} is named")
            if key in COUNT_KEYS and isinstance(item, (int, float)):
                if 0 < item < THRESHOLD:
                    found.append(f"{where} = {item}: a small count")
                if in_trend and item % 5:
                    found.append(f"{where} = {item}: a trend count not rounded to 5")
            if key in PAIRS:
                for label, count in item:
                    if isinstance(count, (int, float)) and 0 < count < THRESHOLD:
                        found.append(f"{where}.{label} = {count}: a small count")
            if key == "as_at" and not _month_end(date.fromisoformat(item)):
                found.append(f"{where} = {item}: not a month end")
            found += _disclosure_problems(item, where, in_trend or key == "trend")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _disclosure_problems(item, f"{path}[{i}]", in_trend)
    return found


def test_the_pack_as_json_passes_the_disclosure_checks(pack, truth):
    figures, names = truth
    assert _disclosure_problems(pack) == []
    small = [i for i, f in figures.items() if 0 < f.numerator < THRESHOLD or 0 < (f.denominator or 0) < THRESHOLD]
    assert small, "the tiny authority should have some small numbers"
    for item in _items(pack):
        figure = figures[item["id"]]
        if item["id"] in small:
            assert (item["formatted"], item["value"], item["suppressed"]) == (SUPPRESSED, None, True), item["id"]
        else:
            assert item["formatted"] == figure.formatted() and not item["suppressed"], item["id"]
        assert len(item["trend"]) == 12
    text = str(pack)
    assert not re.search(r"\bC\d{3,}\b", text)  # no child key
    assert [name for name in names if name in text] == []


@pytest.fixture(scope="module")
def files(web_hub):
    """The pack downloaded as scrutiny, as PDF text and as the Word file's paragraphs and table rows."""
    import docx
    import pypdf

    client = web_hub.client("scrutiny")
    pdf = client.get("/scrutiny/pack.pdf")
    word = client.get("/scrutiny/pack.docx")
    assert pdf.status_code == word.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "scrutiny-pack-" in word.headers["content-disposition"]
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    document = docx.Document(io.BytesIO(word.content))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return text, "\n".join(p.text for p in document.paragraphs), rows


@pytest.mark.slow
def test_the_pdf_and_word_files_pass_the_disclosure_checks_and_are_audited(web_hub, pack, truth, files):
    figures, names = truth
    pdf, paragraphs, rows = files
    by_name = {item["name"]: item for item in _items(pack)}
    shown = {row[0]: row[1] for row in rows if len(row) == 7 and row[0] in by_name}
    assert len(shown) == len(by_name)  # every indicator in its area's table
    for name, cell in shown.items():
        item = by_name[name]
        assert cell == item["formatted"]
        if item["suppressed"]:
            assert cell == SUPPRESSED
            assert re.search(rf"{re.escape(name)}\n\[c\] \(", pdf), name  # its heading, then the figure
    for row in rows:
        if len(row) == 2 and row[1].isdigit():  # audits and survey answers: a label and a count
            assert not 0 < int(row[1]) < THRESHOLD, row
    everything = "\n".join([pdf, paragraphs, *("\t".join(r) for r in rows)])
    assert [name for name in names if name in everything] == []
    assert not re.search(r"\bC\d{3,}\b", everything)
    for area in JUDGEMENT_AREAS.values():
        assert area in " ".join(pdf.split()) and area in paragraphs
    logged = events(web_hub.data_dir, actor="scrutiny", action="download_scrutiny_pack", limit=10)
    assert {event.details.get("format") for event in logged} >= {"pdf", "docx"}
    assert all(not event.children for event in logged)
