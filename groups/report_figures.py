"""Figures for quarterly reports (G8) and the health page: a small registry so apps above groups add theirs.

    from groups.report_figures import register

    @register("meetings", order=10)
    def meeting_figures(group, start, end) -> dict: ...

A provider returns {"title", "section" (a ReportSection key its lines pre-fill), "figures": [{"label",
"value", "url"}], "lines": [markdown bullet lines]}. Meetings and SEPs register from their AppConfig.ready,
so groups never imports them (layers, DESIGN).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

_PROVIDERS: dict[str, tuple[int, Callable]] = {}


def register(key: str, order: int = 50):
    def wrap(fn):
        _PROVIDERS[key] = (order, fn)
        return fn

    return wrap


def providers() -> list[tuple[str, Callable]]:
    return [(key, fn) for key, (_, fn) in sorted(_PROVIDERS.items(), key=lambda kv: (kv[1][0], kv[0]))]


def collect(group, start, end) -> list[dict]:
    """Every registered provider's figures for `group` between `start` (inclusive) and `end` (exclusive)."""
    out = []
    for key, fn in providers():
        data = fn(group, start, end)
        if data:
            out.append({"key": key, **data})
    return out


def _group_url(group, anchor: str = "") -> str:
    return reverse("groups:decisions", args=[group.slug]) + (f"#{anchor}" if anchor else "")


# --- the groups app's own figures --------------------------------------------------------------------


@register("membership", order=30)
def membership_figures(group, start, end) -> dict:
    """Joins (first membership), promotions (to member or lead), moves to emeritus, leads started/ended."""
    from .models import Membership, Tier

    rows = list(
        Membership.objects.filter(group=group)
        .filter(Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=start)))
        .select_related("user")
        .order_by("user_id", "started_at", "pk")
    )
    earlier = set(
        Membership.objects.filter(group=group, started_at__lt=start).values_list("user_id", flat=True).distinct()
    )
    joins, promotions, emeritus, leads_in, leads_out = [], [], [], [], []
    previous = {}
    for m in rows:
        prev = previous.get(m.user_id)
        if start <= m.started_at < end:
            if prev is None and m.user_id not in earlier:
                joins.append(m)
            elif m.status == Membership.Status.EMERITUS and (prev is None or prev.status != Membership.Status.EMERITUS):
                emeritus.append(m)
            elif prev is not None and Tier.rank(m.tier) > Tier.rank(prev.tier) and m.tier in (Tier.MEMBER, Tier.LEAD):
                promotions.append(m)
            if m.tier == Tier.LEAD and (prev is None or prev.tier != Tier.LEAD):
                leads_in.append(m)
        if m.tier == Tier.LEAD and m.ended_at and start <= m.ended_at < end:
            nxt_is_lead = any(
                r.user_id == m.user_id and r.started_at >= m.ended_at and r.tier == Tier.LEAD for r in rows
            )
            if not nxt_is_lead:
                leads_out.append(m)
        previous[m.user_id] = m
    url = reverse("groups:detail", args=[group.slug]) + "#members-h"

    def names(ms):
        return ", ".join(m.user.name for m in ms) or "none"

    return {
        "title": "Membership changes",
        "section": "membership",
        "figures": [
            {"label": "People who joined", "value": len(joins), "url": url},
            {"label": "Promotions to member or lead", "value": len(promotions), "url": url},
            {"label": "Moved to emeritus", "value": len(emeritus), "url": url},
            {"label": "Leads who started", "value": len(leads_in), "url": url},
            {"label": "Leads who stepped down", "value": len(leads_out), "url": url},
        ],
        "lines": [
            f"- Joined: {len(joins)} ({names(joins)})",
            f"- Promoted to member or lead: {len(promotions)} ({names(promotions)})",
            f"- Moved to emeritus: {len(emeritus)} ({names(emeritus)})",
            f"- Leads: {len(leads_in)} started ({names(leads_in)}), {len(leads_out)} stepped down ({names(leads_out)})",
        ],
    }


@register("decisions", order=40)
def decision_figures(group, start, end) -> dict:
    from .models import Proposal

    decided = list(
        Proposal.objects.filter(group=group, decided_at__gte=start, decided_at__lt=end)
        .exclude(status=Proposal.Status.WITHDRAWN)
        .order_by("decided_at")
    )
    accepted = [p for p in decided if p.status == Proposal.Status.ACCEPTED]
    return {
        "title": "Decisions",
        "section": "progress",
        "figures": [
            {"label": "Decisions taken", "value": len(decided), "url": _group_url(group, "decided")},
            {"label": "Accepted", "value": len(accepted), "url": _group_url(group, "decided")},
        ],
        "lines": [
            f"- Decision: {p.title} ({p.get_status_display().lower()}, {p.get_decided_by_display().lower()})"
            for p in decided
        ],  # fmt: skip
    }


@register("escalations", order=45)
def escalation_figures(group, start, end) -> dict:
    from .models import Escalation

    opened = list(
        Escalation.objects.filter(proposal__group=group, opened_at__gte=start, opened_at__lt=end)
        .select_related("proposal")
        .order_by("opened_at")
    )
    return {
        "title": "Escalations",
        "section": "blocked",
        "figures": [{"label": "Escalations opened", "value": len(opened), "url": _group_url(group, "escalations")}],
        "lines": [
            f"- Escalated: {e.proposal.title} ({e.get_reason_display().lower()}; {e.get_status_display().lower()})"
            for e in opened
        ],  # fmt: skip
    }


def filtered_url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"
