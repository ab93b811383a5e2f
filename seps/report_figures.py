"""SEP figures for quarterly reports and the health page (G8): status changes read from the event log (S6)."""

from groups.report_figures import filtered_url, register
from portal.models import Event

STATUS_CHANGED = "sep.status_changed"


def status_changes(group, start, end):
    return Event.objects.filter(group=group, verb=STATUS_CHANGED, created_at__gte=start, created_at__lt=end).order_by(
        "created_at", "pk"
    )


@register("seps", order=20)
def sep_figures(group, start, end) -> dict:
    changes = list(status_changes(group, start, end))
    seps = {e.target_id for e in changes}
    url = filtered_url("seps:index", group=group.slug)
    lines = []
    for e in changes:
        data = e.data if isinstance(e.data, dict) else {}
        lines.append(f"- {e.target_repr}: {data.get('from') or '?'} → {data.get('to') or '?'}")
    return {
        "title": "SEPs",
        "section": "progress",
        "figures": [
            {"label": "SEP status changes", "value": len(changes), "url": url},
            {"label": "SEPs that changed status", "value": len(seps), "url": url},
        ],
        "lines": lines,
    }
