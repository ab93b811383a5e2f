"""Feeds rendered once per data version, answered by content: the ETag is a hash of the body.

A feed's ETag must change whenever its content changes, by any path (M6: a group renamed in the
admin, a meeting edited by raw SQL), and should not change when nothing in it did. Hashing the body
gives exactly that; rendering it only once per data version (and per day, for windowed feeds) makes
the hash cheap. There is no Last-Modified: at one-second resolution it cannot follow every change,
and a client sending only If-Modified-Since would be told "not modified" about a change made in the
same second. Calendar and feed readers send If-None-Match.
"""

import hashlib

from django.http import HttpResponse
from django.utils.cache import get_conditional_response

from . import dataversion

FEED_CACHE_SECONDS = 24 * 3600  # keys carry the version: a write changes the key, never a stale body


def versioned(request, key_parts, build, shape: object = "") -> tuple[str, bytes]:
    """(quoted ETag, body) of a feed: `build()` runs once per data version and `key_parts`; the
    ETag hashes `shape` (a format number: bump it and every client refetches) and the body."""
    raw = "|".join(str(p) for p in (dataversion.cache_key(request), shape, *key_parts))
    key = "feed:" + hashlib.sha256(raw.encode()).hexdigest()
    cache = dataversion.versioned_cache()  # this process's memory first: the key is never stale
    entry = cache.get(key)
    if entry is None:
        body = build()
        entry = ('"' + hashlib.sha256(f"{shape}|".encode() + body).hexdigest()[:32] + '"', body)
        cache.set(key, entry, timeout=FEED_CACHE_SECONDS)
    return entry


def conditional(request, etag: str, body: bytes, content_type: str) -> HttpResponse:
    """200 with the body, or 304 when the client already holds this ETag."""
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"  # revalidate every time: never a stale agenda
    return response


# The name the read API's body cache (portal.api_middleware) uses.
request_version = dataversion.for_request
