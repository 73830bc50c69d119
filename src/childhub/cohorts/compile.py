"""A ``CohortQuery`` as SQL over the facts.

The population's SQL gives the children's ``child_key``; every child then gets the attributes the
cohort uses, as at the end of the period; the filters are predicates over those attributes and the
groupings are their columns. Column names come only from the declarations, and every value is bound
as a parameter.
"""

from __future__ import annotations

import re
from typing import Any

from childhub.cohorts.definitions import definitions
from childhub.cohorts.model import CohortQuery


def _relation(query: CohortQuery, attributes: list[str]) -> tuple[str, dict[str, Any], str]:
    """The WITH clauses defining ``cohort`` (with ``attributes`` and those the filters read), their parameters,
    and the filters' WHERE predicate."""
    declared = definitions()
    span = query.span
    params: dict[str, Any] = {"start": span.start, "end": span.end}
    predicates = []
    wanted = dict.fromkeys(["child_key", *attributes])
    for name, value in query.filters.items():
        predicates.append(declared.filters[name].sql)
        wanted.update(dict.fromkeys(declared.filters[name].uses))
        params[name] = value
    sources = [
        declared.sources[s] for s in dict.fromkeys(s for name in wanted for s in declared.attributes[name].reads)
    ]
    clauses = [f"population AS ({declared.populations[query.population].sql})", *(s.with_ for s in sources)]
    columns = ", ".join(f"{declared.attributes[name].sql} AS {name}" for name in wanted)
    joins = " ".join(s.join for s in sources)
    clauses.append(
        f"cohort AS (SELECT {columns} FROM population p LEFT JOIN fact_child ch ON ch.child_key = p.child_key {joins})"
    )
    return "WITH " + ",\n".join(clauses), params, " AND ".join(predicates) or "TRUE"


def _bound(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters ``sql`` names (DuckDB refuses any it does not)."""
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}


def compile_cohort(query: CohortQuery) -> tuple[str, dict[str, Any]]:
    """SQL giving one row per group: the groups' values, the children in the cohort and in the population."""
    columns = [definitions().groupings[name].column for name in query.groupings]
    relation, params, where = _relation(query, columns)
    selected = "".join(f"{column}, " for column in columns)
    group = "GROUP BY ALL" if columns else ""
    sql = (
        f"{relation}\nSELECT {selected}count(*) FILTER (WHERE {where}) AS children, count(*) AS population "
        f"FROM cohort {group}"
    )
    return sql, _bound(sql, params)


def compile_children(query: CohortQuery, limit: int) -> tuple[str, dict[str, Any]]:
    """SQL listing the cohort's children (at most ``limit``) with their attributes, and the cohort's size."""
    names = list(definitions().child_columns)
    relation, params, where = _relation(query, names)
    params["limit"] = limit
    sql = (
        f"{relation}\nSELECT {', '.join(names)}, count(*) OVER () AS cohort_size FROM cohort WHERE {where} "
        "ORDER BY child_key LIMIT $limit"
    )
    return sql, _bound(sql, params)
