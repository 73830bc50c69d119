"""The one way an identifier (a table, column, schema or catalog name) enters SQL.

Values are always bound as parameters; names cannot be, so every layer passes them through
``quote_identifier`` (or ``qualified`` for a dotted name), never pastes them.
"""

from __future__ import annotations


def quote_identifier(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier: ``my "odd" table`` becomes ``"my ""odd"" table"``."""
    return '"' + identifier.replace('"', '""') + '"'


def qualified(*parts: str) -> str:
    """A dotted name with each part quoted: ``qualified("facts", "fact_contact")`` is ``"facts"."fact_contact"``."""
    return ".".join(quote_identifier(part) for part in parts)
