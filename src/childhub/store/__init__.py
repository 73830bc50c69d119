"""childhub's store: the DuckDB database every source is loaded into, and what every layer stands on.

``Store`` owns every connection (one writer, many readers), applies the schema migrations in
``migrations/`` and runs analysts' sandboxed read-only queries; ``publish_snapshot`` copies the
store for the web app's readers (``childhub.hub`` calls it after every write); ``LiveStore`` is the store held
open by ``childhub serve``, whose readers see each write as it commits. Every layer builds
its SQL with ``quote_identifier``/``qualified`` (the one way a name enters SQL) and reads a table as
it stood on a date with ``current_sql``. The store imports nothing above it.

(``childhub.store.hub`` is the SQLite accounts and audit database, unrelated to the write
orchestrator ``childhub.hub``.)
"""

from childhub.store.history import as_of_parameters, current_sql, has_one_version
from childhub.store.hub import HubDatabase, utc_now
from childhub.store.live import LiveStore
from childhub.store.query import QueryResult, run_query
from childhub.store.sql import qualified, quote_identifier
from childhub.store.store import (
    Store,
    current_snapshot,
    open_snapshot,
    open_store,
    publish_snapshot,
    scratch_connection,
)

__all__ = [
    "HubDatabase",
    "LiveStore",
    "QueryResult",
    "Store",
    "current_snapshot",
    "as_of_parameters",
    "current_sql",
    "has_one_version",
    "open_snapshot",
    "open_store",
    "publish_snapshot",
    "qualified",
    "quote_identifier",
    "run_query",
    "scratch_connection",
    "utc_now",
]
