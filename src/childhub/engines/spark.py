"""Spark: a session (``spark_session``), a Spark session presented as a DuckDB connection (``SparkConnection``), and an
authority's store loaded into it (``load_store``).

Every statement a ``SparkConnection`` runs is DuckDB SQL translated by ``childhub.engines.translate``; its results
come back as the Python values DuckDB gives (dates, datetimes, Decimals, lists, dicts for structs), so results from
the two engines compare exactly.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from childhub.engines.errors import EngineError
from childhub.engines.translate import Macros, is_macro_statement, split_statements, strip_comments, translate

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import DataFrame, SparkSession

SPLINK_JAR = "scala-udf-similarity-0.1.2_spark3.x.jar"  # Splink's similarity functions for Spark 3.x
INSTALL_HINT = "pip install 'childhub[spark]'"
_CREATE = re.compile(
    r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW)\s+(IF\s+NOT\s+EXISTS\s+)?"
    r"(\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DROP = re.compile(
    r"^\s*DROP\s+(TABLE|VIEW)\s+(IF\s+EXISTS\s+)?(\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*)\s*;?\s*$", re.IGNORECASE
)
# Settings the translation relies on: see docs/engines.md
SESSION_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",  # DuckDB's NULL for an element past a list's end; see docs/engines.md
    "spark.sql.timestampType": "TIMESTAMP_NTZ",  # DuckDB's TIMESTAMP has no time zone
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}


def splink_jar() -> Path | None:
    """Splink's Spark 3.x similarity jar, from the installed splink package (None without Splink)."""
    try:
        from importlib.resources import files

        path = Path(str(files("splink"))) / "internals" / "files" / "spark_jars" / SPLINK_JAR
    except ModuleNotFoundError:
        return None
    return path if path.exists() else None


# Under spark-submit these are the deployment's to choose (its --conf wins); childhub sets them only when unset.
DEPLOYMENT_CONFIG = frozenset(
    {"spark.ui.enabled", "spark.ui.showConsoleProgress", "spark.sql.shuffle.partitions", "spark.app.name"}
)
JAVA_OPTIONS = ("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")


def submitted() -> bool:
    """Whether Spark was started for this Python process by someone else: spark-submit (which launches the JVM
    first and hands the Python driver its gateway in ``PYSPARK_GATEWAY_PORT``, read by pyspark's
    ``launch_gateway``), or a Spark context already running here. Its master, memory and jars are then theirs."""
    import os

    if os.environ.get("PYSPARK_GATEWAY_PORT"):
        return True
    from pyspark import SparkContext

    return SparkContext._active_spark_context is not None


def _has_splink_jar(jars: str) -> bool:
    return any(Path(jar.strip()).name == SPLINK_JAR for jar in jars.split(",") if jar.strip())


def _submitted_builder(SparkSession, jar: Path | None):  # noqa: N803 (pyspark's class, imported lazily)
    """A builder that keeps what spark-submit configured (master, memory, ``--jars``, ``--conf``) and adds only
    what childhub's SQL relies on (SESSION_CONFIG), the deployment's choices where it made them."""
    from pyspark import SparkConf, SparkContext

    SparkContext._ensure_initialized()  # connects to the JVM spark-submit launched
    time_zone = SparkContext._jvm.java.util.TimeZone
    time_zone.setDefault(time_zone.getTimeZone("UTC"))  # the driver's -Duser.timezone=UTC, its JVM already running
    configured = SparkConf()  # spark-submit's settings, as the JVM holds them
    builder = SparkSession.builder
    for key, value in {**SESSION_CONFIG, "spark.app.name": "childhub"}.items():
        if key in DEPLOYMENT_CONFIG and configured.contains(key):
            continue
        if key in JAVA_OPTIONS:  # added to the deployment's options, not in place of them
            given = configured.get(key, "")
            value = given if "-Duser.timezone=" in given else f"{given} {value}".strip()
        builder = builder.config(key, value)
    if not _has_splink_jar(configured.get("spark.jars", "")):
        # Added now it would reach the executors but not the driver's JVM, already running: Splink could not
        # register its functions there. So spark-submit must be given it.
        where = str(jar) if jar is not None else f"{SPLINK_JAR} (inside the splink package)"
        raise EngineError(f"spark: spark-submit was not given Splink's similarity jar: add --jars {where}")
    return builder


def spark_session(
    master: str | None = None, driver_memory: str | None = None, config: Mapping[str, str] | None = None
) -> SparkSession:
    """A Spark session for childhub: the master ``master`` (default: the ``spark_master`` setting, ``local[2]``),
    the driver's memory ``driver_memory`` (default: ``spark_driver_memory``, 2g), no web UI, four shuffle
    partitions, UTC, ANSI mode off, and Splink's similarity jar on ``spark.jars``. The caller stops it.

    Under spark-submit (``submitted``) the session is the one spark-submit configured: its master, driver memory,
    ``--jars`` (which must hold Splink's jar: refused otherwise) and ``--conf`` settings stand; only
    SESSION_CONFIG's SQL settings are added (the deployment's own value kept for the UI and shuffle partitions).
    docs/spark.md. ``config``: more settings for a session childhub starts itself (its folders, say); not used
    under spark-submit.

    Raises ``EngineError`` when pyspark or Java is missing.
    """
    from childhub.settings import get_settings

    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError(f"spark: pyspark is not installed ({INSTALL_HINT})") from None
    import os

    if submitted():
        builder = _submitted_builder(SparkSession, splink_jar())
    else:
        java_home = os.environ.get("JAVA_HOME")
        if not shutil.which("java") and not (java_home and (Path(java_home) / "bin" / "java").exists()):
            raise EngineError("spark: Java is not installed (Spark needs Java 17; set JAVA_HOME or put java on PATH)")
        settings = get_settings()
        master = master or settings.spark_master
        if master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # this machine only, whatever its name resolves to
        builder = (
            SparkSession.builder.master(master)
            .appName("childhub")
            .config("spark.driver.memory", driver_memory or settings.spark_driver_memory)
        )
        for key, value in {**SESSION_CONFIG, **(config or {})}.items():
            builder = builder.config(key, value)
        jar = splink_jar()
        if jar is not None:
            builder = builder.config("spark.jars", str(jar))
    try:
        session = builder.getOrCreate()
    except Exception as error:  # the JVM did not start: py4j and pyspark raise several kinds
        raise EngineError(f"spark: the session could not start: {str(error).splitlines()[0]}") from error
    session.sparkContext.setLogLevel("ERROR")
    return session


def _python(value: Any) -> Any:
    """A value of a Spark row as DuckDB gives it: a struct as a dict, a list as a list."""
    from pyspark.sql import Row

    if isinstance(value, Row):
        return {key: _python(item) for key, item in value.asDict(recursive=False).items()}
    if isinstance(value, list):
        return [_python(item) for item in value]
    if isinstance(value, dict):
        return {key: _python(item) for key, item in value.items()}
    return value


# Spark's simple type names as DuckDB names the same types, so a reader that looks at a result's types (Annex A: is a
# column already the cell it wants?) reads the same on either engine; others (decimal(p,s), arrays) as Spark has them.
_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "void": "NULL",
}


def _duckdb_type(data_type) -> str:
    name = data_type.simpleString()
    return _DUCKDB_TYPES.get(name, name)


class SparkResult:
    """What ``SparkConnection.execute`` returns: DuckDB's ``fetchall``, ``fetchone``, ``description``, ``df``."""

    def __init__(self, frame: DataFrame | None) -> None:
        self._frame = frame
        self._rows: list[tuple] | None = None
        self._next = 0

    def _all(self) -> list[tuple]:
        if self._rows is None:
            rows = self._frame.collect() if self._frame is not None else []
            self._rows = [tuple(_python(value) for value in row) for row in rows]
        return self._rows

    @property
    def description(self) -> list[tuple] | None:
        if self._frame is None:
            return None
        schema = self._frame.schema
        return [(field.name, _duckdb_type(field.dataType), None, None, None, None, None) for field in schema]

    def fetchall(self) -> list[tuple]:
        rows = self._all()[self._next :]
        self._next = len(self._all())
        return rows

    def fetchone(self) -> tuple | None:
        rows = self._all()
        if self._next >= len(rows):
            return None
        self._next += 1
        return rows[self._next - 1]

    def fetchmany(self, size: int = 1) -> list[tuple]:
        rows = self._all()[self._next : self._next + size]
        self._next += len(rows)
        return rows

    def df(self):
        """The rows as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self._all(), columns=[column[0] for column in self.description or []])

    fetchdf = df


def _date_fields(data_type, name: str = "") -> Iterable[str]:
    from pyspark.sql.types import ArrayType, DateType, StructType

    if isinstance(data_type, DateType) and name:
        yield name
    elif isinstance(data_type, StructType):
        for field in data_type.fields:
            yield from _date_fields(field.dataType, field.name)
    elif isinstance(data_type, ArrayType):
        yield from _date_fields(data_type.elementType, "")


def _name(identifier: str) -> str:
    return identifier[1:-1].replace('""', '"') if identifier.startswith('"') else identifier


class SparkConnection:
    """A Spark session with the methods of a DuckDB connection the readers use. Every statement is translated
    from DuckDB's dialect (``translate``); ``CREATE MACRO`` statements are recorded and expanded in the statements
    after them; ``CREATE [TEMP] TABLE x AS`` makes a temp view of materialised rows, ``CREATE [TEMP] VIEW`` a temp
    view; ``register`` makes a temp view of a pandas or Arrow table."""

    engine = "spark"

    def __init__(self, spark: SparkSession, macros: Macros | None = None) -> None:
        self.spark = spark
        self.macros = macros or Macros()
        self._relations: dict[str, str] = {}  # temp name -> "table" or "view"
        self._date_columns: set[str] = set()
        self._columns: dict[str, list[str]] = {}  # each temp view's column names
        self._folders: list[Path] = []

    # --- what DuckDB's connection offers

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> SparkResult:
        """Run one statement (or several ``CREATE MACRO`` statements) written in DuckDB's dialect."""
        text = strip_comments(sql).strip()
        statements = split_statements(text)
        if statements and all(is_macro_statement(statement) for statement in statements):
            for statement in statements:
                self.macros.add(statement)
            return SparkResult(None)
        if len(statements) != 1:
            raise EngineError(f"spark: one statement at a time (given {len(statements)})")
        statement = statements[0]
        if match := _DROP.match(statement):
            self.drop(_name(match.group(3)), missing_ok=bool(match.group(2)))
            return SparkResult(None)
        if match := _CREATE.match(statement):
            kind, name, query = match.group(2).lower(), _name(match.group(4)), match.group(5)
            if name in self._relations and not (match.group(1) or match.group(3)):
                raise EngineError(f"spark: {name} already exists")
            if name in self._relations and match.group(3):
                return SparkResult(None)
            self.create(name, self.sql(query, params), materialise=kind == "table")
            return SparkResult(None)
        return SparkResult(self.sql(statement, params))

    def translate(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None, source: str = "the SQL"
    ) -> str:
        """One query in DuckDB's dialect as this connection runs it: translated with its macros, the date columns
        and the column names of the tables and views it holds (``UnsupportedConstruct`` when it cannot be)."""
        return translate(
            query,
            "spark",
            self.macros,
            params=params,
            date_columns=self._date_columns,
            columns=self._columns,
            source=source,
        )

    def sql(self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None, source: str = "the SQL"):
        """The DataFrame of one query in DuckDB's dialect (translated)."""
        translated = self.translate(query, params, source)
        try:
            return self.spark.sql(translated)
        except Exception as error:  # Spark's AnalysisException and ParseException, through py4j
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise EngineError(f"spark could not run {source}: {message}") from error

    def create(self, name: str, frame: DataFrame, *, materialise: bool) -> None:
        """``frame`` as the temp view ``name``; ``materialise`` computes its rows once (a table, not a view)."""
        if materialise:
            frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self._relations[name] = "table" if materialise else "view"
        self._date_columns.update(_date_fields(frame.schema))
        self._columns[name] = list(frame.columns)

    def drop(self, name: str, *, missing_ok: bool = False) -> None:
        if name not in self._relations and not missing_ok:
            raise EngineError(f"spark: there is no table or view {name}")
        self.spark.catalog.dropTempView(name)
        self._relations.pop(name, None)
        self._columns.pop(name, None)

    def register(self, name: str, data: Any) -> SparkConnection:
        """A pandas DataFrame or Arrow table as the temp view ``name`` (DuckDB's ``register``). An Arrow table keeps
        its columns' types, so an empty one, or a column of NULLs, is still a relation of the same columns."""
        if hasattr(data, "to_pandas") and hasattr(data, "schema") and not hasattr(data, "iloc"):  # Arrow
            from pyspark.sql.pandas.types import from_arrow_schema

            frame = self.spark.createDataFrame(data.to_pandas(), schema=from_arrow_schema(data.schema))
        else:
            frame = self.spark.createDataFrame(data)
        self.create(name, frame, materialise=False)
        return self

    def new_session(self) -> SparkConnection:
        """A connection on a new session of the same Spark (``SparkSession.newSession``): its own temp views and
        macros, none of this one's, for relations whose names would shadow this one's. The caller closes it."""
        return SparkConnection(self.spark.newSession())

    def unregister(self, name: str) -> SparkConnection:
        self.drop(name, missing_ok=True)
        return self

    def columns(self) -> dict[str, list[str]]:
        """Each temp table's and view's column names."""
        return {name: list(names) for name, names in self._columns.items()}

    def relations(self) -> dict[str, str]:
        """The temp tables and views made on this connection: name -> "table" or "view"."""
        return dict(self._relations)

    def close(self) -> None:
        """Forget the temp views and remove the files loaded from a store (the session itself is the caller's)."""
        for name in list(self._relations):
            self.spark.catalog.dropTempView(name)
        self._relations.clear()
        for folder in self._folders:
            shutil.rmtree(folder, ignore_errors=True)
        self._folders.clear()

    def __enter__(self) -> SparkConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- an authority's store

    def load_tables(self, conn: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
        """The tables ``tables`` of a DuckDB connection (a store's reader) as Spark temp views of the same names:
        written as Parquet into a private temporary folder (removed by ``close``) and read from there."""
        import pyarrow.parquet as pq

        from childhub.store import quote_identifier

        folder = Path(tempfile.mkdtemp(prefix="childhub-spark-"))  # mode 700: owner only
        self._folders.append(folder)
        for table in sorted(set(tables)):
            path = folder / f"{table}.parquet"
            # through Arrow: a store's reader may not write files itself
            pq.write_table(conn.sql(f"SELECT * FROM {quote_identifier(table)}").to_arrow_table(), path)
            path.chmod(0o600)
            self.create(table, self.spark.read.parquet(str(path)), materialise=False)

    def load_macros(self, conn: duckdb.DuckDBPyConnection) -> None:
        """The macros stored in a DuckDB database (the store's ``visible_batches``, ...), recorded for translation."""
        rows = conn.execute(
            "SELECT function_name, parameters, macro_definition, function_type FROM duckdb_functions() "
            "WHERE NOT internal AND function_type IN ('macro', 'table_macro') AND schema_name = 'main'"
        ).fetchall()
        for name, parameters, definition, kind in rows:
            table = "TABLE " if kind == "table_macro" else ""
            self.macros.add(f"CREATE MACRO {name}({', '.join(parameters)}) AS {table}{definition}")
