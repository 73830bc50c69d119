"""Ingest: every source system's extract into the store, atomically, with history.

Public surface: ``ingest`` (files or folders into the store, one batch per file, a report
for each), ``list_batches`` and ``batch_detail`` (what was loaded, when, from where, and
every problem found); a table as it stands now or stood on a date is ``childhub.store.current_sql``.
"""

from childhub.ingest.batches import BatchDetail, batch_detail, list_batches
from childhub.ingest.run import FileReport, ingest

__all__ = ["BatchDetail", "FileReport", "batch_detail", "ingest", "list_batches"]
