import pytest

from tests.factories import UserFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_p3_home_sign_in_shows_name(page, live_server, sign_in, shot):
    user = UserFactory(display_name="Grace Hopper-Test")
    page.goto(live_server.url + "/")
    assert page.get_by_role("link", name="Groups").first.is_visible()
    sign_in(page, user)
    assert page.locator(".whoami").inner_text() == "Grace Hopper-Test"
    assert shot(page, "home-signed-in").exists()
