"""iCalendar feeds (M6): one meeting, a group, every group, and a person's private feed.
The calendar itself is built by `meetings.ical`; these are the views that serve it."""

import re

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from groups.selectors import group_by_slug
from portal.models import User

from . import ical
from .models import Meeting


@require_safe  # calendar clients may probe with HEAD
def meeting_ics(request, pk):
    meeting = get_object_or_404(Meeting.objects.valid().select_related("group"), pk=pk)
    return ical.calendar_response(
        request,
        Meeting.objects.filter(pk=meeting.pk),
        meeting.title,
        f"meeting-{meeting.pk}.ics",
    )


@require_safe  # calendar clients may probe with HEAD
def feed_group(request, slug):
    group = group_by_slug(slug)
    if group is None:
        raise Http404("No such group.")
    return ical.calendar_response(
        request,
        Meeting.objects.filter(group=group),
        f"{group.name} meetings",
        f"{group.slug}-meetings.ics",
    )


@require_safe  # calendar clients may probe with HEAD
def feed_all(request):
    return ical.calendar_response(request, Meeting.objects.all(), "MCP group meetings", "meetings.ics")


@require_safe  # calendar clients may probe with HEAD
def feed_private(request, token):
    # tokens are URL-safe base64 (portal.models.new_calendar_token): anything else is no calendar,
    # and never reaches the database (a NUL would fail there with a 500)
    valid = re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token)
    user = User.objects.filter(calendar_token=token, is_active=True).first() if valid else None
    if user is None:
        raise Http404("No such calendar")
    response = ical.calendar_response(
        request, Meeting.objects.for_groups_of(user), f"My MCP groups ({user.name})", "my-meetings.ics"
    )
    response["X-Robots-Tag"] = "noindex"
    return response
