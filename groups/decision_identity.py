"""Decisions' part in merging a placeholder into the real account (portal.identity.person_merging).

The rows move with the merge; what would break a one-per-person constraint is settled first: a
placeholder and the account both eligible in one vote (the account's row stays), or both with a
ballot, block or vote request on the same proposal (the account's own stays)."""

from .models import Ballot, Block, EligibleVoter, VoteRequest


def settle_merge(sender, *, placeholder, into, now, **kwargs):
    EligibleVoter.objects.filter(
        user=placeholder, vote_id__in=EligibleVoter.objects.filter(user=into).values("vote_id")
    ).delete()
    Ballot.objects.filter(voter=placeholder, vote_id__in=Ballot.objects.filter(voter=into).values("vote_id")).delete()
    Block.objects.filter(by=placeholder, proposal_id__in=Block.objects.filter(by=into).values("proposal_id")).delete()
    VoteRequest.objects.filter(
        by=placeholder, proposal_id__in=VoteRequest.objects.filter(by=into).values("proposal_id")
    ).delete()
