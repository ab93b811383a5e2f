"""Meeting figures for quarterly reports and the health page (G8): registered with groups.report_figures."""

from django.conf import settings
from django.db.models import Count, F, FilteredRelation, Q
from django.utils import timezone

from groups.report_figures import filtered_url, register

from .models import Meeting


def meeting_counts(groups_qs, start, end, now=None):
    """Annotate held / publication / notes figures for meetings starting in [start, end) (M2, M4)."""
    now = now or timezone.now()
    gov = settings.GOVERNANCE
    held = Q(in_window__status=Meeting.Status.PUBLISHED, in_window__starts_at__lte=now)
    needs_pub = (
        Q(in_window__status__in=[Meeting.Status.PUBLISHED, Meeting.Status.MISSED_PUBLICATION])
        | Q(in_window__status=Meeting.Status.CANCELLED, in_window__published_at__isnull=False)
    ) & Q(in_window__starts_at__lte=now)
    pub_ok = needs_pub & Q(in_window__published_at__lte=F("in_window__starts_at") - gov["MEETING_PUBLISH_AHEAD"])
    needs_notes = held & Q(in_window__ends_at__lte=now - gov["NOTES_DUE_AFTER_END"])
    notes_ok = needs_notes & Q(in_window__notes_published_at__lte=F("in_window__ends_at") + gov["NOTES_DUE_AFTER_END"])
    # The window is in the join itself: the groups are joined to their meetings of [start, end) only,
    # not to every meeting they ever had (100,000 rows hashed for one page of the health page).
    in_window = FilteredRelation("meetings", condition=Q(meetings__starts_at__gte=start, meetings__starts_at__lt=end))
    return groups_qs.annotate(in_window=in_window).annotate(
        m_held=Count("in_window", filter=held),
        m_pub_total=Count("in_window", filter=needs_pub),
        m_pub_ok=Count("in_window", filter=pub_ok),
        m_notes_total=Count("in_window", filter=needs_notes),
        m_notes_ok=Count("in_window", filter=notes_ok),
    )


def share(ok, total) -> str:
    return f"{round(100 * ok / total)}% ({ok} of {total})" if total else "none due"


@register("meetings", order=10)
def meeting_figures(group, start, end) -> dict:
    from groups.models import Group

    g = meeting_counts(Group.objects.filter(pk=group.pk), start, end).get()
    url = filtered_url("meetings:index", group=group.slug, when="past")
    return {
        "title": "Meetings",
        "section": "progress",
        "figures": [
            {"label": "Meetings held", "value": g.m_held, "url": url},
            {"label": "Published on time", "value": share(g.m_pub_ok, g.m_pub_total), "url": url},
            {"label": "Notes on time", "value": share(g.m_notes_ok, g.m_notes_total), "url": url},
        ],
        "lines": [
            f"- Meetings held: {g.m_held}",
            f"- Published at least {settings.GOVERNANCE['MEETING_PUBLISH_AHEAD'].days} days ahead: "
            + share(g.m_pub_ok, g.m_pub_total),
            f"- Notes within {int(settings.GOVERNANCE['NOTES_DUE_AFTER_END'].total_seconds() // 3600)} hours: "
            + share(g.m_notes_ok, g.m_notes_total),
        ],
    }
