"""Pages for decisions (D1-D5) and quarterly reports (G8). Thin: permission, form, service, page or partial."""

from functools import cache

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.dataversion import memo
from portal.errors import DomainError
from portal.htmx import redirect_response, render_page, wants_partial
from portal.models import Event

from . import deadlines, selectors
from .decision_forms import BallotForm, BlockForm, ContestForm, DesignateForm, ProposalForm, ReportForm, RespondForm
from .models import (
    Ballot,
    EligibleVoter,
    Escalation,
    Group,
    Proposal,
    QuarterlyReport,
    ReportSection,
    Vote,
)
from .services import decisions, escalations, reports

DECIDED_PAGE_SIZE = 20
ACTIVITY_PREFIXES = ("proposal.", "vote.", "escalation.", "report.")
QUIET = ("report.reminder_sent", "report.edited")  # bookkeeping, as on the home timeline


def _get_group(slug):
    return get_object_or_404(Group, slug=slug)


def _vote_rules() -> dict:
    return {
        "quorum_pct": round(100 * deadlines.ratio("VOTE_QUORUM")),
        "abstentions": decisions.ABSTENTIONS_RULE,
        "duration": deadlines.G("VOTE_DURATION"),
        "requests_needed": deadlines.G("VOTE_REQUEST_MEMBERS"),
    }


def decision_events(group, limit=10):
    q = Q()
    for prefix in ACTIVITY_PREFIXES:
        q |= Q(verb__startswith=prefix)
    return list(
        Event.objects.filter(group=group)
        .filter(q)
        .exclude(verb__in=QUIET)
        .select_related("actor", "group", "target_type")[:limit]  # what the sentences read
    )


# --- the group's decisions page -------------------------------------------------------------------------


@require_GET
def decisions_page(request, slug):
    group = selectors.group_by_slug(slug)
    if group is None:
        raise Http404("No such group.")
    user = request.user
    base = Proposal.objects.filter(group=group).select_related("opened_by", "group")
    # Callables: the page's fragments (templates/groups/decisions.html) call them on a miss only.
    open_ = cache(
        lambda: list(base.filter(status=Proposal.Status.OPEN).annotate(n_blocks=Count("blocks")).order_by("deadline"))
    )
    voting = cache(
        lambda: list(
            base.filter(status=Proposal.Status.VOTING)
            .select_related("vote")
            .annotate(n_ballots=Count("vote__ballots"))
            .order_by("vote__closes_at")
        )
    )
    decided = cache(
        lambda: Paginator(
            base.exclude(status__in=[Proposal.Status.OPEN, Proposal.Status.VOTING])
            .select_related("vote")
            .order_by("-decided_at", "-pk"),
            DECIDED_PAGE_SIZE,
        ).get_page(request.GET.get("page"))
    )
    my_votes = set()
    open_votes = (
        memo(f"decisions:open-votes:{group.pk}", lambda: [p.vote.pk for p in voting()]) if user.is_authenticated else []
    )
    if open_votes:  # the viewer's own: part of the votes fragment's key
        my_votes = set(
            EligibleVoter.objects.filter(user=user, vote__in=open_votes)
            .exclude(vote__ballots__voter=user)
            .values_list("vote_id", flat=True)
        )
    ctx = {
        "group": group,
        "open_proposals": open_,
        "voting": voting,
        "decided": decided,
        "my_votes": sorted(my_votes),
        "escalations": cache(
            lambda: list(
                Escalation.objects.filter(proposal__group=group)
                .select_related("proposal__group", "designee")
                .order_by("-opened_at")[:20]
            )
        ),
        "reports": cache(
            lambda: list(
                QuarterlyReport.objects.filter(group=group).select_related("group").order_by("-quarter_end")[:8]
            )
        ),
        "current_quarter": deadlines.quarter_containing(timezone.now()),
        "events": cache(lambda: decision_events(group)),
        "can_open": rules.test_rule("decisions.open_proposal", user, group),
        "can_report": rules.test_rule("decisions.write_report", user, group),
        "rules_text": _vote_rules(),
    }
    return render_page(request, "groups/decisions.html", ctx, partial="decided" if request.GET.get("page") else None)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request, slug):
    group = _get_group(slug)
    if not rules.test_rule("decisions.open_proposal", request.user, group):
        raise PermissionDenied(f"Only a lead of {group.name} (an active Working Group) may open a proposal.")
    form = ProposalForm(request.POST or None, initial={"deadline": ProposalForm.initial_deadline()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                proposal = decisions.proposal_open(group=group, by=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error("deadline" if "deadline" in exc.message else None, exc.message)
            else:
                messages.success(request, "Proposal opened; the members are told, with its deadline.")
                return redirect_response(request, proposal.get_absolute_url()) or redirect(proposal)
        status = 400
    ctx = {"group": group, "form": form, "minor_days": deadlines.minimum_notice("minor").days,
           "significant_days": deadlines.minimum_notice("significant").days}  # fmt: skip
    return render_page(request, "groups/proposal_new.html", ctx, partial="form", status=status)


# --- one proposal: blocks, vote, ballots, escalation ------------------------------------------------------


def _get_proposal(group, pk):
    return get_object_or_404(Proposal.objects.select_related("group", "opened_by"), group=group, pk=pk)


def _proposal_ctx(request, proposal, **extra):
    user = request.user
    group = proposal.group
    vote = (
        Vote.objects.filter(proposal=proposal)
        .prefetch_related(Prefetch("ballots", queryset=Ballot.objects.select_related("voter")))
        .first()
    )
    eligible = can_vote = False
    my_ballot = None
    counts, result = None, None
    if vote is not None:
        ballots = list(vote.ballots.all())
        counts = {c: sum(1 for b in ballots if b.choice == c) for c in Ballot.Choice.values}
        result = decisions.compute_result(**counts, eligible=vote.eligible_count, scope_change=vote.scope_change)
        if user.is_authenticated:
            eligible = EligibleVoter.objects.filter(vote=vote, user=user).exists()
            my_ballot = next((b for b in ballots if b.voter_id == user.pk), None)
            can_vote = eligible and vote.is_open and not group.is_retired
    is_open = proposal.is_open
    escalation_list = list(proposal.escalations.select_related("designee").order_by("-opened_at"))
    requested = list(proposal.vote_requests.select_related("by"))
    return {
        "group": group,
        "proposal": proposal,
        "blocks": list(proposal.blocks.select_related("by")),
        "requests": requested,
        "member_requests": sum(1 for r in requested if not r.as_lead),
        "i_requested": user.is_authenticated and any(r.by_id == user.pk for r in requested),
        "vote": vote,
        "counts": counts,
        "result": result,
        "eligible": eligible,
        "can_vote": can_vote,
        "my_ballot": my_ballot,
        "escalation_list": escalation_list,
        "can_block": is_open and rules.test_rule("decisions.block", user, group),
        "can_request": is_open and rules.test_rule("decisions.request_vote", user, group),
        "can_withdraw": is_open
        and user.is_authenticated
        and (user.pk == proposal.opened_by_id or rules.test_rule("groups.is_group_lead", user, group)),
        "can_contest": proposal.decided_by == Proposal.DecidedBy.VOTE
        and proposal.status == Proposal.Status.ACCEPTED
        and rules.test_rule("decisions.contest", user, group),
        "block_form": extra.pop("block_form", None) or BlockForm(),
        "ballot_form": extra.pop("ballot_form", None)
        or BallotForm(initial={"choice": my_ballot.choice, "rationale": my_ballot.rationale} if my_ballot else None),
        "contest_form": extra.pop("contest_form", None) or ContestForm(),
        "rules_text": _vote_rules(),
        **extra,
    }


@require_GET
def proposal_page(request, slug, pk):
    group = _get_group(slug)
    proposal = _get_proposal(group, pk)
    ctx = _proposal_ctx(request, proposal)
    partial = "countdown" if request.GET.get("part") == "countdown" else None
    return render_page(request, "groups/proposal.html", ctx, partial=partial)


def _act(request, proposal, run, done: str, form=None, form_key=None):
    """Run a service for a proposal action; answer with the refreshed panel (htmx) or a redirect."""
    error = None
    if form is not None and not form.is_valid():
        error = "; ".join(e for errors in form.errors.values() for e in errors)
    else:
        try:
            run()
        except DomainError as exc:
            error = exc.message
    if wants_partial(request):
        proposal = _get_proposal(proposal.group, proposal.pk)
        extra = {"panel_error": error, "panel_done": None if error else done}
        if error and form_key:
            extra[form_key] = form
        return render(request, "groups/proposal.html#panel", _proposal_ctx(request, proposal, **extra))
    if error:
        messages.error(request, error)
        if form_key:  # show the form again with what was typed and the errors
            proposal = _get_proposal(proposal.group, proposal.pk)
            ctx = _proposal_ctx(request, proposal, **{form_key: form}, panel_error=error)
            return render(request, "groups/proposal.html", ctx, status=400)
    else:
        messages.success(request, done)
    return redirect(proposal)


@login_required
@require_POST
def proposal_block(request, slug, pk):
    group = _get_group(slug)
    proposal = _get_proposal(group, pk)
    if not rules.test_rule("decisions.block", request.user, group):
        raise PermissionDenied(f"Only active members of {group.name} may block a proposal (D2).")
    form = BlockForm(request.POST)
    return _act(
        request,
        proposal,
        lambda: decisions.proposal_block(proposal=proposal, by=request.user, **form.cleaned_data),
        "Blocked. A formal vote is open (D3).",
        form=form,
        form_key="block_form",
    )


@login_required
@require_POST
def proposal_request_vote(request, slug, pk):
    group = _get_group(slug)
    proposal = _get_proposal(group, pk)
    if not rules.test_rule("decisions.request_vote", request.user, group):
        raise PermissionDenied(f"Only active members and leads of {group.name} may request a vote (D3).")
    return _act(
        request,
        proposal,
        lambda: decisions.proposal_request_vote(proposal=proposal, by=request.user),
        "Your request for a formal vote is recorded.",
    )


@login_required
@require_POST
def proposal_withdraw(request, slug, pk):
    group = _get_group(slug)
    proposal = _get_proposal(group, pk)
    if request.user.pk != proposal.opened_by_id and not rules.test_rule("groups.is_group_lead", request.user, group):
        raise PermissionDenied("Only the proposal's author or a lead of the group may withdraw it.")
    return _act(
        request, proposal, lambda: decisions.proposal_withdraw(proposal=proposal, by=request.user), "Withdrawn."
    )


@login_required
@require_POST
def ballot_cast(request, slug, pk):
    group = _get_group(slug)
    proposal = _get_proposal(group, pk)
    vote = Vote.objects.filter(proposal=proposal).first()
    if vote is None:
        raise Http404("This proposal has no vote.")
    if not EligibleVoter.objects.filter(vote=vote, user=request.user).exists():
        raise PermissionDenied("Only the active members of the group when the vote opened may vote (D4).")
    form = BallotForm(request.POST)
    return _act(
        request,
        proposal,
        lambda: decisions.ballot_cast(vote=vote, by=request.user, **form.cleaned_data),
        "Your vote is recorded.",
        form=form,
        form_key="ballot_form",
    )


@login_required
@require_POST
def proposal_contest(request, slug, pk):
    group = _get_group(slug)
    proposal = _get_proposal(group, pk)
    if not rules.test_rule("decisions.contest", request.user, group):
        raise PermissionDenied(f"Only a lead of {group.name} may contest a vote's result.")
    form = ContestForm(request.POST)
    return _act(
        request,
        proposal,
        lambda: escalations.escalation_contest(proposal=proposal, by=request.user, **form.cleaned_data),
        "Escalated to the core maintainers (D5).",
        form=form,
        form_key="contest_form",
    )


# --- escalations (D5) -----------------------------------------------------------------------------------


def _escalation_ctx(request, esc, **extra):
    user = request.user
    return {
        "group": esc.proposal.group,
        "escalation": esc,
        "proposal": esc.proposal,
        "responses": list(esc.responses.select_related("by")),
        "parties": escalations.parties(esc),
        "can_designate": rules.test_rule("decisions.designate", user)
        and esc.status in (Escalation.Status.OPEN, Escalation.Status.ASSIGNED),
        "can_respond": user.is_authenticated
        and esc.designee_id == user.pk
        and esc.status == Escalation.Status.ASSIGNED,
        "designate_form": extra.pop("designate_form", None)
        or DesignateForm(initial={"designee": esc.designee_id or (user.pk if user.is_authenticated else None)}),
        "respond_form": extra.pop("respond_form", None) or RespondForm(),
        **extra,
    }


def _get_escalation(group, pk):
    return get_object_or_404(
        Escalation.objects.select_related("proposal__group", "proposal__opened_by", "designee", "opened_by"),
        proposal__group=group,
        pk=pk,
    )


@require_GET
def escalation_page(request, slug, pk):
    esc = _get_escalation(_get_group(slug), pk)
    return render(request, "groups/escalation.html", _escalation_ctx(request, esc))


def _escalation_act(request, esc, run, done, form, form_key):
    error = None
    if not form.is_valid():
        error = "; ".join(e for errors in form.errors.values() for e in errors)
    else:
        try:
            run()
        except DomainError as exc:
            error = exc.message
    esc = _get_escalation(esc.proposal.group, esc.pk)
    if wants_partial(request):
        extra = {"panel_error": error, "panel_done": None if error else done}
        if error:
            extra[form_key] = form
        return render(request, "groups/escalation.html#panel", _escalation_ctx(request, esc, **extra))
    if error:
        ctx = _escalation_ctx(request, esc, **{form_key: form}, panel_error=error)
        return render(request, "groups/escalation.html", ctx, status=400)
    messages.success(request, done)
    if esc.affiliation_warning:
        messages.warning(request, esc.affiliation_warning)
    return redirect(esc)


@login_required
@require_POST
def escalation_designate(request, slug, pk):
    esc = _get_escalation(_get_group(slug), pk)
    if not rules.test_rule("decisions.designate", request.user):
        raise PermissionDenied("Only core maintainers designate who resolves an escalation.")
    form = DesignateForm(request.POST)
    return _escalation_act(
        request,
        esc,
        lambda: escalations.escalation_designate(escalation=esc, by=request.user, **form.cleaned_data),
        "Designated.",
        form,
        "designate_form",
    )


@login_required
@require_POST
def escalation_respond(request, slug, pk):
    esc = _get_escalation(_get_group(slug), pk)
    if esc.designee_id != request.user.pk:
        raise PermissionDenied("Only the designated core maintainer responds to this escalation.")
    form = RespondForm(request.POST)
    return _escalation_act(
        request,
        esc,
        lambda: escalations.escalation_respond(escalation=esc, by=request.user, **form.cleaned_data),
        "Response recorded.",
        form,
        "respond_form",
    )


# --- quarterly reports (G8) -------------------------------------------------------------------------------


def _quarter(slug_q):
    quarter = deadlines.quarter_from_slug(slug_q)
    if quarter is None:
        raise Http404("No such quarter.")
    return quarter


def _can_see_draft(user, group):
    return rules.test_rule("decisions.write_report", user, group) or rules.test_rule("decisions.view_health", user)


@require_GET
def report_page(request, slug, quarter):
    group = _get_group(slug)
    q = _quarter(quarter)
    report = QuarterlyReport.objects.filter(group=group, quarter_end=q.end).select_related("published_by").first()
    if report is None or (not report.is_published and not _can_see_draft(request.user, group)):
        raise Http404("No published report for that quarter.")
    ctx = {"group": group, "report": report, "can_edit": rules.test_rule("decisions.write_report", request.user, group)}
    return render(request, "groups/report.html", ctx)


@login_required
@require_POST
def report_open(request, slug):
    group = _get_group(slug)
    if not rules.test_rule("decisions.write_report", request.user, group):
        raise PermissionDenied(f"Only a lead of {group.name} writes its reports.")
    q = deadlines.quarter_from_slug(request.POST.get("quarter", "")) or deadlines.quarter_containing(timezone.now())
    try:
        report = reports.report_open(group=group, quarter=q, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("groups:decisions", group.slug)
    return redirect("groups:report_edit", group.slug, report.quarter.slug)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, slug, quarter):
    group = _get_group(slug)
    if not rules.test_rule("decisions.write_report", request.user, group):
        raise PermissionDenied(f"Only a lead of {group.name} writes its reports.")
    q = _quarter(quarter)
    report = get_object_or_404(QuarterlyReport, group=group, quarter_end=q.end)
    if report.is_published:
        return redirect(report)
    form = ReportForm(request.POST or None, initial=report.sections)
    status, saved = 200, False
    if request.method == "POST":
        if form.is_valid():
            try:
                report = reports.report_save(report=report, by=request.user, sections=form.cleaned_data)
                saved = True
                if request.POST.get("action") == "publish":
                    report = reports.report_publish(report=report, by=request.user)
                    messages.success(request, "Report published; it is public on the group page.")
                    return redirect_response(request, report.get_absolute_url()) or redirect(report)
            except DomainError as exc:
                form.add_error(None, exc.message)
        if not form.errors:
            if not wants_partial(request):
                messages.success(request, "Draft saved.")
                return redirect("groups:report_edit", group.slug, q.slug)
        else:
            status = 400
    ctx = {"group": group, "report": report, "form": form, "saved": saved, "sections": ReportSection.choices}
    return render_page(request, "groups/report_edit.html", ctx, partial="form", status=status)
