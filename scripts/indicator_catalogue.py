"""Rewrite docs/indicator-catalogue.md from the indicator library: .venv/bin/python scripts/indicator_catalogue.py"""

from pathlib import Path

from childhub.indicators.catalogue import catalogue_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "indicator-catalogue.md"

if __name__ == "__main__":
    PAGE.write_text(catalogue_markdown(), "utf-8")
    print(f"wrote {PAGE}")
