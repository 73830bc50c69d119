"""Translation of DuckDB SQL for Spark, without Spark: each rewrite, the macros, and what is refused.

What the translated SQL computes on Spark is checked against DuckDB in test_spark.py (marked spark).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from childhub.engines import SPARK_REWRITES, EngineError, Macros, UnsupportedConstruct, translate


def spark(sql: str, macros: Macros | None = None, **options) -> str:
    return translate(sql, "spark", macros, **options)


def test_duckdb_is_left_as_written():
    sql = "SELECT arg_max(a, b) FROM t QUALIFY x = 1"
    assert translate(sql, "duckdb") == sql


def test_an_unknown_engine_is_refused():
    with pytest.raises(EngineError, match="no engine 'oracle'"):
        translate("SELECT 1", "oracle")


# --- parameters


def test_named_and_positional_parameters_become_literals():
    named = spark(
        "SELECT x FROM t WHERE d <= CAST($as_of AS DATE) AND n = $n", params={"as_of": date(2025, 3, 31), "n": 2}
    )
    assert named == "SELECT x FROM t WHERE d <= CAST(CAST('2025-03-31' AS DATE) AS DATE) AND n = 2"
    positional = spark(
        "SELECT ?, ?, ?, ?, ?", params=[None, "it's", True, datetime(2025, 1, 2, 3, 4, 5), Decimal("1.5")]
    )
    assert positional == "SELECT NULL, 'it\\'s', TRUE, CAST('2025-01-02 03:04:05' AS TIMESTAMP_NTZ), 1.5"


def test_a_missing_parameter_is_named():
    with pytest.raises(EngineError, match=r"fact_x: no value for the parameter \$as_of"):
        spark("SELECT $as_of", params={}, source="fact_x")
    with pytest.raises(EngineError, match="fewer parameters"):
        spark("SELECT ?, ?", params=[1])


# --- macros

MACROS = Macros(
    [
        "CREATE OR REPLACE TEMP MACRO open_during(start_day, end_day, first_day, last_day) AS "
        "start_day <= last_day AND (end_day IS NULL OR end_day > first_day)",
        "CREATE OR REPLACE TEMP MACRO open_on(start_day, end_day, day) AS open_during(start_day, end_day, day, day);"
        "\n-- a comment; with a semicolon\n"
        "CREATE MACRO looked_after_on(episode, day) AS NOT episode.short_break "
        "AND open_on(episode.start_date, episode.ceased, day)",
        "CREATE MACRO twice(x) AS x * 2",
        "CREATE MACRO loop(x) AS loop(x)",
        "CREATE MACRO visible(as_of) AS TABLE "
        "WITH dated AS (SELECT batch_id, d FROM batch WHERE as_of IS NULL OR d <= as_of) SELECT batch_id FROM dated",
    ]
)


def test_a_macro_is_expanded_with_its_arguments_in_parentheses():
    # x * 2 with x = a + 1 is (a + 1) * 2, not a + 1 * 2
    assert spark("SELECT twice(a + 1) FROM t", MACROS) == "SELECT ((a + 1) * 2) FROM t"


def test_macros_calling_macros_are_expanded_all_the_way():
    sql = spark("SELECT * FROM p WHERE open_on(p.s, p.e, DATE '2025-03-31')", MACROS)
    assert sql == (
        "SELECT * FROM p WHERE p.s <= CAST('2025-03-31' AS DATE) AND (p.e IS NULL OR p.e > CAST('2025-03-31' AS DATE))"
    )


def test_a_row_macro_takes_the_alias_it_is_given():
    sql = spark("SELECT count(*) FROM period p JOIN fact_cla_episode e ON looked_after_on(e, p.end_date)", MACROS)
    assert "e.short_break" in sql and "e.start_date <= p.end_date" in sql and "e.ceased > p.end_date" in sql
    assert "episode." not in sql


def test_a_row_macro_given_an_expression_reads_its_fields():
    sql = spark(
        "SELECT looked_after_on(struct_pack(short_break := false, start_date := d, ceased := NULL), d) FROM t", MACROS
    )
    assert "(STRUCT(FALSE AS short_break, d AS start_date, NULL AS ceased)).short_break" in sql


def test_a_table_macro_becomes_a_subquery_with_its_own_cte_names():
    sql = spark(
        "SELECT * FROM t JOIN visible(CAST($as_of AS DATE)) USING (batch_id) "
        "JOIN visible(CAST($as_of AS DATE)) v2 USING (batch_id)",
        MACROS,
        params={"as_of": None},
    )
    assert "visible_1_dated" in sql and "visible_2_dated" in sql
    assert "CAST(NULL AS DATE) IS NULL" in sql


def test_a_table_named_by_a_string_in_a_table_macro_is_that_table():
    macros = Macros(["CREATE MACRO days_of(listed) AS TABLE SELECT DISTINCT day FROM query_table(listed) q"])
    assert spark("WITH rows AS (SELECT 1 AS day) SELECT * FROM days_of('rows')", macros) == (
        "WITH rows AS (SELECT 1 AS day) SELECT * FROM (SELECT DISTINCT day FROM rows AS q) AS days_of"
    )


def test_a_macro_given_the_wrong_number_of_arguments_is_named():
    with pytest.raises(EngineError, match="twice takes 1 argument"):
        spark("SELECT twice(1, 2)", MACROS)


def test_a_macro_calling_itself_is_refused():
    with pytest.raises(UnsupportedConstruct, match="nested more than"):
        spark("SELECT loop(1)", MACROS)


def test_a_macro_sqlglot_cannot_read_is_refused_when_used_only():
    macros = Macros(["CREATE MACRO odd(x) AS x ! 2"])  # not SQL SQLGlot reads
    assert spark("SELECT 1", macros) == "SELECT 1"
    with pytest.raises(UnsupportedConstruct, match="the macro odd could not be parsed"):
        spark("SELECT odd(l) FROM t", macros)


def test_the_product_macros_all_translate():
    from childhub.facts.build import _calendar_bank_holidays, _macro_statements

    macros = Macros(_macro_statements(_calendar_bank_holidays()))
    sql = spark("SELECT working_days_between(a, b), add_working_days(a, 3), postcode_district(p) FROM t", macros)
    assert "FILTER(ARRAY(CAST('1990-01-01' AS DATE)" in sql  # the bank holidays, inline
    assert "DATEDIFF(" in sql and "SIZE(" in sql and "SEQUENCE(" in sql


# --- the rewrites, one by one


def test_every_rewrite_is_listed():
    assert [rewrite.__name__ for rewrite in SPARK_REWRITES] == [
        "_series_tables",
        "_lateral_aliases",
        "_qualify_star",
        "_date_difference",
        "_string_agg",
        "_window_aggregates",
        "_weekday",
        "_list_index",
        "_list_length",
        "_iso_weekday",
        "_arg_extreme",
        "_ordered_list",
        "_scalar_subqueries",
        "_any_value",
        "_lists",
        "_division",
        "_functions",
    ]


def test_date_minus_date_is_a_number_of_days():
    assert spark("SELECT d - DATE '1900-01-01' FROM t") == "SELECT DATEDIFF(d, CAST('1900-01-01' AS DATE)) FROM t"
    # known from the tables' date columns, and from aliases of dates in the statement
    assert spark("SELECT ceased - start_date FROM t", date_columns=["ceased", "start_date"]) == (
        "SELECT DATEDIFF(ceased, start_date) FROM t"
    )
    assert spark(
        "WITH x AS (SELECT CAST(s AS DATE) AS begun, lead(CAST(s AS DATE)) OVER () AS next FROM t) "
        "SELECT next - begun FROM x"
    ).endswith("SELECT DATEDIFF(next, begun) FROM x")


def test_date_minus_a_number_stays_a_date():
    assert spark("SELECT end_date - 1 FROM t", date_columns=["end_date"]) == "SELECT end_date - 1 FROM t"
    assert spark("SELECT n - m FROM t", date_columns=["end_date"]) == "SELECT n - m FROM t"


def test_integer_division():
    assert spark("SELECT a // 7 FROM t") == "SELECT a DIV 7 FROM t"


def test_division_and_averages_are_doubles_as_in_duckdb():
    assert spark("SELECT a / b, 1.5 / 2, CAST(a AS DOUBLE) / 2, avg(x), avg(DISTINCT x) FROM t") == (
        "SELECT CAST(a AS DOUBLE) / b, CAST(1.5 AS DOUBLE) / 2, CAST(a AS DOUBLE) / 2, AVG(CAST(x AS DOUBLE)), "
        "AVG(DISTINCT CAST(x AS DOUBLE)) FROM t"
    )


def test_list_positions_count_from_one_and_from_the_end():
    assert (
        spark("SELECT l[2], l[-1], l[n] FROM t")
        == "SELECT ELEMENT_AT(l, 2), ELEMENT_AT(l, -1), ELEMENT_AT(l, n) FROM t"
    )


def test_a_list_position_given_to_a_macro_counts_from_one():
    macros = Macros(["CREATE MACRO nth(l, n) AS l[n]"])
    assert spark("SELECT nth(l, 1), nth(l, -1) FROM t", macros) == (
        "SELECT ELEMENT_AT(l, 1), ELEMENT_AT(l, (-1)) FROM t"
    )


def test_len_of_a_list_is_its_size():
    assert spark("SELECT len(list_filter(l, lambda h: h <= x)) FROM t") == "SELECT SIZE(FILTER(l, h -> h <= x)) FROM t"


def test_len_of_an_alias_of_a_list_is_its_size():
    sql = "WITH r AS (SELECT list_sort(list(d)) AS held FROM t) SELECT len(held) FROM r"
    assert spark(sql).endswith("SELECT SIZE(held) FROM r")
    assert spark("SELECT len(name) FROM t") == "SELECT LENGTH(name) FROM t"  # a string's length stays


def test_the_extreme_of_dates_is_a_date():
    sql = "WITH o AS (SELECT min(referral_date) AS opened FROM t) SELECT DATE '2026-03-31' - opened FROM o"
    assert spark(sql, date_columns=["referral_date"]).endswith(
        "SELECT DATEDIFF(CAST('2026-03-31' AS DATE), opened) FROM o"
    )
    assert spark("SELECT max(d) FILTER (WHERE c) - min(d) FROM t", date_columns=["d"]) == (
        "SELECT DATEDIFF(MAX(d) FILTER(WHERE c), MIN(d)) FROM t"
    )


def test_weekday_counts_sunday_0_as_duckdb_does():
    # Spark's dayofweek is Sunday 1 .. Saturday 7; DuckDB's Sunday 0 .. Saturday 6
    assert spark("SELECT dayofweek(d) IN (0, 6) FROM t") == "SELECT (DAYOFWEEK(d) - 1) IN (0, 6) FROM t"


def test_range_as_a_table():
    # whole numbers: Spark's range, end excluded as DuckDB's; the column named by the alias
    assert spark("SELECT n FROM range(1, 1000) AS numbers(n) WHERE n < 5") == (
        "SELECT n FROM (SELECT id AS `n` FROM RANGE(1, 1000)) AS numbers WHERE n < 5"
    )
    # generate_series includes its end; unaliased, its column is named after the function
    assert spark("SELECT generate_series FROM generate_series(1, 3)") == (
        "SELECT generate_series FROM (SELECT id AS `generate_series` FROM RANGE(1, (3 + 1))) AS `generate_series`"
    )
    # dates by an interval: a sequence cut before the end (empty when the end comes first, as in DuckDB)
    assert spark("SELECT range FROM range(DATE '2026-01-05', DATE '2026-01-01', INTERVAL 1 DAY)") == (
        "SELECT range FROM (SELECT EXPLODE(FILTER(SEQUENCE(CAST('2026-01-05' AS DATE), "
        "GREATEST(CAST('2026-01-01' AS DATE), CAST('2026-01-05' AS DATE)), INTERVAL '1' DAY), "
        "_x -> CAST('2026-01-01' AS DATE) > _x)) AS `range`) AS `range`"
    )
    with pytest.raises(UnsupportedConstruct, match="step that is not a number"):
        spark("SELECT * FROM range(1, 10, s)")


def test_an_alias_read_inside_a_window_is_written_out():
    sql = "SELECT a, b + 1 AS c, c * 2 AS e, row_number() OVER (ORDER BY e DESC) AS r FROM t"
    assert spark(sql) == (
        "SELECT a, b + 1 AS c, c * 2 AS e, ROW_NUMBER() OVER (ORDER BY ((b + 1) * 2) DESC) AS r FROM t"
    )
    # a name that is a column of the FROM is that column, as in DuckDB (over (1, 1, 9), (2, 2, 8) as t(a, b, x),
    # DuckDB ranks a = 2 first: its x is 8)
    assert (
        spark(
            "SELECT a, b AS x, b + 1 AS c, row_number() OVER (PARTITION BY c ORDER BY x) FROM t",
            columns={"t": ["a", "b", "x"]},
        )
        == "SELECT a, b AS x, b + 1 AS c, ROW_NUMBER() OVER (PARTITION BY (b + 1) ORDER BY x NULLS LAST) FROM t"
    )
    # the FROM's columns unknown: an alias reading its own name is left alone
    assert spark("SELECT coalesce(x, 0) AS x, rank() OVER (ORDER BY x) FROM t") == (
        "SELECT COALESCE(x, 0) AS x, RANK() OVER (ORDER BY x NULLS LAST) FROM t"
    )


def test_string_agg_is_an_array_joined():
    assert spark("SELECT string_agg(x, ', ') FROM t") == (
        "SELECT (CASE WHEN SIZE(COLLECT_LIST(CAST(x AS STRING))) = 0 THEN NULL "
        "ELSE ARRAY_JOIN(COLLECT_LIST(CAST(x AS STRING)), ', ') END) FROM t"
    )
    ordered = spark("SELECT string_agg(DISTINCT s, ' + ' ORDER BY s) FROM t")
    assert (
        "ARRAY_JOIN(TRANSFORM(ARRAY_SORT(ARRAY_DISTINCT(COLLECT_LIST(STRUCT(s AS k0, CAST(s AS STRING) AS v)))), "
        "_item -> _item.v), ' + ')"
    ) in ordered
    # over a window, DISTINCT: the set of the window's values
    assert spark("SELECT string_agg(DISTINCT x, ',') OVER (PARTITION BY a) FROM t") == (
        "SELECT (CASE WHEN SIZE(COLLECT_SET(CAST(x AS STRING)) OVER (PARTITION BY a)) = 0 THEN NULL "
        "ELSE ARRAY_JOIN(COLLECT_SET(CAST(x AS STRING)) OVER (PARTITION BY a), ',') END) FROM t"
    )
    with pytest.raises(UnsupportedConstruct, match="only ascending"):
        spark("SELECT string_agg(x, ',' ORDER BY x DESC) FROM t")
    with pytest.raises(UnsupportedConstruct, match="DISTINCT x ORDER BY y"):
        spark("SELECT string_agg(DISTINCT x, ',' ORDER BY y) FROM t")


def test_filter_and_distinct_inside_a_window():
    assert spark("SELECT count(*) FILTER (WHERE e IS NULL) OVER (PARTITION BY a) FROM t") == (
        "SELECT COUNT(CASE WHEN e IS NULL THEN 1 END) OVER (PARTITION BY a) FROM t"
    )
    assert spark("SELECT sum(x) FILTER (WHERE c) OVER (PARTITION BY a) FROM t") == (
        "SELECT SUM(CASE WHEN c THEN x END) OVER (PARTITION BY a) FROM t"
    )
    assert spark("SELECT count(DISTINCT k) OVER (PARTITION BY n) FROM t") == (
        "SELECT SIZE(COLLECT_SET(k) OVER (PARTITION BY n)) FROM t"
    )
    # outside a window, Spark has both
    assert spark("SELECT count(*) FILTER (WHERE c), count(DISTINCT k) FROM t") == (
        "SELECT COUNT(*) FILTER(WHERE c), COUNT(DISTINCT k) FROM t"
    )


def test_a_scalar_subquery_is_aggregated():
    # Spark runs a correlated scalar subquery only when it aggregates: any_value of its one row (or none)
    assert spark("SELECT coalesce((SELECT n.name AS x FROM team n WHERE n.id = t.team), t.team) FROM t") == (
        "SELECT COALESCE((SELECT ANY_VALUE(n.name, TRUE) AS x FROM team AS n WHERE n.id = t.team), t.team) FROM t"
    )
    # one that aggregates, a list for IN, EXISTS and a FROM's subquery stay
    sql = "SELECT (SELECT max(z) FROM h WHERE h.k = t.k), a IN (SELECT b FROM g), EXISTS (SELECT 1 FROM h) FROM t"
    assert spark(sql) == (
        "SELECT (SELECT MAX(z) FROM h WHERE h.k = t.k), a IN (SELECT b FROM g), EXISTS(SELECT 1 FROM h) FROM t"
    )


def test_iso_weekday():
    assert spark("SELECT isodow(d) FROM t") == "SELECT ((DAYOFWEEK(d) + 5) % 7 + 1) FROM t"


def test_arg_max_skips_null_values_as_duckdb_does():
    assert spark("SELECT arg_max(a, b) FROM t") == "SELECT MAX_BY(a, b) FILTER(WHERE NOT a IS NULL) FROM t"
    assert spark("SELECT arg_min(a, b) FILTER (WHERE c) FROM t") == (
        "SELECT MIN_BY(a, b) FILTER(WHERE (c) AND NOT a IS NULL) FROM t"
    )
    assert spark("SELECT arg_max_null(a, b) FROM t") == "SELECT MAX_BY(a, b) FROM t"


def test_an_ordered_list_is_sorted_and_empty_is_null():
    sql = spark("SELECT list(x ORDER BY k) FILTER (WHERE c) FROM t")
    assert sql == (
        "SELECT CASE WHEN SIZE(TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(k AS k0, x AS v)) FILTER(WHERE c)), "
        "item -> item.v)) = 0 THEN NULL ELSE TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(k AS k0, x AS v)) "
        "FILTER(WHERE c)), item -> item.v) END FROM t"
    )
    assert "ARRAY_DISTINCT(COLLECT_LIST(STRUCT(x AS k0, x AS v)))" in spark("SELECT list(DISTINCT x ORDER BY x) FROM t")


def test_an_ordered_list_spark_cannot_sort_is_refused():
    with pytest.raises(UnsupportedConstruct, match=r"spark cannot run fact_y: list\(\.\.\. ORDER BY k DESC\)"):
        spark("SELECT list(x ORDER BY k DESC) FROM t", source="fact_y")


def test_list_comprehensions_apply_and_sum():
    assert spark("SELECT [x * i FOR i IN range(1, 4) IF i > 1] FROM t") == (
        "SELECT TRANSFORM(FILTER(SEQUENCE(1, 3), i -> i > 1), i -> x * i) FROM t"
    )
    assert spark("SELECT list_apply(l, lambda i: i + 1) FROM t") == "SELECT TRANSFORM(l, i -> i + 1) FROM t"
    assert spark("SELECT list_sum(l) FROM t") == (
        "SELECT CASE WHEN SIZE(FILTER(l, _item -> NOT _item IS NULL)) = 0 THEN NULL ELSE AGGREGATE(FILTER(l, "
        "_item -> NOT _item IS NULL), CAST(0 AS DOUBLE), (_sum, _item) -> _sum + _item) END FROM t"
    )


def test_a_stored_macros_lambdas_in_parentheses_are_read():
    # as DuckDB's catalog gives a macro's body (duckdb_functions().macro_definition)
    macros = Macros(['CREATE MACRO total(x) AS list_sum(list_apply("range"(1, 3), (lambda i: (i * x))))'])
    assert "TRANSFORM(SEQUENCE(1, 2), i -> (i * 2))" in spark("SELECT total(2)", macros)
    assert spark("SELECT '(lambda i: 1)'", macros) == "SELECT '(lambda i: 1)'"  # text is left alone


def test_year_and_month_intervals():
    assert spark("SELECT d + to_years(2), d + to_months(n) FROM t") == (
        "SELECT d + MAKE_YM_INTERVAL(2, 0), d + MAKE_YM_INTERVAL(0, n) FROM t"
    )


def test_any_value_skips_nulls():
    assert spark("SELECT any_value(a) FILTER (WHERE b) FROM t") == "SELECT ANY_VALUE(a, TRUE) FILTER(WHERE b) FROM t"


def test_functions_spark_spells_differently():
    assert spark("SELECT try_strptime(s, '%d/%m/%Y') FROM t") == "SELECT TRY_TO_TIMESTAMP(s, 'dd/MM/yyyy') FROM t"
    assert spark("SELECT regexp_full_match(s, '[0-9]{4}') FROM t") == "SELECT s RLIKE '^(?:[0-9]{4})$' FROM t"
    assert spark("SELECT list_position(l, s), list_contains(l, s) FROM t") == (
        "SELECT ARRAY_POSITION(l, s), ARRAY_CONTAINS(l, s) FROM t"
    )
    assert spark("SELECT to_days(3)") == "SELECT MAKE_DT_INTERVAL(3)"
    assert spark("SELECT row(a, b)") == "SELECT STRUCT(a, b)"


def test_stars_beside_qualify_are_written_out():
    columns = {"cp_plans": ["id", "person", "batch_id"], "batch": ["batch_id", "feed"]}
    sql = spark(
        "WITH plan AS (SELECT * FROM (SELECT t.* FROM cp_plans t JOIN batch b USING (batch_id) "
        "QUALIFY row_number() OVER (PARTITION BY id ORDER BY b.feed) = 1) WHERE person IS NOT NULL "
        "QUALIFY row_number() OVER (PARTITION BY person ORDER BY batch_id DESC) = 1) SELECT * FROM plan",
        columns=columns,
    )
    assert sql == (
        "WITH plan AS (SELECT id, person, batch_id FROM (SELECT id, person, batch_id, ROW_NUMBER() OVER "
        "(PARTITION BY person ORDER BY batch_id DESC) AS _w FROM (SELECT id, person, batch_id FROM (SELECT t.id, "
        "t.person, t.batch_id, ROW_NUMBER() OVER (PARTITION BY id ORDER BY b.feed NULLS LAST) AS _w FROM cp_plans "
        "AS t JOIN batch AS b USING (batch_id)) AS _t WHERE _w = 1) WHERE NOT person IS NULL) AS _t WHERE _w = 1) "
        "SELECT * FROM plan"
    )
    with pytest.raises(UnsupportedConstruct, match=r"QUALIFY beside \* over columns not known"):
        spark("SELECT * FROM unknown QUALIFY row_number() OVER () = 1", columns=columns)


def test_what_sqlglot_translates_itself():
    assert spark("SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY b ORDER BY c DESC) = 1") == (
        "SELECT a FROM (SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY c DESC) AS _w FROM t) AS _t WHERE _w = 1"
    )
    # DuckDB sorts NULLs last either way; Spark first when ascending: made explicit
    assert spark("SELECT a FROM t ORDER BY a, b DESC") == "SELECT a FROM t ORDER BY a NULLS LAST, b DESC"
    assert spark("SELECT x::DATE, count(*) FILTER (WHERE y) FROM t GROUP BY ALL") == (
        "SELECT CAST(x AS DATE), COUNT(*) FILTER(WHERE y) FROM t GROUP BY ALL"
    )
    assert spark("SELECT {'a': 1, 'b': d}, list_filter(l, lambda h: h > 1)") == (
        "SELECT STRUCT(1 AS a, d AS b), FILTER(l, h -> h > 1)"
    )
    assert spark("SELECT regexp_replace(s, '\\s', '', 'g')") == "SELECT REGEXP_REPLACE(s, '\\\\s', '')"


# --- refusals


def test_a_function_spark_lacks_is_refused_naming_engine_definition_and_function():
    with pytest.raises(
        UnsupportedConstruct, match=r"^spark cannot run fact_z \(z\.sql\): no Spark function json_group_array$"
    ):
        spark("SELECT json_group_array(l) FROM t", source="fact_z (z.sql)")


def test_regexp_replace_of_the_first_match_only_is_refused():
    with pytest.raises(UnsupportedConstruct, match="without the 'g' option"):
        spark("SELECT regexp_replace(s, 'a', 'b')")


def test_sql_that_cannot_be_parsed_is_refused():
    with pytest.raises(UnsupportedConstruct, match="spark cannot run fact_q: it could not be parsed"):
        spark("SELECT (1", source="fact_q")


def test_every_fact_translates(history):
    """Every fact definition translates for Spark with the product's macros and the store's, over the store's tables
    (an empty store: only their columns count), each fact's columns worked out for the facts that read it."""
    from childhub.engines import output_columns
    from childhub.facts.build import _calendar_bank_holidays, _facts, _macro_statements, _order_from

    macros = Macros(_macro_statements(_calendar_bank_holidays()))
    with history.store().reader() as reader:
        rows = reader.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY column_index"
        ).fetchall()
        stored = reader.execute(
            "SELECT function_name, parameters, macro_definition FROM duckdb_functions() "
            "WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main'"
        ).fetchall()
    for name, parameters, definition in stored:
        macros.add(f"CREATE MACRO {name}({', '.join(parameters)}) AS TABLE {definition}")
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    for fact in _order_from(_facts(), list(_facts())):
        sql, params = fact.compile(None)
        assert "SELECT" in translate(sql, "spark", macros, params=params, columns=columns, source=fact.file)
        columns[fact.table] = output_columns(sql, columns)
        assert columns[fact.table], fact.file
