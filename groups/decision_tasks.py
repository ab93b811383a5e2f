"""Sweeps for decisions (D2, D4, D5) and quarterly reports (G8): select what is due and not yet handled,
act per row through one service (which locks, re-checks and records once). A missed tick is caught up."""

from celery import shared_task
from django.utils import timezone

from .models import Escalation, Proposal, QuarterlyReport, Vote
from .services import decisions, escalations, reports


@shared_task
def sweep_proposals():
    """D2: accept every open, unblocked proposal whose lazy-consensus deadline has passed."""
    now = timezone.now()
    done = 0
    for pk in list(Proposal.objects.due(now).order_by("deadline").values_list("pk", flat=True)):
        if decisions.proposal_accept_if_unblocked(proposal_id=pk, now=now):
            done += 1
    return done


@shared_task
def sweep_votes():
    """D4/D5: close every open vote past its close time; what did not pass is escalated."""
    now = timezone.now()
    done = 0
    for pk in list(Vote.objects.due(now).order_by("closes_at").values_list("pk", flat=True)):
        if decisions.vote_close(vote_id=pk, now=now):
            done += 1
    return done


@shared_task
def sweep_escalations():
    """D5: flag escalations without a first response after 5 business days; core maintainers are told."""
    now = timezone.now()
    done = 0
    for pk in list(Escalation.objects.overdue_due(now).order_by("first_response_due").values_list("pk", flat=True)):
        if escalations.escalation_mark_overdue(escalation_id=pk, now=now):
            done += 1
    return done


@shared_task
def sweep_reports():
    """G8: two weeks before the due date open the draft and tell the leads; after it, flag it overdue."""
    now = timezone.now()
    reminded = overdue = 0
    for quarter in reports.reminder_quarters(now):  # at most two: one query each
        for pk in list(reports.groups_to_remind(quarter).order_by("pk").values_list("pk", flat=True)):
            if reports.report_remind(group_id=pk, quarter=quarter, now=now):
                reminded += 1
    due = QuarterlyReport.objects.filter(status=QuarterlyReport.Status.DRAFT, overdue_at=None, due_at__lte=now)
    for pk in list(due.order_by("due_at").values_list("pk", flat=True)):
        if reports.report_mark_overdue(report_id=pk, now=now):
            overdue += 1
    return reminded + overdue
