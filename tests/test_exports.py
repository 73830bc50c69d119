"""Every CSV and spreadsheet childhub writes, from every command and every download, is formula-safe.

Source data carries values a spreadsheet would run as formulas (a person's ID, a forename in a list,
a batch problem's value, an audit actor); each output must show them as text (an apostrophe in
front), and every CSV must follow the one convention of ``childhub.exports``: CRLF line ends, UTF-8,
a byte-order mark on files and downloads and none on standard output.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from childhub.exports import FORMULA_STARTS
from conftest import History, csrf_of, sign_in

PAYLOADS = ('=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1")
NEUTRALISED = {"'" + payload for payload in PAYLOADS}
AS_AT = date(2026, 3, 31)
PASSWORD = "correct horse battery staple"
BOM = b"\xef\xbb\xbf"
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")  # a number, not a formula: written as it is


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    """A hub whose source data is full of formulas: each payload is a child's ID (and forename), a
    team's name, a batch problem's value and an audit event's actor; published, with an admin."""
    from childhub.accounts import Accounts
    from childhub.audit import record
    from childhub.hub import refresh_and_publish

    history = History(tmp_path_factory.mktemp("exports") / "store")
    for number, payload in enumerate(PAYLOADS):
        history.child(payload, dob=date(2015, 5, 1), pers_forename=payload)
        history.add(
            "cin_episodes", cine_referral_id=f"R{number}", cine_person_id=payload, cine_referral_date=date(2025, 6, 1)
        )
        history.add("department", dept_team_id=f"T{number}", dept_team_name=payload)
    store = history.store()
    with store.writer() as conn:
        for payload in PAYLOADS:
            conn.execute(
                "INSERT INTO ingest_problem (batch_id, file_name, row_ref, column_name, value, message, severity) "
                "VALUES (1, 'person.csv', '2', 'pers_dob', ?, 'not a date', 'error')",
                [payload],
            )
        refresh_and_publish(store, conn)
    Accounts(store.data_dir).add("admin", "admin", PASSWORD)
    for payload in PAYLOADS:
        record(store.data_dir, actor=payload, channel="cli", action="view_child", subject=payload)
    return store.data_dir


# --- how each output is made: a list of (name, bytes, where it went) ------------------------------

Output = list[tuple[str, bytes, str]]  # where: "file" (a file or a download) or "stdout"


def _childhub(hub: Path, *args: str) -> bytes:
    env = {**os.environ, "CHILDHUB_DATA_DIR": str(hub), "COLUMNS": "200"}
    env.pop("CHILDHUB_AUTHORITY_FILE", None)
    result = subprocess.run([sys.executable, "-m", "childhub", *args], capture_output=True, env=env, check=True)
    return result.stdout


def _files(folder: Path) -> Output:
    return [(path.name, path.read_bytes(), "file") for path in sorted(folder.iterdir())]


def _cli_sql(hub: Path, tmp: Path) -> Output:
    sql = "SELECT pers_person_id, pers_forename, 1 AS n FROM person ORDER BY 1"
    return [("sql", _childhub(hub, "sql", sql, "--format", "csv"), "stdout")]


def _cli_batch(hub: Path, tmp: Path) -> Output:
    return [("batch", _childhub(hub, "batch", "1", "--format", "csv"), "stdout")]


def _cli_indicator_children(hub: Path, tmp: Path) -> Output:
    args = ("indicator", "referral_rate", "--as-at", AS_AT.isoformat(), "--children", "numerator", "--format", "csv")
    return [("indicator --children", _childhub(hub, *args), "stdout")]


def _cli_audit(hub: Path, tmp: Path) -> Output:
    return [("audit", _childhub(hub, "audit", "--format", "csv", "--limit", "500"), "stdout")]


def _cli_export_identities(hub: Path, tmp: Path) -> Output:
    _childhub(hub, "export", "identities", "--out", str(tmp / "identities.csv"))
    return _files(tmp)


def _cli_link_lists(hub: Path, tmp: Path) -> Output:
    lists = tmp / "lists"
    lists.mkdir()
    with (lists / "fsm.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Forename", "Surname", "Date of Birth", "Gender", "Postcode", "UPN", "NHS Number"])
        for payload in PAYLOADS:
            writer.writerow([payload, "Okafor", "14/02/2015", "Girl", "QX12 4AB", "", ""])
    mapping = Path(__file__).resolve().parents[1] / "docs" / "examples" / "link_lists.yml"
    out = tmp / "out"
    out.mkdir()
    _childhub(hub, "link-lists", str(lists / "fsm.csv"), "--mapping", str(mapping), "--out", str(out / "linked.csv"))
    return _files(out)


def _cli_annex_a(fmt: str) -> Callable[[Path, Path], Output]:
    def make(hub: Path, tmp: Path) -> Output:
        out = tmp / ("annex_a" if fmt == "csv" else "annex_a.xlsx")
        _childhub(hub, "annex-a", "--as-at", AS_AT.isoformat(), "--format", fmt, "--out", str(out))
        return _files(out) if fmt == "csv" else [(out.name, out.read_bytes(), "file")]

    return make


def _admin(hub: Path):
    from fastapi.testclient import TestClient

    from childhub.settings import Settings
    from childhub.web import create_app

    client = TestClient(create_app(Settings(data_dir=hub)), base_url="https://testserver", follow_redirects=False)
    assert sign_in(client, "admin", PASSWORD).status_code == 303
    return client


def _download(response, name: str) -> Output:
    assert response.status_code == 200, response.text[:500]
    if response.headers["content-type"] == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return [(member, archive.read(member), "file") for member in archive.namelist()]
    return [(name, response.content, "file")]


def _web_sql(fmt: str) -> Callable[[Path, Path], Output]:
    def make(hub: Path, tmp: Path) -> Output:
        client = _admin(hub)
        sql = "SELECT pers_person_id, pers_forename FROM person ORDER BY 1"
        response = client.post("/sql", data={"sql": sql, "action": fmt, "csrf_token": csrf_of(client)})
        return _download(response, f"query.{fmt}")

    return make


def _web_cohort(fmt: str) -> Callable[[Path, Path], Output]:
    def make(hub: Path, tmp: Path) -> Output:
        params = {"population": "all", "as_at": AS_AT.isoformat(), "format": fmt, "rows": "children"}
        return _download(_admin(hub).get("/cohorts/export", params=params), f"cohort.{fmt}")

    return make


def _web_audit(hub: Path, tmp: Path) -> Output:
    return _download(_admin(hub).get("/audit/export"), "audit.csv")


def _web_annex_a(fmt: str) -> Callable[[Path, Path], Output]:
    def make(hub: Path, tmp: Path) -> Output:
        client = _admin(hub)
        form = {"as_at": AS_AT.isoformat(), "format": fmt, "csrf_token": csrf_of(client)}
        return _download(client.post("/annex-a", data=form), f"annex_a.{fmt}")

    return make


OUTPUTS: dict[str, Callable[[Path, Path], Output]] = {
    "childhub sql --format csv": _cli_sql,
    "childhub batch N --format csv": _cli_batch,
    "childhub indicator --children --format csv": _cli_indicator_children,
    "childhub audit --format csv": _cli_audit,
    "childhub export identities": _cli_export_identities,
    "childhub link-lists": _cli_link_lists,
    "childhub annex-a --format csv": _cli_annex_a("csv"),
    "childhub annex-a --format xlsx": _cli_annex_a("xlsx"),
    "web: SQL console CSV": _web_sql("csv"),
    "web: SQL console Excel": _web_sql("xlsx"),
    "web: cohort children CSV": _web_cohort("csv"),
    "web: cohort children Excel": _web_cohort("xlsx"),
    "web: audit log CSV": _web_audit,
    "web: Annex A workbook": _web_annex_a("xlsx"),
    "web: Annex A CSV files (zip)": _web_annex_a("csv"),
}


# --- what every output must hold ----------------------------------------------------------------


def _csv_cells(name: str, raw: bytes, where: str) -> list[str]:
    if where == "file":
        assert raw.startswith(BOM), f"{name}: a CSV file starts with the byte-order mark"
    else:
        assert not raw.startswith(BOM), f"{name}: standard output carries no byte-order mark"
    assert raw.endswith(b"\r\n") and raw.count(b"\n") == raw.count(b"\r\n"), f"{name}: every line ends CRLF"
    text = raw.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _xlsx_cells(name: str, raw: bytes) -> list[str]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(raw))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{name}: {sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    cells.append(cell.value)
                elif cell.value is not None and not isinstance(cell.value, int | float | datetime | date):
                    cells.append(str(cell.value))
    return cells


@pytest.mark.slow
@pytest.mark.parametrize("output", list(OUTPUTS))
def test_every_export_writes_formulas_as_text_in_one_convention(hub, tmp_path, output):
    written = OUTPUTS[output](hub, tmp_path)
    assert written, f"{output} wrote nothing"
    cells = []
    for name, raw, where in written:
        found = _xlsx_cells(name, raw) if name.endswith(".xlsx") else _csv_cells(name, raw, where)
        running = [cell for cell in found if cell.startswith(FORMULA_STARTS) and not NEGATIVE_NUMBER.fullmatch(cell)]
        assert not running, f"{output} ({name}) has cells a spreadsheet would run: {running}"
        cells.extend(found)
    assert NEUTRALISED & set(cells), f"{output}: no planted value reached the output, so nothing was tested"
