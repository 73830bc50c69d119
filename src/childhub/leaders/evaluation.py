"""The self-evaluation: Ofsted's three questions, answered per ILACS judgement area, with the evidence drawn in.

Ofsted asks a local authority three questions before an inspection (``QUESTIONS``): what do you know about the
quality and impact of social work practice, how do you know it, and what are your plans for the next 12 months.
The self-evaluation answers each for each judgement area (``childhub.indicators.JUDGEMENT_AREAS``), in the words of
the people who run the service (``narrative``: plain text, paragraphs split by a blank line), beside the evidence
childhub draws in as at a date (``gather_evidence``):

- per judgement area, every indicator of the groups under it (``GROUP_JUDGEMENT``): value, target, RAG, England,
  the published comparators (``leaders.comparison_for``: region and statistical neighbours, when loaded) and the
  trend's early warnings, as the overview shows them;
- data quality: the open findings of the DfE's rules and childhub's checks across systems, by rule and severity
  (``childhub.dq.summary``: counts, no child named), as the last run recorded them;
- case file audits in the 12 months to the date (``leaders.audit_summary``) and the children's surveys
  (``leaders.survey_results``), surveys of care leavers under care leavers, the others under children in care.

Readers are staff (admins, analysts, managers): figures are the authority's own, not suppressed, and no child is
named; the exported file (``document``, through ``childhub.documents``) says OFFICIAL-SENSITIVE on every page.

Every save of a narrative is a new version (who, when) in the hub database's ``self_evaluation_text`` (hub
migration 0005; never changed or removed), and ``restore_narrative`` brings an earlier text back as a new version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from childhub.calendar import long_date
from childhub.errors import ChildhubError
from childhub.indicators import GROUP_JUDGEMENT, JUDGEMENT_AREAS
from childhub.leaders.commentary import CommentaryError, check_text
from childhub.leaders.comparators import Comparison, comparison_for
from childhub.leaders.practice import AuditSummary, SurveyResult, audit_summary, survey_results

if TYPE_CHECKING:
    import sqlite3

    import duckdb

    from childhub.documents import Document
    from childhub.indicators import AuthoritySettings, Figure, Trend
    from childhub.store import HubDatabase

QUESTIONS = {
    "know": "What do you know about the quality and impact of social work practice?",
    "how": "How do you know it?",
    "plans": "What are your plans for the next 12 months?",
}
AREAS = JUDGEMENT_AREAS
MAX_NARRATIVE = 20_000  # characters in one answer (one question in one judgement area)
MARKING = "OFFICIAL-SENSITIVE"
AUDIT_MONTHS = 12


class SelfEvaluationError(ChildhubError):
    """A narrative that cannot be kept (an unknown area or question, an empty or too long text, a control
    character), or a version that does not exist; one line saying which."""


# --- the evidence ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorEvidence:
    """One indicator as the self-evaluation shows it: the figure, what it is set against, and its warnings."""

    indicator_id: str
    name: str
    period: str  # the figure's period in words
    value: float | None
    formatted: str
    target: str | None  # the target as the figure reads, "20.0%"
    rag: str | None
    england: str | None
    comparison: Comparison | None
    warnings: tuple[str, ...]
    note: str | None  # why there is no value, if there is none


@dataclass(frozen=True)
class RuleFindings:
    """The open findings of one data-quality rule (none accepted)."""

    rule: str  # "SSDA903 202"
    message: str
    errors: int
    queries: int
    children: int


@dataclass(frozen=True)
class QualityEvidence:
    """The open data-quality findings as the last check recorded them (None for ``last_run``: never checked)."""

    last_run: str | None
    errors: int
    queries: int
    accepted: int
    by_rule: tuple[RuleFindings, ...]


@dataclass(frozen=True)
class AreaEvidence:
    """The evidence for one ILACS judgement area."""

    area: str
    title: str
    indicators: tuple[IndicatorEvidence, ...]
    surveys: tuple[SurveyResult, ...] = ()

    @property
    def warnings(self) -> int:
        return sum(1 for item in self.indicators if item.warnings)

    def rag_count(self, rag: str) -> int:
        return sum(1 for item in self.indicators if item.rag == rag)


@dataclass(frozen=True)
class Evidence:
    """Everything the self-evaluation draws in as at one date."""

    as_at: date
    areas: tuple[AreaEvidence, ...]
    quality: QualityEvidence
    audits: AuditSummary | None
    surveys: tuple[SurveyResult, ...] = field(default=())


@dataclass(frozen=True)
class ServiceEvidence:
    """The evidence across the service, read from the store alone (so a web app may keep it per snapshot): data
    quality, case file audits and children's surveys as at a date."""

    as_at: date
    quality: QualityEvidence
    audits: AuditSummary | None
    surveys: tuple[SurveyResult, ...]


def service_evidence(cursor: duckdb.DuckDBPyConnection, as_at: date) -> ServiceEvidence:
    """Data quality (the open findings as the last check recorded them), and the case file audits and children's
    surveys of the 12 months to ``as_at``, from the store on ``cursor`` (the facts data quality reads prepared)."""
    return ServiceEvidence(
        as_at=as_at,
        quality=_quality(cursor),
        audits=audit_summary(cursor, as_at, months=AUDIT_MONTHS),
        surveys=tuple(survey_results(cursor, as_at, months=AUDIT_MONTHS)),
    )


def gather_evidence(
    cursor: duckdb.DuckDBPyConnection,
    hub: HubDatabase,
    authority: AuthoritySettings,
    as_at: date,
    *,
    counted: Iterable[tuple[Figure, Trend]] | None = None,
    indicator_ids: list[str] | None = None,
    service: ServiceEvidence | None = None,
) -> Evidence:
    """The evidence as at ``as_at`` from the store on ``cursor`` and the hub database (comparators): every
    indicator's figure and monthly trend (``counted``, as the overview counted them; or counted here, only
    ``indicator_ids`` if given, with the facts they read prepared on ``cursor``), and the evidence across the
    service (``service``, or read here by ``service_evidence``)."""
    if counted is None:  # a command's own reader: the facts it reads are built on it (the web's are there)
        from childhub.facts import prepare
        from childhub.indicators import Calculator

        prepare(cursor, ["person", "allocation"])  # what data quality's open findings read
        calc = Calculator(cursor, authority)
        counted = [(figure, calc.trend(figure.indicator.id, as_at)) for figure in calc.figures(as_at, indicator_ids)]
    if service is None:
        service = service_evidence(cursor, as_at)
    by_area: dict[str, list[IndicatorEvidence]] = {area: [] for area in AREAS}
    for figure, trend in counted:
        ind = figure.indicator
        if indicator_ids is not None and ind.id not in indicator_ids:
            continue
        by_area[GROUP_JUDGEMENT[ind.group]].append(_indicator_evidence(hub, authority, figure, trend))
    areas = tuple(
        AreaEvidence(
            area,
            title,
            tuple(by_area[area]),
            tuple(survey for survey in service.surveys if _survey_area(survey) == area),
        )
        for area, title in AREAS.items()
    )
    return Evidence(as_at=as_at, areas=areas, quality=service.quality, audits=service.audits, surveys=service.surveys)


def _indicator_evidence(
    hub: HubDatabase, authority: AuthoritySettings, figure: Figure, trend: Trend
) -> IndicatorEvidence:
    from childhub.indicators import format_value

    ind = figure.indicator
    return IndicatorEvidence(
        indicator_id=ind.id,
        name=ind.name,
        period=figure.period.label,
        value=figure.value,
        formatted=figure.formatted(),
        target=None if figure.target is None else format_value(ind, figure.target.target),
        rag=figure.rag,
        england=None
        if ind.comparator is None
        else f"{format_value(ind, ind.comparator.value)} ({ind.comparator.label})",
        comparison=comparison_for(hub, ind, authority, figure.value),
        warnings=tuple(trend.warnings),
        note=figure.note,
    )


def _survey_area(survey: SurveyResult) -> str:
    """The judgement area a survey speaks to: care leavers' surveys to care leavers, the rest to children in care."""
    return "care_leavers" if "leaver" in survey.survey.lower() else "children_in_care"


def _quality(cursor: duckdb.DuckDBPyConnection) -> QualityEvidence:
    """The open findings by rule (``dq.summary``: counts only), each rule with its message."""
    from childhub.dq import RETURN_NAMES, load_rules, summary

    held = cursor.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('dq_finding', 'dq_run')")
    if held.fetchone()[0] < 2:
        return QualityEvidence(None, 0, 0, 0, ())
    counts = summary(cursor)
    rules = load_rules()
    by_rule = []
    for row in counts["by_rule"]:
        kind, _, code = str(row["name"]).partition(" ")
        rule = rules.get(kind, {}).get(code)
        by_rule.append(
            RuleFindings(
                rule=f"{RETURN_NAMES.get(kind, kind)} {code}",
                message=rule.message if rule is not None else "",
                errors=row["errors"],
                queries=row["queries"],
                children=row["children"],
            )
        )
    last_run = counts["last_run"]
    return QualityEvidence(
        last_run=None if last_run is None else str(last_run)[:19],
        errors=counts["errors"],
        queries=counts["queries"],
        accepted=counts["accepted"],
        by_rule=tuple(by_rule),
    )


# --- the narrative -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Narrative:
    """One version of the answer to one question in one judgement area."""

    version_id: int  # unique across the self-evaluation: what "restore this version" names
    area: str
    question: str
    version: int  # 1, 2, ... for this area and question
    text: str
    written_by: str
    written_at: str  # UTC, ISO 8601
    restored_from: int | None = None  # the version_id whose text this restored

    @property
    def paragraphs(self) -> list[str]:
        """The text's paragraphs (split at blank lines), each with its lines joined."""
        return paragraphs(self.text)


def paragraphs(text: str) -> list[str]:
    """Plain text's paragraphs: split at blank lines; the line breaks inside a paragraph become spaces."""
    blocks = [
        " ".join(line.strip() for line in block.splitlines()) for block in text.replace("\r\n", "\n").split("\n\n")
    ]
    return [block.strip() for block in blocks if block.strip()]


_COLUMNS = "text_id, area, question, version, text, written_by, written_at, restored_from"


def _narrative(row: sqlite3.Row) -> Narrative:
    return Narrative(
        version_id=row["text_id"],
        area=row["area"],
        question=row["question"],
        version=row["version"],
        text=row["text"],
        written_by=row["written_by"],
        written_at=row["written_at"],
        restored_from=row["restored_from"],
    )


def check_section(area: str, question: str) -> tuple[str, str]:
    """``(area, question)`` if both are known; otherwise one SelfEvaluationError naming the ones there are."""
    if area not in AREAS:
        raise SelfEvaluationError(f"the judgement area is one of {', '.join(AREAS)}, not {area!r}")
    if question not in QUESTIONS:
        raise SelfEvaluationError(f"the question is one of {', '.join(QUESTIONS)}, not {question!r}")
    return area, question


def narrative(hub: HubDatabase) -> dict[tuple[str, str], Narrative]:
    """The latest version of each answer written, by (area, question)."""
    with hub.connect(write=False) as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM self_evaluation_text AS t WHERE version = "
            "(SELECT max(version) FROM self_evaluation_text AS u WHERE u.area = t.area AND u.question = t.question)"
        ).fetchall()
    return {(row["area"], row["question"]): _narrative(row) for row in rows}


def narrative_history(hub: HubDatabase, area: str | None = None, question: str | None = None) -> list[Narrative]:
    """Every version written (of one area, or one question of it), newest first."""
    clauses, values = [], []
    if area is not None:
        clauses, values = ["area = ?"], [area]
    if question is not None:
        clauses, values = [*clauses, "question = ?"], [*values, question]
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    with hub.connect(write=False) as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM self_evaluation_text {where} ORDER BY text_id DESC", values)
        return [_narrative(row) for row in rows.fetchall()]


def narrative_version(hub: HubDatabase, version_id: int) -> Narrative:
    """One version by its ID; SelfEvaluationError if there is none."""
    with hub.connect(write=False) as conn:
        row = conn.execute(f"SELECT {_COLUMNS} FROM self_evaluation_text WHERE text_id = ?", [version_id]).fetchone()
    if row is None:
        raise SelfEvaluationError(f"there is no version {version_id} of the self-evaluation")
    return _narrative(row)


def write_narrative(
    hub: HubDatabase, area: str, question: str, text: str, written_by: str, *, restored_from: int | None = None
) -> Narrative:
    """Keep a new version of the answer to ``question`` in ``area`` (the earlier ones stay); returns it. The same
    text as the latest version is not kept twice: the latest is returned."""
    from childhub.store import utc_now

    area, question = check_section(area, question)
    try:
        kept = check_text(text, limit=MAX_NARRATIVE, what="the answer")
    except CommentaryError as error:
        raise SelfEvaluationError(str(error)) from None
    with hub.connect() as conn:
        latest = conn.execute(
            f"SELECT {_COLUMNS} FROM self_evaluation_text WHERE area = ? AND question = ? "
            "ORDER BY version DESC LIMIT 1",
            [area, question],
        ).fetchone()
        if latest is not None and latest["text"] == kept:
            return _narrative(latest)
        version = 1 if latest is None else latest["version"] + 1
        written_at = utc_now()
        (version_id,) = conn.execute(
            "INSERT INTO self_evaluation_text (area, question, version, text, written_by, written_at, restored_from) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING text_id",
            [area, question, version, kept, written_by, written_at, restored_from],
        ).fetchone()
    return Narrative(version_id, area, question, version, kept, written_by, written_at, restored_from)


def restore_narrative(hub: HubDatabase, version_id: int, written_by: str) -> Narrative:
    """Bring the text of version ``version_id`` back as the newest version of its answer (a new version, which
    says what it restored); the latest is returned unchanged when it already reads the same."""
    earlier = narrative_version(hub, version_id)
    return write_narrative(hub, earlier.area, earlier.question, earlier.text, written_by, restored_from=version_id)


# --- the document ------------------------------------------------------------------------------------------------


def self_evaluation_document(
    evidence: Evidence, answers: dict[tuple[str, str], Narrative], authority_name: str
) -> Document:
    """The self-evaluation as one document (``childhub.documents``): per judgement area, each question's answer,
    then its evidence; then data quality, audits and surveys. OFFICIAL-SENSITIVE on every page; no child named."""
    from childhub.documents import Bullets, Document, Heading, PageBreak, Paragraph

    doc = Document(
        title=f"{authority_name}: self-evaluation of social work practice",
        subtitle=f"Evidence as at {long_date(evidence.as_at)}",
        footer=f"{MARKING}: {authority_name} self-evaluation, as at {long_date(evidence.as_at)}",
    )
    doc.add(
        Paragraph(
            "Built on Ofsted's three questions for each judgement of the inspection of local authority children's "
            "services (ILACS): " + " ".join(QUESTIONS.values()),
            "lead",
        ),
        Paragraph(
            "The narrative is the service's own. The evidence under it is drawn from childhub as at the date above: "
            "each indicator with its target, RAG, England's figure and early warnings; data quality; case file "
            "audits and children's surveys. Figures are the authority's own and are not suppressed; no child is "
            "named.",
            "note",
        ),
    )
    for number, area in enumerate(evidence.areas):
        if number:
            doc.add(PageBreak())
        doc.add(Heading(area.title, 1))
        for key, question in QUESTIONS.items():
            doc.add(Heading(question, 2))
            answer = answers.get((area.area, key))
            if answer is None:
                doc.add(Paragraph("Not written yet.", "note"))
                continue
            doc.add(*(Paragraph(text) for text in answer.paragraphs))
            doc.add(
                Paragraph(f"Version {answer.version}, by {answer.written_by}, {_when(answer.written_at)}.", "small")
            )
        doc.add(Heading("Evidence: the indicators", 2))
        doc.add(*_indicator_blocks(area))
        warned = [item for item in area.indicators if item.warnings]
        if warned:
            doc.add(Heading("Early warnings", 3))
            doc.add(Bullets(tuple(f"{item.name}: {'; '.join(item.warnings)}" for item in warned)))
        if area.surveys:
            doc.add(Heading("What children told us", 3))
            doc.add(*_survey_blocks(area.surveys))
    doc.add(PageBreak(), Heading("Evidence across the service", 1))
    doc.add(*_quality_blocks(evidence.quality))
    doc.add(*_audit_blocks(evidence.audits))
    return doc


def _when(written_at: str) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(written_at)
    return f"{long_date(moment.date())} at {moment:%H:%M} UTC"


def _indicator_blocks(area: AreaEvidence) -> list:
    from childhub.documents import Paragraph, Table

    if not area.indicators:
        return [Paragraph("No indicator is counted under this judgement.", "note")]
    rows = []
    for item in area.indicators:
        rows.append(
            (
                item.name,
                item.formatted if item.value is not None else f"- ({item.note})" if item.note else "-",
                item.target or "none set",
                item.rag or "",
                item.england or "none published",
                _comparators_text(item.comparison),
            )
        )
    return [
        Table(
            ("Indicator", "Value", "Target", "RAG", "England", "Region and neighbours"),
            tuple(rows),
            caption=f"{area.title}: {len(rows)} indicators; {area.rag_count('red')} red, {area.rag_count('amber')} "
            f"amber, {area.rag_count('green')} green; {area.warnings} with an early warning",
            numeric=(1, 2),
            rag_column=3,
        )
    ]


def _comparators_text(comparison: Comparison | None) -> str:
    """Where the figure stands among the published comparators, in words ("" when none is loaded)."""
    if comparison is None:
        return ""
    parts = []
    if comparison.region is not None:
        parts.append(f"{comparison.region_name or 'region'} {comparison.region:g}")
    if comparison.neighbours_average is not None:
        parts.append(f"neighbours' average {comparison.neighbours_average:g}")
    if comparison.position is not None and comparison.of is not None:
        parts.append(f"{_ordinal(comparison.position)} of {comparison.of}")
    text = "; ".join(parts) + f" ({comparison.year})"
    return f"{text}, synthetic" if comparison.synthetic else text


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _survey_blocks(surveys: Iterable[SurveyResult]) -> list:
    from childhub.documents import Table

    rows = tuple(
        (
            result.survey,
            result.period,
            result.question,
            _count(result.respondents),
            "; ".join(f"{answer} {_count(count)}" for answer, count in result.answers),
        )
        for result in surveys
    )
    return [Table(("Survey", "Period", "Question", "Respondents", "Answers"), rows, numeric=(3,))]


def _count(count: int | str) -> str:
    return f"{count:,}" if isinstance(count, int) else str(count)


def _quality_blocks(quality: QualityEvidence) -> list:
    from childhub.documents import Heading, Paragraph, Table

    blocks: list = [Heading("Data quality", 2)]
    if quality.last_run is None:
        return [*blocks, Paragraph("The data-quality rules have not been run on this hub yet.", "note")]
    blocks.append(
        Paragraph(
            f"Open findings of the DfE's validation rules and childhub's checks across systems, as the check of "
            f"{_when(quality.last_run)} recorded them: {quality.errors:,} errors and {quality.queries:,} queries "
            f"open, {quality.accepted:,} accepted with a reason."
        )
    )
    if quality.by_rule:
        blocks.append(
            Table(
                ("Rule", "What it checks", "Errors", "Queries", "Children"),
                tuple(
                    (r.rule, r.message, f"{r.errors:,}", f"{r.queries:,}", f"{r.children:,}") for r in quality.by_rule
                ),
                caption="Open findings by rule (not accepted)",
                numeric=(2, 3, 4),
            )
        )
    return blocks


def _audit_blocks(audits: AuditSummary | None) -> list:
    from childhub.documents import Heading, Paragraph, Table

    blocks: list = [Heading("Case file audits", 2)]
    if audits is None:
        return [*blocks, Paragraph(f"No case file audit was completed in the {AUDIT_MONTHS} months.", "note")]
    good = "" if audits.good_or_better is None else f"; {audits.good_or_better:.0f}% good or outstanding"
    blocks.append(
        Paragraph(
            f"{_count(audits.audits)} audits completed from {long_date(audits.start)} to {long_date(audits.end)}{good}."
        )
    )
    if audits.by_grade:
        blocks.append(Table(("Grade", "Audits"), tuple((g, _count(n)) for g, n in audits.by_grade), numeric=(1,)))
    if audits.by_theme:
        blocks.append(Table(("Theme", "Audits"), tuple((t, _count(n)) for t, n in audits.by_theme), numeric=(1,)))
    return blocks
