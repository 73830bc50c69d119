"""Every file childhub writes is the hub account's alone (folders 0700, files 0600) whatever the umask, an older
folder is tightened by the first write, and ``childhub status`` warns of whatever is still open to others."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from childhub.exports import make_private, private_file, private_folder, readable_by_others, write_csv
from childhub.store import Store, publish_snapshot


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes_in(root: Path) -> dict[str, int]:
    """Every path under ``root`` (and root itself as '.') with its permission bits."""
    found = {".": mode(root)}
    for path in root.rglob("*"):
        if not path.is_symlink():
            found[str(path.relative_to(root))] = mode(path)
    return found


def open_ones(root: Path) -> dict[str, str]:
    return {name: oct(bits) for name, bits in modes_in(root).items() if bits & 0o077}


def test_the_helpers_make_folders_0700_and_files_0600_whatever_the_umask(tmp_path):
    with umask(0o000):
        folder = private_folder(tmp_path / "a" / "b")
        file = private_file(folder / "x.txt")
        csv = tmp_path / "out.csv"
        write_csv(csv, ["child_key"], [["C1"]])
    assert (mode(folder), mode(file), mode(csv)) == (0o700, 0o600, 0o600)


def test_only_folders_and_regular_files_are_changed(tmp_path):
    """A pipe (like a terminal or /dev/null given as --out) is not the hub's to change."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe, 0o644)
    pipe.chmod(0o644)
    make_private(tmp_path)
    assert mode(pipe) == 0o644 and pipe not in readable_by_others(tmp_path)


def test_an_export_over_an_older_open_file_is_tightened(tmp_path):
    target = tmp_path / "identities.csv"
    target.write_text("old", "utf-8")
    target.chmod(0o644)
    with umask(0o022):
        write_csv(target, ["child_id"], [[1]])
    assert mode(target) == 0o600 and target.read_bytes().startswith(b"\xef\xbb\xbfchild_id")


def test_make_private_tightens_a_tree_and_leaves_links_alone(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours to change", "utf-8")
    outside.chmod(0o644)
    root = tmp_path / "data"
    (root / "archive" / "0a").mkdir(parents=True)
    (root / "archive" / "0a" / "x.csv").write_text("raw", "utf-8")
    (root / "link").symlink_to(outside)
    for path in (root, root / "archive", root / "archive" / "0a"):
        path.chmod(0o755)
    (root / "archive" / "0a" / "x.csv").chmod(0o644)
    archive = root / "archive"
    assert sorted(readable_by_others(root)) == [root, archive, archive / "0a", archive / "0a" / "x.csv"]
    assert make_private(root) == 4 and make_private(root) == 0
    assert readable_by_others(root) == [] and mode(outside) == 0o644


def test_a_new_store_and_its_snapshot_are_the_owners_alone(tmp_path):
    """The fast twin of the demo-like run: a store made, migrated and published under umask 022."""
    from childhub.audit import record

    data = tmp_path / "data"
    with umask(0o022):
        store = Store(data)
        with store.writer() as conn:
            publish_snapshot(store, conn, "test")
        record(data, actor="a", channel="cli", action="view_audit")
        write_csv(private_folder(data / "exports") / "x.csv", ["a"], [[1]])
    assert open_ones(data) == {}
    names = set(modes_in(data))
    assert {"childhub.duckdb", "hub.sqlite", "serve", "serve/CURRENT", "exports/x.csv"} <= names
    assert any(name.startswith("serve/snapshot-") for name in names)


def test_an_older_folder_is_tightened_by_the_first_write(tmp_path):
    data = tmp_path / "data"
    with umask(0o022):
        store = Store(data)
        store.migrate()
        (data / "archive" / "ab").mkdir(parents=True)
        (data / "archive" / "ab" / "ab12.csv").write_text("raw extract", "utf-8")
        (data / "annex-a").mkdir()
        (data / "annex-a" / "annex_a.xlsx").write_bytes(b"PK")
        for path in [data, *data.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)  # as the last childhub left it
        assert sorted(open_ones(data)) == [
            ".",
            ".writer.lock",
            "annex-a",
            "annex-a/annex_a.xlsx",
            "archive",
            "archive/ab",
            "archive/ab/ab12.csv",
            "childhub.duckdb",
        ]
        store.migrate()  # any write
    assert open_ones(data) == {}


def test_status_warns_of_what_others_can_read(tmp_path):
    from typer.testing import CliRunner

    from childhub.cli import app

    data = tmp_path / "data"
    Store(data).migrate()
    quiet = CliRunner().invoke(app, ["status", "--data-dir", str(data)])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
    (data / "annex-a").mkdir()
    (data / "annex-a").chmod(0o755)  # whatever the umask an earlier test in this process left
    (data / "annex-a" / "a.xlsx").write_bytes(b"PK")
    (data / "annex-a" / "a.xlsx").chmod(0o644)
    (data / "childhub.duckdb").chmod(0o644)
    data.chmod(0o755)
    loud = CliRunner().invoke(app, ["status", "--data-dir", str(data)])
    warnings = [line for line in loud.output.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        f"warning: the data folder {data} is open to other accounts (chmod 700 it)",
        f"warning: {data / 'annex-a'} can be read by other accounts (2 file(s) or folder(s)); any childhub command "
        f"that writes makes it private, or: chmod -R go-rwx {data / 'annex-a'}",
        f"warning: {data / 'childhub.duckdb'} can be read by other accounts (1 file(s) or folder(s)); any childhub "
        f"command that writes makes it private, or: chmod -R go-rwx {data / 'childhub.duckdb'}",
    ]


@pytest.mark.slow
def test_a_demo_like_run_leaves_nothing_open_to_others(tiny_authority, tmp_path):
    """ingest, link and publish, the hub database written, an identities export, under umask 022."""
    from childhub.accounts import Accounts
    from childhub.hub import ingest, link
    from childhub.link import export_identities
    from childhub.synth import mapping_files

    data = tmp_path / "data"
    with umask(0o022):
        store = Store(data)
        extracts = sorted(tiny_authority.extracts.rglob("*.csv"))[:3]
        reports = ingest(store, extracts, mapping_files=mapping_files())
        assert any(report.status == "loaded" for report in reports)
        link(store)
        Accounts(data).add("ann", "analyst", "a long enough password")
        export_identities(store, data / "identities.csv")
    names = set(modes_in(data))
    assert any(name.startswith("archive/") for name in names) and any(name.startswith("serve/") for name in names)
    assert {"hub.sqlite", "hub.sqlite-wal", "childhub.duckdb", "identities.csv"} <= names
    assert open_ones(data) == {}


def test_an_annex_a_workbook_written_anywhere_is_private(tmp_path, history):
    from datetime import date

    from childhub.annex_a.export import write_annex_a

    old = os.umask(0o022)
    try:
        store = history.store()
        out = tmp_path / "elsewhere" / "annex-a.xlsx"
        write_annex_a(store, date(2026, 3, 31), out)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
