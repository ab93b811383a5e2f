"""Shared set-up for decision, escalation and report tests."""

from datetime import timedelta

from django.utils import timezone

from groups.models import Tier
from groups.services import decisions
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory

DAY = timedelta(days=1)


def make_wg(n_members=3, lead_role=LadderRole.MEMBER, **kw):
    """A WG with one lead and `n_members` active members. Returns (group, lead, [members])."""
    group = GroupFactory(**kw)
    lead = UserFactory(ladder_role=lead_role)
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD, started_at=timezone.now() - 300 * DAY)
    members = []
    for _ in range(n_members):
        m = MembershipFactory(group=group, tier=Tier.MEMBER, started_at=timezone.now() - 200 * DAY)
        members.append(m.user)
    return group, lead, members


def open_proposal(group, lead, kind="minor", days=None, title="Adopt the streaming profile", body="We adopt it."):
    days = days if days is not None else (5 if kind == "minor" else 10)
    return decisions.proposal_open(
        group=group,
        by=lead,
        title=title,
        body=body,
        kind=kind,
        deadline=timezone.now() + days * DAY + timedelta(minutes=1),
    )


def open_vote(group, lead, kind="minor"):
    p = open_proposal(group, lead, kind=kind)
    vote = decisions.proposal_request_vote(proposal=p, by=lead)
    p.refresh_from_db()
    return p, vote
