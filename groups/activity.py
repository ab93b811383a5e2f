"""G7: the inactivity flag on Working Groups (the `sweep_inactive_groups` step), apart from services.py."""

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from portal.events import record
from portal.models import Event

from .models import Group
from .registry import activity_signs

# Events the portal writes by itself (reminders, flags, automatic pings and dormancy) are not the
# group's own activity: a WG whose only "activity" is our nagging is still inactive.
NOT_ACTIVITY_VERBS = (
    "meeting.publication_reminder_sent",
    "meeting.publication_missed",
    "meeting.notes_reminder_sent",
    "meeting.notes_overdue",
    "sep.pinged",
)


def last_activity(group: Group, now=None):
    """Latest sign of life for G7, read literally: a meeting held (registered by meetings: published,
    not cancelled, started), a change to one of the group's SEPs (not the portal's automatic pings and
    dormancy), or activation.

    Not activity: a draft or cancelled meeting nobody held, scheduling or editing meetings, the portal's
    own reminders, and participation rows (attendance already comes with a meeting held).
    """

    now = now or timezone.now()
    ev = (
        Event.objects.filter(group=group, verb__startswith="sep.")
        .exclude(verb__in=NOT_ACTIVITY_VERBS)
        .exclude(Q(data__has_key="automatic") & Q(data__automatic=True))
        .filter(created_at__lte=now)
        .aggregate(m=Max("created_at"))["m"]
    )
    candidates = [d for d in (ev, group.activated_at) if d is not None] + activity_signs(group, now)
    return max(candidates) if candidates else group.created_at


def group_check_activity(*, group_id: int, now=None) -> str | None:
    """Sweep step (G7): flag a WG idle for 30 days; clear the flag once activity resumes."""
    now = now or timezone.now()
    with transaction.atomic():
        g = (
            Group.objects.select_for_update()
            .filter(pk=group_id, kind=Group.Kind.WORKING, state=Group.State.ACTIVE)
            .first()
        )
        if g is None:
            return None
        last = last_activity(g, now)
        due = last + settings.GOVERNANCE["WG_INACTIVE_AFTER"]
        if g.inactive_since is None and due <= now:
            g.inactive_since = due
            g.version += 1
            g.save(update_fields=["inactive_since", "version"])
            record(actor=None, verb="group.flagged_inactive", target=g, group=g, data={"last_activity": last}, at=now)
            return "flagged"
        if g.inactive_since is not None and due > now:
            since = g.inactive_since
            g.inactive_since = None
            g.version += 1
            g.save(update_fields=["inactive_since", "version"])
            record(actor=None, verb="group.activity_resumed", target=g, group=g, data={"inactive_since": since}, at=now)
            return "cleared"
    return None
