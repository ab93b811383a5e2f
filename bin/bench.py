#!/usr/bin/env python3
"""`make bench`: throughput and latency of the portal's pages, as ratios to a bare view.

Starts the production server shape (gunicorn with 2 uvicorn workers serving portal.asgi: pages,
/api/ and /mcp; DEBUG off, PostgreSQL, Redis) on a free loopback port against a dedicated database
(created and migrated here), seeds a large data set through every `<app>/bench.py` (`seed()`,
idempotent), then loads `/healthz` and each page of every `urls()`, a 304 re-poll of every feed
(If-None-Match with the ETag of its first answer) and one MCP tool call (a stateless JSON-RPC
POST to /mcp), with wrk (a bounded Python loop when wrk is missing), and prints requests/s, p50,
p99 and the ratio to `/healthz` measured in the same run. Only loopback traffic; every step is
time-bounded. Rate limits are raised for the run (the load comes from one address).

    make bench                       # 3 rounds x 5 s per URL, 16 connections; median of the rounds
    BENCH_SECONDS=10 make bench
    bin/bench.py --cold              # the response cache off (RESPONSE_CACHE=false): what a miss costs
    bin/bench.py --cold --no-fragments  # and the fragment cache off: a miss right after a write
    bin/bench.py --no-hit-lane       # hits through the thread pool and Django's handler (portal/hitlane.py off)
    bin/bench.py --in-process        # one process, no HTTP: CPU ms and queries per request
    bin/bench.py --sweeps-only       # time every periodic sweep on the bench data
    bin/bench.py --server wsgi       # sync gunicorn workers instead (no /mcp)

Every run also times each sweep of CELERY_BEAT_SCHEDULE on the bench data (twice: the first run
may have work to catch up; the second is the steady state of every later tick).
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench make bench
                                     # default: <DATABASE_URL's name>_bench, else portal_bench
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
APPS = ("portal", "groups", "meetings", "seps")


def log(msg):
    print(f"== {msg}", file=sys.stderr, flush=True)


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(base)  # a sibling of the configured database, never the database itself
        return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_bench"))
    return "postgres://postgres@127.0.0.1:5432/portal_bench"


def ensure_database(url: str):
    import psycopg  # from the project's environment (the script runs with .venv's python)

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def child_env(db_url: str, static_root: Path) -> dict:
    # REDIS_URL stays: the response cache, sessions and users are shared by the workers as in
    # production (keys carry the database's name, so the bench never meets another database's).
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "TESTING"}}
    env.update(
        DEBUG="false",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=db_url,
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(static_root),
        EMAIL_URL="dummymail://",
        CELERY_TASK_ALWAYS_EAGER="true",  # no broker needed while seeding
        CACHE_KEY_PREFIX="portal-bench",  # a test run clearing its cache on the same Redis leaves these alone
        LOG_LEVEL="WARNING",
        API_RATE_LIMIT="100000000/m",  # the load comes from one address; the limiter still runs
        MCP_RATE_LIMIT="100000000/m",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    return env


def run(cmd, env, timeout):
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=timeout)


# --- the seeding step, run inside Django in a child process ---------------------------------


def seed_and_collect() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User

    targets = []
    from portal.hooks import app_modules

    for module in app_modules("bench", apps=APPS):
        app = module.__name__.split(".")[0]
        started = time.monotonic()
        module.seed()
        print(f"== seeded {app} in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
        for entry in module.urls():
            label, path, *who = entry
            cookie = ""
            if who:
                user = User.objects.get(username=who[0])
                session = SessionStore()
                session[SESSION_KEY] = str(user.pk)
                session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                session[HASH_SESSION_KEY] = user.get_session_auth_hash()
                session.create()
                cookie = f"sessionid={session.session_key}"
            targets.append({"app": app, "label": label, "path": path, "cookie": cookie})
    print(json.dumps(targets))


# Beat entries that are not sweeps of the portal's own data: the GitHub sync's time here would be a
# failed connection (the bench has no GitHub); its steady cost is conditional requests (README).
NETWORK_TASKS = ("portal.github.",)


def time_sweeps() -> None:
    """Run every sweep of CELERY_BEAT_SCHEDULE twice on the bench data; print JSON rows of
    (task, run, ms, queries)."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    import importlib

    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if entry["task"].startswith(NETWORK_TASKS):
            rows.append({"sweep": name, "run": 0, "skipped": "talks to GitHub, not the database: its cost is requests"})
            continue
        module, _, attr = entry["task"].rpartition(".")
        task = getattr(importlib.import_module(module), attr)
        for run in (1, 2):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                task.run()
                ms = (time.perf_counter() - started) * 1000
            rows.append({"sweep": name, "run": run, "ms": ms, "queries": len(queries)})
    print(json.dumps(rows))


class _Counted(list):
    """Execute wrapper that keeps the SQL of every query (robust to reset_queries at request start)."""

    def __call__(self, execute, sql, params, many, context):
        self.append(sql)
        return execute(sql, params, many, context)


def in_process(targets, rounds: int, requests: int) -> None:
    """Each URL through Django's WSGI handler in this process (no HTTP, no load generator, and not
    the test client, whose bookkeeping doubled a page's cost): CPU ms per request (median of
    `rounds`, each the mean of `requests` requests) and queries per request."""
    import io

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    app = WSGIHandler()

    def get(target) -> int:
        path, _, query = target["path"].partition("?")
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in request_headers(target).items()},
        }  # fmt: skip
        status = []
        body = app(environ, lambda s, headers, exc_info=None: status.append(int(s.split()[0])))
        b"".join(body)
        body.close()
        return status[0]

    rows = []
    for target in targets:
        for _ in range(3):
            get(target)  # warm: caches, connections, templates
        queries = _Counted()
        checks, connection.health_check_enabled = connection.health_check_enabled, False
        try:  # the data version is read through the ORM cursor (counted), not straight off the driver
            with connection.execute_wrapper(queries):
                status = get(target)
        finally:
            connection.health_check_enabled = checks
        cpu = []
        for _ in range(rounds):
            started = time.process_time()
            for _ in range(requests):
                get(target)
            cpu.append((time.process_time() - started) * 1000 / requests)
        rows.append({**target, "status": status, "cpu_ms": statistics.median(cpu), "queries": len(queries)})
    print(json.dumps(rows))


# --- load generation ------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def request_headers(target) -> dict:
    headers = dict(target.get("headers") or {})
    if target["cookie"]:
        headers["Cookie"] = target["cookie"]
    return headers


def wrk_script(target) -> str:
    """A wrk Lua script for a request with a method and body other than a plain GET."""
    body = json.dumps(target.get("body", ""))  # a JSON string literal is a valid Lua string literal here
    return f'wrk.method = "{target.get("method", "GET")}"\nwrk.body = {body}\n'


def load_wrk(wrk, port, target, seconds, connections):
    cmd = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in request_headers(target).items():
        cmd += ["-H", f"{name}: {value}"]
    script = None
    if target.get("method", "GET") != "GET":
        script = ROOT / ".dev" / f"bench-{os.getpid()}.lua"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(wrk_script(target))
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}{target['path']}")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    finally:
        if script:
            script.unlink(missing_ok=True)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": _ms(p50.group(1)) if p50 else float("nan"),
        "p99": _ms(p99.group(1)) if p99 else float("nan"),
        "errors": (int(bad.group(1)) if bad else 0) + (1 if errors else 0),
    }


def load_python(port, target, seconds, connections):
    """A bounded keep-alive load loop with threads, for machines without wrk."""
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()
    headers = request_headers(target)
    method, body = target.get("method", "GET"), target.get("body")

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                conn.request(method, target["path"], body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status >= 400:
                    bad += 1
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(min(connections, 8))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 15)
    elapsed = time.monotonic() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    return {"rps": len(latencies) / elapsed, "p50": q[49], "p99": q[98], "errors": errors[0]}


def find_wrk():
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk missing: installing it from Debian packages")
        try:
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True, timeout=300)
            if not shutil.which("wrk"):
                subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
                subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            pass
    return shutil.which("wrk")


SERVERS = {
    "asgi": ("gunicorn + uvicorn workers (2), as in production",
             ["portal.asgi:application", "--worker-class", "uvicorn_worker.UvicornWorker"]),
    "wsgi": ("gunicorn sync workers (2)", ["portal.wsgi"]),
}  # fmt: skip


def server_command(kind: str, port: int) -> list:
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    # --reuse-port as in production (Dockerfile): each worker its own listening socket, so the kernel
    # spreads connections over the workers (one shared socket let the first worker awake take most)
    return [gunicorn, *SERVERS[kind][1], "--workers", "2", "--reuse-port", "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port, target):
    """(status, headers, body) of one request for `target`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(target.get("method", "GET"), target["path"], body=target.get("body"),
                     headers=request_headers(target))  # fmt: skip
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def fetch_status(port, target) -> int:
    return fetch(port, target)[0]


def expected_status(target) -> int:
    return target.get("expect", 200)


# The MCP tool call measured beside the pages: one stateless Streamable HTTP request (JSON response).
MCP_TARGET = {
    "app": "portal",
    "label": "MCP: tools/call get_group",
    "path": "/mcp",
    "cookie": "",
    "method": "POST",
    "headers": {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    },  # fmt: skip
}


def mcp_target(slug: str) -> dict:
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "get_group", "arguments": {"slug": slug}},
    }
    return {**MCP_TARGET, "body": json.dumps(call)}


# Calendar and feed readers ask for gzip (Google Calendar, Apple Calendar, Thunderbird, browsers all
# send Accept-Encoding: gzip), so the feeds are measured that way; the first feed is measured once
# more without it, for the clients that do not (they get the stored gzip decompressed).
FEED_ACCEPT_ENCODING = "gzip"


def feed_encodings(targets) -> list:
    out, plain_added = [], False
    for target in targets:
        if "feed" not in target["label"] or target.get("method", "GET") != "GET":
            out.append(target)
            continue
        headers = {**(target.get("headers") or {}), "Accept-Encoding": FEED_ACCEPT_ENCODING}
        out.append({**target, "headers": headers})
        if not plain_added:
            out.append({**target, "label": f"{target['label']} (no gzip)", "repoll": False})
            plain_added = True
    return out


def conditional_targets(port, targets) -> list:
    """A 304 re-poll for every feed: the same URL with the ETag its first answer carried."""
    repolls = []
    for target in targets:
        if "feed" not in target["label"] or target.get("method", "GET") != "GET" or not target.get("repoll", True):
            continue
        status, headers, _ = fetch(port, target)
        etag = {k.lower(): v for k, v in headers.items()}.get("etag")
        if status == 200 and etag:
            repolls.append({**target, "label": f"{target['label']} (304 re-poll)",
                            "headers": {**(target.get("headers") or {}), "If-None-Match": etag}, "expect": 304})  # fmt: skip
        else:
            log(f"{target['path']}: no ETag (HTTP {status}); no 304 re-poll measured")
    return repolls


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--python-load", action="store_true", help="use the Python loop even if wrk exists")
    parser.add_argument("--only", default="", help="only URLs whose label or path contains this text")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per URL; the median is reported")
    parser.add_argument("--server", choices=sorted(SERVERS), default="asgi",
                        help="asgi: production's gunicorn + uvicorn workers (pages, /api/, /mcp); wsgi: sync gunicorn")  # fmt: skip
    parser.add_argument("--cold", action="store_true", help="response cache off: every request is a miss")
    parser.add_argument("--no-fragments", action="store_true", help="fragment cache off: a miss right after a write")
    parser.add_argument("--no-hit-lane", action="store_true", help="hits through the thread pool, not the event loop")
    parser.add_argument("--in-process", action="store_true", help="CPU ms and queries per request, one process")
    parser.add_argument("--sweeps-only", action="store_true", help="only time the sweeps on the bench data")
    parser.add_argument("--no-sweeps", action="store_true", help="skip timing the sweeps")
    parser.add_argument("--seed-and-collect", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time-sweeps", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--in-process-child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_and_collect:
        return seed_and_collect()
    if args.time_sweeps:
        return time_sweeps()
    if args.in_process_child:
        return in_process(json.loads(Path(args.in_process_child).read_text()), args.rounds, 100)

    db_url = bench_database_url()
    static_root = ROOT / ".dev" / "bench-static"
    env = child_env(db_url, static_root)
    if args.cold:
        env["RESPONSE_CACHE"] = "false"
    if args.no_fragments:
        env["FRAGMENT_CACHE"] = "false"
    if args.no_hit_lane:
        env["RESPONSE_CACHE_HIT_LANE"] = "false"
    log(f"database {urlsplit(db_url).path.lstrip('/')}")
    ensure_database(db_url)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env, timeout=600)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env, timeout=300)
    log("seeding (idempotent; the first run takes longest)")
    seeded = subprocess.run(
        [PY, str(Path(__file__).resolve()), "--seed-and-collect"],
        cwd=ROOT, env=env, check=True, timeout=1200, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    targets = feed_encodings(json.loads(seeded.stdout.strip().splitlines()[-1]))
    if args.only:
        targets = [t for t in targets if args.only in t["label"] or args.only in t["path"]]
    baseline = {"app": "portal", "label": "bare view (baseline)", "path": "/healthz", "cookie": ""}
    mode = "response cache OFF (--cold)" if args.cold else "response cache on"
    mode += ", fragment cache OFF" if args.no_fragments else ""
    mode += ", hit lane OFF" if args.no_hit_lane else ""

    if not args.no_sweeps or args.sweeps_only:
        timed = subprocess.run(
            [PY, str(Path(__file__).resolve()), "--time-sweeps"],
            cwd=ROOT, env=env, check=True, timeout=1200, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        print("\nSweeps on the bench data (run 1 may catch up; run 2 is every later tick):")
        for row in json.loads(timed.stdout.strip().splitlines()[-1]):
            if "skipped" in row:
                print(f"  {row['sweep']:<24} not timed: {row['skipped']}")
                continue
            print(f"  {row['sweep']:<24} run {row['run']}: {row['ms']:>8.1f} ms {row['queries']:>6} queries")
        if args.sweeps_only:
            return None

    if args.in_process:
        spec = ROOT / ".dev" / "bench-targets.json"
        spec.write_text(json.dumps([baseline, *targets]))
        out = subprocess.run(
            [PY, str(Path(__file__).resolve()), "--in-process-child", str(spec), "--rounds", str(args.rounds)],
            cwd=ROOT, env=env, check=True, timeout=1800, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        rows = json.loads(out.stdout.strip().splitlines()[-1])
        base = rows[0]["cpu_ms"]
        print(
            f"\nIn process ({mode}): CPU ms per request (median of {args.rounds} rounds of 100), queries per request."
        )
        print(f"Ratio = /healthz CPU ms / page CPU ms (baseline {base:.2f} ms).\n")
        header = f"{'URL':<44} {'label':<34} {'status':>6} {'CPU ms':>8} {'queries':>8} {'ratio':>7}"
        print(header)
        print("-" * len(header))
        for r in rows:
            path = r["path"] + (" [signed in]" if r["cookie"] else "")
            print(f"{path[:44]:<44} {r['label'][:34]:<34} {r['status']:>6} {r['cpu_ms']:>8.2f} {r['queries']:>8} "
                  f"{base / r['cpu_ms']:>7.2f}")  # fmt: skip
        return None

    wrk = None if args.python_load else find_wrk()
    tool = f"wrk ({wrk})" if wrk else "Python load loop (wrk not available)"
    port = free_port()
    log(
        f"{SERVERS[args.server][0]} on 127.0.0.1:{port}; load: {tool}, {args.connections} connections, {args.seconds}s/URL"
    )
    server = subprocess.Popen(server_command(args.server, port), cwd=ROOT, env=env, start_new_session=True)
    if args.server == "asgi" and (not args.only or "mcp" in args.only.lower()):
        slug = next((t["path"].split("/")[2] for t in targets if t["path"].startswith("/groups/bench-")), "bench-001")
        targets.append(mcp_target(slug))
    rows = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch_status(port, baseline) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gunicorn did not come up")
            time.sleep(0.3)

        def load(port, target, seconds):
            if wrk:
                return load_wrk(wrk, port, target, seconds, args.connections)
            return load_python(port, target, seconds, args.connections)

        targets += conditional_targets(port, targets)
        measured = {}
        for target in [baseline, *targets]:
            statuses = {fetch_status(port, target) for _ in range(3)}
            if statuses == {expected_status(target)}:  # warm every server thread's connections and caches
                load(port, target, 1)
            if statuses != {expected_status(target)}:
                measured[id(target)] = None
                log(f"{target['path']}: HTTP {sorted(statuses)}; skipped")
        for round_no in range(1, args.rounds + 1):
            for target in [baseline, *targets]:
                if measured.get(id(target), []) is None:
                    continue
                result = load(port, target, args.seconds)
                measured.setdefault(id(target), []).append(result)
                log(f"round {round_no}: {target['path']}: {result['rps']:.0f} req/s")
        for target in [baseline, *targets]:
            runs = measured.get(id(target))
            if not runs:
                rows.append((target, None, "failed"))
                continue
            rows.append((target, {
                "rps": statistics.median(r["rps"] for r in runs),
                "p50": statistics.median(r["p50"] for r in runs),
                "p99": statistics.median(r["p99"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
            }, ""))  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    base_rps = rows[0][1]["rps"] if rows and rows[0][1] else float("nan")
    print(f"\nLoad: {tool}; {args.connections} connections, {args.rounds} rounds x {args.seconds}s per URL (median);"
          f" {SERVERS[args.server][0]}, DEBUG off; {mode}.")  # fmt: skip
    print(f"Ratio = page req/s / /healthz req/s in this same run (baseline {base_rps:.0f} req/s).\n")
    header = f"{'URL':<44} {'label':<34} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for target, result, note in rows:
        path = target["path"] + (" [signed in]" if target["cookie"] else "")
        if result is None:
            print(f"{path:<44} {target['label'][:34]:<34} {note:>9}")
            continue
        ratio = result["rps"] / base_rps if base_rps else float("nan")
        flag = f"  ({result['errors']} errors)" if result["errors"] else ""
        print(
            f"{path[:44]:<44} {target['label'][:34]:<34} {result['rps']:>9.0f} {result['p50']:>9.2f} "
            f"{result['p99']:>9.2f} {ratio:>7.2f}{flag}"
        )


if __name__ == "__main__":
    main()
