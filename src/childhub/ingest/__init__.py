"""Ingest: every source system's extract into the store, atomically, with history.

Public surface: ``ingest`` (files or folders into the store on the writer connection, one batch
per file, a report for each; ``childhub.hub.ingest`` runs it and then refreshes the facts and
publishes; a ``Delivery`` keeps a pushed batch's feed and idempotency key on it, and ``feed_fields`` names
the fields a feed's pushed rows carry), ``list_batches`` and ``batch_detail`` (what was loaded, when, from
where, and every problem found) and ``batch_state`` (the batches in one string, for naming a snapshot). A table as
it stands now or stood on a date is ``childhub.store.current_sql``. ``NHS_TRACE`` (a ``TraceLayout``) is
the NHS batch trace's file layout, written once: the request ``childhub nhs-trace`` writes and the response
ingest reads back (``ingest.nhs_trace``). ``SSD_TABLES`` names the Standard Safeguarding Dataset tables ingest reads
(``ssd_<table>``, each a canonical table of that name; ``childhub pull`` reads them from a source's database).
"""

from childhub.ingest.batches import BatchDetail, batch_detail, batch_state, list_batches
from childhub.ingest.guard import inspect_file, open_workbook, parse_xml
from childhub.ingest.nhs_trace import NHS_TRACE, TraceLayout
from childhub.ingest.run import SSD_TABLES, Delivery, FeedFields, FileReport, feed_fields, ingest
from childhub.ingest.ssda903_xml import flatten as flatten_ssda903_xml

__all__ = [
    "BatchDetail",
    "Delivery",
    "FeedFields",
    "FileReport",
    "NHS_TRACE",
    "SSD_TABLES",
    "TraceLayout",
    "batch_detail",
    "batch_state",
    "feed_fields",
    "flatten_ssda903_xml",
    "ingest",
    "inspect_file",
    "open_workbook",
    "list_batches",
    "parse_xml",
]
