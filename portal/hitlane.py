"""The hit lane: response-cache hits answered in the event loop, before the thread pool (#14).

Under ASGI (`portal.asgi.SiteApp`) every request used to cross to a worker thread and run Django's
whole handler, only for `ResponseCacheMiddleware` to find the page in Redis and replay it. A bare
ASGI answer runs at ~10x the throughput of a bare Django view on these machines, so the hop, the
WSGI handler and the inner layers cost more than the hit itself. Here a GET or HEAD is looked up
first, in the event loop: the data version from PostgreSQL (one async connection per worker, a
prepared single-row read) and the entry from this process's copy of what Redis answered before
(`CACHES["response_near"]`), else from Redis (async client), under the *same key* the middleware
computes (`ResponseCacheMiddleware.key`, given the same request). On a hit the response
is finished by the *same outer middleware* that a Django hit passes through (every entry of
`settings.MIDDLEWARE` before the response cache, built by Django's own handler helpers), so the CSP
nonce, the CSRF token and cookie, security headers, Vary and Content-Length come from the code that
makes them on the thread path; only URL resolution and the inner layers are skipped, as a hit always
skipped them.

Anything the lane is not sure of goes down the thread path unchanged, which decides as before: a
method other than GET/HEAD, an excluded path, a pending message (cookie or session), a host not in
ALLOWED_HOSTS (Django answers 400), a plain-HTTP request under SECURE_SSL_REDIRECT, a session cookie
whose session is not in Redis (expired, signed out, or never cached), any miss (the lease and the
unstorable marker live there), and any error reaching PostgreSQL or Redis. Off unless PostgreSQL,
Redis-cached sessions and the response cache are all configured (`make run` without services uses
the thread path alone), and `RESPONSE_CACHE["HIT_LANE"]` can turn it off.
"""

import asyncio
import gzip
import io
import logging
import sys

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from .response_cache import (
    ResponseCacheMiddleware,
    _config,
    _not_modified,
    accepts_gzip,
    entry_timeout,
    headers_for_304,
)

log = logging.getLogger(__name__)

RESPONSE_CACHE_MIDDLEWARE = "portal.response_cache.ResponseCacheMiddleware"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
_READ = "SELECT value FROM portal_dataversion WHERE id = 1"


def build_environ(scope, body: bytes = b"") -> dict:
    """The WSGI environ Django's handler gets for this ASGI scope (asgiref's own translation)."""
    from asgiref.wsgi import WsgiToAsgiInstance

    builder = WsgiToAsgiInstance(None)
    builder.scope = scope
    environ = builder.build_environ(scope, io.BytesIO(body))
    environ["wsgi.errors"] = sys.stderr
    return environ


def _seed_session(get_response):
    """Inside SessionMiddleware: the session it made is given the data the lane already read, so
    nothing in the chain reads it again (the lane only answers when Redis had it)."""

    def middleware(request):
        data = request.__dict__.pop("_lane_session", None)
        if data is not None:
            request.session._session_cache = data
        return get_response(request)

    return middleware


def _answer(request):
    return request._lane_answer(request)


class _Loop:
    """One event loop's connections: an async PostgreSQL connection (with its lock) and Redis."""

    def __init__(self):
        self.lock = asyncio.Lock()
        self.pg = None
        self.redis = None
        self.next_read = None  # the version read not yet sent, which requests arriving now may share
        self.reads = set()  # its task (a reference, so it is not collected mid-read)


class HitLane:
    def __init__(self):
        self._loops = {}  # event loop -> _Loop
        self._chain = None
        self._chain_for = None
        self._keys = ResponseCacheMiddleware(None)
        self.answered = 0  # hits answered here (tests and the bench read it)

    # --- when ------------------------------------------------------------------------------------
    @staticmethod
    def enabled() -> bool:
        config = _config()
        default = settings.CACHES.get("default", {})
        return bool(
            config.get("ENABLED", False)
            and config.get("HIT_LANE", True)
            and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
            and getattr(settings, "SESSIONS_CACHED", False)
            and getattr(settings, "SESSION_CACHE_ALIAS", "default") == "default"
            and default.get("BACKEND", "").endswith("RedisCache")
            and RESPONSE_CACHE_MIDDLEWARE in settings.MIDDLEWARE
        )

    def _may_answer(self, request) -> bool:
        """What ResponseCacheMiddleware.applies and the outer layers would decide before any read."""
        path = request.path
        if path.startswith(tuple(_config().get("EXCLUDE", ()))) or "webhook" in path:
            return False
        if request.COOKIES.get("messages"):
            return False
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return False  # SecurityMiddleware redirects; the thread path does it
        try:
            request.get_host()
        except DisallowedHost:
            return False  # Django answers 400 (and logs it) on the thread path
        return True

    # --- the lookup ------------------------------------------------------------------------------
    async def answer(self, scope, body: bytes = b""):
        """(status, headers, body) for a cache hit, else None: the caller takes the thread path."""
        if scope.get("method") not in ("GET", "HEAD") or not self.enabled():
            return None
        try:
            request = WSGIRequest(build_environ(scope, body))
            if not self._may_answer(request):
                return None
            return await self._lookup(request)
        except Exception:  # noqa: BLE001 - the thread path answers whatever went wrong here
            log.warning("hit lane: falling back to the thread path", exc_info=True)
            return None

    async def _lookup(self, request):
        conns = self._for_loop()
        cache = caches["default"]
        session_data = None
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        store = None
        if cookie is not None:
            store = import_string(settings.SESSION_ENGINE).SessionStore(cookie)
            if store.session_key is None:
                return None  # a malformed key: the session layer decides what to do
            raw = await conns.redis.get(cache.make_key(store.cache_key_prefix + store.session_key))
            if raw is None:
                return None  # not in Redis: expired, signed out, or only in the database
            session_data = cache._cache._serializer.loads(raw)
            if not isinstance(session_data, dict) or session_data.get("_messages"):
                return None
            store._session_cache = session_data
            request.session = store
        version = await self._version(conns)
        if version is None:
            return None
        request.data_version = version
        key = self._keys.key(request)
        near = caches["response_near"] if "response_near" in settings.CACHES else None
        entry = near.get(key) if near is not None else None
        answer = None
        if request.META.get("HTTP_IF_NONE_MATCH"):
            if entry is not None:
                headers = headers_for_304(entry)  # what `<key>:headers` holds in Redis
            else:
                headers = None
                raw = await conns.redis.get(cache.make_key(f"{key}:headers"))
                if raw is not None:
                    headers = cache._cache._serializer.loads(raw)
            if headers is not None:
                stored = HttpResponse(headers=headers)
                patch_vary_headers(stored, ("Cookie",))
                not_modified = _not_modified(request, stored)
                if not_modified is not None:
                    answer = lambda req: not_modified  # noqa: E731
        if answer is None:
            if entry is None:
                raw = await conns.redis.get(cache.make_key(key))
                if raw is None:
                    return None  # a miss: the lease, the render and the store are the thread path's
                entry = cache._cache._serializer.loads(raw)
                if near is not None:
                    # Never stale: the key carries the data version, the viewer and the minute (the
                    # key is not asked for again once its minute is over; the copy goes soon after).
                    near.set(key, entry, timeout=entry_timeout())
            if entry[4] and near is not None and not accepts_gzip(request):
                entry = self._plain_copy(near, key, entry)
            answer = lambda req: self._keys.replay(req, entry)  # noqa: E731
        if store is not None:
            del request.session  # SessionMiddleware makes its own, seeded with the same data
            request._lane_session = session_data
        request._lane_answer = answer
        response = self._outer_chain()(request)
        self.answered += 1
        return self._to_asgi(response)

    @staticmethod
    def _plain_copy(near, key, entry):
        """A stored-compressed entry for a client that does not accept gzip: decompressed once per
        worker and kept beside the copy, instead of on every request (a 280 KB calendar is ~1 ms)."""
        plain = near.get(f"{key}:identity")
        if plain is None:
            headers, body, uses_csrf, uses_nonce, _ = entry
            plain = (headers, gzip.decompress(body), uses_csrf, uses_nonce, False)
            near.set(f"{key}:identity", plain, timeout=entry_timeout())
        return plain

    async def _version(self, conns):
        """The data version, read after this request arrived, shared with every request that arrives
        before that read is sent (a group read). Under load a worker's concurrent hits make one
        query instead of one each; each still sees every write committed before it arrived, because
        it only joins a read that has not been sent yet."""
        if conns.next_read is None:
            conns.next_read = asyncio.get_running_loop().create_future()
            task = asyncio.ensure_future(self._read(conns, conns.next_read))
            conns.reads.add(task)
            task.add_done_callback(conns.reads.discard)
        return await asyncio.shield(conns.next_read)

    async def _read(self, conns, result):
        async with conns.lock:  # one query at a time on the connection: waits for the read in flight
            if conns.next_read is result:
                conns.next_read = None  # sent now: a request arriving from here on needs a later read
            try:
                if conns.pg is None or conns.pg.closed:
                    conns.pg = await self._connect()
                cursor = await conns.pg.execute(_READ, prepare=True)
                row = await cursor.fetchone()
            except Exception as error:
                if conns.pg is not None:
                    await conns.pg.close()
                conns.pg = None
                result.set_exception(error)
                return
        result.set_result(row[0] if row else 0)

    @staticmethod
    async def _connect():
        import psycopg

        db = settings.DATABASES["default"]
        params = {
            "dbname": db["NAME"],
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            **{k: v for k, v in db.get("OPTIONS", {}).items() if isinstance(v, str | int)},
        }
        return await psycopg.AsyncConnection.connect(
            **{k: v for k, v in params.items() if v not in (None, "")}, autocommit=True
        )

    async def close(self):
        """Close this event loop's connections (a test ends its loop; a worker's lives as long as it)."""
        conns = self._loops.pop(asyncio.get_running_loop(), None)
        if conns is not None:
            if conns.pg is not None:
                await conns.pg.close()
            await conns.redis.aclose()

    def forget_closed_loops(self):
        """Close the PostgreSQL connections of event loops that have ended (a worker has one loop for
        its life; tests run many, and a database with open sessions cannot be dropped)."""
        for loop in [loop for loop in self._loops if loop.is_closed()]:
            conns = self._loops.pop(loop)
            if conns.pg is not None and not conns.pg.closed:
                conns.pg.pgconn.finish()  # synchronous: the loop it belonged to is gone

    def _for_loop(self) -> _Loop:
        loop = asyncio.get_running_loop()
        conns = self._loops.get(loop)
        if conns is None:
            import redis.asyncio

            self.forget_closed_loops()
            conns = self._loops[loop] = _Loop()
            location = caches["default"]._servers[0]
            conns.redis = redis.asyncio.Redis.from_url(location)
        return conns

    # --- the answer ------------------------------------------------------------------------------
    def _outer_chain(self):
        """settings.MIDDLEWARE up to the response cache, around the stored answer: built as Django's
        handler builds its chain, again whenever MIDDLEWARE changes."""
        middleware = tuple(settings.MIDDLEWARE)
        if self._chain_for != middleware:
            handler = convert_exception_to_response(_answer)
            for path in reversed(middleware[: middleware.index(RESPONSE_CACHE_MIDDLEWARE)]):
                if path == SESSION_MIDDLEWARE:
                    handler = convert_exception_to_response(_seed_session(handler))
                try:
                    instance = import_string(path)(handler)
                except MiddlewareNotUsed:
                    continue
                handler = convert_exception_to_response(instance)
            self._chain, self._chain_for = handler, middleware
        return self._chain

    @staticmethod
    def _to_asgi(response):
        """What SiteApp sends for a Django response (WSGIHandler's header list, cookies included)."""
        headers = [*response.items(), *(("Set-Cookie", c.OutputString()) for c in response.cookies.values())]
        return (
            response.status_code,
            [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers],
            [response.content],
        )


lane = HitLane()
