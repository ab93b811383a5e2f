from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from groups.models import Tier
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory

UTC = ZoneInfo("UTC")
# A fixed "now" for clocked tests: Monday 2 Nov 2026, 09:00 UTC
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def group(db):
    return GroupFactory(name="Transports WG", slug="transports-wg")


@pytest.fixture
def lead(group):
    user = UserFactory(ladder_role=LadderRole.MEMBER, display_name="Lead Person", github="leadperson")
    MembershipFactory(group=group, user=user, tier=Tier.LEAD)
    return user


@pytest.fixture
def participant(group):
    user = UserFactory(display_name="Participant Person", github="partperson")
    MembershipFactory(group=group, user=user, tier=Tier.PARTICIPANT)
    return user


@pytest.fixture
def observer(group):
    user = UserFactory(display_name="Observer Person")
    MembershipFactory(group=group, user=user, tier=Tier.OBSERVER)
    return user


@pytest.fixture
def days():
    return lambda n: timedelta(days=n)
