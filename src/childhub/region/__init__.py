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


__all__ = ["RegionError"]
