"""#14: big anonymous responses (feeds) are stored gzipped once and sent as stored to clients that
accept gzip; every other client gets the same bytes decompressed. Nothing holding a per-request
secret (CSRF token, nonce) or a signed-in viewer's page is ever compressed (BREACH)."""

import gzip
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from portal.response_cache import accepts_gzip
from tests.factories import GroupFactory, UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

FEED = "/meetings/feed.ics"
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture(autouse=True)
def _early_in_a_minute():
    start = timezone.now().replace(second=1, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture
def busy_feed():
    group = GroupFactory(name="Gzip Working Group")
    for n in range(6):
        MeetingFactory(group=group, title=f"Gzip meeting number {n}")


def cached(response) -> str:
    return getattr(response, "response_cache", "none")


def vary(response) -> set:
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


def test_14_a_feed_goes_to_a_gzip_client_compressed_on_the_miss_and_every_hit(client, busy_feed):
    first = client.get(FEED, **GZIP)
    second = client.get(FEED, **GZIP)
    assert (cached(first), cached(second)) == ("miss", "hit")
    for response in (first, second):
        assert response["Content-Encoding"] == "gzip"
        assert "accept-encoding" in vary(response)
        text = gzip.decompress(response.content).decode()
        assert "Gzip meeting number 5" in text and text.startswith("BEGIN:VCALENDAR")
    assert first.content == second.content
    assert len(first.content) < len(gzip.decompress(first.content))


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0", "gzip; q=0.0", "br", "deflate", "x-gzip-ish"])
def test_14_a_client_that_does_not_accept_gzip_gets_the_stored_feed_decompressed(client, busy_feed, accept):
    compressed = client.get(FEED, **GZIP)  # a gzip client fills the cache
    plain = client.get(FEED, HTTP_ACCEPT_ENCODING=accept)
    assert cached(plain) == "hit"
    assert not plain.has_header("Content-Encoding")
    assert "accept-encoding" in vary(plain)
    assert plain.content == gzip.decompress(compressed.content)
    assert plain["ETag"] == compressed["ETag"]


def test_14_an_identity_miss_stores_what_a_gzip_hit_sends(client, busy_feed):
    plain = client.get(FEED)
    assert cached(plain) == "miss" and not plain.has_header("Content-Encoding")
    compressed = client.get(FEED, **GZIP)
    assert cached(compressed) == "hit" and compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content


def test_14_both_encodings_share_one_weak_etag_and_re_poll_304(client, busy_feed):
    compressed = client.get(FEED, **GZIP)
    etag = compressed["ETag"]
    assert etag.startswith('W/"')  # two byte sequences, one meaning
    for headers in (GZIP, {}):
        again = client.get(FEED, HTTP_IF_NONE_MATCH=etag, **headers)
        assert again.status_code == 304 and cached(again) == "hit"
    strong = etag.removeprefix("W/")  # what a client polled before compression: still current
    assert client.get(FEED, HTTP_IF_NONE_MATCH=strong).status_code == 304


def test_14_a_write_changes_the_compressed_feed_too(client, busy_feed):
    before = client.get(FEED, **GZIP)
    MeetingFactory(group=GroupFactory(), title="Written after the first poll")
    after = client.get(FEED, HTTP_IF_NONE_MATCH=before["ETag"], **GZIP)
    assert after.status_code == 200
    assert "Written after the first poll" in gzip.decompress(after.content).decode()


def test_14_pages_carrying_a_csrf_token_or_nonce_are_never_compressed(client, busy_feed):
    """Every page carries the time-zone form (a CSRF token) and a script nonce."""
    for path in ("/groups/", "/meetings/", "/seps/"):
        for _ in range(2):  # the miss and the hit
            response = client.get(path, **GZIP)
            assert response.status_code == 200
            assert not response.has_header("Content-Encoding"), path
            assert b"csrfmiddlewaretoken" in response.content


def test_14_a_signed_in_viewers_responses_are_never_compressed(client_for, busy_feed):
    browser = client_for(UserFactory())
    for _ in range(2):
        response = browser.get(FEED, **GZIP)
        assert response.status_code == 200 and not response.has_header("Content-Encoding")
        assert b"Gzip meeting number 5" in response.content


def test_14_a_small_response_is_not_worth_compressing(client):
    response = client.get("/groups/nobody-here/meetings.ics", **GZIP)
    assert response.status_code == 404  # (errors are never stored at all)
    GroupFactory(slug="quiet")
    small = client.get("/groups/quiet/meetings.ics", **GZIP)
    assert small.status_code == 200 and len(small.content) < 1024
    assert not small.has_header("Content-Encoding")


def test_14_a_head_request_for_a_compressed_feed_has_no_body(busy_feed):
    client = Client()
    client.get(FEED, **GZIP)
    head = client.head(FEED, **GZIP)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("gzip;q=0.001", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("gzip;q=abc", False),
        ("deflate, br", False),
        ("xgzip", False),
        ("", False),
    ],
)
def test_14_accept_encoding_is_read_with_its_qualities(rf, value, expected):
    assert accepts_gzip(rf.get("/", HTTP_ACCEPT_ENCODING=value)) is expected


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_14_any_accept_encoding_text_gives_a_yes_or_no(value):
    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=value)
    answer = accepts_gzip(request)
    assert answer in (True, False)
    if "gzip" not in value.lower():
        assert answer is False
