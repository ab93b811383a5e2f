"""Read API for SEPs: the filtered list, one SEP with its text, a SEP's timeline.

Top layer (mounted by portal/api.py); reads through SEP's QuerySet methods. Authors are listed as
the SEP file names them (name and GitHub handle; never their email).
"""

from datetime import date, datetime
from typing import Literal

from django.db.models import Q
from django.http import Http404
from ninja import Path, Query, Router, Schema
from pydantic import Field

from portal.api_common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    Handle,
    Moment,
    PageFilters,
    PageMeta,
    PersonOut,
    SearchText,
    Slug,
    absolute,
    page,
    person,
    responses,
)

from .models import SEP, SEPType, Status, status_label

router = Router(tags=["seps"])

StatusName = Literal[tuple(Status.values)]
TypeName = Literal[tuple(SEPType.values)]
MAX_NUMBER = 999_999_999


class AuthorOut(Schema):
    name: str
    github: str | None = Field(description="The handle as the SEP file names it.")


class GroupRef(Schema):
    slug: str
    name: str


class SEPOut(Schema):
    number: int
    title: str
    url: str
    type: TypeName
    status: StatusName
    status_label: str
    created: date
    group: GroupRef | None
    sponsor: PersonOut | None = Field(description="The sponsoring maintainer, or the sponsor the file names.")
    authors: list[AuthorOut]
    pr_url: str
    discussion_url: str
    reference_implementation: str
    roadmap_area: str = Field(description="The roadmap priority area it is aligned with (S8); empty when none.")
    superseded_by: int | None
    status_changed_at: datetime
    updated_at: datetime = Field(description="Latest status change or recorded activity.")


class SEPPage(PageMeta):
    items: list[SEPOut]


class SEPDetailOut(SEPOut):
    markdown: str
    html: str = Field(description="Sanitized HTML rendered from the markdown.")
    timeline_url: str


class TimelineEventOut(Schema):
    at: datetime
    kind: str = Field(description="status_changed, pinged, imported, import_updated, edited, created or another event.")
    actor: str | None = Field(description="Display name of who acted; null for the portal itself.")
    from_status: str | None = None
    to_status: str | None = None
    summary: str
    reason: str = ""


class TimelinePage(PageMeta):
    items: list[TimelineEventOut]


def public_seps():
    return SEP.objects.for_lists()


def _sponsor(sep):
    if sep.sponsor_id:
        return person(sep.sponsor)
    if sep.sponsor_named:
        return {"name": sep.sponsor_named, "github": None, "affiliation": ""}
    return None


def serialize_sep(sep) -> dict:
    return {
        "number": sep.number,
        "title": sep.title,
        "url": absolute(sep.get_absolute_url()),
        "type": sep.type,
        "status": sep.status,
        "status_label": status_label(sep.status),
        "created": sep.created,
        "group": {"slug": sep.group.slug, "name": sep.group.name} if sep.group_id else None,
        "sponsor": _sponsor(sep),
        "authors": [{"name": a.name, "github": a.github or None} for a in sep.author_list],
        "pr_url": sep.pr_url,
        "discussion_url": sep.discussion_url,
        "reference_implementation": sep.reference_implementation,
        "roadmap_area": sep.roadmap_area,
        "superseded_by": sep.superseded_by.number if sep.superseded_by_id else None,
        "status_changed_at": sep.status_changed_at,
        "updated_at": max(sep.status_changed_at, sep.last_activity_at),
    }


def serialize_seps(rows) -> list[dict]:
    return [serialize_sep(s) for s in rows]


def filtered(*, query=None, status=None, type=None, group=None, sponsor=None, updated_since=None):
    qs = public_seps().select_related("superseded_by")
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if group:
        qs = qs.filter(group__slug=group)
    if sponsor:
        from portal.models import normalize_github

        qs = qs.filter(sponsor__github__iexact=normalize_github(sponsor), sponsor__github_verified_at__isnull=False)
    if updated_since:
        qs = qs.filter(Q(last_activity_at__gte=updated_since) | Q(status_changed_at__gte=updated_since))
    if query:
        qs = qs.search(query)
    return qs


def get_public_sep(number: int) -> SEP:
    sep = public_seps().select_related("superseded_by").defer(None).filter(number=number).first()
    if sep is None:
        raise Http404(f"No SEP numbered {number}.")
    return sep


def sep_detail(number: int) -> dict:
    from django.urls import reverse

    sep = get_public_sep(number)
    return {
        **serialize_sep(sep),
        "markdown": sep.body,
        "html": sep.body_html,
        "timeline_url": absolute(reverse("api:get_sep_timeline", args=[sep.number])),
    }


def _event(e) -> dict:
    d = e.data or {}
    kind = e.verb.removeprefix("sep.")
    actor = e.actor.name if e.actor_id else None
    out = {"at": e.created_at, "kind": kind, "actor": actor, "summary": kind.replace("_", " ").capitalize()}
    if kind == "status_changed":
        old, new = d.get("from"), d.get("to")
        out.update(
            from_status=old,
            to_status=new,
            reason=str(d.get("reason") or ""),
            summary=f"{status_label(old).capitalize()} → {status_label(new)}",
        )
    elif kind == "pinged":
        out.update(summary=f"Reminder sent to the {d.get('to', 'authors')}", reason=str(d.get("reason") or ""))
    elif kind == "imported":
        out.update(summary=f"Imported from {d.get('file', 'a file')} as {d.get('status', '')}".strip())
    elif kind == "import_updated":
        out.update(summary="Updated by import (" + ", ".join(map(str, d.get("fields") or [])) + ")")
    elif kind == "edited":
        out.update(summary="Details edited (" + ", ".join(map(str, (d.get("changes") or {}).keys())) + ")")
    elif kind == "created":
        out.update(summary="Created")
    return out


def timeline(sep):
    from portal.models import Event

    return (
        Event.objects.for_object(sep)
        .filter(verb__startswith="sep.")
        .select_related("actor")
        .order_by("created_at", "id")
    )


def serialize_events(rows) -> list[dict]:
    return [_event(e) for e in rows]


class SEPFilters(Schema):
    q: SearchText | None = Field(None, description="Words in the title or text, or a SEP number.")
    status: StatusName | None = None
    type: TypeName | None = None
    group: Slug | None = Field(None, description="A group's slug.")
    sponsor: Handle | None = Field(None, description="The sponsor's verified GitHub handle.")
    updated_since: Moment | None = Field(None, description="Changed or active since this moment (ISO 8601).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/seps", response=responses(SEPPage), summary="List SEPs", operation_id="list_seps")
def list_seps(request, filters: Query[SEPFilters]):
    """SEPs in lifecycle order (then newest first); filter by status, type, group, sponsor and update time."""
    qs = filtered(
        query=filters.q,
        status=filters.status,
        type=filters.type,
        group=filters.group,
        sponsor=filters.sponsor,
        updated_since=filters.updated_since,
    ).in_lifecycle_order()
    return page(qs, limit=filters.limit, offset=filters.offset, serialize=serialize_seps)


@router.get(
    "/seps/{number}",
    response=responses(SEPDetailOut, not_found=True),
    summary="One SEP with its text",
    operation_id="get_sep",
)
def get_sep(request, number: int = Path(..., ge=1, le=MAX_NUMBER)):
    return sep_detail(number)


@router.get(
    "/seps/{number}/timeline",
    response=responses(TimelinePage, not_found=True),
    summary="A SEP's timeline",
    operation_id="get_sep_timeline",
    url_name="get_sep_timeline",
)
def get_sep_timeline(request, filters: Query[PageFilters], number: int = Path(..., ge=1, le=MAX_NUMBER)):
    """Status changes with their rationale, reminders, imports and edits, oldest first."""
    sep = SEP.objects.filter(number=number).only("pk", "number").first()
    if sep is None:
        raise Http404(f"No SEP numbered {number}.")
    return page(timeline(sep), limit=filters.limit, offset=filters.offset, serialize=serialize_events)
