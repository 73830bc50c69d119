"""The commentary beside a figure (written by analysts, managers and admins, read by every role that sees the
indicator, scrutiny included) and the self-evaluation page (its answers' versions, restores and export), through the
web app and the API: roles, CSRF, the audit log, and the exported files read back.

The web hub is shared by the tests of a worker, so each test writes text of its own and looks for it, and counts
versions relative to those before it.
"""

from __future__ import annotations

import io
import itertools
import re
from datetime import date, timedelta

import pytest
from markupsafe import escape

from childhub.accounts import Accounts
from childhub.audit import events
from conftest import csrf_of

INDICATOR = "re_referrals_12m"  # the web hub's authority.yml sets its target: 20, tolerance 3
_marks = itertools.count(1)


def _mark(what: str) -> str:
    """A text no other test writes."""
    return f"{what} {next(_marks)} {date.today().isoformat()}"


def _month_end() -> date:
    """The last month end before today: what scrutiny sees figures as at (disclosure.reference_date)."""
    return date.today().replace(day=1) - timedelta(days=1)


def _period(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _token(web_hub, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {Accounts(web_hub.data_dir).issue_token(role, 'evaluation tests')}"}


# --- commentary ----------------------------------------------------------------------------------------------


def test_a_manager_writes_the_commentary_and_scrutiny_reads_it_beside_the_figure(web_hub):
    day = _month_end()
    text = _mark("Re-referrals fell after the front door's new triage.")
    manager = web_hub.client("manager")
    page = manager.get(f"/indicators/{INDICATOR}", params={"as_at": day.isoformat()})
    assert page.status_code == 200
    assert 'action="/indicators/re_referrals_12m/commentary"' in page.text  # the form, for a writer
    saved = manager.post(
        f"/indicators/{INDICATOR}/commentary",
        data={"period": _period(day), "text": text, "as_at": day.isoformat(), "csrf_token": csrf_of(manager)},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/indicators/{INDICATOR}?as_at={day.isoformat()}#commentary"

    seen = web_hub.client("scrutiny").get(f"/indicators/{INDICATOR}", params={"as_at": day.isoformat()})
    assert seen.status_code == 200
    assert f"Commentary for {day:%B %Y}" in seen.text
    assert str(escape(text)) in seen.text
    assert "Written by manager" in seen.text
    assert 'action="/indicators/re_referrals_12m/commentary"' not in seen.text  # no form for scrutiny
    api = web_hub.client("scrutiny").get(f"/api/v1/indicators/{INDICATOR}", params={"as_at": day.isoformat()})
    assert api.json()["commentary"]["current"]["text"] == text
    assert api.json()["commentary"]["may_write"] is False


@pytest.mark.parametrize("role", ["scrutiny", "practitioner"])
def test_scrutiny_and_practitioners_cannot_write_the_commentary(web_hub, role):
    client = web_hub.client(role)
    before = len(client.get(f"/api/v1/indicators/{INDICATOR}/commentary").json()["versions"])
    refused = client.post(
        f"/indicators/{INDICATOR}/commentary",
        data={"period": "2026-11", "text": _mark("Not theirs."), "csrf_token": csrf_of(client)},
    )
    assert refused.status_code == 403
    after = client.get(f"/api/v1/indicators/{INDICATOR}/commentary")
    assert after.status_code == 200  # they read it
    assert len(after.json()["versions"]) == before


def test_a_form_post_without_the_sessions_csrf_token_is_refused(web_hub):
    analyst = web_hub.client("analyst")
    text = _mark("Posted from another site.")
    for data in ({"period": "2026-11", "text": text}, {"period": "2026-11", "text": text, "csrf_token": "forged"}):
        refused = analyst.post(f"/indicators/{INDICATOR}/commentary", data=data)
        assert refused.status_code == 403
        assert "not sent from this site" in refused.text
    versions = analyst.get(f"/api/v1/indicators/{INDICATOR}/commentary").json()["versions"]
    assert text not in [v["text"] for v in versions]


def test_the_history_shows_every_version_and_what_each_changed(web_hub):
    analyst = web_hub.client("analyst")
    token = csrf_of(analyst)
    period = "2025-07"  # a month of its own
    first, second = "Caseloads fell to 17 in July.", "Caseloads fell to 16 in July, as planned."
    for text in (first, second):
        analyst.post("/indicators/cla_count/commentary", data={"period": period, "text": text, "csrf_token": token})
    page = analyst.get("/indicators/cla_count/commentary")
    assert page.status_code == 200
    assert "July 2025, version 2" in page.text and "July 2025, version 1" in page.text
    assert "<del>17 </del><ins>16 </ins>" in page.text
    assert "<del>July.</del><ins>July, as planned.</ins>" in page.text
    scrutiny = web_hub.client("scrutiny").get("/api/v1/indicators/cla_count/commentary")
    mine = [v for v in scrutiny.json()["versions"] if v["period"] == period]
    assert [(v["version"], v["text"], v["written_by"]) for v in mine][:2] == [
        (2, second, "analyst"),
        (1, first, "analyst"),
    ]
    assert mine[0]["changes"] == [
        {"kind": "same", "text": "Caseloads fell to "},
        {"kind": "removed", "text": "17 "},
        {"kind": "added", "text": "16 "},
        {"kind": "same", "text": "in "},
        {"kind": "removed", "text": "July."},
        {"kind": "added", "text": "July, as planned."},
    ]


def test_the_api_writes_a_version_with_a_token_refuses_bad_text_and_audits_each_write(web_hub):
    headers = _token(web_hub, "analyst")
    client = web_hub.client()
    text = _mark("Written by the performance team's script.")
    written = client.post(
        f"/api/v1/indicators/{INDICATOR}/commentary", json={"period": "2026-10", "text": text}, headers=headers
    )
    assert written.status_code == 200, written.text
    assert (written.json()["text"], written.json()["written_by"], written.json()["period"]) == (
        text,
        "analyst",
        "2026-10",
    )
    newest = events(web_hub.data_dir, action="write_commentary", limit=1)[0]
    assert (newest.actor, newest.subject, newest.channel) == ("analyst", INDICATOR, "api")
    assert newest.details["version"] == written.json()["version"]

    too_long = client.post(
        f"/api/v1/indicators/{INDICATOR}/commentary", json={"period": "2026-10", "text": "x" * 2001}, headers=headers
    )
    assert too_long.status_code == 400
    assert too_long.json()["error"]["message"] == "the commentary is 2,001 characters long; at most 2,000 are kept"
    control = client.post(
        f"/api/v1/indicators/{INDICATOR}/commentary", json={"period": "2026-10", "text": "a\x00b"}, headers=headers
    )
    assert control.status_code == 400 and "control character (U+0000)" in control.json()["error"]["message"]
    unknown = client.get("/api/v1/indicators/no_such/commentary", headers=headers)
    assert unknown.status_code == 404
    scrutiny = client.post(
        f"/api/v1/indicators/{INDICATOR}/commentary",
        json={"period": "2026-10", "text": "x"},
        headers=_token(web_hub, "scrutiny"),
    )
    assert scrutiny.status_code == 403


# --- the self-evaluation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["scrutiny", "practitioner"])
def test_the_self_evaluation_is_not_for_scrutiny_or_practitioners(web_hub, role):
    client = web_hub.client(role)
    for path in (
        "/self-evaluation",
        "/self-evaluation/history",
        "/self-evaluation/export.pdf",
        "/api/v1/self-evaluation",
    ):
        assert client.get(path).status_code == 403, path
    refused = client.post(
        "/self-evaluation", data={"area": "leadership", "question": "know", "text": "x", "csrf_token": csrf_of(client)}
    )
    assert refused.status_code == 403


def test_the_page_asks_the_three_questions_per_judgement_area_with_the_evidence(web_hub):
    page = web_hub.client("manager").get("/self-evaluation")
    assert page.status_code == 200
    for question in (
        "What do you know about the quality and impact of social work practice?",
        "How do you know it?",
        "What are your plans for the next 12 months?",
    ):
        assert page.text.count(f'<h3 class="heading-m">{question}</h3>') == 4  # once per judgement area
    for area in ("help and protection", "children in care", "care leavers", "leaders on social work practice"):
        assert area in page.text
    # the evidence: the indicator whose target the web hub's authority.yml sets at 20 (a percentage, 1 decimal)
    row = re.search(r'<a href="/indicators/re_referrals_12m\?as_at=[^"]+">(.*?)</tr>', page.text, re.S)
    assert row, "re-referrals is not in the evidence"
    assert '<td class="number">20.0%</td>' in row.group(1)
    figure = web_hub.client("manager").get(f"/api/v1/indicators/{INDICATOR}").json()["figure"]
    assert f'<td class="number">{figure["formatted"]}' in row.group(1)
    assert "Data quality" in page.text and "Case file audits" in page.text


def test_an_answer_saved_is_a_new_version_and_a_restore_is_another(web_hub):
    analyst = web_hub.client("analyst")
    token = csrf_of(analyst)
    first, second = _mark("We know our children in care well."), _mark("We know our children in care very well.")
    for text in (first, second):
        saved = analyst.post(
            "/self-evaluation",
            data={"area": "children_in_care", "question": "know", "text": text, "csrf_token": token},
        )
        assert saved.status_code == 303
        assert saved.headers["location"].endswith("#children_in_care-know")
    versions = analyst.get("/api/v1/self-evaluation/history", params={"area": "children_in_care", "question": "know"})
    newest, earlier = versions.json()["versions"][:2]
    assert (newest["text"], earlier["text"], newest["version"]) == (second, first, earlier["version"] + 1)
    assert str(escape(second)) in analyst.get("/self-evaluation").text

    history = analyst.get("/self-evaluation/history", params={"area": "children_in_care", "question": "know"})
    assert history.status_code == 200 and "Restore this version" in history.text
    assert "<ins>very </ins>" in history.text
    restored = analyst.post("/self-evaluation/restore", data={"version_id": earlier["version_id"], "csrf_token": token})
    assert restored.status_code == 303
    after = analyst.get("/api/v1/self-evaluation/history", params={"area": "children_in_care", "question": "know"})
    latest = after.json()["versions"][0]
    assert (latest["text"], latest["version"], latest["restored_from"], latest["written_by"]) == (
        first,
        newest["version"] + 1,
        earlier["version_id"],
        "analyst",
    )
    audited = events(web_hub.data_dir, action="write_self_evaluation", limit=3)
    assert [(e.actor, e.subject, e.details["version"]) for e in audited] == [
        ("analyst", "children_in_care know", latest["version"]),
        ("analyst", "children_in_care know", newest["version"]),
        ("analyst", "children_in_care know", earlier["version"]),
    ]
    assert audited[0].details["restored_from"] == earlier["version_id"]


def test_saving_or_restoring_without_the_csrf_token_is_refused(web_hub):
    manager = web_hub.client("manager")
    text = _mark("Forged.")
    refused = manager.post("/self-evaluation", data={"area": "leadership", "question": "plans", "text": text})
    assert refused.status_code == 403
    assert manager.post("/self-evaluation/restore", data={"version_id": 1}).status_code == 403
    versions = manager.get("/api/v1/self-evaluation/history").json()["versions"]
    assert text not in [v["text"] for v in versions]


def test_an_answer_that_cannot_be_kept_is_refused_in_one_line(web_hub):
    admin = web_hub.client("admin")
    token = csrf_of(admin)
    empty = admin.post(
        "/self-evaluation", data={"area": "leadership", "question": "plans", "text": "  ", "csrf_token": token}
    )
    assert empty.status_code == 400 and "the answer is empty: write something" in empty.text
    wrong = admin.post(
        "/self-evaluation", data={"area": "schools", "question": "plans", "text": "x", "csrf_token": token}
    )
    assert wrong.status_code == 400 and "the judgement area is one of" in wrong.text
    missing = admin.post("/self-evaluation/restore", data={"version_id": 987654, "csrf_token": token})
    assert missing.status_code == 400 and "there is no version 987654 of the self-evaluation" in missing.text


def _pdf_text(content: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in document.sections for p in section.footer.paragraphs]
    return " ".join(" ".join(parts).split())


def test_the_export_as_pdf_and_word_holds_the_answers_and_the_evidence_and_is_audited(web_hub):
    manager = web_hub.client("manager")
    answer = _mark("Our plan: recruit twelve foster carers by March.")
    manager.post(
        "/self-evaluation",
        data={"area": "children_in_care", "question": "plans", "text": answer, "csrf_token": csrf_of(manager)},
    )
    day = date.today()
    for kind, media, read in (
        ("pdf", "application/pdf", _pdf_text),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _docx_text),
    ):
        response = manager.get(f"/self-evaluation/export.{kind}", params={"as_at": day.isoformat()})
        assert response.status_code == 200
        assert response.headers["content-type"] == media
        assert f'filename="self-evaluation-{day.isoformat()}.{kind}"' in response.headers["content-disposition"]
        text = read(response.content)
        assert "Ashmere (test): self-evaluation of social work practice" in text
        assert answer in text
        assert "OFFICIAL-SENSITIVE" in text
        # re-referrals with the target the web hub's authority.yml sets (20, a percentage to 1 decimal)
        assert re.search(r"Re-referrals.{0,200}20\.0%", text), kind
        newest = events(web_hub.data_dir, action="export_self_evaluation", limit=1)[0]
        assert (newest.actor, newest.subject, newest.details["as_at"]) == (
            "manager",
            f"self-evaluation.{kind}",
            day.isoformat(),
        )
