"""DESIGN 9: whole responses replayed per data version, and never to the wrong viewer.

Every test here would fail if the part of the cache key (or of the filling-in) it names were
dropped: each asserts what a second viewer or a later request sees after a first one filled the
cache."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from groups.models import Tier
from groups.tasks import sweep_inactive_groups
from meetings import services as meeting_services
from portal.events import record
from portal.models import LadderRole
from tests.admin_forms import admin_change
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_a_minute():
    """Tests assert hits: each starts a second into a minute (the clock running), so two requests
    never straddle the cache's minute bucket and a hit is never a flaky miss."""
    start = timezone.now().replace(second=1, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=True):
        yield


NONCE = re.compile(r'nonce="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def normalized(response) -> str:
    """The page without its per-request values (nonce, CSRF tokens)."""
    text = NONCE.sub("", response.content.decode())
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", text)


def cached(response) -> str:
    return getattr(response, "response_cache", "none")


# --- hits --------------------------------------------------------------------------------------


def test_a_second_request_is_a_hit_with_the_same_page(client):
    GroupFactory(name="Hit Working Group")
    first = client.get("/groups/")
    second = client.get("/groups/")
    assert cached(first) == "miss"
    assert cached(second) == "hit"
    assert "Hit Working Group" in first.content.decode()
    assert normalized(second) == normalized(first)


def test_a_hit_costs_one_query(client, django_assert_num_queries):
    client.get("/groups/")
    with django_assert_num_queries(1):  # the data version
        assert cached(client.get("/groups/")) == "hit"


def test_signed_in_hit_costs_one_query_with_shared_cache(client_for, settings, django_assert_max_num_queries):
    person = UserFactory()
    c = client_for(person)
    c.get("/groups/")
    budget = 1 if settings.SESSIONS_CACHED else 2  # + the session row without Redis
    with django_assert_max_num_queries(budget):
        assert cached(c.get("/groups/")) == "hit"


def test_head_is_answered_from_the_cache(client):
    client.get("/groups/")
    head = client.head("/groups/")
    assert head.status_code == 200
    assert cached(head) == "hit"


def test_disabled_cache_never_replays(client, settings):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}
    client.get("/groups/")
    assert cached(client.get("/groups/")) == "none"


@pytest.mark.parametrize("path", ["/admin/login/", "/accounts/login/", "/healthz"])
def test_excluded_paths_are_never_cached(client, path):
    client.get(path)
    assert cached(client.get(path)) == "none"


# --- every write path shows on the next request ---------------------------------------------------


@pytest.fixture
def group():
    return GroupFactory(name="Caching Working Group", slug="caching")


def _warm(client, url):
    client.get(url)
    assert cached(client.get(url)) == "hit"


def test_write_by_a_view_shows_on_the_next_request(client, client_for, group):
    _warm(client, "/groups/caching/")
    joiner = UserFactory(display_name="Jo Joiner")
    client_for(joiner).post("/groups/caching/membership/", {"action": "join", "tier": Tier.PARTICIPANT})
    page = client.get("/groups/caching/")
    assert cached(page) == "miss"
    assert "Jo Joiner" in page.content.decode()


def test_write_by_a_service_shows_on_the_next_request(client, group):
    lead = UserFactory(ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    meeting = MeetingFactory(group=group, title="Before")
    _warm(client, f"/meetings/{meeting.pk}/")
    meeting_services.meeting_edit(meeting=meeting, by=lead, title="After the service")
    assert "After the service" in client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_write_by_the_admin_shows_on_the_next_request(client, group):
    _warm(client, "/groups/caching/")
    admin = Client()
    admin.force_login(UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER, is_staff=True, is_superuser=True))
    admin_change(admin, f"/admin/groups/group/{group.pk}/change/", "group_form", name="Renamed In Admin")
    assert "Renamed In Admin" in client.get("/groups/caching/").content.decode()


def test_write_by_an_importer_shows_on_the_next_request(client, group, tmp_path):
    from tests.portal.test_m6_feeds_follow_every_change import CHARTER, _by

    _warm(client, "/groups/caching/")
    (tmp_path / "working-groups").mkdir()
    (tmp_path / "working-groups" / "caching.md").write_text(CHARTER.format(title="Imported Name"))
    call_command("import_charters", str(tmp_path), *_by(), stdout=StringIO())
    assert "Imported Name Working Group" in client.get("/groups/caching/").content.decode()


def test_write_by_a_sweep_shows_on_the_next_request(client):
    GroupFactory(slug="quiet", activated_at=timezone.now() - timedelta(days=60))
    _warm(client, "/groups/quiet/")
    assert "Inactive:" not in client.get("/groups/quiet/").content.decode()
    sweep_inactive_groups()
    assert "Inactive:" in client.get("/groups/quiet/").content.decode()


def test_write_by_raw_sql_shows_on_the_next_request(client, group):
    _warm(client, "/groups/caching/")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE groups_group SET name = %s WHERE id = %s", ["Renamed By SQL", group.pk])
    assert "Renamed By SQL" in client.get("/groups/caching/").content.decode()


# --- never the wrong viewer ----------------------------------------------------------------------


def test_anonymous_page_never_reaches_a_signed_in_person(client, client_for):
    person = UserFactory(display_name="Signed Sam")
    signed_in = client_for(person)
    client.get("/")
    page = signed_in.get("/").content.decode()
    assert "Signed Sam" in page
    assert cached(client.get("/")) == "hit"
    assert "Signed Sam" not in client.get("/").content.decode()


def test_two_people_never_see_each_others_page(client_for):
    ann, bob = UserFactory(display_name="Ann Person"), UserFactory(display_name="Bob Person")
    client_for(ann).get("/dashboard/")
    bobs = client_for(bob).get("/dashboard/").content.decode()
    assert "Bob Person" in bobs
    assert "Ann Person" not in bobs


def test_two_time_zones_never_share_a_page(client, group):
    meeting = MeetingFactory(group=group, timezone_name="UTC")
    berlin, tokyo = Client(), Client()
    berlin.cookies["tz"] = "Europe/Berlin"
    tokyo.cookies["tz"] = "Asia/Tokyo"
    assert "(UTC+09:00)" not in berlin.get(f"/meetings/{meeting.pk}/").content.decode()
    tokyo_page = tokyo.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "(UTC+09:00)" in tokyo_page


def test_a_signed_in_persons_zone_is_part_of_the_key(client_for, group):
    meeting = MeetingFactory(group=group, timezone_name="UTC")
    ann = UserFactory(timezone="Asia/Tokyo")
    c = client_for(ann)
    assert "(UTC+09:00)" in c.get(f"/meetings/{meeting.pk}/").content.decode()
    ann.timezone = "America/New_York"
    ann.save(update_fields=["timezone"])
    assert "(UTC+09:00)" not in c.get(f"/meetings/{meeting.pk}/").content.decode()


def test_htmx_fragment_never_served_as_the_full_page(client, group):
    MeetingFactory(group=group)
    fragment = client.get("/meetings/?when=upcoming", HTTP_HX_REQUEST="true")
    full = client.get("/meetings/?when=upcoming")
    assert "<html" not in fragment.content.decode()
    assert "<html" in full.content.decode()
    assert cached(full) == "miss"


@pytest.mark.parametrize("header", ["HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST", "HTTP_HX_TARGET"])
def test_every_htmx_header_is_part_of_the_key(client, group, header):
    client.get("/meetings/", HTTP_HX_REQUEST="true")
    other = client.get("/meetings/", HTTP_HX_REQUEST="true", **{header: "true"})
    assert cached(other) == "miss"


def test_the_query_string_is_part_of_the_key(client, group):
    MeetingFactory(group=group, title="Only upcoming")
    client.get("/meetings/?when=upcoming")
    past = client.get("/meetings/?when=past")
    assert cached(past) == "miss"
    assert "Only upcoming" not in past.content.decode()


# --- per-request values on hits --------------------------------------------------------------------


def test_csp_nonce_on_a_hit_is_fresh_and_matches_the_header(client):
    miss = client.get("/groups/")
    hit = client.get("/groups/")
    assert cached(hit) == "hit"
    nonces = set(NONCE.findall(hit.content.decode()))
    assert len(nonces) == 1
    (nonce,) = nonces
    assert f"'nonce-{nonce}'" in hit["Content-Security-Policy"]
    assert nonce not in miss.content.decode()


def test_a_form_served_from_the_cache_posts(group):
    """The time zone form on every page: its CSRF token on a hit belongs to this browser."""
    Client().get("/groups/")  # someone else fills the cache
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/groups/")
    assert cached(page) == "hit"
    assert "csrftoken" in page.cookies  # the cookie issued on a hit as on a miss
    token = CSRF_INPUT.search(page.content.decode()).group(1)
    posted = browser.post("/timezone/", {"timezone": "Europe/Paris", "csrfmiddlewaretoken": token})
    assert posted.status_code == 302
    assert browser.cookies["tz"].value == "Europe/Paris"


def test_the_htmx_csrf_header_on_a_hit_is_valid(group):
    Client().get("/groups/")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/groups/").content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    posted = browser.post("/timezone/", {"timezone": "Europe/Paris"}, HTTP_X_CSRFTOKEN=token)
    assert posted.status_code == 302


def test_a_conditional_get_is_answered_304_from_the_cache(client, group):
    MeetingFactory(group=group)
    etag = client.get("/meetings/feed.ics")["ETag"]
    again = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert cached(again) == "hit"


def test_a_feed_re_poll_is_answered_304_without_fetching_the_body(client, group, monkeypatch):
    from portal.response_cache import ResponseCacheMiddleware

    MeetingFactory(group=group)
    first = client.get("/meetings/feed.ics")
    assert cached(first) == "miss"

    def no_body(*args, **kwargs):
        raise AssertionError("the stored body was fetched to answer a re-poll")

    monkeypatch.setattr(ResponseCacheMiddleware, "replay", no_body)
    again = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert cached(again) == "hit"
    monkeypatch.undo()
    stale = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH='"an-older-version"')
    assert stale.status_code == 200
    assert stale.content == first.content


def test_14_a_re_poll_that_misses_stores_the_feed_for_the_next_ones(client, group):
    """Calendar clients re-poll with If-None-Match, so a minute's first request is often one: it is
    answered 304 and the full feed is stored, so every later re-poll of the minute is a hit (the
    view's own 304 could not be stored, and left each of them to render)."""
    MeetingFactory(group=group)
    etag = client.get("/meetings/feed.ics")["ETag"]
    cache.clear()  # a new minute, or a new data version with the same feed: nothing stored yet
    first = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=etag)
    assert first.status_code == 304 and first["ETag"] == etag
    assert cached(first) == "miss"
    again = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and cached(again) == "hit"
    stale = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH='"an-older-version"')
    assert stale.status_code == 200 and cached(stale) == "hit" and stale["ETag"] == etag


def test_14_a_failed_precondition_on_a_miss_is_still_412(client, group):
    MeetingFactory(group=group)
    answer = client.get("/meetings/feed.ics", HTTP_IF_MATCH='"not-this-one"')
    assert answer.status_code == 412


def test_a_re_poll_after_a_write_gets_the_new_feed(client, group):
    MeetingFactory(group=group, title="Before the write")
    etag = client.get("/meetings/feed.ics")["ETag"]
    MeetingFactory(group=group, title="After the write")
    again = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert "After the write" in again.content.decode()


# --- the clock -----------------------------------------------------------------------------------


def test_relative_times_move_on_with_the_clock(client):
    """Within the cache's lifetime (so expiry cannot hide a missing time bucket): a minute later
    the timeline no longer says "just now"."""
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        record(actor=UserFactory(), verb="meeting.published", target=MeetingFactory())  # on the home timeline
        assert "just now" in client.get("/").content.decode()
    with time_machine.travel(now + timedelta(seconds=75), tick=False):
        page = client.get("/").content.decode()
    assert "just now" not in page
    assert "minute ago" in page


def test_upcoming_meetings_leave_the_list_when_they_are_over(client, group):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        MeetingFactory(
            group=group, title="Soon over", starts_at=now - timedelta(minutes=59), duration=timedelta(hours=1)
        )
        assert "Soon over" in client.get("/meetings/").content.decode()
    with time_machine.travel(now + timedelta(seconds=75), tick=False):
        assert "Soon over" not in client.get("/meetings/").content.decode()


def test_signed_in_hit_reads_no_user_row_from_anywhere(client_for, monkeypatch):
    """The key names the viewer from the session (id, backend, auth hash): a hit needs no user."""
    from portal import auth

    c = client_for(UserFactory())
    c.get("/groups/")

    def no_user(*args, **kwargs):
        raise AssertionError("a hit loaded the user")

    monkeypatch.setattr(auth, "cached_backend_user", no_user)
    assert cached(c.get("/groups/")) == "hit"


def test_a_changed_password_never_gets_the_old_sessions_pages(client_for):
    """The session's auth hash is part of the key: after a password change (a write, so a new
    version) the old session is refused on the miss, and nothing is stored for it."""
    person = UserFactory(display_name="Rotating Rui")
    old = client_for(person)
    assert "Rotating Rui" in old.get("/").content.decode()
    person.set_password("a-new-password-2026")
    person.save()
    page = old.get("/")
    assert "Rotating Rui" not in page.content.decode()
    assert "Rotating Rui" not in old.get("/").content.decode()


def test_a_hit_token_is_a_valid_masked_token_for_the_cookie_secret():
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, _does_token_match
    from django.test import RequestFactory

    from portal.response_cache import csrf_token

    request = RequestFactory().get("/")
    first, second = csrf_token(request), csrf_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert len(first) == 64
    assert set(first + second + secret) <= set(CSRF_ALLOWED_CHARS)
    assert first != second  # a fresh mask on every page (BREACH)
    assert _does_token_match(first, secret)
    assert _does_token_match(second, secret)


def test_a_hit_token_uses_every_allowed_character_evenly():
    from collections import Counter

    from django.middleware.csrf import CSRF_ALLOWED_CHARS

    from portal.response_cache import _random_csrf_string

    counts = Counter("".join(_random_csrf_string() for _ in range(2000)))  # 64,000 characters
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 64_000 / len(CSRF_ALLOWED_CHARS)  # ~1032; a biased modulo would give some ~1290
    assert max(counts.values()) < expected * 1.15
    assert min(counts.values()) > expected * 0.85


# --- sign-out and role changes take effect at once -------------------------------------------------


def test_sign_out_takes_effect_at_once_for_every_copy_of_the_session(client_for):
    person = UserFactory(display_name="Leaving Lee")
    here = client_for(person)
    elsewhere = Client()
    elsewhere.cookies["sessionid"] = here.cookies["sessionid"].value  # the same browser, another worker
    assert "Leaving Lee" in elsewhere.get("/").content.decode()
    here.post("/accounts/logout/")
    assert "Leaving Lee" not in elsewhere.get("/").content.decode()


def test_a_role_change_takes_effect_at_once(client_for):
    person = UserFactory(ladder_role=LadderRole.CONTRIBUTOR)
    c = client_for(person)
    assert c.get("/groups/queue/").status_code in (302, 403)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_user SET ladder_role = 'core_maintainer' WHERE id = %s", [person.pk])
    assert c.get("/groups/queue/").status_code == 200


def test_a_deactivated_person_is_signed_out_at_once(client_for):
    person = UserFactory(display_name="Gone Gale")
    c = client_for(person)
    assert "Gone Gale" in c.get("/").content.decode()
    type(person).objects.filter(pk=person.pk).update(is_active=False)
    assert "Gone Gale" not in c.get("/").content.decode()


# --- default-safe: what the key cannot describe is never replayed -----------------------------------


@pytest.mark.urls("tests.portal.urls_response_cache")
@pytest.mark.parametrize(
    ("path", "first", "second", "must_not_repeat"),
    [
        ("/t/referer/", {"HTTP_REFERER": "https://a.example/"}, {"HTTP_REFERER": "https://b.example/"}, "a.example"),
        ("/t/agent/", {"HTTP_USER_AGENT": "agent-one"}, {"HTTP_USER_AGENT": "agent-two"}, "agent-one"),
        ("/t/accept/", {"HTTP_ACCEPT": "text/html"}, {"HTTP_ACCEPT": "text/calendar"}, "text/html"),
    ],
)
def test_a_page_built_from_a_header_outside_the_key_is_not_replayed(client, path, first, second, must_not_repeat):
    client.get(path, **first)
    again = client.get(path, **second)
    assert must_not_repeat not in again.content.decode()
    assert cached(again) != "hit"


@pytest.mark.urls("tests.portal.urls_response_cache")
def test_a_page_built_from_an_unknown_cookie_is_not_replayed():
    a, b = Client(), Client()
    a.cookies["flavour"] = "mint"
    a.get("/t/cookie/")
    assert "mint" not in b.get("/t/cookie/").content.decode()


@pytest.mark.urls("tests.portal.urls_response_cache")
def test_a_page_built_from_session_data_is_not_replayed(client_for):
    person = UserFactory()
    a = client_for(person)
    session = a.session
    session["cart"] = "three apples"
    session.save()
    a.get("/t/session/")
    assert cached(a.get("/t/session/")) != "hit"


@pytest.mark.urls("tests.portal.urls_response_cache")
@pytest.mark.parametrize(
    "path", ["/t/writes/", "/t/message/", "/t/sets-cookie/", "/t/vary/", "/t/404/", "/t/opted-out/"]
)
def test_responses_that_must_not_be_shared_are_not_stored(client, path):
    client.get(path)
    assert cached(client.get(path)) != "hit"


@pytest.mark.urls("tests.portal.urls_response_cache")
def test_a_plain_page_is_stored(client):
    client.get("/t/plain/")
    assert cached(client.get("/t/plain/")) == "hit"


@pytest.mark.urls("tests.portal.urls_response_cache")
def test_a_get_that_writes_runs_every_time(client):
    client.get("/t/writes/")
    assert "visits 2" in client.get("/t/writes/").content.decode()


def test_a_page_with_a_waiting_message_is_not_served_from_the_cache(client):
    client.get("/groups/")
    client.post("/timezone/", {"timezone": "Not/AZone"})  # leaves an error message for the next page
    page = client.get("/groups/")
    assert cached(page) != "hit"
    assert "not a time zone we know" in page.content.decode()
    assert "not a time zone we know" not in client.get("/groups/").content.decode()


# --- concurrent misses of one key render once -------------------------------------------------------


def _concurrently(path, n=4, **headers):
    """`n` anonymous GETs of `path` started together, each from its own thread (and connection)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    start = threading.Barrier(n)

    def get(_):
        start.wait()
        try:
            return Client(**headers).get(path)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(get, range(n)))


@pytest.mark.urls("tests.portal.urls_response_cache")
def test_concurrent_misses_of_one_page_render_it_once(transactional_db):
    from tests.portal import urls_response_cache as views

    views.RENDERS.clear()
    responses = _concurrently("/t/slow/")
    assert views.RENDERS == ["/t/slow/"]
    assert sorted(cached(r) for r in responses) == ["hit", "hit", "hit", "miss"]
    assert {r.content for r in responses} == {b"slow and shared"}


@pytest.mark.urls("tests.portal.urls_response_cache")
def test_a_page_that_cannot_be_stored_makes_no_one_wait_twice(transactional_db):
    """The first render of an unstorable page says so; later misses render at once (no 5 s wait)."""
    import time as clock

    from tests.portal import urls_response_cache as views

    views.RENDERS.clear()
    Client().get("/t/slow-unstorable/", HTTP_REFERER="https://a.example/")
    started = clock.monotonic()
    responses = _concurrently("/t/slow-unstorable/", HTTP_REFERER="https://b.example/")
    assert clock.monotonic() - started < 2  # four renders side by side, no one waiting on a lease
    assert len(views.RENDERS) == 5
    assert all(b"b.example" in r.content for r in responses)


@pytest.mark.urls("tests.portal.urls_response_cache")
def test_a_render_that_fails_releases_its_lease(transactional_db, monkeypatch):
    from tests.portal import urls_response_cache as views

    views.RENDERS.clear()

    def broken(request):
        raise RuntimeError("render failed half-way")

    monkeypatch.setattr(views, "slow", broken)  # the URLconf holds the old function: patch the pattern
    pattern = next(p for p in views.urlpatterns if str(p.pattern) == "t/slow/")
    monkeypatch.setattr(pattern, "callback", broken)
    with pytest.raises(RuntimeError):
        Client().get("/t/slow/")
    monkeypatch.undo()
    started = timezone.now()
    response = Client().get("/t/slow/")
    assert cached(response) == "miss"  # rendered at once: no lease left behind to wait on
    assert (timezone.now() - started).total_seconds() < 2
    assert views.RENDERS == ["/t/slow/"]
