"""Calendar links. The canonical feed addresses (/meetings.ics, /groups/<slug>/meetings.ics,
/calendar/<token>.ics) are mounted at the site root from `meetings.urls.root_urlpatterns`; until
they are, the same views answer under /meetings/ and these helpers link there."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def _first(names, *args) -> str:
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(names[-1])


def feed_all_url() -> str:
    return _first(["meetings_feed_all", "meetings:feed_all"])


def feed_group_url(slug: str) -> str:
    return _first(["meetings_feed_group", "meetings:feed_group"], slug)


def feed_private_url(token: str) -> str:
    return _first(["meetings_feed_private", "meetings:feed_private"], token)


def webcal(path: str) -> str:
    return "webcal://" + settings.SITE_URL.split("://", 1)[-1] + path


def google_calendar_url(meeting) -> str:
    utc = ZoneInfo("UTC")
    fmt = "%Y%m%dT%H%M%SZ"
    dates = f"{meeting.starts_at.astimezone(utc):{fmt}}/{meeting.ends_at.astimezone(utc):{fmt}}"
    details = f"Agenda and notes: {settings.SITE_URL}{meeting.get_absolute_url()}\nJoin: {meeting.join_url}"
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": f"{meeting.title} ({meeting.group.name})",
            "dates": dates,
            "details": details,
            "location": meeting.join_url,
            "ctz": meeting.timezone_name,
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"
