"""Read API for a group's decisions (RULES D1-D5) and its published quarterly reports (G8).

Top layer (mounted by portal/api.py); reads only. What a decision says is what its page tells an
anonymous visitor about the outcome: the proposal, its deadline and status, how it was decided and,
for a formal vote, the tally, quorum and outcome. Never who voted how: no ballots, no voters, no
rationales, no blockers (a block is a count here), no escalation designees. Reports: published ones
only (a draft is visible to its group's leads on the site, never here).
"""

import functools
from datetime import date, datetime
from typing import Literal

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from portal.api_common import PageFilters, PageMeta, PersonOut, Slug, absolute, page, person
from portal.api_common import responses as declared

from .models import Group, Proposal, ProposalKind, QuarterlyReport, Vote

router = Router(tags=["decisions"])

DecisionStatus = Literal["open", "voting", "accepted", "not_accepted", "escalated", "withdrawn"]
DecisionKind = Literal["minor", "significant", "scope"]
DecidedBy = Literal["lazy_consensus", "vote", "escalation"]
MAX_ID = 2**31 - 1


class VoteOut(Schema):
    trigger: Literal["block", "lead", "members"] = Field(description="What opened the vote (D3).")
    opened_at: datetime
    closes_at: datetime
    state: Literal["open", "closed"]
    scope_change: bool = Field(description="A scope change needs two thirds of yes and no; routine, a majority (D4).")
    eligible: int = Field(description="Active members when the vote opened.")
    quorum: int = Field(description="Ballots needed (50% of the eligible, rounded up).")
    yes: int
    no: int
    abstain: int
    outcome: Literal["passed", "not_passed", "no_quorum"] | None = Field(description="Set when the vote closed.")


class DecisionOut(Schema):
    id: int
    group: str = Field(description="The group's slug.")
    title: str
    kind: DecisionKind
    kind_label: str
    status: DecisionStatus
    status_label: str
    decided_by: DecidedBy | None
    opened_by: PersonOut
    opened_at: datetime
    deadline: datetime = Field(description="Objections (blocks) until then; silence is consent (D1, D2).")
    decided_at: datetime | None
    blocks: int = Field(description="How many members blocked it (D2).")
    vote: VoteOut | None
    url: str


class DecisionDetailOut(DecisionOut):
    markdown: str
    html: str = Field(description="Sanitized HTML rendered from the markdown.")


class DecisionPage(PageMeta):
    items: list[DecisionOut]


class ReportSectionOut(Schema):
    key: str
    title: str
    markdown: str
    html: str


class ReportOut(Schema):
    group: str
    quarter: str = Field(description="The quarter's months, e.g. “Aug 2026 – Oct 2026”.")
    quarter_end: date
    due_at: datetime
    published_at: datetime
    late: bool = Field(description="Published after it was due (G8).")
    sections: list[ReportSectionOut]
    url: str


class ReportPage(PageMeta):
    items: list[ReportOut]


# --- reads ---------------------------------------------------------------------------------------
def group_by_slug(slug: str) -> Group:
    group = Group.objects.filter(slug=slug).only("pk", "slug", "name").first()
    if group is None:
        raise Http404(f"No group with the slug “{slug}”.")
    return group


def _ballots(choice):
    return Count("vote__ballots", filter=Q(vote__ballots__choice=choice), distinct=True)


def decision_rows(group, *, status: str | None = None, kind: str | None = None):
    """A group's proposals, newest first, with the counts a list shows: one query, however many rows."""
    qs = Proposal.objects.filter(group=group)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.select_related("opened_by", "vote")
        .annotate(
            n_blocks=Count("blocks", distinct=True),
            n_yes=_ballots("yes"),
            n_no=_ballots("no"),
            n_abstain=_ballots("abstain"),
        )  # fmt: skip
        .order_by("-opened_at", "-pk")
    )


def _vote(p) -> dict | None:
    try:
        v = p.vote
    except Vote.DoesNotExist:
        return None
    return {
        "trigger": v.trigger, "opened_at": v.opened_at, "closes_at": v.closes_at, "state": v.status,
        "scope_change": v.scope_change, "eligible": v.eligible_count, "quorum": v.quorum,
        "yes": p.n_yes, "no": p.n_no, "abstain": p.n_abstain, "outcome": v.outcome or None,
    }  # fmt: skip


def serialize_decisions(rows, group, *, text: bool = False) -> list[dict]:
    """Each decision as a list shows it; with `text`, its markdown and sanitized HTML too."""
    return [
        {
            **({"markdown": p.body, "html": p.body_html} if text else {}),
            "id": p.pk,
            "group": group.slug,
            "title": p.title,
            "kind": p.kind,
            "kind_label": ProposalKind(p.kind).label,
            "status": p.status,
            "status_label": p.get_status_display(),
            "decided_by": p.decided_by or None,
            "opened_by": person(p.opened_by),
            "opened_at": p.opened_at,
            "deadline": p.deadline,
            "decided_at": p.decided_at,
            "blocks": p.n_blocks,
            "vote": _vote(p),
            "url": absolute(reverse("groups:proposal", args=[group.slug, p.pk])),
        }  # fmt: skip
        for p in rows
    ]


def decision_detail(slug: str, proposal_id: int) -> dict:
    group = group_by_slug(slug)
    p = decision_rows(group).filter(pk=proposal_id).first()
    if p is None:
        raise Http404(f"{group.name} has no decision with the id {proposal_id}.")
    return serialize_decisions([p], group, text=True)[0]


def report_rows(group):
    return (
        QuarterlyReport.objects.published()
        .filter(group=group)
        .only("quarter_end", "due_at", "published_at", "sections", "sections_html", "group_id")
        .order_by("-quarter_end", "-pk")
    )


def serialize_reports(rows, group) -> list[dict]:
    return [
        {
            "group": group.slug,
            "quarter": r.quarter.label,
            "quarter_end": r.quarter_end,
            "due_at": r.due_at,
            "published_at": r.published_at,
            "late": r.is_late,
            "sections": [
                {"key": k, "title": t, "markdown": r.sections.get(k, ""), "html": html}
                for k, t, html in r.rendered_sections()
            ],
            "url": absolute(reverse("groups:report", args=[group.slug, r.quarter.slug])),
        }  # fmt: skip
        for r in rows
    ]


# --- endpoints -----------------------------------------------------------------------------------
def _group_page(slug: str, filters: PageFilters, rows, serialize) -> dict:
    """A page of `rows(group)` for the group with this slug (404 when there is none)."""
    group = group_by_slug(slug)
    return page(rows(group), limit=filters.limit, offset=filters.offset, serialize=lambda r: serialize(r, group))


class DecisionFilters(PageFilters):
    status: DecisionStatus | None = Field(
        None, description="open, voting, accepted, not_accepted, escalated, withdrawn."
    )
    kind: DecisionKind | None = Field(None, description="minor, significant or scope (a scope change).")


@router.get(
    "/groups/{slug}/decisions",
    response=declared(DecisionPage, not_found=True),
    summary="A group's decisions",
    operation_id="list_group_decisions",
)
def list_decisions(request, slug: Slug, filters: Query[DecisionFilters]):
    """Lazy-consensus proposals, newest first: status, how each was decided, blocks counted and a
    formal vote's tally and outcome (never who voted how)."""
    rows = functools.partial(decision_rows, status=filters.status, kind=filters.kind)
    return _group_page(slug, filters, rows, serialize_decisions)


@router.get(
    "/groups/{slug}/decisions/{proposal_id}",
    response=declared(DecisionDetailOut, not_found=True),
    summary="One decision",
    operation_id="get_group_decision",
)
def get_decision(request, slug: Slug, proposal_id: int = Path(..., ge=1, le=MAX_ID)):
    """One proposal with its text (markdown and sanitized HTML)."""
    return decision_detail(slug, proposal_id)


@router.get(
    "/groups/{slug}/reports",
    response=declared(ReportPage, not_found=True),
    summary="A group's published quarterly reports",
    operation_id="list_group_reports",
)
def list_reports(request, slug: Slug, filters: Query[PageFilters]):
    """Published quarterly reports (G8), newest quarter first, section by section."""
    return _group_page(slug, filters, report_rows, serialize_reports)
