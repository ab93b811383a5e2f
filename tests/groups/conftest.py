from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import Tier
from tests.factories import GroupFactory, MembershipFactory, ParticipationFactory, UserFactory


@pytest.fixture
def group(db):
    return GroupFactory(name="Transport Working Group", slug="transport")


@pytest.fixture
def ig(db):
    return GroupFactory(name="Security Interest Group", slug="security", kind="ig")


@pytest.fixture
def make_member():
    """`make_member(group, tier=..., user=None, days=0)`: a current membership started `days` ago."""

    def make(group, tier=Tier.PARTICIPANT, user=None, days=0, **kw):
        user = user or UserFactory()
        return MembershipFactory(
            group=group, user=user, tier=tier, started_at=timezone.now() - timedelta(days=days), **kw
        )

    return make


@pytest.fixture
def lead(group, make_member, org_member):
    make_member(group, Tier.LEAD, user=org_member, days=400, term="2026")
    return org_member


@pytest.fixture
def seasoned_participant(group, make_member):
    """A participant for 120 days with attendance 10 days ago: passes the T3 check."""
    m = make_member(group, Tier.PARTICIPANT, days=120)
    ParticipationFactory(group=group, user=m.user, kind="attendance", occurred_at=timezone.now() - timedelta(days=10))
    return m.user
