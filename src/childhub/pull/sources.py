"""``sources.yml``: the source systems' databases childhub pulls from, and what it pulls from each.

    sources:
      mosaic:                                # the source's name (in batches, logs and ``--source``)
        connection:
          kind: postgresql                   # or sqlserver
          host: ssd-db.council.local
          port: 5432                         # default 5432 (postgresql) or 1433 (sqlserver)
          database: ssd
          user: childhub_reader
          password_env: CHILDHUB_MOSAIC_PASSWORD   # or secrets_file: /etc/childhub/mosaic.secret
          schema: public                     # where the tables are (default public, or dbo on SQL Server)
          timeout: 30                        # seconds to connect, and to wait for each chunk of rows
        ssd: true                            # the Standard Safeguarding Dataset tables ssd_<table>
        schedule: "0 2 * * *"                # cron: when ``feeds run`` (or the server) pulls every table
        tables:                              # optional with ssd: true (every SSD table the database holds)
          contacts: {mode: incremental, watermark: last_modified, schedule: "*/15 * * * *"}
          person: {}                         # the whole table each time
      police:
        connection: {kind: sqlserver, host: police-db, database: referrals, user: hub, secrets_file: police.secret}
        tables:
          contacts:                          # a canonical table, and the query that gives its rows
            query: SELECT ref_id AS cont_contact_id, subject_id AS cont_person_id, ... FROM referrals
            mode: incremental
            watermark: updated_at            # a column of the query's rows

A password never sits in this file: a ``password`` key is refused. Every problem is named by file and field.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from childhub.declared import Frozen, Problems, raise_if_any, read_yaml, validate
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    from childhub.settings import Settings

SOURCES_FILE = "sources.yml"
DEFAULT_PORTS = {"postgresql": 5432, "sqlserver": 1433}
DEFAULT_SCHEMAS = {"postgresql": "public", "sqlserver": "dbo"}
_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$#@ ]{0,127}$")
_SECRET_KEYS = ("password", "pwd", "passwd", "secret")


class PullError(ChildhubError):
    """``sources.yml`` is wrong, a source cannot be reached, or a table cannot be pulled from it."""


def _schedule(value: str | None) -> str | None:
    if value is None:
        return None
    from croniter import croniter

    if not croniter.is_valid(str(value)):
        raise ValueError(f"{value!r} is not a cron schedule (minute hour day-of-month month day-of-week)")
    return str(value)


class Connection(Frozen):
    """Where a source's database is and who childhub is there; the password comes from outside the file."""

    kind: Literal["postgresql", "sqlserver"]
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str = Field(min_length=1)
    user: str = Field(min_length=1)
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    secrets_file: Path | None = None
    db_schema: str | None = Field(default=None, alias="schema")
    timeout: float = Field(default=30, gt=0, le=3600)
    tds_version: str = "7.4"  # SQL Server only: the TDS protocol version pymssql speaks
    encryption: Literal["off", "request", "require"] | None = None  # SQL Server only: TLS (default FreeTDS's)

    @model_validator(mode="after")
    def _one_secret(self):
        if self.password_env and self.secrets_file:
            raise ValueError("give password_env or secrets_file, not both")
        if self.db_schema is not None and not _IDENTIFIER.match(self.db_schema):
            raise ValueError(f"schema {self.db_schema!r} is not a plain name")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.kind]

    @property
    def effective_schema(self) -> str:
        return self.db_schema or DEFAULT_SCHEMAS[self.kind]

    def password(self, source: str) -> str | None:
        """The password, read now from the environment variable or the secrets file named (None: neither)."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise PullError(
                    f"source {source}: the environment variable {self.password_env} (its password_env) is not set"
                )
            return value
        if self.secrets_file:
            return read_secret(self.secrets_file, source)
        return None


def read_secret(path: Path, source: str) -> str:
    """The first line of a secrets file, refused unless only the hub's account can read it (mode 0600 or less)."""
    try:
        facts = path.stat()
    except OSError as error:
        raise PullError(f"source {source}: its secrets_file {path} cannot be read ({error.strerror})") from None
    if facts.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PullError(
            f"source {source}: its secrets_file {path} may be read by others (mode {stat.S_IMODE(facts.st_mode):o}); "
            "make it the hub account's alone (chmod 600)"
        )
    if facts.st_uid != os.geteuid():
        raise PullError(f"source {source}: its secrets_file {path} belongs to another account")
    lines = path.read_text("utf-8").splitlines()
    if not lines or not lines[0].strip():
        raise PullError(f"source {source}: its secrets_file {path} is empty")
    return lines[0].strip()


class Table(Frozen):
    """One canonical table pulled from a source: the SSD table of that name, or the rows of ``query``."""

    name: str
    query: str | None = Field(default=None, min_length=1)
    mapping: Path | None = None  # the query's rows are the source's own columns, read through this mapping
    mode: Literal["snapshot", "incremental"] = "snapshot"
    watermark: str | None = None
    schedule: str | None = None

    @field_validator("schedule", mode="before")
    @classmethod
    def _cron(cls, value):
        return _schedule(value)

    @model_validator(mode="after")
    def _watermark(self):
        if self.mode == "incremental" and not self.watermark:
            raise ValueError("an incremental table needs watermark: the column whose greater values are new rows")
        if self.mode == "snapshot" and self.watermark:
            raise ValueError("a watermark is for mode: incremental; a snapshot pulls the whole table")
        if self.watermark and not _IDENTIFIER.match(self.watermark):
            raise ValueError(f"watermark {self.watermark!r} is not a plain column name")
        if self.mapping is not None and self.query is None:
            raise ValueError("a mapping reads the rows of a query: give query too")
        return self

    @property
    def source_table(self) -> str:
        """What is read at the source: the SSD table's name, or ``query``."""
        return f"ssd_{self.name}" if self.query is None else "query"


class Source(Frozen):
    """One source system's database and the tables childhub pulls from it."""

    name: str = Field(pattern=_NAME)
    connection: Connection
    ssd: bool = False
    tables: dict[str, Table] = Field(default_factory=dict)
    schedule: str | None = None  # the tables' schedule where a table gives none

    @field_validator("schedule", mode="before")
    @classmethod
    def _cron(cls, value):
        return _schedule(value)

    @field_validator("tables", mode="before")
    @classmethod
    def _named(cls, value):
        if not isinstance(value, dict):
            return value
        return {name: {**(entry or {}), "name": name} for name, entry in value.items()}

    @model_validator(mode="after")
    def _what_to_pull(self):
        if not self.ssd and not self.tables:
            raise ValueError("say what to pull: ssd: true (the SSD tables), or tables with a query each")
        for name, table in self.tables.items():
            if not self.ssd and table.query is None:
                raise ValueError(f"tables.{name}: give a query (or ssd: true to pull the SSD table ssd_{name})")
        return self

    def schedule_of(self, table: Table) -> str | None:
        return table.schedule or self.schedule


class Sources(Frozen):
    """Every source declared, by name (empty when there is no sources file)."""

    sources: dict[str, Source] = Field(default_factory=dict)
    file: Path | None = None

    def get(self, name: str) -> Source:
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources)) or "none is declared"
            raise PullError(f"there is no source {name!r} in {self.file or SOURCES_FILE} ({known})") from None


def sources_path(data_dir: Path, settings: Settings | None = None) -> Path:
    """Where the sources are declared: ``settings.sources_file`` if set, else ``sources.yml`` in the data folder."""
    configured = getattr(settings, "sources_file", None) if settings is not None else None
    return Path(configured) if configured else Path(data_dir) / SOURCES_FILE


def load_sources(path: Path, *, ssd_tables: tuple[str, ...] = ()) -> Sources:
    """The sources declared in ``path`` (none when there is no such file); every problem at once otherwise.

    ``ssd_tables``, when given, are the SSD tables childhub knows: a table of an ``ssd: true`` source must be one.
    Relative ``secrets_file`` and ``mapping`` paths are read from the file's folder.
    """
    path = Path(path)
    if not path.exists():
        return Sources()
    problems = Problems()
    data = read_yaml(path, problems)
    sources: dict[str, Source] = {}
    if data is not None and not (isinstance(data, dict) and isinstance(data.get("sources"), dict)):
        problems.add(path.name, "sources", "the file should hold 'sources:', a map of source names to their settings")
    elif data is not None:
        for name, entry in data["sources"].items():
            where = f"sources.{name}"
            if not isinstance(entry, dict):
                problems.add(path.name, where, "should be a map of settings")
                continue
            if _secret_in(path.name, where, entry, problems):
                continue
            source = validate({**entry, "name": name}, Source, path.name, problems, prefix=where)
            if source is None:
                continue
            source = _resolved(source, path.parent)
            for table in source.tables.values():
                if table.query is None and ssd_tables and table.name not in ssd_tables:
                    problems.add(path.name, f"{where}.tables.{table.name}", "is not an SSD table childhub knows")
                if table.mapping is not None and not table.mapping.exists():
                    problems.add(path.name, f"{where}.tables.{table.name}.mapping", f"there is no file {table.mapping}")
            sources[name] = source
    raise_if_any(problems, str(path), PullError)
    return Sources(sources=sources, file=path)


def _secret_in(file: str, where: str, entry: dict, problems: Problems) -> bool:
    """A password written into the file itself: refused, naming the field (and never echoing the value)."""
    connection = entry.get("connection")
    found = [key for key in _SECRET_KEYS if isinstance(connection, dict) and key in connection]
    found += [key for key in _SECRET_KEYS if key in entry]
    for key in found:
        field = f"{where}.connection.{key}" if isinstance(connection, dict) and key in connection else f"{where}.{key}"
        problems.add(
            file,
            field,
            "a password may not be written in the sources file: name an environment variable (password_env) "
            "or a secrets file only the hub's account can read (secrets_file)",
        )
    return bool(found)


def _resolved(source: Source, folder: Path) -> Source:
    connection = source.connection
    if connection.secrets_file is not None and not connection.secrets_file.is_absolute():
        connection = connection.model_copy(update={"secrets_file": folder / connection.secrets_file})
    tables = {
        name: table.model_copy(update={"mapping": folder / table.mapping})
        if table.mapping is not None and not table.mapping.is_absolute()
        else table
        for name, table in source.tables.items()
    }
    return source.model_copy(update={"connection": connection, "tables": tables})
