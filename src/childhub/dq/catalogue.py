"""The data-quality rule catalogue page (``docs/dq-catalogue.md``), written from the rule library."""

from __future__ import annotations

from childhub.dq.rules import RETURN_NAMES, load_rules


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def catalogue_markdown() -> str:
    """The catalogue: per return, every rule with its severity, years, fields and message (and any note)."""
    rules = load_rules()
    lines = [
        "# Data-quality rule catalogue",
        "",
        "Written from the rule library (`src/childhub/dq/library/`) by `scripts/dq_catalogue.py`; do not edit by hand.",
        "Collection years are the years of the 31 March a return ends on (2026 = 2025-26); a rule with several",
        "versions lists each. See [data-quality.md](data-quality.md) for how the rules run.",
        "",
    ]
    for kind, name in RETURN_NAMES.items():
        found = rules[kind]
        lines += [
            f"## {name} ({len(found)} rules)",
            "",
            "| rule | severity | years | fields | message |",
            "| --- | --- | --- | --- | --- |",
        ]
        for rule in found.values():
            forms = rule.versions or (None,)
            for version in forms:
                years = (version.years if version else rule.years) or "all"
                message = version.message if version and version.message else rule.message
                fields = version.fields if version and version.fields else rule.fields
                severity = version.severity if version and version.severity else rule.severity
                note = f" *{_cell(rule.note)}*" if rule.note and version is forms[-1] else ""
                lines.append(
                    f"| {rule.code} | {severity} | {years} | {_cell(', '.join(fields))} | {_cell(message)}{note} |"
                )
        lines.append("")
    return "\n".join(lines)
