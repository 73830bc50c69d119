"""Linkage: one child ID for every source record of a child, and families.

Public surface: ``link`` (a full run: source records, scoring with Splink, clustering with the
constraints a child imposes, stable IDs, families, the review queue), ``review_queue`` and
``decide`` (people settle uncertain pairs), ``evaluate`` (against a synthetic authority's
truth) and ``export_identities``.
"""

from childhub.link.evaluate import evaluate
from childhub.link.run import LinkResult, decide, export_identities, link, link_new_records, review_queue

__all__ = ["LinkResult", "decide", "evaluate", "export_identities", "link", "link_new_records", "review_queue"]
