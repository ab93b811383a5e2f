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
