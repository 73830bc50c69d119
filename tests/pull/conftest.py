"""The pull tests' source database (``pull_support.SourceDatabase``), a schema of its own for each test."""

from __future__ import annotations

import pytest
from pull_support import SourceDatabase, dsn


@pytest.fixture
def source_db():
    database = SourceDatabase(dsn())
    try:
        yield database
    finally:
        database.close()
