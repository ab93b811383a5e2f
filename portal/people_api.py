"""Read API for maintainers' roles (RULES P1): who holds which role on the contributor ladder, since when,
as /people/maintainers/ shows an anonymous visitor (the roles MAINTAINERS.md and the admin record).

Top layer (mounted by portal/api.py, used by portal/mcp_tools.py). A person is `portal.api_common.person`:
name, affiliation and a GitHub handle only when verified; people whose account is inactive are left
out, as on the page.
"""

from datetime import datetime
from typing import Literal

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from .api_common import PageFilters, PageMeta, PersonOut, absolute, page, person, responses
from .models import Role, RoleKind

router = Router(tags=["maintainers"])

RoleName = Literal["lead_maintainer", "core_maintainer", "maintainer", "moderator"]
AreaName = Literal["org", "sdk", "project", "group", "community"]
ROLE_ORDER = {RoleKind.LEAD_MAINTAINER: 0, RoleKind.CORE_MAINTAINER: 1, RoleKind.MAINTAINER: 2, RoleKind.MODERATOR: 3}


class MaintainerOut(Schema):
    person: PersonOut
    person_url: str
    role: RoleName
    title: str = Field(description="The role as the site says it: “Core maintainer”, “Java SDK maintainer”.")
    area: AreaName = Field(description="org (project-wide), sdk, project, group or community.")
    scope: str = Field(description="What is maintained (“Java SDK”, “Registry”, a group's name); empty for org-wide.")
    emeritus: bool
    product: str = Field(description="For a client representative: the product.")
    note: str
    since: datetime
    until: datetime | None = Field(description="When the role ended; null while it is held.")


class MaintainerPage(PageMeta):
    items: list[MaintainerOut]


def maintainer_rows(*, role: str | None = None, area: str | None = None, emeritus: bool | None = None,
                    current: bool = True):  # fmt: skip
    """Roles of active people, highest rung first, then area, scope and name: one query plus the count."""
    qs = Role.objects.filter(person__is_active=True, person__merged_into=None)
    qs = qs.filter(ended_at__isnull=True) if current else qs.filter(ended_at__isnull=False)
    if role:
        qs = qs.filter(kind=role)
    if area:
        qs = qs.filter(area=area)
    if emeritus is not None:
        qs = qs.filter(emeritus=emeritus)
    rank = Case(*[When(kind=k, then=Value(n)) for k, n in ROLE_ORDER.items()], output_field=IntegerField())
    return (
        qs.select_related("person")
        .annotate(rank=rank)
        .order_by("rank", "area", "scope", "person__display_name", "person__username", "pk")
    )


def serialize_maintainers(rows) -> list[dict]:
    return [
        {
            "person": person(r.person),
            "person_url": absolute(reverse("people:person", args=[r.person.username])),
            "role": r.kind,
            "title": r.title,
            "area": r.area,
            "scope": r.scope,
            "emeritus": r.emeritus,
            "product": r.product,
            "note": r.note,
            "since": r.started_at,
            "until": r.ended_at,
        }  # fmt: skip
        for r in rows
    ]


class MaintainerFilters(PageFilters):
    role: RoleName | None = Field(None, description="lead_maintainer, core_maintainer, maintainer or moderator.")
    area: AreaName | None = Field(None, description="org (project-wide), sdk, project, group or community.")
    emeritus: bool | None = Field(None, description="true: only emeritus roles; false: none of them.")
    current: bool = Field(True, description="false: roles that have ended, with both dates.")


@router.get(
    "/maintainers", response=responses(MaintainerPage), summary="Maintainers' roles", operation_id="list_maintainers"
)
def list_maintainers(request, filters: Query[MaintainerFilters]):
    """Who holds which role on the contributor ladder: lead and core maintainers, maintainers of each SDK,
    project and group, moderators and emeritus, each since when (held roles by default)."""
    rows = maintainer_rows(role=filters.role, area=filters.area, emeritus=filters.emeritus, current=filters.current)
    return page(rows, limit=filters.limit, offset=filters.offset, serialize=serialize_maintainers)
