"""Plain time formatting for messages, mails and pages (no template machinery, so any layer may use it)."""

from datetime import datetime
from zoneinfo import ZoneInfo


def format_moment(moment: datetime, zone_name: str) -> str:
    """`Mon 30 Nov 2026, 10:05 Europe/Berlin (09:05 UTC)`: unambiguous in messages and mails."""
    local = moment.astimezone(ZoneInfo(zone_name))
    text = f"{local:%a %-d %b %Y, %H:%M} {zone_name}"
    if zone_name != "UTC":
        text += f" ({moment.astimezone(ZoneInfo('UTC')):%H:%M} UTC)"
    return text
