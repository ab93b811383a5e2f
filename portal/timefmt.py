"""Plain time formatting for messages, mails and pages (no template machinery, so any layer may use it)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as dateformat

MOMENT_FORMAT = "D j M Y, H:i"


def format_moment(moment: datetime, zone_name: str) -> str:
    """`Mon 30 Nov 2026, 10:05 Europe/Berlin (09:05 UTC)`: unambiguous in messages and mails."""
    local = moment.astimezone(ZoneInfo(zone_name))
    text = f"{local:%a %-d %b %Y, %H:%M} {zone_name}"
    if zone_name != "UTC":
        text += f" ({moment.astimezone(ZoneInfo('UTC')):%H:%M} UTC)"
    return text


def utc_offset(dt: datetime) -> str:
    """`UTC+01:00`."""
    off = dt.utcoffset() or timedelta(0)
    sign = "+" if off >= timedelta(0) else "-"
    minutes = abs(int(off.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def moment_text(value: datetime, fmt: str = MOMENT_FORMAT) -> str:
    """A moment in the active time zone with its offset: `Tue 3 Nov 2026, 17:00 CET (UTC+01:00)`.

    The offset is said once: a zone without an abbreviation (tzname "-03") gives `13:00 UTC-03:00`,
    not `13:00 -03 (UTC-03:00)`; UTC itself gives `12:00 UTC`, not `12:00 UTC (UTC+00:00)`."""
    local = timezone.localtime(value)
    name = local.tzname() or ""
    offset = utc_offset(local)
    if name == "UTC" and offset == "UTC+00:00":
        return f"{dateformat(local, fmt)} UTC"
    if not name or name[0] in "+-" or name.startswith("UTC"):
        return f"{dateformat(local, fmt)} {offset}"
    return f"{dateformat(local, fmt)} {name} ({offset})"


def duration_text(value: timedelta | None) -> str:
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
