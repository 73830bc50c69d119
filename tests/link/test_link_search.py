"""Person search on hand-built records: how a query is read, the order of the results, the true total and pages.

Each case writes a few source records (one child each unless said) into a scratch connection, with the
``fact_person`` and ``fact_child`` rows the facts would build, and searches them with the reference model.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from childhub.link import SEARCH_PAGE_SIZE, Scorer, parse_query, search
from childhub.link.cluster import jaro_winkler
from childhub.link.comparisons import nickname_pairs
from childhub.link.model import reference_model
from childhub.store import scratch_connection

EVERYONE = ("TRUE", [])
SCORER = Scorer(reference_model())
W = SCORER.weights  # the reference model's match weights, by comparison and level (0 missing, 1 exact ...)


@pytest.fixture
def records():
    """A scratch connection and a way to add a source record, linked to a child ``C<child_id>``."""
    with scratch_connection() as conn:
        conn.execute(
            "CREATE TABLE source_record (source_system VARCHAR, source_record_id VARCHAR, forename VARCHAR, "
            "surname VARCHAR, date_of_birth DATE, upn VARCHAR, former_upn VARCHAR, nhs_number VARCHAR, "
            "postcode VARCHAR)"
        )
        conn.execute(
            "CREATE TABLE fact_person (source_system VARCHAR, person_id VARCHAR, child_id BIGINT, child_key VARCHAR)"
        )
        conn.execute(
            "CREATE TABLE fact_child (child_key VARCHAR, child_id BIGINT, sex VARCHAR, date_of_birth DATE, "
            "area VARCHAR, source_systems VARCHAR[], forename VARCHAR, surname VARCHAR)"
        )

        def add(
            child_id: int,
            forename: str,
            surname: str,
            born: date | None,
            *,
            record_id: str | None = None,
            system: str = "social_care",
            upn=None,
            nhs=None,
            postcode=None,
        ):
            record_id = record_id or f"R{child_id}"
            conn.execute(
                "INSERT INTO source_record VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                [system, record_id, forename, surname, born, upn, nhs, postcode],
            )
            conn.execute("INSERT INTO fact_person VALUES (?, ?, ?, ?)", [system, record_id, child_id, f"C{child_id}"])
            conn.execute(
                "INSERT INTO fact_child SELECT ?, ?, 'F', ?, 'QX1', [?], ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM fact_child WHERE child_id = ?)",
                [f"C{child_id}", child_id, born, system, forename.title(), surname.title(), child_id],
            )

        yield conn, add


def found(conn, text: str, scope=EVERYONE, page: int = 1):
    return search(conn, SCORER, parse_query(text), scope, page)


def keys(result) -> list[str]:
    return [r["child_key"] for r in result.results]


# --- reading a query ------------------------------------------------------------------------------------------


def test_a_four_digit_number_with_a_name_is_a_year_of_birth_and_alone_an_identifier():
    query = parse_query("Billy Ali 2007")
    assert (query.names, query.years, query.identifiers) == (["billy", "ali"], [2007], [])
    assert query.parts() == ["name Billy Ali", "born in 2007"]
    alone = parse_query("2007")
    assert (alone.names, alone.years, alone.identifiers, alone.number_alone) == ([], [], ["2007"], True)
    assert parse_query("C2007").identifiers == ["C2007"]
    # out of 1900-2100 it is no year: an identifier such as an LA child ID
    assert parse_query("Ali 1899").identifiers == ["1899"] and parse_query("Ali 2101").years == []
    assert parse_query("Ali 126060").identifiers == ["126060"]


def test_a_date_of_birth_reads_the_same_in_three_forms():
    for text in ("2007-03-04", "4/3/2007", "4 March 2007", "04/03/2007", "4th Mar 2007", "4 march, 2007"):
        query = parse_query(f"Ava Khan {text}")
        assert (query.dates, query.names, query.identifiers, query.years) == (
            [date(2007, 3, 4)],
            ["ava", "khan"],
            [],
            [],
        ), text
    assert parse_query("31 February 2020").problems == ["31 February 2020 is not a date"]
    assert parse_query("2015-13-40").problems == ["2015-13-40 is not a date"]


def test_a_postcode_is_read_with_or_without_its_space():
    assert parse_query("Smith QX12 4AB").postcodes == ["QX124AB"]
    query = parse_query("smith qx124ab")
    assert (query.names, query.postcodes) == (["smith"], ["QX124AB"])
    assert parse_query("A123456789012").postcodes == []  # a UPN is no postcode


# --- what is found, and in what order ----------------------------------------------------------------------------


def test_billy_ali_2007_finds_william_ali_born_in_2007_not_the_child_c2007(records):
    conn, add = records
    add(11, "william", "ali", date(2007, 5, 1))
    add(12, "billy", "ali", date(2009, 5, 1))  # born in another year
    add(13, "william", "allen", date(2007, 6, 1))  # another surname
    add(2007, "rayyan", "cartwright", date(2012, 1, 1))  # the child C2007
    result = found(conn, "Billy Ali 2007")
    assert keys(result) == ["C11"] and result.total == 1
    assert result.results[0]["why"] == [
        "first name william (a nickname of billy)",
        "surname ali (exactly)",
        "born in 2007",
    ]
    # closeness 2 (a nickname) + 3 (exact) + 3 (the year)
    assert result.results[0]["closeness"] == 8
    assert keys(found(conn, "2007")) == ["C2007"]  # a number alone is a child ID
    assert keys(found(conn, "C2007")) == ["C2007"]


def test_a_date_of_birth_in_any_of_its_forms_finds_the_same_children(records):
    conn, add = records
    add(1, "ava", "khan", date(2007, 3, 4))
    add(2, "ben", "khan", date(2007, 4, 3))  # day and month swapped
    add(3, "cai", "khan", date(2008, 3, 4))  # one digit different
    add(4, "dan", "khan", date(2009, 1, 1))
    for text in ("2007-03-04", "4/3/2007", "4 March 2007"):
        alone = found(conn, text)  # a date alone gathers the children born that day
        assert keys(alone) == ["C1"] and alone.results[0]["why"] == ["date of birth 4 March 2007 (exactly)"], text
        # with a name, a date typed wrongly still counts, after the exact one
        result = found(conn, f"Khan {text}")
        assert keys(result) == ["C1", "C2", "C3"], text
        assert [r["closeness"] for r in result.results] == [3 + 3, 3 + 2, 3 + 1]
        assert result.results[1]["why"][1] == "date of birth 3 April 2007 (day and month swapped)"
        assert result.results[2]["why"][1] == "date of birth 4 March 2008 (one digit different)"


def test_an_exact_name_and_date_of_birth_come_before_a_misspelt_name(records):
    conn, add = records
    add(1, "jhon", "smith", date(2015, 3, 2))  # first added, so first by child ID on a tie
    add(2, "john", "smith", date(2015, 3, 2))
    assert jaro_winkler("john", "jhon") >= 0.92 and ("jhon", "john") not in nickname_pairs()
    result = found(conn, "John Smith 02/03/2015")
    assert keys(result) == ["C2", "C1"]
    exact, misspelt = result.results
    assert exact["closeness"] == 3 + 3 + 3 and misspelt["closeness"] == 1 + 3 + 3
    assert exact["score"] == round(W["first_name"][1] + W["surname"][1] + W["dob"][1], 2)
    assert misspelt["score"] == round(W["first_name"][3] + W["surname"][1] + W["dob"][1], 2)
    assert misspelt["why"][0] == "first name jhon (spelt almost like john)"


def test_bob_finds_the_roberts_before_a_surname_spelt_almost_like_it(records):
    conn, add = records
    add(1, "jaxon", "bobd", date(2015, 1, 1))  # bobd is spelt almost like bob
    add(2, "robert", "roberts", date(2014, 1, 1))
    add(3, "bob", "jones", date(2016, 1, 1))
    assert jaro_winkler("bob", "bobd") >= 0.92 and ("bob", "robert") in nickname_pairs()
    # the model weighs the misspelt surname above the nickname; closeness puts the nickname first
    assert W["surname"][3] > W["first_name"][2]
    result = found(conn, "Bob")
    assert keys(result) == ["C3", "C2", "C1"]
    assert [r["closeness"] for r in result.results] == [3, 2, 1]


def test_one_child_with_two_records_is_one_result_placed_by_its_best(records):
    conn, add = records
    add(1, "jon", "smyth", date(2015, 3, 2), record_id="A")
    add(1, "john", "smith", date(2015, 3, 2), record_id="B", system="education")
    add(2, "john", "smithe", date(2015, 3, 2))
    result = found(conn, "John Smith")
    assert keys(result) == ["C1", "C2"] and result.total == 2
    assert result.results[0]["why"] == ["first name john (exactly)", "surname smith (exactly)"]


def test_every_part_typed_must_match(records):
    conn, add = records
    add(1, "ava", "khan", date(2015, 6, 1), postcode="QX1 2AB", upn="A123456789012")
    add(2, "ava", "khan", date(2015, 6, 1), postcode="QX9 9ZZ")
    assert keys(found(conn, "Ava Khan QX1 2AB")) == ["C1"]
    assert keys(found(conn, "qx12ab")) == ["C1"]
    assert keys(found(conn, "Ava Khan 2016")) == []
    # with an identifier the names may differ (a maiden name, a nickname not listed), the identifier may not
    assert keys(found(conn, "Eva Kahn A123456789012")) == ["C1"]
    assert keys(found(conn, "Ava Khan A000000000000")) == []


# --- the total and the pages --------------------------------------------------------------------------------------


def test_sixty_children_match_on_three_pages_of_twenty_five(records):
    conn, add = records
    for child_id in range(1, 61):
        add(child_id, f"child{child_id:02d}", "smith", date(2010, 1, 1))
    add(61, "ava", "jones", date(2010, 1, 1))
    assert SEARCH_PAGE_SIZE == 25 and math.ceil(60 / 25) == 3
    pages = [found(conn, "Smith", page=n) for n in (1, 2, 3)]
    assert [(p.total, p.page, p.pages) for p in pages] == [(60, 1, 3), (60, 2, 3), (60, 3, 3)]
    assert [len(p.results) for p in pages] == [25, 25, 10]
    assert [(p.first, p.last) for p in pages] == [(1, 25), (26, 50), (51, 60)]
    # all exact surnames, so by child ID: page 2 holds C26 to C50
    assert keys(pages[1]) == [f"C{n}" for n in range(26, 51)]
    shown = [key for p in pages for key in keys(p)]
    assert len(set(shown)) == 60 and "C61" not in shown
    beyond = found(conn, "Smith", page=4)
    assert (beyond.total, beyond.pages, beyond.results, beyond.first) == (60, 3, [], 0)


def test_the_total_counts_only_the_children_in_scope(records):
    conn, add = records
    for child_id in range(1, 61):
        add(child_id, f"child{child_id:02d}", "smith", date(2010, 1, 1))
    mine = [f"C{n}" for n in range(5, 12)]  # seven of the sixty
    result = found(conn, "Smith", scope=("list_contains(?, p.child_key)", [mine]))
    assert (result.total, result.pages, keys(result)) == (7, 1, mine)
    assert found(conn, "Smith", scope=("FALSE", [])).total == 0
