"""`{% load decisions_panels %}{% group_decisions_panel group %}`: open proposals, votes, reports of a group.

One query whatever the number of proposals and reports; none on the group page.
"""

from django import template

from groups.deadlines import Quarter
from groups.models import Group
from groups.selectors import decision_counts

register = template.Library()


@register.inclusion_tag("groups/_decisions_panel.html")
def group_decisions_panel(group):
    """No query when the group was loaded for its page (selectors.group_page annotates the counts)."""
    fields = ("n_open", "n_voting", "n_escalated", "latest_report")
    if all(hasattr(group, f) for f in fields):
        row = {f: getattr(group, f) for f in fields}
    else:
        row = Group.objects.filter(pk=group.pk).annotate(**decision_counts()).values(*fields).first() or {}
    end = row.get("latest_report")
    return {
        "group": group,
        "counts": {
            "open": row.get("n_open", 0),
            "voting": row.get("n_voting", 0),
            "escalated": row.get("n_escalated", 0),
        },
        "latest_quarter": Quarter(end=end) if end else None,
    }
