"""``sources.yml``, the SQL sent to a source, and connections that fail (no database server needed)."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from childhub.ingest import SSD_TABLES
from childhub.pull import PullError, load_sources, pull, select_sql
from childhub.store import Store

CONNECTION = {"kind": "postgresql", "host": "db.council.local", "database": "ssd", "user": "hub"}


def write(folder: Path, sources: dict) -> Path:
    path = folder / "sources.yml"
    path.write_text(yaml.safe_dump({"sources": sources}), "utf-8")
    return path


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_good_sources_file_loads_with_its_defaults(tmp_path):
    path = write(
        tmp_path,
        {
            "mosaic": {
                "connection": {**CONNECTION, "password_env": "MOSAIC_PASSWORD"},
                "ssd": True,
                "schedule": "0 2 * * *",
                "tables": {"contacts": {"mode": "incremental", "watermark": "last_modified"}, "person": None},
            }
        },
    )

    sources = load_sources(path, ssd_tables=SSD_TABLES)

    mosaic = sources.get("mosaic")
    assert (mosaic.connection.effective_port, mosaic.connection.effective_schema) == (5432, "public")
    assert [(t.name, t.mode, t.watermark, t.source_table) for t in mosaic.tables.values()] == [
        ("contacts", "incremental", "last_modified", "ssd_contacts"),
        ("person", "snapshot", None, "ssd_person"),
    ]
    assert mosaic.schedule_of(mosaic.tables["person"]) == "0 2 * * *"
    assert load_sources(tmp_path / "none.yml").sources == {}


def test_every_problem_in_a_sources_file_is_named_by_file_and_field_at_once(tmp_path):
    path = write(
        tmp_path,
        {
            "mosaic": {"connection": {**CONNECTION, "password": "hunter2"}, "ssd": True},
            "police": {
                "connection": {**CONNECTION, "kind": "oracle"},
                "tables": {"contacts": {"query": "SELECT 1", "mode": "incremental"}},
            },
            "eh": {"connection": CONNECTION, "ssd": True, "schedule": "every day"},
            "health": {"connection": CONNECTION, "ssd": True, "tables": {"no_such": {}}},
            "bare": {"connection": CONNECTION},
        },
    )

    with pytest.raises(PullError) as raised:
        load_sources(path, ssd_tables=SSD_TABLES)

    assert str(raised.value).splitlines() == [
        f"{path}: 6 problem(s):",
        "- sources.bare: say what to pull: ssd: true (the SSD tables), or tables with a query each",
        "- sources.eh.schedule: 'every day' is not a cron schedule (minute hour day-of-month month day-of-week)",
        "- sources.health.tables.no_such: is not an SSD table childhub knows",
        "- sources.mosaic.connection.password: a password may not be written in the sources file: name an "
        "environment variable (password_env) or a secrets file only the hub's account can read (secrets_file)",
        "- sources.police.connection.kind: Input should be 'postgresql' or 'sqlserver'",
        "- sources.police.tables.contacts: an incremental table needs watermark: the column whose greater values "
        "are new rows",
    ]
    assert "hunter2" not in str(raised.value)


def test_a_secrets_file_others_may_read_is_refused_and_a_private_one_is_read(tmp_path):
    secret = tmp_path / "mosaic.secret"
    secret.write_text("s3cret-value\n", "utf-8")
    path = write(tmp_path, {"mosaic": {"connection": {**CONNECTION, "secrets_file": "mosaic.secret"}, "ssd": True}})
    connection = load_sources(path).get("mosaic").connection
    assert connection.secrets_file == secret

    secret.chmod(0o644)
    with pytest.raises(PullError, match=r"^source mosaic: its secrets_file .* may be read by others \(mode 644\)"):
        connection.password("mosaic")
    secret.chmod(0o600)
    assert connection.password("mosaic") == "s3cret-value"


def test_a_password_variable_that_is_not_set_is_said(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    path = write(tmp_path, {"mosaic": {"connection": {**CONNECTION, "password_env": "NO_SUCH_PASSWORD"}, "ssd": True}})
    with pytest.raises(PullError, match="^source mosaic: the environment variable NO_SUCH_PASSWORD .* is not set$"):
        pull(Store(tmp_path / "store"), load_sources(path))


def test_the_sql_for_an_incremental_pull_from_sql_server_quotes_identifiers_for_t_sql():
    sql, params = select_sql(
        "sqlserver",
        schema="dbo",
        table="ssd_contacts",
        columns=["cont_contact_id", "odd]name"],
        watermark="last modified",
        since=datetime(2026, 2, 1, 10, 5),
    )
    assert sql == ("SELECT [cont_contact_id], [odd]]name] FROM [dbo].[ssd_contacts] WHERE [last modified] > %s")
    assert params == (datetime(2026, 2, 1, 10, 5),)


def test_the_sql_for_postgresql_and_for_a_query_and_a_first_pull():
    sql, params = select_sql("postgresql", schema="public", table="ssd_person", columns=['a"b'], watermark="m")
    assert (sql, params) == ('SELECT "a""b" FROM "public"."ssd_person"', None)  # no watermark yet: every row
    sql, params = select_sql("sqlserver", query="SELECT id AS cont_contact_id FROM x;", watermark="m", since=7)
    assert sql == "SELECT * FROM (\nSELECT id AS cont_contact_id FROM x\n) AS childhub_pull WHERE [m] > %s"
    assert params == (7,)


@pytest.mark.parametrize("kind", ["sqlserver", "postgresql"])
def test_a_refused_connection_is_one_line_naming_source_host_and_port_and_nothing_is_written(tmp_path, kind):
    port = closed_port()
    os.environ["CHILDHUB_TEST_UNUSED_PASSWORD"] = "x"
    connection = {**CONNECTION, "kind": kind, "host": "127.0.0.1", "port": port, "timeout": 3}
    connection["password_env"] = "CHILDHUB_TEST_UNUSED_PASSWORD"
    path = write(tmp_path, {"police": {"connection": connection, "tables": {"contacts": {"query": "SELECT 1"}}}})
    store = Store(tmp_path / "store")

    with pytest.raises(PullError) as raised:
        pull(store, load_sources(path))

    message = str(raised.value)
    assert message.startswith(f"source police: could not connect to {kind} at 127.0.0.1:{port}, database ssd, as hub (")
    assert "refused" in message.lower()
    assert "\n" not in message
    with store.reader() as conn:
        assert conn.execute("SELECT count(*) FROM ingest_batch").fetchone() == (0,)


@pytest.mark.parametrize(("kind", "said"), [("postgresql", "timeout expired"), ("sqlserver", "timed out")])
def test_a_server_that_never_answers_times_out_in_one_line(tmp_path, monkeypatch, kind, said):
    import time

    monkeypatch.setenv("UNUSED_PASSWORD", "x")
    with socket.socket() as silent:  # takes the connection and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        connection = {**CONNECTION, "kind": kind, "host": "127.0.0.1", "port": port, "timeout": 1}
        path = write(tmp_path, {"eh": {"connection": {**connection, "password_env": "UNUSED_PASSWORD"}, "ssd": True}})
        began = time.monotonic()
        with pytest.raises(PullError) as raised:
            pull(Store(tmp_path / "store"), load_sources(path))
        waited = time.monotonic() - began

    message = str(raised.value)
    assert message.startswith(f"source eh: could not connect to {kind} at 127.0.0.1:{port}, database ssd, as hub (")
    assert "\n" not in message
    assert said in message
    assert waited < 15
