"""D5: escalations to core maintainers, their designee and the first response within 5 business days."""

import rules
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record
from portal.markdown import render_markdown
from portal.models import User

from .. import deadlines
from ..guards import ensure_group_writable
from ..models import Escalation, EscalationResponse, Proposal, Vote
from .decision_common import _bump, _text, notify_each


def normalize_affiliation(value: str) -> str:
    """`  Alpine  systems ` and `alpine Systems` are the same organisation."""
    return " ".join((value or "").split()).casefold()


def _documented(proposal: Proposal, vote: Vote | None) -> tuple[str, str]:
    """The options and points of disagreement, drawn from the record: the proposal, each block's
    alternative, and the rationales of the no ballots."""
    options = [f"- Adopt the proposal as written: {proposal.title}"]
    points = []
    for block in proposal.blocks.select_related("by"):
        options.append(f"- {block.by.name}'s alternative: {block.alternative}")
        points.append(f"- {block.by.name} objects: {block.objection}")
    if vote is not None:
        for ballot in vote.ballots.filter(choice="no").select_related("voter"):
            points.append(f"- {ballot.voter.name} voted no: {ballot.rationale}")
    options.append("- Do not adopt it")
    return "\n".join(options), "\n".join(points) or "- None recorded beyond the vote itself."


def _open(*, proposal: Proposal, vote, reason: str, by, options: str, disagreement: str, now) -> Escalation:
    try:
        with transaction.atomic():
            esc = Escalation.objects.create(
                proposal=proposal,
                reason=reason,
                options=options,
                disagreement=disagreement,
                opened_by=by,
                opened_at=now,
                first_response_due=deadlines.escalation_first_response_due(now),
            )
    except IntegrityError:
        raise DomainError("This proposal is already escalated to core maintainers.") from None
    record(
        actor=by,
        verb="escalation.opened",
        target=proposal,
        data={"reason": reason, "escalation": esc.pk, "due": esc.first_response_due},
        at=now,
    )
    notify_each(
        kind="decisions.escalation_opened",
        target=esc,
        due_at=esc.opened_at,
        users=User.objects.core_maintainers(),
        template="groups/email/escalation_opened",
        context={"escalation": esc, "proposal": proposal, "group": proposal.group},
        moments={"due": esc.first_response_due},
    )
    return esc


def escalate_vote(*, proposal: Proposal, vote: Vote, reason: str, now) -> Escalation:
    """Called by `vote_close` (inside its transaction): no quorum or not passed -> core maintainers."""
    options, points = _documented(proposal, vote)
    return _open(proposal=proposal, vote=vote, reason=reason, by=None, options=options, disagreement=points, now=now)


def escalation_contest(*, proposal: Proposal, by, options: str, disagreement: str) -> Escalation:
    """D5: a lead contests a vote's result, documenting the options and the points of disagreement."""
    if not rules.test_rule("decisions.contest", by, proposal.group):
        raise PermissionDenied(f"Only a lead of {proposal.group.name} may contest a vote's result.")
    ensure_group_writable(proposal.group_id)
    options = _text(options, "The documented options", 10000)
    disagreement = _text(disagreement, "The points of disagreement", 10000)
    now = timezone.now()
    with transaction.atomic():
        p = Proposal.objects.select_for_update().select_related("group").get(pk=proposal.pk)
        if p.decided_by != Proposal.DecidedBy.VOTE or p.status not in (
            Proposal.Status.ACCEPTED,
            Proposal.Status.ESCALATED,
        ):
            raise DomainError("Only the result of a closed formal vote can be contested.")
        esc = _open(proposal=p, vote=None, reason=Escalation.Reason.CONTESTED, by=by, options=options,
                    disagreement=disagreement, now=now)  # fmt: skip
        if p.status != Proposal.Status.ESCALATED:
            p.status = Proposal.Status.ESCALATED
            p.save(update_fields=["status"])
        _bump(p.group_id)
    return esc


def parties(escalation: Escalation) -> list[tuple[User, str]]:
    """The people on the sides of an escalation: author, blockers, the contesting lead, no voters."""
    p = escalation.proposal
    out = [(p.opened_by, "proposal author")]
    out += [(b.by, "blocked the proposal") for b in p.blocks.select_related("by")]
    if escalation.opened_by_id:
        out.append((escalation.opened_by, "contested the result"))
    vote = Vote.objects.filter(proposal=p).first()
    if vote is not None:
        out += [(b.voter, "voted no") for b in vote.ballots.filter(choice="no").select_related("voter")]
    seen, unique = set(), []
    for user, role in out:
        if user.pk not in seen:
            seen.add(user.pk)
            unique.append((user, role))
    return unique


def affiliation_warning(escalation: Escalation, designee: User) -> str:
    """'' or a sentence naming who shares the designee's affiliation (D5: warn, do not refuse)."""
    mine = normalize_affiliation(designee.affiliation)
    if not mine:
        return ""
    shared = [f"{u.name} ({role})" for u, role in parties(escalation) if normalize_affiliation(u.affiliation) == mine]
    if not shared:
        return ""
    return (
        f"{designee.name} shares the affiliation “{designee.affiliation.strip()}” with "
        + ", ".join(shared)
        + ". D5 says the designee should not; consider another core maintainer."
    )[:300]


def escalation_designate(*, escalation: Escalation, designee: User, by) -> Escalation:
    """D5: core maintainers designate one of themselves; a shared affiliation is recorded as a warning."""
    if not rules.test_rule("decisions.designate", by):
        raise PermissionDenied("Only core maintainers designate who resolves an escalation.")
    if not designee.is_core_maintainer:
        raise DomainError(f"{designee.name} is not a core maintainer; the designee must be one (D5).")
    with transaction.atomic():
        e = Escalation.objects.select_for_update().select_related("proposal__group").get(pk=escalation.pk)
        if e.status not in (Escalation.Status.OPEN, Escalation.Status.ASSIGNED):
            raise DomainError("This escalation is closed.")
        ensure_group_writable(e.proposal.group_id)
        warning = affiliation_warning(e, designee)
        e.designee, e.designated_by, e.designated_at = designee, by, timezone.now()
        e.status, e.affiliation_warning = Escalation.Status.ASSIGNED, warning
        e.save(update_fields=["designee", "designated_by", "designated_at", "status", "affiliation_warning"])
        record(
            actor=by,
            verb="escalation.designated",
            target=e.proposal,
            data={"escalation": e.pk, "designee": designee.pk, "designee_name": designee.name, "warning": warning},
        )
        notify_each(
            kind="decisions.escalation_designated",
            target=e,
            due_at=e.designated_at,
            users=[designee],
            template="groups/email/escalation_designated",
            context={"escalation": e, "proposal": e.proposal, "group": e.proposal.group, "warning": warning},
            moments={"due": e.first_response_due},
        )
        _bump(e.proposal.group_id)
    return e


def escalation_respond(*, escalation: Escalation, by, kind: str, text: str) -> EscalationResponse:
    """D5: the designee records binding guidance, a request for more information, or a referral."""
    if kind not in EscalationResponse.Kind.values:
        raise DomainError("Choose binding guidance, a request for more information or a referral.")
    text = _text(text, "The response", 20000)
    with transaction.atomic():
        e = Escalation.objects.select_for_update().select_related("proposal__group").get(pk=escalation.pk)
        if not (by and by.is_authenticated and e.designee_id == by.pk):
            raise PermissionDenied("Only the designated core maintainer responds to this escalation.")
        if e.status != Escalation.Status.ASSIGNED:
            raise DomainError("This escalation is closed.")
        ensure_group_writable(e.proposal.group_id)
        now = timezone.now()
        response = EscalationResponse.objects.create(
            escalation=e, by=by, kind=kind, text=text, text_html=render_markdown(text), created_at=now
        )
        fields = []
        if e.first_response_at is None:
            e.first_response_at = now
            fields.append("first_response_at")
        if kind == EscalationResponse.Kind.GUIDANCE:
            e.status = Escalation.Status.RESOLVED
            fields.append("status")
        elif kind == EscalationResponse.Kind.REFERRAL:
            e.status = Escalation.Status.REFERRED
            fields.append("status")
        if fields:
            e.save(update_fields=fields)
        record(actor=by, verb=f"escalation.{kind}", target=e.proposal, data={"escalation": e.pk, "text": text})
        notify_each(
            kind=f"decisions.escalation_{kind}",
            target=response,
            due_at=now,
            users=[u for u, _ in parties(e)],
            template="groups/email/escalation_response",
            context={"escalation": e, "response": response, "proposal": e.proposal, "group": e.proposal.group},
        )
        _bump(e.proposal.group_id)
    return response


def escalation_mark_overdue(*, escalation_id: int, now=None) -> Escalation | None:
    """Sweep step (D5): no first response within 5 business days -> flagged, core maintainers told. Once."""
    now = now or timezone.now()
    with transaction.atomic():
        e = (
            Escalation.objects.select_for_update()
            .select_related("proposal__group")
            .filter(pk=escalation_id)
            .overdue_due(now)
            .first()
        )
        if e is None:
            return None
        e.overdue_at = now
        e.save(update_fields=["overdue_at"])
        record(actor=None, verb="escalation.overdue", target=e.proposal, data={"escalation": e.pk}, at=now)
        notify_each(
            kind="decisions.escalation_overdue",
            target=e,
            due_at=e.first_response_due,
            users=User.objects.core_maintainers(),
            template="groups/email/escalation_overdue",
            context={"escalation": e, "proposal": e.proposal, "group": e.proposal.group},
            moments={"due": e.first_response_due},
        )
        _bump(e.proposal.group_id)
    return e
