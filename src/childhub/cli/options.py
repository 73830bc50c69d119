"""What the commands share on the way in: options, dates, and the settings, store and authority they work on.

The settings are read from the environment here, at the edge, and nowhere below the command line.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from childhub.errors import ChildhubError

if TYPE_CHECKING:
    from childhub.indicators import AuthoritySettings
    from childhub.settings import Settings
    from childhub.store import Store


class Size(str, Enum):
    tiny = "tiny"
    small = "small"
    medium = "medium"
    large = "large"


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class EngineName(str, Enum):
    """Where the declared SQL runs (``childhub.engines``)."""

    duckdb = "duckdb"
    spark = "spark"


EngineOption = Annotated[
    EngineName,
    typer.Option("--engine", help="duckdb (embedded, the default) or spark (local mode, or the cluster configured)."),
]

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (default: $CHILDHUB_DATA_DIR or ./childhub-data)."),
]
AsAtOption = Annotated[str, typer.Option("--as-at", help="The date to count on, YYYY-MM-DD (default: today).")]


def parse_date(value: str, option: str) -> date:
    """``value`` as a date, or a ChildhubError naming ``option``."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ChildhubError(f"{option} must be a date written YYYY-MM-DD, not {value!r}") from None


def date_or_today(value: str, option: str = "--as-at") -> date:
    """The date given to ``option``, or today when it was left out."""
    return parse_date(value, option) if value else date.today()


def settings_for(data_dir: Path | None = None) -> Settings:
    """The settings, read from the environment here at the edge; ``--data-dir`` wins over them."""
    from childhub.settings import get_settings

    settings = get_settings()
    return settings if data_dir is None else settings.model_copy(update={"data_dir": data_dir})


def store_for(data_dir: Path | None) -> Store:
    """The store a command works on (``store.open_store`` with the settings read here)."""
    from childhub.store import open_store

    return open_store(settings_for(), data_dir)


def authority_of(store: Store) -> AuthoritySettings:
    """The authority settings for ``store``: the one resolver, ``indicators.authority_for``."""
    from childhub.indicators import authority_for

    return authority_for(store.data_dir, settings_for())
