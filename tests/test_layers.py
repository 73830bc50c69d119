"""childhub's layers only look down: every import of every module, at module level or inside a function.

The order, lowest first (a module may import its own layer and those below it, never above):

0. base: what sits under everything and imports no other part of childhub: ``errors``, ``settings``,
   ``calendar``, ``identifiers``, ``exports``, ``declared`` and ``codes`` (the declared-data loader and
   the code registry), ``disclosure`` (the small-number rules) and ``documents`` (PDF and Word writers), the
   package root (``__version__``), and the Ofsted Annex A template spec
   (``annex_a`` itself and ``annex_a.templates``): a shared format definition, read by the Annex A
   workbook reader in ``ingest`` as well as by the report. The rest of ``annex_a`` (the report) is a
   reader of facts, with indicators.
1. ``store``: the DuckDB store, its SQL helpers (``quote_identifier``, ``current_sql``) and, as
   ``store.hub``, the SQLite database of accounts and the audit log; ``accounts`` and ``audit`` are
   that database's public faces, so they sit here too.
2. ``ingest``, and ``synth`` beside it (the generator writes the files ingest reads, and may share their
   format definitions).
3. ``link``.
4. ``facts``.
5. ``indicators``, ``annex_a`` (the report), ``cohorts``, ``dq`` (data quality), ``frontline`` and ``leaders``
   (the scrutiny pack, self-evaluation, comparators, clusters, demand): readers of the facts.
6. ``hub``: the one write path (ingest or link, then refresh the facts, then publish).
7. the edges: ``web``, ``cli`` (the whole package, one layer), ``demo`` and ``__main__``.

Besides the order, only ``cli``, ``demo`` (and tests and bench) may import the generator ``synth``.
A module in no layer fails the test: place it here, deliberately.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SOURCE / "childhub"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        (
            "childhub",
            "childhub.errors",
            "childhub.settings",
            "childhub.calendar",
            "childhub.identifiers",
            "childhub.exports",
            "childhub.declared",
            "childhub.codes",
            "childhub.disclosure",
            "childhub.documents",
            "childhub.annex_a",
            "childhub.annex_a.templates",
        ),
    ),
    ("store", ("childhub.store", "childhub.accounts", "childhub.audit", "childhub.engines")),
    ("ingest", ("childhub.ingest", "childhub.synth")),
    ("link", ("childhub.link",)),
    ("facts", ("childhub.facts",)),
    (
        "readers of facts",
        (
            "childhub.indicators",
            "childhub.annex_a.*",
            "childhub.cohorts",
            "childhub.dq",
            "childhub.feeds",
            "childhub.frontline",
            "childhub.leaders",
            "childhub.region",
        ),
    ),
    ("hub", ("childhub.hub", "childhub.live", "childhub.pull", "childhub.dfe_api")),
    ("edges", ("childhub.web", "childhub.cli", "childhub.demo", "childhub.__main__")),
)
GENERATOR = "childhub.synth"
GENERATOR_USERS = ("childhub.cli", "childhub.demo", "childhub.synth")


def _covers(prefix: str, module: str, *, exact: bool) -> bool:
    if prefix.endswith(".*"):  # the package's modules, not the package itself
        return module.startswith(prefix[:-1])
    return module == prefix or (not exact and module.startswith(prefix + "."))


def layer_of(module: str) -> tuple[int, str] | None:
    """The (rank, name) of the layer ``module`` sits in: the most specific entry that names it.

    The root ``childhub`` names the package root only; any other entry names the module and,
    unless a more specific entry says otherwise, everything under it.
    """
    best: tuple[int, int, str] | None = None  # (length of the entry, rank, layer)
    for rank, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if _covers(prefix, module, exact=prefix == "childhub") and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank, name)
    return None if best is None else (best[1], best[2])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = SOURCE.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every childhub module ``path`` imports, anywhere in the file."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:  # `from childhub import facts` imports the module childhub.facts
                submodule = f"{base}.{alias.name}"
                found.append((node.lineno, submodule if _is_module(submodule) else base))
    return [(line, name) for line, name in found if name == "childhub" or name.startswith("childhub.")]


def violations(module: str, imports: list[tuple[int, str]]) -> list[str]:
    """What is wrong with ``module`` importing ``imports``, one sentence each (none: all is well)."""
    placed = layer_of(module)
    if placed is None:
        return [f"{module} is in no layer: place it in tests/test_layers.py LAYERS, deliberately"]
    rank, layer = placed
    problems = []
    for line, target in imports:
        target_placed = layer_of(target)
        if target_placed is None:
            problems.append(f"{module} (line {line}) imports {target}, which is in no layer")
        elif target_placed[0] > rank:
            problems.append(
                f"{module} ({layer}, line {line}) imports {target} ({target_placed[1]}), a layer above it: "
                "move the shared code down, or the call up"
            )
        if _covers(GENERATOR, target, exact=False) and not any(
            _covers(user, module, exact=False) for user in GENERATOR_USERS
        ):
            problems.append(f"{module} (line {line}) imports the generator {target}: only cli and demo may")
    return problems


@pytest.mark.slow
def test_every_module_imports_only_its_own_layer_and_those_below():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems.extend(violations(module_name(path), imports_of(path)))
    assert not problems, "childhub's layers must only look down:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "target", "wanted"),
    [
        ("childhub.store.store", "childhub.facts.build", "childhub.store.store (store, line 7) imports childhub.facts"),
        ("childhub.ingest.annex_a_reader", "childhub.annex_a.export", "(readers of facts), a layer above it"),
        ("childhub.indicators.compute", "childhub.synth", "imports the generator childhub.synth: only cli and demo"),
        ("childhub.web.app", "childhub.hub", None),
        ("childhub.ingest.annex_a_reader", "childhub.annex_a.templates", None),
        ("childhub.cli", "childhub.synth.extracts", None),
        ("childhub.cli.synth", "childhub.synth", None),
        ("childhub.cli.measure", "childhub.hub", None),
        ("childhub.cli.options", "childhub.web", None),
        ("childhub.newthing", "childhub.errors", "childhub.newthing is in no layer"),
    ],
)
def test_the_check_names_the_module_and_the_import(module, target, wanted):
    found = violations(module, [(7, target)])
    if wanted is None:
        assert found == []
    else:
        assert len(found) == 1 and wanted in found[0], found


def test_imports_inside_functions_and_relative_imports_are_seen(tmp_path, monkeypatch):
    package = tmp_path / "childhub" / "store"
    package.mkdir(parents=True)
    (tmp_path / "childhub" / "__init__.py").write_text("")
    (tmp_path / "childhub" / "facts.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "sql.py").write_text("")
    module = package / "late.py"
    module.write_text("def f():\n    from childhub import facts\n    from . import sql\n")
    monkeypatch.setattr(sys.modules[__name__], "SOURCE", tmp_path)
    assert imports_of(module) == [(2, "childhub.facts"), (3, "childhub.store.sql")]


# --- public surfaces -----------------------------------------------------------------------------

# Modules another package may import by their own name: the Annex A report and its template spec
# (``annex_a/__init__`` is the spec, in the base layer, so the report cannot be re-exported there).
PUBLIC_MODULES = ("childhub.annex_a.export", "childhub.annex_a.templates")


def reaches_in(module: str, imports: list[tuple[int, str]]) -> list[str]:
    """Where ``module`` imports another package's internals instead of its public surface (``__init__``)."""
    own = module.split(".")[1] if "." in module else ""
    problems = []
    for line, target in imports:
        parts = target.split(".")
        if len(parts) <= 2 or parts[1] == own or target in PUBLIC_MODULES:
            continue  # a top-level module, a package's own surface, its own internals, or a public module
        if (SOURCE / "childhub" / parts[1] / "__init__.py").exists():
            problems.append(
                f"{module} (line {line}) imports {target}: use the public names of childhub.{parts[1]} (its __all__)"
            )
    return problems


def imported_from(path: Path) -> list[tuple[int, str]]:
    """(line, module) for each childhub module named in an import: ``from X import y`` names X (y may be a
    name of X's surface), ``import X.y`` names X.y. Relative imports stay within a package, so are left out."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.startswith("childhub.")]


def test_packages_use_each_others_public_surface_only():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems.extend(reaches_in(module_name(path), imported_from(path)))
    assert not problems, "nothing reaches into another package's internals:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "target", "refused"),
    [
        ("childhub.web.routes.sql", "childhub.store.query", True),
        ("childhub.web.routes.sql", "childhub.store", False),
        ("childhub.store.store", "childhub.store.query", False),
        ("childhub.cli.measure", "childhub.annex_a.export", False),
        ("childhub.demo", "childhub.errors", False),
    ],
)
def test_the_surface_check_refuses_reaching_in(module, target, refused):
    assert bool(reaches_in(module, [(3, target)])) is refused
