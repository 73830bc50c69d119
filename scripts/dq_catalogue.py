"""Rewrite docs/dq-catalogue.md from the data-quality rule library: .venv/bin/python scripts/dq_catalogue.py"""

from pathlib import Path

from childhub.dq.catalogue import catalogue_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "dq-catalogue.md"

if __name__ == "__main__":
    PAGE.write_text(catalogue_markdown(), "utf-8")
    print(f"wrote {PAGE}")
