"""Drive the site's ASGI app (`portal.asgi.django_application`: the hit lane, then Django in the
thread pool) in process, on an event loop of its own in a thread, as a server runs it. The thread
path runs in a pool of one thread of its own, whose database connection is closed at the end (the
test database is dropped after the run)."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from django.conf import settings
from django.db import connections

from portal import hitlane, threads


class Site:
    """`with Site() as site: site.get(path, headers=..., cookies=...)` -> httpx.Response."""

    def __enter__(self):
        from portal.asgi import django_application

        self.saved_pool, threads._pool = threads._pool, ThreadPoolExecutor(max_workers=1)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        transport = httpx.ASGITransport(app=django_application, client=("127.0.0.1", 50000))
        base = settings.SITE_URL.rstrip("/")
        self.http = self._run(self._make(transport, base))
        return self

    @staticmethod
    async def _make(transport, base):
        return httpx.AsyncClient(transport=transport, base_url=base, timeout=30)

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def request(self, method, path, **kwargs) -> httpx.Response:
        return self._run(self.http.request(method, path, **kwargs))

    def get(self, path, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def __exit__(self, *exc):
        async def close():
            await self.http.aclose()
            await hitlane.lane.close()

        self._run(close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
        threads._pool.submit(connections.close_all).result(timeout=10)
        threads._pool.shutdown()
        threads._pool = self.saved_pool
