"""What the read API's routers share: public person fields, bounded pagination, errors, the rate limit.

Top layer (DESIGN layers, 4): imported by `<app>/api.py`, `<app>/mcp_tools.py`, `portal/api.py`
and `portal/mcp_server.py`; nothing below imports it.

Privacy: every field returned is one an anonymous visitor sees on the site. A person is their
name, affiliation, Discord name and a GitHub handle only when it is verified (`public_github`);
never an email, a calendar token or a typed-in (unverified) handle.
"""

import re
import time
from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.core.cache import caches
from ninja import Schema
from ninja.throttling import BaseThrottle
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
MAX_OFFSET = 10_000  # an unbounded offset is a cheap way to make the database scan everything


def absolute(path: str) -> str:
    return settings.SITE_URL + path


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_moment(value):
    if isinstance(value, str) and not _ISO_MOMENT.match(value):
        raise ValueError("give an ISO 8601 date and time with its zone, e.g. 2026-03-01T16:00:00Z")
    return value


def _in_utc(value: datetime) -> datetime:
    from datetime import UTC

    try:  # the database gets UTC (PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows)
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the moment is out of range") from None


# A query-string moment: ISO 8601 with a zone (a bare number is not read as a Unix time), in UTC.
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_moment), AfterValidator(_in_utc)]
# Strings that reach a query: bounded, and no NUL or other control characters (PostgreSQL refuses NUL).
Slug = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")]
SearchText = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Handle = Annotated[str, StringConstraints(max_length=60, pattern=r"^[@/:.a-zA-Z0-9_-]*$")]


# --- people --------------------------------------------------------------------------------------
class PersonOut(Schema):
    name: str
    github: str | None = None  # verified handles only
    affiliation: str = ""


def public_github(user) -> str | None:
    """Only a verified handle (GitHub sign-in or a core maintainer's confirmation, DESIGN 12) is shown
    as someone's: a handle typed into a profile is a claim and stays out of the API."""
    return user.verified_github or None


def person(user) -> dict:
    return {"name": user.name, "github": public_github(user), "affiliation": user.affiliation}


# --- pagination ----------------------------------------------------------------------------------
class PageMeta(Schema):
    count: int
    limit: int
    offset: int
    next_offset: int | None


class PageFilters(Schema):
    """The bounded window every list takes (query parameters); a list's own filters extend it."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def page(qs, *, limit: int, offset: int, serialize) -> dict:
    """A bounded window of an ordered QuerySet; `count` is one query, the window another (plus prefetches)."""
    count = qs.count()
    rows = list(qs[offset : offset + limit]) if offset < count else []
    nxt = offset + limit if offset + limit < count and offset + limit <= MAX_OFFSET else None
    return {"count": count, "limit": limit, "offset": offset, "next_offset": nxt, "items": serialize(rows)}


class ErrorOut(Schema):
    detail: str


class FieldError(Schema):
    loc: list[str]
    msg: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class ThrottledOut(Schema):
    detail: str
    retry_after: int


def responses(ok, *, not_found: bool = False) -> dict:
    """Every status an endpoint may answer, for the schema: 200, 404 when it names a thing, 422, 429."""
    out = {200: ok, 422: ValidationErrorOut, 429: ThrottledOut}
    if not_found:
        out[404] = ErrorOut
    return out


def utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value.astimezone(UTC) if value is not None else None


# --- rate limit ----------------------------------------------------------------------------------
def parse_rate(rate: str) -> tuple[int, int]:
    """ "120/m" -> (120, 60)."""
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[:1].lower() or "m"]
    return int(count), seconds


def count_request(ident: str, *, rate: str, bucket: str = "api") -> tuple[bool, int, int, int]:
    """Count one request from address `ident` in the current fixed window of `rate` ("120/m"):
    (allowed, limit, remaining, seconds until the window resets).

    A counter per address, bucket and window in the cache: `cache.add` + `cache.incr` are atomic on
    Redis, so every web worker shares one count per window; with the local-memory cache (no
    REDIS_URL) each process counts for itself. /api/ (`IPRateThrottle`) and /mcp
    (`portal.mcp_server.RateLimit`) both count here, each in its own bucket.
    """
    limit, window = parse_rate(rate)
    now = time.time()
    start = int(now // window) * window
    key = f"{bucket}-rate:{ident}:{window}:{start}"
    cache = caches[settings.API_RATE_LIMIT_CACHE]
    cache.add(key, 0, timeout=window + 1)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        n = 1
    return n <= limit, limit, max(limit - n, 0), int(start + window - now) + 1


def throttled_detail(rate: str, retry_after: int) -> str:
    """The one message a client over the limit reads, on /api/ and /mcp alike."""
    limit, window = parse_rate(rate)
    return (
        f"Too many requests: at most {limit} every {window} seconds from one address. "
        f"Try again in {retry_after} seconds."
    )


class IPRateThrottle(BaseThrottle):
    """/api/'s limit per client address (`API_RATE_LIMIT`, e.g. "120/m"), counted by `count_request`."""

    def allow_request(self, request) -> bool:
        allowed, limit, remaining, reset = count_request(self.get_ident(request), rate=settings.API_RATE_LIMIT)
        request.rate_limit = (limit, remaining, reset)
        return allowed

    def wait(self):
        _, window = parse_rate(settings.API_RATE_LIMIT)
        return window - (time.time() % window)
