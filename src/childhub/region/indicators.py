"""The region's indicators: each authority's counted rows pooled, each child counted once across councils
(docs/region.md, "The region's indicators").

``load_region`` reads and checks a region's folder: its manifest, every pooled export it names (format and version,
the same key, each file's SHA-256) and ``region_children.parquet`` (each authority's ``pooled_id`` to the region's
child). ``count_region`` counts, as one plain SQL statement over the Parquet files that runs on DuckDB and on Spark
(temporary views of the same names on either), each indicator for the region and for each authority:

- an indicator that counts people (its ``counts``: children, young people, care leavers) takes each region child
  once, whatever the councils' rows' items: in the denominator if any council has them there, in the numerator if any
  council counts them (the most any council counts); a child looked after in two councils on the date is one child;
- any other indicator counts every item (``item_hash``: referrals, assessments, plans, adoptions...), so two
  councils' events are two events, and its children are the distinct region children among them; a row of it with
  a child and no item (missing incidents per child) takes the child once in the denominator and adds the councils'
  events in the numerator;
- a row with no child (a worker, a family) is its own.

An authority's own figure is counted from its rows exactly as the Calculator counts it (the same sums and the same
``figure_value``), so it equals ``childhub indicators`` on that authority's store. A rate per 10,000 in the region is
per the sum of the authorities' populations aged 0-17.

``protect`` says what a public table hides (``--public``); ``public_figures`` gives the figures as such a table shows
them: hidden as ``protect`` says, then every count rounded to the nearest 5 and each rate or percentage made from the
rounded counts, so that no difference of shown figures (the authorities' sum less the region's) is an exact small
number.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from childhub.region import RegionError
from childhub.region.pooled import (
    CHILDREN_FILE,
    FORMAT,
    INDICATOR_ROWS_FILE,
    MANIFEST_FILE,
    VERSION,
    sha256_of,
)

REGION_CHILDREN_FILE = "region_children.parquet"
REGION_SCOPE = "region"
# What an indicator counts when it counts people (each taken once in the region, whatever its rows' items: a child
# looked after in two councils on the date is one child); anything else (referrals, plans, incidents) adds up.
PEOPLE = frozenset({"children", "young people", "care leavers"})


@dataclass(frozen=True)
class PooledAuthority:
    """One authority's checked pooled export."""

    folder: Path
    code: str
    name: str
    population_0_17: int | None
    key_check: str
    month_ends: tuple[date, ...]
    figures: tuple[dict[str, Any], ...]  # its own figures, as its store counted them when it exported
    children_sha256: str | None = None  # its children.parquet's, as its manifest lists it


@dataclass(frozen=True)
class Region:
    """A region's folder, checked: its authorities (in the order its manifest names them) and its linked children."""

    folder: Path
    authorities: tuple[PooledAuthority, ...]
    region_children: Path

    @property
    def population_0_17(self) -> int | None:
        """The region's children aged 0-17: the sum of its authorities' (None if any did not give one)."""
        populations = [a.population_0_17 for a in self.authorities]
        return None if any(p is None for p in populations) else sum(populations)

    def month_end(self, as_at: date | None) -> date:
        """The latest month end every authority exported on or before ``as_at`` (any date when None)."""
        common = set.intersection(*(set(a.month_ends) for a in self.authorities))
        chosen = [end for end in common if as_at is None or end <= as_at]
        if not chosen:
            wanted = f" on or before {as_at.isoformat()}" if as_at else ""
            raise RegionError(f"{self.folder}: no month end{wanted} that every authority's export holds")
        return max(chosen)


@dataclass(frozen=True)
class RegionFigure:
    """An indicator's figure for the region (scope "region") or one authority (scope its code)."""

    indicator_id: str
    scope: str
    period_end: date
    numerator: float
    denominator: float | None
    value: float | None
    children: int
    note: str | None


# ---- reading and checking ------------------------------------------------------------------------------------------


def _json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegionError(f"{path.parent}: no {path.name} ({what})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RegionError(f"{path}: not readable JSON ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise RegionError(f"{path}: not a manifest (a JSON object is expected)")
    return data


def load_export(folder: Path) -> PooledAuthority:
    """One pooled export, checked: its manifest's format and version, and each file it lists against its SHA-256."""
    if not folder.is_dir():
        raise RegionError(f"{folder}: no such authority folder (a pooled export is a folder)")
    manifest = _json(folder / MANIFEST_FILE, "not a pooled export: childhub export pooled writes the manifest last")
    if manifest.get("format") != FORMAT:
        raise RegionError(f"{folder / MANIFEST_FILE}: not a pooled export (format {manifest.get('format')!r})")
    if manifest.get("version") != VERSION:
        raise RegionError(
            f"{folder / MANIFEST_FILE}: format version {manifest.get('version')!r} is not one this childhub reads "
            f"(it reads version {VERSION})"
        )
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise RegionError(f"{folder / MANIFEST_FILE}: field 'files' is not an object naming the export's files")
    for name in (CHILDREN_FILE, INDICATOR_ROWS_FILE):
        if name not in files:
            raise RegionError(f"{folder / MANIFEST_FILE}: lists no {name}")
    for name, listed in files.items():
        if Path(name).name != name or not isinstance(listed, dict):  # a file beside the manifest, never elsewhere
            raise RegionError(f"{folder / MANIFEST_FILE}: field 'files' has an entry {name!r} childhub cannot read")
        path = folder / name
        if not path.is_file():
            raise RegionError(f"{path}: missing (the manifest lists it)")
        if sha256_of(path) != listed.get("sha256"):
            raise RegionError(f"{path}: corrupt or truncated (its SHA-256 is not the manifest's)")
    population = manifest.get("population_0_17")
    if population is not None and (not isinstance(population, int) or isinstance(population, bool) or population < 0):
        raise RegionError(f"{folder / MANIFEST_FILE}: field 'population_0_17' is {population!r}, not a whole number")
    ends = manifest.get("month_ends")
    if not isinstance(ends, list) or not all(isinstance(end, str) for end in ends):
        raise RegionError(f"{folder / MANIFEST_FILE}: field 'month_ends' is not a list of dates (YYYY-MM-DD)")
    try:
        return PooledAuthority(
            folder=folder,
            code=str(manifest["authority_code"]),
            name=str(manifest.get("authority_name") or manifest["authority_code"]),
            population_0_17=population,
            key_check=str(manifest["key_check"]),
            month_ends=tuple(date.fromisoformat(end) for end in manifest["month_ends"]),
            figures=tuple(manifest.get("figures") or ()),
            children_sha256=files[CHILDREN_FILE]["sha256"],
        )
    except (KeyError, TypeError, ValueError) as error:
        raise RegionError(f"{folder / MANIFEST_FILE}: field {error} is missing or wrong") from None


def _export_folder(named: str, region: Path) -> Path:
    """An export's folder as the region's manifest names it: a URI, an absolute path (on the region's own store), or
    a path relative to the region's folder."""
    from childhub.region.storage import HadoopPath, is_uri

    if isinstance(region, HadoopPath):
        if is_uri(named):
            return HadoopPath(named, region.spark)
        return region.on_same_store(named) if named.startswith("/") else region / named
    if is_uri(named):
        raise RegionError(f"{region / MANIFEST_FILE}: export {named} is a URI: read the region with --engine spark")
    return Path(named) if Path(named).is_absolute() else region / named


def load_region(folder: Path, key_check: str | None = None) -> Region:
    """A region's folder, checked (``key_check``: the key the caller holds, if any): every export it names under the
    one key, no authority twice, and its region_children.parquet."""
    if not folder.is_dir():
        raise RegionError(f"{folder}: no such region folder")
    manifest = _json(folder / MANIFEST_FILE, "not a region's folder: childhub region link writes one")
    exports = manifest.get("exports")
    if not isinstance(exports, list) or not exports:
        raise RegionError(f"{folder / MANIFEST_FILE}: names no exports")
    authorities = []
    for entry in exports:
        named = (entry.get("folder") or entry.get("path")) if isinstance(entry, dict) else entry
        if not isinstance(named, str):
            raise RegionError(f"{folder / MANIFEST_FILE}: an export without its folder")
        path = _export_folder(named, folder)
        authority = load_export(path)
        linked = entry.get("sha256") if isinstance(entry, dict) else None
        if linked is not None and linked != authority.children_sha256:
            raise RegionError(
                f"{path}: exported again since the region link (its children.parquet is not the one linked): "
                "run childhub region link again"
            )
        authorities.append(authority)
    expected = key_check or manifest.get("key_check") or authorities[0].key_check
    for authority in authorities:
        if authority.key_check != expected:
            raise RegionError(
                f"{authority.folder}: exported under another key than the region's (its key_check differs)"
            )
    codes = [a.code for a in authorities]
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise RegionError(f"{folder / MANIFEST_FILE}: authority {', '.join(twice)} is named twice")
    children = folder / REGION_CHILDREN_FILE
    if not children.is_file():
        raise RegionError(f"{children}: missing (childhub region link writes it)")
    listed = manifest.get("files", {}).get(REGION_CHILDREN_FILE, {}) if isinstance(manifest.get("files"), dict) else {}
    if not isinstance(listed, dict):
        raise RegionError(f"{folder / MANIFEST_FILE}: field 'files' has an entry {REGION_CHILDREN_FILE!r} unreadable")
    if listed.get("sha256") and sha256_of(children) != listed["sha256"]:
        raise RegionError(f"{children}: corrupt or truncated (its SHA-256 is not the manifest's)")
    return Region(folder, tuple(authorities), children)


# ---- counting ------------------------------------------------------------------------------------------------------


def _counting_sql(period_end: date) -> str:
    """The region's and each authority's sums per indicator, in SQL both DuckDB and Spark run (views indicator_rows,
    region_children and indicator_rule)."""
    day = period_end.isoformat()  # a date from the manifest, checked by date.fromisoformat: safe as a literal
    sums = (
        "coalesce(sum(numerator), 0) AS numerator, sum(denominator) AS denominator, "
        "median(CASE WHEN numerator > 0 THEN value END) AS median_value, "
        "avg(CASE WHEN numerator > 0 THEN value END) AS mean_value, "
        "count(DISTINCT CASE WHEN numerator > 0 THEN counted_child END) AS children"
    )
    return f"""
    WITH chosen AS (
        SELECT r.authority_code, r.indicator_id, r.pooled_id, r.item_hash, r.numerator, r.denominator, r.value,
               CASE WHEN r.pooled_id IS NULL THEN NULL
                    ELSE coalesce(CAST(c.region_child_id AS STRING), concat(r.authority_code, ':', r.pooled_id))
               END AS region_child
        FROM indicator_rows r
        LEFT JOIN region_children c ON c.authority_code = r.authority_code AND c.pooled_id = r.pooled_id
        WHERE r.period_end = DATE '{day}'
    ),
    region_rows AS (
        SELECT c.indicator_id, c.region_child AS counted_child, c.numerator, c.denominator, c.value
        FROM chosen c
        JOIN indicator_rule u ON u.indicator_id = c.indicator_id
        WHERE c.region_child IS NULL OR (u.per_child = 0 AND c.item_hash IS NOT NULL)
        UNION ALL
        SELECT c.indicator_id, c.region_child AS counted_child,
               CASE WHEN max(u.per_child) = 1 THEN max(c.numerator) ELSE sum(c.numerator) END AS numerator,
               max(c.denominator) AS denominator, max(c.value) AS value
        FROM chosen c
        JOIN indicator_rule u ON u.indicator_id = c.indicator_id
        WHERE c.region_child IS NOT NULL AND (u.per_child = 1 OR c.item_hash IS NULL)
        GROUP BY c.indicator_id, c.region_child
    ),
    authority_rows AS (
        SELECT authority_code, indicator_id, pooled_id AS counted_child, numerator, denominator, value FROM chosen
    )
    SELECT '{REGION_SCOPE}' AS scope, indicator_id, {sums} FROM region_rows GROUP BY indicator_id
    UNION ALL
    SELECT authority_code AS scope, indicator_id, {sums} FROM authority_rows GROUP BY authority_code, indicator_id
    """


def _rules() -> list[tuple[str, int]]:
    from childhub.indicators import library

    return [(ind.id, 1 if ind.counts in PEOPLE else 0) for ind in library().values()]


def count_region(region: Region, period_end: date, engine: str = "duckdb", spark: Any = None) -> list[RegionFigure]:
    """Every indicator at ``period_end`` for the region, then for each authority, in the library's order (on Spark:
    ``spark``, a session the caller stops, or one of its own for this count)."""
    from childhub.indicators import figure_value, library

    sources = {
        "indicator_rows": [a.folder / INDICATOR_ROWS_FILE for a in region.authorities],
        "region_children": [region.region_children],
    }
    sql = _counting_sql(period_end)
    runner = _on_spark if engine == "spark" else _on_duckdb
    try:
        rows = runner(sources, _rules(), sql, spark)
    except RegionError:
        raise
    except Exception as error:  # a Parquet file of the wrong shape: DuckDB's or Spark's own error, first line
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RegionError(f"{region.folder}: the region could not be counted on {engine}: {message}") from None
    counted = {(row[0], row[1]): row[2:] for row in rows}
    populations = {a.code: a.population_0_17 for a in region.authorities}
    populations[REGION_SCOPE] = region.population_0_17
    figures = []
    for scope in (REGION_SCOPE, *(a.code for a in region.authorities)):
        for ind in library().values():
            numerator, denominator, median, mean, children = counted.get((scope, ind.id), (0.0, None, None, None, 0))
            measured = median if ind.unit == "median" else mean if ind.unit == "mean" else None
            value, note = figure_value(ind, float(numerator), denominator, measured, populations[scope])
            if note and ind.unit == "rate_per_10k" and scope == REGION_SCOPE:
                note = "an authority's export gives no population_0_17: no rate for the region"
            figures.append(
                RegionFigure(ind.id, scope, period_end, float(numerator), denominator, value, int(children), note)
            )
    return figures


# ---- the engines -----------------------------------------------------------------------------------------------------


def _on_duckdb(sources: dict[str, list[Path]], rules: list[tuple[str, int]], sql: str, spark: Any) -> list[tuple]:
    from childhub.store import scratch_connection

    with scratch_connection() as conn:
        for name, paths in sources.items():
            conn.read_parquet([str(path) for path in paths]).create_view(name)
        conn.execute("CREATE TABLE indicator_rule (indicator_id VARCHAR, per_child INTEGER)")
        conn.executemany("INSERT INTO indicator_rule VALUES (?, ?)", rules)
        return conn.execute(sql).fetchall()


def _on_spark(sources: dict[str, list[Path]], rules: list[tuple[str, int]], sql: str, given: Any) -> list[tuple]:
    with contextlib.nullcontext(given) if given is not None else spark_session() as spark:
        for name, paths in sources.items():
            spark.read.parquet(*(str(path) for path in paths)).createOrReplaceTempView(name)
        spark.createDataFrame(rules, "indicator_id string, per_child int").createOrReplaceTempView("indicator_rule")
        return [tuple(row) for row in spark.sql(sql).collect()]


@contextmanager
def spark_session() -> Iterator[Any]:
    """A Spark session for counting (``childhub.region.spark``: local[2] and 2 GB for the driver, or what spark-submit
    configured; stopped after), or one line if Spark cannot start."""
    from childhub.engines import EngineError
    from childhub.region.spark import local_spark_session

    try:
        with local_spark_session(checkpoints=False) as spark:
            yield spark
    except EngineError as error:
        raise RegionError(str(error)) from None


# ---- disclosure ------------------------------------------------------------------------------------------------------


def protect(figures: list[RegionFigure], threshold: int) -> dict[tuple[str, str], str | None]:
    """What a public table hides (``--public``): for each (indicator, scope), None (shown), "children" (the children
    counted hidden) or "figure" (value and counts hidden), by childhub.disclosure's rules: a small region figure hides
    the whole indicator (its authorities would say where the few children are); otherwise each authority is a group
    of the region's figure, protected from being worked out from the region and its neighbours."""
    from childhub.disclosure import counts_are_small, is_small, protect_breakdown

    hidden: dict[tuple[str, str], str | None] = {}
    by_indicator: dict[str, dict[str, RegionFigure]] = {}
    for figure in figures:
        by_indicator.setdefault(figure.indicator_id, {})[figure.scope] = figure
    for indicator_id, scoped in by_indicator.items():
        region = scoped.pop(REGION_SCOPE)
        if counts_are_small(region.numerator, region.denominator, threshold):
            hidden.update({(indicator_id, scope): "figure" for scope in (REGION_SCOPE, *scoped)})
            continue
        hidden[(indicator_id, REGION_SCOPE)] = "children" if is_small(region.children, threshold) else None
        scopes = list(scoped)
        rows = [
            {"numerator": f.numerator, "denominator": f.denominator, "children": f.children}
            for f in (scoped[s] for s in scopes)
        ]
        total = {"numerator": region.numerator, "denominator": region.denominator, "children": region.children}
        protection = protect_breakdown(total, rows, threshold)
        for index, scope in enumerate(scopes):
            if protection.withheld or index in protection.hidden:
                hidden[(indicator_id, scope)] = "figure"
            elif index in protection.children_hidden:
                hidden[(indicator_id, scope)] = "children"
            else:
                hidden[(indicator_id, scope)] = None
    return hidden


def _rounded(figure: RegionFigure, unit: str) -> RegionFigure:
    """``figure`` with its counts rounded to the nearest 5 (``disclosure.round_count``) and its value made from the
    rounded counts; a median or a mean is not a count and stays."""
    from childhub.disclosure import round_count, rounded_value

    numerator, denominator = round_count(figure.numerator), round_count(figure.denominator)
    value = figure.value
    if unit not in ("median", "mean"):
        value = rounded_value(value, figure.numerator, figure.denominator, numerator, denominator)
    return replace(
        figure,
        numerator=float(numerator),
        denominator=None if denominator is None else float(denominator),
        value=value,
        children=round_count(figure.children),
    )


def public_figures(
    figures: list[RegionFigure], threshold: int
) -> tuple[list[RegionFigure], dict[tuple[str, str], str | None]]:
    """The figures as a public table shows them (``--public``), with what it hides (``protect``): the small numbers
    found on the true counts, then every count (the region's and the authorities', numerators, denominators and
    children) rounded to the nearest 5 and rates and percentages made from the rounded counts. Without the rounding
    the authorities' sum less the region's would be the children counted in two councils, which can be 1."""
    from childhub.indicators import indicator

    hidden = protect(figures, threshold)
    return [_rounded(figure, indicator(figure.indicator_id).unit) for figure in figures], hidden
