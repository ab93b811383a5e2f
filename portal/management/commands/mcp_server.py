"""`manage.py mcp_server`: the portal's MCP server over stdio, for local MCP clients.

    {"command": "/path/to/portal/.venv/bin/python", "args": ["/path/to/portal/manage.py", "mcp_server"]}

Anonymous and read-only, like /mcp over HTTP (the personal tools need the HTTP transport and a token).
Logs go to stderr: stdout carries the protocol.
"""

import logging
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the portal's MCP tools and resources over stdio (for local MCP clients)."

    def handle(self, *args, **options):
        logging.basicConfig(stream=sys.stderr, force=True)
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "stream", None) is sys.stdout:
                root.removeHandler(handler)
        from portal.mcp_server import mcp

        mcp.run("stdio")
