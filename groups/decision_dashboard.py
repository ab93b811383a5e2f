"""Dashboard panel for decisions: votes waiting for you, open proposals in your groups, reports you owe,
and, for core maintainers, open escalations (overdue first). At most four queries."""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Ballot, EligibleVoter, Escalation, Membership, Proposal, QuarterlyReport, Vote

LIMIT = 10


def panel_data(user) -> dict:
    now = timezone.now()
    mine = Ballot.objects.filter(vote=OuterRef("vote_id"), voter=user)
    waiting = list(
        EligibleVoter.objects.filter(user=user, vote__status=Vote.Status.OPEN, vote__closes_at__gt=now)
        .filter(~Exists(mine))
        .select_related("vote__proposal__group")
        .order_by("vote__closes_at")[:LIMIT]
    )
    my_groups = Membership.objects.active().filter(user=user).values("group_id")
    proposals = list(
        Proposal.objects.open()
        .filter(group__in=my_groups, deadline__gt=now)
        .select_related("group")
        .order_by("deadline")[:LIMIT]
    )
    led = Membership.objects.leads().filter(user=user).values("group_id")
    reports = list(
        QuarterlyReport.objects.unpublished().filter(group__in=led).select_related("group").order_by("due_at")[:LIMIT]
    )
    escalations = []
    if user.is_core_maintainer:
        escalations = list(
            Escalation.objects.unresolved()
            .select_related("proposal__group", "designee")
            .order_by("overdue_at", "first_response_due")[:LIMIT]
        )
    return {"waiting": waiting, "proposals": proposals, "reports": reports, "escalations": escalations}


def panels(request):
    data = panel_data(request.user)
    if not any(data.values()):
        return []
    return [{"template": "groups/_decisions_dashboard.html", "title": "Decisions", "order": 15, **data}]
