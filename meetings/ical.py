"""iCalendar (RFC 5545) feeds with icalendar: stable UIDs, SEQUENCE, STATUS, VTIMEZONE, DTSTAMP, URL.

Feeds answer conditional GETs: the ETag and Last-Modified come from one aggregate over the rows
the feed holds (count, latest `updated_at`, latest group version), so any write changes them.
"""

import hashlib
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models import Count, Max, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from portal.validation import text_safe

from .models import Meeting

FEED_PAST = timedelta(days=90)
FEED_UPCOMING_LIMIT = 400  # a feed holds the next meetings first, then the most recent past ones
FEED_PAST_LIMIT = 100
CONTENT_TYPE = "text/calendar; charset=utf-8"
VTIMEZONE_YEARS = 5
FEED_FORMAT = 2  # part of every ETag: bump when the feed's shape changes, so clients and the cache refetch


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


def feed_queryset(qs, now=None):
    """What a feed holds: valid meetings (published, or cancelled after publication), recent and future."""
    now = now or timezone.now()
    return qs.valid().filter(starts_at__gte=now - FEED_PAST).select_related("group").order_by("starts_at", "pk")


def version_of(meetings, groups, now) -> tuple[str, object]:
    """(ETag, Last-Modified) of a feed: two index-backed aggregates, whatever the number of rows.

    `meetings` is the feed's unwindowed set (every write bumps `updated_at`, new rows raise the max
    pk; meetings are never deleted, only cancelled), `groups` the groups it covers (names show in
    summaries; a joined or left group changes the count and sum). The day is part of the version
    because the feed's window moves with it.
    """
    agg = meetings.order_by().aggregate(last=Max("updated_at"), top=Max("pk"))
    gagg = groups.order_by().aggregate(gv=Max("version"), gn=Count("pk"), gs=Sum("pk"))
    today = now.astimezone(ZoneInfo("UTC")).replace(hour=0, minute=0, second=0, microsecond=0)
    raw = f"{FEED_FORMAT}:{agg['top']}:{agg['last'] and agg['last'].isoformat()}:{gagg['gv']}:{gagg['gn']}:{gagg['gs']}:{today.date()}"
    last = max(agg["last"], today) if agg["last"] else today
    return hashlib.sha256(raw.encode()).hexdigest()[:32], last


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


def calendar_response(request, base, groups, name: str, filename: str):
    """The feed of the meetings in `base` (of `groups`), or 304 if the client has it."""
    now = timezone.now()
    etag, last = version_of(base, groups, now)
    qs = feed_queryset(base, now)
    etag = quote_etag(etag)
    response = get_conditional_response(request, etag=etag, last_modified=last and int(last.timestamp()))
    if response is None:
        # rendered output cached under the version: a write changes the key, never a stale agenda
        key = "meetings:ics:" + hashlib.sha256(f"{request.path}|{etag}|{name}".encode()).hexdigest()
        body = django_cache.get(key)
        if body is None:
            upcoming = list(qs.filter(ends_at__gt=now)[:FEED_UPCOMING_LIMIT])
            past = list(qs.filter(ends_at__lte=now).order_by("-starts_at", "-pk")[:FEED_PAST_LIMIT])
            body = build_calendar([*reversed(past), *upcoming], name)
            django_cache.set(key, body, timeout=24 * 3600)
        response = HttpResponse(body, content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    if last:
        response["Last-Modified"] = http_date(last.timestamp())
    response["Cache-Control"] = "no-cache"  # revalidate every time: never a stale agenda
    return response
