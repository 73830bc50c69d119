"""childhub's store: the DuckDB database every source is loaded into.

``Store`` owns every connection (one writer, many readers), applies the schema
migrations in ``migrations/`` and runs analysts' sandboxed read-only queries; after every
change the writer publishes a read-only snapshot for the web app (``publish_snapshot``).
"""

from childhub.store.query import QueryResult
from childhub.store.store import (
    Store,
    current_snapshot,
    open_snapshot,
    open_store,
    publish_snapshot,
    scratch_connection,
)

__all__ = [
    "QueryResult",
    "Store",
    "current_snapshot",
    "open_snapshot",
    "open_store",
    "publish_snapshot",
    "scratch_connection",
]
