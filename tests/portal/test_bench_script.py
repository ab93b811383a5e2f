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
