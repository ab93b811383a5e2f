"""DESIGN 9 in a real browser: a page replayed from the response cache runs its scripts under the
nonce of its own CSP header, and its forms post (CSRF token and cookie filled in per request)."""

import urllib.request
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import GroupFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_cached_page_scripts_run_and_its_form_posts(page, live_server, shot):
    # a second into a minute, the clock running: the two loads never straddle the cache's minute
    start = timezone.now().replace(second=1, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=True):
        _cached_page_journey(page, live_server, shot)


def _cached_page_journey(page, live_server, shot):
    GroupFactory(name="Cached Working Group")
    url = live_server.url + "/groups/"
    with urllib.request.urlopen(url) as first:  # someone else fills the cache
        assert first.headers["X-Response-Cache"] == "miss"
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    response = page.goto(url)
    assert response.headers["x-response-cache"] == "hit"
    nonce = page.evaluate("() => document.querySelector('script[src*=htmx]').nonce")
    assert nonce
    assert f"'nonce-{nonce}'" in response.headers["content-security-policy"]
    page.wait_for_function("() => window.htmx !== undefined")  # the deferred scripts ran
    assert not violations
    shot(page, "cached-groups-page")

    page.locator("#tz-choice").fill("Asia/Tokyo")
    page.locator(".tz-form").get_by_role("button").click()
    page.wait_for_load_state()
    assert page.locator("#tz-choice").input_value() == "Asia/Tokyo"  # the POST passed CSRF
    assert "Forbidden" not in page.content()
