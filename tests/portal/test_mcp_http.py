"""End to end over HTTP: the ASGI app served by a real server process (uvicorn as under `make run`, and
gunicorn with two uvicorn workers as in production) on a free loopback port, against the test
database. An MCP client session initializes, lists the tools, calls every tool, reads every resource
and answers the personal tools with a token; the read API and a page answer from the same process.

Needs PostgreSQL (the server process must see the test's committed data); skipped otherwise, a
failure under CI=true.
"""

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from portal.tokens import token_create
from tests.conftest import IN_CI
from tests.portal.helpers import ROOT, clean_env

from .api_world import build_world
from .test_celery_worker import _test_database_url


def _run(go):
    """Run the client coroutine on its own loop in a fresh thread: the browser tests' sync Playwright
    leaves an event loop running in the main thread, where asyncio.run / async_to_sync refuse to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
TOOLS_CALLED = {
    "list_groups": {"kind": "wg"},
    "get_group": {"slug": "transports"},
    "upcoming_meetings": {"days": 30},
    "meeting_notes": None,  # filled with the held meeting's id
    "search_seps": {"status": "in-review"},
    "get_sep": {"number": 2133},
    "review_queue": {},
    "my_groups": {},
    "my_deadlines": {},
    "list_maintainers": {"role": "core_maintainer"},
    "group_decisions": {"slug": "transports"},
    "group_reports": {"slug": "transports"},
}


def _require_postgres():
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    if IN_CI:
        pytest.fail("CI=true but the MCP HTTP test needs a PostgreSQL DATABASE_URL")
    pytest.skip("needs a PostgreSQL DATABASE_URL (the server process reads the test database)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(argv, port, log_path):
    env = {
        **clean_env(),
        "DEBUG": "false",
        "TESTING": "true",  # no SECRET_KEY needed, no TLS redirect
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _test_database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    log = open(log_path, "wb")  # noqa: SIM115 (closed by the caller through proc.log)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log = log
    deadline = time.monotonic() + 150  # a loaded 2-core machine took 90 s to boot two workers
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    _stop(proc)
    pytest.fail(f"the server did not start: {log_path.read_text()[-3000:]}")


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    proc.log.close()


def _session(url, token):
    """One MCP client session over Streamable HTTP: everything a client does, results by name."""

    async def go():
        out = {}
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            out["server"] = client.server_info.name if client.server_info else ""
            out["tools"] = {t.name for t in (await client.list_tools()).tools}
            for name, args in TOOLS_CALLED.items():
                out[name] = await client.call_tool(name, args)
            templates = (await client.list_resource_templates()).resource_templates
            out["templates"] = {t.uri_template for t in templates}
            out["charter"] = await client.read_resource("portal://groups/transports/charter")
            out["sep"] = await client.read_resource("portal://seps/2133")
        return out

    return _run(go)


def _foreign_host_status(port) -> int:
    """DNS rebinding protection: a Host outside ALLOWED_HOSTS (and the site's own) is refused at /mcp."""
    req = urllib.request.Request(  # noqa: S310
        f"http://127.0.0.1:{port}/mcp",
        data=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
        headers={"Host": "evil.example", "Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _check_everything(base, world, token):
    TOOLS_CALLED["meeting_notes"] = {"meeting_id": world.past.pk}
    out = _session(f"{base}/mcp", token)
    assert out["tools"] == set(TOOLS_CALLED)
    errors = {name: out[name].content[0].text for name in TOOLS_CALLED if out[name].is_error}
    assert errors == {}
    assert [g["tier"] for g in out["my_groups"].structured_content["groups"]] == ["lead", "lead"]
    assert out["templates"] == {"portal://groups/{slug}/charter", "portal://seps/{number}"}
    assert "charter version 2" in out["charter"].contents[0].text
    assert out["sep"].contents[0].text.startswith("# SEP-2133")
    with urllib.request.urlopen(f"{base}/api/groups?kind=wg", timeout=10) as r:  # noqa: S310
        assert b'"transports"' in r.read()


def make_run_web_command(port) -> list[str]:
    """The `web:` line of Procfile.dev (what `make run` starts: uvicorn with reload), for `port`."""
    import shlex

    line = next(ln for ln in (ROOT / "Procfile.dev").read_text().splitlines() if ln.startswith("web:"))
    argv = shlex.split(line.removeprefix("web:").replace("${PORT}", str(port)))
    assert argv[0] == ".venv/bin/uvicorn" and "portal.asgi:application" in argv, argv
    return [str(ROOT / argv[0]), *argv[1:]]


def test_mcp_session_end_to_end_against_uvicorn(tmp_path):
    """As `make run` serves it: Procfile.dev's own web command (uvicorn with reload, lifespan on)."""
    _require_postgres()
    world = build_world()
    _, token = token_create(user=world.lead, name="e2e")
    port = _free_port()
    argv = make_run_web_command(port)
    proc = _serve(argv, port, tmp_path / "uvicorn.log")
    try:
        _check_everything(f"http://127.0.0.1:{port}", world, token)
        assert _foreign_host_status(port) in (400, 421)
    finally:
        _stop(proc)


def test_mcp_session_end_to_end_against_gunicorn_with_two_uvicorn_workers(tmp_path):
    """As production serves it: stateless Streamable HTTP, so either worker answers any request."""
    _require_postgres()
    world = build_world()
    _, token = token_create(user=world.lead, name="e2e")
    port = _free_port()
    argv = [str(ROOT / ".venv/bin/gunicorn"), "portal.asgi:application", "--worker-class",
            "uvicorn_worker.UvicornWorker", "--workers", "2", "--reuse-port", "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    proc = _serve(argv, port, tmp_path / "gunicorn.log")
    try:
        for _ in range(2):  # two sessions: spread over both workers
            _check_everything(f"http://127.0.0.1:{port}", world, token)
    finally:
        _stop(proc)


def test_mcp_over_stdio_with_manage_py_mcp_server():
    """`manage.py mcp_server` for local clients: the same tools over stdin/stdout."""
    from mcp import StdioServerParameters

    _require_postgres()
    build_world()
    env = {**clean_env(), "DEBUG": "false", "TESTING": "true", "DJANGO_SETTINGS_MODULE": "portal.settings",
           "DATABASE_URL": _test_database_url()}  # fmt: skip
    params = StdioServerParameters(command=str(ROOT / ".venv/bin/python"), args=["manage.py", "mcp_server"],
                                   env=env, cwd=str(ROOT))  # fmt: skip

    async def go():
        async with Client(params) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            found = await client.call_tool("search_seps", {"status": "in-review"})
            return tools, [s["number"] for s in found.structured_content["seps"]]

    tools, numbers = _run(go)
    assert (tools == set(TOOLS_CALLED), numbers) == (True, [2133])
