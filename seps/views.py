"""SEP pages (thin views: permission check in the view, form, service, page or its htmx partial)."""

from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.dataversion import memo
from portal.errors import DomainError
from portal.htmx import render_page, wants_partial
from portal.models import Event

from . import transitions
from .forms import EditForm, FilterForm, TransitionForm
from .models import SEP, SEP_REPOSITORY, RoadmapArea, Status, status_label
from .services import STATUS_CHANGED, sep_edit_metadata, sep_transition

PAGE_SIZE = 50


@require_GET
def index(request):
    form = FilterForm(request.GET)

    @cache
    def page():  # called by the template's fragments on a miss only: a warm list runs no query
        qs = form.apply(SEP.objects.for_lists().in_lifecycle_order())
        return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))

    ctx = {"form": form, "page": page, "filtered": any(request.GET.get(k) for k in form.fields)}
    return render_page(request, "seps/index.html", ctx, partial="results")


def _sep_for_page(number):
    """The SEP (or 404). Its pull requests and the SEPs it supersedes are read by the page's
    fragments only when they miss. The row with its sponsor, group, successor and authors (which the
    viewer's rules read: an author may edit) is read once per data version with the fragments
    (`memo`; a POST reads it afresh): building and compiling that three-way join was 40% of a page
    miss whose fragments were warm, and the authors a query on every signed-in view."""

    def read():
        rows = SEP.objects.select_related("sponsor", "group", "superseded_by").prefetch_related("authors")
        return rows.filter(number=number).first() or False

    # off with the fragments (settings.FRAGMENT_CACHE): measure (or debug) the page as right after a write
    sep = memo(f"seps:page:{number}", read) if settings.FRAGMENT_CACHE else read()
    if not sep:
        raise Http404(f"No SEP {number}.")
    return sep


def _state_context(request, sep, *, failed=None, form=None, error=None):
    """`error` is shown inside the form of the step that `failed`, or above all when that step
    is no longer offered (the SEP moved on meanwhile)."""
    user = request.user
    now = timezone.now()
    leads = transitions.group_leads_with_authority(sep) if sep.group_id and sep.group.delegated_sep_authority else set()
    actions = []
    for t in transitions.available(user, sep, now=now, leads=leads):
        mine = failed == t.name
        bound = form if (mine and form is not None) else TransitionForm(prefix=t.name)
        actions.append({"t": t, "form": bound, "error": error if mine else None})

    @cache
    def timeline():  # called by the timeline fragment on a miss only
        events = list(
            Event.objects.for_object(sep)
            .filter(verb__startswith="sep.")
            .select_related("actor")
            .order_by("created_at", "id")
        )
        for e in events:
            if e.verb == STATUS_CHANGED:
                e.from_label, e.to_label = status_label(e.data.get("from")), status_label(e.data.get("to"))
        return events

    return {
        "sep": sep,
        "actions": actions,
        "error": error if error and not any(a["error"] for a in actions) else None,
        "timeline": timeline,
        "pull_requests": cache(lambda: list(sep.pull_requests.all())),  # read by two fragments, once
        "may_edit": transitions.may_edit(user, sep),
        "roadmap_label": RoadmapArea(sep.roadmap_area).label if sep.roadmap_area else "",
    }


@require_GET
def detail(request, number):
    try:
        sep = _sep_for_page(number)
    except Http404:
        # Links between SEP files point here too: say which SEP is missing and where to look.
        return render_page(request, "seps/missing.html", {"number": number, "repository": SEP_REPOSITORY}, status=404)
    return render_page(request, "seps/detail.html", _state_context(request, sep))


@login_required
@require_POST
def transition(request, number, action):
    if action not in transitions.TRANSITIONS:
        raise Http404("No such step.")
    sep = _sep_for_page(number)
    leads = transitions.group_leads_with_authority(sep) if sep.group_id else set()
    if not transitions.may(action, request.user, sep, leads=leads):  # the right is checked here, not only in the page
        raise PermissionDenied(f"Only {transitions.WHO[transitions.TRANSITIONS[action].who]} may do this.")
    form = TransitionForm(request.POST, prefix=action)
    error = None
    if form.is_valid():
        try:
            sep_transition(
                action,
                sep=sep,
                by=request.user,
                reason=form.cleaned_data["reason"],
                successor_number=form.cleaned_data["successor"],
                reference_implementation=form.cleaned_data["reference_implementation"],
            )
        except DomainError as exc:
            error = exc.message
    else:
        error = " ".join(e for errs in form.errors.values() for e in errs)
    if error is None:
        done = f"SEP-{sep.number} is now {Status(transitions.TRANSITIONS[action].target).label.lower()}."
        if wants_partial(request):
            sep = _sep_for_page(number)
            ctx = _state_context(request, sep)
            ctx["notice"] = done
            return render_page(request, "seps/detail.html", ctx, partial="state")
        messages.success(request, done)
        return redirect(sep)
    sep = _sep_for_page(number)
    ctx = _state_context(request, sep, failed=action, form=form, error=error)
    if not wants_partial(request):
        messages.error(request, error)
    return render_page(request, "seps/detail.html", ctx, partial="state", status=400)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, number):
    sep = _sep_for_page(number)
    if not transitions.may_edit(request.user, sep):
        raise PermissionDenied("Only its authors or a core maintainer may edit a SEP, while it is a proposal or draft.")
    form = EditForm(request.POST or None, instance=SEP.objects.get(pk=sep.pk))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sep_edit_metadata(sep=sep, by=request.user, changes=form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"SEP-{sep.number} is saved.")
                return redirect(sep)
        status = 400
    return render_page(request, "seps/edit.html", {"sep": sep, "form": form}, partial="form", status=status)


@login_required
@require_GET
def review_queue(request):
    if not request.user.is_core_maintainer:
        raise PermissionDenied("The review queue is for core maintainers.")
    qs = SEP.objects.review_queue().for_lists()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    for sep in page.object_list:
        sep.waited = now - sep.status_changed_at
        sep.roadmap_label = RoadmapArea(sep.roadmap_area).label if sep.roadmap_area else ""
    counts = {
        "in_review": SEP.objects.filter(status=Status.IN_REVIEW).count(),
        "draft": SEP.objects.filter(status=Status.DRAFT).count(),
    }
    return render_page(request, "seps/review.html", {"page": page, "counts": counts}, partial="queue")
