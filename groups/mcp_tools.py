"""MCP tools and resources for groups (registered by portal/mcp_server.py; top layer, read-only).

Same reads and the same public fields as the read API (groups/api.py)."""

from typing import Annotated

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
from .models import Group

MAX_GROUPS = 100
MAX_MEMBERS = 100


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


TOOLS = [list_groups, get_group]
RESOURCES = [
    {
        "uri": "portal://groups/{slug}/charter",
        "fn": charter,
        "name": "group_charter",
        "title": "A group's charter",
        "mime_type": "text/markdown",
    }
]
