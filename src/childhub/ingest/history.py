"""History: the rows that stand today, or stood on any earlier date.

Every row keeps the batch that brought it. A snapshot batch replaces the earlier batches of
its scope (last year's SSDA903 episodes file does not replace this year's, but a re-sent
file for the same year does); a changes batch adds new versions by source key. Within a
feed, the latest version of each source record wins. ``current_sql`` gives the SQL for a
canonical table as it stood on a date, for indicators, reports and analysts.
"""

from __future__ import annotations

from datetime import date

from childhub.ingest.tabular import quote


def current_sql(table: str, as_of: date | None = None) -> tuple[str, list]:
    """SQL (and its parameters) selecting ``table``'s rows as they stood on ``as_of`` (None: now)."""
    sql = (
        f"SELECT t.* FROM {quote(table)} t JOIN visible_batches(CAST(? AS DATE)) b USING (batch_id) "
        "QUALIFY row_number() OVER (PARTITION BY b.feed, t.source_system, t.source_record_key "
        "ORDER BY b.extract_date DESC NULLS LAST, t.batch_id DESC) = 1"
    )
    return sql, [as_of]
