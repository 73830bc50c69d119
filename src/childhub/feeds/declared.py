"""``feeds.yml``: each feed the hub expects, what its rows are, and how often they are due.

    feeds:
      contacts:                         # the feed's name (in URLs and tokens): lower case, digits, _ and -
        description: Contacts as the case-management system records them
        table: contacts                 # an SSD table: a pushed row has its columns (docs/data-model.md)
        cadence: 1h                     # a delivery is due at least this often: 30m, 4h, 1d, 7d
      police:
        description: Domestic-abuse notifications from the police
        mapping: mappings/police.yml    # or a mapping file (relative to the data folder): its source columns
        cadence: 1d
      ssda903:
        description: The SSDA903 return, sent once a year
        kind: ssda903                   # or only watch batches of a kind that arrives as files
        cadence: 400d

A feed names exactly one of ``table``, ``mapping`` or ``kind``. Only ``table`` and ``mapping`` feeds take
pushed records. A delivery later than the cadence is late (amber); later than ``red_after`` times the cadence
(default 2) it is red. The batches a feed watches are those ingest records under its batch feed name
(``Feed.batch_feed``: ``ssd_<table>``, the mapping's family or kind, or ``kind``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator

from childhub.declared import Frozen, Problems, raise_if_any, read_yaml, validate
from childhub.errors import ChildhubError

if TYPE_CHECKING:
    from childhub.settings import Settings

FEEDS_FILE = "feeds.yml"
_CADENCE = re.compile(r"^\s*(\d+)\s*(m|h|d)\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class FeedError(ChildhubError):
    """``feeds.yml`` is wrong, or a feed named is not declared in it."""


def parse_cadence(text: str) -> timedelta:
    """``30m``, ``4h`` or ``7d`` as a duration; ValueError otherwise."""
    match = _CADENCE.match(str(text))
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"cadence {text!r}: write a whole number and m, h or d (30m, 4h, 1d)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class Feed(Frozen):
    """One declared feed."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    description: str
    table: str | None = None
    mapping: Path | None = None
    kind: str | None = None
    cadence: timedelta | None = None
    red_after: float = Field(default=2.0, ge=1.0)

    @field_validator("cadence", mode="before")
    @classmethod
    def _cadence(cls, value):
        return None if value is None else parse_cadence(value)

    @model_validator(mode="after")
    def _one_origin(self):
        given = [name for name in ("table", "mapping", "kind") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of table (an SSD table), mapping (a mapping file) or kind")
        return self

    @property
    def takes_pushes(self) -> bool:
        return self.kind is None

    def batch_feed(self, mapping_kind: str | None = None) -> str:
        """The name ingest records this feed's batches under (``ingest_batch.feed``); a mapping feed needs its
        mapping's family or kind (``mapping_kind``)."""
        if self.table is not None:
            return f"ssd_{self.table}"
        if self.kind is not None:
            return self.kind
        if mapping_kind is None:
            raise FeedError(f"feed {self.name}: its batches are named by its mapping, which has not been read")
        return mapping_kind


class Feeds(Frozen):
    """Every feed declared, by name (empty when the hub has no ``feeds.yml``)."""

    feeds: dict[str, Feed] = Field(default_factory=dict)
    file: Path | None = None  # where they were read from

    def get(self, name: str) -> Feed:
        try:
            return self.feeds[name]
        except KeyError:
            known = ", ".join(sorted(self.feeds)) or "none is declared"
            raise FeedError(f"there is no feed {name!r} in {self.file or FEEDS_FILE} ({known})") from None


def feeds_path(data_dir: Path, settings: Settings | None = None) -> Path:
    """Where the hub's feeds are declared: ``settings.feeds_file`` if set, else ``feeds.yml`` in the data folder."""
    configured = getattr(settings, "feeds_file", None) if settings is not None else None
    return Path(configured) if configured else Path(data_dir) / FEEDS_FILE


def load_feeds(path: Path) -> Feeds:
    """The feeds declared in ``path`` (none when there is no such file); every problem at once otherwise.
    A relative mapping path is read from the file's folder."""
    path = Path(path)
    if not path.exists():
        return Feeds()
    problems = Problems()
    data = read_yaml(path, problems)
    feeds: dict[str, Feed] = {}
    if data is not None and not (isinstance(data, dict) and isinstance(data.get("feeds"), dict)):
        problems.add(path.name, "feeds", "the file should hold 'feeds:', a map of feed names to their settings")
    elif data is not None:
        for name, entry in data["feeds"].items():
            if not isinstance(entry, dict):
                problems.add(path.name, f"feeds.{name}", "should be a map of settings")
                continue
            feed = validate({**entry, "name": name}, Feed, path.name, problems, prefix=f"feeds.{name}")
            if feed is None:
                continue
            if feed.mapping is not None and not feed.mapping.is_absolute():
                feed = feed.model_copy(update={"mapping": path.parent / feed.mapping})
            if feed.mapping is not None and not feed.mapping.exists():
                problems.add(path.name, f"feeds.{name}.mapping", f"there is no file {feed.mapping}")
            feeds[name] = feed
    raise_if_any(problems, str(path), FeedError)
    return Feeds(feeds=feeds, file=path)
