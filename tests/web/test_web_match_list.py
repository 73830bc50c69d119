"""The Match a list page: an analyst uploads a list and sees each row with the child it matches; the list is
not kept; the match and the download are audited; other roles are refused, and a post needs the CSRF token."""

from __future__ import annotations

import csv
import io

import pytest

from childhub.audit import events
from conftest import csrf_of

pytestmark = pytest.mark.slow  # Splink scores each upload: CI runs it with -m slow

MAPPING = b"""columns:
  first_name: Forename
  surname: Surname
  date_of_birth: DOB
date_formats: ["%d/%m/%Y"]
"""


@pytest.fixture(scope="module")
def known(web_hub):
    """Two children of the web hub as its social-care records hold them (forename, surname, date of birth)."""
    cursor = web_hub.shared_app.state.childhub.served.current().cursor()
    return cursor.execute(
        "SELECT p.child_key, s.forename, s.surname, s.date_of_birth FROM source_record s "
        "JOIN fact_person p ON p.source_system = s.source_system AND p.person_id = s.source_record_id "
        "WHERE s.source_system = 'social_care' AND s.forename IS NOT NULL AND s.date_of_birth IS NOT NULL "
        "AND s.upn IS NULL AND s.nhs_number IS NULL ORDER BY p.child_key LIMIT 2"
    ).fetchall()


def _list(known) -> bytes:
    lines = ["Forename,Surname,DOB"]
    lines += [f"{forename.title()},{surname.title()},{born:%d/%m/%Y}" for _key, forename, surname, born in known]
    lines.append("Zebedee,Quartermaine,03/03/1999")  # nobody the authority knows
    return ("\n".join(lines) + "\n").encode()


def _uploads(web_hub) -> list:
    folder = web_hub.data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_an_analyst_uploads_a_list_with_its_mapping_and_sees_each_row_matched(web_hub, known):
    client = web_hub.client("analyst")
    response = client.post(
        "/match-list",
        data={"csrf_token": csrf_of(client)},
        files={"list": ("fsm.csv", _list(known), "text/csv"), "mapping": ("map.yml", MAPPING, "text/yaml")},
    )
    assert response.status_code == 200, response.text
    assert "fsm.csv: 2 of 3 rows matched a child" in response.text
    for key, *_ in known:
        assert f'href="/children/{key}"' in response.text
    assert "first name the same; surname the same; date of birth the same" in response.text
    assert "No match" in response.text
    assert _uploads(web_hub) == []  # the file is gone once matched
    (event,) = events(web_hub.data_dir, action="match_list", limit=1)
    assert (event.actor, event.subject, event.child_count) == ("analyst", "fsm.csv", 2)
    assert set(event.children) == {key for key, *_ in known} and event.details["rows"] == 3
    token = response.text.split('href="/match-list/')[1].split("?")[0]
    download = client.get(f"/match-list/{token}", params={"format": "csv"})
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [row["child ID"] for row in rows] == [*(key for key, *_ in known), ""]
    (saved,) = events(web_hub.data_dir, action="download_list", limit=1)
    assert saved.details["rows"] == 3 and saved.subject == "Match of fsm.csv" and saved.child_count == 2
    assert client.get(f"/match-list/{token}", params={"format": "xlsx"}).content[:2] == b"PK"
    other = web_hub.client("admin")  # the result is the analyst's alone
    assert other.get(f"/match-list/{token}").status_code == 410


def test_without_a_mapping_the_page_asks_for_the_columns_then_matches(web_hub, known):
    client = web_hub.client("admin")
    csrf = csrf_of(client)
    asked = client.post("/match-list", data={"csrf_token": csrf}, files={"list": ("police.csv", _list(known))})
    assert asked.status_code == 200 and "Which column holds each field of police.csv" in asked.text
    assert '<option value="Forename" selected>' in asked.text and '<option value="DOB" selected>' in asked.text
    [waiting] = [path for path in _uploads(web_hub) if path.suffix == ".csv"]
    assert waiting.stat().st_mode & 0o777 == 0o600  # held privately until the columns are chosen
    token = asked.text.split('name="token" value="')[1].split('"')[0]
    answered = client.post(
        "/match-list",
        data={"csrf_token": csrf, "token": token, "column_first_name": "Forename", "column_surname": "Surname",
              "column_date_of_birth": "DOB"},
    )  # fmt: skip
    assert answered.status_code == 200 and "police.csv: 2 of 3 rows matched a child" in answered.text
    assert _uploads(web_hub) == []
    again = client.post("/match-list", data={"csrf_token": csrf, "token": token, "column_surname": "Surname"})
    assert again.status_code == 400 and "no longer held" in again.text


def test_bad_input_is_one_line_on_the_page(web_hub):
    client = web_hub.client("analyst")
    csrf = csrf_of(client)
    bad_date = b"Forename,Surname,DOB\nAmy,Cole,31/02/2015\n"
    response = client.post(
        "/match-list",
        data={"csrf_token": csrf},
        files={"list": ("list.csv", bad_date), "mapping": ("map.yml", MAPPING)},
    )
    assert response.status_code == 400
    assert "List.csv row 2, DOB: &#39;31/02/2015&#39; is not a date" in response.text
    empty = client.post("/match-list", data={"csrf_token": csrf}, files={"list": ("empty.csv", b"")})
    assert empty.status_code == 400 and "Empty.csv: the file is empty" in empty.text
    assert _uploads(web_hub) == []


def test_a_post_without_the_csrf_token_is_refused(web_hub, known):
    client = web_hub.client("analyst")
    response = client.post("/match-list", files={"list": ("fsm.csv", _list(known)), "mapping": ("m.yml", MAPPING)})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["practitioner", "manager", "scrutiny"])
def test_other_roles_are_refused(web_hub, role):
    client = web_hub.client(role)
    assert client.get("/match-list").status_code == 403
    assert client.post("/match-list", files={"list": ("a.csv", b"x")}).status_code == 403


def test_a_list_named_in_any_characters_downloads_under_its_own_name(web_hub, known):
    # Windows writes an en dash into names ("FSM list – spring"): a header is Latin-1, so the name goes as UTF-8
    # in filename* (RFC 6266) beside an ASCII filename with the en dash as "_".
    client = web_hub.client("analyst")
    response = client.post(
        "/match-list",
        data={"csrf_token": csrf_of(client)},
        files={"list": ("FSM list – spring.csv", _list(known)), "mapping": ("map.yml", MAPPING)},
    )
    assert response.status_code == 200, response.text
    token = response.text.split('href="/match-list/')[1].split("?")[0]
    download = client.get(f"/match-list/{token}", params={"format": "csv"})
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        'attachment; filename="FSM list _ spring-matched.csv"; '
        "filename*=UTF-8''FSM%20list%20%E2%80%93%20spring-matched.csv"
    )
