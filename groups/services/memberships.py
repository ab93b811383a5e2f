"""T2 join, change tier, leave; T4 emeritus, tiers set by core maintainers, restore."""

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record

from ..models import Group, Membership, Nomination, Participation, Tier
from ..rules import forget_tiers
from .base import SELF_SERVICE_TIERS, _bump, _lock_current, _require_not_retired, _switch_membership, _text, article


def membership_join(*, group: Group, user, tier: str) -> Membership:
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to join a group.")
    if tier not in SELF_SERVICE_TIERS:
        raise DomainError("You can join as an observer or a participant; member and lead come by nomination.")
    _require_not_retired(group)
    with transaction.atomic():
        current = _lock_current(group, user)
        if current is not None:
            if current.tier == tier:
                raise DomainError(f"You are already {article(current.get_tier_display().lower())} of {group.name}.")
            if current.tier not in SELF_SERVICE_TIERS:
                raise DomainError(
                    f"You are {article(current.get_tier_display().lower())} of {group.name}; "
                    "that tier changes only through the group's leads or core maintainers."
                )
        try:
            with transaction.atomic():
                membership = _switch_membership(current, group=group, user=user, tier=tier)
        except IntegrityError:  # a concurrent join won the race (one current membership, enforced)
            raise DomainError(f"You are already in {group.name}.") from None
        record(
            actor=user,
            verb="membership.tier_changed" if current else "membership.joined",
            target=membership,
            data={"from": current.tier if current else None, "to": tier},
        )
        if tier == Tier.OBSERVER:  # T3: an observer is no longer a candidate for member
            _withdraw_own_nominations(group=group, user=user, why="stepped_down")
        _bump(group.pk)
    return membership


def _withdraw_own_nominations(*, group, user, why: str) -> None:
    now = timezone.now()
    for nomination in Nomination.objects.select_for_update().open().filter(group=group, nominee=user):
        nomination.status = Nomination.Status.WITHDRAWN
        nomination.closed_at, nomination.closed_by, nomination.last_activity_at = now, user, now
        nomination.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
        record(actor=user, verb="nomination.withdrawn", target=nomination, data={"by": "nominee", why: True})


def membership_leave(*, group: Group, user) -> None:
    _require_not_retired(group)
    with transaction.atomic():
        current = _lock_current(group, user)
        if current is None:
            raise DomainError(f"You are not in {group.name}.")
        if (
            current.tier == Tier.LEAD
            and group.state == Group.State.ACTIVE
            and not Membership.objects.leads().filter(group=group).exclude(user=user).exists()
        ):
            raise DomainError(
                f"You are the only {group.lead_title.lower()} of {group.name}; an active group needs one. "
                "Ask a core maintainer to appoint another first."
            )
        now = timezone.now()
        current.ended_at = max(now, current.started_at)
        current.save(update_fields=["ended_at"])
        forget_tiers(group)
        record(actor=user, verb="membership.left", target=current, data={"tier": current.tier})
        # Leaving withdraws the person's own open nomination (recorded as a withdrawal by the nominee).
        for nomination in Nomination.objects.select_for_update().open().filter(group=group, nominee=user):
            nomination.status = Nomination.Status.WITHDRAWN
            nomination.closed_at, nomination.closed_by, nomination.last_activity_at = now, user, now
            nomination.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
            record(actor=user, verb="nomination.withdrawn", target=nomination, data={"by": "nominee", "left": True})
        _bump(group.pk)


def membership_mark_emeritus(*, membership_id: int, now=None) -> Membership | None:
    """Sweep step (T4): a member with no participation for 3 months becomes emeritus (recorded)."""
    now = now or timezone.now()
    cutoff = now - settings.GOVERNANCE["EMERITUS_AFTER"]
    with transaction.atomic():
        m = (
            Membership.objects.select_for_update()
            .active()
            .filter(pk=membership_id, tier=Tier.MEMBER, started_at__lte=cutoff)
            .first()
        )
        if m is None or m.group.is_retired:
            return None
        last = (
            Participation.objects.filter(group_id=m.group_id, user_id=m.user_id)
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        if last is not None and last > cutoff:
            return None  # participated after all (re-check under the lock)
        new = _switch_membership(
            m,
            group=m.group,
            user=m.user,
            tier=m.tier,
            status=Membership.Status.EMERITUS,
            note=f"No participation since {last:%Y-%m-%d}" if last else "No recorded participation",
            now=now,
        )
        record(
            actor=None,
            verb="membership.emeritus",
            target=new,
            data={"last_participation": last, "user": m.user_id},
            at=now,
        )
        _bump(m.group_id)
    return new


def membership_set_tier(
    *, group: Group, user, tier: str, by, term: str = "", note: str = "", status: str = Membership.Status.ACTIVE
) -> Membership:
    """T2: a core maintainer sets any tier directly (e.g. appoints a lead); recorded, history kept."""
    if not rules.test_rule("groups.set_tier", by, group):
        raise PermissionDenied("Only core maintainers set member and lead tiers directly.")
    _require_not_retired(group)
    if tier not in Tier.values:
        raise DomainError("Unknown tier.")
    if status not in Membership.Status.values:
        raise DomainError("Unknown membership status.")
    term = _text(term, "The term", 80, one_line=True)
    note = _text(note, "The note", 300)
    from groups.guards import ensure_keeps_a_lead

    ensure_keeps_a_lead(group, user, new_tier=tier)
    if tier == Tier.LEAD and not rules.test_rule("groups.eligible_lead", user):
        raise DomainError(f"{user.name} is not an org-wide member or above, as every lead must be.")
    with transaction.atomic():
        current = _lock_current(group, user)
        if current is not None and (current.tier, current.status, current.term) == (
            tier,
            status,
            term or current.term,
        ):
            return current
        m = _switch_membership(
            current, group=group, user=user, tier=tier, status=status, term=term, note=note or f"Set by {by.name}"
        )
        record(
            actor=by,
            verb="membership.tier_set",
            target=m,
            data={"from": current.tier if current else None, "to": tier, "user": user.pk, "note": note},
        )
        _bump(group.pk)
    return m


def membership_end(*, membership: Membership, by, note: str = "") -> Membership:
    """A core maintainer ends someone's membership (the row stays as history; recorded)."""
    group = membership.group
    if not rules.test_rule("groups.set_tier", by, group):
        raise PermissionDenied("Only core maintainers end memberships directly.")
    _require_not_retired(group)
    note = _text(note, "The note", 300)
    with transaction.atomic():
        m = Membership.objects.select_for_update().current().filter(pk=membership.pk).first()
        if m is None:
            raise DomainError("This membership has already ended.")
        from groups.guards import ensure_keeps_a_lead

        ensure_keeps_a_lead(group, m.user)  # G4, whoever acts
        m.ended_at = max(timezone.now(), m.started_at)
        m.note = (note or m.note)[:300]
        m.save(update_fields=["ended_at", "note"])
        forget_tiers(group)
        record(actor=by, verb="membership.ended", target=m, data={"tier": m.tier, "user": m.user_id, "note": note})
        _bump(group.pk)
    return m


def membership_restore(*, membership: Membership, by) -> Membership:
    """T4: a lead restores an emeritus member to active after renewed participation."""
    group = membership.group
    _require_not_retired(group)
    if not rules.test_rule("groups.restore_member", by, group):
        raise PermissionDenied(f"Only a {group.lead_title.lower()} of {group.name} may restore a member.")
    with transaction.atomic():
        m = Membership.objects.select_for_update().current().filter(pk=membership.pk).first()
        if m is None or m.status != Membership.Status.EMERITUS:
            raise DomainError("Only a current emeritus member can be restored.")
        new = _switch_membership(m, group=group, user=m.user, tier=m.tier, term=m.term, note=f"Restored by {by.name}")
        record(actor=by, verb="membership.restored", target=new, data={"user": m.user_id})
        _bump(group.pk)
    return new
