"""Linkage: one child ID for every source record of a child, and families.

Public surface: ``link`` (a full run on the writer connection: source records, scoring with
Splink, clustering with the constraints a child imposes, stable IDs, families, the review queue),
``link_new_records`` (only what arrived since), ``review_queue`` and ``decide`` (people settle
uncertain pairs), ``review_state`` (the queue in one string, for naming a snapshot), ``evaluate``
(against a synthetic authority's truth) and ``export_identities``; ``DEFAULT_THRESHOLD`` is the
match probability at which a scored pair links. The writers (``link``,
``link_new_records``, ``decide``) are run by ``childhub.hub``, which then refreshes the facts and
publishes.
"""

from childhub.link.cluster import DEFAULT_THRESHOLD
from childhub.link.evaluate import evaluate
from childhub.link.run import (
    LinkResult,
    decide,
    export_identities,
    link,
    link_new_records,
    review_queue,
    review_state,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "LinkResult",
    "decide",
    "evaluate",
    "export_identities",
    "link",
    "link_new_records",
    "review_queue",
    "review_state",
]
