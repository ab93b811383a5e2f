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


def test_m5_notes_view_refuses_attendance_by_typed_handle(client_for):
    lead = UserFactory()
    meeting = MeetingFactory(starts_at=timezone.now() - timedelta(hours=3))
    MembershipFactory(group=meeting.group, user=lead, tier=Tier.LEAD)
    claimant = UnverifiedUserFactory(github="typed-guest")
    resp = client_for(lead).post(
        f"/meetings/{meeting.pk}/notes/", {"notes_md": "# Notes", "extra_handles": "@typed-guest"}
    )
    assert resp.status_code == 400
    assert "verified" in resp.content.decode()
    assert not meeting.attendances.filter(user=claimant).exists()
    meeting.refresh_from_db()
    assert meeting.notes_published_at is None
