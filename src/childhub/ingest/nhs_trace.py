"""The NHS batch trace: the one place its file layout is written, and the check a response passes to load.

An authority finds the NHS numbers its records lack by sending the NHS's Personal Demographics Service a
batch trace request (PDS MESH, the successor of the Demographics Batch Service) and loading the response.
``childhub nhs-trace`` writes the request from the facts (``childhub.dq``); ``childhub ingest`` reads the
response back through the built-in mapping ``ingest/mappings/nhs_trace_response.yml``, which keeps each
traced number in ``linked_identifiers`` (type ``TRACED_TYPE``) under the request's reference; the facts
(``fact_person.nhs_number``) read it from there. The layout, as the PDS MESH data dictionary gives it:

- a header row, then one row per record, comma separated;
- ``UNIQUE REFERENCE`` (mandatory: the sender's own reference for the row), ``NHS_NO`` (when known, for a
  cross-check trace), ``FAMILY_NAME``, ``GIVEN_NAME``, ``GENDER`` (0 not known, 1 male, 2 female, 9 not
  specified), ``DATE_OF_BIRTH`` (YYYYMMDD) and ``POSTCODE``.

The response childhub reads is the request's rows with two columns more: ``MATCHED_NHS_NO`` (the number the
trace found; blank when it found none) and ``TRACE_OUTCOME`` (what the trace made of the row, in words). The
reference is ``<source system>-<record ID>`` (a source system's name has no hyphen), so a response row names
the record it belongs to without a lookup table; a response naming a record childhub does not hold is refused
whole (``check_trace_response``), so a file meant for another store loads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from childhub.errors import IngestError
from childhub.store import quote_identifier

if TYPE_CHECKING:
    from childhub.ingest.mapping import Mapping
    from childhub.ingest.tabular import Staged

REFERENCE = "UNIQUE REFERENCE"
MATCHED = "MATCHED_NHS_NO"
OUTCOME = "TRACE_OUTCOME"
RESPONSE_KIND = "nhs_trace_response"  # the built-in mapping's kind
TRACED_TYPE = "NHS number (traced)"  # linked_identifiers.link_identifier_type of a traced number
SEPARATOR = "-"


@dataclass(frozen=True)
class TraceLayout:
    """The batch trace's files: the request's columns and values, the response's columns, the reference."""

    request_columns: tuple[str, ...] = (
        REFERENCE,
        "NHS_NO",
        "FAMILY_NAME",
        "GIVEN_NAME",
        "GENDER",
        "DATE_OF_BIRTH",
        "POSTCODE",
    )
    matched_column: str = MATCHED
    outcome_column: str = OUTCOME
    response_kind: str = RESPONSE_KIND
    traced_type: str = TRACED_TYPE

    @property
    def response_columns(self) -> tuple[str, ...]:
        """The request's columns, then the traced number and the outcome."""
        return (*self.request_columns, self.matched_column, self.outcome_column)

    def reference(self, source_system: str, record_id: str) -> str:
        """The reference of one source record: ``social_care-123456``."""
        if SEPARATOR in source_system:
            raise IngestError(f"source system {source_system!r}: a trace reference needs a name without {SEPARATOR!r}")
        return f"{source_system}{SEPARATOR}{record_id}"

    def request_row(
        self,
        reference: str,
        nhs_number: str | None,
        surname: str | None,
        forename: str | None,
        sex: str | None,
        date_of_birth: date | None,
        postcode: str | None,
    ) -> tuple[str, ...]:
        """One request row: sex as fact_person holds it (M, F, I, U) becomes PDS's gender code (1 male, 2 female,
        9 not specified, 0 not known), the date of birth YYYYMMDD; a missing value is blank."""
        gender = {"M": "1", "F": "2", "I": "9"}.get(sex or "", "0")
        born = date_of_birth.strftime("%Y%m%d") if date_of_birth else ""
        return (reference, nhs_number or "", surname or "", forename or "", gender, born, postcode or "")


NHS_TRACE = TraceLayout()


def reference_sql(system: str, record: str) -> str:
    """The reference as a SQL expression over two columns (the check here and the facts join on it)."""
    return f"{system} || '{SEPARATOR}' || {record}"


def check_trace_response(conn, staged: Staged, mapping: Mapping, file_label: str) -> None:
    """Refuse a trace response (IngestError, so the batch loads nothing) when a row names no record childhub
    holds: the first such row, by its number, with how many there are."""
    column = staged.column_for(mapping.key[0])
    if column is None:  # detection guarantees the column; a mapping changed without this check would not
        raise IngestError(f"{file_label}: no {mapping.key[0]} column, so no row can be traced back to its record")
    held = reference_sql("p.source_system", "p.pers_person_id")
    missing = conn.execute(
        f"SELECT min(_row), count(*), arg_min(trim({column}), _row) FROM {quote_identifier(staged.table)} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM person p WHERE {held} = trim(s.{column}))"
    ).fetchone()
    row, count, reference = missing
    if count:
        more = f" (and {count - 1:,} more row(s) like it)" if count > 1 else ""
        named = f"reference {reference!r} names no record childhub holds" if reference else "has no reference"
        raise IngestError(
            f"{file_label}: row {row}: {named}{more}; nothing was loaded (is this the response to a request "
            "written from this store?)"
        )


__all__ = ["NHS_TRACE", "RESPONSE_KIND", "TraceLayout", "check_trace_response", "reference_sql"]
