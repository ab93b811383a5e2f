"""Conditional GET, CORS and cache headers for the read API (/api/ only; pages are untouched).

A tiny middleware rather than django-cors-headers: the API is anonymous and read-only, so the
whole CORS policy is "any origin may GET, no credentials", and the same place answers
conditional requests: the ETag is a hash of the body, so it changes with any change to what
the response says (no stale 304 whatever path wrote the rows), and `If-None-Match` gets a 304.
"""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

API_PREFIX = "/api/"
READ_METHODS = ("GET", "HEAD")
EXPOSED = "ETag, Last-Modified, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED
    return response


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        if request.method == "OPTIONS":  # a CORS preflight: only reads are allowed
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
            response["Allow"] = "GET, HEAD, OPTIONS"
            return _cors(response)
        response = self.get_response(request)
        if request.method not in READ_METHODS:
            return _cors(response)
        limits = getattr(request, "rate_limit", None)
        if limits:
            limit, remaining, reset = limits
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        if response.status_code == 200 and not response.streaming:
            # revalidate every time: a cached copy is answered by a 304 only while it is current
            patch_cache_control(response, public=True, no_cache=True)
            if not response.has_header("ETag"):
                set_response_etag(response)
            response = get_conditional_response(
                request,
                etag=response.get("ETag"),
                last_modified=None,
                response=response,
            )
        return _cors(response)
