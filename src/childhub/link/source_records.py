"""Source records for linkage: one row per person record of each source system.

Every system's person rows (as they stand now) are combined per (source_system, person ID):
each field takes the newest non-empty value, so a child whose social-care record has names in
the case-management extract and a UPN in the CIN census is one record with both. The result
is the identity table ``source_record``, rebuilt on every run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from childhub.store import current_sql

if TYPE_CHECKING:
    import duckdb


def _first(expression: str) -> str:
    return f"first({expression} ORDER BY batch_id DESC) FILTER (WHERE {expression} IS NOT NULL)"


def _current(expression: str) -> str:
    order = "addr_address_end_date IS NULL DESC, addr_address_start_date DESC NULLS FIRST, batch_id DESC"
    return f"first({expression} ORDER BY {order}) FILTER (WHERE {expression} IS NOT NULL)"


def build_source_records(conn: duckdb.DuckDBPyConnection, batches: list[int] | None = None) -> int:
    """Rebuild ``source_record`` from the person and address rows as they stand now; how many records it holds.

    With ``batches``, only the records of the people whose person or address rows those batches brought are built
    again (a push: the cost follows what arrived, not the size of the store); the rest stand as they were."""
    person, person_params = current_sql("person")
    address, address_params = current_sql("address")
    only_person = only_address = ""
    if batches is None:
        conn.execute("DELETE FROM source_record")
    else:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE _touched_people AS "
            "SELECT source_system, pers_person_id AS person_id FROM person WHERE list_contains($batches, batch_id) "
            "UNION SELECT source_system, addr_person_id FROM address WHERE list_contains($batches, batch_id)",
            {"batches": list(batches)},
        )
        conn.execute(
            "DELETE FROM source_record WHERE (source_system, source_record_id) IN "
            "(SELECT source_system, person_id FROM _touched_people)"
        )
        only_person = "WHERE (source_system, pers_person_id) IN (SELECT source_system, person_id FROM _touched_people)"
        only_address = "WHERE (source_system, addr_person_id) IN (SELECT source_system, person_id FROM _touched_people)"
    conn.execute(
        f"""
        INSERT INTO source_record (source_record_id, forename, middle_names, surname, sex, date_of_birth,
                                   expected_date_of_birth, ethnicity, upn, former_upn, nhs_number, postcode,
                                   address, source_system, batch_id, source_record_key)
        WITH p AS (
            SELECT source_system, pers_person_id, batch_id,
                   lower(NULLIF(trim(pers_forename), '')) AS forename,
                   lower(NULLIF(trim(pers_middle_names), '')) AS middle_names,
                   lower(NULLIF(trim(pers_surname), '')) AS surname,
                   CASE upper(pers_sex) WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' END AS sex,
                   pers_dob, pers_expected_dob, pers_ethnicity,
                   upper(NULLIF(trim(pers_upn), '')) AS upn,
                   upper(NULLIF(trim(pers_former_upn), '')) AS former_upn,
                   NULLIF(regexp_replace(coalesce(pers_nhs_number, ''), '[^0-9]', '', 'g'), '') AS nhs_number
            FROM ({person}) {only_person}
        ),
        a AS (  -- the home a record holds now: no end date, the latest start (undated rows first)
            SELECT source_system, addr_person_id,
                   {_current("upper(NULLIF(trim(addr_address_postcode), ''))")} AS postcode,
                   {_current("lower(NULLIF(trim(addr_address_json), ''))")} AS address
            FROM ({address}) {only_address} GROUP BY ALL
        )
        SELECT p.pers_person_id, {_first("forename")}, {_first("middle_names")}, {_first("surname")},
               {_first("sex")}, {_first("pers_dob")}, {_first("pers_expected_dob")}, {_first("pers_ethnicity")},
               {_first("upn")}, {_first("former_upn")}, {_first("nhs_number")},
               any_value(a.postcode), any_value(a.address), p.source_system, max(p.batch_id), p.pers_person_id
        FROM p LEFT JOIN a ON a.source_system = p.source_system AND a.addr_person_id = p.pers_person_id
        GROUP BY p.source_system, p.pers_person_id
        """,
        {**person_params, **address_params},
    )
    return conn.execute("SELECT count(*) FROM source_record").fetchall()[0][0]
