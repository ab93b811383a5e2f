"""T3: nominations (open, object, withdraw, close at the deadline)."""

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record
from portal.notices import Moment, queue_notice

from ..models import Group, Membership, Nomination, Objection, Tier
from ..selectors import current_tier, participation_check
from .base import _bump, _lock_current, _require_not_retired, _switch_membership, _text


def nomination_open(*, group: Group, nominee, by, rationale: str, override_reason: str = "") -> Nomination:
    _require_not_retired(group)
    if not rules.test_rule("groups.nominate", by, group):
        raise PermissionDenied(f"Only members and {group.lead_title.lower()}s of {group.name} may nominate.")
    rationale = _text(rationale, "The rationale", 4000)
    override_reason = _text(override_reason, "The override reason", 4000)
    if not rationale:
        raise DomainError("A nomination needs a written rationale.")
    if nominee.pk == by.pk:
        raise DomainError("You cannot nominate yourself.")
    if override_reason and not rules.test_rule("groups.override_participation", by, group):
        raise PermissionDenied(f"Only a {group.lead_title.lower()} may override the participation check.")
    now = timezone.now()
    ok, why = participation_check(group=group, user=nominee, now=now)
    if not ok:
        if current_tier(group, nominee) != Tier.PARTICIPANT:
            raise DomainError(why + " Only participants can be nominated to member.")
        if not override_reason:
            raise DomainError(why + " A lead may override this with a written reason.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                nomination = Nomination.objects.create(
                    group=group,
                    nominee=nominee,
                    nominator=by,
                    rationale=rationale,
                    override_reason=override_reason if not ok else "",
                    opened_at=now,
                    deadline=now + settings.GOVERNANCE["NOMINATION_OBJECTION_WINDOW"],
                    last_activity_at=now,
                )
        except IntegrityError:
            raise DomainError(f"{nominee.name} already has an open nomination in {group.name}.") from None
        record(
            actor=by,
            verb="nomination.opened",
            target=nomination,
            data={"nominee": nominee.pk, "override": bool(nomination.override_reason)},
        )
        if nomination.override_reason:
            record(
                actor=by,
                verb="nomination.participation_overridden",
                target=nomination,
                data={"reason": nomination.override_reason, "check": why},
            )
        deadline = Moment(nomination.deadline)  # printed in the nominee's own zone by queue_notice
        queue_notice(
            kind="groups.nomination_opened",
            target=nomination,
            due_at=nomination.opened_at,
            recipients=[nominee],
            template="groups/email/nomination_opened",
            context={"nomination": nomination, "deadline": deadline},
        )
        _bump(group.pk)
    return nomination


def nomination_object(*, nomination: Nomination, by, reason: str) -> Objection:
    _require_not_retired(nomination.group_id)
    if not rules.test_rule("groups.object_nomination", by, nomination):
        raise PermissionDenied("Only the group's leads, core maintainers and lead maintainers may object.")
    reason = _text(reason, "The reason", 4000)
    if not reason:
        raise DomainError("An objection needs a reason.")
    with transaction.atomic():
        nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
        now = timezone.now()
        if nomination.status != Nomination.Status.OPEN or nomination.deadline <= now:
            raise DomainError("This nomination is no longer open for objections.")
        objection = Objection.objects.create(nomination=nomination, by=by, reason=reason, created_at=now)
        nomination.last_activity_at = now  # the deadline sweep decides the outcome
        nomination.save(update_fields=["last_activity_at"])
        record(actor=by, verb="nomination.objection", target=nomination, data={"reason": reason})
        _bump(nomination.group_id)
    return objection


def nomination_withdraw(*, nomination: Nomination, by) -> Nomination:
    _require_not_retired(nomination.group_id)
    if not rules.test_rule("groups.withdraw_nomination", by, nomination):
        raise PermissionDenied("Only the nominator or the nominee may withdraw a nomination.")
    with transaction.atomic():
        nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
        now = timezone.now()
        if nomination.status != Nomination.Status.OPEN or nomination.deadline <= now:
            raise DomainError("This nomination is no longer open; it cannot be withdrawn.")
        nomination.status = Nomination.Status.WITHDRAWN
        nomination.closed_at = now
        nomination.closed_by = by
        nomination.last_activity_at = now
        nomination.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
        record(
            actor=by,
            verb="nomination.withdrawn",
            target=nomination,
            data={"by": "nominee" if by.pk == nomination.nominee_id else "nominator"},
        )
        _bump(nomination.group_id)
    return nomination


def nomination_close(*, nomination_id: int, now=None) -> Nomination | None:
    """Sweep step (T3): at the deadline, confirm (tier becomes member) or mark objected. Once."""
    now = now or timezone.now()
    with transaction.atomic():
        nomination = (
            Nomination.objects.select_for_update()
            .select_related("group", "nominee", "nominator")
            .filter(pk=nomination_id, status=Nomination.Status.OPEN, deadline__lte=now)
            .first()
        )
        if nomination is None or nomination.group.is_retired:
            return None  # handled already, withdrawn, not due, or the group is retired (read-only)
        objected = nomination.objections.exists()
        if not objected:
            # T3 at the moment of the action: only a current, active participant becomes member. A nominee
            # who stepped down to observer or whose membership ended meanwhile is not confirmed.
            now_tier = Membership.objects.active().filter(group=nomination.group, user=nomination.nominee).first()
            if now_tier is None or Tier.rank(now_tier.tier) < Tier.rank(Tier.PARTICIPANT):
                nomination.status, nomination.closed_at, nomination.last_activity_at = (
                    Nomination.Status.WITHDRAWN,
                    now,
                    now,
                )
                nomination.save(update_fields=["status", "closed_at", "last_activity_at"])
                record(actor=None, verb="nomination.withdrawn", target=nomination, at=now,
                       data={"by": "sweep", "reason": "The nominee is no longer a participant."})  # fmt: skip
                _bump(nomination.group_id)
                return nomination
        nomination.status = Nomination.Status.OBJECTED if objected else Nomination.Status.CONFIRMED
        nomination.closed_at = now
        nomination.save(update_fields=["status", "closed_at"])
        if not objected:
            current = _lock_current(nomination.group, nomination.nominee)
            if current is None or Tier.rank(current.tier) < Tier.rank(Tier.MEMBER):
                membership = _switch_membership(
                    current,
                    group=nomination.group,
                    user=nomination.nominee,
                    tier=Tier.MEMBER,
                    note=f"Nomination #{nomination.pk} confirmed",
                    now=now,
                )
                record(
                    actor=None,
                    verb="membership.tier_changed",
                    target=membership,
                    data={"from": current.tier if current else None, "to": Tier.MEMBER, "nomination": nomination.pk},
                    at=now,
                )
        record(actor=None, verb=f"nomination.{nomination.status}", target=nomination, at=now)
        queue_notice(
            kind=f"groups.nomination_{nomination.status}",
            target=nomination,
            due_at=nomination.deadline,
            recipients=[nomination.nominator, nomination.nominee],
            template="groups/email/nomination_outcome",
            context={"nomination": nomination, "confirmed": not objected},
        )
        _bump(nomination.group_id)
    return nomination
