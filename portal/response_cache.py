"""Whole-response cache for GET and HEAD, keyed on the data version (DESIGN 9).

A page or feed is rendered once per (data version, minute, URL, viewer, time zone, htmx headers)
and replayed from the shared cache until any write (by any path: the triggers of
`portal.dataversion`) or the next minute changes the key. Nothing is ever invalidated by hand, and
nothing time-based serves stale data: the minute is part of the key, so a page that says "in 3
hours" or lists "upcoming" meetings moves on with the clock (at most a minute late, the resolution
times are shown at).

Per-request values are filled in on every hit: the CSP nonce and the CSRF token are stored as
placeholders (derived from SECRET_KEY, so user text cannot forge them) and replaced with this
request's values; the CSRF cookie is issued on a hit exactly as on a miss (the middleware sits
inside CsrfViewMiddleware and calls `get_token` when the page used it). 304s are answered from the
cached ETag.

Default-safe for pages this module has never seen: a response is stored only if nothing in the
request it could depend on is missing from the key. During the view the middleware records which
request headers (META), cookies and session keys were read, and whether the view wrote to the
database; it refuses to store when:
- the status is not 200, the response streams, sets a cookie, says no-store or private-by-opt-out
  (`@no_response_cache`), or is larger than MAX_BYTES;
- the view read a header, cookie or session key the key does not cover (a page built from
  Referer or User-Agent), or the response varies on a header the key does not cover;
- the view modified the session, or messages were added or shown.
A GET that writes to the database needs no rule: its write bumps the data version, so the next
request has a new key and runs the view again.
Concurrent misses of one key render once: the first takes a lease (30 s), the others wait up to
5 s for its entry (then render themselves), so a changed key never sets every worker rendering the
same page at once. Requests carrying pending messages bypass the cache. Excluded outright: /admin/, /accounts/,
/api/, /mcp, webhooks, /static/, /healthz (settings.RESPONSE_CACHE["EXCLUDE"]).
"""

import gzip
import hashlib
import hmac
import os
import re
import time
from functools import wraps

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.http import HttpResponse
from django.http.request import HttpHeaders
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
)
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.utils.text import compress_string

from . import dataversion
from .middleware import TZ_COOKIE, cookie_timezone_name

_secret = settings.SECRET_KEY.encode()
# Part of every key: the shape of a stored entry (bump it when `freeze` changes what it stores).
ENTRY_FORMAT = 2
# Part of every key: a session's auth hash is derived from SECRET_KEY, so a new key never meets
# entries stored under the old one.
_SECRET_DIGEST = hmac.new(_secret, b"response-cache-key", hashlib.sha256).hexdigest()[:16]
NONCE_PLACEHOLDER = "rcnonce" + hmac.new(_secret, b"response-cache-nonce", hashlib.sha256).hexdigest()[:24]
CSRF_PLACEHOLDER = "rccsrf" + hmac.new(_secret, b"response-cache-csrf", hashlib.sha256).hexdigest()[:24]
_MASKED = re.compile(rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{{CSRF_TOKEN_LENGTH}}}(?![A-Za-z0-9])")

# What a cached response may depend on without it being in the key (or being filled in per request).
ALLOWED_META = frozenset(
    {
        "REQUEST_METHOD", "PATH_INFO", "SCRIPT_NAME", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT",
        "HTTP_HOST", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PROTO",
        "wsgi.url_scheme", "HTTPS", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_COOKIE",
        "CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE",  # filled in per request
        "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
        "HTTP_IF_UNMODIFIED_SINCE",  # conditional requests are answered on hits from the stored ETag
    }
)  # fmt: skip
ALLOWED_SESSION_KEYS = frozenset({"_auth_user_id", "_auth_user_backend", "_auth_user_hash", "_messages"})
KEYED_VARY = frozenset({"cookie", "accept-encoding", "hx-request", "hx-boosted", "hx-target", "hx-trigger",
                        "hx-trigger-name", "hx-current-url", "hx-history-restore-request", "hx-prompt"})  # fmt: skip


_UNBIASED = 256 - 256 % len(CSRF_ALLOWED_CHARS)  # bytes at or above are dropped: every char equally likely


def _random_csrf_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """What django.middleware.csrf._get_new_csrf_string gives (uniform over CSRF_ALLOWED_CHARS, from
    the OS's CSPRNG), from one os.urandom call instead of one secrets.choice per character."""
    chars, out = CSRF_ALLOWED_CHARS, ""
    while len(out) < length:
        out += "".join(chars[b % len(chars)] for b in os.urandom(length + 8) if b < _UNBIASED)
    return out[:length]


def csrf_token(request) -> str:
    """django.middleware.csrf.get_token, with `_random_csrf_string` for the secret and the mask:
    the same masked-token format, the same META flags (so CsrfViewMiddleware sets the cookie exactly
    as on a miss), at a tenth of the CPU (it runs on every cached page: each carries a form)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = _random_csrf_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask, chars = _random_csrf_string(), CSRF_ALLOWED_CHARS
    index = chars.index
    return mask + "".join(chars[(index(x) + index(y)) % len(chars)] for x, y in zip(secret, mask, strict=True))


def viewer(request):
    """Who the page is for, from the session alone (no user row read on a hit).

    A signed-in viewer is (user id, backend, session auth hash) as the session holds them. That is
    enough: an entry is stored only by a request whose session verified as that user at that data
    version (a session that fails verification is flushed, which sets a cookie, which is never
    stored), and anything that changes the verdict (password, deactivation, deletion) is a write,
    so a new data version and a new key. The viewer's profile time zone is fixed by the same pair.
    """
    session = getattr(request, "session", None)
    if session is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return "anon"
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return "anon"
    return ("user", str(user_id), session.get(BACKEND_SESSION_KEY, ""), session.get(HASH_SESSION_KEY, ""))


# Entries stored compressed (gzip, once, when stored): big anonymous responses with nothing per request
# in them (calendar and Atom feeds above all: a 280 KB calendar is ~10x smaller). A client that
# accepts gzip gets the stored bytes as they are; any other gets them decompressed. Never a response
# holding a CSRF token, a nonce or a signed-in viewer's page: compressing a secret beside text an
# attacker chose is what BREACH reads (Django's GZipMiddleware warns of the same).
GZIP_MIN_BYTES = 1024
_COMPRESSIBLE = ("text/", "application/atom+xml", "application/rss+xml", "application/xml", "application/json")


def accepts_gzip(request) -> bool:
    """Whether Accept-Encoding names gzip with a non-zero quality (`gzip;q=0` refuses it)."""
    for part in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() != "gzip":
            continue
        quality = params.strip().lower().removeprefix("q=").strip() if params.strip() else "1"
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def _weak(etag: str) -> str:
    return etag if etag.startswith("W/") else f"W/{etag}"


def _not_modified(request, response):
    """The 304 for a stored response when the client already holds its ETag, else None."""
    etag = response.get("ETag")
    answer = get_conditional_response(request, etag=etag, response=response) if etag else None
    if answer is None or answer is response:
        return None
    answer.response_cache = answer["X-Response-Cache"] = "hit"
    return answer


CONDITIONAL_META = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


def _conditional(request, response):
    """What Django's ConditionalGetMiddleware answers for this response and request (a 304 when the
    client holds it, a 412 when a precondition fails, else the response)."""
    etag = response.get("ETag")
    last_modified = parse_http_date_safe(response["Last-Modified"]) if response.has_header("Last-Modified") else None
    if not (etag or last_modified):
        return response
    answer = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
    if answer is not response:
        answer.response_cache = answer["X-Response-Cache"] = response.response_cache
    return answer


def no_response_cache(view):
    """Never store this view's responses (for a page whose content the key cannot describe)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.response_cache_skip = True
        return response

    return wrapped


class _Tracked(dict):
    """A dict that remembers which keys were read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


class _TrackedHeaders(HttpHeaders):
    """request.headers over the tracked META: a read is noted under its META name."""

    def __init__(self, meta):
        super().__init__(meta)
        self._meta = meta

    def __getitem__(self, key):
        name = key.upper().replace("-", "_")
        self._meta.read.add(name if name in HttpHeaders.UNPREFIXED_HEADERS else HttpHeaders.HTTP_PREFIX + name)
        return super().__getitem__(key)


def _config():
    return getattr(settings, "RESPONSE_CACHE", {})


def entry_timeout() -> int:
    """How long an entry is kept: two minute buckets (its key is only asked for during its own)."""
    return 2 * _config().get("BUCKET_SECONDS", 60)


def headers_for_304(entry):
    """An entry's headers when a re-poll can be answered from them alone (stored as `<key>:headers`):
    it has an ETag and nothing per request in its body. Else None."""
    headers, _, uses_csrf, uses_nonce, _ = entry
    return headers if headers.get("ETag") and not (uses_csrf or uses_nonce) else None


class ResponseCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    # --- when ------------------------------------------------------------------------------------
    def applies(self, request) -> bool:
        config = _config()
        if not config.get("ENABLED", False) or request.method not in ("GET", "HEAD"):
            return False
        if request.path.startswith(tuple(config.get("EXCLUDE", ()))) or "webhook" in request.path:
            return False
        if request.COOKIES.get("messages"):
            return False  # messages waiting to be shown: the page is this request's alone
        # with a session, messages may wait there too
        return not (settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.get("_messages"))

    def key(self, request) -> str:
        headers = sorted((k, v) for k, v in request.META.items() if k.startswith("HTTP_HX_"))
        bucket = dataversion.bucket()
        parts = (
            _SECRET_DIGEST,
            ENTRY_FORMAT,
            dataversion.cache_key(request),
            bucket,
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            viewer(request),
            cookie_timezone_name(request),  # a signed-in viewer's profile zone is fixed by the viewer part
            headers,
        )
        return "rc:" + hashlib.sha256(repr(parts).encode()).hexdigest()

    # --- hit -------------------------------------------------------------------------------------
    def replay(self, request, entry) -> HttpResponse:
        headers, body, uses_csrf, uses_nonce, gzipped = entry
        if gzipped:
            if accepts_gzip(request):
                headers = {**headers, "Content-Encoding": "gzip"}
            else:
                body = gzip.decompress(body)
        if uses_csrf:
            body = body.replace(CSRF_PLACEHOLDER.encode(), csrf_token(request).encode())
        if uses_nonce:
            body = body.replace(NONCE_PLACEHOLDER.encode(), str(request._csp_nonce).encode())
        response = HttpResponse(body, headers=headers)
        response.response_cache = response["X-Response-Cache"] = "hit"
        patch_vary_headers(response, ("Cookie",))
        return _not_modified(request, response) or response

    def not_modified(self, request, key):
        """A 304 from the entry's headers alone (`<key>:headers`, stored beside the body for pages
        without per-request values, feeds above all): a re-poll of a 300 KB calendar no longer
        fetches and unpickles the body to answer that nothing changed."""
        headers = cache.get(f"{key}:headers")
        if headers is None:
            return None
        response = HttpResponse(headers=headers)
        patch_vary_headers(response, ("Cookie",))
        return _not_modified(request, response)

    # --- miss ------------------------------------------------------------------------------------
    def __call__(self, request):
        token = dataversion.current_request.set(request)
        try:
            return self.respond(request)
        finally:
            dataversion.current_request.reset(token)

    def respond(self, request):
        if not self.applies(request):
            return self.get_response(request)
        key = self.key(request)
        if request.META.get("HTTP_IF_NONE_MATCH"):
            not_modified = self.not_modified(request, key)
            if not_modified is not None:
                return not_modified
        found = cache.get_many([key, f"{key}:unstorable"])  # one round trip
        if key in found:
            return self.replay(request, found[key])
        if found:  # this page was just rendered and could not be stored: no one will wait for it
            return self.render(request, key)
        # One render per key at a time: when a page's key changes (a write, the next minute) every
        # worker would otherwise render the same page at once (on the bench, 16 connections on
        # /health/, a 3 s render, timed out every request). The first request takes a short lease;
        # the others wait a bounded time for its entry, then render themselves.
        lease = f"{key}:rendering"
        if not cache.add(lease, 1, timeout=_config().get("LEASE_SECONDS", 30)):
            entry = self.wait_for(key)
            if entry is not None:
                return self.replay(request, entry)
            lease = None
        try:
            return self.render(request, key)
        finally:
            if lease:
                cache.delete(lease)

    def wait_for(self, key):
        """The entry another request is rendering, or None after WAIT_SECONDS."""
        deadline = time.monotonic() + _config().get("WAIT_SECONDS", 5)
        while time.monotonic() < deadline:
            time.sleep(0.02)
            found = cache.get_many([key, f"{key}:unstorable"])
            if found:
                return found.get(key)
        return None

    def render(self, request, key):
        # The view renders the full response even for a conditional request, so it can be stored:
        # calendar clients re-poll with If-None-Match, and a view answering that first re-poll of a
        # minute with its own 304 (not storable) left every later re-poll of the minute to render
        # (on the bench: 936 re-polls/s instead of ~3,500). The 304 is made here, from the stored response.
        conditional = {name: request.META.pop(name) for name in CONDITIONAL_META if name in request.META}
        request.META = _Tracked(request.META)
        request.COOKIES = _Tracked(request.COOKIES)
        request.headers = _TrackedHeaders(request.META)
        session = getattr(request, "session", None)
        if session is not None and hasattr(session, "tracking"):
            session.tracking, session.read_keys = True, set()
        response = self.get_response(request)
        if session is not None and hasattr(session, "tracking"):
            session.tracking = False
        reason = self.refusal(request, response)
        if reason:
            response.response_cache = f"miss, not stored: {reason}"
            cache.set(f"{key}:unstorable", 1, timeout=entry_timeout())
        else:
            response.response_cache = "miss"
            entry = self.freeze(request, response)
            stored = {key: entry}
            if (headers := headers_for_304(entry)) is not None:
                stored[f"{key}:headers"] = headers  # a 304 needs only these (see not_modified)
            cache.set_many(stored, timeout=entry_timeout())
            if entry[-1]:  # stored gzipped: this client gets what every later one will: the same bytes, ETag and Vary
                response = self.replay(request, entry)
                response.response_cache = "miss"
        response["X-Response-Cache"] = "miss"  # (after freeze: a replay says "hit")
        if conditional:
            dict.update(request.META, conditional)
            if response.status_code == 200 and not response.streaming:
                return _conditional(request, response)
        return response

    def refusal(self, request, response) -> str:
        """Why this response must not be replayed to anyone else ('' when it may)."""
        if response.status_code != 200:
            return "status"
        if response.streaming or getattr(response, "response_cache_skip", False):
            return "streaming or opted out"
        if response.cookies:
            return "sets a cookie"
        cache_control = response.get("Cache-Control", "").lower()
        if "no-store" in cache_control:
            return "no-store"
        if len(response.content) > _config().get("MAX_BYTES", 2_000_000):
            return "too large"
        meta = {k for k in request.META.read if k not in ALLOWED_META and not k.startswith("HTTP_HX_")}
        if meta:
            return f"read {sorted(meta)}"
        cookies = request.COOKIES.read - {
            TZ_COOKIE,
            settings.SESSION_COOKIE_NAME,
            settings.CSRF_COOKIE_NAME,
            "messages",
        }
        if cookies:
            return f"read cookies {sorted(cookies)}"
        session = getattr(request, "session", None)
        if session is not None:
            if session.modified:
                return "modified the session"
            read = getattr(session, "read_keys", set())
            if read - ALLOWED_SESSION_KEYS:
                return f"read session {sorted(read - ALLOWED_SESSION_KEYS)}"
        storage = getattr(request, "_messages", None)
        if storage is not None and (storage._queued_messages or storage.__dict__.get("_loaded_data")):
            return "messages"
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        if vary - KEYED_VARY:
            return f"varies on {sorted(vary - KEYED_VARY)}"
        return ""

    def freeze(self, request, response):
        """(headers, body with placeholders, uses CSRF, uses nonce, gzipped): what a hit replays."""
        patch_vary_headers(response, ("Cookie",))
        body = response.content
        uses_csrf = "CSRF_COOKIE" in request.META.read
        if uses_csrf:
            secret = dict.get(request.META, "CSRF_COOKIE", "")
            text = body.decode(response.charset or "utf-8", errors="surrogateescape")

            def swap(match):
                token = match.group(0)
                return CSRF_PLACEHOLDER if _unmask_cipher_token(token) == secret else token

            if len(secret) == CSRF_SECRET_LENGTH:
                body = _MASKED.sub(swap, text).encode(response.charset or "utf-8", errors="surrogateescape")
        nonce = getattr(request, "_csp_nonce", None)
        uses_nonce = bool(nonce)
        if uses_nonce:
            body = body.replace(str(nonce).encode(), NONCE_PLACEHOLDER.encode())
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "set-cookie")}
        gzipped = False
        if (
            not (uses_csrf or uses_nonce)
            and viewer(request) == "anon"
            and len(body) >= GZIP_MIN_BYTES
            and response.get("Content-Type", "").lower().startswith(_COMPRESSIBLE)
            and not response.has_header("Content-Encoding")
        ):
            compressed = compress_string(body)
            if len(compressed) < len(body):
                body, gzipped = compressed, True
                headers["Vary"] = ", ".join(v for v in (headers.get("Vary"), "Accept-Encoding") if v)
                if headers.get("ETag"):  # two byte sequences, one meaning: a weak validator (RFC 9110 8.8.1)
                    headers["ETag"] = _weak(headers["ETag"])
        return headers, body, uses_csrf, uses_nonce, gzipped
