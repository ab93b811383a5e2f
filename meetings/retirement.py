"""G2 with M6: when a group is retired, its future meetings are cancelled and its series end.

Connected to `groups.signals.group_retired` (meetings/apps.py); runs inside the retirement's
transaction, so a retirement and its closures happen together or not at all. The meetings stay
listed, and in calendars as cancelled (M6), with the reason; past meetings stay as they were.
"""

from django.db.models import F
from django.utils import timezone

from portal.events import record

from .models import Meeting, MeetingSeries


def close_for_retired_group(sender, *, group, by, now=None, **kwargs):
    now = now or timezone.now()
    reason = f"{group.name} was retired."
    future = (
        Meeting.objects.select_for_update()
        .filter(group=group, starts_at__gt=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at", "pk")
    )
    for meeting in future:
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancelled_at, meeting.cancelled_by, meeting.cancelled_reason = now, by, reason
        meeting.updated_at = now
        meeting.sequence = F("sequence") + 1
        meeting.save(
            update_fields=["status", "cancelled_at", "cancelled_by", "cancelled_reason", "updated_at", "sequence"]
        )
        record(actor=by, verb="meeting.cancelled", target=meeting, data={"reason": reason, "retired": True}, at=now)
    for series in MeetingSeries.objects.select_for_update().filter(group=group, ended_at__isnull=True):
        series.ended_at = now
        series.save(update_fields=["ended_at"])
        record(actor=by, verb="meeting.series_ended", target=series, group=group, data={"retired": True}, at=now)
