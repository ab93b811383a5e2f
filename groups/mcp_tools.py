"""MCP tools and resources for groups (registered by portal/mcp_server.py; top layer, read-only).

Same reads and the same public fields as the read API (groups/api.py)."""

from typing import Annotated

from django.http import Http404
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from ninja import Schema
from pydantic import Field

from .api import (
    GroupOut,
    Kind,
    MemberOut,
    State,
    charter_of,
    member_rows,
    public_groups,
    serialize_groups,
    serialize_members,
)
from .decision_api import (
    DecisionDetailOut,
    DecisionKind,
    DecisionStatus,
    ReportOut,
    decision_rows,
    group_by_slug,
    report_rows,
    serialize_decisions,
    serialize_reports,
)
from .models import Group

MAX_GROUPS = 100
MAX_MEMBERS = 100
MAX_DECISIONS = 50
MAX_REPORTS = 8


class GroupList(Schema):
    count: int = Field(description="How many groups match (the list holds at most 100).")
    groups: list[GroupOut]


class GroupInfo(GroupOut):
    charter_resource: str | None = Field(description="Read the current charter as markdown from this resource.")
    members_count: int
    members: list[MemberOut] = Field(description="Current members, leads first (at most 100).")


def list_groups(
    kind: Annotated[Kind | None, Field(description="wg = Working Groups, ig = Interest Groups; omit for both.")] = None,
    state: Annotated[State | None, Field(description="proposed, active or retired; omit for all.")] = None,
) -> GroupList:
    """List the community's Working Groups and Interest Groups, by name: slug, kind, state, mission,
    leads (with their terms), member counts by tier and current charter version. Use a group's
    `slug` with get_group, upcoming_meetings(group=...) or search_seps(group=...)."""
    qs = public_groups(kind=kind, state=state)
    return GroupList(count=qs.count(), groups=serialize_groups(list(qs[:MAX_GROUPS])))


def get_group(
    slug: Annotated[str, Field(description="The group's slug, e.g. from list_groups.", max_length=80)],
) -> GroupInfo:
    """One group in full: what list_groups says plus its current members (name, verified GitHub handle,
    affiliation, Discord, tier, status) and where to read its charter."""
    group = public_groups().filter(slug=slug).first()
    if group is None:
        raise ToolError(f"No group has the slug “{slug}”. Call list_groups to see the slugs.")
    rows = member_rows(group)
    charter = group.charter_versions.approved().exists()
    return GroupInfo(
        **serialize_groups([group])[0],
        charter_resource=f"portal://groups/{group.slug}/charter" if charter else None,
        members_count=rows.count(),
        members=serialize_members(list(rows[:MAX_MEMBERS])),
    )


def charter(slug: str) -> str:
    """A group's current (approved) charter as markdown, section by section."""
    group = Group.objects.filter(slug=slug).first()
    if group is None:
        raise ResourceError(f"No group has the slug “{slug}”.")
    current = charter_of(group)
    if current is None:
        raise ResourceError(f"{group.name} has no approved charter yet.")
    parts = [f"# {group.name}: charter version {current['version']}", f"Source: {current['url']}"]
    parts += [f"## {s['title']}\n\n{s['markdown'].strip()}" for s in current["sections"]]
    return "\n\n".join(parts) + "\n"


class DecisionList(Schema):
    group: str
    count: int = Field(description="How many decisions match (the list holds the newest 50).")
    decisions: list[DecisionDetailOut]


class ReportList(Schema):
    group: str
    count: int = Field(description="How many reports the group has published (the list holds the newest 8).")
    reports: list[ReportOut]


def _group_or_error(slug: str) -> Group:
    try:
        return group_by_slug(slug)
    except Http404:
        raise ToolError(f"No group has the slug “{slug}”. Call list_groups to see the slugs.") from None


def group_decisions(
    slug: Annotated[str, Field(description="The group's slug, e.g. from list_groups.", max_length=80)],
    status: Annotated[
        DecisionStatus | None,
        Field(
            description="open (objections possible until the deadline), voting, accepted, not_accepted, "
            "escalated or withdrawn; omit for all."
        ),
    ] = None,
    kind: Annotated[DecisionKind | None, Field(description="minor, significant or scope; omit for all.")] = None,
) -> DecisionList:
    """A Working Group's decisions, newest first: lazy-consensus proposals with their text, deadline,
    status and how each was decided (lazy consensus, formal vote, core maintainers' guidance); blocks
    are counted and a formal vote gives its tally, quorum and outcome, never who voted how. Use
    status=open to see what a group may still object to before its deadline."""
    group = _group_or_error(slug)
    rows = decision_rows(group, status=status, kind=kind)
    items = serialize_decisions(list(rows[:MAX_DECISIONS]), group, text=True)
    return DecisionList(group=group.slug, count=rows.count(), decisions=items)


def group_reports(
    slug: Annotated[str, Field(description="The group's slug, e.g. from list_groups.", max_length=80)],
) -> ReportList:
    """A Working Group's published quarterly reports (G8), newest quarter first: progress against
    deliverables, blocked items and escalations, membership changes, upcoming priorities and resource
    needs, each as markdown and HTML, with whether it was published late."""
    group = _group_or_error(slug)
    rows = report_rows(group)
    return ReportList(group=group.slug, count=rows.count(), reports=serialize_reports(list(rows[:MAX_REPORTS]), group))


TOOLS = [list_groups, get_group, group_decisions, group_reports]
RESOURCES = [
    {
        "uri": "portal://groups/{slug}/charter",
        "fn": charter,
        "name": "group_charter",
        "title": "A group's charter",
        "mime_type": "text/markdown",
    }
]
