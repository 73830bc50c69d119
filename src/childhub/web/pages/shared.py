"""What both pages read with: a query's rows as dicts, a child's age, and the name each service goes by."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

Row = dict[str, Any]

SERVICE_NAMES = {
    "social_care": "Children's social care",
    "education": "Education",
    "sen": "Special educational needs",
    "youth_justice": "Youth justice",
    "police": "Police",
    "neet": "Post-16 (NCCIS)",
    "early_help": "Early help",
    "persistent_absence": "Persistent absence",
    "police_notification": "Police notification",
}


def service_name(code: str | None) -> str:
    """The name a service (or source system) goes by on the pages: ``social_care`` is "Children's social care"."""
    return SERVICE_NAMES.get(code or "", (code or "").replace("_", " "))


def rows(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[Row]:
    """The rows ``sql`` returns, each a dict of column name to value."""
    result = cursor.execute(sql, params)
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def age_of(born: date | None, on: date) -> int | None:
    """The age in whole years on ``on`` of a child born on ``born``; None when the date of birth is not known."""
    from childhub.calendar import age_on

    return None if born is None else age_on(born, on)
