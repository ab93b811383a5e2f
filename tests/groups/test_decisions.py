"""D1-D4: lazy-consensus proposals, blocks, vote requests, formal votes and their results."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups import decision_tasks
from groups.models import Ballot, EligibleVoter, Escalation, Group, Membership, Proposal, Tier, Vote
from groups.services import decisions
from portal.errors import DomainError
from portal.models import Event, Notice
from tests.factories import GroupFactory, MembershipFactory

from .decision_helpers import DAY, make_wg, open_proposal, open_vote

pytestmark = pytest.mark.django_db


# --- D1: deadlines at creation ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "days"), [("minor", 5), ("significant", 10), ("scope", 10)])
def test_d1_deadline_at_the_minimum_is_accepted(kind, days):
    group, lead, _ = make_wg()
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        p = decisions.proposal_open(group=group, by=lead, title="T", body="B", kind=kind, deadline=now + days * DAY)
    assert p.status == Proposal.Status.OPEN


@pytest.mark.parametrize(("kind", "days"), [("minor", 5), ("significant", 10), ("scope", 10)])
def test_d1_shorter_deadline_is_refused_naming_the_earliest_date(kind, days):
    group, lead, _ = make_wg()
    lead.timezone = "Asia/Tokyo"
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False), pytest.raises(DomainError) as err:
        decisions.proposal_open(
            group=group, by=lead, title="T", body="B", kind=kind, deadline=now + days * DAY - timedelta(minutes=1)
        )
    earliest = timezone.localtime(now + days * DAY, timezone=__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert f"at least {days} days" in err.value.message
    assert earliest.strftime("%H:%M") in err.value.message and "JST" in err.value.message
    assert not Proposal.objects.exists()


def test_d1_only_a_lead_of_an_active_wg_opens_proposals():
    group, lead, members = make_wg()
    with pytest.raises(PermissionDenied):
        open_proposal(group, members[0])
    ig = GroupFactory(kind=Group.Kind.INTEREST)
    MembershipFactory(group=ig, user=lead, tier=Tier.LEAD)
    with pytest.raises(PermissionDenied):
        open_proposal(ig, lead)


def test_d1_retired_group_takes_no_proposals():
    group, lead, _ = make_wg(state=Group.State.RETIRED)
    with pytest.raises(DomainError, match="retired"):
        open_proposal(group, lead)


def test_d1_members_are_told_with_the_deadline_in_their_own_zone():
    group, lead, members = make_wg(n_members=2)
    members[0].timezone = "America/New_York"
    members[0].save()
    p = open_proposal(group, lead)
    notice = Notice.objects.get(kind=f"decisions.proposal_opened:{members[0].pk}")
    local = timezone.localtime(p.deadline, timezone=__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert local.strftime("%H:%M") in notice.body_text
    assert local.tzname() in notice.body_text
    assert Notice.objects.filter(kind__startswith="decisions.proposal_opened:").count() == 3  # lead + 2 members
    assert Event.objects.filter(verb="proposal.opened", group=group).count() == 1


# --- D2: blocks and silence -------------------------------------------------------------------------------


def test_d2_block_needs_objection_and_alternative():
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    with pytest.raises(DomainError, match="objection"):
        decisions.proposal_block(proposal=p, by=members[0], objection="  ", alternative="Do X")
    with pytest.raises(DomainError, match="alternative"):
        decisions.proposal_block(proposal=p, by=members[0], objection="Too early", alternative="")
    assert not p.blocks.exists()


def test_d2_block_constraint_holds_in_the_database():
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        p.blocks.create(by=members[0], objection="", alternative="x")


@pytest.mark.parametrize("tier", [Tier.PARTICIPANT, Tier.OBSERVER])
def test_d2_non_members_cannot_block(tier):
    group, lead, _ = make_wg()
    outsider = MembershipFactory(group=group, tier=tier).user
    p = open_proposal(group, lead)
    with pytest.raises(PermissionDenied):
        decisions.proposal_block(proposal=p, by=outsider, objection="No", alternative="Yes")


def test_d2_emeritus_member_cannot_block():
    group, lead, members = make_wg()
    m = Membership.objects.current().get(group=group, user=members[0])
    m.status = Membership.Status.EMERITUS
    m.save()
    p = open_proposal(group, lead)
    with pytest.raises(PermissionDenied):
        decisions.proposal_block(proposal=p, by=members[0], objection="No", alternative="Yes")


def test_d2_d3_block_opens_a_formal_vote():
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    decisions.proposal_block(proposal=p, by=members[0], objection="Breaks clients", alternative="Version it")
    p.refresh_from_db()
    assert p.status == Proposal.Status.VOTING
    assert p.vote.trigger == Vote.Trigger.BLOCK
    assert Event.objects.filter(verb="proposal.blocked").count() == 1


def test_d2_unblocked_proposal_is_accepted_at_the_deadline():
    group, lead, _ = make_wg()
    p = open_proposal(group, lead)
    with time_machine.travel(p.deadline - timedelta(minutes=1), tick=False):
        assert decision_tasks.sweep_proposals() == 0
    with time_machine.travel(p.deadline + timedelta(minutes=1), tick=False):
        assert decision_tasks.sweep_proposals() == 1
    p.refresh_from_db()
    assert p.status == Proposal.Status.ACCEPTED
    assert p.decided_by == Proposal.DecidedBy.LAZY_CONSENSUS
    assert p.decided_at == p.deadline


def test_d2_sweep_run_twice_accepts_once_and_tells_once():
    group, lead, members = make_wg(n_members=2)
    p = open_proposal(group, lead)
    with time_machine.travel(p.deadline + DAY, tick=False):
        assert decision_tasks.sweep_proposals() == 1
        assert decision_tasks.sweep_proposals() == 0
    assert Event.objects.filter(verb="proposal.accepted").count() == 1
    assert Notice.objects.filter(kind=f"decisions.proposal_accepted:{members[0].pk}").count() == 1


def test_d2_missed_sweeps_are_caught_up():
    group, lead, _ = make_wg()
    ps = [open_proposal(group, lead, title=f"P{i}") for i in range(3)]
    with time_machine.travel(timezone.now() + 40 * DAY, tick=False):
        assert decision_tasks.sweep_proposals() == 3
    assert {p.status for p in Proposal.objects.filter(pk__in=[p.pk for p in ps])} == {"accepted"}


def test_d2_sweep_fails_half_way_then_finishes():
    group, lead, _ = make_wg()
    a = open_proposal(group, lead, title="A")
    b = open_proposal(group, lead, title="B")
    real = decisions.record
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("db hiccup")
        return real(**kw)

    with time_machine.travel(timezone.now() + 6 * DAY, tick=False):
        with mock.patch("groups.services.decisions.record", side_effect=flaky), pytest.raises(RuntimeError):
            decision_tasks.sweep_proposals()
        statuses = sorted(Proposal.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
        assert statuses == ["accepted", "open"]  # one done fully, the other untouched
        assert Event.objects.filter(verb="proposal.accepted").count() == 1
        assert decision_tasks.sweep_proposals() == 1
    assert set(Proposal.objects.values_list("status", flat=True)) == {"accepted"}


def test_d2_withdrawn_proposal_is_not_accepted():
    group, lead, _ = make_wg()
    p = open_proposal(group, lead)
    decisions.proposal_withdraw(proposal=p, by=lead)
    with time_machine.travel(p.deadline + DAY, tick=False):
        assert decision_tasks.sweep_proposals() == 0


# --- D3: vote requests ----------------------------------------------------------------------------------


def test_d3_lead_request_opens_the_vote_at_once():
    group, lead, _ = make_wg()
    p, vote = open_vote(group, lead)
    assert vote is not None and vote.trigger == Vote.Trigger.LEAD
    assert p.status == Proposal.Status.VOTING


def test_d3_three_member_requests_open_the_vote_two_do_not():
    group, lead, members = make_wg(n_members=4)
    p = open_proposal(group, lead)
    assert decisions.proposal_request_vote(proposal=p, by=members[0]) is None
    assert decisions.proposal_request_vote(proposal=p, by=members[1]) is None
    p.refresh_from_db()
    assert p.status == Proposal.Status.OPEN
    vote = decisions.proposal_request_vote(proposal=p, by=members[2])
    assert vote.trigger == Vote.Trigger.MEMBERS


def test_d3_same_member_requesting_twice_counts_once():
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    decisions.proposal_request_vote(proposal=p, by=members[0])
    with pytest.raises(DomainError, match="already"):
        decisions.proposal_request_vote(proposal=p, by=members[0])


def test_d3_participant_cannot_request_a_vote():
    group, lead, _ = make_wg()
    participant = MembershipFactory(group=group, tier=Tier.PARTICIPANT).user
    p = open_proposal(group, lead)
    with pytest.raises(PermissionDenied):
        decisions.proposal_request_vote(proposal=p, by=participant)


def test_d3_two_requests_below_three_do_not_stop_acceptance():
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    decisions.proposal_request_vote(proposal=p, by=members[0])
    with time_machine.travel(p.deadline + DAY, tick=False):
        assert decision_tasks.sweep_proposals() == 1


# --- D4: eligibility, quorum and majorities -----------------------------------------------------------------


def test_d4_eligible_voters_are_active_members_at_opening_emeritus_excluded():
    group, lead, members = make_wg(n_members=3)
    emeritus = Membership.objects.current().get(group=group, user=members[2])
    emeritus.status = Membership.Status.EMERITUS
    emeritus.save()
    MembershipFactory(group=group, tier=Tier.PARTICIPANT)
    _, vote = open_vote(group, lead)
    voters = set(EligibleVoter.objects.filter(vote=vote).values_list("user_id", flat=True))
    assert voters == {lead.pk, members[0].pk, members[1].pk}
    assert vote.eligible_count == 3
    assert vote.quorum == 2


def test_d4_member_joining_after_the_vote_opened_cannot_vote():
    group, lead, _ = make_wg()
    _, vote = open_vote(group, lead)
    late = MembershipFactory(group=group, tier=Tier.MEMBER).user
    with pytest.raises(PermissionDenied, match="when the vote opened"):
        decisions.ballot_cast(vote=vote, by=late, choice="yes", rationale="Late but keen")


def test_d4_each_ballot_needs_a_rationale():
    group, lead, members = make_wg()
    _, vote = open_vote(group, lead)
    with pytest.raises(DomainError, match="rationale"):
        decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale=" ")
    assert not Ballot.objects.exists()


def test_d4_one_ballot_per_voter_changing_replaces_it():
    group, lead, members = make_wg()
    _, vote = open_vote(group, lead)
    decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="Good")
    decisions.ballot_cast(vote=vote, by=members[0], choice="no", rationale="Changed my mind")
    assert Ballot.objects.get(vote=vote, voter=members[0]).choice == "no"
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(vote=vote, voter=members[0], choice="yes", rationale="again")


def test_d4_closed_vote_takes_no_ballots():
    group, lead, members = make_wg()
    _, vote = open_vote(group, lead)
    with time_machine.travel(vote.closes_at + timedelta(seconds=1), tick=False), pytest.raises(DomainError):
        decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="Too late")


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "eligible", "scope", "outcome"),
    [
        (2, 1, 0, 3, True, "passed"),  # 2 of 3 passes a scope change (exactly two thirds)
        (3, 2, 0, 5, True, "not_passed"),  # 3 of 5 does not
        (3, 2, 0, 5, False, "passed"),  # but passes a routine matter
        (2, 2, 0, 4, False, "not_passed"),  # a tie is not a majority
        (1, 0, 0, 2, False, "passed"),  # exactly 50% turnout meets quorum
        (1, 0, 0, 3, False, "no_quorum"),  # 1 of 3 is below 50%
        (2, 0, 0, 4, False, "passed"),  # exactly 50% of 4
        (1, 0, 0, 4, False, "no_quorum"),
        (1, 1, 3, 5, False, "not_passed"),  # abstentions make quorum but not a majority
        (2, 1, 3, 6, False, "passed"),  # abstentions left out of the majority: 2 of 3
        (2, 1, 5, 8, True, "passed"),  # two thirds of yes+no, abstentions aside
        (0, 0, 3, 4, False, "not_passed"),  # everyone abstains: quorum, no majority
        (0, 0, 0, 0, False, "no_quorum"),  # nobody eligible
    ],
)
def test_d4_quorum_and_majorities_at_their_boundaries(yes, no, abstain, eligible, scope, outcome):
    result = decisions.compute_result(yes=yes, no=no, abstain=abstain, eligible=eligible, scope_change=scope)
    assert result.outcome == outcome


def test_d4_vote_close_records_the_tally_and_accepts_when_passed():
    group, lead, members = make_wg(n_members=2)  # 3 eligible, quorum 2
    p, vote = open_vote(group, lead, kind="scope")
    decisions.ballot_cast(vote=vote, by=lead, choice="yes", rationale="Needed")
    decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="Agree")
    decisions.ballot_cast(vote=vote, by=members[1], choice="no", rationale="Too broad")
    with time_machine.travel(vote.closes_at + timedelta(minutes=1), tick=False):
        assert decision_tasks.sweep_votes() == 1
    vote.refresh_from_db()
    p.refresh_from_db()
    assert (vote.yes, vote.no, vote.abstain, vote.outcome) == (2, 1, 0, "passed")
    assert p.status == Proposal.Status.ACCEPTED and p.decided_by == Proposal.DecidedBy.VOTE
    assert not Escalation.objects.exists()
    # everyone in the group hears the result
    assert Notice.objects.filter(kind__startswith="decisions.vote_result:").count() == 3


def test_d4_d5_scope_change_with_3_of_5_is_not_passed_and_escalated():
    group, lead, members = make_wg(n_members=4)  # 5 eligible
    p, vote = open_vote(group, lead, kind="scope")
    for user, choice in zip([lead, *members], ["yes", "yes", "yes", "no", "no"], strict=True):
        decisions.ballot_cast(vote=vote, by=user, choice=choice, rationale=f"{choice} because")
    with time_machine.travel(vote.closes_at, tick=False):
        decision_tasks.sweep_votes()
    vote.refresh_from_db()
    assert vote.outcome == Vote.Outcome.NOT_PASSED
    esc = Escalation.objects.get(proposal=p)
    assert esc.reason == Escalation.Reason.NOT_PASSED
    assert "voted no: no because" in esc.disagreement


def test_d4_d5_vote_without_quorum_is_escalated():
    group, lead, members = make_wg(n_members=3)  # 4 eligible, quorum 2
    p, vote = open_vote(group, lead)
    decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="Fine")
    with time_machine.travel(vote.closes_at + DAY, tick=False):
        decision_tasks.sweep_votes()
    p.refresh_from_db()
    assert p.status == Proposal.Status.ESCALATED
    assert Escalation.objects.get(proposal=p).reason == Escalation.Reason.NO_QUORUM


def test_d4_vote_sweep_twice_closes_once_and_tells_once():
    group, lead, members = make_wg()
    _, vote = open_vote(group, lead)
    with time_machine.travel(vote.closes_at + DAY, tick=False):
        assert decision_tasks.sweep_votes() == 1
        assert decision_tasks.sweep_votes() == 0
    assert Event.objects.filter(verb="vote.closed").count() == 1
    assert Escalation.objects.count() == 1
    assert Notice.objects.filter(kind=f"decisions.vote_result:{members[0].pk}").count() == 1


def test_d4_vote_sweep_fails_half_way_leaves_nothing_half_done():
    group, lead, _ = make_wg()
    _, v1 = open_vote(group, lead)
    p2 = open_proposal(group, lead, title="Second")
    v2 = decisions.proposal_request_vote(proposal=p2, by=lead)
    real = decisions.escalate_vote
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker died")
        return real(**kw)

    with time_machine.travel(timezone.now() + 8 * DAY, tick=False):
        with mock.patch("groups.services.decisions.escalate_vote", side_effect=flaky), pytest.raises(RuntimeError):
            decision_tasks.sweep_votes()
        assert Vote.objects.filter(status="closed").count() == 1
        assert Escalation.objects.count() == 1  # the second vote rolled back entirely
        assert decision_tasks.sweep_votes() == 1
    assert {v.status for v in Vote.objects.filter(pk__in=[v1.pk, v2.pk])} == {"closed"}
    assert Escalation.objects.count() == 2


def test_d4_vote_opening_tells_each_eligible_voter_votes_waiting():
    group, lead, members = make_wg(n_members=2)
    _, vote = open_vote(group, lead)
    assert Notice.objects.filter(kind__startswith="decisions.vote_opened:").count() == 3
    body = Notice.objects.get(kind=f"decisions.vote_opened:{members[0].pk}").body_text
    assert "3 eligible voters" in body and "2 ballots make quorum" in body


def test_d4_retired_group_takes_no_votes():
    group, lead, members = make_wg()
    _, vote = open_vote(group, lead)
    Group.objects.filter(pk=group.pk).update(state=Group.State.RETIRED)
    with pytest.raises(DomainError, match="retired"):
        decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="Still?")


def test_d4_voting_counts_as_participation():
    group, lead, members = make_wg()
    _, vote = open_vote(group, lead)
    decisions.ballot_cast(vote=vote, by=members[0], choice="abstain", rationale="No view")
    assert members[0].participations.filter(group=group, kind="vote").count() == 1


# --- retirement and merged people -------------------------------------------------------------------------


def test_d1_d4_retiring_a_group_withdraws_its_open_proposals_and_closes_its_votes(core_maintainer):
    from groups.models import RetirementProposal
    from groups.services import retirement_decide

    group, lead, members = make_wg()
    open_p = open_proposal(group, lead, title="Still open")
    voting, vote = open_vote(group, lead)
    decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="ok")
    rp = RetirementProposal.objects.create(group=group, proposed_by=lead, rationale="Work is done")
    retirement_decide(proposal=rp, by=core_maintainer, approve=True, rationale="Done")
    assert set(Proposal.objects.filter(pk__in=[open_p.pk, voting.pk]).values_list("status", flat=True)) == {"withdrawn"}
    vote.refresh_from_db()
    assert vote.status == Vote.Status.CLOSED and vote.yes == 1
    assert Event.objects.filter(verb="proposal.withdrawn", data__by="retirement").count() == 2
    with time_machine.travel(vote.closes_at + DAY, tick=False):
        assert decision_tasks.sweep_votes() == 0 and decision_tasks.sweep_proposals() == 0
    assert not Escalation.objects.exists()


def test_d4_merging_a_placeholder_keeps_one_eligibility_per_vote():
    from portal.identity import merge_placeholder
    from tests.factories import PlaceholderFactory

    group, lead, members = make_wg()
    placeholder = PlaceholderFactory()
    MembershipFactory(group=group, user=placeholder, tier=Tier.MEMBER)
    _, vote = open_vote(group, lead)
    assert EligibleVoter.objects.filter(vote=vote, user=placeholder).exists()
    merge_placeholder(placeholder=placeholder, into=members[0])
    assert EligibleVoter.objects.filter(vote=vote, user=members[0]).count() == 1
    assert not EligibleVoter.objects.filter(user=placeholder).exists()
