"""Issue #14, cheaper misses: the site header and the member table are fragments for signed-in
viewers too. Their buttons post forms kept outside the fragment (the `form` attribute), so each
request's CSRF token stays its own; the viewer's membership is memoized per data version and
viewer. The response cache is off throughout: every request here renders its page."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from groups.models import Membership, Tier
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .fragment_fixtures import _early_in_a_minute, _pages_render  # noqa: F401 (autouse fixtures)

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def header(html):
    return re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)


def form(html, form_id):
    match = re.search(rf'<form id="{form_id}"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form #{form_id}"
    return match.group(0)


# --- the header ---------------------------------------------------------------------------------


def test_14_header_fragment_shows_each_viewer_their_own_name_and_links(client, client_for):
    ada = UserFactory(display_name="Ada Header", ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)
    bo = UserFactory(display_name="Bo Header")
    pages = {}
    for who, c in (("ada", client_for(ada)), ("bo", client_for(bo)), ("anon", client), ("ada2", client_for(ada))):
        pages[who] = header(c.get("/groups/").content.decode())
    assert "Ada Header" in pages["ada"] and "Bo Header" not in pages["ada"]
    assert "Bo Header" in pages["bo"] and "Ada Header" not in pages["bo"]
    assert "Queues" in pages["ada"] and "Admin" in pages["ada"]  # her roles, not Bo's
    assert "Queues" not in pages["bo"] and "Admin" not in pages["bo"]
    assert "Sign in" in pages["anon"] and "Sign out" not in pages["anon"]
    assert pages["ada2"] == pages["ada"]  # the same viewer and section: the stored header


def test_14_header_marks_the_section_of_the_page_not_of_the_first_page_cached(client_for):
    viewer = client_for(UserFactory())
    current = re.compile(r'<a href="([^"]+)"[^>]*aria-current="page"')
    marked = {path: current.findall(header(viewer.get(path).content.decode())) for path in
              ("/groups/", "/seps/", "/meetings/", "/people/maintainers/", "/dashboard/", "/profile/", "/")}  # fmt: skip
    assert marked == {
        "/groups/": ["/groups/"],
        "/seps/": ["/seps/"],
        "/meetings/": ["/meetings/"],
        "/people/maintainers/": ["/people/maintainers/"],
        "/dashboard/": ["/dashboard/"],
        "/profile/": ["/profile/"],
        "/": [],
    }


def test_14_sign_out_posts_the_form_outside_the_header_with_this_browsers_token(client_for):
    user = UserFactory()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(user)
    first.get("/groups/")  # stores the header
    html = second.get("/groups/").content.decode()
    assert '<button type="submit" form="sign-out" class="link">Sign out</button>' in header(html)
    sign_out = form(html, "sign-out")
    assert 'action="/accounts/logout/"' in sign_out
    token = TOKEN.search(sign_out).group(1)
    assert second.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "Sign in" in header(second.get("/groups/").content.decode())
    assert "Sign out" in first.get("/groups/").content.decode()  # the other browser's session stays


# --- the member table and its Restore buttons -----------------------------------------------------


def test_14_restore_buttons_post_one_outside_form_with_each_viewers_token(client_for):
    group = GroupFactory(slug="restoring")
    emeritus = MembershipFactory(group=group, tier=Tier.MEMBER, status=Membership.Status.EMERITUS)
    carla, dev = (UserFactory(ladder_role=LadderRole.CORE_MAINTAINER) for _ in range(2))
    client_for(carla).get("/groups/restoring/")  # Carla's visit stores the table
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(dev)
    html = browser.get("/groups/restoring/").content.decode()
    action = f"/groups/restoring/members/{emeritus.pk}/restore/"
    assert 'form="member-restore"' in html and f'formaction="{action}"' in html
    token = TOKEN.search(form(html, "member-restore")).group(1)
    assert browser.post(action, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Membership.objects.current().get(pk__gt=emeritus.pk, user=emeritus.user).status == Membership.Status.ACTIVE


def test_14_a_warm_group_page_reads_no_member_row_for_its_lead(client_for):
    group = GroupFactory(slug="warm-lead")
    lead = MembershipFactory(group=group, tier=Tier.LEAD).user
    MembershipFactory.create_batch(5, group=group)
    MembershipFactory(group=group, tier=Tier.MEMBER, status=Membership.Status.EMERITUS)
    c = client_for(lead)
    c.get("/groups/warm-lead/")  # stores the fragments, the memoized group and the lead's membership
    with CaptureQueriesContext(connection) as captured:
        page = c.get("/groups/warm-lead/")
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in sql if "groups_membership" in q], sql
    assert len(sql) == 1, sql  # the data version
    assert "You are a lead" in page.content.decode() and "Restore</button>" in page.content.decode()


# --- the viewer's membership ----------------------------------------------------------------------


def test_14_each_viewer_sees_their_own_membership_and_a_join_shows_at_once(client_for):
    group = GroupFactory(slug="joinable", name="Joinable WG")
    member = MembershipFactory(group=group, tier=Tier.PARTICIPANT).user
    newcomer = UserFactory()
    as_member, as_newcomer = client_for(member), client_for(newcomer)
    for _ in range(2):  # the second round from the memo
        assert "You are a participant" in as_member.get("/groups/joinable/").content.decode()
        assert "Join Joinable WG" in as_newcomer.get("/groups/joinable/").content.decode()
    as_newcomer.post("/groups/joinable/membership/", {"action": "join", "tier": "observer"})
    assert "You are an observer" in as_newcomer.get("/groups/joinable/").content.decode()
    assert "You are a participant" in as_member.get("/groups/joinable/").content.decode()


def test_14_the_viewers_membership_in_a_group_larger_than_one_page(client_for):
    group = GroupFactory(slug="large")
    MembershipFactory.create_batch(101, group=group)
    me = MembershipFactory(group=group, tier=Tier.OBSERVER).user
    c = client_for(me)
    for _ in range(2):
        assert "You are an observer" in c.get("/groups/large/").content.decode()


# --- rules read the viewer's tier once per data version -------------------------------------------


def test_14_a_tier_change_reaches_the_rules_on_the_next_request(client_for):
    group = GroupFactory(slug="promoted", kind="wg")
    lead = MembershipFactory(group=group, tier=Tier.LEAD).user
    me = MembershipFactory(group=group, tier=Tier.MEMBER).user
    as_lead, as_me = client_for(lead), client_for(me)  # signed in first: a sign-in writes last_login

    def may_open(client):
        return "Open a proposal" in client.get("/groups/promoted/decisions/").content.decode()

    for _ in range(2):  # the second round from the memo: each viewer their own tier
        assert may_open(as_lead) and not may_open(as_me)
    Membership.objects.filter(group=group, user=me).update(tier=Tier.LEAD)  # no service, no signal
    assert may_open(as_me) and may_open(as_lead)
    Membership.objects.filter(group=group, user=me).update(tier=Tier.MEMBER)
    assert may_open(as_lead) and not may_open(as_me)
