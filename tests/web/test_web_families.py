"""The family view: a family's children, parents and carers, relationships and services, within scope."""

from __future__ import annotations

from childhub.audit import events

OPEN = "a.start_date <= current_date AND (a.end_date IS NULL OR a.end_date > current_date)"


def cursor_of(client):
    return client.app.state.childhub.served.current().cursor()


def family_where(cursor, having: str, params=()) -> int:
    """A family whose current members meet ``having`` (``seen`` counts the members in the manager's team)."""
    found = cursor.execute(
        f"""
        WITH seen AS (SELECT DISTINCT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.team_id = ?)
        SELECT m.family_id FROM family_member m LEFT JOIN seen s ON s.child_key = 'C' || m.child_id
        WHERE m.valid_to IS NULL GROUP BY m.family_id HAVING {having} ORDER BY m.family_id LIMIT 1
        """,
        list(params),
    ).fetchall()
    assert found, f"the test authority has no family with {having}"
    return found[0][0]


def names_of(cursor, family_id: int) -> list[str]:
    return [
        row[0]
        for row in cursor.execute(
            "SELECT p.forename FROM family_member m JOIN fact_person p ON p.child_key = 'C' || m.child_id "
            "WHERE m.family_id = ? AND m.valid_to IS NULL AND p.source_system = 'social_care'",
            [family_id],
        ).fetchall()
    ]


def test_an_analyst_sees_every_member_their_carers_and_services(web_hub):
    client = web_hub.client("analyst")
    cursor = cursor_of(client)
    family = family_where(
        cursor,
        "count(*) >= 2 AND bool_or(m.child_id IN (SELECT p.child_id FROM carer c JOIN fact_person p "
        "ON p.source_system = c.source_system AND p.person_id = c.care_person_id))",
        [web_hub.manager_team],
    )
    page = client.get(f"/families/{family}")
    assert page.status_code == 200
    for name in names_of(cursor, family):
        assert name in page.text
    assert page.text.count('href="/children/C') >= 2
    assert "Parents and carers" in page.text and ("Mother of" in page.text or "Father of" in page.text)
    assert "Children&#39;s social care" in page.text
    event = events(web_hub.data_dir, action="view_family", subject=str(family), limit=1)[0]
    assert event.actor == "analyst" and event.child_count >= 2


def test_a_manager_sees_members_outside_their_scope_without_name_or_link(web_hub):
    client = web_hub.client("manager")
    cursor = cursor_of(client)
    family = family_where(cursor, "count(s.child_key) >= 1 AND count(s.child_key) < count(*)", [web_hub.manager_team])
    hidden = cursor.execute(
        f"""
        SELECT 'C' || m.child_id FROM family_member m WHERE m.family_id = ? AND m.valid_to IS NULL
          AND 'C' || m.child_id NOT IN (SELECT a.child_key FROM fact_allocation a WHERE {OPEN} AND a.team_id = ?)
        """,
        [family, web_hub.manager_team],
    ).fetchall()
    page = client.get(f"/families/{family}")
    assert page.status_code == 200
    assert "Another child known to services" in page.text
    for (key,) in hidden:
        assert f'/children/{key}"' not in page.text and f">{key}<" not in page.text
    body = client.get(f"/api/v1/families/{family}").json()
    hidden_rows = [m for m in body["members"] if not m["visible"]]
    assert hidden_rows and all(m["name"] is None and m["child_key"] is None for m in hidden_rows)
    # Nothing about them but that they exist: not their role, nor the services they are known to.
    assert all(m["services"] == [] and m["open_services"] == [] and m["role"] is None for m in hidden_rows)
    assert events(web_hub.data_dir, action="view_family", subject=str(family), limit=1)[0].child_count == (
        len(body["members"]) - len(hidden_rows)
    )


def test_a_family_with_no_member_in_scope_is_not_found(web_hub):
    client = web_hub.client("manager")
    family = family_where(cursor_of(client), "count(s.child_key) = 0", [web_hub.manager_team])
    assert client.get(f"/families/{family}").status_code == 404
    assert client.get(f"/api/v1/families/{family}").status_code == 404
    assert client.get("/families/999999999").status_code == 404


def test_the_api_gives_members_carers_and_relationships(web_hub):
    client = web_hub.client("admin")
    family = family_where(cursor_of(client), "count(*) >= 2", [web_hub.manager_team])
    body = client.get(f"/api/v1/families/{family}").json()
    assert body["family_id"] == family and len(body["members"]) >= 2
    assert set(body) >= {"members", "carers", "relationships"}
    assert all(m["visible"] and m["name"] for m in body["members"])


def test_scrutiny_is_refused_and_no_session_is_sent_to_sign_in(web_hub):
    client = web_hub.client("scrutiny")
    family = family_where(cursor_of(client), "count(*) >= 1", [web_hub.manager_team])
    assert client.get(f"/families/{family}").status_code == 403
    assert client.get(f"/api/v1/families/{family}").status_code == 403
    assert web_hub.client().get(f"/families/{family}").status_code == 303
