"""Helpers shared by the decision, escalation and report services: notices per person, text checks."""

from django.db.models import F
from django.utils import timezone

from portal.notices import queue_notice
from portal.timefmt import moment_text
from portal.validation import clean_text

from ..models import Group, Membership
from ..selectors import quorum_members


def _bump(group_id: int) -> None:
    Group.objects.filter(pk=group_id).update(version=F("version") + 1)


def notify_each(*, kind: str, target, due_at, users, template: str, context: dict, moments: dict | None = None):
    """One notice per person, its times written in that person's own zone (one row per recipient)."""
    for user in users:
        if not getattr(user, "email", ""):
            continue
        with timezone.override(user.timezone or "UTC"):
            ctx = {**context, "recipient": user}
            for key, moment in (moments or {}).items():
                ctx[key] = moment_text(moment)
            queue_notice(
                kind=f"{kind}:{user.pk}"[:64],
                target=target,
                due_at=due_at,
                recipients=[user],
                template=template,
                context=ctx,
            )


def group_people(group):
    """Everyone currently in the group, any tier (told when a result is in)."""
    return [m.user for m in Membership.objects.current().filter(group=group).select_related("user")]


def voters_of(group):
    """D4: who may vote and counts for quorum now: active members and leads (emeritus excluded)."""
    return [m.user for m in quorum_members(group)]


def _text(value: str, what: str, limit: int = 20000) -> str:
    """Stripped text without control characters (portal.validation), required, at most `limit` long."""
    return clean_text(value, label=what, max_length=limit)
