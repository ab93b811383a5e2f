"""Free text from this issue reaching its outputs, with Hypothesis: agenda item details (page, mail),
guest names (page), charter rationales (stored HTML, mail) and unsubscribe tokens (never a 500)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.models import Tier
from meetings import services as meeting_services
from meetings.models import Meeting
from portal.markdown import render_markdown
from portal.notices import deliver_pending
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.portal.test_markdown import assert_inert

pytestmark = pytest.mark.django_db

HOSTILE = st.sampled_from(
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "- [ ] <input type=text>",
     "**bold** & <b>", "\u202e\u0000", "'\"><svg/onload=alert(1)>"]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=300), HOSTILE, st.lists(HOSTILE, max_size=3).map(" ".join))
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(details=TEXT)
def test_agenda_details_reach_page_and_mail_inert(client, details):
    group = GroupFactory()
    lead, proposer = UserFactory(), UserFactory()
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    MembershipFactory(group=group, user=proposer, tier=Tier.PARTICIPANT)
    meeting = MeetingFactory(group=group, starts_at=timezone.now() + timedelta(days=9))
    mail.outbox.clear()
    item = meeting_services.agenda_item_propose(meeting=meeting, by=proposer, title="Topic", details=details)
    assert_inert(item.details_html)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    deliver_pending()
    for msg in mail.outbox:
        assert "<script>alert(1)" not in msg.alternatives[0].content
        assert item.details[:50] in msg.body or not item.details  # plain text keeps what was stored


@SETTINGS
@given(names=st.lists(st.one_of(TEXT, st.just("nul \x00 inside"), st.just("esc\x1b")), max_size=5))
def test_guest_names_reach_the_meeting_page_escaped(client, names):
    group = GroupFactory()
    lead = UserFactory()
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    meeting = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=3))
    try:
        meeting_services.meeting_set_attendance(meeting=meeting, by=lead, users=[], guests=names)
    except Exception as exc:  # too long: a clear domain error, nothing saved
        from portal.errors import DomainError

        assert isinstance(exc, DomainError)
        assert Meeting.objects.get(pk=meeting.pk).attendance_guests == []
        return
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


@SETTINGS
@given(rationale=TEXT)
def test_charter_rationale_html_is_inert(rationale):
    assert_inert(render_markdown(rationale))


@SETTINGS
@given(token=st.text(max_size=120).filter(lambda t: "/" not in t and t.strip()))
def test_any_unsubscribe_token_gets_an_answer_not_a_500(client, token):
    from urllib.parse import quote

    resp = client.post(f"/notices/unsubscribe/{quote(token, safe='')}/")
    assert resp.status_code in (400, 404)
