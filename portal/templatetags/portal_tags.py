"""Template helpers available in every template (registered as a builtin)."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def utc_offset(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    sign = "+" if off >= timedelta(0) else "-"
    minutes = abs(int(off.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@register.filter
def when(value, fmt="D j M Y, H:i"):
    """A moment in the viewer's zone with its offset: `Tue 3 Nov 2026, 17:00 CET (UTC+01:00)`."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), _exact(local, fmt))


def _exact(local: datetime, fmt="D j M Y, H:i") -> str:
    """`Tue 3 Nov 2026, 17:00 CET (UTC+01:00)`. The offset is said once: a zone without an
    abbreviation (tzname "-03") gives `13:00 UTC-03:00`, not `13:00 -03 (UTC-03:00)`; UTC itself
    gives `12:00 UTC`, not `12:00 UTC (UTC+00:00)`."""
    from django.utils.dateformat import format as dformat

    name = local.tzname() or ""
    offset = utc_offset(local)
    if name == "UTC" and offset == "UTC+00:00":
        return f"{dformat(local, fmt)} UTC"
    if not name or name[0] in "+-" or name.startswith("UTC"):
        return f"{dformat(local, fmt)} {offset}"
    return f"{dformat(local, fmt)} {name} ({offset})"


exact_moment = _exact


@register.filter
def whendate(value):
    if not value:
        return ""
    local = timezone.localtime(value) if isinstance(value, datetime) else value
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%-d %b %Y"))


@register.filter
def duration(value: timedelta | None) -> str:
    """`2 days 3 hours`, `45 minutes`, for waits, countdowns and lateness."""
    if value is None:
        return ""
    seconds = int(abs(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours and days < 7:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and minutes and hours < 6:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts) or "less than a minute"


@register.simple_tag(takes_context=True)
def url_with(context, **kwargs):
    """The current query string with some parameters replaced (pagination inside filtered lists)."""
    params = context["request"].GET.copy()
    for key, val in kwargs.items():
        if val in (None, ""):
            params.pop(key, None)
        else:
            params[key] = val
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def sentence(event, viewer=None):
    """An event log row as a sentence with its object linked: `<b>Lena</b> published <a>Weekly sync</a>`.

    `{{ event|sentence:user }}` says "You" when the viewer did it."""
    from portal.activity import describe

    s = describe(event)
    actor = "You" if viewer is not None and viewer.pk and event.actor_id == viewer.pk else s.actor
    link = format_html('<a href="{}">{}</a>', s.link_url, s.link_text) if s.link_url else s.link_text
    return format_html('<span class="actor">{}</span> {}{}{}', actor, s.before, link, s.after)


@register.filter
def ago(value):
    """`3 hours ago` inside a <time> carrying the exact moment (in the viewer's zone, on hover), for timelines."""
    if not value:
        return ""
    from django.utils.timesince import timesince

    local = timezone.localtime(value)
    text = "just now" if (timezone.now() - value).total_seconds() < 60 else f"{timesince(value, depth=1)} ago"
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), _exact(local), text)
