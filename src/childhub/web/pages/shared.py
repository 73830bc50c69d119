"""What both pages read with: a query's rows as dicts, a child's age, and the name each service goes by."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

Row = dict[str, Any]


def service_name(code: str | None) -> str:
    """The name a service (or source system) goes by on the pages: ``social_care`` is "Children's social care"."""
    from childhub.codes import label

    return label("service", code) or (code or "").replace("_", " ")


def rows(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[Row]:
    """The rows ``sql`` returns, each a dict of column name to value."""
    result = cursor.execute(sql, params)
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def age_of(born: date | None, on: date) -> int | None:
    """The age in whole years on ``on`` of a child born on ``born``; None when the date of birth is not known."""
    from childhub.calendar import age_on

    return None if born is None else age_on(born, on)
