"""Clusters as the authority defines them, what each cluster's children need, and the most vulnerable children in each.

**Clusters.** An authority divides its area into clusters (Leeds has 25) in a file mapping postcode sectors ("QX12 3":
the outward code, a space and the first digit of the inward code) and schools (by URN) to a cluster's name
(``read_clusters``: columns ``cluster``, ``postcode_sector``, ``school_urn``). ``load_clusters`` checks it and keeps it
in the data folder as ``clusters.csv``. A child's cluster is their home postcode's sector's (the home postcode of the
record ``fact_child`` prefers: social care's, else the first system's by name), else their current school's (the
school of their latest attendance record), else "No cluster". Clusters are where children live now: a trend counts
each month's children in the cluster they are in today.

**Per cluster** (``count_clusters``, then ``cluster_figures`` under disclosure control): the children and families
known to two or more services, school attendance and persistent absence, 16 and 17 year olds NEET or not known, and
the need for care (children looked after per 10,000 of the cluster's known children, and children who started to be
looked after in the last 12 months), each with a 12-month monthly trend. Every child (and family) is in exactly one
cluster, so the clusters add up to the authority: under a threshold a small count is ``[c]`` and more clusters are
hidden until none can be worked out from the authority's total (``childhub.disclosure.protect_breakdown``); trend
counts are rounded.

**The most vulnerable children** (``vulnerable_children``) are found by declared rules (``vulnerability.yml``, shipped
beside this module; the data folder's own overrides it): each rule one SELECT over the facts returning the children it
finds with the reason in words. A child found by at least ``min_reasons`` rules is listed with every reason, ordered
by the number of reasons: there is no score and no weight.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from childhub.declared import parse_yaml
from childhub.disclosure import (
    NO_THRESHOLD,
    SUPPRESSED,
    counts_are_small,
    is_small,
    protect_breakdown,
    round_count,
)
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    import duckdb

CLUSTERS_FILE = "clusters.csv"  # the authority's clusters, in its data folder
RULES_FILE = "vulnerability.yml"  # the authority's own rules, in its data folder (else the shipped ones)
SHIPPED_RULES = Path(__file__).with_name(RULES_FILE)
NO_CLUSTER = "No cluster"
COLUMNS = ("cluster", "postcode_sector", "school_urn")
ALIASES = {"sector": "postcode_sector", "postcode": "postcode_sector", "urn": "school_urn", "school": "school_urn"}
SECTOR = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]")
URN = re.compile(r"[0-9]{6}")
TREND_MONTHS = 12
DEFAULT_MIN_REASONS = 2
Count = int | str | None  # a count, or "[c]" when it is small under the threshold


class ClusterError(ChildhubError):
    """A clusters file or a rules file that cannot be used; one line per problem, naming file, row (or rule) and
    field."""


# --- the clusters file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clusters:
    """The authority's clusters: postcode sectors and schools (URN), each in one cluster."""

    sectors: tuple[tuple[str, str], ...]  # (sector, cluster), sorted
    schools: tuple[tuple[str, str], ...]  # (URN, cluster), sorted

    @property
    def names(self) -> tuple[str, ...]:
        """Every cluster's name, sorted, "No cluster" not among them."""
        return tuple(sorted({cluster for _key, cluster in (*self.sectors, *self.schools)}, key=str.casefold))

    def parameters(self) -> dict[str, list[str]]:
        """The mapping as named SQL parameters (``child_cluster_sql`` reads them)."""
        return {
            "sectors": [sector for sector, _cluster in self.sectors],
            "sector_clusters": [cluster for _sector, cluster in self.sectors],
            "schools": [urn for urn, _cluster in self.schools],
            "school_clusters": [cluster for _urn, cluster in self.schools],
        }

    def rows(self) -> list[tuple[str, str, str]]:
        """The file's rows (cluster, sector, URN), one mapping each, by cluster."""
        found = [(cluster, sector, "") for sector, cluster in self.sectors]
        found += [(cluster, "", urn) for urn, cluster in self.schools]
        return sorted(found, key=lambda row: (row[0].casefold(), row[1], row[2]))


NO_CLUSTERS = Clusters((), ())


def postcode_sector(postcode: str | None) -> str | None:
    """The sector of a postcode however it was typed ("qx12 3ab" -> "QX12 3"), or None if it is not a postcode."""
    packed = re.sub(r"\s", "", (postcode or "").upper())
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", packed):
        return None
    return f"{packed[:-3]} {packed[-3]}"


def _sector(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().upper())


def read_clusters(path: Path, name: str | None = None) -> Clusters:
    """The clusters in a CSV file or an Excel workbook's first sheet, checked: every problem at once, one line each
    naming the file, the row and the field (a sector or school in two clusters, a sector or URN not well formed, a
    row naming no cluster or neither a sector nor a school, an empty file)."""
    from childhub.link import read_table

    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise ClusterError(f"{name}: there is no such file")
    header, lines = read_table(path, name)
    columns = [
        ALIASES.get(column.strip().casefold().replace(" ", "_"), column.strip().casefold().replace(" ", "_"))
        for column in header
    ]
    problems = []
    unknown = [original for original, column in zip(header, columns, strict=True) if column not in COLUMNS]
    if unknown:
        problems.append(
            f"{name} row 1: unknown column(s) {', '.join(map(repr, unknown))}; the columns are cluster, "
            "postcode_sector and school_urn"
        )
    if "cluster" not in columns:
        problems.append(f"{name} row 1: there is no column cluster (the cluster's name)")
    if "postcode_sector" not in columns and "school_urn" not in columns:
        problems.append(f"{name} row 1: there is neither a postcode_sector nor a school_urn column")
    if problems:
        raise ClusterError("\n".join(problems))
    if not lines:
        raise ClusterError(f"{name}: the file has a header but no clusters")
    index = {column: columns.index(column) for column in COLUMNS if column in columns}
    sectors: dict[str, tuple[str, int]] = {}
    schools: dict[str, tuple[str, int]] = {}
    for number, raw in lines:
        value = {column: (raw[i].strip() if i < len(raw) else "") for column, i in index.items()}
        cluster = re.sub(r"\s+", " ", value["cluster"])
        sector, urn = _sector(value.get("postcode_sector", "")), value.get("school_urn", "")
        where = f"{name} row {number}"
        if not cluster:
            problems.append(f"{where}, cluster: empty (every row names its cluster)")
        elif cluster.casefold() == NO_CLUSTER.casefold():
            problems.append(f"{where}, cluster: {NO_CLUSTER!r} is what childhub calls children in no cluster")
        elif (control := _control_character(cluster)) is not None:
            problems.append(
                f"{where}, cluster: {cluster!r} holds a control character (U+{ord(control):04X}); a cluster name is "
                "plain text"
            )
        elif "/" in cluster or len(cluster) > 80:
            quoted = repr(cluster) if len(cluster) <= 80 else f"'{cluster[:80]}...' ({len(cluster):,} characters)"
            problems.append(f"{where}, cluster: {quoted} is not a cluster name (at most 80 characters, no '/')")
        if not sector and not urn:
            problems.append(f"{where}: names neither a postcode sector nor a school")
        for text, pattern, held, field_name, what in (
            (
                sector,
                SECTOR,
                sectors,
                "postcode_sector",
                'a postcode sector (the outward code, a space and the first digit of the inward code: "QX12 3")',
            ),
            (urn, URN, schools, "school_urn", "a school's URN (six digits)"),
        ):
            if not text:
                continue
            if not pattern.fullmatch(text):
                problems.append(f"{where}, {field_name}: {text!r} is not {what}")
                continue
            if text in held and cluster and held[text][0] != cluster:
                problems.append(
                    f"{where}, {field_name}: {text} is in two clusters, {held[text][0]!r} (row {held[text][1]}) "
                    f"and {cluster!r}"
                )
            elif cluster:
                held.setdefault(text, (cluster, number))
    if problems:
        raise ClusterError("\n".join(problems))
    return Clusters(
        tuple(sorted((key, cluster) for key, (cluster, _row) in sectors.items())),
        tuple(sorted((key, cluster) for key, (cluster, _row) in schools.items())),
    )


def _control_character(text: str) -> str | None:
    """The first control or formatting character in ``text`` (a bell, a right-to-left override), if any."""
    import unicodedata

    return next((c for c in text if unicodedata.category(c) in ("Cc", "Cf")), None)


def clusters_path(data_dir: Path) -> Path:
    """Where the data folder keeps the authority's clusters."""
    return Path(data_dir) / CLUSTERS_FILE


def load_clusters(data_dir: Path, path: Path) -> Clusters:
    """Check the clusters file at ``path`` and keep it in the data folder as ``clusters.csv`` (owner only), replacing
    the one there at once (never half-written); nothing is changed if it has a problem."""
    from childhub.exports import write_csv

    clusters = read_clusters(path)
    target = clusters_path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{CLUSTERS_FILE}.partial")
    try:
        write_csv(partial, COLUMNS, clusters.rows())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return clusters


def clusters_for(data_dir: Path) -> Clusters:
    """The clusters the data folder holds (``NO_CLUSTERS`` when none are loaded), read again only when the file
    changes."""
    path = clusters_path(data_dir)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return NO_CLUSTERS
    return _read_kept(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_kept(path: str, _modified: int, _size: int) -> Clusters:
    return read_clusters(Path(path))


# --- a child's cluster, as SQL ----------------------------------------------------------------------

# child_cluster: one row per child (fact_child) with their cluster and what placed them in it (home, school or
# NULL). Reads the named parameters of ``Clusters.parameters``.
CHILD_CLUSTER_SQL = """
sector_map AS (
    SELECT unnest(CAST($sectors AS VARCHAR[])) AS sector, unnest(CAST($sector_clusters AS VARCHAR[])) AS cluster
),
school_map AS (
    SELECT unnest(CAST($schools AS VARCHAR[])) AS school_urn, unnest(CAST($school_clusters AS VARCHAR[])) AS cluster
),
home AS (  -- the home postcode of the record fact_child takes the child's area from: social care's, else the first
           -- system's by name, of those holding a postcode with a district (fact_child.area)
    SELECT child_key, arg_min(postcode, (source_system <> 'social_care', source_system, area)) AS postcode
    FROM fact_person
    WHERE child_key IS NOT NULL AND area IS NOT NULL
    GROUP BY child_key
),
home_sector AS (
    SELECT child_key, regexp_replace(upper(postcode), '\\s', '', 'g') AS packed,
           CASE WHEN regexp_full_match(packed, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
                THEN left(packed, length(packed) - 3) || ' ' || substr(packed, length(packed) - 2, 1) END AS sector
    FROM home
),
current_school AS (  -- the school of the child's latest attendance record
    SELECT child_key,
           arg_max(school_urn, (academic_year_start,
                                CASE WHEN term LIKE 'SPR%' THEN 2 WHEN term LIKE 'SUM%' THEN 3 ELSE 1 END,
                                school_urn)) AS school_urn
    FROM fact_attendance
    WHERE child_key IS NOT NULL AND school_urn IS NOT NULL
    GROUP BY child_key
),
child_cluster AS (
    SELECT c.child_key, c.child_id, c.date_of_birth,
           coalesce(sm.cluster, km.cluster, 'No cluster') AS cluster,
           CASE WHEN sm.cluster IS NOT NULL THEN 'home' WHEN km.cluster IS NOT NULL THEN 'school' END AS placed_by
    FROM fact_child c
    LEFT JOIN home_sector h ON h.child_key = c.child_key
    LEFT JOIN sector_map sm ON sm.sector = h.sector
    LEFT JOIN current_school s ON s.child_key = c.child_key
    LEFT JOIN school_map km ON km.school_urn = CAST(s.school_urn AS VARCHAR)
)"""


@dataclass(frozen=True)
class Placed:
    """A child's cluster, and what placed them in it: "home" (their home postcode's sector), "school" (their
    current school), or None ("No cluster")."""

    child_id: int | None
    cluster: str
    placed_by: str | None


def child_clusters(cursor: duckdb.DuckDBPyConnection, clusters: Clusters) -> dict[str, Placed]:
    """Every child's cluster (by child key)."""
    rows = cursor.execute(
        f"WITH {CHILD_CLUSTER_SQL} SELECT child_key, child_id, cluster, placed_by FROM child_cluster",
        clusters.parameters(),
    ).fetchall()
    return {key: Placed(child_id, cluster, placed_by) for key, child_id, cluster, placed_by in rows}


# --- the figures per cluster ------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One of the figures shown per cluster."""

    id: str
    name: str
    definition: str
    unit: str  # percent, rate_per_10k or count
    counts: str  # what is counted, in words: children, families, pupils, young people
    of: str | None  # what the count is out of, in words (None for a plain count)


MEASURES = (
    Measure(
        "known_to_two_or_more",
        "Children known to two or more services",
        "Of the children under 18 known on the date to at least one service, those known to two or more (as the "
        "indicator known_to_two_or_more_services counts them: social care, early help, SEN, persistent absence, "
        "youth justice, NEET and police domestic-abuse notifications).",
        "percent",
        "children",
        "children known to a service",
    ),
    Measure(
        "families_known_to_two_or_more",
        "Families known to two or more services",
        "Of the families (childhub's family grouping as it stands) with a child under 18 known on the date to a "
        "service, those whose children between them are known to two or more services. A family is in the "
        "cluster where most of its known children are (the first by name on a tie).",
        "percent",
        "families",
        "families with a child known to a service",
    ),
    Measure(
        "attendance",
        "School attendance",
        "The share of possible sessions attended in the academic year to date by pupils of compulsory school age "
        "(5 to 15 on the 31 August before the year), all their schools added together; the count is the pupils.",
        "percent",
        "pupils",
        None,
    ),
    Measure(
        "persistent_absence",
        "Persistent absence",
        "Of the pupils of compulsory school age with attendance recorded in the academic year to date, those who "
        "missed 10% or more of possible sessions (attendance of 90% or less; exactly 10% missed counts), as "
        "persistent_absence_all counts them.",
        "percent",
        "pupils",
        "pupils",
    ),
    Measure(
        "neet",
        "16 and 17 year olds NEET or not known",
        "Of the young people aged 16 or 17 (academic age) with an NCCIS record in the latest month of NCCIS data on "
        "or before the date, those not in education, employment or training or whose activity is not known, as "
        "neet_16_17 counts them.",
        "percent",
        "young people",
        "16 and 17 year olds with an NCCIS record",
    ),
    Measure(
        "looked_after",
        "Children in care per 10,000 known children",
        "Children looked after on the date (short breaks left out), per 10,000 of the cluster's known children: "
        "the children aged 0 to 17 on the date that any system the hub holds knows.",
        "rate_per_10k",
        "children",
        "known children aged 0 to 17",
    ),
    Measure(
        "entering_care",
        "Children entering care in the last 12 months",
        "Children who started to be looked after in the 12 months up to and including the date, each once, as "
        "cla_starts counts them.",
        "count",
        "children",
        None,
    ),
)
MEASURE = {measure.id: measure for measure in MEASURES}

# One SELECT per measure over days (a relation ``day``) and child_cluster: rows of (day, cluster, count, of, value).
# ``value`` is given only where it is not the count over ``of`` (attendance: sessions attended over possible).
MEASURE_SQL = {
    "known_to_two_or_more": """
known AS (
    SELECT d.day, k.child_key, count(DISTINCT k.service) AS services
    FROM day d JOIN fact_service_known k ON open_on(k.from_date, k.until_date, d.day)
    GROUP BY ALL
)
SELECT k.day, coalesce(cc.cluster, 'No cluster') AS cluster, count(*) FILTER (WHERE k.services >= 2) AS count,
       count(*) AS of, NULL AS value
FROM known k LEFT JOIN child_cluster cc USING (child_key)
WHERE cc.date_of_birth IS NULL OR age_on(cc.date_of_birth, k.day) < 18
GROUP BY ALL""",
    "families_known_to_two_or_more": """
known AS (
    SELECT d.day, k.child_key, k.service
    FROM day d JOIN fact_service_known k ON open_on(k.from_date, k.until_date, d.day)
),
member AS (
    SELECT k.day, m.family_id, k.child_key, k.service, cc.cluster
    FROM known k
    JOIN child_cluster cc USING (child_key)
    JOIN family_member m ON m.child_id = cc.child_id AND m.valid_to IS NULL
    WHERE cc.date_of_birth IS NULL OR age_on(cc.date_of_birth, k.day) < 18
),
family AS (
    SELECT day, family_id, count(DISTINCT service) AS services FROM member GROUP BY ALL
),
family_cluster AS (  -- where most of its known children are, the first by name on a tie
    SELECT day, family_id, arg_min(cluster, (-children, cluster)) AS cluster
    FROM (SELECT day, family_id, cluster, count(DISTINCT child_key) AS children FROM member GROUP BY ALL)
    GROUP BY ALL
)
SELECT f.day, fc.cluster, count(*) FILTER (WHERE f.services >= 2) AS count, count(*) AS of, NULL AS value
FROM family f JOIN family_cluster fc USING (day, family_id)
GROUP BY ALL""",
    "attendance": """
pupil AS (
    SELECT d.day, a.child_key, a.possible_sessions, a.sessions_missed, a.persistent_absence, cc.cluster
    FROM day d
    JOIN fact_service_attendance a ON attendance_on(a, d.day)
    JOIN child_cluster cc USING (child_key)
    WHERE compulsory_school_age(cc.date_of_birth, a.academic_year_start)
)
SELECT day, cluster, count(*) AS count, NULL AS of,
       100.0 * sum(possible_sessions - sessions_missed) / sum(possible_sessions) AS value
FROM pupil GROUP BY ALL""",
    "persistent_absence": """
pupil AS (
    SELECT d.day, a.child_key, a.persistent_absence, cc.cluster
    FROM day d
    JOIN fact_service_attendance a ON attendance_on(a, d.day)
    JOIN child_cluster cc USING (child_key)
    WHERE compulsory_school_age(cc.date_of_birth, a.academic_year_start)
)
SELECT day, cluster, count(*) FILTER (WHERE persistent_absence) AS count, count(*) AS of, NULL AS value
FROM pupil GROUP BY ALL""",
    "neet": """
latest AS (
    SELECT d.day, max(n.month) AS month FROM day d JOIN fact_neet n ON n.month <= d.day GROUP BY d.day
),
young_person AS (
    SELECT l.day, n.child_key, bool_or(n.neet OR n.not_known) AS neet_or_not_known, any_value(l.month) AS month
    FROM latest l JOIN fact_neet n ON n.month = l.month
    WHERE n.child_key IS NOT NULL
    GROUP BY l.day, n.child_key
)
SELECT y.day, cc.cluster, count(*) FILTER (WHERE y.neet_or_not_known) AS count, count(*) AS of, NULL AS value
FROM young_person y JOIN child_cluster cc USING (child_key)
WHERE age_on(cc.date_of_birth, make_date(year(y.month) - CASE WHEN month(y.month) < 9 THEN 1 ELSE 0 END, 8, 31))
      BETWEEN 16 AND 17
GROUP BY ALL""",
    "looked_after": """
known AS (
    SELECT d.day, cc.cluster, cc.child_key
    FROM day d JOIN child_cluster cc ON cc.date_of_birth <= d.day AND age_on(cc.date_of_birth, d.day) < 18
),
in_care AS (
    SELECT DISTINCT d.day, e.child_key FROM day d JOIN fact_cla_episode e ON looked_after_on(e, d.day)
)
SELECT k.day, k.cluster, count(i.child_key) AS count, count(*) AS of, NULL AS value
FROM known k LEFT JOIN in_care i ON i.day = k.day AND i.child_key = k.child_key
GROUP BY ALL""",
    "entering_care": """
care_period AS (
    SELECT person_id, any_value(child_key) AS child_key, period_number,
           min(start_date) FILTER (WHERE NOT short_break) AS started
    FROM fact_cla_episode
    GROUP BY person_id, period_number
    HAVING bool_or(NOT short_break) AND bool_and(start_on_record)
),
started AS (
    SELECT DISTINCT d.day, c.child_key
    FROM day d JOIN care_period c
      ON c.started > CAST(d.day - INTERVAL 12 MONTH AS DATE) AND c.started <= d.day
)
SELECT s.day, coalesce(cc.cluster, 'No cluster') AS cluster, count(*) AS count, NULL AS of, NULL AS value
FROM started s LEFT JOIN child_cluster cc USING (child_key)
GROUP BY ALL""",
}


DAYS_SQL = "day AS (SELECT unnest(CAST($days AS DATE[])) AS day)"


@dataclass(frozen=True)
class Cell:
    """One measure for one cluster on one day, as counted (nothing hidden)."""

    count: int
    of: int | None
    value: float | None


def month_ends(as_at: date, months: int = TREND_MONTHS) -> list[date]:
    """The ``months`` month ends on or before ``as_at``, oldest first (``as_at`` itself if it is one)."""
    end = as_at if (as_at + timedelta(days=1)).day == 1 else as_at.replace(day=1) - timedelta(days=1)
    found = [end]
    while len(found) < months:
        found.append(found[-1].replace(day=1) - timedelta(days=1))
    return found[::-1]


def count_clusters(
    cursor: duckdb.DuckDBPyConnection, days: Sequence[date], clusters: Clusters
) -> dict[str, dict[date, dict[str, Cell]]]:
    """Every measure for every cluster on each of ``days``, as counted: measure -> day -> cluster -> cell (a cluster
    with nothing to count on a day is left out)."""
    found: dict[str, dict[date, dict[str, Cell]]] = {}
    parameters: dict[str, Any] = {**clusters.parameters(), "days": sorted(set(days))}
    for measure in MEASURES:
        sql = (
            f"WITH {CHILD_CLUSTER_SQL}, day AS (SELECT unnest(CAST($days AS DATE[])) AS day), {MEASURE_SQL[measure.id]}"
        )
        by_day: dict[date, dict[str, Cell]] = {day: {} for day in parameters["days"]}
        for day, cluster, count, of, value in cursor.execute(sql, parameters).fetchall():
            by_day[day][cluster] = Cell(int(count), None if of is None else int(of), _value(measure, count, of, value))
        found[measure.id] = by_day
    return found


def facts_read(rules: Rules | None = None) -> tuple[str, ...]:
    """The facts the figures per cluster read (with ``rules``: the facts the children's cluster and those rules
    read instead): what a cached count is kept against while the server holds the store."""
    from childhub.facts import referenced_facts

    sql = [CHILD_CLUSTER_SQL, *(MEASURE_SQL.values() if rules is None else (rule.sql for rule in rules.rules))]
    return tuple(referenced_facts("\n".join(sql)))


def _value(measure: Measure, count: float, of: float | None, value: float | None) -> float | None:
    """A cell's value from its counts: a percent or a rate of ``count`` over ``of``, a count itself; ``value``
    where the measure counts something else (attendance's sessions)."""
    if value is not None:
        return float(value)
    if measure.unit == "count":
        return float(count)
    if not of:
        return None
    return (100.0 if measure.unit == "percent" else 10_000.0) * count / of


def _total(cells: dict[str, Cell], measure: Measure) -> Cell | None:
    """The authority's figure: the clusters added together (each child, family or pupil is in one cluster)."""
    if not cells:
        return None
    count = sum(cell.count for cell in cells.values())
    of = None if measure.of is None else sum(cell.of or 0 for cell in cells.values())
    return Cell(count, of, _value(measure, count, of, None))


# --- under disclosure control ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One measure for one cluster (or the authority) on one day as the viewer may see it: a small count is "[c]"
    and its value None (``suppressed``); in a trend under a threshold, counts are rounded and values made from them."""

    count: Count
    of: Count
    value: float | None
    suppressed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "of": self.of, "value": self.value, "suppressed": self.suppressed}


HIDDEN = Shown(SUPPRESSED, SUPPRESSED, None, True)


@dataclass(frozen=True)
class ClusterFigure:
    """A measure for one cluster: now, and month by month over the 12 months to now."""

    cluster: str
    now: Shown
    trend: tuple[tuple[date, Shown], ...]


@dataclass(frozen=True)
class MeasureFigures:
    """One measure for the authority and for each cluster."""

    measure: Measure
    authority: ClusterFigure
    clusters: tuple[ClusterFigure, ...]


@dataclass(frozen=True)
class ClusterReport:
    """Every measure per cluster as at a date (under a threshold: the last month end), for a viewer."""

    as_at: date
    clusters: tuple[str, ...]  # the authority's, then "No cluster"
    measures: tuple[MeasureFigures, ...]
    threshold: int

    def as_dict(self) -> dict[str, Any]:
        def figure(f: ClusterFigure) -> dict[str, Any]:
            return {
                "cluster": f.cluster or None,  # None: the authority
                **f.now.as_dict(),
                "trend": [{"as_at": day.isoformat(), **point.as_dict()} for day, point in f.trend],
            }

        return {
            "as_at": self.as_at.isoformat(),
            "clusters": list(self.clusters),
            "small_number_threshold": self.threshold or None,
            "measures": [
                {
                    "id": m.measure.id,
                    "name": m.measure.name,
                    "definition": m.measure.definition,
                    "unit": m.measure.unit,
                    "counts": m.measure.counts,
                    "of": m.measure.of,
                    "authority": figure(m.authority),
                    "clusters": [figure(f) for f in m.clusters],
                }
                for m in self.measures
            ],
        }


def _cell_counts(cell: Cell | None) -> dict[str, int | None]:
    if cell is None:
        return {"numerator": 0, "denominator": 0}
    return {"numerator": cell.count, "denominator": cell.of}


def _protected(cells: dict[str, Cell], names: Sequence[str], total: Cell | None, threshold: int) -> set[str]:
    """The clusters whose cell is hidden: small ones, and more until none can be worked out from the total."""
    if threshold <= NO_THRESHOLD or total is None:
        return set()
    rows = [_cell_counts(cells.get(name)) for name in names]
    protection = protect_breakdown(_cell_counts(total), rows, threshold)
    if protection.withheld:
        return set(names)
    return {names[i] for i in protection.hidden}


def _show(measure: Measure, cell: Cell | None, hidden: bool, threshold: int, rounded: bool) -> Shown:
    if hidden and (cell is None or not cell.count):  # under a hidden total even a zero is not shown
        return Shown(SUPPRESSED, None if measure.of is None else SUPPRESSED, None, True)
    if cell is None:  # nothing counted: a count of none, and no rate of nothing
        return Shown(0, None if measure.of is None else 0, 0.0 if measure.unit == "count" else None)
    if hidden or counts_are_small(cell.count, cell.of, threshold):
        return Shown(
            SUPPRESSED if hidden or is_small(cell.count, threshold) else cell.count,
            None if cell.of is None else (SUPPRESSED if hidden or is_small(cell.of, threshold) else cell.of),
            None,
            True,
        )
    if not (rounded and threshold > NO_THRESHOLD):
        return Shown(cell.count, cell.of, cell.value)
    count, of = round_count(cell.count), round_count(cell.of)
    if measure.id == "attendance":
        value = cell.value  # a share of sessions, not of the pupils counted: kept as it is
    elif measure.unit == "count":
        value = float(count)
    else:
        value = None if not of else (100.0 if measure.unit == "percent" else 10_000.0) * count / of
    return Shown(count, of, value)


def cluster_figures(
    counted: dict[str, dict[date, dict[str, Cell]]],
    as_at: date,
    clusters: Clusters,
    *,
    threshold: int = NO_THRESHOLD,
    attendance_totals: dict[date, float | None] | None = None,
) -> ClusterReport:
    """``counted`` (``count_clusters`` over ``month_ends(as_at)`` and ``as_at``) as a viewer under ``threshold`` may
    see it. ``attendance_totals`` are the authority's attendance per day (``authority_attendance``)."""
    names = [*clusters.names, NO_CLUSTER]
    extra = sorted({name for by_day in counted.values() for cells in by_day.values() for name in cells} - set(names))
    names += extra  # a cluster the counts hold that the file does not (counted with an older file): still shown
    days = month_ends(as_at)
    measures = []
    for measure in MEASURES:
        by_day = counted[measure.id]

        def shown_on(day: date, rounded: bool, measure: Measure = measure, by_day=by_day) -> dict[str, Shown]:
            cells = by_day.get(day, {})
            total = _total(cells, measure)
            if total is not None and measure.id == "attendance":
                total = Cell(total.count, None, (attendance_totals or {}).get(day))
            if measure.id == "attendance":
                # the same pupils persistent absence counts out of: hide the clusters it hides, or a cluster's
                # pupils hidden under one measure could be worked out from those shown under the other
                absence = counted.get("persistent_absence", {}).get(day, {})
                hidden = _protected(absence, names, _total(absence, MEASURE["persistent_absence"]), threshold)
            else:
                hidden = _protected(cells, names, total, threshold)
            shown = {name: _show(measure, cells.get(name), name in hidden, threshold, rounded) for name in names}
            shown[""] = _show(measure, total, False, threshold, rounded)
            return shown

        now = shown_on(as_at, rounded=False)
        trend = {day: shown_on(day, rounded=True) for day in days}
        figures = [
            ClusterFigure(name, now[name], tuple((day, trend[day][name]) for day in days)) for name in [*names, ""]
        ]
        measures.append(MeasureFigures(measure, figures[-1], tuple(figures[:-1])))
    return ClusterReport(as_at, tuple(names), tuple(measures), threshold)


ATTENDANCE_TOTAL_SQL = """
SELECT d.day, 100.0 * sum(a.possible_sessions - a.sessions_missed) / sum(a.possible_sessions)
FROM (SELECT unnest(CAST($days AS DATE[])) AS day) d
JOIN fact_service_attendance a ON attendance_on(a, d.day)
JOIN fact_child c ON c.child_key = a.child_key
WHERE compulsory_school_age(c.date_of_birth, a.academic_year_start)
GROUP BY d.day"""


def authority_attendance(cursor: duckdb.DuckDBPyConnection, days: Sequence[date]) -> dict[date, float | None]:
    """The authority's attendance on each day: the share of possible sessions attended, all pupils together."""
    rows = cursor.execute(ATTENDANCE_TOTAL_SQL, {"days": sorted(set(days))}).fetchall()
    return {day: None if value is None else float(value) for day, value in rows}


def cluster_report(
    cursor: duckdb.DuckDBPyConnection, as_at: date, clusters: Clusters, *, threshold: int = NO_THRESHOLD
) -> ClusterReport:
    """Count and show in one call (the command line and tests; the web app caches the counting)."""
    days = [*month_ends(as_at), as_at]
    return cluster_figures(
        count_clusters(cursor, days, clusters),
        as_at,
        clusters,
        threshold=threshold,
        attendance_totals=authority_attendance(cursor, days),
    )


# --- the most vulnerable children ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One declared rule: what it finds in words, and the SQL that finds it (child_key, detail)."""

    id: str
    words: str
    sql: str


@dataclass(frozen=True)
class Rules:
    """The rules in force and where they were read from."""

    min_reasons: int
    rules: tuple[Rule, ...]
    source: str  # the file, as a person would find it

    @property
    def shipped(self) -> bool:
        """Whether these are the rules shipped with childhub (the data folder has none of its own)."""
        return Path(self.source) == SHIPPED_RULES


RULE_ID = re.compile(r"[a-z][a-z0-9_]*")


def read_rules(path: Path) -> Rules:
    """The rules in ``path``, checked: every problem at once, one line each naming the file and the rule."""
    import duckdb
    import yaml

    path = Path(path)
    name = str(path)
    try:
        data = parse_yaml(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ClusterError(f"{name}: cannot be read as YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ClusterError(f"{name}: a rules file is a mapping with min_reasons and rules")
    problems = []
    unknown = sorted(set(data) - {"min_reasons", "rules"})
    if unknown:
        problems.append(f"{name}: unknown key(s) {', '.join(map(str, unknown))}; the keys are min_reasons and rules")
    min_reasons = data.get("min_reasons", DEFAULT_MIN_REASONS)
    if not isinstance(min_reasons, int) or isinstance(min_reasons, bool) or min_reasons < 1:
        problems.append(f"{name}, min_reasons: {min_reasons!r} is not a whole number of at least 1")
    listed = data.get("rules")
    if not isinstance(listed, list) or not listed:
        problems.append(f"{name}, rules: there are no rules (a list of id, words and sql)")
        listed = []
    rules, seen = [], set()
    parser = duckdb.connect()
    try:
        for number, item in enumerate(listed, start=1):
            label = f"{name}, rule {number}"
            if not isinstance(item, dict):
                problems.append(f"{label}: not a mapping of id, words and sql")
                continue
            rule_id = item.get("id")
            if isinstance(rule_id, str) and rule_id:
                label = f"{name}, rule {rule_id}"
            if not isinstance(rule_id, str) or not RULE_ID.fullmatch(rule_id):
                problems.append(f"{label}, id: {rule_id!r} is not an id (lower case letters, digits and _)")
            elif rule_id in seen:
                problems.append(f"{label}, id: two rules have this id")
            seen.add(rule_id)
            extra = sorted(set(item) - {"id", "words", "sql"})
            if extra:
                problems.append(f"{label}: unknown key(s) {', '.join(map(str, extra))}; a rule has id, words and sql")
            words, sql = item.get("words"), item.get("sql")
            if not isinstance(words, str) or not words.strip():
                problems.append(f"{label}, words: empty (say what the rule finds, in words)")
            if not isinstance(sql, str) or not sql.strip():
                problems.append(f"{label}, sql: empty (one SELECT returning child_key and detail)")
                continue
            problem = _sql_problem(parser, sql)
            if problem:
                problems.append(f"{label}, sql: {problem}")
                continue
            rules.append(Rule(str(rule_id), str(words).strip(), sql.strip()))
    finally:
        parser.close()
    if problems:
        raise ClusterError("\n".join(problems))
    return Rules(min_reasons, tuple(rules), name)


def _sql_problem(parser: duckdb.DuckDBPyConnection, sql: str) -> str | None:
    """Why ``sql`` is not one SELECT whose only parameter is $as_at, or None."""
    import duckdb

    try:
        statements = parser.extract_statements(sql)
    except duckdb.Error as error:
        return f"cannot be parsed ({str(error).splitlines()[0]})"
    if len(statements) != 1:
        return f"{len(statements)} statements; a rule is one SELECT"
    if statements[0].type != duckdb.StatementType.SELECT:
        return "not a SELECT"
    named = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    if named - {"as_at"} or "?" in re.sub(r"'[^']*'", "", sql):
        return "the only parameter a rule may use is $as_at"
    return None


def rules_for(data_dir: Path | None) -> Rules:
    """The data folder's ``vulnerability.yml`` if it has one, else the rules shipped with childhub."""
    path = SHIPPED_RULES if data_dir is None else Path(data_dir) / RULES_FILE
    if not path.is_file():
        path = SHIPPED_RULES
    stat = path.stat()
    return _rules_kept(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _rules_kept(path: str, _modified: int, _size: int) -> Rules:
    return read_rules(Path(path))


@dataclass(frozen=True)
class Reason:
    """Why a child is listed: the rule that found them (its id and words) and what it found, in words."""

    rule: str
    words: str
    detail: str


@dataclass(frozen=True)
class VulnerableChild:
    """A child the rules list, in their cluster, with every reason."""

    child_key: str
    child_id: int | None
    cluster: str
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "child_key": self.child_key,
            "child_id": self.child_id,
            "cluster": self.cluster,
            "reasons": [{"rule": r.rule, "words": r.words, "detail": r.detail} for r in self.reasons],
        }


def rule_findings(cursor: duckdb.DuckDBPyConnection, as_at: date, rules: Rules) -> dict[str, list[Reason]]:
    """Every child under 18 on ``as_at`` a rule finds, with the reasons (in the rules' order); a rule that finds a
    child twice gives one reason with both details."""
    import duckdb

    found: dict[str, dict[str, list[str]]] = {}
    for rule in rules.rules:
        wrapped = f"SELECT CAST(child_key AS VARCHAR), CAST(detail AS VARCHAR) FROM ({rule.sql}) AS found"
        try:
            rows = cursor.execute(wrapped, {"as_at": as_at} if "$as_at" in rule.sql else None).fetchall()
        except duckdb.Error as error:
            raise ClusterError(
                f"{rules.source}, rule {rule.id}, sql: cannot be run ({str(error).splitlines()[0]})"
            ) from None
        for child_key, detail in rows:
            if child_key:
                details = found.setdefault(child_key, {}).setdefault(rule.id, [])
                if detail and detail not in details:
                    details.append(detail)
    if not found:
        return {}
    under_18 = {
        key
        for (key,) in cursor.execute(
            "SELECT child_key FROM fact_child WHERE child_key IN (SELECT unnest(CAST(? AS VARCHAR[]))) "
            "AND (date_of_birth IS NULL OR age_on(date_of_birth, CAST(? AS DATE)) < 18)",
            [sorted(found), as_at],
        ).fetchall()
    }
    words = {rule.id: rule.words for rule in rules.rules}
    order = {rule.id: i for i, rule in enumerate(rules.rules)}
    return {
        key: [
            Reason(rule_id, words[rule_id], "; ".join(details) or words[rule_id])
            for rule_id, details in sorted(by_rule.items(), key=lambda item: order[item[0]])
        ]
        for key, by_rule in found.items()
        if key in under_18
    }


def vulnerable_children(
    findings: dict[str, list[Reason]], placed: dict[str, Placed], rules: Rules, *, cluster: str | None = None
) -> list[VulnerableChild]:
    """The children with at least ``rules.min_reasons`` reasons (in ``cluster``, if given), most reasons first
    (then by child ID): ``findings`` from ``rule_findings``, ``placed`` from ``child_clusters``."""
    listed = []
    for key, reasons in findings.items():
        if len(reasons) < rules.min_reasons:
            continue
        where = placed.get(key, Placed(None, NO_CLUSTER, None))
        if cluster is not None and where.cluster != cluster:
            continue
        listed.append(VulnerableChild(key, where.child_id, where.cluster, tuple(reasons)))
    return sorted(listed, key=lambda c: (-len(c.reasons), c.child_id is None, c.child_id or 0, c.child_key))
