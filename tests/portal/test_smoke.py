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
