"""Decisions in Working Groups: lazy consensus (D1, D2), formal votes (D3, D4). Escalations: `escalations`.

One service per transition: check the actor's right (rules) and the source state under a row lock,
save with `update_fields`, write an event in the same transaction, queue notices (sent after commit).

How a vote counts (D4), stated on every vote page:
- eligible voters: the group's active members and leads (emeritus excluded) when the vote opens;
- quorum: ballots cast (yes, no and abstain) >= 50% of the eligible voters;
- majority: abstentions are left out; routine matters pass with more yes than no (yes / (yes + no)
  > 1/2), scope changes with at least two thirds (yes / (yes + no) >= 2/3).
"""

from dataclasses import dataclass
from fractions import Fraction

import rules
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record
from portal.markdown import render_markdown
from portal.timefmt import moment_text
from portal.validation import clean_text

from .. import deadlines
from ..guards import ensure_group_writable
from ..models import (
    Ballot,
    Block,
    EligibleVoter,
    Group,
    Participation,
    Proposal,
    ProposalKind,
    Vote,
    VoteRequest,
)
from .decision_common import _bump, _text, group_people, notify_each, voters_of
from .escalations import escalate_vote

ABSTENTIONS_RULE = "Abstentions count towards quorum but not towards the majority: it is computed over yes and no only."


# --- D1: open a proposal ----------------------------------------------------------------------------


def proposal_open(*, group: Group, by, title: str, body: str, kind: str, deadline) -> Proposal:
    if not rules.test_rule("decisions.open_proposal", by, group):
        if group.is_retired:
            raise DomainError(f"{group.name} is retired: it takes no proposals or votes.")
        raise PermissionDenied(f"Only a lead of {group.name} (an active Working Group) may open a proposal.")
    ensure_group_writable(group)
    title = clean_text(title, label="A title", max_length=200, one_line=True)
    body = _text(body, "The proposal text")
    if kind not in ProposalKind.values:
        raise DomainError("Choose minor, significant or scope change.")
    now = timezone.now()
    earliest = deadlines.earliest_deadline(kind, now)
    if deadline is None or deadline < earliest:
        with timezone.override(by.timezone or "UTC"):
            earliest_text = moment_text(earliest)
        label = ProposalKind(kind).label.lower()
        days = deadlines.minimum_notice(kind).days
        raise DomainError(
            f"A {label} proposal needs a deadline at least {days} days out (D1): the earliest allowed is "
            f"{earliest_text}."
        )
    with transaction.atomic():
        proposal = Proposal.objects.create(
            group=group,
            title=title,
            body=body,
            body_html=render_markdown(body),
            kind=kind,
            opened_by=by,
            opened_at=now,
            deadline=deadline,
        )
        record(actor=by, verb="proposal.opened", target=proposal, data={"kind": kind, "deadline": deadline})
        notify_each(
            kind="decisions.proposal_opened",
            target=proposal,
            due_at=proposal.opened_at,
            users=voters_of(group),
            template="groups/email/proposal_opened",
            context={"proposal": proposal, "group": group},
            moments={"deadline": proposal.deadline},
        )
        _bump(group.pk)
    return proposal


def _lock_open(proposal: Proposal, now) -> Proposal:
    p = Proposal.objects.select_for_update().select_related("group").get(pk=proposal.pk)
    if p.status != Proposal.Status.OPEN or p.deadline <= now:
        raise DomainError("This proposal is no longer open for objections.")
    ensure_group_writable(p.group_id)
    return p


def proposal_withdraw(*, proposal: Proposal, by) -> Proposal:
    if by.pk != proposal.opened_by_id and not rules.test_rule("groups.is_group_lead", by, proposal.group):
        raise PermissionDenied("Only the proposal's author or a lead of the group may withdraw it.")
    with transaction.atomic():
        p = _lock_open(proposal, timezone.now())
        p.status, p.decided_at = Proposal.Status.WITHDRAWN, timezone.now()
        p.save(update_fields=["status", "decided_at"])
        record(actor=by, verb="proposal.withdrawn", target=p)
        _bump(p.group_id)
    return p


# --- D2: block; D3: request a vote --------------------------------------------------------------------


def proposal_block(*, proposal: Proposal, by, objection: str, alternative: str) -> Block:
    """D2: a member blocks with an objection AND an alternative or criteria; D3: that opens a formal vote."""
    if not rules.test_rule("decisions.block", by, proposal.group):
        raise PermissionDenied(f"Only active members of {proposal.group.name} may block a proposal (D2).")
    objection = _text(objection, "A documented objection (D2)", 10000)
    alternative = _text(alternative, "A proposed alternative or criteria for resolution (D2)", 10000)
    now = timezone.now()
    with transaction.atomic():
        p = _lock_open(proposal, now)
        try:
            with transaction.atomic():
                block = Block.objects.create(proposal=p, by=by, objection=objection, alternative=alternative)
        except IntegrityError:
            raise DomainError("You have already blocked this proposal.") from None
        record(actor=by, verb="proposal.blocked", target=p, data={"objection": objection, "alternative": alternative})
        _open_vote(p, trigger=Vote.Trigger.BLOCK, now=now, by=by)
    return block


def proposal_request_vote(*, proposal: Proposal, by) -> Vote | None:
    """D3: a lead's request opens the vote; a member's counts, and the third member's opens it."""
    group = proposal.group
    if not rules.test_rule("decisions.request_vote", by, group):
        raise PermissionDenied(f"Only active members and leads of {group.name} may request a vote (D3).")
    as_lead = rules.test_rule("groups.is_group_lead", by, group)
    now = timezone.now()
    with transaction.atomic():
        p = _lock_open(proposal, now)
        try:
            with transaction.atomic():
                VoteRequest.objects.create(proposal=p, by=by, as_lead=as_lead, created_at=now)
        except IntegrityError:
            raise DomainError("You have already requested a vote on this proposal.") from None
        record(actor=by, verb="proposal.vote_requested", target=p, data={"as_lead": as_lead})
        members = p.vote_requests.filter(as_lead=False).count()
        if as_lead:
            return _open_vote(p, trigger=Vote.Trigger.LEAD, now=now, by=by)
        if members >= deadlines.G("VOTE_REQUEST_MEMBERS"):
            return _open_vote(p, trigger=Vote.Trigger.MEMBERS, now=now, by=by)
        _bump(p.group_id)
    return None


def _open_vote(p: Proposal, *, trigger: str, now, by) -> Vote:
    """D3/D4: open the vote (inside the caller's transaction, proposal locked); freeze who may vote."""
    voters = voters_of(p.group)
    vote = Vote.objects.create(
        proposal=p,
        trigger=trigger,
        opened_at=now,
        closes_at=deadlines.vote_closes_at(now),
        scope_change=p.is_scope_change,
        eligible_count=len(voters),
        quorum=deadlines.quorum_needed(len(voters)),
    )
    EligibleVoter.objects.bulk_create([EligibleVoter(vote=vote, user=u) for u in voters])
    p.status = Proposal.Status.VOTING
    p.save(update_fields=["status"])
    record(
        actor=by,
        verb="vote.opened",
        target=p,
        data={"trigger": trigger, "eligible": len(voters), "quorum": vote.quorum, "closes_at": vote.closes_at},
    )
    notify_each(
        kind="decisions.vote_opened",
        target=vote,
        due_at=vote.opened_at,
        users=voters,
        template="groups/email/vote_opened",
        context={"proposal": p, "vote": vote, "group": p.group},
        moments={"closes_at": vote.closes_at},
    )
    _bump(p.group_id)
    return vote


# --- D4: ballots and the result -------------------------------------------------------------------------


def ballot_cast(*, vote: Vote, by, choice: str, rationale: str) -> Ballot:
    """D4: an eligible voter casts (or changes, until the close) a yes/no/abstain ballot with a rationale."""
    if not (by and by.is_authenticated):
        raise PermissionDenied("Sign in to vote.")
    if choice not in Ballot.Choice.values:
        raise DomainError("Choose yes, no or abstain.")
    rationale = _text(rationale, "A rationale for your vote (D4)", 10000)
    now = timezone.now()
    with transaction.atomic():
        v = Vote.objects.select_for_update().select_related("proposal__group").get(pk=vote.pk)
        if v.status != Vote.Status.OPEN or v.closes_at <= now:
            raise DomainError("This vote is closed.")
        ensure_group_writable(v.proposal.group_id)
        if not EligibleVoter.objects.filter(vote=v, user=by).exists():
            raise PermissionDenied(
                "Only the active members of the group when the vote opened may vote (D4); you were not one of them."
            )
        ballot, created = Ballot.objects.update_or_create(
            vote=v, voter=by, defaults={"choice": choice, "rationale": rationale, "cast_at": now}
        )
        record(
            actor=by,
            verb="vote.ballot_cast" if created else "vote.ballot_changed",
            target=v.proposal,
            data={"choice": choice, "rationale": rationale},
        )
        Participation.objects.get_or_create(
            group=v.proposal.group,
            user=by,
            kind=Participation.Kind.VOTE,
            source_type=_ct(Vote),
            source_id=str(v.pk),
            defaults={"occurred_at": now},
        )
        _bump(v.proposal.group_id)
    return ballot


def _ct(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


@dataclass(frozen=True)
class Result:
    outcome: str
    quorum_met: bool
    cast: int
    needed: int
    share: Fraction | None  # yes / (yes + no), None when nobody said yes or no
    threshold: Fraction
    strict: bool  # routine: share must exceed the threshold; scope: reach it


def compute_result(*, yes: int, no: int, abstain: int, eligible: int, scope_change: bool) -> Result:
    """D4, pure: quorum over all ballots; majority over yes and no (abstentions left out)."""
    cast = yes + no + abstain
    needed = deadlines.quorum_needed(eligible)
    quorum_met = eligible > 0 and cast >= needed
    threshold = deadlines.ratio("VOTE_SCOPE_MAJORITY" if scope_change else "VOTE_ROUTINE_MAJORITY")
    strict = not scope_change
    share = Fraction(yes, yes + no) if yes + no else None
    if not quorum_met:
        outcome = Vote.Outcome.NO_QUORUM
    elif share is not None and (share > threshold if strict else share >= threshold):
        outcome = Vote.Outcome.PASSED
    else:
        outcome = Vote.Outcome.NOT_PASSED
    return Result(outcome, quorum_met, cast, needed, share, threshold, strict)


def tally(vote: Vote) -> dict:
    counts = dict(vote.ballots.order_by().values_list("choice").annotate(n=Count("pk")))
    return {c: counts.get(c, 0) for c in Ballot.Choice.values}


def vote_close(*, vote_id: int, now=None) -> Vote | None:
    """Sweep step (D4, D5): at the close time, count, record the outcome, escalate what did not resolve. Once."""
    now = now or timezone.now()
    with transaction.atomic():
        v = (
            Vote.objects.select_for_update()
            .select_related("proposal__group")
            .filter(pk=vote_id, status=Vote.Status.OPEN, closes_at__lte=now)
            .first()
        )
        if v is None:
            return None  # closed already or not due
        counts = tally(v)
        result = compute_result(
            yes=counts["yes"],
            no=counts["no"],
            abstain=counts["abstain"],
            eligible=v.eligible_count,
            scope_change=v.scope_change,
        )
        v.yes, v.no, v.abstain = counts["yes"], counts["no"], counts["abstain"]
        v.status, v.outcome, v.closed_at = Vote.Status.CLOSED, result.outcome, now
        v.save(update_fields=["yes", "no", "abstain", "status", "outcome", "closed_at"])
        p = Proposal.objects.select_for_update().get(pk=v.proposal_id)
        record(
            actor=None,
            verb="vote.closed",
            target=p,
            data={
                "outcome": result.outcome,
                "outcome_label": Vote.Outcome(result.outcome).label.lower(),
                **counts,
                "eligible": v.eligible_count,
                "quorum": v.quorum,
            },
            at=now,
        )
        if result.outcome == Vote.Outcome.PASSED:
            p.status = Proposal.Status.ACCEPTED
            p.decided_at, p.decided_by = v.closes_at, Proposal.DecidedBy.VOTE
            p.save(update_fields=["status", "decided_at", "decided_by"])
            record(actor=None, verb="proposal.accepted", target=p, data={"by": "vote"}, at=now)
        else:
            p.status, p.decided_at, p.decided_by = Proposal.Status.ESCALATED, v.closes_at, Proposal.DecidedBy.VOTE
            p.save(update_fields=["status", "decided_at", "decided_by"])
        notify_each(
            kind="decisions.vote_result",
            target=v,
            due_at=v.closes_at,
            users=group_people(p.group),
            template="groups/email/vote_result",
            context={"proposal": p, "vote": v, "group": p.group, "counts": counts},
        )
        if result.outcome != Vote.Outcome.PASSED:
            escalate_vote(proposal=p, vote=v, reason=result.outcome, now=now)
        _bump(p.group_id)
    return v


# --- D2: silence is consent --------------------------------------------------------------------------


def proposal_accept_if_unblocked(*, proposal_id: int, now=None) -> Proposal | None:
    """Sweep step (D2): an open proposal past its deadline with no block is accepted. Once."""
    now = now or timezone.now()
    with transaction.atomic():
        p = (
            Proposal.objects.select_for_update()
            .select_related("group")
            .filter(pk=proposal_id, status=Proposal.Status.OPEN, deadline__lte=now)
            .first()
        )
        if p is None:
            return None
        if p.blocks.exists():  # a block always opens a vote; never accept a blocked proposal
            return None
        p.status = Proposal.Status.ACCEPTED
        p.decided_at, p.decided_by = p.deadline, Proposal.DecidedBy.LAZY_CONSENSUS
        p.save(update_fields=["status", "decided_at", "decided_by"])
        record(actor=None, verb="proposal.accepted", target=p, data={"by": "lazy_consensus"}, at=now)
        notify_each(
            kind="decisions.proposal_accepted",
            target=p,
            due_at=p.deadline,
            users=group_people(p.group),
            template="groups/email/proposal_accepted",
            context={"proposal": p, "group": p.group},
        )
        _bump(p.group_id)
    return p


def close_for_retired_group(sender, *, group, by, now, **kwargs):
    """G2/G7 (`groups.signals.group_retired`, inside the retirement's transaction): a retired group takes
    no proposals or votes, so its open proposals are withdrawn and its open votes closed, each recorded."""
    for p in Proposal.objects.select_for_update().filter(
        group=group, status__in=[Proposal.Status.OPEN, Proposal.Status.VOTING]
    ):
        vote = Vote.objects.select_for_update().filter(proposal=p, status=Vote.Status.OPEN).first()
        if vote is not None:
            counts = tally(vote)
            result = compute_result(**counts, eligible=vote.eligible_count, scope_change=vote.scope_change)
            vote.yes, vote.no, vote.abstain = counts["yes"], counts["no"], counts["abstain"]
            vote.status, vote.outcome, vote.closed_at = Vote.Status.CLOSED, result.outcome, now
            vote.save(update_fields=["yes", "no", "abstain", "status", "outcome", "closed_at"])
        p.status, p.decided_at = Proposal.Status.WITHDRAWN, now
        p.save(update_fields=["status", "decided_at"])
        record(actor=by, verb="proposal.withdrawn", target=p, data={"by": "retirement"}, at=now)
