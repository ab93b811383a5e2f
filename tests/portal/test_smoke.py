def test_home_renders_navigation(client, db):
    resp = client.get("/")
    assert resp.status_code == 200
    body = resp.content.decode()
    for label in ("Groups", "Meetings", "SEPs", "Skip to content"):
        assert label in body


def test_healthz_is_bare(client, db):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.content == b"ok"


def test_404_uses_the_site_layout(client, db):
    resp = client.get("/no-such-page/")
    body = resp.content.decode()
    assert resp.status_code == 404
    assert "Page not found" in body
    assert 'href="#main"' in body
    assert "Content-Security-Policy" in resp


def test_403_explains_why_in_the_site_layout(client_for, contributor, db):
    from tests.factories import GroupFactory

    group = GroupFactory(name="Registry WG")
    resp = client_for(contributor).get(f"/groups/{group.slug}/nominate/")
    body = resp.content.decode()
    assert resp.status_code == 403
    assert "You can't do that here" in body
    assert "may nominate." in body
    assert '<nav aria-label="Main">' in body


def test_500_page_renders_without_a_request(db):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "{{" not in html
    assert "<script" not in html
