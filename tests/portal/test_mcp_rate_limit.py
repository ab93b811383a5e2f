"""/mcp is limited per client address as /api/ is (`MCP_RATE_LIMIT`, the same counter in its own
bucket): over the limit a `429` with `Retry-After` and a JSON-RPC error saying how long to wait."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from .mcp_asgi import post

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


@pytest.fixture(autouse=True)
def _fresh_counts():
    caches["api"].clear()


def statuses(batches):
    return [r.status_code for _, responses in batches for r in responses]


@override_settings(MCP_RATE_LIMIT="3/m")
def test_mcp_over_the_limit_answers_429_with_retry_after_and_a_clear_message(db):
    batches = post([[PING]] * 4, client=("203.0.113.20", 4000))
    assert statuses(batches) == [200, 200, 200, 429]
    over = batches[-1][1][0]
    assert 1 <= int(over.headers["Retry-After"]) <= 61
    error = over.json()["error"]
    assert error["message"].startswith("Too many requests: at most 3 every 60 seconds from one address. Try again in")
    assert over.json()["jsonrpc"] == "2.0" and error["data"]["retry_after"] == int(over.headers["Retry-After"])


@override_settings(MCP_RATE_LIMIT="3/m")
def test_mcp_under_the_limit_answers_and_says_what_is_left(db):
    batches = post([[PING]] * 3, client=("203.0.113.21", 4000))
    assert statuses(batches) == [200, 200, 200]
    assert [r.headers["RateLimit-Remaining"] for _, (r,) in batches] == ["2", "1", "0"]
    assert batches[0][1][0].headers["RateLimit-Limit"] == "3"


@override_settings(MCP_RATE_LIMIT="2/m")
def test_mcp_limit_counts_each_address_apart(db):
    assert statuses(post([[PING]] * 3, client=("203.0.113.22", 4000)))[-1] == 429
    assert statuses(post([[PING]], client=("203.0.113.23", 4000))) == [200]


@override_settings(MCP_RATE_LIMIT="2/m", API_RATE_LIMIT="2/m")
def test_mcp_and_api_count_apart(client, db):
    assert statuses(post([[PING]] * 2, client=("203.0.113.24", 4000))) == [200, 200]
    assert client.get("/api/groups", REMOTE_ADDR="203.0.113.24").status_code == 200
