"""Ingest: every source system's extract into the store, atomically, with history.

Public surface: ``ingest`` (files or folders into the store, one batch per file, a report
for each), ``list_batches`` and ``batch_detail`` (what was loaded, when, from where, and
every problem found), ``current_sql`` (a table as it stands now or stood on a date).
"""

from childhub.ingest.batches import BatchDetail, batch_detail, list_batches
from childhub.ingest.history import current_sql
from childhub.ingest.run import FileReport, ingest

__all__ = ["BatchDetail", "FileReport", "batch_detail", "current_sql", "ingest", "list_batches"]
