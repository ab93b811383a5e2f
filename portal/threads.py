"""The one bounded pool of reused threads where the site's sync code runs under ASGI.

Pages (`portal.asgi.SiteApp`) and MCP tool calls (`portal.mcp_server`) both run here, so a worker
process holds at most `WEB_THREADS` database connections whatever the mix of requests, and a slow
tool call never waits behind another one (before, every tool call of a process ran in asgiref's one
thread-sensitive thread: an MCP call measured 0.02 of /healthz's throughput).

A process-wide ThreadPoolExecutor of `WEB_THREADS` long-lived threads: each keeps its own database
connection (`CONN_MAX_AGE`) and Redis pool across calls, as a sync gunicorn worker does; callers
recycle the connection per call as Django does per request. (anyio's worker threads expire after
10 idle seconds, so after any lull every new thread re-opened its connections: the first seconds
ran at 10 req/s.) Work waits in the executor's queue when every thread is busy. One pool for the
process serves every event loop (tests run several loops in one process).
"""

import asyncio
import contextvars
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

# Per worker: at most this many DB connections. Two, because a worker's Python runs one thread at a
# time: with 8 threads, CPU-bound renders fought over the GIL and starved the event loop (which
# answers cache hits and moves every response); on the bench a page miss ran at 250-460 req/s with 8,
# 560-760 with 2, and /healthz the same with both (#14). Raise it for slow, I/O-bound tool calls.
WEB_THREADS = int(os.environ.get("WEB_THREADS", "2"))
THREAD_NAME_PREFIX = "web"

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """The process's pool, made on first use (after a fork, in the worker process)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=WEB_THREADS, thread_name_prefix=THREAD_NAME_PREFIX)
    return _pool


async def run_sync(fn, /, *args, **kwargs):
    """`fn(*args, **kwargs)` in one of the pool's threads, with the caller's contextvars, awaiting its result."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool(), call)
