"""childhub's store: the DuckDB database every source is loaded into.

``Store`` owns every connection (one writer, many readers), applies the schema
migrations in ``migrations/`` and runs analysts' sandboxed read-only queries.
"""

from childhub.store.query import QueryResult
from childhub.store.store import Store, open_store, scratch_connection

__all__ = ["QueryResult", "Store", "open_store", "scratch_connection"]
