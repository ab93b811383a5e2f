"""Read API for groups: the directory, one group with its current charter, a group's members.

Top layer (mounted by portal/api.py); reads only, through the models' QuerySet methods.
Every field is public on the group pages for an anonymous visitor.
"""

from datetime import datetime
from typing import Literal

from django.db.models import Count, Prefetch
from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from portal.api_common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    PageFilters,
    PageMeta,
    PersonOut,
    Slug,
    absolute,
    page,
    person,
    responses,
)

from .models import CharterSection, CharterVersion, Group, Membership, Tier

router = Router(tags=["groups"])

Kind = Literal["wg", "ig"]
State = Literal["proposed", "active", "retired"]
TierName = Literal["observer", "participant", "member", "lead"]
TIER_ORDER = {Tier.LEAD: 0, Tier.MEMBER: 1, Tier.PARTICIPANT: 2, Tier.OBSERVER: 3}


class LeadOut(PersonOut):
    title: str = Field(description='"Lead" for a Working Group, "Facilitator" for an Interest Group.')
    term: str = Field(description="The term as the charter states it; empty when not stated.")
    since: datetime


class TierCounts(Schema):
    observer: int = 0
    participant: int = 0
    member: int = 0
    lead: int = 0
    total: int = 0


class CharterRef(Schema):
    version: int
    approved_at: datetime | None
    url: str


class GroupOut(Schema):
    slug: str
    name: str
    kind: Kind
    kind_label: str
    state: State
    url: str
    mission_summary: str
    formed_from: str | None = Field(description="Slug of the Interest Group this Working Group grew out of.")
    discord_channel: str
    discussion_category: str
    activated_at: datetime | None
    retired_at: datetime | None
    inactive_since: datetime | None = Field(description="Set when the group is flagged inactive (G7).")
    leads: list[LeadOut]
    member_counts: TierCounts = Field(description="Current members by tier (emeritus included).")
    charter: CharterRef | None = Field(description="The current (latest approved) charter version.")


class GroupPage(PageMeta):
    items: list[GroupOut]


class CharterSectionOut(Schema):
    key: str
    title: str
    markdown: str
    html: str = Field(description="Sanitized HTML rendered from the markdown.")


class CharterOut(CharterRef):
    sections: list[CharterSectionOut]


class GroupDetailOut(GroupOut):
    current_charter: CharterOut | None


class MemberOut(PersonOut):
    discord: str
    tier: TierName
    status: Literal["active", "emeritus"]


class MemberPage(PageMeta):
    items: list[MemberOut]


# --- reads ---------------------------------------------------------------------------------------
def _leads_prefetch():
    return Prefetch(
        "memberships",
        queryset=Membership.objects.leads().select_related("user").order_by("started_at", "pk"),
        to_attr="lead_rows",
    )


def public_groups(*, kind: str | None = None, state: str | None = None):
    qs = Group.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("formed_from").prefetch_related(_leads_prefetch()).order_by("name", "pk")


def _tier_counts(group_ids) -> dict:
    counts: dict = {gid: {} for gid in group_ids}
    rows = (
        Membership.objects.current()
        .filter(group_id__in=group_ids)
        .order_by()
        .values_list("group_id", "tier")
        .annotate(n=Count("pk"))
    )
    for gid, tier, n in rows:
        counts[gid][tier] = n
    return counts


def _current_charters(group_ids) -> dict:
    """The latest approved version per group: one query (approved versions are few per group)."""
    out = {}
    for v in (
        CharterVersion.objects.approved()
        .filter(group_id__in=group_ids)
        .only("pk", "group_id", "number", "decided_at")
        .order_by("group_id", "-number")
    ):
        out.setdefault(v.group_id, v)
    return out


def serialize_groups(groups) -> list[dict]:
    from django.urls import reverse

    ids = [g.pk for g in groups]
    counts = _tier_counts(ids)
    charters = _current_charters(ids)
    out = []
    for g in groups:
        c = counts.get(g.pk, {})
        charter = charters.get(g.pk)
        out.append(
            {
                "slug": g.slug,
                "name": g.name,
                "kind": g.kind,
                "kind_label": g.get_kind_display(),
                "state": g.state,
                "url": absolute(g.get_absolute_url()),
                "mission_summary": g.mission_summary,
                "formed_from": g.formed_from.slug if g.formed_from_id else None,
                "discord_channel": g.discord_channel,
                "discussion_category": g.discussion_category,
                "activated_at": g.activated_at,
                "retired_at": g.retired_at,
                "inactive_since": g.inactive_since,
                "leads": [
                    {
                        **person(m.user),
                        "title": g.lead_title,
                        "term": m.term,
                        "since": m.started_at,
                    }
                    for m in g.lead_rows
                ],
                "member_counts": {**{t: c.get(t, 0) for t in Tier.values}, "total": sum(c.values())},
                "charter": {
                    "version": charter.number,
                    "approved_at": charter.decided_at,
                    "url": absolute(reverse("groups:charter_version", args=[g.slug, charter.number])),
                }
                if charter
                else None,
            }
        )
    return out


def get_public_group(slug: str) -> Group:
    group = public_groups().filter(slug=slug).first()
    if group is None:
        raise Http404(f"No group with the slug “{slug}”.")
    return group


def charter_of(group) -> dict | None:
    """The current charter with its sections (markdown and sanitized HTML), or None."""
    from django.urls import reverse

    version = group.charter_versions.approved().order_by("-number").first()
    if version is None:
        return None
    titles = dict(CharterSection.choices)
    return {
        "version": version.number,
        "approved_at": version.decided_at,
        "url": absolute(reverse("groups:charter_version", args=[group.slug, version.number])),
        "sections": [
            {"key": key, "title": titles[key], "markdown": version.sections.get(key, ""), "html": html}
            for key, _title, html in version.rendered_sections()
        ],
    }


def group_detail(slug: str) -> dict:
    group = get_public_group(slug)
    return {**serialize_groups([group])[0], "current_charter": charter_of(group)}


def member_rows(group):
    from django.db.models import Case, IntegerField, Value, When

    return (
        Membership.objects.current()
        .filter(group=group)
        .select_related("user")
        .annotate(
            tier_order=Case(*[When(tier=t, then=Value(n)) for t, n in TIER_ORDER.items()], output_field=IntegerField()),
        )
        .order_by("tier_order", "status", "user__display_name", "user__username", "pk")
    )


def serialize_members(rows) -> list[dict]:
    return [{**person(m.user), "discord": m.user.discord, "tier": m.tier, "status": m.status} for m in rows]


# --- endpoints -----------------------------------------------------------------------------------
class GroupFilters(Schema):
    kind: Kind | None = Field(None, description="wg (Working Group) or ig (Interest Group).")
    state: State | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/groups", response=responses(GroupPage), summary="List groups", operation_id="list_groups")
def list_groups(request, filters: Query[GroupFilters]):
    """Working Groups and Interest Groups by name, with their leads, member counts by tier and
    current charter version."""
    qs = public_groups(kind=filters.kind, state=filters.state)
    return page(qs, limit=filters.limit, offset=filters.offset, serialize=serialize_groups)


@router.get(
    "/groups/{slug}",
    response=responses(GroupDetailOut, not_found=True),
    summary="One group",
    operation_id="get_group",
)
def get_group(request, slug: Slug):
    """One group with its current charter's sections (markdown and sanitized HTML)."""
    return group_detail(slug)


@router.get(
    "/groups/{slug}/members",
    response=responses(MemberPage, not_found=True),
    summary="A group's members",
    operation_id="list_group_members",
)
def list_members(request, slug: Slug, filters: Query[PageFilters]):
    """Current members, leads first (name, verified GitHub handle, affiliation, Discord, tier, status)."""
    group = get_public_group(slug)
    return page(member_rows(group), limit=filters.limit, offset=filters.offset, serialize=serialize_members)
