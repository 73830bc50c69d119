"""Finding a child: by name through the linkage comparisons (typos, nicknames), date of birth or identifier."""

from __future__ import annotations

from datetime import date

import pytest

from childhub.audit import events
from childhub.link import parse_query
from childhub.link.comparisons import nickname_pairs

OPEN = "a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date)"


def cursor_of(client):
    return client.app.state.childhub.served.current().cursor()


def a_record(cursor, condition: str = "TRUE", params=()) -> dict:
    """One social care source record (as linkage compares it) with its child_key."""
    row = cursor.execute(
        f"""
        SELECT p.child_key, s.forename, s.surname, s.date_of_birth, s.upn, s.nhs_number, s.source_record_id
        FROM source_record s
        JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.source_record_id
        WHERE s.source_system = 'social_care' AND length(s.surname) >= 5 AND s.forename IS NOT NULL
          AND s.date_of_birth IS NOT NULL AND ({condition})
        ORDER BY s.source_record_id LIMIT 1
        """,
        list(params),
    ).fetchone()
    assert row, f"the test authority has no record where {condition}"
    return dict(zip(("child_key", "forename", "surname", "dob", "upn", "nhs", "id"), row, strict=True))


def keys_of(response) -> list[str]:
    return [r["child_key"] for r in response.json()["results"]]


def test_a_misspelt_name_finds_the_child_and_says_why(web_hub):
    client = web_hub.client("analyst")
    record = a_record(cursor_of(client))
    surname = record["surname"]
    typo = surname[:2] + surname[3] + surname[2] + surname[4:]  # two letters swapped
    forename = record["forename"][:-1] if len(record["forename"]) > 4 else record["forename"]
    page = client.get("/search", params={"q": f"{forename.title()} {typo.title()}"})
    assert page.status_code == 200
    assert f'href="/children/{record["child_key"]}"' in page.text
    assert "surname" in page.text and "spelt" in page.text
    event = events(web_hub.data_dir, action="search", actor="analyst", limit=1)[0]
    assert event.details["query"] == f"{forename.title()} {typo.title()}" and event.child_count >= 1


def test_a_nickname_finds_the_full_name(web_hub):
    client = web_hub.client("analyst")
    cursor = cursor_of(client)
    names = sorted({full for _, full in nickname_pairs()})
    record = a_record(cursor, "list_contains(?, s.forename)", [names])
    nickname = sorted(short for short, full in nickname_pairs() if full == record["forename"])[0]
    response = client.get("/api/v1/search", params={"q": f"{nickname} {record['surname']}"})
    assert response.status_code == 200
    result = next(r for r in response.json()["results"] if r["child_key"] == record["child_key"])
    assert any("nickname" in why for why in result["why"])


def test_a_date_of_birth_in_either_form_finds_the_child(web_hub):
    client = web_hub.client("analyst")
    record = a_record(cursor_of(client))
    born: date = record["dob"]
    for text in (born.isoformat(), born.strftime("%d/%m/%Y")):
        response = client.get("/api/v1/search", params={"q": text})
        assert record["child_key"] in keys_of(response)
        assert all(r["date_of_birth"] == born.isoformat() for r in response.json()["results"])


def test_any_identifier_finds_the_child(web_hub):
    client = web_hub.client("admin")
    record = a_record(cursor_of(client), "s.upn IS NOT NULL AND s.nhs_number IS NOT NULL")
    for identifier in (record["upn"], record["nhs"], record["id"], record["child_key"]):
        response = client.get("/api/v1/search", params={"q": identifier})
        assert keys_of(response)[0] == record["child_key"], identifier
    spaced = f"{record['nhs'][:3]} {record['nhs'][3:6]} {record['nhs'][6:]}"
    assert keys_of(client.get("/api/v1/search", params={"q": spaced}))[0] == record["child_key"]


def test_results_are_one_per_child_best_first(web_hub):
    client = web_hub.client("analyst")
    record = a_record(cursor_of(client))
    results = client.get("/api/v1/search", params={"q": record["surname"]}).json()["results"]
    keys = [r["child_key"] for r in results]
    assert len(keys) == len(set(keys)) and record["child_key"] in keys
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_a_manager_finds_only_children_in_their_scope(web_hub):
    client = web_hub.client("manager")
    cursor = cursor_of(client)
    scoped = f"p.child_key IN (SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.team_id = ?)"
    mine = a_record(cursor, scoped, [web_hub.manager_team])
    other = a_record(cursor, f"NOT {scoped}", [web_hub.manager_team])
    assert mine["child_key"] in keys_of(
        client.get("/api/v1/search", params={"q": f"{mine['forename']} {mine['surname']}"})
    )
    page = client.get("/search", params={"q": f"{other['forename']} {other['surname']}"})
    assert page.status_code == 200 and f"/children/{other['child_key']}" not in page.text
    assert other["child_key"] not in keys_of(client.get("/api/v1/search", params={"q": other["id"]}))


def test_an_empty_search_shows_the_form(web_hub):
    page = web_hub.client("practitioner").get("/search")
    assert page.status_code == 200 and '<label class="label" for="search-q">' in page.text


def test_scrutiny_is_refused_and_no_session_is_sent_to_sign_in(web_hub):
    assert web_hub.client("scrutiny").get("/search", params={"q": "smith"}).status_code == 403
    assert web_hub.client("scrutiny").get("/api/v1/search", params={"q": "smith"}).status_code == 403
    assert web_hub.client().get("/search", params={"q": "smith"}).status_code == 303


def test_a_query_is_read_as_names_dates_and_identifiers():
    query = parse_query("Jon O'Neil 02/03/2015 A123456789012")
    assert query.names == ["jon", "o'neil"]
    assert query.dates == [date(2015, 3, 2)]
    assert query.identifiers == ["A123456789012"]
    assert parse_query("2015-13-40").problems == ["2015-13-40 is not a date"]


def test_jon_smyth_finds_john_smith_and_bill_finds_william():
    from childhub.link import Scorer, search
    from childhub.link.model import reference_model
    from childhub.store import scratch_connection

    with scratch_connection() as conn:
        conn.execute(
            "CREATE TABLE source_record AS SELECT * FROM (VALUES "
            "('social_care', '1', 'john', 'smith', DATE '2015-03-02', NULL, NULL, NULL, NULL), "
            "('education', 'P2', 'william', 'jones', DATE '2012-01-09', NULL, NULL, NULL, NULL), "
            "('social_care', '3', 'jane', 'brown', DATE '2015-03-02', NULL, NULL, NULL, NULL)) "
            "t(source_system, source_record_id, forename, surname, date_of_birth, upn, former_upn, nhs_number, "
            "postcode)"
        )
        conn.execute(
            "CREATE TABLE fact_person AS SELECT source_system, source_record_id AS person_id, "
            "row_number() OVER () AS child_id, 'C' || row_number() OVER () AS child_key, forename, surname "
            "FROM source_record"
        )
        conn.execute(
            "CREATE TABLE fact_child AS SELECT child_key, child_id, 'M' AS sex, DATE '2015-03-02' AS date_of_birth, "
            "'QX1' AS area, [source_system] AS source_systems, forename, surname FROM fact_person"
        )
        scorer = Scorer(reference_model())
        found = search(conn, scorer, parse_query("Jon Smyth"), ("TRUE", [])).results
        assert [r["name"] for r in found] == ["john smith"]
        assert found[0]["why"][0].startswith("first name john (")
        found = search(conn, scorer, parse_query("Bill"), ("TRUE", [])).results
        assert [r["name"] for r in found] == ["william jones"] and "nickname of bill" in found[0]["why"][0]
        found = search(conn, scorer, parse_query("Jon Smyth 02/03/2015"), ("TRUE", [])).results
        assert [r["name"] for r in found] == ["john smith"]


def _common_surname(cursor, scope: str = "TRUE", params=()) -> str:
    """The surname most children hold, among the records where ``scope`` holds."""
    row = cursor.execute(
        f"""
        SELECT s.surname FROM source_record s
        JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.source_record_id
        WHERE s.surname IS NOT NULL AND ({scope}) GROUP BY 1 ORDER BY count(DISTINCT p.child_key) DESC, 1 LIMIT 1
        """,
        list(params),
    ).fetchone()
    return row[0]


def every_page(client, q: str) -> tuple[dict, list[str]]:
    """The first page's answer, and the child keys of every page in order."""
    first = client.get("/api/v1/search", params={"q": q}).json()
    found = [r["child_key"] for r in first["results"]]
    for page in range(2, first["pages"] + 1):
        found += keys_of(client.get("/api/v1/search", params={"q": q, "page": page}))
    return first, found


def test_the_page_says_the_true_total_and_pages_through_it(web_hub):
    client = web_hub.client("analyst")
    surname = _common_surname(cursor_of(client))
    first, found = every_page(client, surname)
    assert first["total"] == len(found) == len(set(found)) and first["page_size"] == 25
    assert first["pages"] == -(-first["total"] // 25)
    assert first["total"] > 25, f"the test authority has too few children called {surname} to page through"
    page = client.get("/search", params={"q": surname.title(), "page": 2})
    assert f"{first['total']:,} children match “{surname.title()}”; showing 26 to" in page.text
    assert f"Page 2 of {first['pages']}" in page.text
    assert f'href="/search?q={surname.title()}&amp;page=1"' in page.text
    event = events(web_hub.data_dir, action="search", actor="analyst", limit=1)[0]
    assert event.details["total"] == first["total"] and event.details["page"] == 2
    assert event.child_count == len(found[25:50])
    beyond = client.get("/search", params={"q": surname, "page": first["pages"] + 1})
    assert "There is no page" in beyond.text
    assert client.get("/api/v1/search", params={"q": surname, "page": 0}).status_code == 422


def test_a_name_with_a_year_is_read_as_a_year_of_birth(web_hub):
    client = web_hub.client("analyst")
    record = a_record(cursor_of(client))
    year = record["dob"].year
    body = client.get("/api/v1/search", params={"q": f"{record['forename']} {record['surname']} {year}"}).json()
    assert body["read_as"] == [f"name {record['forename'].title()} {record['surname'].title()}", f"born in {year}"]
    assert record["child_key"] in keys_of_body(body)
    assert all(f"born in {year}" in r["why"] for r in body["results"])
    wrong_year = client.get("/api/v1/search", params={"q": f"{record['forename']} {record['surname']} {year + 3}"})
    assert record["child_key"] not in keys_of(wrong_year)


def keys_of_body(body: dict) -> list[str]:
    return [r["child_key"] for r in body["results"]]


@pytest.mark.slow
def test_a_managers_total_counts_only_their_children(web_hub):
    manager, analyst = web_hub.client("manager"), web_hub.client("analyst")
    cursor = cursor_of(manager)
    scoped = f"p.child_key IN (SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.team_id = ?)"
    surname = _common_surname(cursor, scoped, [web_hub.manager_team])
    theirs, their_keys = every_page(manager, surname)
    everyone, all_keys = every_page(analyst, surname)
    # of the analyst's results, those the manager may open (the child page asks the scope one child at a time)
    may_see = [key for key in all_keys if manager.get(f"/api/v1/children/{key}").status_code == 200]
    assert 0 < theirs["total"] < everyone["total"]
    assert theirs["total"] == len(may_see) and their_keys == may_see
