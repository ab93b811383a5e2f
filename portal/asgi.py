"""ASGI entry point: the site (Django) for every page and /api/, the MCP server's Streamable HTTP app at /mcp.

Served by uvicorn under `make run` and by gunicorn with `uvicorn_worker.UvicornWorker` in
production, so /mcp works the same in both. A small path router sends the lifespan and /mcp to the
MCP app (its session manager's task group runs for the life of the worker) and the rest to Django.

Django's pages are served by its WSGI handler in a bounded pool of reused worker threads (`SiteApp`),
not by Django's ASGI handler: every view is sync, and Django's ASGI handler runs each request's sync
code in a fresh thread, so persistent database connections (`CONN_MAX_AGE`; without reuse a one-query
page ran 11x slower) piled up until PostgreSQL refused clients, and under load asgiref's thread
hand-over failed ("CurrentThreadExecutor already quit") before `request_finished` could close them
(both seen in `make bench`). Reused threads keep one connection each, as sync gunicorn workers do.
MCP tool calls run in the same pool (`portal.threads`): one bound on threads and connections per worker.
A response-cache hit is answered before the pool, in the event loop (`portal.hitlane`).
"""

import os

from django.core.wsgi import get_wsgi_application

from portal import threads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
wsgi_application = get_wsgi_application()  # sets Django up before the MCP server imports models

from portal import hitlane  # noqa: E402
from portal.mcp_server import http_app  # noqa: E402

MCP_PATH = "/mcp"


class SiteApp:
    """Django's WSGI handler as an ASGI app: each request runs in one of the pool's reused threads
    (`portal.threads`, `WEB_THREADS` per worker, shared with MCP tool calls)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answered = await hitlane.lane.answer(scope, bytes(body))  # a cache hit, in the event loop
        status, headers, chunks = answered or await threads.run_sync(self._run, scope, bytes(body))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    def _run(self, scope, body: bytes):
        try:
            environ = hitlane.build_environ(scope, body)
        except ValueError:  # too many duplicate headers
            return 400, [(b"content-type", b"text/plain")], [b"Bad Request"]
        started = {}

        def start_response(status, response_headers, exc_info=None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in response_headers]

        result = self.app(environ, start_response)
        try:
            chunks = [bytes(chunk) for chunk in result]
        finally:
            if hasattr(result, "close"):
                result.close()  # fires request_finished: Django recycles the thread's connection here
        return started["status"], started["headers"], chunks


django_application = SiteApp(wsgi_application)
mcp_application = http_app()


async def application(scope, receive, send):
    """A small path router: lifespan and /mcp to the MCP app, every other HTTP request to Django."""
    if scope["type"] == "lifespan" or (scope["type"] == "http" and scope["path"].rstrip("/") == MCP_PATH):
        if scope["type"] == "http" and scope["path"] != MCP_PATH:
            scope = {**scope, "path": MCP_PATH, "raw_path": MCP_PATH.encode()}
        await mcp_application(scope, receive, send)
        return
    if scope["type"] == "http":
        await django_application(scope, receive, send)
