"""MCP tools and resources for SEPs (registered by portal/mcp_server.py; top layer, read-only)."""

from typing import Annotated

from django.http import Http404
from django.utils import timezone
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from ninja import Schema
from pydantic import Field

from .api import (
    SEPOut,
    StatusName,
    TimelineEventOut,
    TypeName,
    filtered,
    get_public_sep,
    sep_detail,
    serialize_events,
    serialize_seps,
    timeline,
)
from .models import SEP, Status

MAX_SEPS = 50
MAX_EVENTS = 100


class SEPList(Schema):
    count: int = Field(description="How many SEPs match (the list holds at most 50).")
    seps: list[SEPOut]


class SEPInfo(SEPOut):
    markdown: str = Field(description="The SEP's text.")
    resource: str
    timeline: list[TimelineEventOut] = Field(description="Status changes with their rationale, oldest first.")


class QueuedSEP(SEPOut):
    waiting_days: int = Field(description="Days since its last status change.")


class ReviewQueue(Schema):
    in_review: int
    draft: int
    seps: list[QueuedSEP] = Field(
        description="In review first, then drafts; roadmap-aligned first; longest wait first."
    )


def search_seps(
    query: Annotated[
        str | None, Field(description="Words in the title or text, or a number like 2133.", max_length=200)
    ] = None,
    status: Annotated[StatusName | None, Field(description="Lifecycle status; omit for any.")] = None,
    type: Annotated[TypeName | None, Field(description="SEP type; omit for any.")] = None,
    group: Annotated[str | None, Field(description="A group's slug; omit for any.", max_length=80)] = None,
) -> SEPList:
    """Find Specification Enhancement Proposals by text, status, type and group, in lifecycle order
    (proposal, draft, in-review, accepted, final, ...), newest first within a status. Use a SEP's
    `number` with get_sep for its text and timeline."""
    if query and "\x00" in query:
        raise ToolError("The query contains a NUL character.")
    qs = filtered(query=query, status=status, type=type, group=group).in_lifecycle_order()
    return SEPList(count=qs.count(), seps=serialize_seps(list(qs[:MAX_SEPS])))


def get_sep(
    number: Annotated[int, Field(ge=1, le=999_999_999, description="The SEP's number (its pull request number).")],
) -> SEPInfo:
    """One SEP: status, type, group, sponsor, authors, links, its full text (markdown) and its timeline."""
    try:
        detail = sep_detail(number)
    except Http404:
        raise ToolError(f"No SEP is numbered {number}. Call search_seps to find one.") from None
    sep = SEP.objects.only("pk").get(number=number)
    events = serialize_events(list(timeline(sep)[:MAX_EVENTS]))
    detail.pop("html")
    return SEPInfo(**detail, resource=f"portal://seps/{number}", timeline=events)


def review_queue() -> ReviewQueue:
    """What core maintainers review next (S8, S9): SEPs in review, then drafts; within each, those
    aligned with a roadmap priority area first, then the longest waiting."""
    now = timezone.now()
    rows = list(SEP.objects.review_queue().for_lists()[:MAX_SEPS])
    seps = [
        {**s, "waiting_days": (now - row.status_changed_at).days}
        for s, row in zip(serialize_seps(rows), rows, strict=True)
    ]
    counts = {
        "in_review": SEP.objects.filter(status=Status.IN_REVIEW).count(),
        "draft": SEP.objects.filter(status=Status.DRAFT).count(),
    }
    return ReviewQueue(**counts, seps=seps)


def sep_text(number: str) -> str:
    """A SEP as markdown: a short header (status, type, group, sponsor, authors) and its text."""
    if not number.isdigit() or len(number) > 9:
        raise ResourceError(f"“{number}” is not a SEP number.")
    try:
        sep = get_public_sep(int(number))
    except Http404:
        raise ResourceError(f"No SEP is numbered {number}.") from None
    s = serialize_seps([sep])[0]
    authors = ", ".join(a["name"] or f"@{a['github']}" for a in s["authors"]) or "none listed"
    header = [
        f"# SEP-{sep.number}: {sep.title}",
        f"- Status: {s['status_label']}",
        f"- Type: {sep.get_type_display()}",
        f"- Group: {s['group']['name'] if s['group'] else 'none'}",
        f"- Sponsor: {s['sponsor']['name'] if s['sponsor'] else 'none yet'}",
        f"- Authors: {authors}",
        f"- Page: {s['url']}",
    ]
    return "\n".join(header) + "\n\n" + sep.body.strip() + "\n"


TOOLS = [search_seps, get_sep, review_queue]
# Answers that depend on the data and the arguments only (not on the clock): cached per data version.
DATA_ONLY = [search_seps, get_sep]
RESOURCES = [
    {"uri": "portal://seps/{number}", "fn": sep_text, "name": "sep", "title": "A SEP", "mime_type": "text/markdown"}
]
