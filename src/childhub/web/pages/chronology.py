"""A child's chronology: the child page's declared timeline (``child.TIMELINE``) across every service, oldest first,
chosen by service and by date, in years for printing and as the rows of a spreadsheet.

The events and their words are the timeline's own (``child.timeline``); this module only chooses and orders them.
An event is in a date range if it happened in it or, for an event that lasts (a plan, a placement, an episode), if it
was still going on at some time in it: a placement from 2023 still open is in a chronology of 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from childhub.errors import ChildhubError
from childhub.web.exports import Column, long_date
from childhub.web.pages.child import TIMELINE, source_records, timeline
from childhub.web.pages.shared import Row, rows, service_name

if TYPE_CHECKING:
    import duckdb

# The services a chronology can be chosen by, in the order the timeline declares them.
SERVICES: tuple[str, ...] = tuple(dict.fromkeys(event.service for event in TIMELINE))
LASTING = frozenset(event.kind for event in TIMELINE if event.end)  # kinds of event that last from a date to another
COLUMNS = (
    Column("Date", "date"),
    Column("Until", "end"),
    Column("Service", "service_name"),
    Column("Event", "kind"),
    Column("Details (the service's own words)", "summary"),
    Column("Source system", "service"),
    Column("Source record", "record"),
)


@dataclass(frozen=True)
class Choice:
    """Which events a chronology shows: the services (every one when none is chosen) and the dates (either open)."""

    services: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def query(self) -> str:
        """The choice as a query string (what the download links carry)."""
        pairs = [("service", service) for service in self.services]
        pairs += [(name, day.isoformat()) for name, day in (("from", self.date_from), ("to", self.date_to)) if day]
        return urlencode(pairs)

    def describe(self) -> str:
        """The choice in words: "Education and Police, from 1 September 2025"."""
        names = [service_name(service) for service in self.services]
        services = (
            "Every service"
            if not names
            else names[0]
            if len(names) == 1
            else ", ".join(names[:-1]) + " and " + names[-1]
        )
        if self.date_from and self.date_to:
            return f"{services}, from {long_date(self.date_from)} to {long_date(self.date_to)}"
        if self.date_from:
            return f"{services}, from {long_date(self.date_from)}"
        if self.date_to:
            return f"{services}, up to {long_date(self.date_to)}"
        return f"{services}, every date"

    def audited(self) -> dict[str, Any]:
        """The choice for the audit log."""
        return {
            "services": list(self.services),
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }

    def keeps(self, event: Row) -> bool:
        """Whether ``event`` is of a chosen service and happened (or was still going on) within the dates."""
        if self.services and event["service"] not in self.services:
            return False
        if self.date_to and event["date"] > self.date_to:
            return False
        if self.date_from:
            lasts_until = event["end"] or (date.max if event["kind"] in LASTING else event["date"])
            return lasts_until >= self.date_from
        return True


def choice(services: list[str], date_from: str | None, date_to: str | None) -> Choice:
    """The chronology asked for, checked: a service that is not one of ``SERVICES``, a date that is not a date or a
    range that ends before it starts is refused in one line."""
    unknown = [service for service in services if service and service not in SERVICES]
    if unknown:
        raise ChildhubError(f"there is no service {unknown[0]!r} in a chronology: choose from {', '.join(SERVICES)}")
    first, last = _day("from", date_from), _day("to", date_to)
    if first and last and last < first:
        raise ChildhubError(f"the dates run backwards: from {first.isoformat()} to {last.isoformat()}")
    chosen = tuple(service for service in SERVICES if service in services)  # each once, in the declared order
    return Choice(chosen, first, last)


def _day(name: str, text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ChildhubError(f"the date {name} is a date as YYYY-MM-DD (2026-03-31), not {text!r}") from None


def child_header(cursor: duckdb.DuckDBPyConnection, child_key: str) -> Row | None:
    """What stands above a chronology: the child's name, date of birth and identifiers (every UPN and NHS number a
    system holds); None if there is no such child."""
    found = rows(
        cursor,
        "SELECT child_key, child_id, la_child_id, forename, surname, date_of_birth FROM fact_child WHERE child_key = ?",
        [child_key],
    )
    if not found:
        return None
    child = found[0]
    child["name"] = " ".join(part for part in (child["forename"], child["surname"]) if part) or "(no name recorded)"
    sources = source_records(cursor, child_key)
    child["upns"] = sorted({source["upn"] for source in sources if source["upn"]})
    child["nhs_numbers"] = sorted({source["nhs_number"] for source in sources if source["nhs_number"]})
    child["records"] = [f"{source['service']} {source['source_record_id']}" for source in sources]
    return child


def chronology(cursor: duckdb.DuckDBPyConnection, child_key: str, chosen: Choice, today: date) -> Row | None:
    """The child's header and the chosen events, oldest first, and the same events in years; None for no child."""
    child = child_header(cursor, child_key)
    if child is None:
        return None
    events = [event for event in reversed(timeline(cursor, child_key, today)) if chosen.keeps(event)]
    years: dict[int, list[Row]] = {}
    for event in events:
        event["service_name"] = service_name(event["service"])
        years.setdefault(event["date"].year, []).append(event)
    return {"child": child, "choice": chosen, "events": events, "years": sorted(years.items())}


def identifiers(child: Row) -> list[tuple[str, str]]:
    """The child's identifiers as (label, value) lines, for the top of the page and the spreadsheet's About sheet."""
    lines = [("childhub child ID", str(child["child_id"]) if child["child_id"] is not None else "not linked yet")]
    if child["la_child_id"]:
        lines.append(("LA child ID", child["la_child_id"]))
    if child["upns"]:
        lines.append(("UPN", ", ".join(child["upns"])))
    if child["nhs_numbers"]:
        lines.append(("NHS number", ", ".join(child["nhs_numbers"])))
    return lines
