"""The one bounded pool of reused threads where the site's sync code runs under ASGI.

Pages (`portal.asgi.SiteApp`) and MCP tool calls (`portal.mcp_server`) both run here, so a worker
process holds at most `WEB_THREADS` database connections whatever the mix of requests, and a slow
tool call never waits behind another one (before, every tool call of a process ran in asgiref's one
thread-sensitive thread: an MCP call measured 0.02 of /healthz's throughput).

anyio's worker threads are reused (an idle one is kept for the next call), so each keeps its own
connection across calls (`CONN_MAX_AGE`), as a sync gunicorn worker does; callers recycle it per
call as Django does per request. One limiter per event loop: a CapacityLimiter belongs to the loop
that made it (tests run several loops in one process).
"""

import asyncio
import functools
import os
import weakref

import anyio
import anyio.to_thread

WEB_THREADS = int(os.environ.get("WEB_THREADS", "8"))  # per worker: at most this many DB connections

_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]" = weakref.WeakKeyDictionary()


def limiter() -> anyio.CapacityLimiter:
    """The running event loop's limiter (`WEB_THREADS` tokens), shared by pages and tool calls."""
    loop = asyncio.get_running_loop()
    found = _limiters.get(loop)
    if found is None:
        found = _limiters[loop] = anyio.CapacityLimiter(WEB_THREADS)
    return found


async def run_sync(fn, /, *args, **kwargs):
    """`fn(*args, **kwargs)` in one of the pool's threads (contextvars carried over), awaiting its result."""
    if kwargs:
        fn = functools.partial(fn, **kwargs)
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter())
