"""`/health/`: how every group is doing, for core maintainers (G7, G8, D5, M2/M4, S6).

Site layer (DESIGN layer 4): reads groups, meetings and SEPs. Per group: last activity, the inactive
flag, overdue reports, open escalations, meeting compliance and SEP throughput over the last four
quarters, and a small activity chart; site-wide charts over the same quarters. Every figure links to
what it counts. A fixed number of queries whatever the number of groups (paginated rows).
"""

from functools import cache

import rules
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from groups.deadlines import last_quarters
from groups.models import Escalation, Group, Proposal, QuarterlyReport
from meetings.models import Meeting
from meetings.report_figures import meeting_counts

from .dataversion import memo
from .htmx import render_page
from .models import Event

PAGE_SIZE = 50
SEP_CHANGED = "sep.status_changed"
CHART_W, CHART_H, BAR_GAP = 240, 90, 12
SPARK_W, SPARK_H = 64, 20


def _count_subquery(qs, group_field):
    """COUNT(*) of `qs` per outer group as a correlated subquery (0 when none)."""
    counted = qs.order_by().values(group_field).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0, output_field=IntegerField())


def group_rows(groups, quarters, now):
    """The page's groups with every per-group figure: two queries (groups, then their activity by quarter)."""
    start, end = quarters[0].starts_at, quarters[-1].ends_at
    last_event = Event.objects.filter(group=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    overdue = QuarterlyReport.objects.overdue().filter(group=OuterRef("pk"))
    escalations = Escalation.objects.unresolved().filter(proposal__group=OuterRef("pk"))
    seps = Event.objects.filter(group=OuterRef("pk"), verb=SEP_CHANGED, created_at__gte=start)
    rows = list(
        meeting_counts(Group.objects.filter(pk__in=[g.pk for g in groups]), start, end, now)
        .annotate(
            last_activity=Subquery(last_event),
            overdue_reports=_count_subquery(overdue, "group"),
            open_escalations=_count_subquery(escalations, "proposal__group"),
            sep_changes=_count_subquery(seps, "group"),
        )
        .order_by("name")
    )
    buckets = {
        f"q{i}": Count("pk", filter=Q(created_at__gte=q.starts_at, created_at__lt=q.ends_at))
        for i, q in enumerate(quarters)
    }
    per_quarter = {
        r["group_id"]: r
        for r in Event.objects.filter(group__in=[g.pk for g in rows], created_at__gte=start)
        .values("group_id")
        .order_by()
        .annotate(**buckets)
    }
    templates = _link_templates()
    for g in rows:
        counts = [per_quarter.get(g.pk, {}).get(f"q{i}", 0) for i in range(len(quarters))]
        g.spark = _spark(counts, quarters)
        g.pub_pct = round(100 * g.m_pub_ok / g.m_pub_total) if g.m_pub_total else None
        g.notes_pct = round(100 * g.m_notes_ok / g.m_notes_total) if g.m_notes_total else None
        g.urls = _links(g, templates)
    return rows


_SLUG = "-slug-"  # a stand-in reversed once; slugs need no quoting in a path


def _link_templates() -> dict:
    """Each row's links with a stand-in slug: six reverse() per page instead of six per row."""
    decisions = reverse("groups:decisions", args=[_SLUG])
    return {
        "group": reverse("groups:detail", args=[_SLUG]),
        "inactive": reverse("groups:queue"),
        "reports": f"{decisions}#reports",
        "escalations": f"{decisions}#escalations",
        "meetings": f"{reverse('meetings:index')}?group={_SLUG}&when=past",
        "seps": f"{reverse('seps:index')}?group={_SLUG}",
    }


def _links(g, templates=None) -> dict:
    templates = templates or _link_templates()
    return {name: url.replace(_SLUG, g.slug) for name, url in templates.items()}


def _spark(counts, quarters):
    top = max(counts) or 1
    w = SPARK_W // len(counts)
    bars = []
    for i, (n, q) in enumerate(zip(counts, quarters, strict=True)):
        h = round((SPARK_H - 2) * n / top)
        bars.append({"x": i * w, "y": SPARK_H - h, "w": w - 2, "h": h, "n": n, "label": q.label})
    text = "; ".join(f"{b['label']}: {b['n']}" for b in bars)
    return {"bars": bars, "text": f"Events per quarter: {text}."}


def site_charts(quarters, now):
    """Four small bar charts over the last four quarters; each with its text alternative and link."""
    gov = settings.GOVERNANCE
    held_q, pub_q, notes_q, seps_q, decided_q, reports_q = [], [], [], [], [], []
    meeting_aggs, event_aggs, decision_aggs, report_aggs = {}, {}, {}, {}
    for i, q in enumerate(quarters):
        window = Q(starts_at__gte=q.starts_at, starts_at__lt=q.ends_at, starts_at__lte=now)
        held = window & Q(status=Meeting.Status.PUBLISHED)
        needs_notes = held & Q(ends_at__lte=now - gov["NOTES_DUE_AFTER_END"])
        meeting_aggs |= {
            f"held{i}": Count("pk", filter=held),
            f"ontime{i}": Count("pk", filter=held & Q(published_at__lte=F("starts_at") - gov["MEETING_PUBLISH_AHEAD"])),
            f"notes{i}": Count("pk", filter=needs_notes),
            f"notesok{i}": Count(
                "pk", filter=needs_notes & Q(notes_published_at__lte=F("ends_at") + gov["NOTES_DUE_AFTER_END"])
            ),
        }
        event_aggs[f"s{i}"] = Count("pk", filter=Q(created_at__gte=q.starts_at, created_at__lt=q.ends_at))
        decision_aggs[f"d{i}"] = Count("pk", filter=Q(decided_at__gte=q.starts_at, decided_at__lt=q.ends_at))
        report_aggs[f"r{i}"] = Count("pk", filter=Q(published_at__gte=q.starts_at, published_at__lt=q.ends_at))
    start = quarters[0].starts_at
    m = Meeting.objects.filter(starts_at__gte=start, starts_at__lte=now).aggregate(
        **meeting_aggs
    )  # every window ends by now
    s = Event.objects.filter(verb=SEP_CHANGED, created_at__gte=start).aggregate(**event_aggs)
    d = (
        Proposal.objects.filter(decided_at__gte=start)
        .exclude(status=Proposal.Status.WITHDRAWN)
        .aggregate(**decision_aggs)
    )
    r = QuarterlyReport.objects.published().filter(published_at__gte=start).aggregate(**report_aggs)
    for i in range(len(quarters)):
        held_q.append(m[f"held{i}"])
        pub_q.append(round(100 * m[f"ontime{i}"] / m[f"held{i}"]) if m[f"held{i}"] else 0)
        notes_q.append(round(100 * m[f"notesok{i}"] / m[f"notes{i}"]) if m[f"notes{i}"] else 0)
        seps_q.append(s[f"s{i}"])
        decided_q.append(d[f"d{i}"])
        reports_q.append(r[f"r{i}"])
    return [
        _chart("chart-meetings", "Meetings held", held_q, quarters, "", reverse("meetings:index") + "?when=past"),
        _chart("chart-ontime", "Meetings published on time", pub_q, quarters, "%", reverse("meetings:compliance")),
        _chart("chart-notes", "Notes published on time", notes_q, quarters, "%", reverse("meetings:compliance")),
        _chart("chart-seps", "SEP status changes", seps_q, quarters, "", reverse("seps:index")),
        _chart("chart-decisions", "Decisions taken", decided_q, quarters, "", reverse("groups:index")),
        _chart("chart-reports", "Quarterly reports published", reports_q, quarters, "", reverse("groups:index")),
    ]


def _chart(ident, title, values, quarters, unit, url):
    top = 100 if unit == "%" else (max(values) or 1)
    n = len(values)
    w = (CHART_W - BAR_GAP * (n - 1)) // n
    bars = []
    for i, (v, q) in enumerate(zip(values, quarters, strict=True)):
        h = round((CHART_H - 30) * v / top)
        bars.append({"x": i * (w + BAR_GAP), "y": CHART_H - 16 - h, "w": w, "h": h, "value": f"{v}{unit}",
                     "label": f"{q.start:%b}–{q.end:%b %y}", "long": q.label})  # fmt: skip
    text = f"{title} per quarter: " + "; ".join(f"{b['long']}: {b['value']}" for b in bars) + "."
    return {"id": ident, "title": title, "bars": bars, "text": text, "url": url, "w": CHART_W, "h": CHART_H}


@login_required
@require_GET
def health(request):
    if not rules.test_rule("decisions.view_health", request.user):
        raise PermissionDenied("The health page is for core maintainers.")
    now = timezone.now()
    quarters = last_quarters(4, now)
    groups = Group.objects.order_by("name").only("pk", "name")
    paginator = Paginator(groups, PAGE_SIZE)
    paginator.__dict__["count"] = memo("health:group-count", groups.count)  # Paginator.count: a cached_property
    page = paginator.get_page(request.GET.get("page"))
    # Callables: the template's fragments (shared by every core maintainer per data version, time
    # zone and minute) call them only on a fragment miss, so a warm page runs none of these queries.
    ctx = {
        "page": page,
        "rows": cache(lambda: group_rows(list(page.object_list), quarters, now) if page.object_list else []),
        "quarters": quarters,
        "charts": cache(lambda: site_charts(quarters, now)),
        "overdue_escalations": cache(
            lambda: list(
                Escalation.objects.unresolved()
                .filter(Q(overdue_at__isnull=False) | Q(first_response_due__lte=now), first_response_at=None)
                .select_related("proposal__group", "designee")
                .order_by("first_response_due")[:20]
            )
        ),
        "overdue_reports": cache(
            lambda: list(QuarterlyReport.objects.overdue().select_related("group").order_by("due_at")[:20])
        ),
        "inactive_after": settings.GOVERNANCE["WG_INACTIVE_AFTER"],
    }
    return render_page(request, "portal/health.html", ctx, partial="rows" if request.GET.get("page") else None)
