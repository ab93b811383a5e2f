"""MCP tool calls over HTTP run side by side, in the bounded pool of reused threads the pages use
(`portal.threads`), each recycling its thread's connection as a request does; called from sync code
(the in-process client of the other tests), a tool runs in the caller's thread and sees its transaction.

The HTTP app is driven in process (httpx's ASGI transport) on an event loop of its own, as a server
runs it: no `async_to_sync` caller above it.
"""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from mcp import Client

from portal import mcp_server, threads
from portal.mcp_server import _in_sync_thread, mcp

from .mcp_asgi import post_concurrently, tool_call_body

SLOW = 0.4  # seconds a probe call sleeps


@pytest.fixture
def slow_probe():
    """A tool that sleeps SLOW seconds and records (start, end, thread) of each call."""
    calls = []

    def slow_probe(n: int) -> str:
        """Sleep a while and answer n (a test probe)."""
        start = time.monotonic()
        time.sleep(SLOW)
        calls.append((start, time.monotonic(), threading.get_ident()))
        return str(n)

    mcp.add_tool(_in_sync_thread(slow_probe), name="slow_probe")
    yield calls
    mcp.remove_tool("slow_probe")


def most_at_once(calls) -> int:
    return max(sum(1 for s, e, _ in calls if s <= start < e) for start, _, _ in calls)


def test_two_slow_tool_calls_overlap_in_time(slow_probe):
    seconds, responses = post_concurrently([tool_call_body("slow_probe", {"n": i}, i) for i in (1, 2)])
    assert [r.status_code for r in responses] == [200, 200]
    assert [r.json()["result"]["content"][0]["text"] for r in responses] == ["1", "2"]
    (s1, e1, t1), (s2, e2, t2) = slow_probe
    assert s1 < e2 and s2 < e1, "the second call waited for the first to end"
    assert t1 != t2 and seconds < 2 * SLOW


def test_tool_calls_are_bounded_by_web_threads(slow_probe, monkeypatch):
    small = ThreadPoolExecutor(max_workers=2, thread_name_prefix=threads.THREAD_NAME_PREFIX)
    monkeypatch.setattr(threads, "_pool", small)  # as WEB_THREADS=2 would make it
    try:
        seconds, responses = post_concurrently([tool_call_body("slow_probe", {"n": i}, i) for i in range(4)])
    finally:
        small.shutdown()
    assert all(r.status_code == 200 for r in responses)
    assert most_at_once(slow_probe) == 2
    assert seconds >= 2 * SLOW


def test_pages_and_tool_calls_share_one_pool_of_long_lived_threads(db):
    """SiteApp (pages) and the MCP tools run in the same process-wide pool: one bound per worker, and
    a thread (with its connection) outlives the request and the event loop that used it."""
    import portal.asgi

    async def threads_used():
        seen = []

        def app(environ, start_response):
            seen.append(threading.current_thread())
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [],
                 "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "scheme": "http", "root_path": "",
                 "http_version": "1.1"}  # fmt: skip
        await portal.asgi.SiteApp(app)(scope, receive, send)
        seen.append(await threads.run_sync(threading.current_thread))
        return seen, sent[0]["status"]

    def in_a_fresh_loop():
        with ThreadPoolExecutor(max_workers=1) as runner:
            return runner.submit(asyncio.run, threads_used()).result()

    (page_thread, tool_thread), status = in_a_fresh_loop()
    (later_thread, _), _ = in_a_fresh_loop()
    pooled = set(threads.pool()._threads)
    assert status == 200 and {page_thread, tool_thread, later_thread} <= pooled
    assert all(t.is_alive() for t in (page_thread, tool_thread))


@pytest.mark.django_db(transaction=True)
def test_a_pooled_tool_call_sees_committed_data_and_recycles_its_connection(monkeypatch):
    from tests.factories import GroupFactory

    GroupFactory(slug="committed-group")
    from django.db import connection

    recycled = []

    def recycle():
        recycled.append(threading.get_ident())
        real()
        if len(recycled) == 2:  # the test database is dropped at the end: let go of the pool thread's connection
            connection.close()

    real = mcp_server.close_old_connections
    monkeypatch.setattr(mcp_server, "close_old_connections", recycle)
    _, (response,) = post_concurrently([tool_call_body("list_groups", {})])
    slugs = [g["slug"] for g in response.json()["result"]["structuredContent"]["groups"]]
    assert "committed-group" in slugs
    assert len(recycled) == 2 and len(set(recycled)) == 1 and recycled[0] != threading.get_ident()


def test_called_from_sync_code_a_tool_runs_in_the_callers_thread(db, slow_probe):
    """The in-process client under async_to_sync: the caller's thread (and its transaction) runs the tool."""

    async def go():
        async with Client(mcp) as client:
            return await client.call_tool("slow_probe", {"n": 7})

    result = async_to_sync(go)()
    assert result.content[0].text == "7"
    assert slow_probe[0][2] == threading.get_ident()


# --- answers per data version (DESIGN 9) ------------------------------------------------------------------
def test_a_repeated_tool_call_is_answered_per_data_version_with_one_query(db, django_assert_num_queries):
    from tests.factories import GroupFactory

    from .test_mcp import call

    GroupFactory(slug="alpha")
    first = call("list_groups").structured_content
    with django_assert_num_queries(1):  # the data version
        assert call("list_groups").structured_content == first
    GroupFactory(slug="beta")  # any write bumps the version: the next answer is new
    assert [g["slug"] for g in call("list_groups").structured_content["groups"]] == ["alpha", "beta"]


def test_tools_whose_answer_depends_on_the_clock_are_not_cached(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_mcp import call

    call("upcoming_meetings")
    with CaptureQueriesContext(connection) as ctx:
        call("upcoming_meetings")
    assert len(ctx.captured_queries) > 1
