"""G2/G3/G4: sponsorship and activation; G7: retirement."""

import rules
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record

from ..models import CharterVersion, Group, Nomination, RetirementProposal, Sponsorship
from ..selectors import (
    activation_refusal,
)
from .base import _bump, _require_not_retired, _text


def group_activate(*, group: Group, by, rationale: str) -> Group:
    if not rules.test_rule("groups.activate", by, group):
        raise PermissionDenied("Only core maintainers activate groups.")
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError("Activating a group needs a rationale.")
    with transaction.atomic():
        g = Group.objects.select_for_update().get(pk=group.pk)
        refusal = activation_refusal(g)
        if refusal is not None:
            raise DomainError(refusal)
        g.state = Group.State.ACTIVE
        g.activated_at = timezone.now()
        g.version += 1
        g.save(update_fields=["state", "activated_at", "version"])
        record(actor=by, verb="group.activated", target=g, group=g, data={"rationale": rationale})
    return g


def sponsorship_record(*, group: Group, sponsor, by, note: str = "") -> Sponsorship:
    _require_not_retired(group)
    note = _text(note, "The note", 300)
    if not sponsor.is_core_maintainer:
        raise DomainError(f"{sponsor.name} is not a core or lead maintainer; only they sponsor groups.")
    with transaction.atomic():
        s, created = Sponsorship.objects.get_or_create(group=group, sponsor=sponsor, defaults={"note": note})
        if created:
            record(
                actor=by, verb="group.sponsored", target=group, group=group, data={"sponsor": sponsor.pk, "note": note}
            )
    return s


def sponsorship_withdraw(*, sponsorship: Sponsorship, by) -> None:
    """A sponsorship taken back (in the admin): the row goes, the event log keeps who and when (G3)."""
    _require_not_retired(sponsorship.group_id)
    with transaction.atomic():
        record(
            actor=by,
            verb="group.sponsorship_withdrawn",
            target=sponsorship.group,
            group=sponsorship.group,
            data={"sponsor": sponsorship.sponsor_id, "note": sponsorship.note},
        )
        sponsorship.delete()


def retirement_propose(*, group: Group, by, rationale: str) -> RetirementProposal:
    _require_not_retired(group)
    if not rules.test_rule("groups.propose_retirement", by, group):
        raise PermissionDenied(
            f"Only a {group.lead_title.lower()} or a core maintainer may propose retiring {group.name}."
        )
    rationale = _text(rationale, "The rationale", 4000)
    if not rationale:
        raise DomainError("A retirement proposal needs a rationale.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                p = RetirementProposal.objects.create(group=group, proposed_by=by, rationale=rationale)
        except IntegrityError:
            raise DomainError(f"Retiring {group.name} is already proposed.") from None
        record(actor=by, verb="group.retirement_proposed", target=group, group=group, data={"rationale": rationale})
        _bump(group.pk)
    return p


def retirement_decide(*, proposal: RetirementProposal, by, approve: bool, rationale: str) -> RetirementProposal:
    if not rules.test_rule("groups.approve_retirement", by, proposal.group):
        raise PermissionDenied("Only core maintainers and lead maintainers decide on retirement.")
    rationale = _text(rationale, "The rationale", 4000)
    if not rationale:
        raise DomainError("A retirement decision needs a rationale.")
    with transaction.atomic():
        p = RetirementProposal.objects.select_for_update().select_related("group").get(pk=proposal.pk)
        if p.status != RetirementProposal.Status.OPEN:
            raise DomainError("This retirement proposal was already decided.")
        now = timezone.now()
        p.status = RetirementProposal.Status.APPROVED if approve else RetirementProposal.Status.DECLINED
        p.decided_by, p.decided_at, p.decision_rationale = by, now, rationale
        p.save(update_fields=["status", "decided_by", "decided_at", "decision_rationale"])
        g = Group.objects.select_for_update().get(pk=p.group_id)
        if approve:
            g.state = Group.State.RETIRED
            g.retired_at = now
            g.version += 1
            g.save(update_fields=["state", "retired_at", "version"])
            record(actor=by, verb="group.retired", target=g, group=g, data={"rationale": rationale, "proposal": p.pk})
            # What was still open closes with the group, each recorded (the timelines must not go silent).
            for n in Nomination.objects.select_for_update().open().filter(group=g):
                n.status, n.closed_at, n.closed_by, n.last_activity_at = Nomination.Status.WITHDRAWN, now, by, now
                n.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
                record(actor=by, verb="nomination.withdrawn", target=n, data={"by": "retirement"})
            for v in CharterVersion.objects.select_for_update().open().filter(group=g):
                v.status, v.decided_by, v.decided_at = CharterVersion.Status.REJECTED, by, now
                v.rationale = "The group was retired before this version was decided."
                v.save(update_fields=["status", "decided_by", "decided_at", "rationale"])
                record(actor=by, verb="charter.rejected", target=v, data={"number": v.number, "retired": True})
            # Higher layers close what they own (meetings cancel their future meetings and end series).
            from groups.signals import group_retired

            group_retired.send(sender=Group, group=g, by=by, now=now)
            # Higher layers close what they own (meetings cancel their future meetings and end series).
            from groups.signals import group_retired

            group_retired.send(sender=Group, group=g, by=by, now=now)
        else:
            record(actor=by, verb="group.retirement_declined", target=g, group=g, data={"rationale": rationale})
            _bump(g.pk)
    return p
