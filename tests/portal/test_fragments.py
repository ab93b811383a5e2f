"""Issue #14: `{% fragment %}` (portal/templatetags/fragments.py), page parts shared across viewers.

Each test names the part of the key (or the refusal) it proves: a fragment is keyed on the data
version (any write, by any path), the viewer's time zone and, unless `timeless`, the minute; what
depends on the viewer is outside or in the vary list; a per-request secret is never stored.
The response cache is off throughout: every request here renders its page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.middleware.csrf import get_token
from django.template import engines
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.csp import LazyNonce

from groups.models import Tier
from portal.models import LadderRole
from portal.templatetags.fragments import UnsafeFragment
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.seps.factories import SEPFactory

from .fragment_fixtures import _early_in_a_minute, _pages_render  # noqa: F401 (autouse fixtures)

pytestmark = pytest.mark.django_db


def queries(client, url, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.content[:300]
    return len(captured), response


def render(source, request, **context):
    return engines["django"].from_string("{% load fragments %}" + source).render(context, request)


def a_request(path="/"):
    request = RequestFactory().get(path)
    request._csp_nonce = LazyNonce()
    return request


# --- the key ------------------------------------------------------------------------------------


def test_14_a_raw_sql_write_changes_the_fragment_on_the_next_request(client):
    group = GroupFactory(slug="versioned")
    member = MembershipFactory(group=group, user=UserFactory(display_name="Old Name"))
    assert "Old Name" in client.get("/groups/versioned/").content.decode()
    with connection.cursor() as cursor:  # no model, no service, no signal: only the trigger sees it
        cursor.execute("UPDATE portal_user SET display_name = %s WHERE id = %s", ["New Name", member.user_id])
    page = client.get("/groups/versioned/").content.decode()
    assert "New Name" in page and "Old Name" not in page


def test_14_a_service_write_changes_the_sep_body(client):
    sep = SEPFactory(number=4401, body="## Abstract\n\nThe first text.\n")
    assert "The first text." in client.get("/seps/4401/").content.decode()
    sep.body = "## Abstract\n\nThe second text.\n"
    sep.render_body()
    sep.save()
    page = client.get("/seps/4401/").content.decode()
    assert "The second text." in page and "The first text." not in page


def test_14_two_time_zones_never_share_a_fragment():
    moment = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=3)
    SEPFactory(number=4402, last_activity_at=moment)  # shown in the timeless "sep-about" fragment
    utc, tokyo = Client(), Client()
    tokyo.cookies["tz"] = "Asia/Tokyo"
    first = utc.get("/seps/4402/").content.decode()
    second = tokyo.get("/seps/4402/").content.decode()
    assert "12:00" in first and "UTC+09:00" not in first
    assert "21:00" in second and "UTC+09:00" in second
    assert "21:00" not in utc.get("/seps/4402/").content.decode()  # and back: each zone its own entry


@pytest.mark.parametrize("lead_first", [True, False])
def test_14_a_leads_links_never_reach_an_anonymous_viewer_through_a_fragment(client, client_for, lead_first):
    group = GroupFactory(slug="led")
    lead = MembershipFactory(group=group, tier=Tier.LEAD).user
    MembershipFactory(group=group, tier=Tier.MEMBER)
    as_lead = client_for(lead)
    order = [("lead", as_lead), ("anon", client)] if lead_first else [("anon", client), ("lead", as_lead)]
    pages = {who: c.get("/groups/led/").content.decode() for who, c in order}
    assert "Schedule a meeting" in pages["lead"]
    assert "Schedule a meeting" not in pages["anon"]
    assert "Nominate a participant" in pages["lead"]
    assert "Nominate a participant" not in pages["anon"]


def test_14_restore_buttons_stay_with_who_may_restore(client, client_for):
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    group = GroupFactory(slug="restorable")
    from groups.models import Membership

    MembershipFactory(group=group, tier=Tier.MEMBER, status=Membership.Status.EMERITUS)
    assert "Restore</button>" in client_for(core).get("/groups/restorable/").content.decode()
    assert "Restore</button>" not in client.get("/groups/restorable/").content.decode()
    assert "Restore</button>" in client_for(core).get("/groups/restorable/").content.decode()


# --- per-request secrets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['<form method="post">{% csrf_token %}</form>', '<div hx-headers=\'{"X-CSRFToken": "{{ csrf_token }}"}\'>',
     '<script nonce="{{ csp_nonce }}"></script>'],
)  # fmt: skip
def test_14_a_fragment_holding_a_csrf_token_or_nonce_is_refused(body):
    request = a_request()
    get_token(request)
    str(request._csp_nonce)  # base.html's <head> has generated it by the time content renders
    with pytest.raises(UnsafeFragment, match="'unsafe'"):
        render('{% fragment "unsafe" %}' + body + "{% endfragment %}", request)


def test_14_outside_tests_an_unsafe_fragment_renders_but_is_never_stored(settings):
    settings.TESTING, settings.DEBUG = False, False
    source = '{% fragment "unsafe-prod" %}<form>{% csrf_token %}</form>{% endfragment %}'
    first_request, second_request = a_request(), a_request()
    first = render(source, first_request)
    second = render(source, second_request)
    token = re.compile(r'value="([^"]+)"')
    assert token.search(first).group(1) != token.search(second).group(1)  # each its own, none replayed


def test_14_forms_post_and_nonces_match_on_a_page_whose_fragments_are_warm():
    sep = SEPFactory(number=4403)
    browser = Client(enforce_csrf_checks=True)
    browser.get(sep.get_absolute_url())  # warms the fragments
    page = browser.get(sep.get_absolute_url())
    html = page.content.decode()
    nonces = set(re.findall(r'nonce="([^"]+)"', html))
    assert nonces and all(f"'nonce-{n}'" in page["Content-Security-Policy"] for n in nonces)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    posted = browser.post("/timezone/", {"csrfmiddlewaretoken": token, "timezone": "Europe/Paris", "next": "/"})
    assert posted.status_code == 302  # not 403: the token on the page is this browser's


# --- the clock ----------------------------------------------------------------------------------


def test_14_a_clock_dependent_fragment_moves_on_with_the_minute_a_timeless_one_does_not():
    source = '{% fragment "clock" %}{% now "H:i:s" %}{% endfragment %}|{% fragment "still" timeless %}{% now "H:i:s" %}{% endfragment %}'
    start = timezone.now().replace(second=5, microsecond=0) + timedelta(minutes=5)
    with time_machine.travel(start, tick=False) as clock:
        request = a_request()
        first = render(source, request)
        clock.shift(timedelta(seconds=20))
        assert render(source, request) == first  # the same minute: both from the cache
        clock.shift(timedelta(seconds=60))
        clocked, still = render(source, request).split("|")
    assert clocked != first.split("|")[0]  # a new minute: rendered again
    assert still == first.split("|")[1]  # timeless: not keyed on the minute


def test_14_the_group_meetings_panel_moves_on_with_the_clock(client):
    from tests.meetings.factories import MeetingFactory

    group = GroupFactory(slug="clocked")
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=3)
    MeetingFactory(group=group, title="Soon meeting", starts_at=start, published_at=start - timedelta(days=8))
    assert "Soon meeting" in client.get("/groups/clocked/").content.decode()
    with time_machine.travel(start + timedelta(hours=3), tick=True):  # no write: only the minute moved
        panel = client.get("/groups/clocked/").content.decode().split("mtg-panel")[1].split("</section>")[0]
    assert "Soon meeting" not in panel.split("<h3>Recent notes</h3>")[0]


# --- cost: a warm fragment runs fewer queries; FRAGMENT_CACHE=false renders everything ----------


def _pages():
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    group = GroupFactory(slug="budget")
    MembershipFactory(group=group, tier=Tier.LEAD)
    MembershipFactory.create_batch(3, group=group)
    sep = SEPFactory(number=4404, group=group)
    urls = ["/", "/groups/", "/groups/?kind=wg", "/people/maintainers/", "/seps/", "/seps/?status=proposal"]
    return core, [*urls, sep.get_absolute_url(), "/groups/budget/", "/groups/budget/decisions/", "/meetings/?when=past"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_14_a_warm_fragment_miss_runs_fewer_queries_than_a_cold_one(client, client_for, signed_in):
    core, urls = _pages()
    c = client_for(core) if signed_in else client
    urls = [*urls, "/health/"] if signed_in else urls
    c.get("/seps/?q=warm")  # the session and what the middleware caches
    # warm: the data version only, signed in too (the viewer's tier, votes and authorship are
    # memoized per data version and viewer)
    warm_budget = dict.fromkeys(urls, 1)
    for url in urls:
        cold, first = queries(c, url)
        warm, second = queries(c, url)
        assert warm < cold, url
        assert warm <= warm_budget[url], (url, warm)
        norm = lambda r: re.sub(r'nonce="[^"]+"|[A-Za-z0-9]{64}', "", r.content.decode())  # noqa: E731
        assert norm(second) == norm(first), url


def test_14_fragment_cache_off_renders_everything(client, settings):
    _, urls = _pages()
    client.get("/seps/?q=warm")
    for url in urls:
        queries(client, url)
        warm, _ = queries(client, url)
        settings.FRAGMENT_CACHE = False
        off, page = queries(client, url)
        again, _ = queries(client, url)
        settings.FRAGMENT_CACHE = True
        assert off > warm and again == off, url  # every request renders every part
        assert page.status_code == 200


# --- a POST renders after its own write -----------------------------------------------------------


def test_14_a_post_that_writes_renders_its_new_state_not_a_warm_fragment(client_for, htmx_headers):
    """The htmx answer to a transition renders the SEP's state after the write, while the request's
    data version was read before it: a fragment keyed on that version replayed the old status (the
    browser journey saw "Draft" after "Move to review")."""
    sponsor = UserFactory(ladder_role=LadderRole.MAINTAINER)
    sep = SEPFactory(status="draft", sponsor=sponsor)
    browser = client_for(sponsor)
    assert 'data-status="draft"' in browser.get(f"/seps/{sep.number}/").content.decode()  # warms the fragments
    answer = browser.post(f"/seps/{sep.number}/submit/", {"submit-reason": "Ready"}, **htmx_headers)
    assert answer.status_code == 200
    assert 'data-status="in-review"' in answer.content.decode()


def test_14_memo_builds_afresh_in_a_post(rf):
    from portal import dataversion

    built = []
    for method in ("get", "get", "post", "post"):
        request = getattr(rf, method)("/")
        token = dataversion.current_request.set(request)
        try:
            dataversion.memo("probe", lambda m=method: built.append(m) or len(built))
        finally:
            dataversion.current_request.reset(token)
    assert built == ["get", "post", "post"]  # the second GET was memoized; each POST built afresh
