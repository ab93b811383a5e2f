"""The read API's HTTP layer (/api/ only; pages are untouched): rate limit, CORS, conditional GET and
a body cache keyed on the data version.

- Rate limit per client address first, so cache hits and 304s count too (`429` + `Retry-After`).
- Bodies are built once per data version (DESIGN 9, `portal.dataversion`): the version is read
  before the body is built, so a body is never cached under a newer version than its data; a
  write by any path (admin, import, sweep, raw SQL) bumps the version and changes the key.
- The ETag is a hash of the body (as the feeds do, `portal.feedcache`): it changes exactly when
  what the response says changes; `If-None-Match` gets a `304`. No Last-Modified: at one-second
  resolution it cannot follow every change, so a client sending only If-Modified-Since could be
  told "not modified" about a change made in the same second.
- CORS: any origin may read (GET/HEAD), no credentials. A tiny middleware rather than
  django-cors-headers: the whole policy is these few headers, on /api/ only.
"""

import hashlib
import json

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response

from .feedcache import request_version

API_PREFIX = "/api/"
READ_METHODS = ("GET", "HEAD")
EXPOSED = "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
BODY_CACHE_SECONDS = 3600  # keys carry the data version: a write changes the key, never a stale body
UNVERSIONED = ("/api/openapi.json", "/api/docs")  # the schema and its docs page follow the code, not the data
SHAPE = "api-1"  # bump when a serializer changes, so cached bodies and client ETags are refetched


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED
    return response


def _preflight():
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Accept, If-None-Match"
    response["Access-Control-Max-Age"] = "86400"
    response["Allow"] = "GET, HEAD, OPTIONS"
    return response


def _throttled(throttle, request):
    from django.conf import settings

    from .api_common import throttled_detail

    wait = max(int(throttle.wait() + 0.999), 1)
    body = {"detail": throttled_detail(settings.API_RATE_LIMIT, wait), "retry_after": wait}
    response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = str(wait)
    return response


def _rate_headers(request, response):
    limits = getattr(request, "rate_limit", None)
    if limits:
        response["RateLimit-Limit"], response["RateLimit-Remaining"], response["RateLimit-Reset"] = map(str, limits)


def _conditional(request, etag, body, content_type):
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"  # revalidate every time: never a stale agenda
    return response


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        if request.method == "OPTIONS":
            return _cors(_preflight())
        if request.method not in READ_METHODS:  # the API is read-only, its schema and docs too
            response = HttpResponse(
                json.dumps({"detail": "The API is read-only: use GET."}), status=405, content_type="application/json"
            )
            response["Allow"] = "GET, HEAD, OPTIONS"
            return _cors(response)
        from .api_common import IPRateThrottle

        throttle = IPRateThrottle()
        if not throttle.allow_request(request):
            response = _throttled(throttle, request)
        elif request.path in UNVERSIONED:
            response = self.get_response(request)
        else:
            response = self._read(request)
        _rate_headers(request, response)
        return _cors(response)

    def _read(self, request):
        raw = f"{SHAPE}|{request_version(request)}|{request.get_full_path()}"
        key = "api:" + hashlib.sha256(raw.encode()).hexdigest()
        entry = cache.get(key)
        if entry is None:
            response = self.get_response(request)
            if (
                response.status_code != 200
                or response.streaming
                or not response["Content-Type"].startswith("application/json")
            ):
                return response  # errors are cheap; the HTML docs page keeps its own headers (CSP)
            body = response.content
            etag = '"' + hashlib.sha256(f"{SHAPE}|".encode() + body).hexdigest()[:32] + '"'
            entry = (etag, body, response["Content-Type"])
            cache.set(key, entry, timeout=BODY_CACHE_SECONDS)
        return _conditional(request, *entry)
