#!/usr/bin/env python3
"""`make bench`: throughput and latency of the portal's pages, as ratios to a bare view.

Starts gunicorn (2 uvicorn workers serving the ASGI app, as in production; DEBUG off, PostgreSQL)
on a free loopback port against a dedicated database (created and migrated here), seeds a large data set through every
`<app>/bench.py` (`seed()`, idempotent), then loads `/healthz` and each page of every `urls()`
with wrk (a bounded Python loop when wrk is missing) and prints requests/s, p50, p99 and the
ratio to `/healthz` measured in the same run. Only loopback traffic; every step is time-bounded.

    make bench                       # 5 s per URL, 16 connections
    BENCH_SECONDS=10 make bench
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
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "TESTING", "REDIS_URL"}}
    env.update(
        DEBUG="false",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=db_url,
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(static_root),
        EMAIL_URL="dummymail://",
        CELERY_TASK_ALWAYS_EAGER="true",  # no broker needed while seeding
        LOG_LEVEL="WARNING",
        API_RATE_LIMIT="100000000/s",  # the load comes from one address: measure the API, not its limit
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
            label, path, *rest = entry
            who, body = (rest + [None, None])[:2]
            cookie = ""
            if who:
                user = User.objects.get(username=who)
                session = SessionStore()
                session[SESSION_KEY] = str(user.pk)
                session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                session[HASH_SESSION_KEY] = user.get_session_auth_hash()
                session.create()
                cookie = f"sessionid={session.session_key}"
            targets.append({"app": app, "label": label, "path": path, "cookie": cookie, "body": body})
    print(json.dumps(targets))


# --- load generation ------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


POST_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-06-18",
}


def _wrk_post_script(body) -> str:
    """A wrk Lua script POSTing `body` as JSON (MCP over Streamable HTTP)."""
    import tempfile

    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(body))}"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in POST_HEADERS.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    return f.name


def load_wrk(wrk, port, target, seconds, connections):
    cmd = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if target["cookie"]:
        cmd += ["-H", f"Cookie: {target['cookie']}"]
    if target.get("body") is not None:
        cmd += ["-s", _wrk_post_script(target["body"])]
    cmd.append(f"http://127.0.0.1:{port}{target['path']}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
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
    headers = {"Cookie": target["cookie"]} if target["cookie"] else {}
    method, payload = "GET", None
    if target.get("body") is not None:
        method, payload = "POST", json.dumps(target["body"]).encode()
        headers.update(POST_HEADERS)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                conn.request(method, target["path"], body=payload, headers=headers)
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch_status(port, target) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Cookie": target["cookie"]} if target["cookie"] else {}
        if target.get("body") is not None:
            conn.request("POST", target["path"], body=json.dumps(target["body"]), headers={**headers, **POST_HEADERS})
        else:
            conn.request("GET", target["path"], headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--python-load", action="store_true", help="use the Python loop even if wrk exists")
    parser.add_argument("--only", default="", help="only URLs whose label or path contains this text")
    parser.add_argument("--seed-and-collect", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_and_collect:
        return seed_and_collect()

    db_url = bench_database_url()
    static_root = ROOT / ".dev" / "bench-static"
    env = child_env(db_url, static_root)
    log(f"database {urlsplit(db_url).path.lstrip('/')}")
    ensure_database(db_url)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env, timeout=600)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env, timeout=300)
    log("seeding (idempotent; the first run takes longest)")
    seeded = subprocess.run(
        [PY, str(Path(__file__).resolve()), "--seed-and-collect"],
        cwd=ROOT, env=env, check=True, timeout=1200, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    targets = json.loads(seeded.stdout.strip().splitlines()[-1])
    if args.only:
        targets = [t for t in targets if args.only in t["label"] or args.only in t["path"]]
    baseline = {"app": "portal", "label": "bare view (baseline)", "path": "/healthz", "cookie": ""}

    wrk = None if args.python_load else find_wrk()
    tool = f"wrk ({wrk})" if wrk else "Python load loop (wrk not available)"
    port = free_port()
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    log(f"gunicorn: 2 uvicorn workers (ASGI, as in production) on 127.0.0.1:{port}; load: {tool}, "
        f"{args.connections} connections, {args.seconds}s/URL")  # fmt: skip
    server = subprocess.Popen(
        [gunicorn, "portal.asgi:application", "--worker-class", "uvicorn_worker.UvicornWorker", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
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
        for target in [baseline, *targets]:
            statuses = {fetch_status(port, target) for _ in range(3)}  # warm caches and connections
            if statuses != {200}:
                rows.append((target, None, f"HTTP {sorted(statuses)}"))
                log(f"{target['path']}: HTTP {sorted(statuses)}; skipped")
                continue
            if wrk:
                result = load_wrk(wrk, port, target, args.seconds, args.connections)
            else:
                result = load_python(port, target, args.seconds, args.connections)
            rows.append((target, result, ""))
            log(f"{target['path']}: {result['rps']:.0f} req/s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    base_rps = rows[0][1]["rps"] if rows and rows[0][1] else float("nan")
    print(f"\nLoad: {tool}; {args.connections} connections, {args.seconds}s per URL; gunicorn 2 uvicorn workers (ASGI), DEBUG off.")
    print(f"Ratio = page req/s / /healthz req/s in this same run (baseline {base_rps:.0f} req/s).\n")
    header = f"{'URL':<44} {'label':<34} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for target, result, note in rows:
        path = ("POST " if target.get("body") is not None else "") + target["path"]
        path += " [signed in]" if target["cookie"] else ""
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
