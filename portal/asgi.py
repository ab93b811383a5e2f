"""ASGI entry point: Django for every page and /api/, the MCP server's Streamable HTTP app at /mcp.

Served by uvicorn under `make run` and by gunicorn with `uvicorn_worker.UvicornWorker` in
production, so /mcp works the same in both. The lifespan goes to the MCP app (its session
manager's task group must run for the life of the worker); Django's handler has no lifespan.
"""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_application = get_asgi_application()  # sets Django up before the MCP server imports models

from portal.mcp_server import http_app  # noqa: E402

# WhiteNoise (6.12) answers /static/ with a synchronous file iterator; Django's ASGI handler reads it in
# a thread and says so on every file. Expected here, so not repeated in the log.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

MCP_PATH = "/mcp"
mcp_application = http_app()


async def application(scope, receive, send):
    """A small path router: lifespan and /mcp to the MCP app, everything else to Django."""
    if scope["type"] == "lifespan" or (scope["type"] == "http" and scope["path"].rstrip("/") == MCP_PATH):
        if scope["type"] == "http" and scope["path"] != MCP_PATH:
            scope = {**scope, "path": MCP_PATH, "raw_path": MCP_PATH.encode()}
        await mcp_application(scope, receive, send)
        return
    await django_application(scope, receive, send)
