"""MCP tools of the site itself (registered by portal/mcp_server.py; top layer, read-only): maintainers' roles.

Same reads and the same public fields as the read API (portal/people_api.py)."""

from typing import Annotated

from ninja import Schema
from pydantic import Field

from .people_api import AreaName, MaintainerOut, RoleName, maintainer_rows, serialize_maintainers

MAX_MAINTAINERS = 100


class MaintainerList(Schema):
    count: int = Field(description="How many roles match (the list holds at most 100).")
    maintainers: list[MaintainerOut]


def list_maintainers(
    role: Annotated[
        RoleName | None,
        Field(description="lead_maintainer, core_maintainer, maintainer or moderator; omit for every role."),
    ] = None,
    area: Annotated[
        AreaName | None,
        Field(description="org (project-wide), sdk, project, group or community; omit for all."),
    ] = None,
    current: Annotated[bool, Field(description="false: roles that have ended, with both dates.")] = True,
) -> MaintainerList:
    """Who holds which role on the MCP contributor ladder (lead maintainers, core maintainers, maintainers
    of each SDK, project and group, moderators; emeritus marked), since when, highest rung first: name,
    verified GitHub handle, affiliation, what they maintain (`scope`). Lead and core maintainers sponsor
    SEPs and approve charters; ask for role=core_maintainer to know who may."""
    qs = maintainer_rows(role=role, area=area, current=current)
    return MaintainerList(count=qs.count(), maintainers=serialize_maintainers(list(qs[:MAX_MAINTAINERS])))


TOOLS = [list_maintainers]
# Answers that depend on the data and the arguments only (not on the clock): cached per data version.
DATA_ONLY = [list_maintainers]
RESOURCES = []
