"""Read-side queries: for the groups directory, the group page panel and the compliance queue."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from .models import AgendaItem, Meeting


def annotate_next_meeting(group_queryset, now=None):
    """Add `next_meeting_at` (start of the next valid, not yet started meeting) to each group: one subquery."""
    now = now or timezone.now()
    nxt = (
        Meeting.objects.filter(group=OuterRef("pk"), status=Meeting.Status.PUBLISHED, starts_at__gt=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return group_queryset.annotate(next_meeting_at=Subquery(nxt))


def meetings_held(now):
    """G7 activity source (registered in MeetingsConfig.ready): meetings held (published, not
    cancelled, started), by start; served by the (group, status, starts_at) index."""
    return Meeting.objects.filter(status=Meeting.Status.PUBLISHED, starts_at__lte=now), "starts_at"


PANEL_DEFERRED = ("agenda_md", "agenda_html", "notes_md", "notes_html")  # the panel shows titles and times


def _upcoming(now):
    return Meeting.objects.upcoming(now)


def _noted():
    return Meeting.objects.filter(status=Meeting.Status.PUBLISHED, notes_published_at__isnull=False)


def _overdue():
    return Meeting.objects.notes_overdue()


def annotate_group_page(group_queryset, now):
    """The group page's facts for this panel (registered in MeetingsConfig.ready): whether the group
    has an upcoming meeting, notes (when the latest were held, or None), overdue notes; each served
    by the group's meeting indexes inside the one query that loads the group, so a group without
    meetings costs the panel nothing."""
    from django.db.models import Exists

    # notes: the start of the latest meeting with notes, read backwards along (group, status,
    # starts_at) as the panel does; an EXISTS there was planned as a scan of every meeting
    latest_notes = _noted().filter(group=OuterRef("pk")).order_by("-starts_at").values("starts_at")[:1]
    return group_queryset.annotate(
        meetings_upcoming=Exists(_upcoming(now).filter(group=OuterRef("pk"))),
        meetings_noted=Subquery(latest_notes),
        meetings_overdue=Exists(_overdue().filter(group=OuterRef("pk"))),
    )


def group_panel(group, *, upcoming=3, recent=3, now=None) -> dict:
    """Next meetings, recent notes and overdue notes of a group: at most three queries whatever the
    number of meetings, and none for a list the group page's facts say is empty."""
    now = now or timezone.now()
    mine = Meeting.objects.filter(group=group).defer(*PANEL_DEFERRED)

    def wanted(fact):
        return getattr(group, fact, True)

    return {
        "group": group,
        "upcoming": list(mine.upcoming(now)[:upcoming]) if wanted("meetings_upcoming") else [],
        "recent_notes": list(
            # started meetings only (notes follow a meeting): the backward scan starts at now, not
            # behind every future meeting, which has no notes yet
            mine.filter(status=Meeting.Status.PUBLISHED, notes_published_at__isnull=False, starts_at__lte=now).order_by(
                "-starts_at"
            )[:recent]
        )
        if wanted("meetings_noted")
        else [],
        "overdue": list(mine.notes_overdue().order_by("-starts_at")[:recent]) if wanted("meetings_overdue") else [],
    }


def compliance_rows(now=None, months=12):
    """Per group over the last `months`: share of meetings published on time and notes on time (M2, M4).

    Publication: of the meetings that had to be published (published, missed, or published then
    cancelled), those published at least MEETING_PUBLISH_AHEAD before the start. Notes: of the
    published meetings whose notes deadline has passed, those with notes by the deadline.
    """
    from groups.models import Group

    now = now or timezone.now()
    gov = settings.GOVERNANCE
    since = now - timedelta(days=round(months * 365 / 12))
    in_window = Q(meetings__starts_at__gte=since, meetings__starts_at__lte=now)
    needs_pub = in_window & (
        Q(meetings__status__in=[Meeting.Status.PUBLISHED, Meeting.Status.MISSED_PUBLICATION])
        | Q(meetings__status=Meeting.Status.CANCELLED, meetings__published_at__isnull=False)
    )
    pub_on_time = needs_pub & Q(meetings__published_at__lte=F("meetings__starts_at") - gov["MEETING_PUBLISH_AHEAD"])
    needs_notes = in_window & Q(
        meetings__status=Meeting.Status.PUBLISHED, meetings__ends_at__lte=now - gov["NOTES_DUE_AFTER_END"]
    )
    notes_on_time = needs_notes & Q(
        meetings__notes_published_at__lte=F("meetings__ends_at") + gov["NOTES_DUE_AFTER_END"]
    )
    groups = (
        Group.objects.annotate(
            pub_total=Count("meetings", filter=needs_pub),
            pub_ok=Count("meetings", filter=pub_on_time),
            notes_total=Count("meetings", filter=needs_notes),
            notes_ok=Count("meetings", filter=notes_on_time),
        )
        .filter(Q(pub_total__gt=0) | Q(notes_total__gt=0))
        .order_by("name")
    )
    rows = []
    for g in groups:
        rows.append(
            {
                "group": g,
                "pub_total": g.pub_total,
                "pub_ok": g.pub_ok,
                "pub_pct": round(100 * g.pub_ok / g.pub_total) if g.pub_total else None,
                "notes_total": g.notes_total,
                "notes_ok": g.notes_ok,
                "notes_pct": round(100 * g.notes_ok / g.notes_total) if g.notes_total else None,
            }
        )
    return rows


def due_for_lead(user, now=None, limit=10) -> dict:
    """For a lead's dashboard: drafts to publish (with their cutoff) and held meetings still without notes."""
    now = now or timezone.now()
    from groups.models import Membership

    groups = Membership.objects.leads().filter(user=user).values("group_id")
    mine = Meeting.objects.filter(group__in=groups).select_related("group")
    return {
        "to_publish": list(
            mine.filter(
                status__in=[Meeting.Status.DRAFT, Meeting.Status.MISSED_PUBLICATION], starts_at__gt=now
            ).order_by("starts_at")[:limit]
        ),
        "notes_due": list(
            mine.filter(status=Meeting.Status.PUBLISHED, starts_at__lte=now, notes_published_at=None).order_by(
                "starts_at"
            )[:limit]
        ),
        # agenda items proposed for upcoming meetings, waiting for a lead's accept or decline
        "to_decide": list(
            AgendaItem.objects.filter(
                status=AgendaItem.Status.PROPOSED,
                meeting__group__in=groups,
                meeting__status=Meeting.Status.PUBLISHED,
                meeting__starts_at__gt=now,
            )
            .select_related("meeting__group", "proposed_by")
            .order_by("meeting__starts_at", "proposed_at")[:limit]
        ),
    }


def next_for_member(user, now=None, limit=5) -> list:
    """A participant's dashboard: the next published meetings of the groups they are in (one query)."""
    from groups.models import Membership

    now = now or timezone.now()
    groups = Membership.objects.active().filter(user=user).values("group_id")
    return list(Meeting.objects.upcoming(now).filter(group__in=groups).select_related("group")[:limit])


CHART_BAR_X, CHART_BAR_W, CHART_ROW_H, CHART_TOP = 0, 480, 56, 28


def compliance_chart(rows) -> dict:
    """Geometry of the compliance bar chart (SVG, server-rendered): per group its full name above
    two bars (published on time, notes on time) on a 0-100 % axis with gridlines; `summary` is the
    chart's text alternative."""

    def bar(pct):
        return round(CHART_BAR_W * (pct or 0) / 100)

    def said(pct, ok, total, what):
        return f"{what} {pct}% ({ok} of {total})" if pct is not None else f"{what}: none due"

    out = []
    for i, r in enumerate(rows):
        y = CHART_TOP + i * CHART_ROW_H
        out.append(
            {
                **r,
                "y": y,
                "pub_w": bar(r["pub_pct"]),
                "notes_w": bar(r["notes_pct"]),
                "text": f"{r['group'].name}: "
                + said(r["pub_pct"], r["pub_ok"], r["pub_total"], "published on time")
                + ", "
                + said(r["notes_pct"], r["notes_ok"], r["notes_total"], "notes on time"),
            }
        )
    bottom = CHART_TOP + len(rows) * CHART_ROW_H
    return {
        "rows": out,
        "ticks": [{"pct": p, "x": CHART_BAR_X + CHART_BAR_W * p // 100} for p in (0, 25, 50, 75, 100)],
        "bar_x": CHART_BAR_X,
        "bottom": bottom,
        "height": bottom + 28,
        "summary": "; ".join(r["text"] for r in out) + ".",
    }
