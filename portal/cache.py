"""The shared cache: Django's RedisCache, with one Redis client per connection pool, cleared by key
prefix instead of FLUSHDB.

- Django's RedisCacheClient builds a new `redis.Redis` object for every cache call; its
  constructor fills a table of ~170 response callbacks, which made it the largest CPU cost of a
  cached page after the network itself (a signed-in hit makes three cache calls). A `redis.Redis`
  is thread-safe (each command borrows a connection from the pool), so one per pool is reused.
- Redis may hold more than this cache (the Celery broker uses the same REDIS_URL): clearing the
  cache (the test suite does, before every test) deletes only the keys under KEY_PREFIX.
"""

import threading

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_shared_clients = {}
_shared_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            with self._lock:
                client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class PrefixedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _shared_clients.get(key)
        if client is None:
            with _shared_lock:
                if key not in _shared_clients:
                    _shared_clients[key] = self._class(self._servers, **self._options)
                client = _shared_clients[key]
        return client

    def clear(self):
        client = self._cache.get_client(write=True)
        pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True


_MISSING = object()


class NearCache(BaseCache):
    """Two levels for entries that never change under their key (keys that carry the data version:
    page fragments, per-version memos): this process's memory first, then the shared cache.

    A fragment read from Redis cost a round trip and ~60 us of redis-py per fragment, five to eight
    per page; from memory it costs a dict lookup. No entry can go stale: a write changes the data
    version, so every key. The memory level is a bounded LocMemCache (MAX_ENTRIES, culled as
    Django culls) whose entries live at most NEAR_TIMEOUT seconds; `clear()` empties both levels.

        "template_fragments": {"BACKEND": "portal.cache.NearCache", "LOCATION": "fragments",
                               "OPTIONS": {"FAR": "default", "MAX_ENTRIES": 500, "NEAR_TIMEOUT": 120}}
    """

    def __init__(self, location, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self._far_alias = options.get("FAR", "default")
        self._near_timeout = options.get("NEAR_TIMEOUT", 120)
        self._near = LocMemCache(
            f"near-{location}",
            {"TIMEOUT": self._near_timeout, "OPTIONS": {"MAX_ENTRIES": options.get("MAX_ENTRIES", 500)}},
        )

    @property
    def _far(self):
        return caches[self._far_alias]

    def _near_for(self, timeout):
        if timeout is DEFAULT_TIMEOUT or timeout is None:
            return self._near_timeout
        return min(timeout, self._near_timeout)

    def get(self, key, default=None, version=None):
        value = self._near.get(key, _MISSING, version=version)
        if value is _MISSING:
            value = self._far.get(key, _MISSING, version=version)
            if value is _MISSING:
                return default
            self._near.set(key, value, timeout=self._near_timeout, version=version)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._far.set(key, value, timeout=timeout, version=version)
        self._near.set(key, value, timeout=self._near_for(timeout), version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        added = self._far.add(key, value, timeout=timeout, version=version)
        if added:
            self._near.set(key, value, timeout=self._near_for(timeout), version=version)
        return added

    def delete(self, key, version=None):
        self._near.delete(key, version=version)
        return self._far.delete(key, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._far.touch(key, timeout=timeout, version=version)

    def has_key(self, key, version=None):
        return self._near.has_key(key, version=version) or self._far.has_key(key, version=version)

    def clear(self):
        """Empties this process's level only: the far level is the shared cache (sessions live there
        too), cleared through its own alias."""
        self._near.clear()
