import zoneinfo

from django.utils import timezone
from django.utils.cache import patch_vary_headers

from .models import is_timezone_name

TZ_COOKIE = "tz"


def cookie_timezone_name(request) -> str:
    """The zone an anonymous visitor picked (the `tz` cookie), else UTC."""
    name = request.COOKIES.get(TZ_COOKIE, "")
    return name if is_timezone_name(name) else "UTC"


def viewer_timezone_name(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.timezone:
        return user.timezone
    return cookie_timezone_name(request)


class TimezoneMiddleware:
    """Render times in the viewer's zone: their profile's, else the zone they picked, else UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.timezone_name = viewer_timezone_name(request)
        timezone.activate(zoneinfo.ZoneInfo(request.timezone_name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class HtmxVaryMiddleware:
    """Every page may answer htmx with a fragment and a plain request with the whole page at the
    same URL (filters push their URL), so every response varies on HX-Request: otherwise the
    browser's back button or a cache can hand out a bare fragment as if it were the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


class MethodNotAllowedPageMiddleware:
    """GET on a POST-only address (a bookmarked form action, a link shared from the address bar)
    answers with the site's own 405 page, not Django's empty body; the Allow header is kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False) or response.content:
            return response
        from django.shortcuts import render

        allowed = response.get("Allow", "")
        page = render(request, "405.html", {"allowed": allowed, "is_post_only": allowed.strip() == "POST"}, status=405)
        if allowed:
            page["Allow"] = allowed
        return page
