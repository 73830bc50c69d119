"""The live hub: ``childhub serve`` holds the store's single writer for as long as it serves.

``LiveHub`` holds the store (``childhub.store.LiveStore``: readers on the same database see each write as it
commits), brings its facts up to date, opens a door for other childhub processes' writes (``live.control``:
``childhub ingest`` while the server runs is run by the server) and runs work on a timer (the pulls'
schedules). docs/ARCHITECTURE.md ("Live") says why, and what it costs.

Public surface: ``LiveHub``, ``routed`` (marks a write the server runs for other processes), ``server_for`` (the
server holding a data folder's store, if one runs), ``RemoteError``.
"""

from childhub.live.control import RemoteError, routed, server_for
from childhub.live.service import LiveHub

__all__ = ["LiveHub", "RemoteError", "routed", "server_for"]
