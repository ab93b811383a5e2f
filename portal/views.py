from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import activity, prepared
from .forms import ProfileForm, TimezoneChoiceForm
from .hooks import app_modules
from .htmx import render_page
from .middleware import TZ_COOKIE
from .models import Event, timezone_names


@require_GET
def healthz(request):
    """Bare view for probes and as the benchmarks' baseline."""
    return HttpResponse("ok", content_type="text/plain")


HOME_MEETINGS = 5
HOME_SEPS = 5
HOME_EVENTS = 8


def public_events(limit: int):
    """The site's public timeline: no system pings, no reminder bookkeeping, nothing about meetings the
    public cannot open (drafts, missed publications): their titles are not public and links would 404.

    One query whatever the size of the log: the newest events, read backwards along the created_at
    index, each event about a meeting kept only if that meeting is valid (an EXISTS on its primary
    key; the target id is cast only when it is a meeting's and all digits).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import BigIntegerField, Case, Exists, OuterRef, Q, When
    from django.db.models.functions import Cast

    from meetings.models import Meeting

    meeting_type = ContentType.objects.get_for_model(Meeting)
    meeting_pk = Case(
        When(
            target_type=meeting_type,
            target_id__regex=r"^[0-9]{1,18}$",
            then=Cast("target_id", BigIntegerField()),
        ),
        default=None,
        output_field=BigIntegerField(),
    )
    valid = Meeting.objects.valid().filter(pk=OuterRef("meeting_pk"))
    events = (
        Event.objects.exclude(verb__startswith="system.")
        .exclude(verb__in=activity.QUIET_VERBS)
        .annotate(meeting_pk=meeting_pk)
        .exclude(Q(target_type=meeting_type) & ~Exists(valid))
    )
    return list(activity.for_sentences(events)[:limit])


@require_GET
def home(request):
    """What is coming up and what just changed: four queries whatever the number of rows."""
    from groups.models import Group
    from meetings.models import Meeting
    from seps.models import LIST_DEFERRED, SEP

    @cache
    def group_counts():
        counts = dict(
            Group.objects.filter(state=Group.State.ACTIVE).order_by().values_list("kind").annotate(n=Count("pk"))
        )
        return [{"kind": kind, "label": label, "count": counts.get(kind, 0)} for kind, label in Group.Kind.choices]

    upcoming = (
        Meeting.objects.upcoming().filter(status=Meeting.Status.PUBLISHED).select_related("group")[:HOME_MEETINGS]
    )
    seps = (
        SEP.objects.defer(*LIST_DEFERRED).select_related("group").order_by("-status_changed_at", "-number")[:HOME_SEPS]
    )
    # Lazy querysets and callables: the page's fragments evaluate them on a miss only.
    ctx = {
        "group_counts": group_counts,
        "active_groups": lambda: sum(c["count"] for c in group_counts()),
        "upcoming_meetings": upcoming,
        "recent_seps": seps,
        "recent_events": cache(lambda: public_events(HOME_EVENTS)),
    }
    return render_page(request, "portal/home.html", ctx)


# Apps add panels to the dashboard with `<app>/dashboard.py: panels(request) -> list[dict]`; each dict has
# "template" (rendered with the dict as `panel`) and "title"; optional "order" (lower first).
DASHBOARD_APPS = ("groups", "meetings", "seps")


@dataclass(frozen=True)
class FactsPerson:
    """What an app's `facts(person)` may read about the person. The facts query is built and compiled
    once per shape (portal.prepared): `is_core_maintainer` and whether `handle` is set decide the
    shape; `handle` (the verified GitHub handle, lowercased) and `now` are parameters, stand-ins while
    compiling. The person's row is the outer query (`OuterRef("pk")`)."""

    is_core_maintainer: bool
    handle: str
    now: datetime


def _dashboard_facts(request) -> dict:
    """What each panel needs to know to skip its queries when it has nothing to show, in one query:
    apps add annotations on the person's row with `<app>/dashboard.py: facts(person) -> {name: expr}`
    (counts and EXISTS, each served by an index). A panel finding no fact runs its queries as before.
    The query is compiled once per process and shape (it took ~5 ms of Python to build, the database
    a tenth of that)."""
    from django.db.models import Exists, OuterRef

    from .identity import verified_handle
    from .models import User

    user = request.user
    contributors = tuple(
        module.facts for module in app_modules("dashboard", DASHBOARD_APPS) if hasattr(module, "facts")
    )
    handle = verified_handle(user)

    def build(pk, now, handle=""):
        person = FactsPerson(is_core_maintainer=user.is_core_maintainer, handle=handle, now=now)
        annotations = {"has_events": Exists(Event.objects.filter(actor=OuterRef("pk")))}
        for facts in contributors:
            annotations.update(facts(person))
        return User.objects.filter(pk=pk).annotate(**annotations).values(*annotations)

    values = {"pk": user.pk, "now": timezone.now(), **({"handle": handle} if handle else {})}
    shape = ("dashboard-facts", user.is_core_maintainer, bool(handle), contributors)
    return prepared.first_row(shape, build, **values)


def _app_panels(request) -> list[dict]:
    panels = []
    for module in app_modules("dashboard", DASHBOARD_APPS):
        panels.extend(module.panels(request) or [])
    return sorted(panels, key=lambda p: p.get("order", 100))


@login_required
@require_GET
def dashboard(request):
    """The person's own page. Its panels sit in one fragment keyed on the viewer (issue #14), so the
    facts, the panels' queries and the activity are callables: a warm fragment runs none of them."""
    user = request.user

    @cache
    def facts() -> dict:
        request.dashboard_facts = _dashboard_facts(request)  # the apps' panels read it from the request
        return request.dashboard_facts

    @cache
    def panels() -> list[dict]:
        facts()
        return _app_panels(request)

    @cache
    def my_events() -> list:
        if not facts().get("has_events", True):
            return []
        return list(activity.for_sentences(Event.objects.filter(actor=user))[:8])

    missing = [label for field, label in PROFILE_FIELDS if not getattr(user, field)]
    return render_page(
        request,
        "portal/dashboard.html",
        {"panels": panels, "profile_missing": missing, "my_events": my_events},
    )


PROFILE_FIELDS = (
    ("display_name", "display name"),
    ("github", "GitHub handle"),
    ("discord", "Discord name"),
    ("affiliation", "affiliation"),
)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Your profile is saved.")
            return redirect("portal:profile")
        status = 400
    else:
        status = 200
    return render_page(request, "portal/profile.html", profile_context(request, form=form), status=status)


def profile_context(request, **extra) -> dict:
    from .models import PersonalToken

    return {
        "form": ProfileForm(instance=request.user),
        "timezones": timezone_names(),
        "tokens": list(PersonalToken.objects.filter(user=request.user).order_by("-created_at", "-id")[:50]),
        **extra,
    }


@login_required
@require_POST
def rotate_calendar_token(request):
    request.user.rotate_calendar_token()
    messages.success(request, "Your private calendar address changed; the old one no longer works.")
    return redirect("portal:profile")


@require_POST
def set_timezone(request):
    """An anonymous visitor picks a zone (remembered in a cookie); signed-in people save it."""
    form = TimezoneChoiceForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    if not form.is_valid():
        messages.error(request, form.errors["timezone"][0])
        return redirect(target)
    name = form.cleaned_data["timezone"]
    if request.user.is_authenticated:
        request.user.timezone = name
        request.user.save(update_fields=["timezone"])
    response = redirect(target)
    response.set_cookie(TZ_COOKIE, name, max_age=60 * 60 * 24 * 365, samesite="Lax", httponly=True)
    messages.success(request, f"Times are now shown in {name}.")
    return response
