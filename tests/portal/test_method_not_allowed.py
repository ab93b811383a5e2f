"""GET on a POST-only URL shows the site's own 405 page (with Allow), for every POST-only route."""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

SKIP = ("admin/", "accounts/")


def _routes(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _routes(p, route)
        elif isinstance(p, URLPattern) and "<" not in route and not route.startswith(SKIP):
            yield route


def test_get_on_a_post_only_url_shows_the_site_405_page(client, db):
    resp = client.get("/timezone/")
    assert resp.status_code == 405
    assert resp["Allow"] == "POST"
    body = resp.content.decode()
    assert "This address is not a page" in body
    assert 'class="site-header"' in body  # the site's layout, not Django's empty body


def test_every_parameterless_post_only_route_gets_the_page(client_for, db):
    c = client_for(UserFactory())
    seen = 0
    for route in _routes():
        resp = c.get("/" + route)
        if resp.status_code == 405:
            seen += 1
            assert b"This address is not a page" in resp.content, route
    assert seen >= 2
