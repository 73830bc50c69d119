"""Scoring pairs of source records with Splink 5 (Fellegi-Sunter, trained without labels).

Splink runs on the store's own connection, but in an in-memory catalogue attached for the run
(``USE``), so its working tables never land in the store file. The comparisons (declared in
``childhub.link.comparisons``, built here as Splink's) are made for children's records: first
names with nicknames and typos, surnames with changes and hyphens, dates of birth with
day/month swaps and mistyped digits, sex, postcode, and the shared identifiers (UPN, NHS
number), whose disagreement is fixed as near-impossible for one child (systems drop
identifiers, they rarely mistype them) rather than learnt from pairs that include twins. u
comes from random sampling; m from EM on blocks of shared identifiers and of date of birth.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from childhub.errors import ChildhubError
from childhub.link.comparisons import COMPARISONS, FIELDS, POSTCODE_DISTRICT, Level, nickname_pairs
from childhub.store import quote_identifier

WORK = "childhub_link_work"
# Loose blocking is the commonest way to make linkage slow or exhaust memory: counted first, then bounded.
MAX_COMPARISONS = 200_000_000
# Blocking rules: which pairs are compared at all. Each is counted before predicting.
BLOCKING = (
    ("date of birth", ("dob",)),
    ("surname and first initial", ("surname", "substr(first_name, 1, 1)")),
    ("postcode and surname", ("postcode", "surname")),
    ("first name and postcode", ("first_name", "postcode")),
    ("UPN", ("upn",)),
    ("NHS number", ("nhs_number",)),
)


@dataclass
class Scored:
    pairs: list[tuple]  # (record_l, record_r, match_probability, match_weight, evidence_json)
    comparisons_by_rule: dict[str, int]
    model_json: str
    records: int
    pairs_scored: int | None = None  # pairs scored above the threshold, when ``pairs`` keeps only some of them

    @property
    def scored(self) -> int:
        """How many pairs were scored above the threshold (``pairs`` may hold fewer: ``score_pairs``'s keep_from)."""
        return len(self.pairs) if self.pairs_scored is None else self.pairs_scored


def _splink_level(field: str, level: Level):
    """One declared level (``childhub.link.comparisons``) as a Splink comparison level."""
    import splink.comparison_level_library as cll

    left, right, parameter = f"{field}_l", f"{field}_r", level.parameter
    match level.kind:
        case "exact":
            built = cll.ExactMatchLevel(field, term_frequency_adjustments=level.term_frequencies)
        case "nickname":  # the nicknames of each record's name, a column score_pairs derives
            built = cll.CustomLevel(f"list_contains({field}_nicknames_l, {right})")
        case "shares_part":
            separator = _text(parameter)
            built = cll.CustomLevel(
                f"list_has_any(string_split({left}, {separator}), string_split({right}, {separator}))"
            )
        case "jaro_winkler":
            built = cll.JaroWinklerLevel(field, parameter)
        case "day_month_swapped":
            built = cll.CustomLevel(
                f"day({left}) = month({right}) AND month({left}) = day({right}) AND year({left}) = year({right})"
            )
        case "digits_different":
            built = cll.CustomLevel(
                f"levenshtein(strftime({left}, '%Y-%m-%d'), strftime({right}, '%Y-%m-%d')) <= {parameter}"
            )
        case "within_years":
            built = cll.AbsoluteDateDifferenceLevel(field, input_is_string=False, threshold=parameter, metric="year")
        case "same_district":  # the district, a column score_pairs derives with the declared pattern
            built = cll.ExactMatchLevel(f"{field}_district")
        case "else":
            built = cll.ElseLevel()
        case _:
            raise ValueError(f"no Splink level for the comparison kind {level.kind!r}")
    if level.fixed_m is not None:
        built = built.configure(m_probability=level.fixed_m, fix_m_probability=True)
    return built.configure(label_for_charts=level.label)


def _text(value) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _comparisons(comparisons=COMPARISONS):
    """The declared comparisons (``childhub.link.comparisons.COMPARISONS``, and any a list adds) as Splink's."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return [
        cl.CustomComparison(
            output_column_name=comparison.field,
            comparison_levels=[
                cll.NullLevel(comparison.field),
                *(_splink_level(comparison.field, level) for level in comparison.levels),
            ],
        )
        for comparison in comparisons
    ]


# Training reads samples sized to the records, not every pair: u from random pairs (ten for each record, from
# U_PAIRS_FEWEST to U_PAIRS_MOST), m by EM on at most EM_PAIRS_MOST pairs of each training block (the
# date-of-birth block of a large authority holds over 20 million), iterating on the counts of each pattern
# of agreement rather than on every pair (term frequencies still weigh each pair when it is scored).
U_PAIRS_PER_RECORD = 10
U_PAIRS_FEWEST = 1_000_000
U_PAIRS_MOST = 5_000_000
EM_PAIRS_MOST = 3_000_000
EM_PROBE_RECORDS = 100_000  # how many records the count that decides a block's sampling reads (all, below it)


def u_pairs(records: int) -> int:
    """How many random pairs u is estimated from, for this many records."""
    return min(max(records * U_PAIRS_PER_RECORD, U_PAIRS_FEWEST), U_PAIRS_MOST)


def _trained(table, settings, block_on, records: int = 0):
    """A model trained on these ``records`` (how many there are sizes the samples), or None when they cannot
    train one."""
    from splink import Linker

    # Splink 5.0.0 exports no exceptions, so EMTrainingException comes from its internals; the
    # splink==5.0.0 pin and tests/link/test_link_comparisons.py keep this path true.
    from splink.internals.exceptions import EMTrainingException

    linker = Linker(table, settings, log_level=logging.ERROR)
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("nhs_number"), block_on("upn")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs(records), seed=1)
        for column in ("nhs_number", "upn", "dob"):
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(column),
                estimate_without_term_frequencies=True,
                max_pairs=EM_PAIRS_MOST,
                record_sample_proportion=min(1.0, EM_PROBE_RECORDS / max(records, 1)),
            )
    except (EMTrainingException, ValueError, ZeroDivisionError):
        return None
    return linker


def _blocking_rules(blocking=BLOCKING):
    from splink import block_on

    return [block_on(*columns) for _name, columns in blocking]


def linkage_settings(extra=(), link_type: str = "dedupe_only", blocking=BLOCKING):
    """Splink's settings for scoring source records: the declared comparisons (and ``extra`` ones a list
    brings), the blocking rules, and the ``gamma_`` and ``mw_`` columns kept so each pair's evidence can be shown."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=_comparisons((*COMPARISONS, *extra)),
        blocking_rules_to_generate_predictions=_blocking_rules(blocking),
        retain_intermediate_calculation_columns=True,
    )


STORE_RECORDS = """
    SELECT source_system || ':' || source_record_id AS unique_id, forename, surname, date_of_birth, sex, postcode,
           upn, nhs_number
    FROM {catalog}.main.source_record
"""


def reference_model() -> dict:
    """A model trained on childhub's synthetic authority (small, seed 1): for data too small or
    too thin to train on (a short list, a store with no shared identifiers)."""
    from importlib import resources

    return json.loads(resources.files("childhub.link").joinpath("reference_model.json").read_text("utf-8"))


def linkage_records(conn, name: str, records_sql: str, extra=()) -> int:
    """Create the table ``name`` Splink compares, from ``records_sql`` (unique_id, forename, surname,
    date_of_birth, sex, postcode, upn, nhs_number and a column for each ``extra`` comparison), with the columns
    the declared levels read (first names' nicknames, postcode districts); how many rows it holds."""
    if not conn.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'nickname_pairs' "
                        "AND database_name = current_database()").fetchall():  # fmt: skip
        conn.execute("CREATE TABLE nickname_pairs (name1 VARCHAR, name2 VARCHAR)")
        conn.executemany("INSERT INTO nickname_pairs VALUES (?, ?)", sorted(nickname_pairs()))
    more = "".join(f", r.{quote_identifier(comparison.field)}" for comparison in extra)
    conn.execute(
        f"""
        CREATE TABLE {quote_identifier(name)} AS
        SELECT r.unique_id, r.forename AS first_name, r.surname, r.date_of_birth AS dob, r.sex, r.postcode,
               regexp_extract(r.postcode, {_text(POSTCODE_DISTRICT)}) AS postcode_district,
               r.upn, r.nhs_number, n.nicknames AS first_name_nicknames{more}
        FROM ({records_sql}) r
        LEFT JOIN (SELECT name1, list(name2 ORDER BY name2) AS nicknames FROM nickname_pairs GROUP BY 1) n
               ON n.name1 = r.forename
        """
    )
    return conn.execute(f"SELECT count(*) FROM {quote_identifier(name)}").fetchall()[0][0]


def _number_records(conn, name: str) -> None:
    """Give the records of the table ``name`` whole numbers for IDs, in the order of their own IDs (so each pair
    comes out the same way round), kept in ``record_number``: Splink joins tens of millions of pairs back to
    their records, far faster on a number than on text."""
    table = quote_identifier(name)
    conn.execute(
        "CREATE TABLE record_number AS "
        f"SELECT row_number() OVER (ORDER BY unique_id) AS unique_id, unique_id AS record FROM {table}"
    )
    conn.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT n.unique_id, r.* EXCLUDE (unique_id) "
        f"FROM {table} r JOIN record_number n ON n.record = r.unique_id ORDER BY n.unique_id"
    )


def score_pairs(
    conn,
    *,
    threshold: float = 0.01,
    records_sql: str = STORE_RECORDS,
    model: dict | None = None,
    extra=(),
    extra_blocking=(),
    train=None,
    keep_from: float | None = None,
) -> Scored:
    """Train on source records (or use ``model``) and score every blocked pair above ``threshold``.

    ``records_sql`` selects unique_id, forename, surname, date_of_birth, sex, postcode, upn and
    nhs_number (and a column for each ``extra`` comparison); ``{catalog}`` in it names the connection's own
    catalogue, quoted (the store's, by default); ``extra_blocking`` adds (name, columns) rules to ``BLOCKING``.
    ``train(table, settings, block_on)`` trains a model (None when
    it cannot; the store's training by default). When the records cannot train a model (no pairs share an
    identifier), the reference model is used. ``keep_from``: only pairs scored at least this come back in
    ``pairs`` (the rest stay in DuckDB and are only counted), so Python never holds the pairs nothing will use.
    """
    from splink import DuckDBAPI, Linker, block_on
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    store_catalog = quote_identifier(conn.execute("SELECT current_database()").fetchall()[0][0])
    work = quote_identifier(WORK)
    conn.execute(f"ATTACH ':memory:' AS {work}")
    try:
        conn.execute(f"USE {work}")
        records = linkage_records(conn, "records", records_sql.format(catalog=store_catalog), extra)
        if records < 2:
            return Scored([], {}, "{}", records)
        _number_records(conn, "records")
        api = DuckDBAPI(connection=conn)
        table = api.register("records", dataset_display_name="records")
        blocking = (*BLOCKING, *extra_blocking)
        settings = linkage_settings(extra, blocking=blocking)
        counts = count_comparisons_from_blocking_rules(
            table, blocking_rules=_blocking_rules(blocking), link_type="dedupe_only", record_sample_proportion=1.0
        )
        by_rule = {
            name: int(count["marginal_comparison_count"]) for (name, _), count in zip(blocking, counts, strict=True)
        }
        if sum(by_rule.values()) > MAX_COMPARISONS:
            raise ChildhubError(
                f"the blocking rules would compare {sum(by_rule.values()):,} pairs, more than the "
                f"{MAX_COMPARISONS:,} childhub allows: "
                + ", ".join(f"{name} {count:,}" for name, count in by_rule.items())
            )
        if model is not None:
            linker = None
        elif train is None:
            linker = _trained(table, settings, block_on, records)
        else:
            linker = train(table, settings, block_on)
        if linker is None:  # given a model, or the records cannot train one
            linker = Linker(table, model or reference_model(), log_level=logging.ERROR)
        model_json = json.dumps(linker.misc.save_model_to_json(), default=str)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        columns = {row[0] for row in conn.execute(f"DESCRIBE {predictions.physical_name}").fetchall()}
        evidence = ", ".join(
            f"{field} := struct_pack(level := {f'gamma_{field}' if f'gamma_{field}' in columns else 'NULL'}, "
            f"weight := round({f'mw_{field}' if f'mw_{field}' in columns else 'NULL'}, 2))"
            for field in (*FIELDS, *(comparison.field for comparison in extra))
        )
        scored = conn.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0]
        pairs = conn.execute(
            f"SELECT l.record, r.record, p.match_probability, p.match_weight, to_json(struct_pack({evidence})) "
            f"FROM {predictions.physical_name} p JOIN record_number l ON l.unique_id = p.unique_id_l "
            "JOIN record_number r ON r.unique_id = p.unique_id_r WHERE p.match_probability >= $keep_from",
            {"keep_from": threshold if keep_from is None else keep_from},
        ).fetchall()
        return Scored(pairs, by_rule, model_json, records, scored)
    finally:
        conn.execute(f"USE {store_catalog}")
        conn.execute(f"DETACH {work}")
