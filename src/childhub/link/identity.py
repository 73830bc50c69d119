"""Stable child and family IDs, and the audit trail of identity decisions.

A run's clusters are matched to the IDs their records had before: a cluster keeps the child ID
most of its records carried (each ID goes to one cluster only, the largest claim first), so an
existing child keeps their ID unless the evidence changes. A cluster joining records of several
children is recorded as a merge; a child whose records now sit in several clusters, as a split.
Links are never overwritten: a changed link is closed (``valid_to``) and a new one opened.
Families are handled the same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime

from childhub.store import current_sql


def bulk(conn, sql: str, rows: list[list], columns: list[str]) -> None:
    """Run ``sql`` over ``rows`` staged as the relation ``rows`` (far faster than executemany)."""
    if not rows:
        return
    import pyarrow as pa

    staged = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    conn.register("rows", staged)
    try:
        conn.execute(sql)
    finally:
        conn.unregister("rows")


def _split(unique_id: str) -> tuple[str, str]:
    system, record = unique_id.split(":", 1)
    return system, record


def assign_children(conn, clusters: dict[str, list[str]], run_id: int, now: datetime) -> dict[str, int]:
    """Child ID for every record; writes child, child_link and identity_decision."""
    current = {
        f"{system}:{record}": child
        for system, record, child in conn.execute(
            "SELECT source_system, source_record_id, child_id FROM child_link WHERE valid_to IS NULL"
        ).fetchall()
    }
    claims = []
    for representative, records in clusters.items():
        votes = Counter(current[r] for r in records if r in current)
        for child, count in votes.items():
            claims.append((-count, child, representative))
    claims.sort()
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    for _count, child, representative in claims:
        if representative not in chosen and child not in taken:
            chosen[representative] = child
            taken.add(child)
    decisions = []
    unclaimed = [representative for representative in clusters if representative not in chosen]
    if unclaimed:
        minted = conn.execute(
            "INSERT INTO child (created_at, status) SELECT ?, 'active' FROM range(?) RETURNING child_id",
            [now, len(unclaimed)],
        ).fetchall()
        chosen.update(zip(unclaimed, sorted(child for (child,) in minted), strict=True))
    for representative, records in clusters.items():
        child = chosen[representative]
        previous = {current[r] for r in records if r in current} - {child}
        for other in sorted(previous):
            decisions.append(("merge", child, other, f"records of child {other} joined child {child}"))
    # children none of whose records kept their ID are merged away
    still_used = set(chosen.values())
    for child in sorted(set(current.values()) - still_used):
        conn.execute("UPDATE child SET status = 'merged' WHERE child_id = ?", [child])
    record_child = {r: chosen[rep] for rep, records in clusters.items() for r in records}
    # splits: a previous child whose records now belong to several children
    spread = defaultdict(set)
    for record, child in current.items():
        if record in record_child:
            spread[child].add(record_child[record])
    for child, now_children in spread.items():
        if len(now_children) > 1:
            decisions.append(
                (
                    "split",
                    child,
                    None,
                    f"records of child {child} now belong to children "
                    + ", ".join(str(c) for c in sorted(now_children)),
                )
            )
    changed = [(r, c) for r, c in record_child.items() if current.get(r) != c]
    ended = [[*_split(r), now] for r, _c in changed if r in current]
    ended += [[*_split(r), now] for r in current if r not in record_child]
    bulk(
        conn,
        "UPDATE child_link SET valid_to = rows.now FROM rows WHERE child_link.source_system = rows.system "
        "AND child_link.source_record_id = rows.record AND child_link.valid_to IS NULL",
        ended,
        ["system", "record", "now"],
    )
    bulk(
        conn,
        "INSERT INTO child_link (source_system, source_record_id, child_id, valid_from, decided_by, reason) "
        "SELECT system, record, child, now, 'childhub link', reason FROM rows",
        [[*_split(r), c, now, f"run {run_id}" + (" (re-linked)" if r in current else "")] for r, c in changed],
        ["system", "record", "child", "now", "reason"],
    )
    bulk(
        conn,
        "INSERT INTO identity_decision (decided_at, decision, decided_by, child_id, other_child_id, reason) "
        "SELECT now, kind, 'childhub link', child, other, reason FROM rows",
        [[now, kind, child, other, reason] for kind, child, other, reason in decisions],
        ["now", "kind", "child", "other", "reason"],
    )
    bulk(
        conn,
        "UPDATE child SET status = 'merged', merged_into_child_id = rows.child FROM rows "
        "WHERE child.child_id = rows.other",
        [[child, other] for kind, child, other, _ in decisions if kind == "merge" and other not in still_used],
        ["child", "other"],
    )
    return record_child


def assign_families(conn, record_child: dict[str, int], now: datetime) -> int:
    """Group children into families: those who lived in one home at the same time, and those
    with a parent or step-parent in common (same name and date of birth)."""
    parent: dict[int, int] = {c: c for c in set(record_child.values())}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    address, address_params = current_sql("address")
    homes: dict[str, list[tuple[int, date, date]]] = defaultdict(list)
    for unique_id, postcode, line, start, end in conn.execute(
        f"SELECT source_system || ':' || addr_person_id, addr_address_postcode, addr_address_json, "
        f"addr_address_start_date, addr_address_end_date FROM ({address}) "
        "WHERE addr_address_postcode IS NOT NULL AND addr_address_json IS NOT NULL "
        "AND lower(addr_address_json) <> lower(addr_address_postcode)",
        address_params,
    ).fetchall():
        child = record_child.get(unique_id)
        if child is not None:
            home = f"{postcode}|{' '.join(line.lower().split())}"
            homes[home].append((child, start or date.min, end or date.max))
    for residents in homes.values():  # together at the same time (a date not known counts as open)
        residents.sort(key=lambda r: r[1])
        for i, (child, start, end) in enumerate(residents):
            for other, other_start, other_end in residents[i + 1 :]:
                if other_start > end:
                    break
                if other_end >= start:
                    union(child, other)
    carer, carer_params = current_sql("carer")
    first_with: dict[str, int] = {}
    for unique_id, forename, surname, dob in conn.execute(
        f"SELECT source_system || ':' || care_person_id, lower(care_forename), lower(care_surname), care_dob "
        f"FROM ({carer}) WHERE care_forename IS NOT NULL AND care_surname IS NOT NULL AND care_dob IS NOT NULL "
        "AND care_relationship IN ('Mother', 'Father', 'Stepfather', 'Stepmother')",
        carer_params,
    ).fetchall():
        child = record_child.get(unique_id)
        if child is None:
            continue
        key = f"{forename}|{surname}|{dob}"
        if key in first_with:
            union(first_with[key], child)
        else:
            first_with[key] = child
    groups: dict[int, list[int]] = defaultdict(list)
    for child in parent:
        groups[find(child)].append(child)
    current = dict(conn.execute("SELECT child_id, family_id FROM family_member WHERE valid_to IS NULL").fetchall())
    claims = sorted(
        (-count, family, root)
        for root, children in groups.items()
        for family, count in Counter(current[c] for c in children if c in current).items()
    )
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _count, family, root in claims:
        if root not in chosen and family not in taken:
            chosen[root] = family
            taken.add(family)
    unclaimed = [root for root in groups if root not in chosen]
    if unclaimed:
        minted = conn.execute(
            "INSERT INTO family_group (created_at) SELECT ? FROM range(?) RETURNING family_id", [now, len(unclaimed)]
        ).fetchall()
        chosen.update(zip(unclaimed, sorted(f for (f,) in minted), strict=True))
    changed = [
        (c, chosen[root]) for root, children in groups.items() for c in children if current.get(c) != chosen[root]
    ]
    bulk(
        conn,
        "UPDATE family_member SET valid_to = rows.now FROM rows WHERE family_member.child_id = rows.child "
        "AND family_member.valid_to IS NULL",
        [[now, c] for c, _f in changed if c in current],
        ["now", "child"],
    )
    bulk(
        conn,
        "INSERT INTO family_member (family_id, child_id, role, valid_from) "
        "SELECT family, child, 'child', now FROM rows",
        [[f, c, now] for c, f in changed],
        ["family", "child", "now"],
    )
    return len(groups)
