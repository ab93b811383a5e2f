from functools import cache

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.dataversion import bucket, memo
from portal.errors import DomainError
from portal.htmx import redirect_response, render_fragment, render_page, wants_partial

from . import selectors, services
from .charter_diff import diff_lines
from .forms import (
    CharterDraftForm,
    DirectoryFilterForm,
    JoinForm,
    NominationForm,
    RationaleForm,
    ReasonForm,
    SectionForm,
    SubmitCharterForm,
)
from .models import (
    CharterSection,
    CharterVersion,
    Group,
    Membership,
    Nomination,
    RetirementProposal,
    Tier,
    render_section,
)

DIRECTORY_PAGE_SIZE = 25
MEMBERS_PAGE_SIZE = 100


def _get_group(slug):
    return get_object_or_404(Group.objects.select_related("formed_from"), slug=slug)


# --- directory and group page ---------------------------------------------------------------------


@require_GET
def index(request):
    form = DirectoryFilterForm(request.GET or None)
    form.is_valid()  # a bad field is reported and ignored; the valid ones still filter
    filters = getattr(form, "cleaned_data", {})

    @cache
    def page():  # called by the results fragment on a miss only: a warm list runs no query
        qs = selectors.directory(kind=filters.get("kind", ""), state=filters.get("state", ""), q=filters.get("q", ""))
        return Paginator(qs, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))

    ctx = {"form": form, "page": page, "groups": lambda: page().object_list, "filtered": any(filters.values())}
    return render_page(request, "groups/index.html", ctx, partial="results")


def _membership_ctx(request, group, mine=None):
    """`mine`: the viewer's current membership when the caller already has it (False: has none)."""
    current = None
    if mine is not None:
        current = mine or None
        if request.user.is_authenticated:  # the rules' tier cache (groups.rules): no query of its own
            active = current is not None and current.status == Membership.Status.ACTIVE
            group.__dict__.setdefault("_tier_cache", {})[request.user.pk] = current.tier if active else None
    elif request.user.is_authenticated:
        current = Membership.objects.current().filter(group=group, user=request.user).first()
    initial = {"tier": Tier.PARTICIPANT if current is None or current.tier == Tier.OBSERVER else Tier.OBSERVER}
    return {
        "group": group,
        "my_membership": current,
        "join_form": JoinForm(initial=initial),
        "can_join": rules.test_rule("groups.join", request.user, group),
    }


class _CountedPaginator(Paginator):
    """A paginator told its count (annotated on the group): no COUNT query; no rows query when empty.
    `rows` builds the queryset (annotated and ordered: half a millisecond of CPU): the page's rows
    are built, sliced and read only when something reads them (a warm member-table fragment does not)."""

    def __init__(self, rows, per_page, count):
        super().__init__((), per_page)
        self._rows = rows
        self.__dict__["count"] = count  # Paginator.count is a cached_property

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)  # no orphans
        return self._get_page(SimpleLazyObject(lambda: self._rows()[bottom:top]), number, self)


def _page_people(request, group, members):
    """Leads, organisation count and the viewer's membership, read from the member rows already
    loaded when those rows hold them (leads sort first; every member fits on page one); one query
    each otherwise."""
    rows = list(members.object_list)
    everyone = members.number == 1 and len(rows) == group.member_total
    leads = [m for m in rows if m.tier == Tier.LEAD] if members.number == 1 else []
    if len(leads) == group.lead_total:
        leads.sort(key=lambda m: m.started_at)
    else:
        leads = list(Membership.objects.leads().filter(group=group).select_related("user").order_by("started_at"))
    if everyone:
        keys = {selectors.organisation_key(m.user.affiliation) for m in rows}
        organisations = len(keys - {""})
    else:
        organisations = selectors.organisation_count(group)
    mine = None
    if everyone and request.user.is_authenticated:
        mine = next((m for m in rows if m.user_id == request.user.pk), False)
    return leads, organisations, mine


def _viewer_membership(request, group, members, people):
    """The viewer's current membership (False: none), memoized per data version and viewer like the
    page's fragments: a warm page reads no member row for it. On a miss it comes from the member
    rows when they hold everyone (the member table reads the same rows), else one query."""

    def build():
        mine = people()[2] if members.number == 1 and group.member_total <= MEMBERS_PAGE_SIZE else None
        if mine is None:  # more members than one page: not among the loaded rows
            mine = Membership.objects.current().filter(group=group, user=request.user).first() or False
        return (mine,)  # a tuple: memo takes None for "not cached"

    if not settings.FRAGMENT_CACHE:
        return build()[0]
    return memo(f"my-membership:{group.pk}:{request.user.pk}", build)[0]


def _group_for_page(slug):
    """selectors.group_page (one large annotated query: half the page's CPU was compiling it),
    memoized per data version and minute (its meeting facts depend on the clock) like the page's
    fragments, and off with them (settings.FRAGMENT_CACHE); None: no such group."""

    def build():
        try:
            return selectors.group_page(slug)
        except Group.DoesNotExist:
            return False

    if not settings.FRAGMENT_CACHE:  # off: measure (or debug) the page as right after a write
        return build() or None
    return memo(f"group-page:{slug}:{bucket()}", build, timeout=120) or None


@require_GET
def detail(request, slug):
    """A group's page: one memoized query for the group and every panel's facts, then only the
    panels with something to show (see selectors.group_page). The viewer-independent parts are
    fragments (templates/groups/detail.html): what they show is handed over as callables, so a warm
    fragment runs none of its queries."""
    group = _group_for_page(slug)
    if group is None:
        raise Http404("No such group.")
    user = request.user
    rows = lambda: selectors.member_rows(group)  # noqa: E731 - built only if the rows are read
    members = _CountedPaginator(rows, MEMBERS_PAGE_SIZE, group.member_total).get_page(request.GET.get("members"))
    people = cache(lambda: _page_people(request, group, members))
    mine = None
    if user.is_authenticated:
        mine = _viewer_membership(request, group, members, people)
        if mine:
            mine.group = group
    membership_ctx = _membership_ctx(request, group, mine=mine)
    retirement = None
    if group.open_retirement_id:
        retirement = (
            group.retirement_proposals.filter(pk=group.open_retirement_id).select_related("proposed_by").first()
        )
    ctx = {
        **membership_ctx,
        "charter": cache(
            lambda: (
                group.charter_id
                and CharterVersion.objects.select_related("decided_by").filter(pk=group.charter_id).first()
            )
        ),
        "leads": lambda: people()[0],
        "members": members,
        "organisation_count": lambda: people()[1],
        "nominations": cache(lambda: list(selectors.open_nominations(group)) if group.open_nomination_total else []),
        "retirement": retirement,
        "formed_groups": cache(lambda: list(group.formed_groups.only("name", "slug")) if group.led_to_any else []),
        "can_nominate": rules.test_rule("groups.nominate", user, group),
        "can_amend": rules.test_rule("groups.amend_charter", user, group),
        "can_propose_retirement": rules.test_rule("groups.propose_retirement", user, group),
        "can_decide_retirement": rules.test_rule("groups.approve_retirement", user, group) and not group.is_retired,
        "can_restore": rules.test_rule("groups.restore_member", user, group),
        "retire_form": RationaleForm(),
    }
    return render_page(request, "groups/detail.html", ctx, partial="members" if request.GET.get("members") else None)


@login_required
@require_POST
def membership(request, slug):
    """T2: join as observer/participant, switch between the two, or leave. htmx or a plain post."""
    group = _get_group(slug)
    action = request.POST.get("action", "")
    error = None
    try:
        if action == "leave":
            services.membership_leave(group=group, user=request.user)
            done = f"You left {group.name}."
        elif action in ("join", "change"):
            form = JoinForm(request.POST)
            if not form.is_valid():
                raise DomainError("Choose observer or participant.")
            m = services.membership_join(group=group, user=request.user, tier=form.cleaned_data["tier"])
            done = f"You are now {services.article(m.get_tier_display().lower())} of {group.name}."
        else:
            raise DomainError("Unknown action.")
    except DomainError as exc:
        error = exc.message
    if wants_partial(request):
        ctx = {**_membership_ctx(request, group), "membership_error": error, "membership_done": None if error else done}
        return render_page(request, "groups/detail.html", ctx, partial="membership", status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(group)


# --- charter --------------------------------------------------------------------------------------


@require_GET
def charter_history(request, slug):
    group = _get_group(slug)
    versions = list(selectors.charter_versions_visible(group, request.user))
    by_number = {v.number: v for v in versions}
    diff, a, b, error = None, None, None, None
    if "a" in request.GET or "b" in request.GET:
        try:
            a = by_number[int(request.GET.get("a", ""))]
            b = by_number[int(request.GET.get("b", ""))]
        except (KeyError, ValueError):
            error = "Choose two versions of this charter to compare."
        else:
            diff = diff_lines(a, b)
    ctx = {"group": group, "versions": versions, "diff": diff, "a": a, "b": b, "diff_error": error}
    return render_page(request, "groups/charter_history.html", ctx, partial="diff", status=400 if error else 200)


def _visible_version(request, group, number):
    version = get_object_or_404(
        CharterVersion.objects.select_related("author", "decided_by"), group=group, number=number
    )
    if version.status in (CharterVersion.Status.DRAFT, CharterVersion.Status.SUBMITTED) and not (
        rules.test_rule("groups.amend_charter", request.user, group)
        or rules.test_rule("groups.decide_charter", request.user, group)
    ):
        raise Http404("No such charter version.")
    return version


@require_GET
def charter_version(request, slug, number):
    group = _get_group(slug)
    version = _visible_version(request, group, number)
    return render_page(request, "groups/charter_version.html", {"group": group, "version": version})


@login_required
@require_POST
def charter_amend(request, slug):
    group = _get_group(slug)
    if not rules.test_rule("groups.amend_charter", request.user, group):
        raise PermissionDenied(
            f"Only a {group.lead_title.lower()} of {group.name} or a core maintainer may amend its charter."
        )
    try:
        version = services.charter_start_amendment(group=group, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(group)
    return redirect("groups:charter_edit", group.slug, version.number)


def _section_rows(version):
    return [
        {"key": key, "title": title, "text": version.sections.get(key, ""), "html": version.sections_html.get(key, "")}
        for key, title in CharterSection.choices
    ]


@login_required
@require_http_methods(["GET", "POST"])
def charter_edit(request, slug, number):
    group = _get_group(slug)
    if not rules.test_rule("groups.amend_charter", request.user, group):
        raise PermissionDenied("Only the group's leads or core maintainers may edit its charter.")
    version = get_object_or_404(CharterVersion, group=group, number=number)
    status = 200
    if request.method == "POST" and "key" not in request.POST:
        return _charter_save_all(request, group, version)
    if request.method == "POST":  # one section (kept for scripts and older pages)
        form = SectionForm(request.POST)
        key, error = request.POST.get("key", ""), None
        if form.is_valid():
            try:
                version = services.charter_edit_section(
                    version=version, by=request.user, key=form.cleaned_data["key"], text=form.cleaned_data["text"]
                )
            except DomainError as exc:
                error = exc.message
        else:
            error = "That section could not be saved: " + "; ".join(form.errors.get("text", ["unknown section"]))
        if wants_partial(request) and key in CharterSection.values:
            row = next(r for r in _section_rows(version) if r["key"] == key)
            ctx = {
                "group": group,
                "version": version,
                "row": row,
                "saved": not error,
                "section_error": error,
                "editable": version.status == CharterVersion.Status.DRAFT,
            }
            return render_page(request, "groups/charter_edit.html", ctx, partial="section")
        if not error:
            messages.success(request, "Section saved.")
            return redirect("groups:charter_edit", group.slug, version.number)
        messages.error(request, error)
        status = 400
    return _charter_editor(request, group, version, CharterDraftForm(version=version), status=status)


def _charter_editor(request, group, version, form, *, status=200, error=None):
    ctx = {
        "group": group,
        "version": version,
        "form": form,
        "rows": form.rows(version),
        "editable": version.status == CharterVersion.Status.DRAFT,
        "editor_error": error,
    }
    return render_page(request, "groups/charter_edit.html", ctx, status=status)


def _charter_save_all(request, group, version):
    """Save every section; with "submit", then submit the draft. Nothing typed is lost: on any
    error the page comes back with what was posted, and sections already saved stay saved."""
    form = CharterDraftForm(request.POST, version=version)
    submit = request.POST.get("action") == "submit"
    if not form.is_valid():
        return _charter_editor(
            request, group, version, form, status=400, error="Nothing is saved yet: please fix what is marked below."
        )
    try:
        version, changed = services.charter_edit_sections(version=version, by=request.user, texts=form.texts())
    except DomainError as exc:
        return _charter_editor(request, group, version, form, status=400, error=exc.message)
    if not submit:
        messages.success(request, "Draft saved." if changed else "No changes to save.")
        return redirect_response(
            request, reverse("groups:charter_edit", args=[group.slug, version.number])
        ) or redirect("groups:charter_edit", group.slug, version.number)
    summary = form.cleaned_data["summary"].strip()
    if not summary:
        form.add_error("summary", "Say in one line what this amendment changes.")
        return _charter_editor(
            request, group, version, form, status=400, error="Your sections are saved; the draft is not submitted yet."
        )
    try:
        services.charter_submit(version=version, by=request.user, summary=summary)
    except DomainError as exc:
        return _charter_editor(
            request, group, version, form, status=400, error=f"Your sections are saved; {exc.message}"
        )
    messages.success(request, f"Version {version.number} is saved and submitted; core maintainers decide in the admin.")
    url = reverse("groups:charter_history", args=[group.slug])
    return redirect_response(request, url) or redirect(url)


@login_required
@require_POST
def charter_preview(request, slug):
    group = _get_group(slug)
    if not rules.test_rule("groups.amend_charter", request.user, group):
        raise PermissionDenied("Only the group's leads or core maintainers may edit its charter.")
    data = request.POST.copy()
    if "text" not in data:  # the one-form editor names each textarea section_<key>
        data["text"] = data.get(f"section_{data.get('key', '')}", "")
    form = SectionForm(data)
    if not form.is_valid():  # e.g. longer than a section may be: say so instead of rendering it
        error = "; ".join(e for errors in form.errors.values() for e in errors)
        return render_fragment(request, "groups/charter_edit.html#preview", {"preview_error": error})
    html = render_section(form.cleaned_data["text"])
    # a preview is only ever a fragment (hx-post from the editor), never a page of its own
    return render_fragment(
        request, "groups/charter_edit.html#preview", {"preview_html": html, "key": form.cleaned_data["key"]}
    )


@login_required
@require_POST
def charter_submit(request, slug, number):
    group = _get_group(slug)
    version = get_object_or_404(CharterVersion, group=group, number=number)
    form = SubmitCharterForm(request.POST)
    if not rules.test_rule("groups.amend_charter", request.user, group):
        raise PermissionDenied("Only the group's leads or core maintainers may submit a charter amendment.")
    if not form.is_valid():
        messages.error(request, "Say in one line what this amendment changes.")
        return redirect("groups:charter_edit", group.slug, version.number)
    try:
        services.charter_submit(version=version, by=request.user, summary=form.cleaned_data["summary"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("groups:charter_edit", group.slug, version.number)
    messages.success(request, f"Version {version.number} is submitted; core maintainers decide in the admin.")
    return redirect("groups:charter_history", group.slug)


# --- nominations (T3) ------------------------------------------------------------------------------


def _candidates(group):
    from portal.models import User

    return (
        User.objects.filter(
            memberships__group=group,
            memberships__ended_at__isnull=True,
            memberships__tier=Tier.PARTICIPANT,
            memberships__status=Membership.Status.ACTIVE,
        )
        .exclude(pk__in=Nomination.objects.open().filter(group=group).values("nominee_id"))  # already nominated
        .order_by("display_name", "username")
    )


@login_required
@require_http_methods(["GET", "POST"])
def nominate(request, slug):
    group = _get_group(slug)
    if not rules.test_rule("groups.nominate", request.user, group):
        raise PermissionDenied(f"Only members and {group.lead_title.lower()}s of {group.name} may nominate.")
    form = NominationForm(request.POST or None, candidates=_candidates(group))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                nomination = services.nomination_open(
                    group=group,
                    nominee=form.cleaned_data["nominee"],
                    by=request.user,
                    rationale=form.cleaned_data["rationale"],
                    override_reason=form.cleaned_data["override_reason"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"{nomination.nominee.name} is nominated; objections are open until the deadline shown below.",
                )
                # a new page: htmx navigates to it
                return redirect_response(request, nomination.get_absolute_url()) or redirect(nomination)
        status = 400
    ctx = {
        "group": group,
        "form": form,
        "is_lead": selectors.is_lead(request.user, group),
        "min_participation": settings.GOVERNANCE["NOMINATION_MIN_PARTICIPATION"],
        "objection_window": settings.GOVERNANCE["NOMINATION_OBJECTION_WINDOW"],
    }
    return render_page(request, "groups/nominate.html", ctx, partial="form", status=status)


def _get_nomination(slug, pk):
    return get_object_or_404(
        Nomination.objects.select_related("group", "nominee", "nominator", "closed_by"), group__slug=slug, pk=pk
    )


def _nomination_ctx(request, nomination, **extra):
    return {
        "group": nomination.group,
        "nomination": nomination,
        "objections": list(nomination.objections.select_related("by")),
        "can_object": nomination.is_open and rules.test_rule("groups.object_nomination", request.user, nomination),
        "can_withdraw": nomination.is_open and rules.test_rule("groups.withdraw_nomination", request.user, nomination),
        "object_form": extra.pop("object_form", None) or ReasonForm(),
        **extra,
    }


def _nomination_answer(request, nomination, error, done, **extra):
    """After an objection or withdrawal: the refreshed summary for htmx, else a message and redirect."""
    if wants_partial(request):
        nomination.refresh_from_db()
        ctx = _nomination_ctx(request, nomination, action_error=error, **extra)
        return render_page(request, "groups/nomination.html", ctx, partial="summary", status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(nomination)


@require_GET
def nomination(request, slug, pk):
    nomination = _get_nomination(slug, pk)
    if wants_partial(request) and request.GET.get("part") == "countdown":
        return render_page(request, "groups/nomination.html", {"nomination": nomination}, partial="countdown")
    return render_page(request, "groups/nomination.html", _nomination_ctx(request, nomination))


@login_required
@require_POST
def nomination_object(request, slug, pk):
    nomination = _get_nomination(slug, pk)
    if not rules.test_rule("groups.object_nomination", request.user, nomination):
        raise PermissionDenied("Only the group's leads, core maintainers and lead maintainers may object.")
    form = ReasonForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.nomination_object(nomination=nomination, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            error = exc.message
    else:
        error = form.errors["reason"][0]
    done = "Your objection is recorded; the nomination will close as objected."
    return _nomination_answer(request, nomination, error, done, object_form=form if error else None)


@login_required
@require_POST
def nomination_withdraw(request, slug, pk):
    nomination = _get_nomination(slug, pk)
    if not rules.test_rule("groups.withdraw_nomination", request.user, nomination):
        raise PermissionDenied("Only the nominator or the nominee may withdraw a nomination.")
    error = None
    try:
        services.nomination_withdraw(nomination=nomination, by=request.user)
    except DomainError as exc:
        error = exc.message
    return _nomination_answer(request, nomination, error, "The nomination is withdrawn.")


# --- T4 restore, G7 retirement, queue -------------------------------------------------------------


@login_required
@require_POST
def member_restore(request, slug, pk):
    group = _get_group(slug)
    m = get_object_or_404(Membership.objects.select_related("user", "group"), group=group, pk=pk)
    if not rules.test_rule("groups.restore_member", request.user, group):
        raise PermissionDenied(f"Only a {group.lead_title.lower()} of {group.name} may restore a member.")
    try:
        services.membership_restore(membership=m, by=request.user)
        messages.success(request, f"{m.user.name} is an active member again.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(group)


@login_required
@require_POST
def retire_propose(request, slug):
    group = _get_group(slug)
    if not rules.test_rule("groups.propose_retirement", request.user, group):
        raise PermissionDenied(f"Only a {group.lead_title.lower()} or a core maintainer may propose retirement.")
    form = RationaleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A retirement proposal needs a rationale.")
        return redirect(group)
    try:
        services.retirement_propose(group=group, by=request.user, rationale=form.cleaned_data["rationale"])
        messages.success(request, "Retirement proposed; a core or lead maintainer decides.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(group)


@login_required
@require_POST
def retire_decide(request, slug, pk):
    group = _get_group(slug)
    proposal = get_object_or_404(RetirementProposal, group=group, pk=pk)
    if not rules.test_rule("groups.approve_retirement", request.user, group):
        raise PermissionDenied("Only core maintainers and lead maintainers decide on retirement.")
    form = RationaleForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if not form.is_valid() or request.POST.get("decision") not in ("approve", "decline"):
        messages.error(request, "Choose approve or decline and write a rationale.")
        return redirect(group)
    try:
        services.retirement_decide(
            proposal=proposal, by=request.user, approve=approve, rationale=form.cleaned_data["rationale"]
        )
        messages.success(request, f"{group.name} is retired." if approve else "Retirement declined.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(group)


@login_required
@require_GET
def queue(request):
    """Core-maintainer queue: inactive WGs (G7), charters to decide (G5), proposed groups, retirements."""
    if not rules.test_rule("groups.view_queue", request.user):
        raise PermissionDenied("The groups queue is for core maintainers.")
    ctx = {
        "inactive": Group.objects.active().filter(inactive_since__isnull=False).order_by("inactive_since"),
        "charters": CharterVersion.objects.filter(status=CharterVersion.Status.SUBMITTED)
        .select_related("group", "author")
        .order_by("submitted_at"),
        "proposed": Group.objects.filter(state=Group.State.PROPOSED).annotate(sponsor_count=Count("sponsorships")),
        "retirements": RetirementProposal.objects.filter(status=RetirementProposal.Status.OPEN).select_related(
            "group", "proposed_by"
        ),
    }
    return render_page(request, "groups/queue.html", ctx)
