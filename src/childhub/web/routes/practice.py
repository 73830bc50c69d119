"""Practice quality: case file audits by month, grade and theme, and what children in care and care leavers say.

Every role of ``ROLES`` sees the counts, under disclosure control for its threshold (scrutiny: small counts "[c]",
counts by month rounded, the window ending at the last month end: ``childhub.leaders.practice``). Analysts,
managers and admins also get the list of the children whose files were audited, limited to those they may see
(``web.scope.child_filter``), written to the audit log, and downloadable (``web.exports.child_list_download``).
The indicator page shows the audits of the themes that bear on each indicator (``audits_view``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from childhub.calendar import long_date
from childhub.disclosure import SUPPRESSED
from childhub.indicators import Indicator, suppression_threshold
from childhub.leaders import audit_summary, audited_children, audits_by_month, practice_window, survey_results
from childhub.web.deps import Signed, audit, context, render, require, signed_in
from childhub.web.exports import ChildList, Column, child_list_download, link

ROLES = ("admin", "analyst", "manager", "scrutiny")
LIST_ROLES = ("admin", "analyst", "manager")  # may see the children audited (never scrutiny)
READS = ("case_audit", "case_audit_theme", "survey_response")  # the facts the counts read
MONTHS = 12
LIST_SHOWN = 200  # audits listed on the page; the download has them all
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["practice"], dependencies=[Depends(require(*ROLES))])
GRADE_COLOURS = {  # the chart's bars, best grade first
    "Outstanding": "#00703c",
    "Good": "#85994b",
    "Requires improvement to be good": "#f47738",
    "Inadequate": "#d4351c",
}


def _threshold(request: Request, signed: Signed) -> int:
    return suppression_threshold(signed.role, context(request).small_number)


def practice_quality(request: Request, signed: Signed, as_at: date, months: int = MONTHS) -> dict[str, Any]:
    """The counts the page and ``GET /api/v1/practice-quality`` show, as ``signed`` may see them (no child).

    Under a threshold the window is always the 12 months to the last month end, whatever ``months`` says."""
    threshold = _threshold(request, signed)
    if threshold:
        months = MONTHS  # under a threshold the window is fixed: 12 months less 11 would be one month's counts
    start, end = practice_window(as_at, months, threshold)
    snapshot = context(request).served.current()

    def count() -> dict[str, Any]:
        cursor = snapshot.cursor()
        summary = audit_summary(cursor, end, months=months, threshold=threshold)
        by_month = audits_by_month(cursor, end, months=months, threshold=threshold)
        surveys = survey_results(cursor, end, months=months, threshold=threshold)
        return {
            "as_at": end.isoformat(),
            "from": start.isoformat(),
            "months": months,
            "suppressed_below": threshold or None,
            "audits": _summary_json(summary),
            "audits_by_month": [
                {"month": m.month.isoformat(), "audits": m.audits, "by_grade": [list(g) for g in m.by_grade]}
                for m in by_month
            ],
            "surveys": [
                {
                    "survey": r.survey,
                    "period": r.period,
                    "question": r.question,
                    "respondents": r.respondents,
                    "answers": [list(a) for a in r.answers],
                }
                for r in surveys
            ],
        }

    return snapshot.memo(("practice_quality", end, months, threshold), count, reads=READS)


def _summary_json(summary: Any) -> dict[str, Any] | None:
    if summary is None:
        return None
    shown = asdict(summary)
    shown["start"], shown["end"] = summary.start.isoformat(), summary.end.isoformat()
    shown["by_grade"] = [list(g) for g in summary.by_grade]
    shown["by_theme"] = [list(t) for t in summary.by_theme]
    shown["themes"] = list(summary.themes)
    return shown


def _month_words(month: str) -> str:
    """ "2025-11-01" -> "November 2025"."""
    return long_date(date.fromisoformat(month)).split(" ", 1)[1]


def _survey_groups(surveys: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]]:
    """The survey results as the page lists them: each survey, each of its periods in order, its questions."""
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for result in surveys:
        groups.setdefault(result["survey"], {}).setdefault(result["period"], []).append(result)
    return [(survey, list(periods.items())) for survey, periods in groups.items()]


def _grade_chart(by_month: list[dict[str, Any]]) -> dict[str, Any]:
    """Audits by month, stacked by grade (a suppressed count is left out of the bars; the table says "[c]")."""
    months = [_month_words(m["month"]) for m in by_month]
    grades = [grade for grade, _ in by_month[0]["by_grade"]] if by_month else []
    data = [
        {
            "type": "bar",
            "name": grade,
            "x": months,
            "y": [None if m["by_grade"][i][1] == SUPPRESSED else m["by_grade"][i][1] for m in by_month],
            "marker": {"color": GRADE_COLOURS.get(grade, "#1d70b8")},
        }
        for i, grade in enumerate(grades)
    ]
    layout = {
        "barmode": "stack",
        "xaxis": {"title": {"text": "Month completed"}, "automargin": True},
        "yaxis": {"title": {"text": "Audits"}, "automargin": True, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.3},
        "height": 380,
    }
    return {"data": data, "layout": layout}


def _visible_audits(request: Request, signed: Signed, day: date, months: int) -> list[dict[str, Any]]:
    """The audits of children ``signed`` may see (``scope.child_filter``), newest first."""
    from childhub.web.scope import child_filter

    snapshot = context(request).served.current()
    rows = snapshot.memo(
        ("practice_audited_children", day, months), lambda: audited_children(snapshot.cursor(), day, months=months),
        reads=READS,
    )  # fmt: skip
    predicate, values = child_filter(signed, "k")
    if predicate == "TRUE":
        return [dict(row) for row in rows]
    keys = sorted({row["child_key"] for row in rows if row["child_key"]})
    if not keys or predicate == "FALSE":
        return []
    found = snapshot.cursor().execute(
        f"SELECT k FROM unnest(CAST(? AS VARCHAR[])) AS u(k) WHERE {predicate}", [keys, *values]
    )
    visible = {row[0] for row in found.fetchall()}
    return [dict(row) for row in rows if row["child_key"] in visible]


@router.get("/practice-quality", response_class=HTMLResponse)
def page(
    request: Request,
    as_at: date | None = None,
    months: int = Query(MONTHS, ge=1, le=60),
    signed: Signed = Depends(signed_in),
):
    """Case file audits by month, grade and theme, the children's surveys, and (for those who may see children)
    the audits list."""
    shown = practice_quality(request, signed, as_at or date.today(), months)
    day = date.fromisoformat(shown["as_at"])
    audits: list[dict[str, Any]] | None = None
    if signed.role in LIST_ROLES:
        audits = _visible_audits(request, signed, day, months)
        children = list(dict.fromkeys(a["child_key"] for a in audits[:LIST_SHOWN] if a["child_key"]))
        audit(request, signed, "view_list", subject="Case file audits", child_count=len(children), children=children,
              rows=len(audits[:LIST_SHOWN]), as_at=day.isoformat())  # fmt: skip
    query = f"as_at={day.isoformat()}&months={months}"
    return render(
        request,
        "practice_quality.html",
        signed,
        shown=shown,
        as_at=day,
        start=date.fromisoformat(shown["from"]),
        long_date=long_date,
        chart=_grade_chart(shown["audits_by_month"]),
        month_columns=[
            "Month",
            "Audits",
            *(grade for grade, _ in (shown["audits_by_month"] or [{"by_grade": []}])[0]["by_grade"]),
        ],
        month_rows=[
            [_month_words(m["month"]), m["audits"], *(count for _, count in m["by_grade"])]
            for m in shown["audits_by_month"]
        ],
        survey_groups=_survey_groups(shown["surveys"]),
        audits=audits[:LIST_SHOWN] if audits is not None else None,
        audits_total=len(audits) if audits is not None else 0,
        audits_csv=link("/practice-quality/audits", "csv", query),
        audits_xlsx=link("/practice-quality/audits", "xlsx", query),
    )


@router.get("/practice-quality/audits", dependencies=[Depends(require(*LIST_ROLES))])
def audits_download(
    request: Request,
    format: Literal["csv", "xlsx"] = "csv",
    as_at: date | None = None,
    months: int = Query(MONTHS, ge=1, le=60),
    signed: Signed = Depends(signed_in),
) -> Response:
    """The case file audits of the children the person may see, as CSV or Excel (with names), audited."""
    day = as_at or date.today()
    listing = ChildList(
        title="Case file audits",
        definition=(
            f"Every case file audit completed in the {months} months to {long_date(day)}, of the children you may "
            "see: the day, the auditor, the overall grade and the themes the audit looked at."
        ),
        columns=[
            Column("LA child ID", "person_id"),
            Column("Audit", "audit_id"),
            Column("Audit date", "audit_date"),
            Column("Auditor", "auditor"),
            Column("Overall grade", "grade"),
            Column("Themes", "themes"),
        ],
        rows=_visible_audits(request, signed, day, months),
        as_at=day,
        name="case-file-audits",
    )
    return child_list_download(request, signed, format, listing)


@api_router.get("/practice-quality", summary="Case file audits and the children's surveys, counted")
def practice_quality_json(
    request: Request,
    as_at: date | None = None,
    months: int = Query(MONTHS, ge=1, le=60),
    signed: Signed = Depends(signed_in),
) -> dict:
    """Audits completed in the months to a date (by grade, theme and month) and the survey answers by question and
    period, under the caller's small-number threshold (no child)."""
    return practice_quality(request, signed, as_at or date.today(), months)


def audits_view(
    request: Request, signed: Signed, ind: Indicator, as_at: date, value: float | None
) -> dict[str, Any] | None:
    """What case file audits say about the practice behind this indicator, as the indicator page and its API show
    it: the audits of the last 12 months whose themes bear on it (``leaders/audit_themes.yml``), by grade (None:
    no theme bears on it, or no such audit)."""
    threshold = _threshold(request, signed)
    snapshot = context(request).served.current()
    summary = snapshot.memo(
        ("practice_indicator_audits", ind.id, as_at, threshold),
        lambda: audit_summary(snapshot.cursor(), as_at, months=MONTHS, indicator=ind, threshold=threshold),
        reads=READS,
    )
    return _summary_json(summary)
