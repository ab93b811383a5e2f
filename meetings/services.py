"""Every write to meetings: one function per transition (DESIGN convention 1).

Each checks the actor's right and the allowed source states, locks the row, saves with
`update_fields`, records an event ("meeting.*") in the same transaction, and queues notices
through the outbox (`portal.notices.queue_notice`, one per kind/meeting/due moment).
"""

import logging
from datetime import datetime, timedelta

import rules
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from groups.models import Participation
from portal.errors import DomainError
from portal.events import record
from portal.models import User
from portal.timefmt import format_moment

from .models import (
    MAX_DURATION,
    AgendaItem,
    Attendance,
    Meeting,
    earliest_publishable_start,
    publish_ahead,
    render_section,
)
from .rules import require

log = logging.getLogger(__name__)

EDITABLE_FIELDS = ("title", "starts_at", "timezone_name", "duration", "join_url", "agenda_md")


# --- helpers ----------------------------------------------------------------------------------
def _lock(meeting_id) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting_id)


MIN_DURATION = timedelta(minutes=5)  # as the forms
MARKDOWN_MAX = 50_000  # agenda and notes, as the forms


def _validate_fields(fields: dict) -> dict:
    """What the meeting and series forms check, for every caller (the API and sync have no form).
    Returns the cleaned values; raises DomainError on the first problem."""
    from portal.validation import clean_text, clean_timezone, clean_web_url

    out = dict(fields)
    if "title" in fields:
        out["title"] = clean_text(fields["title"], label="The title", max_length=200, one_line=True)
    if "join_url" in fields:
        if not (fields["join_url"] or "").strip():
            raise DomainError("A meeting needs a join link.")
        out["join_url"] = clean_web_url(fields["join_url"], label="The join link")
    if "timezone_name" in fields:
        out["timezone_name"] = clean_timezone(fields["timezone_name"], label="The meeting's time zone")
    if "agenda_md" in fields:
        out["agenda_md"] = clean_text(fields["agenda_md"], label="The agenda", max_length=MARKDOWN_MAX, required=False)
    if "duration" in fields:
        if not isinstance(fields["duration"], timedelta) or fields["duration"] < MIN_DURATION:
            raise DomainError("A meeting needs a duration of at least 5 minutes.")
        if fields["duration"] > MAX_DURATION:
            raise DomainError(f"A meeting lasts at most {MAX_DURATION.total_seconds() / 3600:.0f} hours.")
    if "starts_at" in fields:
        if not isinstance(fields["starts_at"], datetime):
            raise DomainError("A start time must be a date and time.")
        if timezone.is_naive(fields["starts_at"]):
            raise DomainError("A start time needs a time zone.")
    return out


def _require_writable(group_or_id) -> None:
    """G2/G7: a retired group's meetings are read-only (one guard, groups.guards)."""
    from groups.guards import ensure_group_writable

    ensure_group_writable(group_or_id)


def _text(value, label, max_length, *, required=False):
    from portal.validation import clean_text

    return clean_text(value, label=label, max_length=max_length, required=required)


def _participation(*, group_id, user, kind, occurred_at, source):
    Participation.objects.get_or_create(
        group_id=group_id,
        user=user,
        kind=kind,
        source_type=ContentType.objects.get_for_model(source),
        source_id=str(source.pk),
        defaults={"occurred_at": occurred_at},
    )


# --- scheduling and publication (M1, M2) --------------------------------------------------------
def meeting_schedule(
    *, group, by, title, starts_at, timezone_name, duration, join_url, agenda_md="", series=None, occurrence_date=None
) -> Meeting:
    """Create a draft meeting (M1). Publication is a separate step (M2)."""
    if by is not None:
        require("meetings.manage_meeting", by, group, "Only the group's leads and core maintainers schedule meetings.")
    _require_writable(group)
    fields = dict(
        title=title, starts_at=starts_at, duration=duration, join_url=join_url, timezone_name=timezone_name,
        agenda_md=agenda_md,
    )  # fmt: skip
    fields = _validate_fields(fields)
    title, join_url, timezone_name, agenda_md = (
        fields["title"], fields["join_url"], fields["timezone_name"], fields["agenda_md"]
    )  # fmt: skip
    if starts_at <= timezone.now():
        raise DomainError("A meeting must start in the future.")
    now = timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(
            group=group,
            series=series,
            occurrence_date=occurrence_date,
            title=title.strip(),
            starts_at=starts_at,
            timezone_name=timezone_name,
            duration=duration,
            join_url=join_url.strip(),
            agenda_md=agenda_md,
            agenda_html=render_section(agenda_md),
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        record(
            actor=by,
            verb="meeting.scheduled",
            target=meeting,
            data={"starts_at": starts_at, "series": series.pk if series else None},
        )
    return meeting


def publication_refusal(meeting, now) -> str:
    """The M2 refusal, naming the earliest allowed start in the viewer's zone (the active one in a
    request) and, when it differs, in the zone the meeting was scheduled in."""
    earliest = earliest_publishable_start(now)
    days = publish_ahead().days
    viewer_zone = timezone.get_current_timezone_name()
    when = format_moment(earliest, viewer_zone)
    if viewer_zone != meeting.timezone_name:
        when += f", that is {earliest.astimezone(meeting.zone):%a %-d %b %Y, %H:%M} {meeting.timezone_name} (the meeting's zone)"
    return (
        f"Too late to publish: a meeting must be published at least {days} days before it starts. "
        f"The earliest start that can still be published now is {when}. "
        "Move the meeting to that time or later, or ask a core maintainer to publish it late with a written reason."
    )


def meeting_publish(*, meeting, by, late_reason: str = "") -> Meeting:
    """M2: publish at least the configured lead time ahead; later only by a core maintainer with a reason."""
    require("meetings.manage_meeting", by, meeting, "Only the group's leads and core maintainers publish meetings.")
    _require_writable(meeting.group_id)
    late_reason = _text(late_reason, "The reason for publishing late", 2000)
    with transaction.atomic():
        meeting = _lock(meeting.pk)
        now = timezone.now()
        allowed = {Meeting.Status.DRAFT, Meeting.Status.MISSED_PUBLICATION}
        if meeting.status not in allowed:
            raise DomainError(f"This meeting is {meeting.get_status_display().lower()}; only drafts can be published.")
        if meeting.starts_at <= now:
            raise DomainError("This meeting has already started; it can no longer be published.")
        late = now > meeting.publication_cutoff
        if late or meeting.status == Meeting.Status.MISSED_PUBLICATION:
            if not rules.test_rule("meetings.publish_late", by, meeting):
                raise DomainError(publication_refusal(meeting, now))
            if not late_reason:
                raise DomainError(
                    publication_refusal(meeting, now)
                    + " As a core maintainer you may publish it late: give the reason, it is recorded and shown."
                )
        if not (meeting.agenda_md or "").strip():
            raise DomainError("A meeting is published with its agenda: write the agenda first.")
        meeting.status = Meeting.Status.PUBLISHED
        meeting.published_at = now
        meeting.published_by = by
        fields = ["status", "published_at", "published_by", "updated_at", "sequence"]
        if late:  # a reason given for an on-time publication is not a late publication
            meeting.late_publication_reason = late_reason
            meeting.late_published_by = by
            fields += ["late_publication_reason", "late_published_by"]
        meeting.updated_at = now
        meeting.sequence += 1
        meeting.save(update_fields=fields)
        record(
            actor=by,
            verb="meeting.published",
            target=meeting,
            data={
                "ahead_hours": round((meeting.starts_at - now).total_seconds() / 3600, 1),
                "late": late,
                "reason": late_reason,
            },
        )
    return meeting


def meeting_edit(*, meeting, by, **changes) -> Meeting:
    """Edit a draft, published or missed meeting. Published: SEQUENCE bumps so calendars update.

    A published meeting may only move to a start that could still be published now (M2), so an edit
    cannot slip a meeting under the cutoff. Editing a missed-publication meeting to a publishable
    start turns it back into a draft (the reschedule the sweep asked the leads for).
    """
    require("meetings.manage_meeting", by, meeting, "Only the group's leads and core maintainers edit meetings.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    _require_writable(meeting.group_id)
    changes = _validate_fields(changes)
    with transaction.atomic():
        meeting = _lock(meeting.pk)
        now = timezone.now()
        if meeting.status == Meeting.Status.CANCELLED:
            raise DomainError("A cancelled meeting cannot be edited; schedule a new one.")
        if meeting.starts_at <= now:
            raise DomainError("This meeting has started; only its notes and attendance can change now.")
        changed = {k: v for k, v in changes.items() if getattr(meeting, k) != v}
        if not changed:
            return meeting
        if "agenda_md" in changed and not changed["agenda_md"] and meeting.status == Meeting.Status.PUBLISHED:
            raise DomainError("A published meeting keeps its agenda; edit it instead of removing it.")
        if "agenda_md" in changed and not changed["agenda_md"] and meeting.status == Meeting.Status.PUBLISHED:
            raise DomainError("A published meeting keeps its agenda; edit it instead of removing it.")
        new_start = changed.get("starts_at")
        if new_start is not None:
            if new_start <= now:
                raise DomainError("A meeting must start in the future.")
            too_soon = new_start < earliest_publishable_start(now)
            guarded = meeting.status in (Meeting.Status.PUBLISHED, Meeting.Status.MISSED_PUBLICATION)
            if guarded and too_soon and not rules.test_rule("meetings.publish_late", by, meeting):
                raise DomainError(
                    publication_refusal(meeting, now).replace("Too late to publish", "This start is too soon")
                )
        old = {k: getattr(meeting, k) for k in changed}
        for key, value in changed.items():
            setattr(meeting, key, value)
        fields = set(changed) | {"updated_at", "sequence"}
        if "agenda_md" in changed:
            meeting.agenda_html = render_section(meeting.agenda_md)
            fields.add("agenda_html")
        if new_start is not None:
            meeting.publication_reminded_at = None  # the new cutoff is a new due moment
            fields.add("publication_reminded_at")
        verb = "meeting.edited"
        if meeting.status == Meeting.Status.MISSED_PUBLICATION and new_start is not None:
            meeting.status = Meeting.Status.DRAFT
            meeting.missed_publication_at = None
            fields |= {"status", "missed_publication_at"}
            verb = "meeting.rescheduled"
        meeting.updated_at = now
        meeting.sequence += 1
        meeting.save(update_fields=sorted(fields))
        record(
            actor=by,
            verb=verb,
            target=meeting,
            data={"changed": sorted(changed), "old_starts_at": old.get("starts_at")},
        )
    return meeting


def meeting_cancel(*, meeting, by, reason: str) -> Meeting:
    """Cancel with a reason; a published meeting stays listed (and in feeds) as cancelled (M6)."""
    require("meetings.manage_meeting", by, meeting, "Only the group's leads and core maintainers cancel meetings.")
    _require_writable(meeting.group_id)
    reason = _text(reason, "The reason", 2000)
    if not reason:
        raise DomainError("Say why the meeting is cancelled; the reason is shown to everyone.")
    with transaction.atomic():
        meeting = _lock(meeting.pk)
        now = timezone.now()
        if meeting.status == Meeting.Status.CANCELLED:
            raise DomainError("This meeting is already cancelled.")
        if meeting.starts_at <= now:
            raise DomainError("This meeting has started; it can no longer be cancelled.")
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancelled_at = now
        meeting.cancelled_by = by
        meeting.cancelled_reason = reason
        meeting.updated_at = now
        meeting.sequence += 1
        meeting.save(
            update_fields=["status", "cancelled_at", "cancelled_by", "cancelled_reason", "updated_at", "sequence"]
        )
        record(actor=by, verb="meeting.cancelled", target=meeting, data={"reason": reason})
    return meeting


# --- notes and attendance (M4, M5) ---------------------------------------------------------------
def meeting_publish_notes(*, meeting, by, notes_md: str) -> Meeting:
    """M4: notes after the start; publishing after the deadline clears the overdue flag and records lateness."""
    require("meetings.manage_meeting", by, meeting, "Only the group's leads and core maintainers publish notes.")
    _require_writable(meeting.group_id)
    notes_md = _text(notes_md, "The notes", MARKDOWN_MAX)
    if not notes_md:
        raise DomainError("The notes are empty.")
    with transaction.atomic():
        meeting = _lock(meeting.pk)
        now = timezone.now()
        if meeting.status != Meeting.Status.PUBLISHED:
            raise DomainError("Notes belong to a published meeting that took place.")
        if now < meeting.starts_at:
            raise DomainError(
                f"Notes can be published once the meeting has started ({format_moment(meeting.starts_at, meeting.timezone_name)})."
            )
        first = meeting.notes_published_at is None
        meeting.notes_md = notes_md
        meeting.notes_html = render_section(notes_md)
        meeting.updated_at = now
        fields = ["notes_md", "notes_html", "updated_at"]
        data = {}
        if first:
            late = now > meeting.notes_due_at
            was_flagged = meeting.notes_overdue_at is not None
            meeting.notes_published_at = now
            meeting.notes_published_by = by
            meeting.notes_late = late
            meeting.notes_overdue_at = None
            fields += ["notes_published_at", "notes_published_by", "notes_late", "notes_overdue_at"]
            data = {
                "late": late,
                "was_flagged_overdue": was_flagged,
                "hours_after_end": round((now - meeting.ends_at).total_seconds() / 3600, 1),
            }
        meeting.save(update_fields=fields)
        record(
            actor=by, verb="meeting.notes_published" if first else "meeting.notes_updated", target=meeting, data=data
        )
        _participation(
            group_id=meeting.group_id,
            user=by,
            kind=Participation.Kind.NOTES,
            occurred_at=meeting.starts_at,
            source=meeting,
        )
    return meeting


def resolve_github_handles(text: str) -> tuple[list[User], list[str]]:
    """`@octo, https://github.com/cat` -> (people, handles nobody owns), through portal.identity: only a
    verified handle (or a placeholder known from GitHub) names someone; a typed claim names nobody (M5)."""
    from portal.identity import clean_handle, people_for_handles
    from portal.models import normalize_github

    handles = []
    seen = set()
    for raw in text.replace(",", " ").split():
        handle = clean_handle(raw) or normalize_github(raw)
        if handle and handle.lower() not in seen:  # once each, any case
            seen.add(handle.lower())
            handles.append(handle)
    if not handles:
        return [], []
    found = people_for_handles(handles)  # one query however many handles
    users = [found[h.lower()] for h in handles if h.lower() in found]
    unknown = [h for h in handles if h.lower() not in found]
    return users, unknown


GUEST_NAME_MAX = 120
GUESTS_MAX = 200


def clean_guests(names) -> list[str]:
    """Guest names as given, trimmed, once each (any case), blank ones dropped; refused when too long."""
    from portal.validation import clean_text

    out, seen = [], set()
    for raw in names or []:
        # no control characters (a NUL cannot be stored in PostgreSQL's jsonb), one line, trimmed
        name = " ".join(clean_text(str(raw), label="A guest's name", required=False, one_line=True).split())
        if not name or name.lower() in seen:
            continue
        if len(name) > GUEST_NAME_MAX:
            raise DomainError(f"A guest's name is at most {GUEST_NAME_MAX} characters: “{name[:40]}…”.")
        seen.add(name.lower())
        out.append(name)
    if len(out) > GUESTS_MAX:
        raise DomainError(f"At most {GUESTS_MAX} guests can be listed.")
    return out


def meeting_set_attendance(*, meeting, by, users, guests=None) -> list[Attendance]:
    """M5: set who attended. Each attendee gets one Participation (attendance, source = the meeting,
    at the meeting's start); running it again changes nothing; removing someone removes theirs.
    `guests` (names of people without a verified account) are listed with the attendance and gain
    no participation; None leaves the recorded guests as they are."""
    require("meetings.manage_meeting", by, meeting, "Only the group's leads and core maintainers record attendance.")
    _require_writable(meeting.group_id)
    wanted = {u.pk: u for u in users}
    guests = None if guests is None else clean_guests(guests)
    with transaction.atomic():
        meeting = _lock(meeting.pk)
        now = timezone.now()
        if meeting.status != Meeting.Status.PUBLISHED:
            raise DomainError("Attendance belongs to a published meeting that took place.")
        if now < meeting.starts_at:
            raise DomainError("Attendance can be recorded once the meeting has started.")
        existing = set(meeting.attendances.values_list("user_id", flat=True))
        added = [pk for pk in wanted if pk not in existing]
        removed = [pk for pk in existing if pk not in wanted]
        ct = ContentType.objects.get_for_model(Meeting)
        if removed:
            meeting.attendances.filter(user_id__in=removed).delete()
            Participation.objects.filter(
                group_id=meeting.group_id,
                user_id__in=removed,
                kind=Participation.Kind.ATTENDANCE,
                source_type=ct,
                source_id=str(meeting.pk),
            ).delete()
        for pk in added:
            Attendance.objects.create(meeting=meeting, user=wanted[pk], recorded_by=by, recorded_at=now)
        for user in wanted.values():  # idempotent: also repairs a missing participation row
            _participation(
                group_id=meeting.group_id,
                user=user,
                kind=Participation.Kind.ATTENDANCE,
                occurred_at=meeting.starts_at,
                source=meeting,
            )
        guests_changed = guests is not None and guests != list(meeting.attendance_guests or [])
        if guests_changed:
            meeting.attendance_guests = guests
        if added or removed or guests_changed:
            meeting.updated_at = now
            meeting.save(update_fields=["updated_at", "attendance_guests"] if guests_changed else ["updated_at"])
            record(
                actor=by,
                verb="meeting.attendance_recorded",
                target=meeting,
                data={
                    "added": added,
                    "removed": removed,
                    "count": len(wanted),
                    "guests": len(meeting.attendance_guests or []),
                },
            )
    return list(meeting.attendances.select_related("user"))


# --- agenda items (M3) ------------------------------------------------------------------------
def agenda_item_propose(*, meeting, by, title: str, details: str = "") -> AgendaItem:
    require(
        "meetings.propose_agenda_item",
        by,
        meeting,
        "Participants of the group propose agenda items: join the group as a participant first.",
    )
    _require_writable(meeting.group_id)
    title = _text(title, "The title", 200)
    details = _text(details, "The details", 2000)
    if not title:
        raise DomainError("An agenda item needs a title.")
    with transaction.atomic():
        meeting = _lock(meeting.pk)
        now = timezone.now()
        if meeting.status != Meeting.Status.PUBLISHED:
            raise DomainError("Agenda items can be proposed for published meetings only.")
        if meeting.starts_at <= now:
            raise DomainError("This meeting has started; propose the item for the next one.")
        item = AgendaItem.objects.create(meeting=meeting, title=title, details=details, proposed_by=by, proposed_at=now)
        record(actor=by, verb="meeting.agenda_item_proposed", target=meeting, data={"item": item.pk, "title": title})
        _participation(
            group_id=meeting.group_id, user=by, kind=Participation.Kind.AGENDA_ITEM, occurred_at=now, source=item
        )
    return item


def agenda_item_decide(*, item, by, accept: bool, note: str = "") -> AgendaItem:
    require("meetings.decide_agenda_item", by, item.meeting, "Only the group's leads accept or decline agenda items.")
    _require_writable(item.meeting.group_id)
    note = _text(note, "The note", 300)
    with transaction.atomic():
        item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
        if item.status != AgendaItem.Status.PROPOSED:
            raise DomainError(f"This item was already {item.get_status_display().lower()}.")
        if item.meeting.status != Meeting.Status.PUBLISHED:
            raise DomainError(
                f"This meeting is {item.meeting.get_status_display().lower()}: its agenda items are no longer decided."
            )
        now = timezone.now()
        item.status = AgendaItem.Status.ACCEPTED if accept else AgendaItem.Status.DECLINED
        item.decided_by = by
        item.decided_at = now
        item.decision_note = (note or "").strip()[:300]
        item.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        # the agenda changed: calendars and ETags follow
        Meeting.objects.filter(pk=item.meeting_id).update(updated_at=now, sequence=F("sequence") + 1)
        record(
            actor=by,
            verb="meeting.agenda_item_accepted" if accept else "meeting.agenda_item_declined",
            target=item.meeting,
            data={"item": item.pk, "title": item.title, "note": item.decision_note},
        )
    return item


# Series (M7) live in meetings/series.py (a layer above: it cancels meetings through this module).
# Sweep steps (M2, M4) live in meetings/sweeps.py, re-exported here for callers written before the split.
from .sweeps import (  # noqa: E402, F401
    meeting_mark_missed_publication,
    meeting_mark_notes_overdue,
    meeting_send_notes_reminder,
    meeting_send_publication_reminder,
)
