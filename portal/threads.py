"""The one bounded pool of long-lived threads where the site's sync code runs under ASGI.

Pages (`portal.asgi.SiteApp`) and MCP tool calls (`portal.mcp_server`) both run here, so a worker
process holds at most `WEB_THREADS` database connections whatever the mix of requests, and a slow
tool call never waits behind another one (before, every tool call of a process ran in asgiref's one
thread-sensitive thread: an MCP call measured 0.02 of /healthz's throughput).

The threads live as long as the process (a `ThreadPoolExecutor`), so each keeps its database
connection (`CONN_MAX_AGE`) as a sync gunicorn worker does; callers recycle it per call as Django
does per request. anyio's worker threads, used before, retire after 10 s idle: each new one
re-opened its connection, and the first seconds after any lull ran at about 10 requests a second
(seen in `make bench`). One pool per process, shared by every event loop (tests run several).
"""

import asyncio
import contextvars
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

WEB_THREADS = int(os.environ.get("WEB_THREADS", "8"))  # per worker: at most this many DB connections
THREAD_NAME_PREFIX = "site"

_pools: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """The process's pool of `WEB_THREADS` threads (made on first use)."""
    size = WEB_THREADS
    found = _pools.get(size)
    if found is None:
        with _lock:
            found = _pools.setdefault(size, ThreadPoolExecutor(max_workers=size, thread_name_prefix=THREAD_NAME_PREFIX))
    return found


async def run_sync(fn, /, *args, **kwargs):
    """`fn(*args, **kwargs)` in one of the pool's threads (contextvars carried over), awaiting its result."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool(), call)
