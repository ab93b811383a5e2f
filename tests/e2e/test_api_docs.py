"""The browsable API docs (/api/docs, Swagger UI from static/, no CDN) in a real browser under the site's
CSP: the scripts run (every operation is listed), nothing is refused by the Content Security Policy,
every request stays on the site's origin, and "Try it out" gets an answer."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.factories import GroupFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_api_docs_render_under_the_sites_csp_and_try_it_out_answers(page, live_server, shot, client):
    GroupFactory(name="Docs Working Group", slug="docs-wg")
    operations = sum(len(methods) for methods in client.get("/api/openapi.json").json()["paths"].values())
    problems, origins = [], set()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" or "Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("request", lambda r: origins.add("{0.scheme}://{0.netloc}".format(urlsplit(r.url))))

    response = page.goto(f"{live_server.url}/api/docs")
    assert "script-src" in response.headers["content-security-policy"]  # the site's CSP applies here too
    try:  # Swagger UI's script ran and read the schema
        page.locator(".opblock").first.wait_for(timeout=15_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"Swagger UI did not render; the browser said: {problems}")
    assert page.locator(".opblock").count() == operations
    assert "MCP Groups Portal API" in page.locator(".info .title").inner_text()

    page.locator("#operations-groups-list_groups").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    live = page.locator(".live-responses-table .response .response-col_status")
    live.first.wait_for(timeout=15_000)
    assert live.first.inner_text().strip() == "200"
    assert "docs-wg" in page.locator(".live-responses-table .response .response-col_description").first.inner_text()
    shot(page, "api-docs")
    assert problems == []
    assert origins == {live_server.url}
