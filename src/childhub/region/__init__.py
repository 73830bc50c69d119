"""A region: several authorities' children pooled without sharing names (docs/region.md).

``pooled`` writes one authority's export for its region under the region's shared key (keyed hashes of
identifiers, Bloom-filter encodings of names and dates of birth, nothing in clear that names a child);
``link`` links the authorities' children across councils (Splink, on Spark or DuckDB) so a child who moved is one
child; ``indicators`` counts the region's indicators with each authority beside its neighbours.
"""

from __future__ import annotations

from childhub.errors import ChildhubError


class RegionError(ChildhubError):
    """A pooled export or a region's folder is wrong: a different key, a missing authority, a corrupt file. The
    message is one line naming the folder or file."""


from childhub.region.evaluate import RegionScores, evaluate_region, score_region  # noqa: E402
from childhub.region.link import (  # noqa: E402  (after RegionError, which link.py imports)
    LINK_THRESHOLD,
    REVIEW_THRESHOLD,
    PooledExport,
    RegionLinkage,
    RegionLinkSummary,
    cluster_region,
    link_children,
    link_region,
    read_model,
    read_pooled_exports,
    region_settings,
)

__all__ = [
    "LINK_THRESHOLD",
    "REVIEW_THRESHOLD",
    "PooledExport",
    "RegionError",
    "RegionLinkSummary",
    "RegionLinkage",
    "RegionScores",
    "cluster_region",
    "evaluate_region",
    "link_children",
    "link_region",
    "read_model",
    "read_pooled_exports",
    "region_settings",
    "score_region",
]
