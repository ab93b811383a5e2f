"""Issue 8, kind 4: every calendar (M6) and Atom feed (S6) stays valid for any text a person can type.

Arbitrary Unicode (control characters such as a vertical tab included) goes into every field that
reaches a feed: group names, meeting titles, agendas, locations (join links), cancellation reasons,
display names, SEP titles and status reasons. Each feed is then parsed by a second parser (vobject
for iCalendar, xml.etree for Atom), not the library that wrote it. URL segments (tokens, slugs,
numbers) answer 404, never 500.
"""

import itertools
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import vobject
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import Meeting
from portal.events import record
from portal.validation import text_safe, xml_safe
from seps.services import STATUS_CHANGED
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.seps.factories import SEPFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# What a person can send: any code point but lone surrogates (not encodable in a request) and NUL
# (refused by the forms and the services, and by PostgreSQL itself).
typed = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
_n = itertools.count()


def _flat(text: str) -> str:
    """What survives any text output: no control characters, one kind of line break, no edge spaces."""
    return " ".join(text_safe(text).split())


def _ics_events(body: bytes):
    cal = vobject.readOne(body.decode("utf-8"))
    return list(getattr(cal, "vevent_list", []))


def _make(text: str, *, cancelled: bool):
    n = next(_n)
    viewer = UserFactory(display_name=f"{text} {n}")
    group = GroupFactory(name=f"{text} g{n}"[:120], slug=f"any-text-{n}")
    MembershipFactory(group=group, user=viewer)
    meeting = MeetingFactory(
        group=group,
        title=f"{text} m{n}",
        agenda_md=text,
        join_url=f"https://meet.example.test/{n}?{text}"[:500],
    )
    if cancelled:
        Meeting.objects.filter(pk=meeting.pk).update(
            status=Meeting.Status.CANCELLED, cancelled_reason=text, cancelled_at=timezone.now()
        )
    return viewer, group, meeting


@PROPERTY
@given(text=typed, cancelled=st.booleans())
def test_m6_every_calendar_feed_parses_for_any_text(db, text, cancelled):
    viewer, group, meeting = _make(text, cancelled=cancelled)
    client = Client()
    urls = [
        f"/meetings/{meeting.pk}.ics",
        f"/groups/{group.slug}/meetings.ics",
        "/meetings.ics",
        f"/calendar/{viewer.calendar_token}.ics",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        events = _ics_events(response.content)
        mine = [e for e in events if e.uid.value.startswith(f"meeting-{meeting.pk}@")]
        assert len(mine) == 1, url
        assert _flat(mine[0].summary.value) == _flat(f"{meeting.title} ({group.name})")
        assert mine[0].status.value == ("CANCELLED" if cancelled else "CONFIRMED")


@PROPERTY
@given(title=typed, reason=typed, name=typed)
def test_s6_every_atom_feed_parses_for_any_text(db, title, reason, name):
    n = next(_n)
    actor = UserFactory(display_name=f"{name} {n}")
    group = GroupFactory(name=f"{name} sg{n}"[:120], slug=f"any-sep-{n}")
    sep = SEPFactory(title=f"{title} s{n}", group=group)
    record(
        actor=actor,
        verb=STATUS_CHANGED,
        target=sep,
        data={"from": "proposal", "to": "draft", "reason": reason, "number": sep.number, "title": sep.title},
    )
    client = Client()
    for url in ("/seps/feed/", f"/seps/feed/group/{group.slug}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        root = ET.fromstring(response.content)
        entries = root.findall(f"{ATOM}entry")
        assert entries, url
        entry = entries[0]
        assert _flat(xml_safe(sep.title)) in _flat(entry.find(f"{ATOM}title").text)
        assert _flat(xml_safe(reason)) in _flat(entry.find(f"{ATOM}summary").text or "")
        assert _flat(entry.find(f"{ATOM}author").find(f"{ATOM}name").text) == _flat(xml_safe(actor.name))


def test_s6_a_vertical_tab_in_a_status_reason_keeps_the_feed_valid(db):
    sep = SEPFactory(title="Tabbed\x0btitle")
    record(actor=None, verb=STATUS_CHANGED, target=sep,
           data={"from": "draft", "to": "in-review", "reason": "why\x0bnot", "number": sep.number, "title": sep.title})  # fmt: skip
    response = Client().get("/seps/feed/")
    assert response.status_code == 200
    assert ET.fromstring(response.content).find(f"{ATOM}entry") is not None


def test_m6_a_vertical_tab_in_a_meeting_title_keeps_the_calendar_valid(db):
    meeting = MeetingFactory(title="Sync\x0bweekly", agenda_md="1.\x0b Items\x1f")
    body = Client().get(f"/meetings/{meeting.pk}.ics").content
    assert b"\x0b" not in body
    assert _ics_events(body)[0].summary.value.startswith("Syncweekly")


# --- URL segments: 404, never 500 --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/%00.ics",
        "/calendar/%0B%0C.ics",
        "/calendar/%F0%9F%92%A9.ics",
        "/calendar/" + "x" * 500 + ".ics",
        "/meetings/calendar/%00abc.ics",
        "/meetings/99999999999999999999.ics",
        "/meetings/99999999999999999999/",
        "/seps/99999999999999999999/",
        "/groups/%C3%A9t%C3%A9/meetings.ics",
        "/seps/feed/group/%00/",
        "/seps/feed/group/no-such-group/",
        "/groups/no-such-group/meetings.ics",
    ],
)
def test_m6_s6_any_url_segment_answers_404_not_500(db, url):
    assert Client(raise_request_exception=False).get(url).status_code == 404


@pytest.mark.parametrize("url", ["/groups/?q=%00%0B", "/seps/?q=%00%0B", "/meetings/?q=%00%0B"])
def test_m6_s6_any_search_text_answers_without_a_500(db, url):
    assert Client(raise_request_exception=False).get(url).status_code == 200


@PROPERTY
@given(token=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80))
def test_m6_any_private_calendar_token_answers_404_not_500(db, token):
    from urllib.parse import quote

    response = Client(raise_request_exception=False).get(f"/calendar/{quote(token, safe='')}.ics")
    assert response.status_code == 404


def test_m6_retired_groups_future_meetings_are_not_valid_in_feeds(db):
    """G2 with M6: after retirement the group's future meetings show as cancelled, never as confirmed."""
    from groups import services as group_services
    from groups.models import RetirementProposal

    core = UserFactory(ladder_role="core_maintainer")
    meeting = MeetingFactory(starts_at=timezone.now() + timedelta(days=20))
    proposal = RetirementProposal.objects.create(group=meeting.group, proposed_by=core, rationale="Done.")
    group_services.retirement_decide(proposal=proposal, by=core, approve=True, rationale="Work finished.")
    body = Client().get(f"/groups/{meeting.group.slug}/meetings.ics").content
    events = _ics_events(body)
    assert [e.status.value for e in events] == ["CANCELLED"]
