"""`{% load decisions_panels %}{% group_decisions_panel group %}`: open proposals, votes, reports of a group.

Two queries whatever the number of proposals.
"""

from django import template
from django.db.models import Count, Q

from groups.models import Proposal, QuarterlyReport

register = template.Library()


@register.inclusion_tag("groups/_decisions_panel.html", takes_context=True)
def group_decisions_panel(context, group):
    counts = Proposal.objects.filter(group=group).aggregate(
        open=Count("pk", filter=Q(status=Proposal.Status.OPEN)),
        voting=Count("pk", filter=Q(status=Proposal.Status.VOTING)),
        escalated=Count("pk", filter=Q(status=Proposal.Status.ESCALATED)),
    )
    latest = QuarterlyReport.objects.published().filter(group=group).order_by("-quarter_end").first()
    return {"group": group, "counts": counts, "latest_report": latest, "user": context.get("user")}
