"""Linking a region's children across councils: several authorities' pooled exports in, one region folder out.

``read_pooled_exports`` checks the exports (docs/region.md: the format and its version, each file's sha256 and row
count, the columns, the same ``key_check`` in all, no authority twice) and refuses the first wrong one with one
line naming its folder. ``link_children`` links the children with Splink (on Spark or DuckDB, the same settings
on both): only pairs across different authorities, blocked on shared identifier hashes, month of birth with sex or
postcode district, and surname encoding with year of birth (a mistyped month or day); names and dates of birth
compared by the Dice coefficient of their Bloom filters (or, for clear data given as a comparison, by
Jaro-Winkler and edit distance); u from random sampling, m by EM. ``cluster_region`` joins linked pairs into
region children, most certain first, refusing a join that would put two children of one authority (or two NHS
numbers) in one child. ``link_region`` writes the region's folder through a temporary folder renamed at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from childhub.region import RegionError, storage

POOLED_FORMAT, POOLED_VERSION = "childhub-pooled", 1
REGION_FORMAT, REGION_VERSION = "childhub-region", 1
CHILDREN = "children.parquet"
WORDS = 8  # 64-bit words of each 512-bit Bloom filter
ENCODED_FIELDS = ("first_name", "last_name", "dob")
ENCODED_COLUMNS = (
    "pooled_id",
    "authority_code",
    "nhs_hash",
    "upn_hash",
    *(f"{name}_bf{w}" for name in ENCODED_FIELDS for w in range(WORDS)),
    *(f"{name}_bits" for name in ENCODED_FIELDS),
    "birth_month",
    "sex",
    "postcode_district",
)
# Linkage on the clear data (a test's or the benchmark's comparison, never an export): the same columns, clear.
CLEAR_COLUMNS = (
    "pooled_id",
    "authority_code",
    "nhs_hash",
    "upn_hash",
    "first_name",
    "last_name",
    "dob",
    "birth_month",
    "sex",
    "postcode_district",
)
# A pair at or above LINK_THRESHOLD joins one region child; pairs from REVIEW_THRESHOLD are kept in pairs.parquet.
LINK_THRESHOLD = 0.9
REVIEW_THRESHOLD = 0.5
# Dice levels, set by what childhub.region.encoding's filters give (docs/region.md): a name with one slip scores
# about 0.65 to 0.85 (olive/oliver 0.83, smith/smyth 0.71, a swap oliver/olivre 0.68); a date of birth with one digit
# slipped 0.82 to 0.90, another day of the same month 0.74 to 0.90, a day and month swapped 0.56 to 0.75, another
# month of the same year mostly 0.56 to 0.74, another year mostly below 0.62 (tests/region/test_encoding.py).
NAME_DICE_LEVELS = (0.95, 0.75, 0.6)
DOB_DICE_LEVELS = (0.95, 0.82, 0.68)
JARO_WINKLER_LEVELS = (0.95, 0.88, 0.7)
# The prior: the share of true cross-authority matches the identifier rules are taken to find.
IDENTIFIER_RECALL = 0.6
U_SAMPLE_PAIRS = 1_000_000
MAX_COMPARISONS = 200_000_000


# ---- reading the exports ----


@dataclass(frozen=True)
class CheckedExport:
    """One authority's pooled export, as its manifest describes it once checked (``read_pooled_exports``)."""

    folder: Path
    authority_code: str
    authority_name: str
    key_check: str
    as_at: str | None
    rows: int
    sha256: str
    encoding: dict = field(default_factory=dict, compare=False)

    @property
    def children(self) -> Path:
        return self.folder / CHILDREN


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_pooled_export(folder: Path) -> CheckedExport:
    """One authority's pooled export, checked against its manifest; RegionError naming the folder otherwise."""
    import pyarrow.parquet as pq

    if not folder.is_dir():
        raise RegionError(f"{folder}: no such folder")
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise RegionError(f"{folder}: no manifest.json, so not a finished pooled export")
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RegionError(f"{manifest_path}: not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != POOLED_FORMAT:
        raise RegionError(f"{manifest_path}: not a pooled export's manifest (format is not {POOLED_FORMAT!r})")
    if manifest.get("version") != POOLED_VERSION:
        raise RegionError(
            f"{manifest_path}: version {manifest.get('version')!r}; this childhub reads version {POOLED_VERSION}"
        )
    for name in ("authority_code", "key_check"):
        if not isinstance(manifest.get(name), str) or not manifest[name]:
            raise RegionError(f"{manifest_path}: field {name!r} is missing or empty")
    files = manifest.get("files")
    if not isinstance(files, dict) or not isinstance(files.get(CHILDREN), dict):
        raise RegionError(f"{manifest_path}: field 'files' does not list {CHILDREN}")
    for name, entry in files.items():
        path = folder / name
        if Path(name).name != name or not isinstance(entry, dict):
            raise RegionError(f"{manifest_path}: field 'files' has an entry {name!r} childhub cannot read")
        if not path.is_file():
            raise RegionError(f"{path}: listed in the manifest but missing")
        if _sha256(path) != entry.get("sha256"):
            raise RegionError(f"{path}: its sha256 differs from the manifest's: changed or corrupt since export")
    entry = files[CHILDREN]
    try:
        parquet = pq.ParquetFile(storage.source(folder / CHILDREN))
        columns = set(parquet.schema_arrow.names)
        rows = parquet.metadata.num_rows
        authorities = set(parquet.read(columns=["authority_code"]).column(0).unique().to_pylist())
    except Exception as error:  # pyarrow's many kinds of unreadable file
        raise RegionError(f"{folder / CHILDREN}: not a readable parquet file ({str(error).splitlines()[0]})") from None
    missing = [name for name in ENCODED_COLUMNS if name not in columns]
    if missing:
        raise RegionError(f"{folder / CHILDREN}: no column {missing[0]!r} (docs/region.md lists the columns)")
    if rows != entry.get("rows"):
        raise RegionError(f"{folder / CHILDREN}: {rows} rows, but the manifest says {entry.get('rows')!r}")
    if authorities - {manifest["authority_code"]}:
        other = sorted(str(code) for code in authorities - {manifest["authority_code"]})[0]
        expected = manifest["authority_code"]
        raise RegionError(f"{folder / CHILDREN}: field authority_code holds {other!r}, not the manifest's {expected}")
    return CheckedExport(
        folder=folder,
        authority_code=manifest["authority_code"],
        authority_name=str(manifest.get("authority_name") or manifest["authority_code"]),
        key_check=manifest["key_check"],
        as_at=manifest.get("as_at"),
        rows=rows,
        sha256=entry["sha256"],
        encoding=manifest.get("encoding") if isinstance(manifest.get("encoding"), dict) else {},
    )


def read_pooled_exports(folders: Sequence[Path]) -> list[CheckedExport]:
    """Two or more pooled exports of one region: made under one key, each authority once."""
    if len(folders) < 2:
        raise RegionError("a region link needs two or more pooled exports")
    exports: list[CheckedExport] = []
    for folder in folders:
        export = read_pooled_export(folder)
        for earlier in exports:
            if export.folder.resolve() == earlier.folder.resolve():
                raise RegionError(f"{folder}: given twice")
            if export.key_check != earlier.key_check:
                raise RegionError(
                    f"{folder}: made under a different key from {earlier.folder} (their key_check differs)"
                )
            if export.encoding != earlier.encoding:
                raise RegionError(
                    f"{folder}: encoded differently from {earlier.folder} (their manifests' encoding differs), so "
                    "their encodings cannot be compared"
                )
            if export.authority_code == earlier.authority_code:
                raise RegionError(f"{folder}: authority {export.authority_code} is already in {earlier.folder}")
        exports.append(export)
    return exports


# ---- the model ----


def _dice(name: str) -> str:
    """The Dice coefficient of two records' Bloom filters of ``name``, in SQL DuckDB and Spark both run."""
    # DuckDB's bit_count is a TINYINT, whose sum would overflow: each is cast to an INTEGER first.
    shared = " + ".join(f"CAST(bit_count({name}_bf{w}_l & {name}_bf{w}_r) AS INTEGER)" for w in range(WORDS))
    return f"2.0 * ({shared}) / ({name}_bits_l + {name}_bits_r)"


def _encoded_comparison(name: str, label: str, levels: Sequence[float]):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    missing = f"{name}_bits_l IS NULL OR {name}_bits_r IS NULL OR {name}_bits_l = 0 OR {name}_bits_r = 0"
    return cl.CustomComparison(
        output_column_name=name,
        comparison_description=f"{label}: the Dice coefficient of their Bloom filters",
        comparison_levels=[
            cll.CustomLevel(missing, label_for_charts="missing").configure(is_null_level=True),
            *(cll.CustomLevel(f"{_dice(name)} >= {level}", label_for_charts=f"Dice >= {level}") for level in levels),
            cll.ElseLevel(),
        ],
    )


def _clear_comparison(name: str):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    if name == "dob":
        levels = [
            cll.ExactMatchLevel(name),
            cll.DamerauLevenshteinLevel(name, 1),
            cll.DamerauLevenshteinLevel(name, 2),
        ]
    else:
        levels = [cll.ExactMatchLevel(name), *(cll.JaroWinklerLevel(name, level) for level in JARO_WINKLER_LEVELS)]
    return cl.CustomComparison(
        output_column_name=name, comparison_levels=[cll.NullLevel(name), *levels, cll.ElseLevel()]
    )


def _exact(name: str):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=name,
        comparison_levels=[cll.NullLevel(name), cll.ExactMatchLevel(name), cll.ElseLevel()],
    )


def _surname_key(kind: str) -> tuple[str, ...]:
    return tuple(f"last_name_bf{w}" for w in range(WORDS)) if kind == "encoded" else ("last_name",)


BLOCKING_NAMES = (
    "NHS number hash",
    "UPN hash",
    "month of birth and sex",
    "month of birth and postcode district",
    "surname and year of birth",
)


def blocking_rules(kind: str = "encoded") -> list:
    """Which pairs are compared at all (only across authorities: the link is ``link_only``)."""
    from splink import block_on

    return [
        block_on("nhs_hash"),
        block_on("upn_hash"),
        block_on("birth_month", "sex"),
        block_on("birth_month", "postcode_district"),
        block_on(*_surname_key(kind), "substr(birth_month, 1, 4)"),
    ]


def region_settings(kind: str = "encoded"):
    """Splink's settings for a region's link of ``kind`` ``"encoded"`` (pooled exports) or ``"clear"`` data."""
    from splink import SettingsCreator

    if kind == "encoded":
        names = [
            _encoded_comparison("first_name", "First name", NAME_DICE_LEVELS),
            _encoded_comparison("last_name", "Surname", NAME_DICE_LEVELS),
            _encoded_comparison("dob", "Date of birth", DOB_DICE_LEVELS),
        ]
    else:
        names = [_clear_comparison(name) for name in ("first_name", "last_name", "dob")]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="pooled_id",
        comparisons=[
            _exact("nhs_hash"),
            _exact("upn_hash"),
            *names,
            _exact("birth_month"),
            _exact("sex"),
            _exact("postcode_district"),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(kind),
        retain_intermediate_calculation_columns=True,  # each comparison's match weight, kept in pairs.parquet
        retain_matching_columns=False,
    )


def _name_key(kind: str) -> tuple[str, ...]:
    if kind == "encoded":
        return tuple(f"{name}_bf{w}" for name in ("first_name", "last_name") for w in range(WORDS))
    return ("first_name", "last_name")


def _train(linker, kind: str) -> None:
    """u by random sampling; m by EM on pairs sharing an NHS number hash (every comparison but that one), then
    on pairs sharing both names (the identifiers, the date of birth and the rest)."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_hash"), block_on("upn_hash")], recall=IDENTIFIER_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
    for rule in (block_on("nhs_hash"), block_on(*_name_key(kind))):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


# ---- linking ----

Children = Mapping[str, "Path | Any"]  # authority_code -> a children.parquet path or a pyarrow table


@dataclass
class RegionLinkage:
    """What ``link_children`` found: the children, the pairs scored, the model, and each child's region child."""

    kind: str  # "encoded" or "clear"
    engine: str
    records: list[tuple[str, str, str | None]]  # (authority_code, pooled_id, nhs_hash)
    pairs: list[dict]  # pooled_id_l, authority_code_l, pooled_id_r, authority_code_r, match_probability, ...
    comparisons_by_rule: dict[str, int]
    model: dict
    region_child: dict[str, str] = field(default_factory=dict)  # pooled_id -> region_child_id
    refused: int = 0  # linked pairs the clustering refused (two children of one authority, two NHS numbers)

    def cluster_sizes(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for child in self.region_child.values():
            sizes[child] = sizes.get(child, 0) + 1
        return sizes


def _kind(columns: Iterable[str]) -> str:
    columns = set(columns)
    if set(ENCODED_COLUMNS) <= columns:
        return "encoded"
    if set(CLEAR_COLUMNS) <= columns:
        return "clear"
    raise RegionError("the children to link have neither a pooled export's columns nor the clear comparison's")


def _read(source, columns: Sequence[str]):
    import pyarrow.parquet as pq

    if storage.is_path(source):
        return pq.read_table(storage.source(source), columns=list(columns))
    return source.select(columns)


def link_children(
    children: Children,
    *,
    engine: str = "spark",
    model: dict | None = None,
    threshold: float = LINK_THRESHOLD,
    spark=None,
) -> RegionLinkage:
    """Link the children of several authorities (``authority_code`` -> children.parquet or a pyarrow table of
    the pooled columns, or of the clear comparison's) on ``engine`` (``"spark"``: ``spark``, a session, or a local
    one for this run; ``"duckdb"``: an in-memory database). ``model``: Splink settings saved by an earlier run
    (nothing trained then). Pairs from REVIEW_THRESHOLD are kept; those from ``threshold`` are clustered."""
    if len(children) < 2:
        raise RegionError("a region link needs two or more authorities' children")
    tables = {}
    kind = None
    for authority, source in sorted(children.items()):
        if storage.is_path(source):
            import pyarrow.parquet as pq

            names = pq.ParquetFile(storage.source(source)).schema_arrow.names
        else:
            names = source.column_names
        this = _kind(names)
        if kind not in (None, this):
            raise RegionError(f"authority {authority}: its children are {this}, the others' {kind}")
        kind = this
        tables[authority] = source
    columns = ENCODED_COLUMNS if kind == "encoded" else CLEAR_COLUMNS
    run = uuid.uuid4().hex[:12]  # a Spark session given may hold an earlier run's tables
    if engine == "duckdb":
        from childhub.store import scratch_connection

        with scratch_connection() as conn:
            from splink import DuckDBAPI

            api = DuckDBAPI(connection=conn)
            frames = [
                api.register(_read(source, columns), **_names(authority, run)) for authority, source in tables.items()
            ]
            linkage = _link(frames, kind, "duckdb", model)
    elif engine == "spark":
        with contextlib.ExitStack() as stack:
            if spark is None:
                from childhub.region.spark import local_spark_session

                spark = stack.enter_context(local_spark_session())
            from splink import SparkAPI

            api = SparkAPI(spark_session=spark)  # Splink's steps written as parquet under the checkpoint folder
            frames = []
            for authority, source in tables.items():
                if storage.is_path(source):
                    frame = spark.read.parquet(str(source)).select(*columns)
                else:
                    frame = spark.createDataFrame(source.select(columns).to_pandas())
                frames.append(api.register(frame, **_names(authority, run)))
            linkage = _link(frames, kind, "spark", model)
    else:
        raise RegionError(f"no engine {engine!r}: spark or duckdb")
    linkage.records = [
        (authority, pooled_id, nhs)
        for authority, source in tables.items()
        for pooled_id, nhs in zip(
            *(_read(source, ["pooled_id", "nhs_hash"]).column(i).to_pylist() for i in range(2)), strict=True
        )
    ]
    linkage.region_child, linkage.refused = cluster_region(linkage.records, linkage.pairs, threshold)
    linked = linkage.region_child
    for pair in linkage.pairs:
        pair["linked"] = linked[pair["pooled_id_l"]] == linked[pair["pooled_id_r"]]
    return linkage


def _names(authority: str, run: str) -> dict[str, str]:
    """Splink's names for an authority's table: the dataset (in its pairs' ``source_dataset``) and the table,
    which is this run's own (letters, digits and underscores only)."""
    dataset = "authority_" + "".join(ch if ch.isalnum() else "_" for ch in authority)
    return {"dataset_display_name": dataset, "table_name": f"{dataset}_{run}"}


def _link(frames, kind: str, engine: str, model: dict | None) -> RegionLinkage:
    from splink import Linker
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    counts = count_comparisons_from_blocking_rules(
        frames,
        blocking_rules=blocking_rules(kind),
        link_type="link_only",
        unique_id_column_name="pooled_id",
        record_sample_proportion=1.0,
    )
    by_rule = {
        name: int(count["marginal_comparison_count"]) for name, count in zip(BLOCKING_NAMES, counts, strict=True)
    }
    if sum(by_rule.values()) > MAX_COMPARISONS:
        raise RegionError(
            f"the blocking rules would compare {sum(by_rule.values()):,} pairs, more than the {MAX_COMPARISONS:,} "
            "childhub allows: " + ", ".join(f"{name} {count:,}" for name, count in by_rule.items())
        )
    if model is not None:
        if _model_kind(model) != kind:
            raise RegionError(f"the model given was trained on {_model_kind(model)} data, these children are {kind}")
        linker = Linker(frames, _with_parameters(region_settings(kind), engine, model), log_level=logging.ERROR)
    else:
        linker = Linker(frames, region_settings(kind), log_level=logging.ERROR)
        _train(linker, kind)
    saved = json.loads(json.dumps(linker.misc.save_model_to_json(), default=str))
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_THRESHOLD)
    frame = predictions.as_pandas_dataframe()
    weights = [column for column in frame.columns if column.startswith("mw_")]
    pairs = []
    for row in frame.to_dict("records"):
        left, right = (row["source_dataset_l"], row["pooled_id_l"]), (row["source_dataset_r"], row["pooled_id_r"])
        if right < left:  # the same pair reads the same way on both engines
            left, right = right, left
        pairs.append(
            {
                "pooled_id_l": str(left[1]),
                "pooled_id_r": str(right[1]),
                "match_probability": float(row["match_probability"]),
                "match_weight": float(row["match_weight"]),
                **{weight: float(row[weight]) for weight in weights},
            }
        )
    pairs.sort(key=lambda pair: (pair["pooled_id_l"], pair["pooled_id_r"]))
    return RegionLinkage(kind, engine, [], pairs, by_rule, saved)


def _with_parameters(settings, engine: str, model: Mapping) -> dict:
    """This childhub's settings written for ``engine``, with the m and u probabilities and the prior of a saved
    ``model`` (trained on either engine: its SQL is written in its own engine's dialect, so only its numbers are
    taken)."""
    built = settings.create_settings_dict(engine)
    saved = {comparison.get("output_column_name"): comparison for comparison in model.get("comparisons", [])}
    for comparison in built["comparisons"]:
        name = comparison["output_column_name"]
        levels = saved.get(name, {}).get("comparison_levels", [])
        if len(levels) != len(comparison["comparison_levels"]):
            raise RegionError(f"the model given does not compare {name} as this childhub does (its levels differ)")
        for level, saved_level in zip(comparison["comparison_levels"], levels, strict=True):
            for parameter in ("m_probability", "u_probability"):
                if saved_level.get(parameter) is not None:
                    level[parameter] = saved_level[parameter]
    built["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    return built


def _model_kind(model: Mapping) -> str:
    names = {comparison.get("output_column_name") for comparison in model.get("comparisons", [])}
    text = json.dumps(model.get("comparisons", []))
    return "encoded" if "bit_count" in text else "clear" if "first_name" in names else "unknown"


# ---- clustering ----


def region_child_id(smallest_pooled_id: str) -> str:
    """A region child's ID: the smallest pooled_id of its records, hashed (stable for the same exports)."""
    return hashlib.sha256(f"childhub region child:{smallest_pooled_id}".encode()).hexdigest()[:32]


def cluster_region(
    records: Sequence[tuple[str, str, str | None]], pairs: Sequence[Mapping], threshold: float = LINK_THRESHOLD
) -> tuple[dict[str, str], int]:
    """Join children linked at ``threshold`` or above into region children, most certain pair first; a join
    that would put two children of one authority, or two different NHS numbers, in one region child is refused
    (so a chain breaks at its weakest link). (pooled_id -> region_child_id, joins refused)."""
    authority_of = {pooled_id: authority for authority, pooled_id, _ in records}
    parent = {pooled_id: pooled_id for pooled_id in authority_of}
    authorities = {pooled_id: {authority} for authority, pooled_id, _ in records}
    nhs = {pooled_id: ({value} if value else set()) for _, pooled_id, value in records}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    refused = 0
    edges = sorted(
        (
            (-pair["match_probability"], pair["pooled_id_l"], pair["pooled_id_r"])
            for pair in pairs
            if pair["match_probability"] >= threshold
        ),
    )
    for _, left, right in edges:
        a, b = find(left), find(right)
        if a == b:
            continue
        if authorities[a] & authorities[b] or len(nhs[a] | nhs[b]) > 1:
            refused += 1
            continue
        if b < a:
            a, b = b, a
        parent[b] = a
        authorities[a] |= authorities.pop(b)
        nhs[a] |= nhs.pop(b)
    members: dict[str, list[str]] = {}
    for pooled_id in authority_of:
        members.setdefault(find(pooled_id), []).append(pooled_id)
    return {pooled_id: region_child_id(min(group)) for group in members.values() for pooled_id in group}, refused


# ---- the region's folder ----


@dataclass(frozen=True)
class RegionLinkSummary:
    """What ``link_region`` wrote: counts of children, region children, pairs and refused joins."""

    out: Path
    authorities: int
    children: int
    region_children: int
    pairs: int
    linked_pairs: int
    refused: int
    comparisons_by_rule: dict[str, int]


def _check_out(out: Path, folders: Sequence[Path]) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RegionError(f"{out}: already exists and is not an empty folder; give a new or empty folder")
    for folder in folders:
        if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
            raise RegionError(f"{out}: inside the pooled export {folder}; give a folder of its own")


def link_region(
    folders: Sequence[Path],
    out: Path,
    *,
    engine: str = "spark",
    model: dict | None = None,
    threshold: float = LINK_THRESHOLD,
    spark=None,
) -> RegionLinkSummary:
    """Check the exports, link their children and write the region's folder ``out`` (docs/region.md); on any
    refusal or failure nothing is written."""
    _check_out(out, folders)
    exports = read_pooled_exports(folders)
    linkage = link_children(
        {export.authority_code: export.children for export in exports},
        engine=engine,
        model=model,
        threshold=threshold,
        spark=spark,
    )
    sizes = linkage.cluster_sizes()
    manifest = {
        "format": REGION_FORMAT,
        "version": REGION_VERSION,
        "linked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "key_check": exports[0].key_check,
        "exports": [
            {
                "folder": str(export.folder.resolve()),
                "authority_code": export.authority_code,
                "authority_name": export.authority_name,
                "as_at": export.as_at,
                "rows": export.rows,
                "sha256": export.sha256,
            }
            for export in exports
        ],
        "thresholds": {"link": threshold, "review": REVIEW_THRESHOLD},
        "comparisons_by_rule": linkage.comparisons_by_rule,
        "region_children": len(sizes),
        "refused_joins": linkage.refused,
        "model": linkage.model,
    }
    _write(out, linkage, sizes, manifest)
    return RegionLinkSummary(
        out=out,
        authorities=len(exports),
        children=len(linkage.records),
        region_children=len(sizes),
        pairs=len(linkage.pairs),
        linked_pairs=sum(pair["linked"] for pair in linkage.pairs),
        refused=linkage.refused,
        comparisons_by_rule=linkage.comparisons_by_rule,
    )


def _write(out: Path, linkage: RegionLinkage, sizes: Mapping[str, int], manifest: dict) -> None:
    import pyarrow as pa

    authority_of = {pooled_id: authority for authority, pooled_id, _ in linkage.records}
    region_children = pa.table(
        {
            "authority_code": [authority for authority, _, _ in linkage.records],
            "pooled_id": [pooled_id for _, pooled_id, _ in linkage.records],
            "region_child_id": [linkage.region_child[pooled_id] for _, pooled_id, _ in linkage.records],
            "cluster_size": pa.array(
                [sizes[linkage.region_child[pooled_id]] for _, pooled_id, _ in linkage.records], pa.int32()
            ),
        }
    )
    weights = [key for key in (linkage.pairs[0] if linkage.pairs else {}) if key.startswith("mw_")]
    pairs = pa.table(
        {
            "pooled_id_l": pa.array([pair["pooled_id_l"] for pair in linkage.pairs], pa.string()),
            "authority_code_l": pa.array([authority_of[pair["pooled_id_l"]] for pair in linkage.pairs], pa.string()),
            "pooled_id_r": pa.array([pair["pooled_id_r"] for pair in linkage.pairs], pa.string()),
            "authority_code_r": pa.array([authority_of[pair["pooled_id_r"]] for pair in linkage.pairs], pa.string()),
            "match_probability": pa.array([pair["match_probability"] for pair in linkage.pairs], pa.float64()),
            "match_weight": pa.array([pair["match_weight"] for pair in linkage.pairs], pa.float64()),
            "linked": pa.array([pair["linked"] for pair in linkage.pairs], pa.bool_()),
            **{weight: pa.array([pair[weight] for pair in linkage.pairs], pa.float64()) for weight in weights},
        }
    )
    with storage.writing(out) as folder:
        files = {}
        for name, table in (("region_children.parquet", region_children), ("pairs.parquet", pairs)):
            storage.write_parquet(table, folder / name)
            files[name] = {"rows": table.num_rows, "sha256": _sha256(folder / name)}
        storage.write_text(folder / "manifest.json", json.dumps({**manifest, "files": files}, indent=2) + "\n")


def read_model(path: Path) -> dict:
    """A saved model: a region folder's manifest.json (its ``model``), or a Splink settings JSON file."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RegionError(f"{path}: not a readable model ({error})") from None
    model = data.get("model") if isinstance(data, dict) and data.get("format") == REGION_FORMAT else data
    if not isinstance(model, dict) or not isinstance(model.get("comparisons"), list):
        raise RegionError(f"{path}: field 'comparisons' is missing, so not a saved model")
    return model
