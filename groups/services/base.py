"""Helpers shared by the groups services (not a public API: use the service functions)."""

from django.db.models import F
from django.utils import timezone

from ..models import Group, Membership, Tier
from ..rules import forget_tiers

SELF_SERVICE_TIERS = (Tier.OBSERVER, Tier.PARTICIPANT)


def article(word: str) -> str:
    """'an observer', 'a participant'."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _bump(group_id: int) -> None:
    Group.objects.filter(pk=group_id).update(version=F("version") + 1)


def _require_not_retired(group) -> None:
    """G2/G7: one guard for every writer (groups.guards), reading the state at the moment of the action."""
    from groups.guards import ensure_group_writable

    ensure_group_writable(group)


def _text(value, label, max_length, *, required=False, one_line=False):
    from portal.validation import clean_text

    return clean_text(value, label=label, max_length=max_length, required=required, one_line=one_line)


def _lock_current(group, user):
    return Membership.objects.select_for_update().current().filter(group=group, user=user).first()


def _switch_membership(current, *, group, user, tier, status=Membership.Status.ACTIVE, term="", note="", now=None):
    """End `current` (if any) and start a new row: history is never overwritten (DESIGN 4)."""
    now = now or timezone.now()
    forget_tiers(group)
    if current is not None:
        current.ended_at = max(now, current.started_at)
        current.save(update_fields=["ended_at"])
    return Membership.objects.create(
        group=group, user=user, tier=tier, status=status, started_at=now, term=term, note=note
    )
