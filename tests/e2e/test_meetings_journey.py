"""M1-M5 in a real browser: schedule and publish 8 days ahead, agenda item proposed and accepted,
notes with attendance after the meeting, and a too-late publication refused with its message."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from groups.models import Participation, Tier
from meetings.models import AgendaItem, Meeting
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


def local_input(moment):
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def fill_meeting_form(page, title, start):
    page.get_by_label("Title").fill(title)
    page.get_by_label("Start (local time in the zone below)").fill(local_input(start))
    page.get_by_label("Meeting time zone").fill("Europe/Berlin")
    page.get_by_label("Duration (minutes)").fill("60")
    page.get_by_label("Join link").fill("https://meet.example.test/transports")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_m2_m3_m4_m5_lead_and_participant_journey(page, browser, live_server, sign_in, shot):
    group = GroupFactory(name="Transports WG", slug="transports-wg")
    lead = UserFactory(display_name="Lena Lead", ladder_role=LadderRole.MEMBER, timezone="Europe/Berlin")
    participant = UserFactory(display_name="Pat Participant", github="pat-gh")
    guest = UserFactory(display_name="Gus Guest", github="gus-guest")
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    MembershipFactory(group=group, user=participant, tier=Tier.PARTICIPANT)

    # 1. the lead schedules a meeting 8 days ahead (agenda with live preview) and publishes it
    sign_in(page, lead)
    page.goto(f"{live_server.url}/meetings/schedule/")
    start = (timezone.now() + timedelta(days=8)).replace(second=0, microsecond=0)
    fill_meeting_form(page, "Transport sync", start)
    page.get_by_label("Agenda (markdown)").fill("## Topics\n\n- **Streaming** errors")
    page.locator(".mtg-preview strong", has_text="Streaming").wait_for()  # htmx live preview
    shot(page, "meetings-schedule-form")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Transport sync").wait_for()
    assert page.get_by_text("Draft — not public").is_visible()
    page.get_by_role("button", name="Publish meeting").click()
    page.get_by_text("The meeting is published.").wait_for()
    assert page.locator(".mtg-badges .badge.ok", has_text="Published").is_visible()
    meeting = Meeting.objects.get(title="Transport sync")
    assert meeting.status == Meeting.Status.PUBLISHED
    assert meeting.starts_at == start
    shot(page, "meetings-published")

    # 2. a participant proposes an agenda item
    other = browser.new_page()
    sign_in(other, participant)
    other.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    other.get_by_label("Agenda item").fill("Retry semantics")
    other.get_by_role("button", name="Propose item").click()
    other.get_by_text("Your agenda item is proposed").wait_for()
    assert AgendaItem.objects.get().status == AgendaItem.Status.PROPOSED

    # 3. the lead accepts it; it appears in the agenda
    page.reload()
    page.get_by_role("button", name="Accept “Retry semantics”").click()
    page.get_by_role("heading", name="Accepted items").wait_for()
    assert page.locator(".mtg-items", has_text="Retry semantics").first.is_visible()
    assert AgendaItem.objects.get().status == AgendaItem.Status.ACCEPTED

    # the meeting is listed for everyone, in their zone
    other.goto(f"{live_server.url}/meetings/")
    assert other.get_by_role("link", name="Transport sync").is_visible()

    # 4. after the meeting the lead publishes notes with attendance
    with time_machine.travel(start + timedelta(hours=3), tick=True):
        page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
        page.get_by_role("link", name="Publish notes and attendance").click()
        page.get_by_label("Notes (markdown)").fill("## Decisions\n\n- Adopt retry header")
        page.get_by_label("Pat Participant (@pat-gh)").check()
        page.get_by_label("Others who attended (GitHub handles)").fill("@gus-guest")
        page.get_by_role("button", name="Publish notes and attendance").click()
        page.get_by_text("Notes and attendance published.").wait_for()
        assert page.locator("#notes", has_text="Adopt retry header").is_visible()
        assert page.locator(".mtg-attendance", has_text="Gus Guest").is_visible()
        assert page.locator(".mtg-badges", has_text="Notes published 2 hours after").is_visible()
        shot(page, "meetings-notes")
    attended = set(Participation.objects.filter(kind="attendance").values_list("user_id", flat=True))
    assert attended == {participant.pk, guest.pk}

    # 5. a too-late publication shows the refusal naming the earliest start
    page.goto(f"{live_server.url}/meetings/schedule/")
    fill_meeting_form(page, "Short notice", timezone.now() + timedelta(days=3))
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Short notice").wait_for()
    page.get_by_role("button", name="Publish meeting").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Too late to publish" in alert.inner_text()
    assert "The earliest start that can still be published now is" in alert.inner_text()
    assert Meeting.objects.get(title="Short notice").status == Meeting.Status.DRAFT
    shot(page, "meetings-too-late")
