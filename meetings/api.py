"""Read API for meetings: the public list and one meeting with its agenda and notes.

Top layer (mounted by portal/api.py). Only meetings people may rely on are public (published, or
published then cancelled): drafts and missed publications never appear, as on the site.
Times are UTC, ISO 8601 with the zone (`Z`); `timezone` is the zone the lead scheduled it in.
"""

from datetime import datetime, timedelta
from typing import Literal

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from pydantic import Field

from portal.api_common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    Moment,
    PageMeta,
    PersonOut,
    Slug,
    absolute,
    page,
    person,
    responses,
)

from .models import AgendaItem, Attendance, Meeting

router = Router(tags=["meetings"])

PublicStatus = Literal["published", "cancelled"]
LIST_DEFERRED = ("agenda_md", "agenda_html", "notes_md", "notes_html")


class GroupRef(Schema):
    slug: str
    name: str
    kind: Literal["wg", "ig"]


class MeetingOut(Schema):
    id: int
    title: str
    url: str
    ics_url: str
    group: GroupRef
    status: PublicStatus
    starts_at: datetime = Field(description="UTC, ISO 8601.")
    ends_at: datetime = Field(description="UTC, ISO 8601.")
    duration_minutes: int
    timezone: str = Field(description="The IANA zone the meeting was scheduled in.")
    join_url: str | None = Field(description="Null once cancelled.")
    published_at: datetime | None
    published_late: bool = Field(description="Published after the cutoff (M2), with the reason shown.")
    late_publication_reason: str
    cancelled_reason: str
    has_notes: bool
    notes_overdue: bool = Field(description="Notes were not published within the deadline (M4).")


class MeetingPage(PageMeta):
    items: list[MeetingOut]


class AgendaItemOut(Schema):
    title: str
    details: str
    status: Literal["accepted", "proposed"]
    proposed_by: str = Field(description="The proposer's display name.")


class AgendaOut(Schema):
    markdown: str
    html: str = Field(description="Sanitized HTML rendered from the markdown.")
    items: list[AgendaItemOut] = Field(description="Accepted items, then items awaiting a lead.")


class NotesOut(Schema):
    published: bool
    published_at: datetime | None
    due_at: datetime = Field(description="When notes are due (M4).")
    markdown: str
    html: str = Field(description="Sanitized HTML rendered from the markdown.")
    attendance: list[PersonOut]


class MeetingDetailOut(MeetingOut):
    agenda: AgendaOut
    notes: NotesOut


def public_meetings():
    return Meeting.objects.valid().select_related("group")


def serialize_meeting(m) -> dict:
    from django.urls import reverse

    return {
        "id": m.pk,
        "title": m.title,
        "url": absolute(m.get_absolute_url()),
        "ics_url": absolute(reverse("meetings:ics", args=[m.pk])),
        "group": {"slug": m.group.slug, "name": m.group.name, "kind": m.group.kind},
        "status": m.status,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "duration_minutes": int(m.duration.total_seconds() // 60),
        "timezone": m.timezone_name,
        "join_url": None if m.status == Meeting.Status.CANCELLED else m.join_url,
        "published_at": m.published_at,
        "published_late": m.published_late,
        "late_publication_reason": m.late_publication_reason,
        "cancelled_reason": m.cancelled_reason if m.status == Meeting.Status.CANCELLED else "",
        "has_notes": m.notes_published_at is not None,
        "notes_overdue": m.is_notes_overdue,
    }


def serialize_meetings(rows) -> list[dict]:
    return [serialize_meeting(m) for m in rows]


def get_public_meeting(meeting_id: int) -> Meeting:
    items = AgendaItem.objects.filter(status__in=[AgendaItem.Status.ACCEPTED, AgendaItem.Status.PROPOSED])
    meeting = (
        public_meetings()
        .prefetch_related(
            Prefetch("agenda_items", queryset=items.select_related("proposed_by"), to_attr="public_items"),
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("user"),
                to_attr="attendance_rows",
            ),
        )
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404(f"No public meeting with the id {meeting_id}.")
    return meeting


def meeting_detail(meeting_id: int) -> dict:
    m = get_public_meeting(meeting_id)
    items = sorted(m.public_items, key=lambda i: (i.status != AgendaItem.Status.ACCEPTED, i.proposed_at, i.pk))
    notes_public = m.notes_published_at is not None
    return {
        **serialize_meeting(m),
        "agenda": {
            "markdown": m.agenda_md,
            "html": m.agenda_html,
            "items": [
                {"title": i.title, "details": i.details, "status": i.status, "proposed_by": i.proposed_by.name}
                for i in items
            ],
        },
        "notes": {
            "published": notes_public,
            "published_at": m.notes_published_at,
            "due_at": m.notes_due_at,
            "markdown": m.notes_md if notes_public else "",
            "html": m.notes_html if notes_public else "",
            "attendance": [person(a.user) for a in m.attendance_rows],
        },
    }


def filtered(*, group=None, start=None, end=None, status=None, upcoming_days=None):
    qs = public_meetings().defer(*LIST_DEFERRED)
    if group:
        qs = qs.filter(group__slug=group)
    if start:
        qs = qs.filter(ends_at__gt=start)
    if end:
        qs = qs.filter(starts_at__lt=end)
    if status:
        qs = qs.filter(status=status)
    if upcoming_days is not None:
        now = timezone.now()
        qs = qs.filter(ends_at__gt=now, starts_at__lte=now + timedelta(days=upcoming_days))
    return qs.order_by("starts_at", "pk")


class MeetingFilters(Schema):
    group: Slug | None = Field(None, description="A group's slug.")
    start: Moment | None = Field(None, alias="from", description="Meetings ending after this moment (ISO 8601).")
    end: Moment | None = Field(None, alias="to", description="Meetings starting before this moment (ISO 8601).")
    status: PublicStatus | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/meetings", response=responses(MeetingPage), summary="List meetings", operation_id="list_meetings")
def list_meetings(request, filters: Query[MeetingFilters]):
    """Published (and published-then-cancelled) meetings by start time; filter by group, time window and status."""
    qs = filtered(group=filters.group, start=filters.start, end=filters.end, status=filters.status)
    return page(qs, limit=filters.limit, offset=filters.offset, serialize=serialize_meetings)


@router.get(
    "/meetings/{meeting_id}",
    response=responses(MeetingDetailOut, not_found=True),
    summary="One meeting with its agenda and notes",
    operation_id="get_meeting",
)
def get_meeting(request, meeting_id: int = Path(..., ge=1, le=2**31 - 1)):
    """A public meeting, its agenda (markdown, HTML, accepted and proposed items) and its notes once published."""
    return meeting_detail(meeting_id)
