"""Annex A: the workbook (or CSV files) for an inspection date, its check, and ChAT-style charts list by list.

The download is ``childhub.annex_a.export.write_annex_a`` run on the published snapshot with its check
(the findings on a Checks sheet), in the template version asked for, written into a temporary folder
and sent as an attachment; the page counts the rows ``annex_a_rows`` gives for the date into charts
and checks them (``childhub.annex_a.check``), so the findings are seen before the download (both
cached per snapshot, date and version). An inspection date after today is refused. All is audited.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from childhub.web.charts import bar_figure
from childhub.web.deps import Signed, audit, context, csrf_protected, render, require, signed_in

if TYPE_CHECKING:
    from childhub.annex_a.export import AnnexACheckReport, AnnexAListRows, AnnexAReport

ROLES = ("admin", "analyst")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["xlsx", "csv"]
router = APIRouter(dependencies=[Depends(require(*ROLES))])
api_router = APIRouter(prefix="/api/v1", tags=["annex-a"], dependencies=[Depends(require(*ROLES))])


# --- the download ----------------------------------------------------------------------------


def _version(version: str | None) -> str | None:
    """The template version asked for ("" or none: the one for the date); an unknown one is refused."""
    from childhub.annex_a import template

    return template(version).version if version else None


def _export(request: Request, signed: Signed, as_at: date, fmt: Format, version: str | None = None) -> FileResponse:
    from childhub.annex_a.export import refuse_future_date, write_annex_a_from

    refuse_future_date(as_at)
    version = _version(version)
    cursor = context(request).served.current().conn.cursor()
    folder = Path(tempfile.mkdtemp(prefix="childhub-annex-a-"))
    try:
        stem = f"annex_a_{as_at.isoformat()}"
        if fmt == "xlsx":
            report = write_annex_a_from(cursor, as_at, folder / f"{stem}.xlsx", version=version, check=True)
            path, media_type = report.path, XLSX
        else:
            report = write_annex_a_from(cursor, as_at, folder / stem, fmt="csv", version=version, check=True)
            path, media_type = _zip(report, folder / f"{stem}.zip"), "application/zip"
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        cursor.close()
    audit(
        request,
        signed,
        "export_annex_a",
        subject=as_at.isoformat(),
        child_count=report.children,
        format=fmt,
        version=report.version,
        rows=report.rows,
        findings=len(report.check.findings) if report.check else 0,
    )
    return FileResponse(
        path,
        media_type=media_type,
        filename=path.name,
        content_disposition_type="attachment",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def _zip(report: AnnexAReport, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in report.paths:
            archive.write(path, arcname=path.name)
    return out


@router.post("/annex-a")
def annex_a_download(
    request: Request,
    as_at: date = Form(...),
    form_format: Format | None = Form(None, alias="format"),
    query_format: Format | None = Query(None, alias="format"),
    version: str | None = Form(None, alias="template"),
    signed: Signed = Depends(csrf_protected),
):
    """Annex A for the inspection date as a workbook (or, with format=csv, a zip of the CSV files), checked,
    in the template version chosen (default: the one for the date)."""
    return _export(request, signed, as_at, form_format or query_format or "xlsx", version)


@api_router.post("/annex-a", summary="Annex A as a workbook (audited)")
def annex_a_workbook(
    request: Request,
    as_at: date | None = None,
    fmt: Format = Query("xlsx", alias="format"),
    version: str | None = Query(None, alias="template"),
    signed: Signed = Depends(csrf_protected),
):
    """Annex A for ``as_at`` (default today): the workbook's bytes (format=csv: a zip of the CSV files), with
    its Checks sheet, in the template version ``template`` (default: the one for the date)."""
    return _export(request, signed, as_at or date.today(), fmt, version)


# --- the charts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a list: which list, its title, and how its rows become (label, count) pairs."""

    list_number: int
    key: str
    title: str
    label: str  # what the bars are
    count: Callable[[list[dict[str, Any]], date], list[tuple[str, int]]]


def _months(column: str) -> Callable[[list[dict[str, Any]], date], list[tuple[str, int]]]:
    def count(rows: list[dict[str, Any]], as_at: date) -> list[tuple[str, int]]:
        counted = Counter(row[column].strftime("%Y-%m") for row in rows if isinstance(row.get(column), date))
        return sorted(counted.items())

    return count


def _values(
    column: str, *, fallback: str | None = None, field: str | None = None
) -> Callable[[list[dict[str, Any]], date], list[tuple[str, int]]]:
    """Rows counted by their value of ``column`` (or ``fallback``), each value in words: a code of ``field``
    by its code set (``childhub.codes.words_for``), so a bar reads "Full care order", never "C2" or "0"."""
    from childhub.codes import words_for

    def count(rows: list[dict[str, Any]], as_at: date) -> list[tuple[str, int]]:
        counted = Counter(
            words_for(field, row.get(column) or (row.get(fallback) if fallback else None)) or "Not recorded"
            for row in rows
        )
        return sorted(counted.items(), key=lambda item: (-item[1], item[0]))

    return count


def _binned(
    measure: Callable[[dict[str, Any], date], int | None], bins: tuple[tuple[str, int | None], ...], missing: str
) -> Callable[[list[dict[str, Any]], date], list[tuple[str, int]]]:
    """Rows counted into ``bins`` (label, inclusive upper bound; None for no bound) by ``measure``."""

    def count(rows: list[dict[str, Any]], as_at: date) -> list[tuple[str, int]]:
        counted = Counter({label: 0 for label, _ in bins} | {missing: 0})
        for row in rows:
            value = measure(row, as_at)
            if value is None:
                counted[missing] += 1
                continue
            for label, upper in bins:
                if upper is None or value <= upper:
                    counted[label] += 1
                    break
        return [(label, counted[label]) for label, _ in bins] + (
            [(missing, counted[missing])] if counted[missing] else []
        )

    return count


def _working_days(start: str, end: str) -> Callable[[dict[str, Any], date], int | None]:
    from childhub.calendar import working_days_between

    def measure(row: dict[str, Any], as_at: date) -> int | None:
        first, last = row.get(start), row.get(end)
        if not isinstance(first, date) or not isinstance(last, date) or last < first:
            return None
        return working_days_between(first, last)

    return measure


def _days_open(start: str, end: str) -> Callable[[dict[str, Any], date], int | None]:
    def measure(row: dict[str, Any], as_at: date) -> int | None:
        first = row.get(start)
        if not isinstance(first, date):
            return None
        last = row.get(end) if isinstance(row.get(end), date) else as_at
        return max((last - first).days, 0)

    return measure


WORKING_DAY_BINS = (
    ("Same day", 0),
    ("1-10 working days", 10),
    ("11-20 working days", 20),
    ("21-30 working days", 30),
    ("31-45 working days", 45),
    ("46-60 working days", 60),
    ("61+ working days", None),
)
ICPC_BINS = (
    ("0-15 working days", 15),
    ("16-20 working days", 20),
    ("21-30 working days", 30),
    ("31+ working days", None),
)
DURATION_BINS = (
    ("Under 3 months", 90),
    ("3 to 6 months", 182),
    ("6 to 12 months", 365),
    ("1 to 2 years", 730),
    ("2 years or more", None),
)
CHARTS = (
    ChartSpec(1, "contacts_month", "Contacts per month", "Month", _months("date_of_contact")),
    ChartSpec(1, "contact_source", "Contacts by source", "Source", _values("contact_source", field="contact_source")),
    ChartSpec(
        2,
        "early_help_month",
        "Early help assessments started per month",
        "Month",
        _months("early_help_assessment_start_date"),
    ),
    ChartSpec(3, "referrals_month", "Referrals per month", "Month", _months("date_of_referral")),
    ChartSpec(
        3, "referral_source", "Referrals by source", "Source", _values("referral_source", field="referral_source")
    ),
    ChartSpec(
        3,
        "referral_nfa",
        "Referrals with no further action",
        "No further action",
        _values("referral_nfa", field="yes_no"),
    ),
    ChartSpec(
        4,
        "assessment_duration",
        "Assessment duration (start to authorisation)",
        "Working days",
        _binned(
            _working_days("assessment_start_date", "assessment_authorisation_date"),
            WORKING_DAY_BINS,
            "Not yet authorised",
        ),
    ),
    ChartSpec(
        5,
        "icpc_timing",
        "Strategy discussion to initial child protection conference",
        "Working days",
        _binned(_working_days("strategy_discussion_date", "date_of_icpc"), ICPC_BINS, "No ICPC"),
    ),
    ChartSpec(
        6,
        "cin_duration",
        "Children in need: how long the episode has lasted",
        "Duration",
        _binned(_days_open("cin_start_date", "cin_closure_date"), DURATION_BINS, "No start date"),
    ),
    ChartSpec(
        6,
        "primary_need",
        "Children in need by primary need",
        "Primary need",
        _values("primary_need", field="primary_need"),
    ),
    ChartSpec(
        7,
        "cp_category",
        "Child protection plans by category of abuse",
        "Category",
        _values("latest_category_of_abuse", fallback="initial_category_of_abuse", field="category_of_abuse"),
    ),
    ChartSpec(
        7,
        "cp_duration",
        "Child protection plans: how long the plan has lasted",
        "Duration",
        _binned(_days_open("cp_plan_start_date", "cp_plan_end_date"), DURATION_BINS, "No start date"),
    ),
    ChartSpec(
        8,
        "legal_status",
        "Children in care by legal status",
        "Legal status",
        _values("legal_status", field="legal_status"),
    ),
    ChartSpec(
        8,
        "placement_type",
        "Children in care by placement type",
        "Placement type",
        _values("placement_type", field="placement_type"),
    ),
    ChartSpec(
        9,
        "care_leaver_activity",
        "Care leavers by activity",
        "Activity",
        _values("activity_status", field="annex_a_activity"),
    ),
    ChartSpec(
        9,
        "care_leaver_accommodation",
        "Care leavers by accommodation suitability",
        "Suitability",
        _values("accommodation_suitability", field="accommodation_suitability"),
    ),
    ChartSpec(10, "adoption_stage", "Children in the adoption list by latest stage reached", "Stage", _values("stage")),
)


def _adoption_stage(row: dict[str, Any]) -> str:
    for column, label in (
        ("date_of_adoption_order", "Adoption order"),
        ("date_placed_for_adoption", "Placed for adoption"),
        ("date_of_matching", "Matched"),
        ("date_of_placement_order", "Placement order"),
        ("date_of_adoption_decision", "Decision that adoption is in the child's interest"),
    ):
        if row.get(column) is not None:
            return label
    return "Entered care"


def _list_charts(lists: list[AnnexAListRows], as_at: date) -> list[dict[str, Any]]:
    by_number = {}
    for listed in lists:
        ids = listed.annex_list.column_ids
        rows = [dict(zip(ids, row, strict=True)) for row in listed.rows]
        if listed.annex_list.number == 10:
            for row in rows:
                row["stage"] = _adoption_stage(row)
        by_number[listed.annex_list.number] = (listed, rows)
    shown = []
    for listed, rows in (by_number[number] for number in sorted(by_number)):
        charts = []
        for spec in CHARTS:
            if spec.list_number != listed.annex_list.number or not rows:
                continue
            pairs = spec.count(rows, as_at)
            charts.append(
                {
                    "id": f"annex-a-{spec.key}",
                    "title": spec.title,
                    "label": spec.label,
                    "figure": bar_figure([p[0] for p in pairs], [p[1] for p in pairs], spec.label, "Rows"),
                    "rows": pairs,
                }
            )
        shown.append(
            {
                "number": listed.annex_list.number,
                "name": listed.annex_list.sheet_name,
                "rows": len(rows),
                "children": len({row.get("child_unique_id") for row in rows} - {None}),
                "charts": charts,
            }
        )
    return shown


def _checked(lists: list[AnnexAListRows], as_at: date, version: str | None, cursor) -> AnnexACheckReport:
    from childhub.annex_a import template, version_for
    from childhub.annex_a.export import check_lists

    annex = template(version or version_for(as_at))
    return check_lists(annex, as_at, [(x.annex_list, x.rows, x.hidden) for x in lists], cursor)


def annex_a_charts(request: Request, as_at: date, version: str | None = None) -> dict[str, Any]:
    """Every list's charts for ``as_at`` and the check's findings (counted once per snapshot, date and version)."""
    from childhub.annex_a.export import annex_a_rows

    snapshot = context(request).served.current()

    def count() -> dict[str, Any]:
        cursor = snapshot.conn.cursor()
        try:
            lists = annex_a_rows(cursor, as_at, version)
            return {"lists": _list_charts(lists, as_at), "check": _checked(lists, as_at, version, cursor)}
        finally:
            cursor.close()

    return snapshot.memo(("annex_a_charts", as_at, version), count)


def _check_shown(checked: AnnexACheckReport) -> dict[str, Any]:
    """The findings as the page shows them: per list a count, then per column and check the children to fix."""
    groups = checked.groups()
    per_list = Counter()
    for group in groups:
        per_list[(group.list_number, group.sheet_name)] += group.count
    return {
        "findings": len(checked.findings),
        "children": len(checked.children),
        "per_list": [{"number": n, "name": name, "count": c} for (n, name), c in sorted(per_list.items())],
        "groups": groups,
    }


@router.get("/annex-a", response_class=HTMLResponse)
def annex_a_page(
    request: Request,
    as_at: date | None = None,
    version: str | None = Query(None, alias="template"),
    signed: Signed = Depends(signed_in),
):
    """The download form for an inspection date and, once a date is chosen, the check's findings and the charts
    list by list. A date after today is refused with one line."""
    from childhub.annex_a import versions
    from childhub.annex_a.export import AnnexAExportError, refuse_future_date

    lists = checked = error = None
    status = 200
    if as_at is not None:
        try:
            refuse_future_date(as_at)
            version = _version(version)
            shown = annex_a_charts(request, as_at, version)
        except AnnexAExportError as refused:
            error, status = str(refused), 400
        else:
            lists, checked = shown["lists"], shown["check"]
            audit(
                request,
                signed,
                "view_annex_a_charts",
                subject=as_at.isoformat(),
                child_count=len(checked.children),
                children=checked.child_keys,
                as_at=as_at.isoformat(),
                version=version,
                findings=len(checked.findings),
            )
    return render(
        request,
        "annex_a.html",
        signed,
        status_code=status,
        as_at=as_at,
        default_date=as_at or date.today(),
        lists=lists,
        checked=_check_shown(checked) if checked is not None else None,
        versions=versions(),
        template_version=version or "",
        error=error,
    )
