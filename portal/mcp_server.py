"""The portal's MCP server (official `mcp` SDK): the same public facts as /api/, as tools and resources.

Top layer. Each app's `mcp_tools.py` lists its `TOOLS` and `RESOURCES`; this module registers them,
adds the personal tools (`my_groups`, `my_deadlines`, answered for the holder of a personal token
sent as `Authorization: Bearer <token>`), and serves them:

- Streamable HTTP at /mcp (`http_app()`, mounted beside Django by portal/asgi.py): stateless and
  with JSON responses, so any web worker answers any request (no session to find);
- stdio: `manage.py mcp_server`, for local clients.

Tools are plain functions run in a sync thread, where the ORM may run (`_in_sync_thread`): served
by an event loop (uvicorn, stdio), in the bounded pool of reused threads the pages use
(`portal.threads`), so calls run side by side, each with its thread's connection recycled as a
request's is; called from sync code through `async_to_sync` (the in-process client of a test or a
script), in that caller's thread, as asgiref does, so a tool sees the caller's open transaction.
"""

import functools
from datetime import datetime
from typing import Literal

from asgiref.sync import AsyncToSync, sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ToolAnnotations
from ninja import Schema
from pydantic import Field

from . import threads
from .hooks import app_modules

INSTRUCTIONS = """The MCP Groups Portal: how the Model Context Protocol community runs its Working Groups
and Interest Groups (charters, leads, members, meetings with agendas and notes) and tracks SEPs
(Specification Enhancement Proposals). Everything here is public and read-only.
Start with list_groups or search_seps; follow slugs, meeting ids and SEP numbers into get_group,
upcoming_meetings, meeting_notes and get_sep. Times are UTC (ISO 8601).
With a personal token (created on the portal's profile page, sent as `Authorization: Bearer <token>`),
my_groups and my_deadlines answer for its owner."""

READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)


def _called_from_sync_code() -> bool:
    """True when this event loop runs under `async_to_sync` for a sync caller that waits on it
    (asgiref's own test for "a parent sync thread above": that thread may hold a transaction)."""
    return getattr(AsyncToSync.executors, "current", None) is not None


def _in_sync_thread(fn):
    """An async callable running `fn` where Django's ORM may run: in the shared pool of reused threads
    (`portal.threads`), or in the sync caller's own thread when there is one (see the module's
    docstring). Connections are recycled per call as Django does per request (never inside a
    transaction, e.g. a test's)."""

    def run(*args, **kwargs):
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            if not connection.in_atomic_block:
                close_old_connections()

    @functools.wraps(fn)
    async def call(*args, **kwargs):
        if _called_from_sync_code():
            return await sync_to_async(run, thread_sensitive=True)(*args, **kwargs)
        return await threads.run_sync(run, *args, **kwargs)

    return call


ANSWER_CACHE_SECONDS = 3600  # keys carry the data version: a write changes the key, never a stale answer


def _per_data_version(fn):
    """`fn` answered once per data version and arguments (DESIGN 9, as the read API's bodies are), for
    the tools a module lists in `DATA_ONLY`: their answer depends on the portal's data and their
    arguments only (not on the clock, nor on who asks). A repeated call costs the data version's read."""
    import hashlib
    import json

    from django.core.cache import cache
    from django.db import DEFAULT_DB_ALIAS, connections

    from .dataversion import code_version, current

    @functools.wraps(fn)
    def answer(*args, **kwargs):
        raw = json.dumps([fn.__module__, fn.__name__, args, kwargs], sort_keys=True, default=str)
        database = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
        digest = hashlib.sha256(f"{database}|{code_version()}|{current()}|{raw}".encode()).hexdigest()
        key = f"mcp-answer:{digest}"
        found = cache.get(key)
        if found is None:
            found = fn(*args, **kwargs)
            cache.set(key, found, timeout=ANSWER_CACHE_SECONDS)
        return found

    return answer


# --- personal tools ----------------------------------------------------------------------------------
def token_user(ctx: Context):
    """The person whose personal token this request carries; a clear ToolError otherwise."""
    from .tokens import bearer, user_for_token

    headers = None
    try:
        headers = ctx.headers
    except ValueError:  # no request (stdio, in-process)
        headers = None
    raw = bearer(headers)
    if not raw:
        raise ToolError(
            "This tool answers for a signed-in person: create a personal token on your profile page "
            f"({settings.SITE_URL}/profile/) and send it as the header `Authorization: Bearer <token>`."
        )
    user = user_for_token(raw)
    if user is None:
        raise ToolError("That personal token is unknown or revoked: create a new one on your profile page.")
    return user


class MyGroup(Schema):
    slug: str
    name: str
    kind: Literal["wg", "ig"]
    tier: Literal["observer", "participant", "member", "lead"]
    status: Literal["active", "emeritus"]
    since: datetime
    url: str


class MyGroups(Schema):
    person: str
    groups: list[MyGroup]


class Due(Schema):
    meeting_id: int
    title: str
    group: str
    status: str
    starts_at: datetime
    due_at: datetime = Field(description="Publish by (M2 cutoff) or notes due by (M4).")
    overdue: bool
    url: str


class MyDeadlines(Schema):
    person: str
    to_publish: list[Due] = Field(description="Meetings of groups you lead still to publish, with the M2 cutoff.")
    notes_due: list[Due] = Field(description="Held meetings of groups you lead still without notes (M4).")


def my_groups(ctx: Context) -> MyGroups:
    """The groups the token's owner belongs to now: tier (observer, participant, member, lead),
    status and since when. Needs a personal token."""
    from groups.models import Membership

    from .api_common import absolute

    user = token_user(ctx)
    rows = Membership.objects.current().filter(user=user).select_related("group").order_by("group__name")
    return MyGroups(
        person=user.name,
        groups=[
            {
                "slug": m.group.slug,
                "name": m.group.name,
                "kind": m.group.kind,
                "tier": m.tier,
                "status": m.status,
                "since": m.started_at,
                "url": absolute(m.group.get_absolute_url()),
            }
            for m in rows
        ],
    )


def my_deadlines(ctx: Context) -> MyDeadlines:
    """What the token's owner is due to publish in the groups they lead: meetings still to publish
    before their cutoff (7 days ahead, M2) and held meetings whose notes are due (48 hours, M4),
    earliest first. Needs a personal token."""
    from django.utils import timezone

    from meetings.selectors import due_for_lead

    from .api_common import absolute

    user = token_user(ctx)
    now = timezone.now()
    due = due_for_lead(user, now=now, limit=50)

    def row(m, due_at):
        return {
            "meeting_id": m.pk,
            "title": m.title,
            "group": m.group.slug,
            "status": m.status,
            "starts_at": m.starts_at,
            "due_at": due_at,
            "overdue": due_at <= now,
            "url": absolute(m.get_absolute_url()),
        }

    return MyDeadlines(
        person=user.name,
        to_publish=[row(m, m.publication_cutoff) for m in due["to_publish"]],
        notes_due=[row(m, m.notes_due_at) for m in due["notes_due"]],
    )


PERSONAL_TOOLS = [my_groups, my_deadlines]


# --- the server ---------------------------------------------------------------------------------------
def build() -> MCPServer:
    server = MCPServer(
        "mcp-groups-portal",
        title=settings.SITE_NAME,
        instructions=INSTRUCTIONS,
        website_url=settings.SITE_URL,
        version="1.0.0",
    )
    from . import mcp_tools as site_tools

    tools, resources, data_only = [], [], set()
    for module in [*app_modules("mcp_tools"), site_tools]:
        tools += module.TOOLS
        resources += module.RESOURCES
        data_only |= set(getattr(module, "DATA_ONLY", ()))
    for fn in [*tools, *PERSONAL_TOOLS]:
        run = _per_data_version(fn) if fn in data_only else fn
        server.add_tool(_in_sync_thread(run), name=fn.__name__, annotations=READ_ONLY, structured_output=True)
    for r in resources:
        server.resource(
            r["uri"], name=r["name"], title=r["title"], description=r["fn"].__doc__, mime_type=r["mime_type"]
        )(_in_sync_thread(r["fn"]))
    return server


mcp = build()


def transport_security() -> TransportSecuritySettings:
    """Hosts and origins the HTTP transport answers (DNS rebinding protection): ALLOWED_HOSTS (any
    port) and the site's own origin."""
    from urllib.parse import urlsplit

    hosts, origins = [], {settings.SITE_URL}
    for host in settings.ALLOWED_HOSTS:
        if host == "*":
            return TransportSecuritySettings(enable_dns_rebinding_protection=False)
        host = host.lstrip(".")
        hosts += [host, f"{host}:*"]
        origins |= {f"http://{host}", f"https://{host}"}
    site = urlsplit(settings.SITE_URL)
    if site.netloc:
        hosts.append(site.netloc)
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=sorted(origins))


class RateLimit:
    """ASGI middleware: /mcp's limit per client address (`MCP_RATE_LIMIT`), counted as /api/'s is
    (`portal.api_common.count_request`, its own bucket). Over the limit: `429` with `Retry-After` and
    a JSON-RPC error body whose message says how long to wait; every answer carries the RateLimit-*
    headers. The address is the connection's peer (uvicorn sets it from trusted proxies' headers)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from .api_common import count_request

        ident = (scope.get("client") or ("unknown",))[0]
        allowed, limit, remaining, reset = await threads.run_sync(
            count_request, ident, rate=settings.MCP_RATE_LIMIT, bucket="mcp"
        )
        headers = [(b"ratelimit-limit", b"%d" % limit), (b"ratelimit-remaining", b"%d" % remaining),
                   (b"ratelimit-reset", b"%d" % reset)]  # fmt: skip
        if not allowed:
            await self._too_many(send, headers, reset)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    async def _too_many(send, headers, retry_after: int):
        import json

        from .api_common import throttled_detail

        body = {
            "jsonrpc": "2.0",
            "id": None,
            "error": {
                "code": RATE_LIMITED,
                "message": throttled_detail(settings.MCP_RATE_LIMIT, retry_after),
                "data": {"retry_after": retry_after},
            },
        }
        headers = [(b"content-type", b"application/json"), (b"retry-after", b"%d" % retry_after), *headers]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


RATE_LIMITED = -32029  # JSON-RPC's implementation-defined server errors are -32000..-32099


def http_app():
    """The Streamable HTTP app (a Starlette app serving /mcp; its lifespan runs the session manager),
    behind the per-address rate limit."""
    app = mcp.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(),
    )
    app.add_middleware(RateLimit)
    return app
