"""Views that depend on something the response cache key does not hold: none may be replayed."""

from django.contrib import messages
from django.http import HttpResponse
from django.urls import include, path

from portal.models import Event
from portal.response_cache import no_response_cache


def by_referer(request):
    return HttpResponse(f"came from {request.META.get('HTTP_REFERER', 'nowhere')}")


def by_user_agent_header(request):
    return HttpResponse(f"agent {request.headers.get('User-Agent', '?')}")


def by_accept(request):
    return HttpResponse(f"wants {request.META.get('HTTP_ACCEPT', '?')}")


def by_cookie(request):
    return HttpResponse(f"flavour {request.COOKIES.get('flavour', 'plain')}")


def by_session(request):
    return HttpResponse(f"cart {request.session.get('cart', 'empty')}")


def writes(request):
    Event.objects.create(verb="system.test_visit", data={})
    return HttpResponse(f"visits {Event.objects.filter(verb='system.test_visit').count()}")


def with_message(request):
    messages.info(request, "hello once")
    return HttpResponse("a message was added")


def sets_cookie(request):
    response = HttpResponse("cookie for you")
    response.set_cookie("seen", "1")
    return response


def varies_on_language(request):
    response = HttpResponse("language")
    response["Vary"] = "Accept-Language"
    return response


def not_found(request):
    return HttpResponse("nothing here", status=404)


@no_response_cache
def opted_out(request):
    return HttpResponse("opted out")


def plain(request):
    return HttpResponse("plain and cacheable")


RENDERS = []  # (path,) of every render of the slow views, for the single-render tests


def slow(request):
    """A page that takes a while to render (as /health/ does on a large community)."""
    import time

    RENDERS.append(request.path)
    time.sleep(0.4)
    return HttpResponse("slow and shared")


def slow_by_referer(request):
    """A slow page that can never be stored (it reads a header outside the key)."""
    import time

    RENDERS.append(request.path)
    time.sleep(0.3)
    return HttpResponse(f"slow from {request.META.get('HTTP_REFERER', 'nowhere')}")


urlpatterns = [
    path("t/slow/", slow),
    path("t/slow-unstorable/", slow_by_referer),
    path("t/referer/", by_referer),
    path("t/agent/", by_user_agent_header),
    path("t/accept/", by_accept),
    path("t/cookie/", by_cookie),
    path("t/session/", by_session),
    path("t/writes/", writes),
    path("t/message/", with_message),
    path("t/sets-cookie/", sets_cookie),
    path("t/vary/", varies_on_language),
    path("t/404/", not_found),
    path("t/opted-out/", opted_out),
    path("t/plain/", plain),
    path("", include("portal.urls")),
]
