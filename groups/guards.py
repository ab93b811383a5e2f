"""Invariants of groups, each stated once and checked at the moment of the action (issue 8).

- G2/G7 `ensure_group_writable`: a retired group is read-only everywhere. Every service that writes to a
  group or to something belonging to it (memberships, nominations, charters, sponsorships, meetings,
  agenda items, notes, attendance, series, SEP decisions by its delegated authority) calls it first.
- G4 `ensure_keeps_a_lead`: an active group keeps at least one lead, whoever acts (the person, a core
  maintainer in a page or the admin, an import).

Both read the group's state from the database, not from the instance the caller holds (which may have
been loaded before the group was retired in another request).
"""

from portal.errors import DomainError

from .models import Group, Membership, Tier


def retired_message(name: str) -> str:
    return f"{name} is retired: it stays readable but nothing in it can change."


def _state_and_name(group_or_id) -> tuple[str | None, str]:
    pk = getattr(group_or_id, "pk", group_or_id)
    row = Group.objects.filter(pk=pk).values_list("state", "name").first()
    if row is None:
        return None, str(group_or_id)
    return row


def group_is_retired(group_or_id) -> bool:
    return _state_and_name(group_or_id)[0] == Group.State.RETIRED


def ensure_group_writable(group_or_id) -> None:
    """Raise DomainError with the retired message when the group is retired (G2, G7)."""
    state, name = _state_and_name(group_or_id)
    if state == Group.State.RETIRED:
        raise DomainError(retired_message(name))


def ensure_keeps_a_lead(group, user, *, new_tier: str | None = None) -> None:
    """G4: refuse ending or lowering `user`'s lead tier when they are the only lead of an active group.

    `new_tier` is the tier they would hold afterwards (None: the membership ends).
    """
    if new_tier == Tier.LEAD:
        return
    state = Group.objects.filter(pk=group.pk).values_list("state", flat=True).first()
    if state != Group.State.ACTIVE:
        return
    leads = set(Membership.objects.leads().filter(group_id=group.pk).values_list("user_id", flat=True))
    if user.pk in leads and not (leads - {user.pk}):
        title = group.lead_title.lower()
        raise DomainError(
            f"{user.name} is the only {title} of {group.name}; an active group needs one. "
            f"Appoint another {title} first."
        )
