"""The one root error type, and its family.

Every error childhub raises on purpose is a ``ChildhubError``: it carries a plain
sentence for the user, and the command-line and web edges translate it into one
line (or one error page) instead of a traceback.
"""

from __future__ import annotations


class ChildhubError(Exception):
    """An error with a message fit to show a user as it stands."""


class SettingsError(ChildhubError):
    """A setting is missing or has a value childhub cannot use."""


class StoreError(ChildhubError):
    """The store could not be opened, migrated or queried."""


class StoreBusy(StoreError):
    """Another writer holds the store (an ingest, a link): try again in about ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryError(StoreError):
    """An analyst's query was refused or failed; the message names the SQL."""


class SynthError(ChildhubError):
    """The synthetic authority could not be generated as asked."""


class IngestError(ChildhubError):
    """A file could not be ingested at all (malformed, hostile, unrecognised); nothing was written."""


class MappingError(ChildhubError):
    """A mapping file is invalid; the message lists every problem found in it."""
