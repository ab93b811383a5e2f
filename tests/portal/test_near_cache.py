"""#14: fragments and per-version memos are read from this process's memory before Redis
(portal.cache.NearCache), safe because their keys carry the data version."""

import pytest
from django.core.cache import caches
from django.test import Client

from tests.factories import GroupFactory

pytestmark = pytest.mark.skipif("template_fragments" not in caches.settings, reason="configured with Redis only")


@pytest.fixture
def near():
    return caches["template_fragments"]


@pytest.fixture
def far_reads(monkeypatch):
    """Counts reads that reach the shared cache."""
    far = caches["default"]
    reads = []
    real = type(far).get

    def get(self, key, default=None, version=None):
        reads.append(key)
        return real(self, key, default, version)

    monkeypatch.setattr(type(far), "get", get)
    return reads


def test_14_a_value_set_here_is_read_from_memory(near, far_reads):
    near.set("memo:v1:probe", ["a", "b"], timeout=60)
    assert near.get("memo:v1:probe") == ["a", "b"]
    assert far_reads == []
    assert caches["default"].get("memo:v1:probe") == ["a", "b"]  # and shared with the other workers


def test_14_a_value_another_worker_stored_is_read_once_then_kept(near, far_reads):
    caches["default"].set("memo:v2:probe", "from another worker", timeout=60)
    far_reads.clear()
    assert near.get("memo:v2:probe") == "from another worker"
    assert near.get("memo:v2:probe") == "from another worker"
    assert len(far_reads) == 1
    assert near.get("memo:v2:absent", "default") == "default"


def test_14_clearing_the_near_level_leaves_the_shared_cache(near):
    near.set("memo:v3:probe", 1, timeout=60)
    caches["default"].set("session-like", "kept", timeout=60)
    near.clear()
    assert caches["default"].get("session-like") == "kept"
    assert near.get("memo:v3:probe") == 1  # read back from Redis, where it still is


def test_14_a_warm_fragment_costs_no_redis_round_trip(db, settings, far_reads):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}
    settings.FRAGMENT_CACHE = True
    GroupFactory(slug="near-group")
    client = Client()
    client.get("/groups/near-group/")
    far_reads.clear()
    page = client.get("/groups/near-group/")
    assert page.status_code == 200
    assert not [k for k in far_reads if "fragment" in k or "memo" in k]


def test_14_a_write_is_seen_through_the_near_level(db, settings, client):
    from django.db import connection

    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}
    settings.FRAGMENT_CACHE = True
    group = GroupFactory(slug="near-written", mission_summary="Before the write.")
    assert "Before the write." in client.get("/groups/near-written/").content.decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE groups_group SET mission_summary = %s WHERE id = %s", ["After the write.", group.pk])
    assert "After the write." in client.get("/groups/near-written/").content.decode()
