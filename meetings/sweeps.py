"""Sweep steps for meetings (M2 publication, M4 notes): one meeting each, locked and re-checked,
recorded once, its leads told through the notice outbox. `meetings.tasks` selects what is due and
calls these; a second run finds nothing left to do."""

from django.conf import settings
from django.db import transaction

from groups.models import Membership
from portal.events import record
from portal.models import User
from portal.notices import Moment, queue_notice

from .models import Meeting, earliest_publishable_start, publish_ahead


def lead_recipients(group_id: int) -> list[User]:
    """The active people who lead the group now, in a stable order: who a meeting's notices go to."""
    return list(
        User.objects.filter(
            pk__in=Membership.objects.leads().filter(group_id=group_id).values("user_id"), is_active=True
        ).order_by("pk")
    )


def _notify_leads(kind, meeting, due_at, template, **extra):
    queue_notice(
        kind=kind,
        target=meeting,
        due_at=due_at,
        recipients=lead_recipients(meeting.group_id),
        template=f"email/meetings/{template}",
        context={
            "meeting": meeting,
            "group": meeting.group,
            "url": settings.SITE_URL + meeting.get_absolute_url(),
            "ahead_days": publish_ahead().days,
            "due_hours": int(settings.GOVERNANCE["NOTES_DUE_AFTER_END"].total_seconds() // 3600),
            **extra,
        },
    )


def meeting_send_publication_reminder(*, meeting_id, now) -> bool:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("group").get(pk=meeting_id)
        if (
            meeting.group.is_retired
            or meeting.status != Meeting.Status.DRAFT
            or meeting.publication_reminded_at is not None
            or not (meeting.publication_reminder_at <= now < meeting.publication_cutoff)
        ):
            return False
        meeting.publication_reminded_at = now
        meeting.save(update_fields=["publication_reminded_at"])
        record(
            actor=None,
            verb="meeting.publication_reminder_sent",
            target=meeting,
            data={"cutoff": meeting.publication_cutoff},
        )
        _notify_leads(
            "meeting.publication_reminder",
            meeting,
            meeting.publication_reminder_at,
            "publication_reminder",
            cutoff=Moment(meeting.publication_cutoff),  # in each lead's own zone
        )
    return True


def meeting_mark_missed_publication(*, meeting_id, now) -> bool:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("group").get(pk=meeting_id)
        if meeting.group.is_retired or meeting.status != Meeting.Status.DRAFT or now < meeting.publication_cutoff:
            return False
        meeting.status = Meeting.Status.MISSED_PUBLICATION
        meeting.missed_publication_at = now
        meeting.updated_at = now
        meeting.save(update_fields=["status", "missed_publication_at", "updated_at"])
        record(
            actor=None, verb="meeting.publication_missed", target=meeting, data={"cutoff": meeting.publication_cutoff}
        )
        _notify_leads(
            "meeting.publication_missed",
            meeting,
            meeting.publication_cutoff,
            "publication_missed",
            earliest=Moment(earliest_publishable_start(now)),
        )
    return True


def meeting_send_notes_reminder(*, meeting_id, now) -> bool:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("group").get(pk=meeting_id)
        if (
            meeting.group.is_retired
            or meeting.status != Meeting.Status.PUBLISHED
            or meeting.notes_published_at is not None
            or meeting.notes_reminded_at is not None
            or not (meeting.notes_reminder_at <= now < meeting.notes_due_at)
        ):
            return False
        meeting.notes_reminded_at = now
        meeting.save(update_fields=["notes_reminded_at"])
        record(actor=None, verb="meeting.notes_reminder_sent", target=meeting, data={"due": meeting.notes_due_at})
        _notify_leads(
            "meeting.notes_reminder",
            meeting,
            meeting.notes_reminder_at,
            "notes_reminder",
            due=Moment(meeting.notes_due_at),
        )
    return True


def meeting_mark_notes_overdue(*, meeting_id, now) -> bool:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("group").get(pk=meeting_id)
        if (
            meeting.group.is_retired
            or meeting.status != Meeting.Status.PUBLISHED
            or meeting.notes_published_at is not None
            or meeting.notes_overdue_at is not None
            or now < meeting.notes_due_at
        ):
            return False
        meeting.notes_overdue_at = now
        meeting.updated_at = now
        meeting.save(update_fields=["notes_overdue_at", "updated_at"])
        record(actor=None, verb="meeting.notes_overdue", target=meeting, data={"due": meeting.notes_due_at})
        _notify_leads("meeting.notes_overdue", meeting, meeting.notes_due_at, "notes_overdue")
    return True
