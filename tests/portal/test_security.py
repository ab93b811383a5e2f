"""Site-wide guards: every URL that accepts POST refuses it without a CSRF token, and refuses an anonymous
POST (sign-in redirect, 403, 404 or 405), changing nothing. Real objects fill the URL parameters so the
views get past their lookups."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from groups.models import Tier
from portal.models import Event
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.groups.factories import CharterVersionFactory, NominationFactory
from tests.meetings.factories import AgendaItemFactory, MeetingFactory
from tests.seps.factories import SEPFactory

SKIP_PREFIXES = ("admin/", "accounts/")  # Django admin and allauth have their own tested guards
PUBLIC_POSTS = {
    "timezone/",  # an anonymous visitor may pick a zone
}
# RFC 8058 one-click unsubscribe: the mail provider POSTs without a session or a CSRF token; the
# signed token in the URL is the authority (tests/portal/test_notice_preferences.py). A bad token: 400.
TOKEN_POSTS = {"notices/unsubscribe/<str:token>/"}


def _patterns(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _patterns(p, route)
        elif isinstance(p, URLPattern):
            yield route


@pytest.fixture
def world(db):
    group = GroupFactory(slug="transports")
    lead = UserFactory()
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    member = MembershipFactory(group=group, tier=Tier.MEMBER)
    CharterVersionFactory(group=group, number=1)
    nomination = NominationFactory(group=group)
    meeting = MeetingFactory(group=group)
    item = AgendaItemFactory(meeting=meeting)
    sep = SEPFactory(number=4242, group=group)
    return {
        "slug": group.slug, "number": "1", "pk": str(meeting.pk), "item_pk": str(item.pk), "sep": str(sep.number),
        "nomination": str(nomination.pk), "member": str(member.pk), "token": lead.calendar_token, "action": "accept",
    }  # fmt: skip


def _fill(route, w):
    import re

    def value(m):
        name = m.group(2)
        return {
            "slug": w["slug"], "number": w["sep"] if route.startswith("seps/") else w["number"], "pk": w["pk"],
            "item_pk": w["item_pk"], "token": w["token"], "action": w["action"],
        }.get(name, "1")  # fmt: skip

    path = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    if "/nominations/" in route:
        path = path.replace(f"nominations/{w['pk']}/", f"nominations/{w['nomination']}/")
    if "/members/" in route:
        path = path.replace(f"members/{w['pk']}/", f"members/{w['member']}/")
    return "/" + path.lstrip("^").rstrip("$")


def _routes():
    return [r for r in _patterns() if not r.startswith(SKIP_PREFIXES) and "healthz" not in r]


def test_every_post_needs_a_csrf_token(world):
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(UserFactory())
    events = Event.objects.count()
    checked = 0
    for route in _routes():
        path = _fill(route, world)
        resp = signed_in.post(path, {"x": "1"})
        if route in TOKEN_POSTS:
            assert resp.status_code == 400, (path, resp.status_code)
            continue
        assert resp.status_code in (403, 404, 405), (path, resp.status_code)
        checked += resp.status_code == 403
    assert checked >= 25, f"the routes really were reached ({checked})"
    assert Event.objects.count() == events


def test_every_post_refuses_anonymous_visitors(world):
    client = Client()
    events = Event.objects.count()
    wrong = []
    for route in _routes():
        if route in PUBLIC_POSTS:
            continue
        path = _fill(route, world)
        resp = client.post(path, {"reason": "x", "rationale": "x", "title": "x", "tier": "participant"})
        if route in TOKEN_POSTS and resp.status_code == 400:
            continue
        if resp.status_code not in (302, 403, 404, 405) or (
            resp.status_code == 302 and not resp["Location"].startswith("/accounts/login/")
        ):
            wrong.append((path, resp.status_code))
    assert wrong == [], wrong
    assert Event.objects.count() == events
