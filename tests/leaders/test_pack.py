"""The scrutiny pack as data and as a document, from hand-made figures (``childhub.leaders.pack``).

The figures come from a ``Counts`` of our own: every indicator 40 (of 80 where it has a denominator) each month,
except four whose figures are worked by hand below. The pack is as at 5 December 2026 under a threshold of 5, so
it is as at the last month end, 30 November 2026, and its months run December 2025 to November 2026.
"""

from __future__ import annotations

import io
from datetime import date

import pytest

from childhub.indicators import (
    GROUP_JUDGEMENT,
    JUDGEMENT_AREAS,
    AuthoritySettings,
    Figure,
    Target,
    Trend,
    early_warnings,
    indicator,
    library,
    period_ending,
    series_ends,
    xmr_limits,
)
from childhub.leaders.pack import PackError, build_pack, load_questions, pack_document

TODAY = date(2026, 12, 5)
MONTH_END = date(2026, 11, 30)
AUTHORITY = AuthoritySettings(name="Ashmere (test)", population_0_17=2000)
# unallocated_cases (a count, lower is better): rises 6 months in a row to November, and November is above the
# range the 12 months make usual. Centre 1,360 / 12 = 113.33; moving ranges 10, 10, 10, 10, 5 x 7 = 75 / 11 = 6.82;
# limits 113.33 -/+ 2.66 x 6.82 = 95.20 and 131.47 < 135.
UNALLOCATED = (100, 110, 100, 110, 100, 105, 110, 115, 120, 125, 130, 135)
# cla_starts: a month with 2 starts (a small number): the trend shows it [c] and no warning is worked out.
CLA_STARTS = (20, 25, 20, 2, 25, 20, 25, 20, 25, 20, 25, 20)


def _figure(ind, period, numerator, target=None, rag=None):
    denominator = 80.0 if ind.unit in ("percent", "ratio") else None
    if ind.unit == "percent":
        value = 100 * numerator / denominator
    elif ind.unit == "ratio":
        value = numerator / denominator
    elif ind.unit == "rate_per_10k":
        value = numerator / AUTHORITY.population_0_17 * 10_000
    elif ind.unit in ("median", "mean"):
        value = 30.0
    else:
        value = float(numerator)
    return Figure(ind, period, value, float(numerator), denominator, int(numerator), target=target, rag=rag)


class HandMade:
    """Figures and 12-month trends as worked out above (and a record of the dates asked for)."""

    def __init__(self) -> None:
        self.asked: set[date] = set()

    def figure(self, ind, as_at):
        self.asked.add(as_at)
        period = period_ending(ind.period, as_at)
        if ind.id == "re_referrals_12m":  # 24 of 80 = 30%, against a target of 20 (tolerance 3): red
            return _figure(ind, period, 24, Target(target=20, tolerance=3), "red")
        if ind.id == "cp_plans_started":  # 3 plans started: small
            return _figure(ind, period, 3)
        if ind.id == "unallocated_cases":
            return _figure(ind, period, UNALLOCATED[-1])
        return _figure(ind, period, 40)

    def trend(self, ind, as_at):
        self.asked.add(as_at)
        series = {"unallocated_cases": UNALLOCATED, "cla_starts": CLA_STARTS}.get(ind.id, (40,) * 12)
        kind = "snapshot" if ind.period == "snapshot" else "month"
        figures = tuple(
            _figure(ind, period_ending(kind, end), n)
            for end, n in zip(series_ends(as_at, "monthly", 12), series, strict=True)
        )
        values = [f.value for f in figures]
        warnings = early_warnings(values, ind.polarity, AUTHORITY.early_warning.run_length)
        return Trend(ind, "monthly", figures, xmr_limits(values), tuple(warnings))


@pytest.fixture
def few(monkeypatch):
    """A pack of six indicators, one or more in each judgement area (a document of the whole library is the web
    tests' and the benchmark's)."""
    chosen = (
        "re_referrals_12m",
        "cp_plans_started",
        "cla_starts",
        "cla_count",
        "care_leavers_eet",
        "unallocated_cases",
    )
    monkeypatch.setattr("childhub.indicators.library", lambda: {i: indicator(i) for i in chosen})
    return build_pack(HandMade(), as_at=TODAY, authority=AUTHORITY, threshold=5, today=TODAY)


@pytest.fixture
def made():
    counts = HandMade()
    return counts, build_pack(counts, as_at=TODAY, authority=AUTHORITY, threshold=5, today=TODAY)


def _item(pack, indicator_id):
    return next(item for area in pack.areas for item in area.indicators if item.id == indicator_id)


def test_every_indicator_is_in_its_judgement_area_once_leadership_and_workforce_included(made):
    counts, pack = made
    assert pack.as_at == MONTH_END and counts.asked == {MONTH_END}
    assert [area.key for area in pack.areas] == list(JUDGEMENT_AREAS)
    placed = {item.id: area.key for area in pack.areas for item in area.indicators}
    assert placed == {ind.id: GROUP_JUDGEMENT[ind.group] for ind in library().values()}
    leadership = next(area for area in pack.areas if area.key == "leadership")
    assert {item.group for item in leadership.indicators} == {"workforce"}
    assert all(area.questions for area in pack.areas)
    trend = _item(pack, "cla_count").trend
    assert [p.month for p in trend][:1] + [p.month for p in trend][-1:] == ["December 2025", "November 2026"]


def test_a_run_and_a_month_outside_the_usual_range_are_said_in_words(made):
    _, pack = made
    item = _item(pack, "unallocated_cases")
    assert [w.kind for w in item.warnings] == ["limit", "run"]
    assert item.warnings[0].sentence.startswith(
        "November 2026's figure is outside the range the last 12 months make usual (higher than that range)"
    )
    assert item.warnings[1].sentence.startswith(
        "The last 6 months each rose: an early sign the number is heading away from target"
    )
    assert item.change.sentence == "November 2026: 135, higher than October 2026 (130), worse."
    assert item.limits == {"centre": 113.333, "lower": 95.197, "upper": 131.47}
    assert item.questions == (  # questions.yml's for a month outside the range, a run, and no target
        f"What has changed to move {item.name} outside its usual range, and is it a change in practice, in demand "
        "or in recording?",
        f"Why has {item.name} kept moving the wrong way, and what is being done before it misses its target?",
        f"{item.name} has no target: should it have one, and who would own it?",
    )
    assert pack.summary.warnings == tuple(f"{item.name}: {w.sentence}" for w in item.warnings)
    assert pack.summary.worse == (item.name,)


def test_small_numbers_are_suppressed_and_warnings_not_worked_out_over_a_suppressed_month(made):
    _, pack = made
    small = _item(pack, "cp_plans_started")
    assert (small.formatted, small.numerator, small.value, small.suppressed) == ("[c]", "[c]", None, True)
    assert small.questions and "too few" in small.questions[0]
    starts = _item(pack, "cla_starts")
    assert starts.trend[3].numerator == "[c]" and starts.trend[3].value is None  # March 2026: 2 starts
    assert starts.trend[0].numerator == 20 and starts.warnings == () and starts.warnings_withheld
    assert starts.limits is None
    assert pack.summary.tally["suppressed"] == 1


def test_rag_and_the_questions_declared_for_it(made):
    _, pack = made
    red = _item(pack, "re_referrals_12m")
    assert (red.formatted, red.rag, red.target) == ("30.0%", "red", 20)
    assert red.questions == (
        "Re-referrals within 12 months is red: what is the plan to bring it back to target, "
        "and when will we see the effect?",
    )
    assert pack.summary.tally == {"green": 0, "amber": 0, "red": 1, "no target": len(library()) - 2, "suppressed": 1}
    n = len(library())
    assert pack.summary.sentences == (
        f"{n} indicators. Of the 1 with a target: 0 green, 0 amber, 1 red. {n - 2} have no target; 1 count too few "
        "children to show.",
        "2 early warnings (explained beside each indicator).",  # unallocated_cases's two
        "Since the month before, 0 indicators moved the better way and 1 the worse way.",
    )
    assert load_questions().general == pack.questions and len(pack.questions) >= 3


def test_the_questions_file_names_only_ilacs_areas(tmp_path):
    broken = tmp_path / "questions.yml"
    broken.write_text("general: [Why?]\nareas:\n  front_door: [Who?]\n", "utf-8")
    with pytest.raises(PackError, match="areas.front_door: is not a judgement area"):
        load_questions(broken)


def test_a_date_after_today_is_refused():
    with pytest.raises(PackError, match="after today"):
        build_pack(HandMade(), as_at=date(2026, 12, 6), authority=AUTHORITY, threshold=5, today=TODAY)


def test_comparators_commentary_and_a_synthetic_label(few, monkeypatch):
    from childhub.leaders.commentary import Comment
    from childhub.leaders.comparators import Comparison, Neighbour

    def comparison_for(hub, ind, authority, value):
        if ind.id != "re_referrals_12m":
            return None
        neighbours = (Neighbour("Northby", 18.0), Neighbour("Southby", 26.0))
        return Comparison(ind.id, "2024-25", 22.6, 21.0, "Ashshire", neighbours, 22.0, 28.0, 3, 3, "test", True)

    def current_comment(hub, indicator_id, period):
        if indicator_id == "re_referrals_12m" and period == "2026-11":
            return Comment(
                indicator_id,
                period,
                "Two families came back after a house move.",
                "ann",
                "2026-12-02T10:00:00+00:00",
                2,
            )
        return None

    monkeypatch.setattr("childhub.leaders.comparators.comparison_for", comparison_for)
    monkeypatch.setattr("childhub.leaders.commentary.current_comment", current_comment)
    pack = build_pack(HandMade(), as_at=TODAY, authority=AUTHORITY, threshold=5, hub=object(), today=TODAY)
    item = _item(pack, "re_referrals_12m")
    assert item.commentary.text == "Two families came back after a house move." and item.commentary.version == 2
    assert pack.comparators_loaded and pack.synthetic_comparators
    assert item.comparison_words() == [
        "Comparators for 2024-25 (synthetic: made up for the demonstration, not published figures): England 22.6%; "
        "Ashshire 21.0%; statistical neighbours' average 22.0%; 3rd best of 3 among the authority and its neighbours."
    ]
    text = _docx_text(pack_document(pack))
    assert "The service's commentary (2 December 2026): Two families came back after a house move." in text
    assert "average 22.0%; 3rd of 3 (synthetic)" in text
    assert "ann" not in text.split()  # who wrote it is not printed


def _docx_text(doc) -> str:
    import docx

    from childhub.documents import docx_bytes

    word = docx.Document(io.BytesIO(docx_bytes(doc)))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_document_reads_back_as_pdf_and_word(few):
    import pypdf

    from childhub.documents import pdf_bytes

    pack = few
    doc = pack_document(pack)
    pdf = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf_bytes(doc))).pages)
    word = _docx_text(doc)
    for text in (pdf, word):
        flat = " ".join(text.split())
        assert "Scrutiny pack: Ashmere (test)" in flat and "as at 30 November 2026" in flat
        for name in JUDGEMENT_AREAS.values():
            assert name in flat
        assert "The last 6 months each rose: an early sign the number is heading away from target" in flat
        assert "Are we measuring the right things?" in flat
        assert "No comparators loaded" in flat
        assert "No case file audits are loaded" in flat and "No survey responses are loaded" in flat
    cells = {row.cells[0].text: row.cells[1].text for row in _word_rows(doc) if len(row.cells) == 7}
    assert cells[indicator("cp_plans_started").name] == "[c]"
    assert cells[indicator("re_referrals_12m").name] == "30.0%"


def _word_rows(doc):
    import docx

    from childhub.documents import docx_bytes

    word = docx.Document(io.BytesIO(docx_bytes(doc)))
    return [row for table in word.tables for row in table.rows]


def test_the_pack_as_json_keeps_every_part(made):
    import json

    _, pack = made
    body = json.loads(json.dumps(pack.as_dict()))
    assert body["as_at"] == "2026-11-30" and body["asked_for"] == "2026-12-05" and body["threshold"] == 5
    assert [a["key"] for a in body["areas"]] == list(JUDGEMENT_AREAS)
    assert body["audits"] is None and body["surveys"] == [] and body["comparators_loaded"] is False
