"""iCalendar (RFC 5545) feeds with icalendar: stable UIDs, SEQUENCE, STATUS, VTIMEZONE, DTSTAMP, URL.

Feeds hold the meetings from FEED_PAST (90 days) back to FEED_AHEAD (a year) ahead; older and later
meetings stay on the site. They answer conditional GETs with an ETag that is a hash of the body,
rendered once per data version (`portal.feedcache`), so any write by any path that changes a feed
changes its ETag (M6).
"""

from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from portal import feedcache
from portal.validation import text_safe

from .models import Meeting

FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=365)
FEED_UPCOMING_LIMIT = 400  # a feed holds the next meetings first, then the most recent past ones
FEED_PAST_LIMIT = 100
CONTENT_TYPE = "text/calendar; charset=utf-8"
VTIMEZONE_YEARS = 5
FEED_FORMAT = 3  # part of every ETag: bump when the feed's shape changes, so clients and the cache refetch


def uid_for(meeting) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0] or "portal"
    return f"meeting-{meeting.pk}@{host}"


def _state(zone, moment):
    local = moment.astimezone(zone)
    return local.utcoffset(), local.dst(), local.tzname()


def _transitions(zone, start, end):
    """(instant, state before, state after) of every change of offset or name between two UTC
    instants, read from zoneinfo itself: day by day, then to the minute."""
    day, minute = timedelta(days=1), timedelta(minutes=1)
    moment, before = start, _state(zone, start)
    while moment < end:
        nxt = moment + day
        after = _state(zone, nxt)
        if after != before:
            lo, hi = moment, nxt  # the change happens in (lo, hi]
            while hi - lo > minute:
                mid = lo + (hi - lo) // 2
                mid -= timedelta(seconds=mid.second, microseconds=mid.microsecond)
                mid = mid if mid > lo else lo + minute
                lo, hi = (mid, hi) if _state(zone, mid) == before else (lo, mid)
            yield hi, before, _state(zone, hi)
        moment, before = nxt, after


def _observance(kind, local_start, offset_from, offset_to, name):
    part = TimezoneDaylight() if kind else TimezoneStandard()
    part.add("dtstart", local_start.replace(tzinfo=None))
    part.add("tzoffsetfrom", offset_from)
    part.add("tzoffsetto", offset_to)
    if name:
        part.add("tzname", name)
    return part


@cache
def _vtimezone(name: str, first_year: int, last_year: int) -> bytes:
    """VTIMEZONE of `name` over the given years: one STANDARD/DAYLIGHT observance per transition,
    each with its own DTSTART, computed from zoneinfo.

    icalendar's `Timezone.from_tzid` lists transitions as RDATE values, which dateutil-based readers
    (vobject) and some clients misread (every summer meeting an hour off), and it leaves out some
    years of irregular zones (Africa/Casablanca). Single DTSTARTs are read the same way everywhere.
    """
    zone = ZoneInfo(name)
    utc = ZoneInfo("UTC")
    start = datetime(first_year, 1, 1, tzinfo=utc)
    out = Timezone()
    out.add("tzid", name)
    offset, dst, tzname = _state(zone, start)
    out.add_component(_observance(bool(dst), start.astimezone(zone), offset, offset, tzname))
    for moment, before, after in _transitions(zone, start, datetime(last_year + 1, 1, 1, tzinfo=utc)):
        # DTSTART is the local time of the change in the offset in force before it (RFC 5545 3.6.5)
        local_before = (moment + before[0]).replace(tzinfo=None)
        out.add_component(_observance(bool(after[1]), local_before, before[0], after[0], after[2]))
    return out.to_ical()


def window(now=None) -> tuple[datetime, datetime]:
    """The calendar feeds' window: from FEED_PAST before the start of today (UTC) to FEED_AHEAD
    after it. Day-aligned, so a feed's content depends only on the data and the day; older and
    later meetings stay on the site."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo("UTC")).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - FEED_PAST, today + FEED_AHEAD


def feed_queryset(qs, now=None):
    """What a feed holds: valid meetings (published, or cancelled after publication) in the window."""
    start, end = window(now)
    return (
        qs.valid().filter(starts_at__gte=start, starts_at__lt=end).select_related("group").order_by("starts_at", "pk")
    )


def describe(meeting) -> str:
    url = settings.SITE_URL + meeting.get_absolute_url()
    parts = []
    if meeting.status == Meeting.Status.CANCELLED:
        parts.append(f"Cancelled: {meeting.cancelled_reason}")
    parts.append(f"{meeting.group.name}: agenda, notes and attendance at {url}")
    parts.append(f"Join: {meeting.join_url}")
    if meeting.agenda_md:
        parts.append(meeting.agenda_md[:2000])
    return text_safe("\n\n".join(parts))


def build_calendar(meetings, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", vText(" ".join(text_safe(name).split())))
    # zone -> years its VTIMEZONE covers: from the year before its first meeting to at least
    # VTIMEZONE_YEARS ahead (clients keep a TZID's definition once seen, so it must reach far).
    this_year = timezone.now().year
    zones = {}
    events = []
    for m in meetings:
        year = m.local_start.year
        first, last = zones.get(m.timezone_name, (year - 1, this_year + VTIMEZONE_YEARS))
        zones[m.timezone_name] = (min(first, year - 1), max(last, year))
        ev = Event()
        ev.add("uid", uid_for(m))
        ev.add("dtstamp", m.updated_at.astimezone(ZoneInfo("UTC")).replace(microsecond=0))
        ev.add("sequence", m.sequence)
        ev.add("summary", text_safe(f"{m.title} ({m.group.name})"))  # any typed text stays valid (M6)
        ev.add("dtstart", m.starts_at.astimezone(m.zone))
        ev.add("dtend", m.ends_at.astimezone(m.zone))
        ev.add("url", settings.SITE_URL + m.get_absolute_url())
        ev.add("location", vText(text_safe(m.join_url)))
        ev.add("description", describe(m))
        ev.add("last-modified", m.updated_at.astimezone(ZoneInfo("UTC")).replace(microsecond=0))
        ev.add("status", "CANCELLED" if m.status == Meeting.Status.CANCELLED else "CONFIRMED")
        ev.add("transp", "OPAQUE")
        events.append(ev)
    for zone, (first, last) in sorted(zones.items()):
        cal.add_component(Timezone.from_ical(_vtimezone(zone, first, last)))
    for ev in events:
        cal.add_component(ev)
    return cal.to_ical()


def feed_events(base, now=None) -> list:
    """The meetings a feed lists: the next ones first (up to FEED_UPCOMING_LIMIT), then the most
    recent past ones (up to FEED_PAST_LIMIT), split at the start of today so the list depends
    only on the data and the day."""
    qs = feed_queryset(base, now)
    start, _ = window(now)
    today = start + FEED_PAST
    upcoming = list(qs.filter(ends_at__gt=today)[:FEED_UPCOMING_LIMIT])
    past = list(qs.filter(ends_at__lte=today).order_by("-starts_at", "-pk")[:FEED_PAST_LIMIT])
    return [*reversed(past), *upcoming]


def calendar_response(request, base, name: str, filename: str):
    """The feed of the meetings in `base`, or 304 if the client has it (M6).

    Rendered once per data version and day (`portal.feedcache`); the ETag is a hash of the body,
    so any change to what the feed shows, by any path, changes it.
    """
    start, _ = window()
    etag, body = feedcache.versioned(
        request,
        ("ics", request.path, name, start.date()),
        lambda: build_calendar(feed_events(base), name),
        shape=FEED_FORMAT,
    )
    response = feedcache.conditional(request, etag, body, CONTENT_TYPE)
    if response.status_code == 200:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
