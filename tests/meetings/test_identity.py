"""M5 with DESIGN 12: attendance by handle names only verified people (or placeholders known from GitHub)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import Tier
from meetings.services import resolve_github_handles
from tests.factories import MembershipFactory, PlaceholderFactory, UnverifiedUserFactory, UserFactory

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_m5_attendance_handles_typed_claim_is_unknown():
    UnverifiedUserFactory(github="typed-guest")
    users, unknown = resolve_github_handles("@typed-guest")
    assert users == []
    assert unknown == ["typed-guest"]


def test_m5_attendance_handles_verified_and_placeholder_are_found():
    verified = UserFactory(github="real-guest")
    placeholder = PlaceholderFactory(github="known-guest")
    users, unknown = resolve_github_handles("@Real-Guest, https://github.com/known-guest real-guest")
    assert users == [verified, placeholder]
    assert unknown == []


def test_m5_notes_view_gives_a_typed_handle_no_attendance_only_a_guest_line(client_for):
    """A typed handle names nobody: the claimant gets no attendance (nor participation); the handle
    is listed as an unverified guest, so it does not block the notes (issue 11)."""
    lead = UserFactory()
    meeting = MeetingFactory(starts_at=timezone.now() - timedelta(hours=3))
    MembershipFactory(group=meeting.group, user=lead, tier=Tier.LEAD)
    claimant = UnverifiedUserFactory(github="typed-guest")
    resp = client_for(lead).post(
        f"/meetings/{meeting.pk}/notes/", {"notes_md": "# Notes", "extra_handles": "@typed-guest"}
    )
    assert resp.status_code == 302
    assert not meeting.attendances.filter(user=claimant).exists()
    meeting.refresh_from_db()
    assert meeting.notes_published_at is not None
    assert meeting.attendance_guests == ["@typed-guest (handle not verified)"]


def test_m5_guests_without_an_account_are_listed_and_gain_nothing(client_for):
    from groups.models import Participation

    lead = UserFactory()
    meeting = MeetingFactory(starts_at=timezone.now() - timedelta(hours=3))
    MembershipFactory(group=meeting.group, user=lead, tier=Tier.LEAD)
    resp = client_for(lead).post(
        f"/meetings/{meeting.pk}/notes/",
        {
            "notes_md": "# Notes",
            "guests": "Ada Lovelace\n\n ada lovelace \nGrace Hopper",
            "extra_handles": "@nobody-yet",
        },
    )
    assert resp.status_code == 302
    meeting.refresh_from_db()
    assert meeting.attendance_guests == ["Ada Lovelace", "Grace Hopper", "@nobody-yet (handle not verified)"]
    assert Participation.objects.filter(kind="attendance").count() == 0
    page = client_for(lead).get(meeting.get_absolute_url()).content.decode()
    assert "Grace Hopper" in page


def test_m5_a_guest_name_too_long_is_refused_and_nothing_is_saved(client_for):
    lead = UserFactory()
    meeting = MeetingFactory(starts_at=timezone.now() - timedelta(hours=3))
    MembershipFactory(group=meeting.group, user=lead, tier=Tier.LEAD)
    resp = client_for(lead).post(f"/meetings/{meeting.pk}/notes/", {"notes_md": "# Notes", "guests": "x" * 200})
    assert resp.status_code == 400
    meeting.refresh_from_db()
    assert meeting.notes_published_at is None
    assert meeting.attendance_guests == []
