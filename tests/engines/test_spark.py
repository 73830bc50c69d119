"""The same SQL on Spark and on DuckDB: values of every type, the macros worked by hand, and every fact over the
tiny authority (marked spark: ``pytest -m spark``; needs Java 17 and pyspark)."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from childhub.engines import EngineError, SparkConnection, UnsupportedConstruct
from childhub.facts import fact_names, prepare

pytestmark = pytest.mark.spark


@pytest.fixture
def conn(spark):
    connection = SparkConnection(spark)
    yield connection
    connection.close()


def _same(value, other) -> bool:
    if isinstance(value, float) and isinstance(other, float):
        return math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(value) and math.isnan(other))
    if isinstance(value, list | tuple) and isinstance(other, list | tuple):
        return len(value) == len(other) and all(_same(a, b) for a, b in zip(value, other, strict=True))
    if isinstance(value, dict) and isinstance(other, dict):
        return value.keys() == other.keys() and all(_same(value[k], other[k]) for k in value)
    return type(value) is type(other) and value == other


def _order(row: tuple) -> tuple:
    return tuple((value is None, repr(value)) for value in row)


def test_values_come_back_as_duckdb_gives_them(conn):
    sql = (
        "SELECT DATE '2025-03-31' AS d, TIMESTAMP '2025-03-31 10:11:12' AS ts, 1.5 AS n, CAST(7 AS BIGINT) AS i, "
        "1 / 4 AS q, 'x' AS s, NULL AS nothing, true AS b, [1, 2] AS l, {'a': 1, 'b': 'y'} AS st, "
        "[{'a': DATE '2025-01-01'}] AS ls"
    )
    expected = duckdb.connect().execute(sql).fetchall()
    assert expected == [
        (
            date(2025, 3, 31),
            datetime(2025, 3, 31, 10, 11, 12),
            Decimal("1.5"),
            7,
            0.25,
            "x",
            None,
            True,
            [1, 2],
            {"a": 1, "b": "y"},
            [{"a": date(2025, 1, 1)}],
        )
    ]
    result = conn.execute(sql)
    assert [column[0] for column in result.description] == [
        "d",
        "ts",
        "n",
        "i",
        "q",
        "s",
        "nothing",
        "b",
        "l",
        "st",
        "ls",
    ]
    assert _same(result.fetchall(), expected)


def test_division_and_averages_as_duckdb_gives_them(conn):
    sql = "SELECT 1.5 / 2 AS q, 7 / 2 AS h, 7 // 2 AS w, avg(v) AS a, sum(v) AS s FROM (VALUES (1.5), (2.0)) t(v)"
    expected = duckdb.connect().execute(sql).fetchall()
    assert expected == [(0.75, 3.5, 3, 1.75, Decimal("3.5"))]
    assert _same(conn.execute(sql).fetchall(), expected)


def test_working_days_and_ages_as_worked_by_hand(conn):
    from childhub.facts.build import _install_macros

    _install_macros(conn)
    # Wednesday 24 December 2025 to Monday 29 December: the 25th and 26th are bank holidays, the 27th and 28th a
    # weekend, so one working day (the 29th); 29 February 2012 turns 13 on 1 March 2025, not 28 February.
    rows = conn.execute(
        "SELECT working_days_between(DATE '2025-12-24', DATE '2025-12-29'), "
        "working_days_between(DATE '2025-03-31', DATE '2025-03-31'), "
        "add_working_days(DATE '2025-12-24', 1), "
        "age_on(DATE '2012-02-29', DATE '2025-02-28'), age_on(DATE '2012-02-29', DATE '2025-03-01'), "
        "postcode_district(' qx1  5ab'), isodow(DATE '2025-12-28'), DATE '2025-03-01' - DATE '2025-02-01', "
        "string_split('ssda903:2025', ':')[-1], [10, 20, 30][2]"
    ).fetchall()
    assert rows == [(1, 0, date(2025, 12, 29), 12, 13, "QX1", 7, 28, "2025", 20)]


def test_create_table_view_drop_and_register(conn):
    import pandas as pd

    conn.register("people", pd.DataFrame({"name": ["a", "b", None], "n": [1, 2, 3]}))
    conn.execute("CREATE TEMP TABLE named AS SELECT * FROM people WHERE name IS NOT NULL")
    conn.execute("CREATE TEMP VIEW counted AS SELECT count(*) AS c FROM named")
    assert conn.execute("SELECT c FROM counted").fetchone() == (2,)
    assert conn.relations() == {"people": "view", "named": "table", "counted": "view"}
    conn.execute("DROP VIEW counted")
    assert "counted" not in conn.relations()
    assert conn.execute("SELECT name FROM named ORDER BY n DESC").fetchall() == [("b",), ("a",)]
    assert conn.execute("SELECT ? + $1", [2]).fetchall() == [(4,)]


def test_an_error_names_the_engine(conn):
    with pytest.raises(EngineError, match="^spark could not run the SQL: .*no_such_table"):
        conn.execute("SELECT * FROM no_such_table")
    with pytest.raises(UnsupportedConstruct, match="^spark cannot run the SQL: no Spark function json_group_array"):
        conn.execute("SELECT json_group_array(1)")


def test_a_fact_spark_cannot_run_fails_before_any_is_built(spark, monkeypatch):
    from childhub.facts import build

    facts = {
        "worker": build.Fact("worker", "one row", "SELECT 1 AS n", (), "worker.sql"),  # built first, were it run
        "team": build.Fact("team", "one row", "SELECT json_group_array(1) AS n", (), "team.sql"),
    }
    monkeypatch.setattr(build, "_facts", lambda: facts)
    connection = SparkConnection(spark)
    try:
        with pytest.raises(UnsupportedConstruct, match=r"spark cannot run fact_team \(team\.sql\): no Spark function"):
            prepare(connection)
        assert not any(name.startswith("fact_") for name in connection.relations())
    finally:
        connection.close()


def test_splinks_similarity_functions_load_from_the_jar_on_the_session(spark):
    from pyspark.sql.types import DoubleType

    # what Splink's Spark backend does (splink.internals.spark.jar_location.get_scala_udfs): fails if the jar is absent
    spark.udf.registerJavaFunction("jaro_winkler", "uk.gov.moj.dash.linkage.JaroWinklerSimilarity", DoubleType())
    # Winkler's example: MARTHA and MARHTA, Jaro 17/18 = 0.9444 (6 matches, 1 transposition), a common prefix of 3:
    # 0.9444 + 3 * 0.1 * (1 - 0.9444) = 0.9611
    value = spark.sql("SELECT jaro_winkler('MARTHA', 'MARHTA')").first()[0]
    assert value == pytest.approx(17 / 18 + 0.3 * (1 - 17 / 18))


@pytest.fixture(scope="module")
def tiny_on_duckdb(tiny_authority):
    with tiny_authority.store.reader() as reader:
        prepare(reader)
        yield reader


def test_the_stores_macros_run_on_spark(tiny_on_spark):
    # 943 476 5919, the NHS's example number: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299,
    # 11 - 299 % 11 = 9, its last digit; with 8 last it is not valid
    rows = tiny_on_spark.execute(
        "SELECT nhs_number_is_valid('9434765919'), nhs_number_is_valid('9434765918'), nhs_number_is_valid('943476591')"
    ).fetchall()
    assert rows == [(True, False, False)]


@pytest.mark.parametrize("name", fact_names())
def test_every_fact_is_the_same_on_both_engines(name, tiny_on_spark, tiny_on_duckdb):
    duck = tiny_on_duckdb.execute(f"SELECT * FROM fact_{name}")
    spark_rows = tiny_on_spark.execute(f"SELECT * FROM fact_{name}")
    assert [c[0] for c in spark_rows.description] == [c[0] for c in duck.description]
    expected = sorted(duck.fetchall(), key=_order)
    found = sorted(spark_rows.fetchall(), key=_order)
    assert len(found) == len(expected)
    different = [(a, b) for a, b in zip(found, expected, strict=True) if not _same(a, b)]
    assert not different, f"{len(different)} of {len(expected)} rows differ, first: {different[0]}"
    assert expected, f"fact_{name} is empty on the tiny authority: the comparison would prove nothing"
