import zoneinfo

from django.utils import timezone

from .models import timezone_names

TZ_COOKIE = "tz"


def viewer_timezone_name(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.timezone:
        return user.timezone
    name = request.COOKIES.get(TZ_COOKIE, "")
    return name if name in timezone_names() else "UTC"


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
