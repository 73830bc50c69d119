"""The scrutiny pack: what a scrutiny committee reads about the service, as data, as a page and as a document.

``build_pack`` gathers, as at a month end, every indicator under Ofsted's ILACS judgement areas
(``indicators.JUDGEMENT_AREAS``; each indicator group belongs to one, ``GROUP_JUDGEMENT``) with its figure, its last
12 monthly points, target and RAG, England and the published comparators (``leaders.comparison_for``), its early
warnings in plain words, the service's commentary for the month (``leaders.current_comment``) and the questions the
committee should ask (declared in ``questions.yml``); then the quality behind the numbers (case file audits and
children's surveys, ``leaders.audit_summary`` and ``leaders.survey_results``) and a front summary (how many
indicators are green, amber and red, the warnings, what moved since the month before). ``pack_document`` writes
the same ``ScrutinyPack`` as a ``childhub.documents.Document`` (PDF or Word); the web page and the API show it too.

A pack is for a committee, so it is always under the small-number threshold, whoever asks for it: figures go
through ``indicators.figure_view`` and ``indicators.trend_points`` (a small count is ``[c]``, trend counts are
rounded to 5), the date is a month end (``disclosure.reference_date``), nothing is broken down, and no child,
team or worker is named. Early warnings are not given for an indicator any of whose monthly points is suppressed
(they are drawn from every point's exact value), as on the overview.

Figures and trends come from a ``Counts`` (``calculator_counts`` over a ``Calculator``; the web app passes its
per-snapshot cache, so the pack costs nothing it has not counted already).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field

from childhub.calendar import long_date
from childhub.declared import Frozen, Problems, load_yaml, raise_if_any
from childhub.disclosure import SUPPRESSED, reference_date
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    import duckdb

    from childhub.documents import Document
    from childhub.indicators import AuthoritySettings, Calculator, Figure, Indicator, Trend
    from childhub.leaders.comparators import Comparison
    from childhub.leaders.practice import AuditSummary, SurveyResult
    from childhub.store import HubDatabase

QUESTIONS_FILE = Path(__file__).parent / "questions.yml"
TREND_MONTHS = 12  # monthly points shown in the pack (the warnings are drawn from the authority's own number)
NOUNS = {  # what "the figure" is, by unit, in a sentence about its movement
    "percent": "percentage",
    "rate_per_10k": "rate",
    "count": "number",
    "median": "median",
    "mean": "average",
    "ratio": "ratio",
}


class PackError(ChildhubError):
    """The pack cannot be made for what was asked (a date after today, a broken questions file)."""


# --- the questions, declared ---------------------------------------------------------------------------------------


class FigureQuestions(Frozen):
    limit: tuple[str, ...] = ()
    run: tuple[str, ...] = ()
    red: tuple[str, ...] = ()
    amber: tuple[str, ...] = ()
    no_target: tuple[str, ...] = ()
    suppressed: tuple[str, ...] = ()


class Questions(Frozen):
    """``questions.yml``: the general questions, each judgement area's, and those for what a figure shows."""

    general: tuple[str, ...] = Field(min_length=1)
    areas: dict[str, tuple[str, ...]]
    figures: FigureQuestions = FigureQuestions()


def load_questions(path: Path = QUESTIONS_FILE) -> Questions:
    """The questions in ``path``, checked: every judgement area named is one of ILACS's, every question is text."""
    from childhub.indicators import JUDGEMENT_AREAS

    problems = Problems()
    questions = load_yaml(path, Questions, problems)
    if questions is not None:
        for area in sorted(set(questions.areas) - set(JUDGEMENT_AREAS)):
            problems.add(path.name, f"areas.{area}", f"is not a judgement area ({', '.join(JUDGEMENT_AREAS)})")
    raise_if_any(problems, str(path), PackError, one_line=True)
    assert questions is not None
    return questions


@cache
def _questions() -> Questions:
    return load_questions()


# --- the pack, as data ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One month of an indicator's trend as the committee may see it (``[c]`` counts, rounded to 5)."""

    as_at: date
    month: str  # "November 2026"
    value: float | None
    formatted: str
    numerator: float | int | str | None
    denominator: float | int | str | None


@dataclass(frozen=True)
class WarningInWords:
    """An early warning in words: ``kind`` is ``limit`` (a month outside the usual range) or ``run`` (months in a
    row the wrong way); ``other`` for a warning the pack has no words of its own for."""

    kind: str
    sentence: str


@dataclass(frozen=True)
class Change:
    """How the last month compares with the one before, from the monthly trend as shown."""

    direction: str  # "higher", "lower", "the same", or "not comparable" (a month suppressed or without a value)
    judged: str | None  # "better" or "worse" by the indicator's polarity (None when neutral, the same or unknown)
    sentence: str


@dataclass(frozen=True)
class Commentary:
    """The service's commentary on an indicator for the pack's month (who wrote it is not printed)."""

    text: str
    written_on: date
    version: int


@dataclass(frozen=True)
class PackIndicator:
    """One indicator in the pack."""

    id: str
    name: str
    definition: str
    group: str
    group_name: str
    unit: str
    polarity: str
    period: str  # in words: "1 April 2026 to 30 November 2026", "on 30 November 2026"
    value: float | None
    formatted: str
    numerator: float | int | str | None
    denominator: float | int | str | None
    suppressed: bool
    note: str | None
    target: float | None
    tolerance: float | None
    rag: str | None
    rag_basis: str | None
    england: str | None  # "22.1% (England 2024-25)"
    comparison: Comparison | None
    trend: tuple[Point, ...]
    limits: dict[str, float] | None
    warnings: tuple[WarningInWords, ...]
    warnings_withheld: bool  # a monthly point is suppressed: no warning is worked out from the exact values
    change: Change
    commentary: Commentary | None
    questions: tuple[str, ...]

    def comparison_words(self) -> list[str]:
        """The published comparators as a sentence (empty when none is loaded)."""
        comparison = self.comparison
        if comparison is None:
            return []
        tag = " (synthetic: made up for the demonstration, not published figures)" if comparison.synthetic else ""
        parts = []
        if comparison.england is not None:
            parts.append(f"England {_formatted(self, comparison.england)}")
        if comparison.region is not None:
            parts.append(f"{comparison.region_name or 'Region'} {_formatted(self, comparison.region)}")
        if comparison.neighbours_average is not None:
            parts.append(f"statistical neighbours' average {_formatted(self, comparison.neighbours_average)}")
        if comparison.position is not None and comparison.of:
            parts.append(
                f"{_ordinal(comparison.position)} best of {comparison.of} among the authority and its neighbours"
            )
        return [f"Comparators for {comparison.year}{tag}: " + "; ".join(parts) + "."] if parts else []


@dataclass(frozen=True)
class JudgementArea:
    """An ILACS judgement area with its indicators, its questions and its RAG tally."""

    key: str
    name: str
    indicators: tuple[PackIndicator, ...]
    questions: tuple[str, ...]
    tally: dict[str, int]


@dataclass(frozen=True)
class Summary:
    """The front page: indicators by RAG, those warning, and what moved since the month before."""

    indicators: int
    tally: dict[str, int]  # green, amber, red, no target, suppressed
    warnings: tuple[str, ...]  # "Name: sentence" for each warning
    worse: tuple[str, ...]  # the names of the indicators that moved the worse way since the month before
    better: tuple[str, ...]
    sentences: tuple[str, ...]  # the summary in words


@dataclass(frozen=True)
class ScrutinyPack:
    """Everything the pack says, as at a month end, under the small-number threshold."""

    authority: str
    as_at: date  # a month end
    asked_for: date  # the date asked for (the pack is as at the last month end on or before it)
    threshold: int
    generated_at: datetime
    summary: Summary
    areas: tuple[JudgementArea, ...]
    questions: tuple[str, ...]
    audits: AuditSummary | None
    surveys: tuple[SurveyResult, ...]
    comparators_loaded: bool
    synthetic_comparators: bool
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The pack as JSON-ready data (dates in ISO, tuples as lists)."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# --- where the figures come from ------------------------------------------------------------------------------------


class Counts(Protocol):
    """Where the pack's figures come from: each indicator's figure over its own period, and its monthly trend."""

    def figure(self, ind: Indicator, as_at: date) -> Figure: ...

    def trend(self, ind: Indicator, as_at: date) -> Trend: ...


@dataclass
class CalculatorCounts:
    """``Counts`` straight from a ``Calculator`` (the command line): the figure over its own period, the monthly
    trend with the authority's number of points (what its early warnings are drawn from). A snapshot indicator's
    figure is its trend's last point (the same count on the same day), so it is counted once."""

    calc: Calculator
    _trends: dict[tuple[str, date], Trend] = field(default_factory=dict)

    def figure(self, ind: Indicator, as_at: date) -> Figure:
        if ind.period == "snapshot":
            return self.trend(ind, as_at).figures[-1]
        return self.calc.figures(as_at, [ind.id])[0]

    def trend(self, ind: Indicator, as_at: date) -> Trend:
        key = (ind.id, as_at)
        if key not in self._trends:
            self._trends[key] = self.calc.trend(ind.id, as_at, "monthly")
        return self._trends[key]


# --- building it ---------------------------------------------------------------------------------------------------


def pack_date(as_at: date, threshold: int, today: date | None = None) -> date:
    """The month end a pack asked for on ``as_at`` is as at (refused after ``today``)."""
    today = today or date.today()
    if as_at > today:
        raise PackError(f"the pack cannot be as at {as_at.isoformat()}: that is after today ({today.isoformat()})")
    return reference_date(as_at, max(threshold, 1))


def build_pack(
    counts: Counts,
    *,
    as_at: date,
    authority: AuthoritySettings,
    threshold: int,
    hub: HubDatabase | None = None,
    cursor: duckdb.DuckDBPyConnection | None = None,
    today: date | None = None,
) -> ScrutinyPack:
    """The scrutiny pack as at the last month end on or before ``as_at``, under ``threshold`` (the small-number
    setting: a pack is always suppressed). ``hub`` gives the commentary and the comparators, ``cursor`` the
    audits and surveys; without them those parts say there is nothing loaded."""
    from childhub.indicators import GROUP_JUDGEMENT, GROUPS, JUDGEMENT_AREAS, library

    threshold = max(threshold, 1)
    month_end = pack_date(as_at, threshold, today)
    questions = _questions()
    by_area: dict[str, list[PackIndicator]] = {key: [] for key in JUDGEMENT_AREAS}
    order = {group: i for i, group in enumerate(GROUPS)}
    comparisons: list[Comparison] = []
    for ind in sorted(library().values(), key=lambda i: (order[i.group], i.id)):
        item = _indicator(counts, ind, month_end, authority, threshold, hub, questions)
        if item.comparison is not None:
            comparisons.append(item.comparison)
        by_area[GROUP_JUDGEMENT[ind.group]].append(item)
    areas = tuple(
        JudgementArea(
            key=key,
            name=name,
            indicators=tuple(by_area[key]),
            questions=tuple(questions.areas.get(key, ())),
            tally=_tally(by_area[key]),
        )
        for key, name in JUDGEMENT_AREAS.items()
    )
    audits, surveys = None, ()
    if cursor is not None:
        from childhub.leaders.practice import audit_summary, survey_results

        audits = audit_summary(cursor, month_end, months=12, threshold=threshold)
        surveys = tuple(survey_results(cursor, month_end, months=12, threshold=threshold))
    synthetic = any(c.synthetic for c in comparisons)
    notes = [
        f"Figures are as at {long_date(month_end)}, the end of a month. Counts from 1 to {threshold - 1} are "
        f"suppressed and shown as {SUPPRESSED}, so that no child can be identified; counts in the monthly trends "
        "are rounded to the nearest 5 and each month's figure is worked out from the rounded counts.",
        "No child, team or worker is named in this pack, and no figure is broken down.",
    ]
    if synthetic:
        notes.append(
            "The comparators in this pack are synthetic (made up for the demonstration): not published figures."
        )
    return ScrutinyPack(
        authority=authority.name,
        as_at=month_end,
        asked_for=as_at,
        threshold=threshold,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        summary=_summary([item for area in areas for item in area.indicators]),
        areas=areas,
        questions=questions.general,
        audits=audits,
        surveys=surveys,
        comparators_loaded=bool(comparisons),
        synthetic_comparators=synthetic,
        notes=tuple(notes),
    )


def _indicator(
    counts: Counts,
    ind: Indicator,
    month_end: date,
    authority: AuthoritySettings,
    threshold: int,
    hub: HubDatabase | None,
    questions: Questions,
) -> PackIndicator:
    from childhub.indicators import GROUPS, figure_view, format_value, limits_view, trend_points

    figure = counts.figure(ind, month_end)
    trend = counts.trend(ind, month_end)
    shown = figure_view(figure, threshold)
    every_point = trend_points(trend, threshold)
    points = tuple(_point(p) for p in every_point if not p["partial"])[-TREND_MONTHS:]
    withheld = any(p["formatted"] == SUPPRESSED for p in every_point)
    drawn_from = sum(1 for f in trend.figures if not f.partial and f.value is not None)  # the months judged
    warnings = (
        () if withheld else tuple(_warning_words(text, ind, points, drawn_from, authority) for text in trend.warnings)
    )
    comparison = None
    commentary = None
    if hub is not None:
        from childhub.leaders.commentary import current_comment, period_of
        from childhub.leaders.comparators import comparison_for

        # placed among the neighbours' full-year figures as England's is compared: annualised over part of a year
        comparison = comparison_for(hub, ind, authority, None if shown["suppressed"] else figure.comparable_value)
        comment = current_comment(hub, ind.id, period_of(month_end))
        if comment is not None:
            commentary = Commentary(comment.text, _day_of(comment.written_at), comment.version)
    england = None
    if ind.comparator is not None:
        england = f"{format_value(ind, ind.comparator.value)} ({ind.comparator.label})"
    return PackIndicator(
        id=ind.id,
        name=ind.name,
        definition=ind.definition,
        group=ind.group,
        group_name=GROUPS[ind.group],
        unit=ind.unit,
        polarity=ind.polarity,
        period=_period_words(figure.period.type, figure.period.start, figure.period.end),
        value=shown["value"],
        formatted=shown["formatted"],
        numerator=shown["numerator"],
        denominator=shown["denominator"],
        suppressed=shown["suppressed"],
        note=shown["note"],
        target=shown["target"],
        tolerance=shown["tolerance"],
        rag=shown["rag"],
        rag_basis=shown["rag_basis"],
        england=england,
        comparison=comparison,
        trend=points,
        limits=None if withheld else limits_view(trend.limits),
        warnings=warnings,
        warnings_withheld=withheld,
        change=_change(ind, points),
        commentary=commentary,
        questions=_figure_questions(ind, shown, warnings, questions),
    )


def _point(shown: dict[str, Any]) -> Point:
    day = date.fromisoformat(shown["as_at"])
    return Point(
        as_at=day,
        month=f"{day:%B %Y}",
        value=shown["value"],
        formatted=shown["formatted"],
        numerator=shown["numerator"],
        denominator=shown["denominator"],
    )


def _day_of(written_at: str) -> date:
    try:
        return datetime.fromisoformat(written_at).date()
    except ValueError:
        return date.fromisoformat(written_at[:10])


def _period_words(kind: str, start: date, end: date) -> str:
    return f"on {long_date(end)}" if kind == "snapshot" else f"{long_date(start)} to {long_date(end)}"


def warning_sentence(kind: str, ind: Indicator, month: str, months: int, run_length: int) -> str:
    """An early warning as a councillor reads it. ``kind`` is ``above`` or ``below`` (the month ``month`` lies
    outside the control limits drawn from ``months`` months) or ``run`` (``run_length`` months in a row moved
    the wrong way for ``ind``'s polarity)."""
    noun = NOUNS.get(ind.unit, "figure")
    if kind == "run":
        moved = "rose" if ind.polarity == "lower_is_better" else "fell"
        return (
            f"The last {run_length} months each {moved}: an early sign the {noun} is heading away from target, "
            "before it is far enough off to turn red."
        )
    side = "higher" if kind == "above" else "lower"
    return (
        f"{month}'s figure is outside the range the last {months} months make usual ({side} than that range): "
        "more than the ordinary ups and downs, so something has probably changed."
    )


def _warning_words(
    text: str, ind: Indicator, points: tuple[Point, ...], months: int, authority: AuthoritySettings
) -> WarningInWords:
    """The calculator's warning (``indicators.early_warnings``, drawn from ``months`` months) in plain words."""
    month = points[-1].month if points else "The last month"
    run_length = authority.early_warning.run_length
    if "above the upper control limit" in text:
        return WarningInWords("limit", warning_sentence("above", ind, month, months, run_length))
    if "below the lower control limit" in text:
        return WarningInWords("limit", warning_sentence("below", ind, month, months, run_length))
    if "wrong way" in text:
        return WarningInWords("run", warning_sentence("run", ind, month, months, run_length))
    return WarningInWords("other", text[:1].upper() + text[1:] + ".")


def _change(ind: Indicator, points: tuple[Point, ...]) -> Change:
    """The last month beside the one before, as shown (rounded under the threshold)."""
    if len(points) < 2 or points[-1].value is None or points[-2].value is None:
        return Change("not comparable", None, "Not comparable with the month before (a month is suppressed or empty).")
    last, before = points[-1], points[-2]
    if last.formatted == before.formatted:
        return Change("the same", None, f"{last.month}: the same as {before.month} ({last.formatted}).")
    direction = "higher" if last.value > before.value else "lower"
    judged = None
    if ind.polarity != "neutral":
        good = "higher" if ind.polarity == "higher_is_better" else "lower"
        judged = "better" if direction == good else "worse"
    tail = f", {judged}" if judged else ""
    sentence = f"{last.month}: {last.formatted}, {direction} than {before.month} ({before.formatted}){tail}."
    return Change(direction, judged, sentence)


def _figure_questions(
    ind: Indicator, shown: dict[str, Any], warnings: tuple[WarningInWords, ...], questions: Questions
) -> tuple[str, ...]:
    asked = questions.figures
    found: list[str] = []
    kinds = {warning.kind for warning in warnings}
    for kind in ("limit", "run"):
        if kind in kinds:
            found += getattr(asked, kind)
    if shown["suppressed"]:
        found += asked.suppressed
    elif shown["rag"] in ("red", "amber"):
        found += getattr(asked, shown["rag"])
    elif shown["target"] is None:
        found += asked.no_target
    return tuple(question.replace("{name}", ind.name) for question in found)


RAG_ORDER = ("green", "amber", "red", "no target", "suppressed")


def _rag_key(item: PackIndicator) -> str:
    if item.suppressed:
        return "suppressed"
    return item.rag or "no target"


def _tally(items: list[PackIndicator]) -> dict[str, int]:
    tally = dict.fromkeys(RAG_ORDER, 0)
    for item in items:
        tally[_rag_key(item)] += 1
    return tally


def _summary(items: list[PackIndicator]) -> Summary:
    tally = _tally(items)
    warnings = tuple(f"{item.name}: {warning.sentence}" for item in items for warning in item.warnings)
    worse = tuple(item.name for item in items if item.change.judged == "worse")
    better = tuple(item.name for item in items if item.change.judged == "better")
    judged = tally["green"] + tally["amber"] + tally["red"]
    sentences = [
        f"{len(items)} indicators. Of the {judged} with a target: {tally['green']} green, {tally['amber']} amber, "
        f"{tally['red']} red. {tally['no target']} have no target; {tally['suppressed']} count too few children "
        "to show.",
        f"{_plural(len(warnings), 'early warning')} (explained beside each indicator)."
        if warnings
        else "No indicator gives an early warning this month.",
        f"Since the month before, {_plural(len(better), 'indicator')} moved the better way and {len(worse)} the "
        "worse way.",
    ]
    return Summary(len(items), tally, warnings, worse, better, tuple(sentences))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- as a document --------------------------------------------------------------------------------------------------


def pack_document(pack: ScrutinyPack) -> Document:
    """The pack as a ``childhub.documents.Document``, for PDF or Word: the summary and the questions, then each
    judgement area on its own pages (a table of its indicators, then each indicator with its trend, warnings,
    comparators, commentary and questions), then the quality behind the numbers and how to read the pack."""
    from childhub.documents import Bullets, Document, Heading, PageBreak, Paragraph, Table

    doc = Document(
        f"Scrutiny pack: {pack.authority}",
        subtitle=f"Children's services performance as at {long_date(pack.as_at)}",
        footer=f"{pack.authority}: scrutiny pack as at {long_date(pack.as_at)}. Small numbers shown as {SUPPRESSED}.",
    )
    doc.add(Heading("Summary"))
    doc.add(*(Paragraph(sentence, "lead" if i == 0 else "body") for i, sentence in enumerate(pack.summary.sentences)))
    doc.add(
        Table(
            ("Judgement area", "Green", "Amber", "Red", "No target", "Too few to show"),
            tuple((area.name, *(str(area.tally[key]) for key in RAG_ORDER)) for area in pack.areas),
            caption="Indicators by RAG in each ILACS judgement area",
            numeric=(1, 2, 3, 4, 5),
        )
    )
    if pack.summary.warnings:
        doc.add(Heading("Early warnings", 2), Bullets(pack.summary.warnings))
    if pack.summary.worse:
        doc.add(Heading("Worse than the month before", 2), Bullets(pack.summary.worse))
    doc.add(Heading("Questions for the committee", 2), Bullets(pack.questions))
    doc.add(*(Paragraph(note, "note") for note in pack.notes))
    if not pack.comparators_loaded:
        doc.add(Paragraph("No comparators loaded: England's figure is shown where the indicator has one.", "small"))
    for area in pack.areas:
        doc.add(PageBreak(), Heading(area.name))
        doc.add(Heading("Questions to ask", 2), Bullets(area.questions))
        doc.add(_area_table(area))
        for item in area.indicators:
            doc.add(*_indicator_blocks(item, pack))
    doc.add(PageBreak(), Heading("The quality behind the numbers"))
    doc.add(*_practice_blocks(pack))
    doc.add(Heading("How to read this pack", 2))
    doc.add(
        Bullets(
            (
                "RAG: green at or better than the target, amber within its tolerance, red beyond it; an indicator "
                "without a target has no RAG.",
                "Early warnings come from the last months' figures: a month outside the range the earlier months "
                "make usual, or several months in a row moving the wrong way. They are not given where a month is "
                "suppressed.",
                f"{SUPPRESSED}: a count too small to publish (and the figure made from it).",
                *pack.notes,
            )
        )
    )
    doc.add(Paragraph(f"Made by childhub on {long_date(pack.generated_at.date())}.", "small"))
    return doc


def _area_table(area: JudgementArea):
    from childhub.documents import Table

    rows = tuple(
        (
            item.name,
            item.formatted,
            "" if item.target is None else f"{item.target:g}",
            "" if item.rag is None else item.rag.capitalize(),
            item.england or "",
            _neighbours_words(item),
            item.change.judged or item.change.direction,
        )
        for item in area.indicators
    )
    return Table(
        ("Indicator", "Figure", "Target", "RAG", "England", "Statistical neighbours", "Since last month"),
        rows,
        caption=f"{area.name}: every indicator",
        numeric=(1, 2),
        rag_column=3,
    )


def _neighbours_words(item: PackIndicator) -> str:
    comparison = item.comparison
    if comparison is None:
        return "No comparators loaded"
    parts = []
    if comparison.neighbours_average is not None:
        parts.append(f"average {_formatted(item, comparison.neighbours_average)}")
    if comparison.position is not None and comparison.of:
        parts.append(f"{_ordinal(comparison.position)} of {comparison.of}")
    text = "; ".join(parts) or "none published"
    return f"{text} (synthetic)" if comparison.synthetic else text


def _formatted(item: PackIndicator, value: float | None) -> str:
    from childhub.indicators import format_value, indicator

    return format_value(indicator(item.id), value)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _indicator_blocks(item: PackIndicator, pack: ScrutinyPack) -> list:
    from childhub.documents import Bullets, Heading, Paragraph
    from childhub.documents import Trend as TrendChart

    blocks: list = [Heading(item.name, 3)]
    facts = f"{item.formatted} ({item.period})"
    if item.rag:
        facts += f"; {item.rag} against a target of {item.target:g}"
    elif item.target is None and not item.suppressed:
        facts += "; no target set"
    if item.england:
        facts += f"; {item.england}"
    blocks.append(Paragraph(facts + ".", "lead"))
    if item.suppressed:
        blocks.append(Paragraph(f"Too few children to show ({SUPPRESSED}): the figure is suppressed.", "note"))
    blocks.append(Paragraph(item.definition, "small"))
    if sum(point.value is not None for point in item.trend) >= 2:  # a line to draw
        limits = item.limits or {}
        blocks.append(
            TrendChart(
                f"{item.name}, monthly, {item.trend[0].month} to {item.trend[-1].month}",
                tuple(point.month[:3] + " " + point.month[-2:] for point in item.trend),
                tuple(point.value for point in item.trend),
                target=item.target,
                lower=limits.get("lower"),
                upper=limits.get("upper"),
            )
        )
    if item.trend:
        blocks.append(Paragraph(item.change.sentence, "small"))
    if item.warnings:
        blocks.append(Bullets(tuple(f"Early warning: {warning.sentence}" for warning in item.warnings)))
    elif item.warnings_withheld:
        blocks.append(Paragraph("No early warning is worked out: a month in the trend is suppressed.", "small"))
    blocks += [Paragraph(line, "body") for line in item.comparison_words()]
    if item.commentary is not None:
        blocks.append(
            Paragraph(
                f"The service's commentary ({long_date(item.commentary.written_on)}): {item.commentary.text}", "note"
            )
        )
    if item.questions:
        blocks.append(Bullets(item.questions))
    return blocks


def _practice_blocks(pack: ScrutinyPack) -> list:
    from childhub.documents import Heading, Paragraph, Table

    blocks: list = [Heading("Case file audits", 2)]
    audits = pack.audits
    if audits is None:
        blocks.append(Paragraph("No case file audits are loaded for the 12 months to this date.", "body"))
    else:
        good = "" if audits.good_or_better is None else f"; {audits.good_or_better:.0f}% good or outstanding"
        blocks.append(
            Paragraph(
                f"{audits.audits} audits completed from {long_date(audits.start)} to {long_date(audits.end)}{good}.",
                "lead",
            )
        )
        if audits.by_grade:
            blocks.append(Table(("Grade", "Audits"), _rows(audits.by_grade), caption="By grade", numeric=(1,)))
        if audits.by_theme:
            blocks.append(Table(("Theme", "Audits"), _rows(audits.by_theme), caption="By theme", numeric=(1,)))
    blocks.append(Heading("What children and care leavers tell us", 2))
    if not pack.surveys:
        blocks.append(Paragraph("No survey responses are loaded for the 12 months to this date.", "body"))
    for result in pack.surveys:
        blocks.append(
            Table(
                ("Answer", "Children"),
                _rows(result.answers),
                caption=f"{result.survey}, {result.period}: {result.question} ({result.respondents} answered)",
                numeric=(1,),
            )
        )
    return blocks


def _rows(pairs) -> tuple[tuple[str, str], ...]:
    return tuple((str(label), str(count)) for label, count in pairs)
