"""Drive the /mcp HTTP app in process (httpx's ASGI transport) on an event loop of its own, as a
server runs it: no `async_to_sync` caller above it, so tool calls take the server's path."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from django.conf import settings

from portal.mcp_server import http_app

HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}


def tool_call_body(name, arguments, request_id=1):
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


def post(batches, *, client=("127.0.0.1", 50000)):
    """POST each batch of JSON-RPC bodies to a fresh /mcp app (the bodies of a batch at once, the batches
    one after the other) from `client` (address, port); returns (seconds, responses) per batch."""

    async def go():
        app = http_app()
        out = []
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=client)
            async with httpx.AsyncClient(transport=transport, base_url=settings.SITE_URL, timeout=30) as http:
                for bodies in batches:
                    started = time.monotonic()
                    responses = await asyncio.gather(*(http.post("/mcp", json=b, headers=HEADERS) for b in bodies))
                    out.append((time.monotonic() - started, responses))
        return out

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


def post_concurrently(bodies, **kwargs):
    """All `bodies` at once: (seconds for all, responses)."""
    (result,) = post([bodies], **kwargs)
    return result
