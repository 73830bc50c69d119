"""The family page's read model: a family's children, their parents and carers, how they are related, their services.

Only the children the user may see are named; of any other, the page says only that there is another child
known to services (the route's scope predicate decides which are which).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from childhub.codes import with_labels
from childhub.web.pages.shared import Row, age_of, rows, service_name

if TYPE_CHECKING:
    import duckdb


def family(
    cursor: duckdb.DuckDBPyConnection, family_id: int, scope: tuple[str, list[Any]], today: date | None = None
) -> Row | None:
    """A family's members (named only where ``scope`` lets the user see them), relationships and services.

    ``scope`` is ``child_filter(signed, "('C' || m.child_id)")``: a predicate over the member's child key.
    None if the family has no current members.
    """
    today = today or date.today()
    predicate, values = scope
    members = rows(
        cursor,
        f"""
        SELECT * FROM (
            SELECT m.child_id, 'C' || m.child_id AS child_key, m.role, m.valid_from, c.sex, c.date_of_birth,
                   coalesce(fs.services, c.source_systems) AS services,
                   ({predicate}) AS visible
            FROM family_member m
            LEFT JOIN fact_child c ON c.child_key = 'C' || m.child_id
            LEFT JOIN family_services fs ON fs.family_id = m.family_id AND fs.child_id = m.child_id
            WHERE m.family_id = ? AND m.valid_to IS NULL
        )
        ORDER BY visible DESC, CASE WHEN visible THEN date_of_birth END NULLS LAST, child_id
        """,
        [*values, family_id],
    )
    if not members:
        return None
    keys = [member["child_key"] for member in members]
    names = {
        key: " ".join(part for part in (forename, surname) if part)
        for key, forename, surname in cursor.execute(
            "SELECT child_key, forename, surname FROM fact_child WHERE list_contains(?, child_key)",
            [keys],
        ).fetchall()
    }
    open_services: dict[str, list[str]] = {}
    for key, service in cursor.execute(
        "SELECT DISTINCT child_key, service FROM fact_service_known WHERE list_contains(?, child_key) "
        "AND from_date <= ? AND (until_date IS NULL OR until_date > ?) ORDER BY 1, 2",
        [keys, today, today],
    ).fetchall():
        open_services.setdefault(key, []).append(service_name(service))
    carers = rows(
        cursor,
        """
        SELECT DISTINCT p.child_key, c.care_forename AS forename, c.care_surname AS surname,
               c.care_dob AS date_of_birth, c.care_relationship AS relationship
        FROM carer c JOIN fact_person p ON p.source_system = c.source_system AND p.person_id = c.care_person_id
        WHERE list_contains(?, p.child_key)
        ORDER BY 3, 2, 1
        """,
        [keys],
    )
    homes = cursor.execute(
        "SELECT DISTINCT p.child_key, s.postcode, s.address FROM source_record s JOIN fact_person p "
        "ON p.source_system = s.source_system AND p.person_id = s.source_record_id "
        "WHERE list_contains(?, p.child_key) AND s.postcode IS NOT NULL ORDER BY 1, 2, 3",  # the same order each time
        [keys],
    ).fetchall()
    visible = {member["child_key"] for member in members if member["visible"]}
    label = {}
    for number, member in enumerate(members, 1):
        member["services"] = [service_name(service) for service in (member["services"] or [])]
        member["open_services"] = open_services.get(member["child_key"], [])
        if member["visible"]:
            member["name"] = names.get(member["child_key"]) or "(no name recorded)"
            member["age"] = age_of(member["date_of_birth"], today)
        else:  # someone the user may not see: that there is another child known to services, nothing more
            member.update(
                name=None,
                child_key=None,
                child_id=None,
                date_of_birth=None,
                sex=None,
                age=None,
                valid_from=None,
                role=None,
                services=[],
                open_services=[],
            )
        label[keys[number - 1]] = member["name"] or f"another child known to services ({number})"
    # The parents and carers named, each once, with the (visible) children they are recorded for.
    parents: dict[tuple, Row] = {}
    for carer in carers:
        key = ((carer["forename"] or "").lower(), (carer["surname"] or "").lower(), carer["date_of_birth"])
        parent = parents.setdefault(
            key,
            {
                "forename": carer["forename"],
                "surname": carer["surname"],
                "date_of_birth": carer["date_of_birth"],
                "of": [],
                "keys": set(),
            },
        )
        parent["keys"].add(carer["child_key"])
        parent["of"].append(f"{carer['relationship'] or 'carer'} of {label[carer['child_key']]}")
    relationships = []
    for parent in parents.values():
        if len(parent["keys"]) > 1:
            who = " and ".join(sorted(label[key] for key in parent["keys"]))
            relationships.append(f"{who} share a parent or carer ({_carer_name(parent, visible)})")
    by_home: dict[tuple, set] = {}
    for key, postcode, address in homes:
        by_home.setdefault((postcode, address), set()).add(key)
    for (postcode, address), together in by_home.items():
        if len(together) > 1:
            shown = f"{address}, {postcode}" if together <= visible and address else "the same address"
            relationships.append(f"{' and '.join(sorted(label[key] for key in together))} live at {shown}")
    carer_list = [
        {"name": _carer_name(parent, visible), "date_of_birth": parent["date_of_birth"], "of": parent["of"]}
        for parent in parents.values()
        if parent["keys"] & visible
    ]
    return {
        "family_id": family_id,
        "members": [with_labels(member) for member in members],  # sex beside its words, sex_label
        "carers": carer_list,
        "relationships": relationships,
        "visible": len(visible),
    }


def _carer_name(parent: Row, visible: set) -> str:
    if not parent["keys"] & visible:
        return "a parent or carer"
    return " ".join(part for part in (parent["forename"], parent["surname"]) if part) or "(no name recorded)"
