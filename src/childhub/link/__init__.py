"""Linkage: one child ID for every source record of a child, and families.

The public surface, and the only one the CLI and the web app import:

- ``link`` (a full run on the writer connection: source records, scoring with Splink, clustering
  with the constraints a child imposes, stable IDs, families, the review queue) and
  ``link_new_records`` (records that arrived since, matched at once); ``DEFAULT_THRESHOLD`` is the
  match probability at which a scored pair links;
- ``review_queue`` (a page of the open pairs, the pairs to settle first and the ``likely_twins`` last, with the
  total: a ``ReviewQueue``; ``REVIEW_PAGE_SIZE``, ``TWINS``) and ``review_pairs`` (the queue or the latest
  decisions, side by side, with the evidence per field; ``REVIEW_FIELDS``, ``review_labels``, ``review_pair``,
  ``review_pair_status``); a pair's identity across runs, ``pair_key``, and ``find_pair`` (a key or an old
  number to the pair's current row); ``decide`` (people settle uncertain pairs) and ``review_state`` (the queue
  in one string, for naming a snapshot);
- ``search`` and ``parse_query`` (person search with linkage's comparisons: a page of ``SEARCH_PAGE_SIZE`` children,
  best match first, and the true total, a ``Found``), with ``latest_scorer`` (the last run's model as a ``Scorer``);
- ``comparison_level`` (the declared comparison levels, ``childhub.link.comparisons``, in Python);
- ``link_lists`` (any lists of people, no store; ``read_list`` and ``load_list_mapping`` read a list, CSV or
  Excel, by its ``ListMapping``), ``match_list`` (a list's rows against the children the store knows: a
  ``ListMatch``, written out by ``write_result`` or laid out by ``result_table``), ``evaluate`` (against a
  synthetic authority's truth) and ``export_identities``;
- ``duplicate_records`` (children a source system holds two or more records for, to merge) and
  ``reconcile_return`` (a DfE return's count of LA child IDs beside childhub's children, with the children
  the return counts twice: a ``Reconciliation``; ``RETURNS`` names the returns).

The writers (``link``, ``link_new_records``, ``decide``) are run by ``childhub.hub``, which then
refreshes the facts and publishes.
"""

from childhub.link.cluster import DEFAULT_THRESHOLD
from childhub.link.evaluate import evaluate
from childhub.link.instant import Match, Scorer, comparison_level, latest_scorer
from childhub.link.lists import ListMapping, link_lists, load_list_mapping, read_list, read_table
from childhub.link.match_list import ListMatch, match_list, result_table, write_result
from childhub.link.reconcile import RETURNS, ReconcileError, Reconciliation, duplicate_records, reconcile_return
from childhub.link.review import (
    REVIEW_FIELDS,
    REVIEW_PAGE_SIZE,
    TWINS,
    ReviewQueue,
    find_pair,
    likely_twins,
    pair_key,
    review_labels,
    review_pair,
    review_pair_status,
    review_pairs,
    review_queue,
)
from childhub.link.run import LinkResult, decide, export_identities, link, link_new_records, review_state
from childhub.link.search import SEARCH_PAGE_SIZE, Found, Query, parse_query, search

__all__ = [
    "DEFAULT_THRESHOLD",
    "RETURNS",
    "REVIEW_FIELDS",
    "REVIEW_PAGE_SIZE",
    "SEARCH_PAGE_SIZE",
    "TWINS",
    "Found",
    "LinkResult",
    "ListMapping",
    "ListMatch",
    "Match",
    "Query",
    "ReconcileError",
    "Reconciliation",
    "ReviewQueue",
    "Scorer",
    "comparison_level",
    "decide",
    "duplicate_records",
    "evaluate",
    "export_identities",
    "find_pair",
    "latest_scorer",
    "likely_twins",
    "link",
    "link_lists",
    "link_new_records",
    "load_list_mapping",
    "match_list",
    "pair_key",
    "parse_query",
    "read_list",
    "read_table",
    "reconcile_return",
    "result_table",
    "review_labels",
    "review_pair",
    "review_pair_status",
    "review_pairs",
    "review_queue",
    "review_state",
    "search",
    "write_result",
]
