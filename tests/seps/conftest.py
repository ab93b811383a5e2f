import pytest

from groups.models import Tier
from portal.models import LadderRole
from seps.models import Status
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .factories import SEPAuthorFactory, SEPFactory


@pytest.fixture
def author(db):
    """A contributor who is an author of `sep` by GitHub handle (no account link)."""
    return UserFactory(ladder_role=LadderRole.CONTRIBUTOR, github="the-author")


@pytest.fixture
def sponsor(db):
    return UserFactory(ladder_role=LadderRole.MAINTAINER)


@pytest.fixture
def make_sep(db, author):
    def make(status=Status.PROPOSAL, sponsor=None, **kw):
        sep = SEPFactory(status=status, sponsor=sponsor, **kw)
        SEPAuthorFactory(sep=sep, name="The Author", github="The-Author", email="author@example.test")
        return sep

    return make


@pytest.fixture
def delegated_group(db):
    return GroupFactory(delegated_sep_authority=True)


@pytest.fixture
def group_lead(db, delegated_group):
    lead = UserFactory(ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=delegated_group, user=lead, tier=Tier.LEAD)
    return lead
