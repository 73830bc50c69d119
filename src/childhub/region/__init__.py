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


from childhub.region.encoding import dice, encode_dates_of_birth, encode_names, key_check, read_key, write_key  # noqa: E402
from childhub.region.evaluate import RegionScores, evaluate_region, score_region  # noqa: E402
from childhub.region.indicators import (  # noqa: E402
    REGION_SCOPE,
    Region,
    RegionFigure,
    count_region,
    load_export,
    load_region,
    protect,
    public_figures,
)
from childhub.region.link import (  # noqa: E402
    LINK_THRESHOLD,
    REVIEW_THRESHOLD,
    CheckedExport,
    RegionLinkage,
    RegionLinkSummary,
    cluster_region,
    link_children,
    link_region,
    read_model,
    read_pooled_exports,
    region_settings,
)
from childhub.region.pooled import PooledExport, export_pooled  # noqa: E402
from childhub.region.spark import local_spark_session  # noqa: E402
from childhub.region.storage import HadoopPath, is_uri, location  # noqa: E402

__all__ = [
    "LINK_THRESHOLD",
    "REGION_SCOPE",
    "REVIEW_THRESHOLD",
    "CheckedExport",
    "HadoopPath",
    "PooledExport",
    "Region",
    "RegionError",
    "RegionFigure",
    "RegionLinkSummary",
    "RegionLinkage",
    "RegionScores",
    "cluster_region",
    "count_region",
    "dice",
    "encode_dates_of_birth",
    "encode_names",
    "evaluate_region",
    "export_pooled",
    "is_uri",
    "key_check",
    "link_children",
    "link_region",
    "load_export",
    "load_region",
    "local_spark_session",
    "location",
    "protect",
    "public_figures",
    "read_key",
    "read_model",
    "read_pooled_exports",
    "region_settings",
    "score_region",
    "write_key",
]
