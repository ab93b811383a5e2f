"""Dashboard panel for decisions: votes waiting for you, open proposals in your groups, reports you owe,
and, for core maintainers, open escalations (overdue first). At most three queries."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import Ballot, EligibleVoter, Escalation, Membership, Proposal, QuarterlyReport

LIMIT = 10


def panel_data(user, facts=None) -> dict:
    """Votes waiting for the person and open proposals in their groups come from one query; with the
    dashboard's facts (groups.dashboard.facts) a person in no group, with no open vote and leading
    nothing costs no query here."""
    now = timezone.now()
    facts = facts or {}
    # g_decisions / g_reports (groups.dashboard.facts) say exactly whether there is anything to list
    in_groups = facts.get("g_decisions", facts.get("g_active", 1) or facts.get("g_votes", True))
    leads = facts.get("g_reports", facts.get("g_led", 1))
    rows = []
    if in_groups:  # nothing is built when the facts say there is nothing (building costs too)
        waiting_q = Exists(EligibleVoter.objects.filter(vote__proposal=OuterRef("pk"), user=user)) & ~Exists(
            Ballot.objects.filter(vote__proposal=OuterRef("pk"), voter=user)
        )
        my_groups = Membership.objects.active().filter(user=user).values("group_id")
        rows = list(
            Proposal.objects.filter(
                Q(status=Proposal.Status.OPEN, deadline__gt=now, group__in=my_groups)
                | Q(waiting_q, status=Proposal.Status.VOTING, vote__closes_at__gt=now)
            )
            .annotate(waiting=waiting_q)
            .select_related("group", "vote")
            .order_by("deadline")[: 2 * LIMIT]
        )
    waiting = sorted((p for p in rows if p.status == Proposal.Status.VOTING), key=lambda p: p.vote.closes_at)
    proposals = [p for p in rows if p.status == Proposal.Status.OPEN]
    reports = []
    if leads:
        led = Membership.objects.leads().filter(user=user).values("group_id")
        reports = list(
            QuarterlyReport.objects.unpublished()
            .filter(group__in=led)
            .select_related("group")
            .order_by("due_at")[:LIMIT]
        )
    escalations = []
    if user.is_core_maintainer and facts.get("g_escalations", True):
        escalations = list(
            Escalation.objects.unresolved()
            .select_related("proposal__group", "designee")
            .order_by("overdue_at", "first_response_due")[:LIMIT]
        )
    return {"waiting": waiting[:LIMIT], "proposals": proposals[:LIMIT], "reports": reports, "escalations": escalations}


def panels(request):
    data = panel_data(request.user, getattr(request, "dashboard_facts", None))
    if not any(data.values()):
        return []
    return [{"template": "groups/_decisions_dashboard.html", "title": "Decisions", "order": 15, **data}]
