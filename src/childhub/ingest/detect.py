"""Which kind of file is this? Decided from the content, not only the name.

A CSV is matched on its header row against every mapping childhub knows (its own and any
the user gives), then against the Standard Safeguarding Dataset tables; XML on its root
element; a workbook on its sheets. A file that matches nothing gets a message naming the
kinds that were tried and how to write a mapping file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from childhub.errors import IngestError
from childhub.ingest.guard import FileFacts
from childhub.ingest.mapping import Mapping, normalise_header

MAPPING_HELP = "write a mapping file for it (docs/mapping-files.md) and pass it with --mapping"


@dataclass(frozen=True)
class Detected:
    kind: str
    mapping: Mapping | None = None  # for tabular kinds
    ssd_table: str | None = None  # for Standard Safeguarding Dataset tables


def detect_csv(
    facts: FileFacts,
    header: list[str],
    mappings: tuple[Mapping, ...],
    ssd_tables: dict[str, dict[str, str]],
    forced: str | None,
) -> Detected:
    found = {normalise_header(h) for h in header}
    candidates = []
    for mapping in mappings:
        wanted = {normalise_header(c) for c in mapping.detect.columns}
        if forced and mapping.kind != forced:
            continue
        if wanted <= found and (not mapping.detect.exact or wanted == found):
            candidates.append((len(wanted), mapping))
    if candidates:
        candidates.sort(key=lambda pair: -pair[0])
        return Detected(kind=candidates[0][1].kind, mapping=candidates[0][1])
    table = _ssd_table(facts.path, found, ssd_tables, forced)
    if table:
        return Detected(kind=f"ssd_{table}", ssd_table=table)
    if forced:
        raise IngestError(f"{facts.path.name}: its columns do not fit {forced} (columns: {', '.join(header[:12])})")
    tried = sorted({m.kind for m in mappings} | {"ssd_<table>"})
    raise IngestError(
        f"{facts.path.name}: not a kind of CSV childhub recognises (tried {len(tried)} kinds: "
        f"{', '.join(tried)}); {MAPPING_HELP}"
    )


def _ssd_table(path: Path, found: set[str], ssd_tables: dict[str, dict[str, str]], forced: str | None) -> str | None:
    """An SSD table whose columns the header carries (the file name may say which)."""
    stem = path.stem.lower().removeprefix("ssd_")
    best = None
    for table, columns in ssd_tables.items():
        if forced and forced not in (table, f"ssd_{table}"):
            continue
        wanted = {normalise_header(c) for c in columns}
        key = normalise_header(next(iter(columns)))
        if key not in found:
            continue
        share = len(wanted & found) / len(wanted)
        if found <= wanted and (share >= 0.5 or stem == table) and (best is None or share > best[0]):
            best = (share, table)
    return best[1] if best else None


def detect_xml_root(facts: FileFacts, root_tag: str, collection: str | None) -> str:
    if root_tag == "Message" and (collection or "").upper() == "CIN":
        return "cin_census"
    if root_tag == "EXPSSDA903":
        return "ssda903_xml"
    raise IngestError(
        f"{facts.path.name}: XML with root <{root_tag}> is not a CIN census or SSDA903 file, "
        "the XML kinds childhub reads"
    )
