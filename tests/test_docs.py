"""Docs that cannot drift: the architecture names every package, the reference every public name, the
README every command."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "childhub"
sys.path.insert(0, str(ROOT / "scripts"))

import api_reference  # noqa: E402  (the generator of docs/reference.md, a script not a package)


def _parts() -> list[str]:
    """Every package and top-level module of childhub, as ``childhub.<name>``."""
    names = [f"childhub.{path.parent.name}" for path in SOURCE.glob("*/__init__.py")]
    names += [f"childhub.{path.stem}" for path in SOURCE.glob("*.py") if not path.stem.startswith("__")]
    return sorted(names)


def test_the_architecture_table_names_every_package_and_module():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    table = "\n".join(line for line in text.splitlines() if line.startswith("| `childhub."))
    named = set(re.findall(r"`(childhub\.[a-z_]+)", table))
    missing = [part for part in _parts() if part not in named]
    assert not missing, f"docs/ARCHITECTURE.md's table does not name {missing}"
    gone = sorted(named - set(_parts()))
    assert not gone, f"docs/ARCHITECTURE.md's table names {gone}, which no longer exist"


@pytest.mark.parametrize("module_name", api_reference.public_modules())
def test_every_public_class_and_function_says_what_it_is(module_name):
    module = importlib.import_module(module_name)
    undocumented = [
        name
        for name in module.__all__
        if api_reference.documented(getattr(module, name)) and not api_reference.summary(getattr(module, name))
    ]
    assert not undocumented, f"{module_name}: public names with no docstring: {undocumented}"


def test_the_reference_of_public_names_is_in_step_with_the_code():
    page = (ROOT / "docs" / "reference.md").read_text("utf-8")
    assert page == api_reference.render(), "docs/reference.md is out of step: run scripts/api_reference.py"


def test_every_package_with_a_public_surface_declares_it():
    for path in sorted(SOURCE.glob("*/__init__.py")):
        assert "__all__" in path.read_text("utf-8"), f"{path.relative_to(ROOT)} declares no __all__"


def test_the_readme_lists_every_command():
    import typer.main

    from childhub.cli import app

    group = typer.main.get_command(app)
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [name for name in group.commands if not re.search(rf"`childhub {re.escape(name)}\b", readme)]
    assert not missing, f"README.md's command table does not list {missing}"
