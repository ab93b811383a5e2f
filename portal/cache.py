"""The shared cache: Django's RedisCache, cleared by key prefix instead of FLUSHDB.

Redis may hold more than this cache (the Celery broker uses the same REDIS_URL): clearing the
cache (the test suite does, before every test) deletes only the keys under KEY_PREFIX.
"""

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
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
