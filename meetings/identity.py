"""Meetings' part in merging a placeholder known from GitHub into the real account (portal.identity):
a meeting both attended is kept once (the real account's row stays). Connected by MeetingsConfig.ready."""

from .models import Attendance


def settle_merge(sender, *, placeholder, into, **kwargs):
    Attendance.objects.filter(
        user=placeholder, meeting_id__in=Attendance.objects.filter(user=into).values("meeting_id")
    ).delete()
