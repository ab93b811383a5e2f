"""Thin views: permission check here, then form, service, render (page or #partial for htmx)."""

from datetime import timedelta
from functools import cache

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.models import Group
from portal.errors import DomainError
from portal.htmx import redirect_response, render_fragment, render_page, wants_partial
from portal.models import timezone_names
from portal.widgets import FastSelect, MemoChoices

from . import links, services
from . import series as meeting_series
from .forms import (
    MARKDOWN_MAX,
    AgendaItemForm,
    CancelForm,
    DecideForm,
    FilterForm,
    MeetingForm,
    NotesForm,
    PublishForm,
    SeriesEndForm,
    SeriesForm,
)
from .models import AgendaItem, Meeting, MeetingSeries, governance_labels, publish_ahead, render_section
from .publication import publication_warning
from .rules import lead_group_ids
from .selectors import compliance_chart, compliance_rows

PAGE_SIZE = 20
QUEUE_SIZE = 50  # compliance queues list this many, oldest problems first, and say how many there are


def _manageable_groups(user):
    qs = Group.objects.exclude(state=Group.State.RETIRED)
    if user.is_core_maintainer:
        return qs
    return qs.filter(pk__in=lead_group_ids(user))


# --- lists -----------------------------------------------------------------------------------
# the list shows none of the Markdown sources or their HTML
LIST_DEFERRED = ("agenda_md", "agenda_html", "notes_md", "notes_html", "group__mission_summary")


def _group_choices() -> list:
    return list(Group.objects.exclude(state=Group.State.PROPOSED).order_by("name").values_list("slug", "name"))


def _group_select(selected):
    """The group filter lists every group (hundreds): read once per data version (portal.dataversion.memo)
    and built in Python, not one template loop per option."""
    choices = MemoChoices("meetings:group-choices", _group_choices, blank=("", "All groups"))
    widget = FastSelect(attrs={"id": "f-group"}, choices=choices)
    return widget.render("group", selected or None)


@require_GET
def index(request):
    form = FilterForm(request.GET)
    f = form.cleaned_data if form.is_valid() else {}  # unknown filter values are ignored, not an error
    when = f.get("when") or "upcoming"
    now = timezone.now()
    qs = Meeting.objects.upcoming(now) if when == "upcoming" else Meeting.objects.past(now)
    if f.get("group"):
        qs = qs.filter(group__slug=f["group"])
    if f.get("kind"):
        qs = qs.filter(group__kind=f["kind"])
    rows = qs.select_related("group").defer(*LIST_DEFERRED)
    partial = wants_partial(request)
    ctx = {  # the page and the group select are callables: the template's fragments call them on a miss only
        "page": cache(lambda: Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))),
        "when": when,
        "filters": f,
        "group_select": "" if partial else (lambda: _group_select(f.get("group"))),
        "kinds": Group.Kind.choices,
        "feed_all_url": links.feed_all_url(),
        "private_feed_url": links.feed_private_url(request.user.calendar_token)
        if request.user.is_authenticated
        else "",
        "can_schedule": request.user.is_authenticated
        and (request.user.is_core_maintainer or bool(lead_group_ids(request.user))),
        "now": now,
    }
    return render_page(request, "meetings/index.html", ctx, partial="results")


# --- one meeting -------------------------------------------------------------------------------
def _visible_meeting(request, pk) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("group", "series", "late_published_by"), pk=pk)
    if not meeting.is_valid and not rules.test_rule("meetings.manage_meeting", request.user, meeting):
        raise Http404("No such meeting")  # drafts and missed publications are never shown as meetings
    return meeting


def _detail_context(request, meeting, **extra):
    user = request.user
    can_manage = rules.test_rule("meetings.manage_meeting", user, meeting)
    items = list(meeting.agenda_items.select_related("proposed_by"))
    now = timezone.now()
    ctx = {
        "meeting": meeting,
        "now": now,
        "can_manage": can_manage,
        # a cancelled or past meeting's items can no longer be accepted or declined
        "can_decide": can_manage and meeting.status == Meeting.Status.PUBLISHED,
        "can_propose": meeting.status == Meeting.Status.PUBLISHED
        and meeting.starts_at > now
        and rules.test_rule("meetings.propose_agenda_item", user, meeting),
        "can_publish_late": rules.test_rule("meetings.publish_late", user, meeting),
        "accepted": [i for i in items if i.status == AgendaItem.Status.ACCEPTED],
        "proposed": [i for i in items if i.status == AgendaItem.Status.PROPOSED],
        "declined": [i for i in items if i.status == AgendaItem.Status.DECLINED],
        "attendances": list(meeting.attendances.select_related("user")),
        "earliest_start": services.earliest_publishable_start(now),
        "ics_url": reverse("meetings:ics", args=[meeting.pk]),
        "google_url": links.google_calendar_url(meeting),
        "group_feed_url": links.feed_group_url(meeting.group.slug),
        "agenda_form": AgendaItemForm(),
        "publish_form": PublishForm(),
        "cancel_form": CancelForm(),
        **governance_labels(),
    }
    ctx["group_feed_webcal"] = links.webcal(ctx["group_feed_url"])
    ctx.update(extra)
    return ctx


def _render_detail(request, meeting, status=200, **extra):
    meeting.refresh_from_db()
    return render_page(
        request, "meetings/detail.html", _detail_context(request, meeting, **extra), partial="body", status=status
    )


@require_GET
def detail(request, pk):
    meeting = _visible_meeting(request, pk)
    return render_page(request, "meetings/detail.html", _detail_context(request, meeting))


def _act(request, meeting, fn, success: str, **extra):
    """Run a service; success -> redirect (or partial), domain error -> 400 page (or partial) with the message."""
    try:
        fn()
    except DomainError as exc:
        return _render_detail(request, meeting, status=400, error=exc.message, **extra)
    if wants_partial(request):
        return _render_detail(request, meeting, success=success)
    messages.success(request, success)
    return redirect(meeting)


@login_required
@require_POST
def publish(request, pk):
    meeting = _visible_meeting(request, pk)
    if not rules.test_rule("meetings.manage_meeting", request.user, meeting):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, meeting, status=400, error="The reason for publishing late is too long.")
    reason = form.cleaned_data["late_reason"]
    return _act(
        request,
        meeting,
        lambda: services.meeting_publish(meeting=meeting, by=request.user, late_reason=reason),
        "The meeting is published.",
    )


@login_required
@require_POST
def cancel(request, pk):
    meeting = _visible_meeting(request, pk)
    if not rules.test_rule("meetings.manage_meeting", request.user, meeting):
        raise PermissionDenied
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, meeting, status=400, error="Say why the meeting is cancelled.", cancel_form=form)
    return _act(
        request,
        meeting,
        lambda: services.meeting_cancel(meeting=meeting, by=request.user, reason=form.cleaned_data["reason"]),
        "The meeting is cancelled; it stays listed as cancelled.",
    )


@login_required
@require_POST
def propose_item(request, pk):
    meeting = _visible_meeting(request, pk)
    if not rules.test_rule("meetings.propose_agenda_item", request.user, meeting):
        raise PermissionDenied("Participants of the group propose agenda items.")
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        return _render_detail(
            request,
            meeting,
            status=400,
            error="Your agenda item is not proposed yet: please fix what is marked below.",
            agenda_form=form,
        )
    return _act(
        request,
        meeting,
        lambda: services.agenda_item_propose(meeting=meeting, by=request.user, **form.cleaned_data),
        "Your agenda item is proposed; a lead will accept or decline it.",
    )


@login_required
@require_POST
def decide_item(request, pk, item_pk):
    meeting = _visible_meeting(request, pk)
    item = get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=item_pk, meeting=meeting)
    if not rules.test_rule("meetings.decide_agenda_item", request.user, meeting):
        raise PermissionDenied
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, meeting, status=400, error="Choose accept or decline.")
    accept = form.cleaned_data["decision"] == "accept"
    return _act(
        request,
        meeting,
        lambda: services.agenda_item_decide(item=item, by=request.user, accept=accept, note=form.cleaned_data["note"]),
        "Agenda item accepted." if accept else "Agenda item declined.",
    )


# --- forms on their own pages --------------------------------------------------------------------
def _form_page(request, template, ctx, status=200):
    ctx = {**governance_labels(), **ctx}
    return render_page(request, template, ctx, partial="form", status=status)


def _submit(request, form, action, *, success, url):
    """The POST of a form page: valid -> run `action(cleaned_data)` (a service), flash `success`,
    redirect to `url` (HX-Redirect for htmx). Invalid or refused -> None, and the page is shown
    again with the errors (status 400). `success` and `url` may be callables of the result."""
    if not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    text = success(result) if callable(success) else success
    messages.add_message(request, messages.WARNING if isinstance(text, Caution) else messages.SUCCESS, text)
    target = url(result) if callable(url) else url
    return redirect_response(request, target) or redirect(target)


class Caution(str):
    """A success message that needs the person's attention: shown as a warning."""


def _draft_saved_message(meeting) -> str:
    warning = publication_warning(meeting)
    if warning:
        return Caution(f"Draft saved, but note: {warning}")
    return f"Draft saved. Publish it at least {governance_labels()['ahead_days']} days before it starts."


def _edit_saved_message(meeting) -> str:
    warning = publication_warning(meeting)
    return Caution(f"Saved, but note: {warning}") if warning else "Saved. Calendars pick up the change."


def _group_meetings_url(group) -> str:
    return f"{reverse('meetings:index')}?group={group.slug}"


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request):
    groups = _manageable_groups(request.user)
    if not request.user.is_core_maintainer and not groups.exists():
        raise PermissionDenied("Only leads of a group and core maintainers schedule meetings.")
    initial = {"timezone_name": request.timezone_name}
    if request.GET.get("group"):
        g = groups.filter(slug=request.GET["group"]).first()
        if g:
            initial["group"] = g
    form = MeetingForm(request.POST or None, groups=groups, initial=initial)
    status = 200
    if request.method == "POST":
        done = _submit(
            request,
            form,
            lambda d: services.meeting_schedule(group=d["group"], by=request.user, **form.meeting_fields()),
            success=_draft_saved_message,
            url=lambda meeting: meeting.get_absolute_url(),
        )
        if done:
            return done
        status = 400
    ctx = {"form": form, "heading": "Schedule a meeting", "timezones": timezone_names()}
    return _form_page(request, "meetings/form.html", ctx, status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    meeting = _visible_meeting(request, pk)
    if not rules.test_rule("meetings.manage_meeting", request.user, meeting):
        raise PermissionDenied
    form = MeetingForm(request.POST or None, fixed_group=meeting.group, initial=MeetingForm.initial_for(meeting))
    status = 200
    if request.method == "POST":
        done = _submit(
            request,
            form,
            lambda d: services.meeting_edit(meeting=meeting, by=request.user, **form.meeting_fields()),
            success=_edit_saved_message,
            url=meeting.get_absolute_url(),
        )
        if done:
            return done
        status = 400
    ctx = {"form": form, "meeting": meeting, "heading": f"Edit “{meeting.title}”", "timezones": timezone_names()}
    return _form_page(request, "meetings/form.html", ctx, status)


def _series_created_message(series) -> str:
    text = f"Series “{series.title}” created; its meetings are generated ahead."
    if getattr(series, "moved_from", None):
        text += (
            f" It starts on {series.first_date:%a %-d %b %Y}, its first date that can still be published on time"
            f" ({publish_ahead().days} days ahead), not on {series.moved_from:%a %-d %b %Y}."
        )
    return text


@login_required
@require_http_methods(["GET", "POST"])
def series_new(request):
    groups = _manageable_groups(request.user)
    if not request.user.is_core_maintainer and not groups.exists():
        raise PermissionDenied("Only leads of a group and core maintainers create series.")
    initial = {"timezone_name": request.timezone_name}
    chosen = groups.filter(slug=request.GET.get("group", "")).first() if request.GET.get("group") else None
    if chosen:
        initial["group"] = chosen
    form = SeriesForm(request.POST or None, groups=groups, initial=initial)

    def create(d):
        return meeting_series.series_create(
            group=d["group"],
            by=request.user,
            title=d["title"],
            frequency=d["frequency"],
            first_date=d["first_date"],
            local_time=d["local_time"],
            timezone_name=d["timezone_name"],
            duration=timedelta(minutes=d["duration_minutes"]),
            join_url=d["join_url"],
            agenda_md=d["agenda_md"],
            until=d["until"],
            auto_publish=d["auto_publish"],
            keep_early_dates=d["keep_early_dates"],
        )

    status = 200
    if request.method == "POST":
        done = _submit(
            request,
            form,
            create,
            success=_series_created_message,
            url=lambda series: _group_meetings_url(series.group),
        )
        if done:
            return done
        status = 400
    ctx = {"form": form, "heading": "Create a recurring series", "timezones": timezone_names(), "series": True}
    return _form_page(request, "meetings/form.html", ctx, status)


@login_required
@require_http_methods(["GET", "POST"])
def series_end(request, pk):
    """End a series: generation stops; future drafts are cancelled; published ones kept or cancelled."""
    series = get_object_or_404(MeetingSeries.objects.select_related("group"), pk=pk)
    if not rules.test_rule("meetings.manage_meeting", request.user, series.group):
        raise PermissionDenied("Only the group's leads and core maintainers end a series.")
    form = SeriesEndForm(request.POST if request.method == "POST" else None)  # an empty POST is a valid answer
    status = 200
    if request.method == "POST":
        done = _submit(
            request,
            form,
            lambda d: meeting_series.series_end(series=series, by=request.user, **d),
            success=lambda n: (
                f"Series “{series.title}” ended: no more meetings are generated; "
                f"{n['cancelled']} cancelled, {n['kept']} published kept."
            ),
            url=_group_meetings_url(series.group),
        )
        if done:
            return done
        status = 400
    upcoming = series.meetings.filter(starts_at__gt=timezone.now()).exclude(status=Meeting.Status.CANCELLED)
    ctx = {
        "form": form,
        "series": series,
        "heading": f"End the series “{series.title}”",
        "published_count": upcoming.filter(status=Meeting.Status.PUBLISHED).count(),
        "draft_count": upcoming.exclude(status=Meeting.Status.PUBLISHED).count(),
    }
    return _form_page(request, "meetings/series_end.html", ctx, status)


@login_required
@require_http_methods(["GET", "POST"])
def notes(request, pk):
    meeting = _visible_meeting(request, pk)
    if not rules.test_rule("meetings.manage_meeting", request.user, meeting):
        raise PermissionDenied
    initial = {
        "notes_md": meeting.notes_md,
        "attendees": list(meeting.attendances.values_list("user_id", flat=True)),
        "guests": "\n".join(meeting.attendance_guests or []),
    }
    form = NotesForm(request.POST or None, meeting=meeting, initial=initial)

    @transaction.atomic
    def publish(d):
        services.meeting_publish_notes(meeting=meeting, by=request.user, notes_md=d["notes_md"])
        services.meeting_set_attendance(
            meeting=meeting, by=request.user, users=form.attendee_users(), guests=form.attendee_guests()
        )

    def published(_):
        unverified = getattr(form, "unverified_handles", [])
        if not unverified:
            return "Notes and attendance published."
        handles = ", ".join(f"@{h}" for h in unverified)
        return Caution(
            f"Notes and attendance published. Nobody here has verified {handles} yet, so they are listed as "
            "guests: once they sign in with GitHub, pick them from the list to count their attendance."
        )

    status = 200
    if request.method == "POST":
        done = _submit(request, form, publish, success=published, url=meeting.get_absolute_url())
        if done:
            return done
        status = 400
    ctx = {"form": form, "meeting": meeting, "heading": f"Notes of “{meeting.title}”"}
    return _form_page(request, "meetings/notes_form.html", ctx, status)


@login_required
@require_POST
def preview(request):
    """Live markdown preview (htmx): the same renderer the save uses."""
    source = request.POST.get("agenda_md", request.POST.get("notes_md", ""))
    return render_fragment(request, "meetings/_preview.html", {"html": render_section(source[:MARKDOWN_MAX])})


# --- compliance (core maintainers) -----------------------------------------------------------
@login_required
@require_GET
def compliance(request):
    if not rules.test_rule("meetings.view_compliance", request.user):
        raise PermissionDenied("The compliance queue is for core maintainers.")
    now = timezone.now()
    rows = compliance_rows(now)
    ctx = {
        "missed": list(
            Meeting.objects.missed_publication().select_related("group").order_by("-starts_at")[:QUEUE_SIZE]
        ),
        "overdue": list(Meeting.objects.notes_overdue().select_related("group").order_by("ends_at")[:QUEUE_SIZE]),
        "missed_count": Meeting.objects.missed_publication().count(),
        "overdue_count": Meeting.objects.notes_overdue().count(),
        "rows": rows,
        "chart": compliance_chart(rows),
        **governance_labels(),
        "now": now,
    }
    return render_page(request, "meetings/compliance.html", ctx)
