"""Facts: the canonical model as it stands, one clean relation per kind of event.

Indicators and Annex A are written over these relations, never over the raw tables: each
fact is one SQL file in ``sql/`` (``fact_<name>``), a SELECT over the current rows of the
canonical tables (``@current(table)``, see ``childhub.store.current_sql``), the merged
SSDA903 episodes (``@episodes``, the repairs in ``episodes.py``) and other facts. Every fact that names a child carries
``person_id`` (the source system's own ID), ``child_id`` (childhub's linked ID, NULL until
linkage has run) and ``child_key`` (``child_id`` where there is one, else the source ID:
what distinct children are counted by).

``prepare(conn, names)`` builds the named facts and those they read, as temporary tables on
that connection (a read-only reader is enough), once per connection. ``working_days_between``
and ``age_on`` are SQL macros there too, with England and Wales bank holidays.

The writer keeps a copy of every fact in the store's ``facts`` schema, brought up to date by ``refresh``
after every write: when few people changed, only their children's rows of the facts that read what changed
(``incremental.py``), else every fact whole. ``prepare`` uses those (as views) when they were built from the data
as it is now, and builds its own otherwise (or for data as known on an earlier date).

``fact_versions`` gives each stored fact's version, a count that goes up whenever a refresh changed its rows:
a figure cached from some facts need be worked out again only when one of their versions moved.
``last_refresh`` says what the latest refresh did (``RefreshRun``: whole or child by child, which facts changed).

``data_version`` names the state the facts were built from; ``childhub.hub`` refreshes them
after every write and names the published snapshot with it.

Public surface: ``prepare`` (``as_stored`` for a held store's readers), ``refresh``, ``fact_versions``,
``last_refresh``, ``data_version``, ``fact_names``, ``describe``; ``tables_read`` (the canonical tables facts read,
for what bears on a figure).
"""

from childhub.facts.build import (
    data_version,
    describe,
    fact_names,
    install_macros,
    prepare,
    referenced_facts,
    source_tables,
    spark_connection,
    tables_read,
)
from childhub.facts.incremental import RefreshRun, fact_versions, last_refresh, refresh

__all__ = [
    "RefreshRun",
    "data_version",
    "describe",
    "fact_names",
    "fact_versions",
    "install_macros",
    "last_refresh",
    "prepare",
    "referenced_facts",
    "refresh",
    "source_tables",
    "spark_connection",
    "tables_read",
]
