"""Object permissions for meetings (django-rules). The object may be a Meeting, an AgendaItem or a Group."""

import rules
from django.core.exceptions import PermissionDenied

from groups.models import Membership, Tier
from portal.rules import is_core_maintainer


def _group_id(obj):
    from groups.models import Group

    from .models import AgendaItem, Meeting

    if isinstance(obj, Group):
        return obj.pk
    if isinstance(obj, Meeting):
        return obj.group_id
    if isinstance(obj, AgendaItem):
        return obj.meeting.group_id
    return getattr(obj, "group_id", None)


def lead_group_ids(user) -> set[int]:
    if not (user and user.is_authenticated):
        return set()
    return set(Membership.objects.leads().filter(user=user).values_list("group_id", flat=True))


@rules.predicate
def is_group_lead(user, obj):
    if not (user and user.is_authenticated) or obj is None:
        return False
    return Membership.objects.leads().filter(user=user, group_id=_group_id(obj)).exists()


@rules.predicate
def is_participant_or_above(user, obj):
    """T1: participants, members and leads of the group (not observers, not emeritus members)."""
    if not (user and user.is_authenticated) or obj is None:
        return False
    tiers = [t for t in Tier.values if Tier.rank(t) >= Tier.rank(Tier.PARTICIPANT)]
    return Membership.objects.active().filter(user=user, group_id=_group_id(obj), tier__in=tiers).exists()


can_manage = is_group_lead | is_core_maintainer

rules.add_rule("meetings.manage_meeting", can_manage)  # schedule, edit, publish, cancel, notes, attendance
rules.add_rule("meetings.decide_agenda_item", can_manage)
rules.add_rule("meetings.propose_agenda_item", is_participant_or_above | can_manage)
rules.add_rule("meetings.publish_late", is_core_maintainer)
rules.add_rule("meetings.view_compliance", is_core_maintainer)


# Django admin for core maintainers (staff without model permissions): they see meetings, agenda items
# and attendance (changes go through the pages' services, which record them) and may correct a series.
for _model in ("meeting", "meetingseries", "agendaitem", "attendance"):
    rules.add_perm(f"meetings.view_{_model}", is_core_maintainer)
rules.add_perm("meetings.change_meetingseries", is_core_maintainer)
rules.add_perm("meetings", is_core_maintainer)


def require(perm: str, user, obj, message: str) -> None:
    """Raise PermissionDenied(message) unless `user` has `perm` on `obj`: the check every service starts with."""
    if not rules.test_rule(perm, user, obj):
        raise PermissionDenied(message)
