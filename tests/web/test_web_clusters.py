"""The Clusters page and its lists of the most vulnerable children: who may open what, disclosure control for
scrutiny, each manager's scope, the audit log and the downloads."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from urllib.parse import quote

import pytest

from childhub.audit import events
from childhub.leaders.clusters import NO_CLUSTER, clusters_path

NOBODY = quote(NO_CLUSTER)


@pytest.fixture(scope="module")
def with_clusters(web_hub):
    """The web hub with a clusters file: the tiny authority's home districts QX1-QX20 in "North", QX21-QX40 in
    "South" (taken away again after this module's tests)."""
    path = clusters_path(web_hub.data_dir)
    rows = [
        f"{'North' if district <= 20 else 'South'},QX{district} {sector}"
        for district in range(1, 41)
        for sector in range(1, 10)
    ]
    path.write_text("cluster,postcode_sector\n" + "\n".join(rows) + "\n", "utf-8")
    yield web_hub
    path.unlink()


def test_the_page_shows_every_measure_per_cluster_and_the_rules_to_those_who_may_see_children(with_clusters):
    page = with_clusters.client("analyst").get("/clusters")
    assert page.status_code == 200, page.text
    for words in (
        "Children known to two or more services",
        "Families known to two or more services",
        "School attendance",
        "Persistent absence",
        "16 and 17 year olds NEET or not known",
        "Children in care per 10,000 known children",
        "Children entering care in the last 12 months",
        "How the most vulnerable children are found",
        "no score and no weight",
        'href="/clusters/North/children?as_at=',
    ):
        assert words in page.text, words
    assert "No clusters are loaded yet" not in page.text


def test_scrutiny_sees_month_end_figures_with_no_small_count_and_no_list_of_children(with_clusters):
    client = with_clusters.client("scrutiny")
    body = client.get("/api/v1/clusters", params={"as_at": date.today().isoformat()}).json()
    as_at = date.fromisoformat(body["as_at"])
    assert (as_at + timedelta(days=1)).day == 1  # a month end: figures on two days cannot be subtracted
    assert body["clusters"] == ["North", "South", NO_CLUSTER]
    small = []
    for measure in body["measures"]:
        for figure in [measure["authority"], *measure["clusters"]]:
            for point in [figure, *figure["trend"]]:
                for key in ("count", "of"):
                    if isinstance(point[key], int) and 0 < point[key] < 5:
                        small.append((measure["id"], figure["cluster"], point.get("as_at"), key, point[key]))
                if point["suppressed"]:
                    assert point["value"] is None
    assert not small
    # no hidden count can be worked out from the authority's total minus the clusters shown
    recovered = []
    for measure in body["measures"]:
        total = measure["authority"]["count"]
        hidden = [f for f in measure["clusters"] if f["count"] == "[c]"]
        if not isinstance(total, int) or not hidden:
            continue
        rest = total - sum(f["count"] for f in measure["clusters"] if isinstance(f["count"], int))
        if len(hidden) == 1 or 0 < rest < 5 or rest == len(hidden):
            recovered.append((measure["id"], rest, [f["cluster"] for f in hidden]))
    assert not recovered
    # the tiny authority has few children entering care: some cluster of it must be hidden, not shown
    entering = next(m for m in body["measures"] if m["id"] == "entering_care")
    assert any(f["suppressed"] for f in entering["clusters"])
    page = client.get("/clusters")
    assert page.status_code == 200
    assert "Most vulnerable children listed" not in page.text and "/children" not in page.text.split("<main")[-1]


@pytest.mark.parametrize("path", [f"/clusters/{NOBODY}/children", f"/api/v1/clusters/{NOBODY}/children"])
def test_scrutiny_is_refused_every_list_of_children(web_hub, path):
    assert web_hub.client("scrutiny").get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/clusters", "/api/v1/clusters", f"/clusters/{NOBODY}/children", f"/api/v1/clusters/{NOBODY}/children"]
)
def test_a_practitioner_is_refused_the_clusters(web_hub, path):
    assert web_hub.client("practitioner").get(path).status_code == 403


def test_an_unknown_cluster_is_not_found(with_clusters):
    assert with_clusters.client("admin").get("/clusters/Atlantis/children").status_code == 404


def test_a_manager_sees_only_their_scopes_children_and_each_list_is_audited(with_clusters):
    admin = with_clusters.client("admin").get("/api/v1/clusters/North/children").json()
    manager = with_clusters.client("manager").get("/api/v1/clusters/North/children").json()
    everyone = {child["child_key"] for child in admin["children"]}
    theirs = {child["child_key"] for child in manager["children"]}
    assert everyone, "the tiny authority's North cluster lists no child: the test would prove nothing"
    assert theirs <= everyone
    from childhub.web.scope import child_filter

    app = with_clusters.shared_app
    cursor = app.state.childhub.served.current().cursor()
    predicate, values = child_filter(_signed(app, "manager"), "child_key")
    in_scope = {
        key for (key,) in cursor.execute(f"SELECT child_key FROM fact_child WHERE {predicate}", values).fetchall()
    }
    assert theirs == everyone & in_scope
    # ordered by the number of reasons, each at least the rules' min_reasons, every reason in words
    counts = [len(child["reasons"]) for child in admin["children"]]
    assert counts == sorted(counts, reverse=True) and min(counts) >= admin["min_reasons"] == 2
    assert all(reason["detail"] for child in admin["children"] for reason in child["reasons"])
    (event,) = events(with_clusters.data_dir, action="view_vulnerable_children", actor="admin", limit=1)
    assert set(event.children) == everyone and event.subject == "North"


def _signed(app, username):
    from childhub.accounts import Accounts
    from childhub.web.deps import Signed

    return Signed(Accounts(app.state.childhub.data_dir).find(username), "api", None)


def test_the_page_lists_each_child_with_every_reason_and_the_download_has_names(with_clusters):
    client = with_clusters.client("analyst")
    page = client.get("/clusters/South/children")
    assert page.status_code == 200
    listed = client.get("/api/v1/clusters/South/children").json()["children"]
    assert listed, "the tiny authority's South cluster lists no child: the test would prove nothing"
    first = listed[0]
    assert f'href="/children/{first["child_key"]}"' in page.text
    for reason in first["reasons"]:
        assert reason["detail"].replace("'", "&#39;") in page.text
    download = client.get("/clusters/South/children", params={"format": "csv"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["Child ID", "Name", "Date of birth", "Reasons", "What the rules found"]
    assert len(rows) == len(listed) + 1
    assert rows[1][3] == str(len(first["reasons"]))
    assert rows[1][4] == "; ".join(reason["detail"] for reason in first["reasons"])
    (event,) = events(with_clusters.data_dir, action="download_list", actor="analyst", limit=1)
    assert event.child_count == len(listed)
