from django.conf import settings
from django.utils.html import format_html_join

COMMON_TIMEZONES = (
    "UTC", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Sao_Paulo", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin",
    "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Helsinki", "Europe/Istanbul",
    "Africa/Lagos", "Africa/Nairobi", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai",
    "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Pacific/Auckland",
)  # fmt: skip
# the time-zone form's suggestions: the same markup on every page, built once
TIMEZONE_OPTIONS = format_html_join("", '<option value="{}"></option>', ((name,) for name in COMMON_TIMEZONES))


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,  # the one base of absolute links (mail, feeds, copyable addresses)
        "viewer_timezone": getattr(request, "timezone_name", "UTC"),
        # an anonymous visitor who has not picked a zone is offered their browser's (static/js/timezone-offer.js)
        "offer_browser_timezone": not getattr(getattr(request, "user", None), "is_authenticated", False)
        and "tz" not in getattr(request, "COOKIES", {}),
        "timezone_options": TIMEZONE_OPTIONS,
    }
