"""#14: response-cache hits answered in the event loop (portal/hitlane.py), before the thread pool.

The lane must answer exactly what the thread path answers for a hit (the same key, the same outer
middleware), see every write at once, never answer another viewer, and hand anything it is not sure
of to the thread path. The site's ASGI app is driven in process on an event loop of its own; the
lane reads PostgreSQL on its own connection, so the data is committed (transactional tests).
"""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from portal import hitlane
from tests.factories import GroupFactory, UserFactory

from .site_asgi import Site

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the lane runs on PostgreSQL and Redis only"),
]

NONCE = re.compile(r"nonce-?=?\"?([A-Za-z0-9_\-]{16,})")
CSRF = re.compile(r"[A-Za-z0-9]{64}")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _lane_on(settings):
    """The lane needs Redis-cached sessions and the response cache (as in production); each test
    starts a second into a minute, so two requests never straddle the cache's minute bucket."""
    assert settings.SESSIONS_CACHED, "these tests need REDIS_URL"
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": True, "HIT_LANE": True}
    start = timezone.now().replace(second=1, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture
def site():
    with Site() as s:
        yield s


def lane_off(settings):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "HIT_LANE": False}


def lane_on(settings):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "HIT_LANE": True}


def answered() -> int:
    return hitlane.lane.answered


def normalized_body(response) -> str:
    return CSRF.sub("TOKEN", NONCE.sub("NONCE", response.text))


def normalized_headers(response, kept_cookie=False) -> list:
    """Headers without per-request values: the nonce; a new CSRF cookie's random secret (a cookie
    the browser sent comes back unchanged, and must)."""
    out = []
    for name, value in response.headers.multi_items():
        if name == "content-security-policy":
            value = NONCE.sub("NONCE", value)
        if name == "set-cookie":
            value = re.sub(r"expires=[^;]+", "expires=X", value)
            if not kept_cookie:
                value = re.sub(r"csrftoken=[A-Za-z0-9]+", "csrftoken=NEW", value)
        out.append((name, value))
    return sorted(out)


def session_cookie(person) -> str:
    browser = Client()
    browser.force_login(person)
    return browser.cookies["sessionid"].value


# --- the same answer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/groups/", {}),
        ("/groups/?kind=wg&q=lane", {}),
        ("/groups/", {"HX-Request": "true", "HX-Target": "results"}),
        ("/seps/", {"Cookie": "tz=Asia/Tokyo"}),
        ("/meetings/", {"Cookie": "csrftoken=" + "a" * 32}),
        ("/groups/lane-group/", {}),
    ],
)
def test_14_lane_answers_a_hit_exactly_as_the_thread_path_does(site, settings, path, headers):
    GroupFactory(name="Lane group", slug="lane-group")
    lane_off(settings)
    site.get(path, headers=headers)  # the miss fills the cache
    by_thread = site.get(path, headers=headers)
    assert by_thread.headers["x-response-cache"] == "hit"
    lane_on(settings)
    before = answered()
    by_lane = site.get(path, headers=headers)
    assert answered() == before + 1
    assert by_lane.status_code == by_thread.status_code == 200
    assert normalized_body(by_lane) == normalized_body(by_thread)
    kept = "csrftoken" in headers.get("Cookie", "")
    assert normalized_headers(by_lane, kept) == normalized_headers(by_thread, kept)


def test_14_lane_answers_a_signed_in_hit_exactly_as_the_thread_path_does(site, settings):
    cookie = {"Cookie": f"sessionid={session_cookie(UserFactory(display_name='Lane Lena'))}"}
    lane_off(settings)
    site.get("/dashboard/", headers=cookie)
    by_thread = site.get("/dashboard/", headers=cookie)
    lane_on(settings)
    before = answered()
    by_lane = site.get("/dashboard/", headers=cookie)
    assert answered() == before + 1
    assert "Lane Lena" in by_lane.text
    assert normalized_body(by_lane) == normalized_body(by_thread)
    assert normalized_headers(by_lane) == normalized_headers(by_thread)


def test_14_lane_answers_a_re_poll_304_from_the_stored_headers(site):
    GroupFactory(slug="polled")
    first = site.get("/groups/polled/meetings.ics")
    etag = first.headers["etag"]
    before = answered()
    again = site.get("/groups/polled/meetings.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert answered() == before + 1


@pytest.mark.parametrize(("accept", "encoding"), [("gzip, deflate", "gzip"), ("identity", None)])
def test_14_lane_sends_a_stored_compressed_feed_as_the_thread_path_does(site, settings, accept, encoding):
    from tests.meetings.factories import MeetingFactory

    group = GroupFactory(slug="zipped")
    for n in range(6):
        MeetingFactory(group=group, title=f"Zipped meeting {n}")
    path, headers = "/groups/zipped/meetings.ics", {"Accept-Encoding": accept}
    lane_off(settings)
    site.get(path, headers={"Accept-Encoding": "gzip"})  # a gzip client fills the cache
    by_thread = site.get(path, headers=headers)
    lane_on(settings)
    before = answered()
    by_lane = site.get(path, headers=headers)
    assert answered() == before + 1
    assert by_lane.headers.get("content-encoding") == by_thread.headers.get("content-encoding") == encoding
    assert by_lane.content == by_thread.content  # (httpx decodes gzip: the same calendar either way)
    assert "Zipped meeting 5" in by_lane.text
    assert "accept-encoding" in by_lane.headers["vary"].lower()
    assert by_lane.headers["content-length"] == by_thread.headers["content-length"]


def test_14_a_form_served_by_the_lane_posts(site):
    site.get("/groups/")  # someone fills the cache
    browser = Client(enforce_csrf_checks=True)
    browser.get("/healthz")  # a browser without a CSRF cookie yet
    before = answered()
    page = site.get("/groups/")
    assert answered() == before + 1
    cookie = page.cookies["csrftoken"]
    token = CSRF_INPUT.search(page.text).group(1)
    browser.cookies["csrftoken"] = cookie
    posted = browser.post("/timezone/", {"timezone": "Europe/Paris", "csrfmiddlewaretoken": token})
    assert posted.status_code == 302


def test_14_the_lanes_nonce_is_fresh_and_matches_its_header(site):
    site.get("/groups/")
    one, two = site.get("/groups/"), site.get("/groups/")
    nonces = {m for r in (one, two) for m in re.findall(r'nonce="([^"]+)"', r.text)}
    assert len(nonces) == 2
    for r in (one, two):
        (nonce,) = set(re.findall(r'nonce="([^"]+)"', r.text))
        assert f"'nonce-{nonce}'" in r.headers["content-security-policy"]


@pytest.fixture
def redis_reads(monkeypatch):
    """The keys the lane asks Redis for (its async client), in order."""
    import redis.asyncio

    keys, get = [], redis.asyncio.Redis.get

    async def counted(self, name):
        keys.append(name.decode() if isinstance(name, bytes) else name)
        return await get(self, name)

    monkeypatch.setattr(redis.asyncio.Redis, "get", counted)
    return keys


def page_reads(keys) -> list:
    return [k for k in keys if ":rc:" in k]  # the response cache's keys (sessions are not)


def test_14_a_repeated_hit_is_answered_from_the_lanes_copy_without_redis(site, redis_reads):
    site.get("/groups/")  # the lane finds nothing in Redis; the thread path renders and stores
    first = site.get("/groups/")  # the lane reads it from Redis and keeps a copy
    reads = page_reads(redis_reads)
    assert len(reads) == 2 and len(set(reads)) == 1
    before = answered()
    again = site.get("/groups/")
    assert answered() == before + 1
    assert len(page_reads(redis_reads)) == 2  # no further read of the page from Redis
    assert normalized_body(again) == normalized_body(first)
    # per-request values are still made per request: the masked form token and the nonce
    assert CSRF_INPUT.search(again.text).group(1) != CSRF_INPUT.search(first.text).group(1)
    assert re.findall(r'nonce="([^"]+)"', again.text) != re.findall(r'nonce="([^"]+)"', first.text)


def test_14_a_signed_in_copy_still_reads_the_session_every_time(site, redis_reads):
    person = UserFactory(display_name="Copied Carla")
    browser = Client()
    browser.force_login(person)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    site.get("/", headers=cookie)
    site.get("/", headers=cookie)  # the lane's copy
    sessions_before = len(redis_reads) - len(page_reads(redis_reads))
    assert "Copied Carla" in site.get("/", headers=cookie).text
    assert len(redis_reads) - len(page_reads(redis_reads)) == sessions_before + 1  # the session, from Redis
    browser.post("/accounts/logout/")
    assert "Copied Carla" not in site.get("/", headers=cookie).text  # sign-out wins over the copy


def test_14_a_re_poll_304_comes_from_the_lanes_copy(site, redis_reads):
    GroupFactory(slug="copied")
    path = "/groups/copied/meetings.ics"
    site.get(path)
    etag = site.get(path).headers["etag"]  # a lane hit: the copy
    reads = len(page_reads(redis_reads))
    before = answered()
    again = site.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert answered() == before + 1
    assert len(page_reads(redis_reads)) == reads
    changed = site.get(path, headers={"If-None-Match": '"not-the-etag"'})
    assert changed.status_code == 200 and "BEGIN:VCALENDAR" in changed.text


def test_14_a_client_without_gzip_gets_a_feed_decompressed_once_per_worker(site, monkeypatch):
    import gzip

    from tests.meetings.factories import MeetingFactory

    group = GroupFactory(slug="plain")
    for n in range(6):
        MeetingFactory(group=group, title=f"Plain meeting {n}")
    path, plain = "/groups/plain/meetings.ics", {"Accept-Encoding": "identity"}
    site.get(path, headers={"Accept-Encoding": "gzip"})  # a calendar reader fills the cache
    calls, decompress = [], gzip.decompress
    monkeypatch.setattr(gzip, "decompress", lambda data: calls.append(1) or decompress(data))
    before = answered()
    answers = [site.get(path, headers=plain) for _ in range(3)]
    assert answered() == before + 3
    assert len(calls) == 1  # not once per request
    for r in answers:
        assert "content-encoding" not in r.headers
        assert int(r.headers["content-length"]) == len(r.content)
        assert "Plain meeting 5" in r.text
    assert answers[0].content == answers[2].content
    zipped = site.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == answers[0].content


# --- never stale, never the wrong viewer ------------------------------------------------------


def test_14_a_write_shows_on_the_next_request_through_the_lane(site):
    group = GroupFactory(name="Before the write", slug="written")
    site.get("/groups/written/")
    assert "Before the write" in site.get("/groups/written/").text
    with connection.cursor() as cursor:  # raw SQL: the triggers bump the version
        cursor.execute("UPDATE groups_group SET name = %s WHERE id = %s", ["After the write", group.pk])
    assert "After the write" in site.get("/groups/written/").text


def test_14_the_lane_never_answers_another_viewer(site):
    lena = session_cookie(UserFactory(display_name="Viewer Lena"))
    marco = session_cookie(UserFactory(display_name="Viewer Marco"))
    site.get("/", headers={"Cookie": f"sessionid={lena}"})
    site.get("/", headers={"Cookie": f"sessionid={lena}"})  # a lane hit for Lena
    anonymous = site.get("/")
    other = site.get("/", headers={"Cookie": f"sessionid={marco}"})
    assert "Viewer Lena" not in anonymous.text
    assert "Viewer Lena" not in other.text and "Viewer Marco" in other.text


def test_14_a_signed_out_session_is_never_answered_by_the_lane(site):
    person = UserFactory(display_name="Leaving Lane")
    browser = Client()
    browser.force_login(person)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    site.get("/", headers=cookie)
    assert "Leaving Lane" in site.get("/", headers=cookie).text
    browser.post("/accounts/logout/")
    before = answered()
    after = site.get("/", headers=cookie)
    assert answered() == before  # the session is gone from Redis: the thread path decides
    assert "Leaving Lane" not in after.text


# --- what the lane hands to the thread path ---------------------------------------------------


def test_14_a_host_outside_allowed_hosts_gets_django_s_400(site):
    site.get("/groups/")
    before = answered()
    response = site.get("/groups/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert answered() == before


def test_14_plain_http_is_left_to_the_ssl_redirect(site, settings):
    """SecurityMiddleware reads SECURE_SSL_REDIRECT when the handler is built (at start-up), so the
    thread path here keeps its value; the lane reads the setting and declines plain HTTP."""
    site.get("/groups/")
    settings.SECURE_SSL_REDIRECT = True
    before = answered()
    site.get("/groups/")
    assert answered() == before
    settings.SECURE_SSL_REDIRECT = False
    site.get("/groups/")
    assert answered() == before + 1


def test_14_a_waiting_message_is_never_answered_by_the_lane(site):
    site.get("/groups/")
    before = answered()
    site.get("/groups/", headers={"Cookie": "messages=something"})
    assert answered() == before


def test_14_a_miss_and_a_post_take_the_thread_path(site):
    before = answered()
    miss = site.get("/seps/")
    assert miss.headers["x-response-cache"] == "miss"
    assert site.request("POST", "/timezone/", data={"timezone": "UTC"}).status_code == 403  # no CSRF
    assert answered() == before


def test_14_the_lane_falls_back_when_postgres_or_redis_fail(site, monkeypatch):
    site.get("/groups/")

    async def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(hitlane.HitLane, "_version", broken)
    before = answered()
    response = site.get("/groups/")
    assert response.status_code == 200 and response.headers["x-response-cache"] == "hit"  # the thread path
    assert answered() == before


def test_14_a_lost_database_connection_is_replaced(site):
    site.get("/groups/")
    site.get("/groups/")
    with connection.cursor() as cursor:  # PostgreSQL ends every other session of this database
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert site.get("/groups/").status_code == 200  # fell back, or reconnected
    before = answered()
    assert site.get("/groups/").status_code == 200
    assert answered() == before + 1


def test_14_the_lane_is_off_without_its_parts(settings):
    assert hitlane.HitLane.enabled()
    lane_off(settings)
    assert not hitlane.HitLane.enabled()
    lane_on(settings)
    settings.SESSIONS_CACHED = False
    assert not hitlane.HitLane.enabled()


# --- the group read of the data version ---------------------------------------------------------


class _FakePg:
    """An async connection whose reads return the version committed when the query is *sent*, and
    wait for `release` before answering (so the test decides what arrives while a read is out)."""

    def __init__(self, committed):
        self.committed = committed
        self.sent = []
        self.closed = False
        self.release = asyncio.Event()

    async def execute(self, sql, prepare=False):
        value = self.committed[0]
        self.sent.append(value)
        await self.release.wait()
        self.release.clear()

        class Cursor:
            async def fetchone(self):
                return (value,)

        return Cursor()

    async def close(self):
        self.closed = True


def test_14_a_shared_version_read_never_hides_a_write_committed_before_a_request_arrived(monkeypatch):
    committed = [1]
    fake = _FakePg(committed)

    async def connect():
        return fake

    monkeypatch.setattr(hitlane.HitLane, "_connect", staticmethod(connect))

    async def scenario():
        lane, conns = hitlane.HitLane(), hitlane._Loop()
        a = asyncio.ensure_future(lane._version(conns))
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # A's read is sent (version 1 at that moment)
        assert fake.sent == [1]
        committed[0] = 2  # a write commits while A's read is out
        b = asyncio.ensure_future(lane._version(conns))  # B arrives after the write
        c = asyncio.ensure_future(lane._version(conns))  # and C, before B's read is sent: they share it
        await asyncio.sleep(0)
        fake.release.set()
        assert await a == 1
        for _ in range(5):
            await asyncio.sleep(0)
        fake.release.set()
        assert (await b, await c) == (2, 2)
        assert fake.sent == [1, 2]  # three requests, two reads

    with ThreadPoolExecutor(max_workers=1) as runner:  # a loop of its own (a browser test may hold this thread's)
        runner.submit(asyncio.run, scenario()).result(timeout=30)
