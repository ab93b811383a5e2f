"""Meeting sweeps (M2, M4, M7). Each selects "due and not yet handled" (never "due exactly now"),
handles every row in its own transaction with a lock and a re-check (sweeps.py, series.py), and marks it
handled, so a second run does nothing new, a missed run is caught up, and a failure on one row
leaves the others done and that row untouched for the next run."""

import logging

from celery import shared_task
from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from . import series, sweeps
from .models import Meeting, MeetingSeries
from .series import series_created

log = logging.getLogger(__name__)


def _each(pks, fn, now) -> int:
    done = 0
    for pk in pks:
        try:
            done += bool(fn(meeting_id=pk, now=now))
        except Exception:  # one bad row must not block the others; it stays due for the next run
            log.exception("%s failed for meeting %s", getattr(fn, "__name__", fn), pk)
    return done


@shared_task
def sweep_publication() -> dict:
    """M2: at the cutoff drafts become "missed publication" (leads told); before it, one reminder."""
    now = timezone.now()
    gov = settings.GOVERNANCE
    cutoff_horizon = now + gov["MEETING_PUBLISH_AHEAD"]
    drafts = Meeting.objects.filter(status=Meeting.Status.DRAFT)
    missed = list(drafts.filter(starts_at__lte=cutoff_horizon).order_by("starts_at").values_list("pk", flat=True))
    reminders = list(
        drafts.filter(
            publication_reminded_at=None,
            starts_at__gt=cutoff_horizon,
            starts_at__lte=cutoff_horizon + gov["MEETING_PUBLISH_REMINDER_BEFORE_CUTOFF"],
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    return {
        "missed": _each(missed, sweeps.meeting_mark_missed_publication, now),
        "reminded": _each(reminders, sweeps.meeting_send_publication_reminder, now),
    }


@shared_task
def sweep_notes() -> dict:
    """M4: a reminder 24 h after the end; at 48 h the meeting is flagged "notes overdue" (leads told)."""
    now = timezone.now()
    gov = settings.GOVERNANCE
    pending = Meeting.objects.filter(status=Meeting.Status.PUBLISHED, notes_published_at=None)
    overdue = list(
        pending.filter(notes_overdue_at=None, ends_at__lte=now - gov["NOTES_DUE_AFTER_END"])
        .order_by("ends_at")
        .values_list("pk", flat=True)
    )
    reminders = list(
        pending.filter(
            notes_reminded_at=None,
            ends_at__lte=now - gov["NOTES_REMINDER_AFTER_END"],
            ends_at__gt=now - gov["NOTES_DUE_AFTER_END"],
        )
        .order_by("ends_at")
        .values_list("pk", flat=True)
    )
    return {
        "overdue": _each(overdue, sweeps.meeting_mark_notes_overdue, now),
        "reminded": _each(reminders, sweeps.meeting_send_notes_reminder, now),
    }


@shared_task
def generate_series() -> int:
    """M7: keep every active series generated over the rolling window (only the series whose next
    occurrence entered the window since the last run: the sweep costs what is due)."""
    now = timezone.now()
    created = 0
    for pk in list(series.series_due(now).order_by("pk").values_list("pk", flat=True)):
        try:
            created += len(series.series_generate(series_id=pk, now=now))
        except Exception:
            log.exception("Generating series %s failed", pk)
    return created


@shared_task
def generate_series_one(series_id: int) -> int:
    return len(series.series_generate(series_id=series_id))


@receiver(series_created, sender=MeetingSeries, dispatch_uid="meetings.tasks.generate_after_create")
def _generate_after_create(sender, series_id, **kwargs):
    generate_series_one.delay(series_id)
