"""The REST API: its documentation page, its OpenAPI schema, and that every endpoint needs signing in."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from conftest import WEB_ROLES


@pytest.fixture(scope="module")
def app(web_hub):
    return web_hub.app()


def _api_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) the app answers under /api/v1/, nested routers included (the schema itself aside)."""
    return sorted(
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.path.startswith("/api/v1/")
        for method in context.methods or ()
        if method != "HEAD"
    )


@pytest.mark.parametrize("role", WEB_ROLES)
def test_every_role_reads_the_documentation(web_hub, role):
    page = web_hub.client(role).get("/api")
    assert page.status_code == 200
    text = page.text
    assert '<h1 class="heading-xl">The REST API</h1>' in text
    assert "childhub users token" in text and "Authorization: Bearer" in text
    assert '{"error": {"status": 401, "message": "sign in to continue"}}' in text.replace("&#34;", '"')
    for path in ("/api/v1/indicators", "/api/v1/cohorts", "/api/v1/sql", "/api/v1/audit"):
        assert f'<th scope="row" class="analysis-code">{path}</th>' in text
    assert "Count a cohort" in text and "Run one read-only SELECT" in text and "a JSON body" in text


def test_the_documentation_lists_every_endpoint_of_the_schema(web_hub, app):
    page = web_hub.client("analyst").get("/api").text
    listed = set(
        re.findall(
            r'<span class="tag tag--grey">(\w+)</span></td>\s*<th scope="row" class="analysis-code">'
            r"([^<]+)</th>",
            page,
        )
    )
    assert listed == {(method, path) for method, path in _api_routes(app)}


def test_the_openapi_schema_lists_every_api_route(web_hub, app):
    schema = web_hub.client().get("/api/v1/openapi.json").json()
    routes = _api_routes(app)
    assert len(routes) >= 4
    for method, path in routes:
        assert path in schema["paths"], path
        assert method.lower() in schema["paths"][path], (method, path)


def test_every_api_route_needs_a_token_or_session(web_hub, app):
    client = web_hub.client()
    for method, path in _api_routes(app):
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = client.request(method, url, json={} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["error"]["status"] == 401
        forged = client.request(method, url, headers={"Authorization": "Bearer not-a-real-token"})
        assert forged.status_code == 401, (method, path)


def test_without_a_session_the_documentation_sends_you_to_sign_in(web_hub):
    response = web_hub.client().get("/api")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
