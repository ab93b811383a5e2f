"""bin/bench.py's pure parts: which database it uses and how it reads wrk's report."""

import importlib.util
import subprocess

import pytest

from tests.portal.helpers import ROOT

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:41131/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   107.90ms   12.31ms 171.64ms   81.24%
    Req/Sec    74.43     14.12   101.00     68.33%
  Latency Distribution
     50%  106.59ms
     75%  112.34ms
     90%  121.02ms
     99%    1.38s
  447 requests in 3.02s, 4.59MB read
  Non-2xx or 3xx responses: 2
Requests/sec:    148.02
Transfer/sec:      1.52MB
"""


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "bin" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_uses_a_sibling_database_never_the_configured_one(bench, monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_dev")
    assert bench.bench_database_url() == "postgres://postgres@127.0.0.1:5432/portal_dev_bench"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    assert bench.bench_database_url().endswith("/portal_bench")
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://u@h:1/b")
    assert bench.bench_database_url() == "postgres://u@h:1/b"


def test_bench_reads_wrk_report(bench, monkeypatch):
    monkeypatch.setattr(
        bench.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=WRK_OUTPUT, stderr="")
    )
    result = bench.load_wrk("wrk", 1, {"path": "/", "cookie": ""}, 3, 16)
    assert result == {"rps": 148.02, "p50": 106.59, "p99": 1380.0, "errors": 2}


def test_bench_lists_home_page(bench):
    from portal import bench as portal_bench

    assert ("home", "/") in portal_bench.urls()


def test_portal_bench_seed_is_idempotent(db, monkeypatch):
    from portal import bench as portal_bench
    from portal.models import Event, User

    monkeypatch.setattr(portal_bench, "EVENTS", 60)
    monkeypatch.setattr(portal_bench, "PEOPLE", 12)
    portal_bench.seed()
    counts = (User.objects.count(), Event.objects.count())
    portal_bench.seed()
    assert (User.objects.count(), Event.objects.count()) == counts
    assert Event.objects.filter(verb__startswith="bench.").count() == 60
    assert User.objects.filter(username="lena", ladder_role="lead_maintainer").exists()


def test_bench_posts_the_mcp_tool_call_through_a_wrk_script(bench):
    target = bench.mcp_target('bench-"001"')
    script = bench.wrk_script(target)
    assert script.startswith('wrk.method = "POST"\n')
    body = script.split("wrk.body = ", 1)[1].strip()
    import json

    call = json.loads(json.loads(body))  # the Lua string literal is the JSON-RPC body, quotes escaped
    assert call["method"] == "tools/call"
    assert call["params"] == {"name": "get_group", "arguments": {"slug": 'bench-"001"'}}
    assert bench.request_headers(target)["Accept"] == "application/json, text/event-stream"


def test_bench_repolls_every_feed_with_its_etag_and_expects_304(bench, monkeypatch):
    answers = {"/seps/feed/": (200, {"ETag": '"abc"'}), "/broken.ics": (200, {})}
    monkeypatch.setattr(bench, "fetch", lambda port, target: (*answers[target["path"]], b""))
    targets = [
        {"label": "SEP feed", "path": "/seps/feed/", "cookie": ""},
        {"label": "a feed without an ETag", "path": "/broken.ics", "cookie": ""},
        {"label": "SEP index", "path": "/seps/", "cookie": ""},
    ]
    repolls = bench.conditional_targets(1, targets)
    assert [t["path"] for t in repolls] == ["/seps/feed/"]
    assert repolls[0]["headers"] == {"If-None-Match": '"abc"'}
    assert bench.expected_status(repolls[0]) == 304
    assert repolls[0]["label"].endswith("(304 re-poll)")
