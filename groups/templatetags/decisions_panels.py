"""`{% load decisions_panels %}{% group_decisions_panel group %}`: open proposals, votes, reports of a group.

One query whatever the number of proposals and reports.
"""

from django import template
from django.db.models import Count, OuterRef, Q, Subquery

from groups.deadlines import Quarter
from groups.models import Group, Proposal, QuarterlyReport

register = template.Library()


@register.inclusion_tag("groups/_decisions_panel.html")
def group_decisions_panel(group):
    latest = QuarterlyReport.objects.published().filter(group=OuterRef("pk")).order_by("-quarter_end")
    row = (
        Group.objects.filter(pk=group.pk)
        .annotate(
            n_open=Count("proposals", filter=Q(proposals__status=Proposal.Status.OPEN)),
            n_voting=Count("proposals", filter=Q(proposals__status=Proposal.Status.VOTING)),
            n_escalated=Count("proposals", filter=Q(proposals__status=Proposal.Status.ESCALATED)),
            latest_report=Subquery(latest.values("quarter_end")[:1]),
        )
        .values("n_open", "n_voting", "n_escalated", "latest_report")
        .first()
    ) or {}
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
