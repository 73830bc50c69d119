"""The reconciliation page: duplicate records per source system and a DfE return against childhub's count, each
list and download named in the audit log; for admins and analysts only."""

from __future__ import annotations

import csv
import io
from datetime import date

from childhub.audit import events
from childhub.calendar import reporting_year_end


def latest_event(web_hub, action: str):
    return events(web_hub.data_dir, action=action, limit=1)[0]


def test_an_analyst_sees_both_lists_and_the_view_names_their_children(web_hub):
    client = web_hub.client("analyst")
    duplicates = client.get("/api/v1/reconciliation/duplicates").json()["children"]
    reconciled = client.get("/api/v1/reconciliation/return", params={"dfe_return": "cin_census"}).json()
    page = client.get("/reconciliation")
    assert page.status_code == 200
    year = reporting_year_end(date.today()).year
    assert reconciled["headline"].startswith(f"CIN census {year} counts ") and reconciled["headline"] in page.text
    assert reconciled["return_count"] - reconciled["childhub_count"] == sum(
        len(row["la_child_ids"]) - 1 for row in reconciled["merged"]
    )
    for row in duplicates:
        assert f'href="/children/{row["child_key"]}"' in page.text and "; ".join(row["record_ids"]) in page.text
    event = latest_event(web_hub, "view_reconciliation")
    shown = {row["child_key"] for row in duplicates} | {row["child_key"] for row in reconciled["merged"]}
    assert event.actor == "analyst" and set(event.children) == shown and event.child_count == len(shown)


def test_a_system_s_list_downloads_through_the_one_writer_and_is_audited(web_hub):
    client = web_hub.client("admin")
    expected = client.get("/api/v1/reconciliation/duplicates", params={"system": "social_care"}).json()["children"]
    response = client.get("/reconciliation/duplicates", params={"system": "social_care", "format": "csv"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")  # childhub.exports' BOM
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["system", "child", "name", "records", "record IDs", "as each record holds it"]
    assert [row[1] for row in rows[1:]] == [row["child_key"] for row in expected]
    event = latest_event(web_hub, "export_duplicate_records")
    assert event.subject == "social_care" and list(event.children) == sorted(row["child_key"] for row in expected)
    xlsx = client.get("/reconciliation/return", params={"dfe_return": "cin_census", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert latest_event(web_hub, "export_return_reconciliation").details["format"] == "xlsx"


def test_a_return_not_loaded_is_said_in_words(web_hub):
    client = web_hub.client("analyst")
    page = client.get("/reconciliation", params={"dfe_return": "ssda903", "as_at": "1999-06-01"})
    assert page.status_code == 200 and "No SSDA903 for 1999-00 (the collection year holding 1999-06-01)" in page.text
    assert (
        client.get("/api/v1/reconciliation/return", params={"dfe_return": "ssda903", "as_at": "1999-06-01"}).status_code
        == 404
    )


def test_other_roles_are_refused(web_hub):
    for role in ("manager", "practitioner", "scrutiny"):
        client = web_hub.client(role)
        assert client.get("/reconciliation").status_code == 403
        assert client.get("/reconciliation/duplicates").status_code == 403
        assert client.get("/api/v1/reconciliation/return").status_code == 403
