"""Template helpers available in every template (registered as a builtin). The formatting itself
lives in portal.timefmt (plain functions any layer may call); these wrap it in <time> elements."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

from portal.timefmt import MOMENT_FORMAT, duration_text, moment_text

register = template.Library()


@register.filter
def when(value, fmt=MOMENT_FORMAT):
    """A moment in the viewer's zone with its offset: `Tue 3 Nov 2026, 17:00 CET (UTC+01:00)`."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), moment_text(local, fmt))


@register.filter
def whendate(value):
    if not value:
        return ""
    local = timezone.localtime(value) if isinstance(value, datetime) else value
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%-d %b %Y"))


@register.filter
def duration(value: timedelta | None) -> str:
    """`2 days 3 hours`, `45 minutes`, for waits, countdowns and lateness."""
    return duration_text(value)


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
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), moment_text(local), text)


NAV_SECTIONS = (("/groups/", "groups"), ("/meetings/", "meetings"), ("/seps/", "seps"), ("/people/", "people"))


@register.filter
def nav_section(path: str) -> str:
    """Which header entry `path` is under (marked aria-current): the header is a fragment that
    varies on this, not on the path. Dashboard and profile are marked on their own page only."""
    from django.urls import reverse

    for prefix, section in NAV_SECTIONS:
        if path.startswith(prefix):
            return section
    for name in ("dashboard", "profile"):
        if path == reverse(f"portal:{name}"):
            return name
    return ""
