"""Which children a signed-in person may see, as SQL.

- admin, analyst: every child.
- manager: children with a case open today (an allocation that has started and not ended) in one
  of their teams, or in a team of one of their service areas; and children open to social care
  with no allocation yet whose episode belongs to one of those teams.
- practitioner: children with a case open today allocated to them (their worker ID) or to one of
  their teams.
- scrutiny: no child, ever.

``child_filter(signed)`` gives a predicate over a ``child_key`` column, with its values bound as
parameters; use it in every query that lists children. ``can_see(cursor, signed, child_key)``
checks one child. What aggregates scrutiny may see is ``childhub.disclosure``'s to decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from childhub.web.deps import Signed

if TYPE_CHECKING:
    import duckdb


def child_filter(signed: Signed, column: str = "child_key") -> tuple[str, list[Any]]:
    """A SQL predicate on ``column`` (a child_key) true only for children ``signed`` may see."""
    account = signed.account
    if account.role in ("admin", "analyst"):
        return "TRUE", []
    if account.role == "scrutiny":
        return "FALSE", []
    open_case = (
        "SELECT a.child_key FROM fact_allocation a LEFT JOIN fact_team t ON t.team_id = a.team_id "
        "WHERE allocation_on(a, current_date) AND "
    )
    if account.role == "manager":
        # ...and children open to social care with no allocation yet whose episode belongs to their teams
        # (the unallocated cases their caseloads page lists, so they can allocate them).
        unallocated = (
            "SELECT r.child_key FROM fact_referral r LEFT JOIN fact_team t ON t.team_id = r.team_id "
            "WHERE cin_open_on(r, current_date) AND (list_contains(?, r.team_id) OR list_contains(?, t.service_area))"
        )
        teams, areas = list(account.teams), list(account.service_areas)
        return (
            f"({column} IN ({open_case}(list_contains(?, a.team_id) OR list_contains(?, t.service_area))) "
            f"OR {column} IN ({unallocated}))",
            [teams, areas, teams, areas],
        )
    return (
        f"{column} IN ({open_case}(a.worker_id = ? OR list_contains(?, a.team_id)))",
        [account.worker_id or "", list(account.teams)],
    )


def can_see(cursor: duckdb.DuckDBPyConnection, signed: Signed, child_key: str) -> bool:
    """Whether ``signed`` may see the child ``child_key``."""
    predicate, values = child_filter(signed, "k")
    if not values:
        return predicate == "TRUE"
    # (the predicate's parameters come first in the text, the child's key last)
    row = cursor.execute(f"SELECT {predicate} FROM (SELECT CAST(? AS VARCHAR) AS k)", [*values, child_key]).fetchone()
    return bool(row[0])
