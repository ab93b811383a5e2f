"""MCP tools for meetings (registered by portal/mcp_server.py; top layer, read-only).

Only published (and published-then-cancelled) meetings, as on the site and in the read API."""

from typing import Annotated

from django.http import Http404
from mcp.server.mcpserver.exceptions import ToolError
from ninja import Schema
from pydantic import Field

from .api import MeetingDetailOut, MeetingOut, filtered, meeting_detail, serialize_meetings

MAX_MEETINGS = 100


class MeetingList(Schema):
    count: int = Field(description="How many meetings match (the list holds at most 100).")
    meetings: list[MeetingOut]


def upcoming_meetings(
    group: Annotated[str | None, Field(description="A group's slug; omit for every group.", max_length=80)] = None,
    days: Annotated[int, Field(ge=1, le=90, description="How many days ahead to look (1-90).")] = 14,
) -> MeetingList:
    """Meetings that have not ended yet and start within `days`, earliest first: title, group, start
    and end in UTC (ISO 8601) with the zone it was scheduled in, join link, whether it was cancelled.
    Use a meeting's `id` with meeting_notes for its agenda and notes."""
    if group and not _group_exists(group):
        raise ToolError(f"No group has the slug “{group}”. Call list_groups to see the slugs.")
    qs = filtered(group=group, upcoming_days=days)
    return MeetingList(count=qs.count(), meetings=serialize_meetings(list(qs[:MAX_MEETINGS])))


def meeting_notes(
    meeting_id: Annotated[int, Field(ge=1, le=2**31 - 1, description="The meeting's id, e.g. from upcoming_meetings.")],
) -> MeetingDetailOut:
    """One meeting's agenda (markdown, HTML, accepted and proposed items) and its notes and attendance
    once the leads have published them (`notes.published` says whether they have)."""
    try:
        return MeetingDetailOut(**meeting_detail(meeting_id))
    except Http404:  # drafts and missed publications are not public either
        raise ToolError(f"No published meeting has the id {meeting_id}.") from None


def _group_exists(slug: str) -> bool:
    from groups.models import Group

    return Group.objects.filter(slug=slug).exists()


TOOLS = [upcoming_meetings, meeting_notes]
# Answers that depend on the data and the arguments only (not on the clock): cached per data version.
DATA_ONLY = [meeting_notes]
RESOURCES = []
