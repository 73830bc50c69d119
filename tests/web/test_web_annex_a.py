"""The Annex A page: the workbook or CSV files for a date (CSRF, audited), and charts list by list."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest

from childhub.audit import events
from conftest import csrf_of


def test_the_annex_a_page_has_a_download_form(web_hub):
    page = web_hub.client("analyst").get("/annex-a")
    assert page.status_code == 200
    assert '<form method="post" action="/annex-a">' in page.text and 'name="csrf_token"' in page.text
    assert '<label class="label" for="download_as_at">Inspection date</label>' in page.text
    assert "List 1 - Contacts" not in page.text  # charts only once a date is chosen


def test_the_charts_count_each_list_for_the_date(web_hub):
    from childhub.annex_a.export import annex_a_rows

    today = date.today()
    with web_hub.store.reader() as conn:
        lists = {listed.annex_list.number: listed for listed in annex_a_rows(conn, today)}
    page = web_hub.client("admin").get(f"/annex-a?as_at={today.isoformat()}")
    assert page.status_code == 200
    text = page.text
    for number in range(1, 12):
        assert f'id="list-{number}">{lists[number].annex_list.sheet_name}</h3>' in text
        assert f"({len(lists[number].rows)} rows)" in text
    for caption in (
        "Contacts per month",
        "Referrals by source",
        "Assessment duration (start to authorisation)",
        "Strategy discussion to initial child protection conference",
        "Children in need: how long the episode has lasted",
        "Child protection plans by category of abuse",
        "Children in care by legal status",
        "Children in care by placement type",
        "Care leavers by activity",
    ):
        assert f'<figcaption class="chart__caption">{caption}</figcaption>' in text
    # The contacts-per-month table adds up to List 1
    chart = text.split("Contacts per month</figcaption>")[1].split("</figure>")[0]
    counts = [int(n) for n in re.findall(r"<tr><td>\d{4}-\d\d</td><td>(\d+)</td></tr>", chart)]
    assert sum(counts) == len(lists[1].rows)
    # Assessment duration bins cover every assessment
    chart = text.split("Assessment duration (start to authorisation)</figcaption>")[1].split("</figure>")[0]
    assert "Same day" in chart and "61+ working days" in chart
    counts = [int(n) for n in re.findall(r"<tr><td>[^<]+</td><td>(\d+)</td></tr>", chart)]
    assert sum(counts) == len(lists[4].rows)
    event = events(web_hub.data_dir, actor="admin", action="view_annex_a_charts", limit=1)[0]
    assert event.subject == today.isoformat()


def test_downloading_the_workbook_needs_the_csrf_token_and_is_audited(web_hub, tmp_path):
    import openpyxl

    from childhub.annex_a.export import write_annex_a

    client = web_hub.client("analyst")
    today = date.today().isoformat()
    assert client.post("/annex-a", data={"as_at": today}).status_code == 403
    response = client.post("/annex-a", data={"as_at": today, "csrf_token": csrf_of(client)})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    assert f"annex_a_{today}.xlsx" in response.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert "List 1 - Contacts" in workbook.sheetnames and "Summary" in workbook.sheetnames
    expected = write_annex_a(web_hub.store, date.today(), tmp_path / "annex.xlsx")
    event = events(web_hub.data_dir, actor="analyst", action="export_annex_a", limit=1)[0]
    assert event.child_count == expected.children and event.details["format"] == "xlsx"


@pytest.mark.slow
def test_the_csv_option_gives_a_zip_of_the_lists(web_hub):
    client = web_hub.client("admin")
    token = csrf_of(client)
    response = client.post("/annex-a?format=csv", data={"as_at": "2026-03-31", "csrf_token": token})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "list_01_contacts.csv" in names and "summary.csv" in names and "checks.csv" in names and len(names) == 13
    from_form = client.post("/annex-a", data={"as_at": "2026-03-31", "format": "csv", "csrf_token": token})
    assert from_form.headers["content-type"] == "application/zip"


def test_the_api_gives_the_workbook(web_hub):
    client = web_hub.client("admin")
    response = client.post("/api/v1/annex-a?as_at=2026-03-31", headers={"x-csrf-token": csrf_of(client)})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert "annex_a_2026-03-31.xlsx" in response.headers["content-disposition"]
    assert events(web_hub.data_dir, actor="admin", action="export_annex_a", limit=1)[0].subject == "2026-03-31"


@pytest.mark.parametrize("role", ["manager", "practitioner", "scrutiny"])
def test_other_roles_are_refused(web_hub, role):
    client = web_hub.client(role)
    assert client.get("/annex-a").status_code == 403
    assert client.get("/annex-a?as_at=2026-03-31").status_code == 403
    token = csrf_of(client)
    assert client.post("/annex-a", data={"as_at": "2026-03-31", "csrf_token": token}).status_code == 403
    refused = client.post("/api/v1/annex-a?as_at=2026-03-31", headers={"x-csrf-token": token})
    assert refused.status_code == 403 and refused.json()["error"]["status"] == 403
    assert web_hub.client().get("/annex-a").status_code == 303


# --- the check, the template version and the inspection date ------------------------------------


def test_the_page_shows_the_checks_findings_before_the_download(web_hub):
    from childhub.annex_a import template, version_for
    from childhub.annex_a.check import check_lists
    from childhub.annex_a.export import annex_a_rows

    today = date.today()
    with web_hub.store.reader() as conn:
        lists = annex_a_rows(conn, today)
        checked = check_lists(
            template(version_for(today)), today, [(x.annex_list, x.rows, x.hidden) for x in lists], conn
        )
    page = web_hub.client("analyst").get(f"/annex-a?as_at={today.isoformat()}")
    assert page.status_code == 200
    section = page.text.split('id="annex-a-check">Checked before it leaves</h3>')[1].split("</section>")[0]
    if not checked.findings:
        assert "The check found nothing to fix" in section
        return
    findings, children = len(checked.findings), len(checked.children)
    assert f"{findings:,} finding{'' if findings == 1 else 's'} about {children:,} child" in section
    for group in checked.groups():
        assert f"<td>{group.sheet_name}</td><td>{group.header}</td><td>{group.check_words}</td>" in section.replace(
            "&#39;", "'"
        )
    event = events(web_hub.data_dir, actor="analyst", action="view_annex_a_charts", limit=1)[0]
    assert event.details["findings"] == findings and event.child_count == children


def test_the_page_and_the_download_offer_the_template_version(web_hub):
    import openpyxl

    client = web_hub.client("analyst")
    page = client.get("/annex-a")
    assert '<select class="select" id="download_template" name="template">' in page.text
    assert '<option value="2023">2023</option>' in page.text
    token = csrf_of(client)
    response = client.post("/annex-a", data={"as_at": "2026-03-31", "template": "2023", "csrf_token": token})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert next(workbook["List 1 - Contacts"].iter_rows(max_row=1, values_only=True))[1] == "Gender"
    assert "Checks" in workbook.sheetnames
    assert events(web_hub.data_dir, actor="analyst", action="export_annex_a", limit=1)[0].details["version"] == "2023"
    refused = client.post("/annex-a", data={"as_at": "2026-03-31", "template": "1999", "csrf_token": token})
    assert refused.status_code == 400 and "There is no Annex A template &#39;1999&#39;" in refused.text


def test_an_inspection_date_in_the_future_is_refused_in_one_line(web_hub):
    client = web_hub.client("analyst")
    page = client.get("/annex-a?as_at=2999-01-01")
    assert page.status_code == 400
    assert '<p class="notice" role="alert">The inspection date 2999-01-01 is in the future (today is ' in page.text
    assert "List 1 - Contacts" not in page.text
    token = csrf_of(client)
    download = client.post("/annex-a", data={"as_at": "2999-01-01", "csrf_token": token})
    assert download.status_code == 400 and "The inspection date 2999-01-01 is in the future" in download.text
    api = client.post("/api/v1/annex-a?as_at=2999-01-01", headers={"x-csrf-token": token})
    assert api.status_code == 400


def test_the_template_chosen_stays_chosen_and_the_footer_keeps_childhubs_version(web_hub):
    """The page's chosen template version once overwrote the page's global `version` (childhub's own), so the
    footer read "childhub ." and the stylesheet lost its cache-buster."""
    from childhub import __version__

    page = web_hub.client("analyst").get("/annex-a?template=2023")
    assert page.status_code == 200
    assert '<option value="2023" selected>' in page.text
    assert f"<p>childhub {__version__}. Synthetic data only" in page.text
    assert f"indicators.css?v={__version__}" in page.text
