"""The public read API (/api/): contents, filters, pagination, errors, conditional GET, CORS, rate limit."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from groups.models import Tier
from meetings.models import Meeting
from seps.models import Status
from tests.factories import MembershipFactory
from tests.meetings.factories import MeetingFactory
from tests.seps.factories import SEPFactory

from .api_world import build_world


@pytest.fixture
def world(db):
    return build_world()


def get(client, url, **headers):
    r = client.get(url, **headers)
    return r, (r.json() if r.get("Content-Type", "").startswith("application/json") else None)


# --- groups --------------------------------------------------------------------------------------
def test_g1_groups_list_in_name_order_with_kind_and_state(client, world):
    r, body = get(client, "/api/groups")
    assert r.status_code == 200
    assert [g["slug"] for g in body["items"]] == ["finance-ig", "transports"]
    assert body["items"][1]["kind"] == "wg"
    assert body["items"][1]["state"] == "active"


def test_g1_groups_filter_by_kind(client, world):
    _, body = get(client, "/api/groups?kind=ig")
    assert [g["slug"] for g in body["items"]] == ["finance-ig"]


def test_t1_group_member_counts_by_tier_leave_out_ended_memberships(client, world):
    _, body = get(client, "/api/groups?kind=wg")
    assert body["items"][0]["member_counts"] == {"observer": 1, "participant": 1, "member": 1, "lead": 1, "total": 4}


def test_t1_group_leads_carry_their_term_and_verified_handle(client, world):
    _, body = get(client, "/api/groups?kind=wg")
    (lead,) = body["items"][0]["leads"]
    assert lead == {
        "name": "Lena Lead",
        "github": "lena-verified",
        "affiliation": "Northwind Labs",
        "title": "Lead",
        "term": "2026-2027",
        "since": lead["since"],
    }


def test_g5_group_charter_version_is_the_latest_approved(client, world):
    _, body = get(client, "/api/groups?kind=wg")
    assert body["items"][0]["charter"]["version"] == 2


def test_g5_group_with_only_a_rejected_charter_has_none(client, world):
    _, body = get(client, "/api/groups?kind=ig")
    assert body["items"][0]["charter"] is None


def test_g5_group_detail_has_current_charter_sections_sanitized(client, world):
    _, body = get(client, "/api/groups/transports")
    (mission,) = [s for s in body["current_charter"]["sections"] if s["key"] == "mission"]
    assert "<script" not in mission["html"]
    assert "Move bytes" in mission["html"]


def test_group_detail_unknown_slug_is_404_json(client, world):
    r, body = get(client, "/api/groups/no-such-group")
    assert r.status_code == 404
    assert "no-such-group" in body["detail"]


def test_t5_members_leads_first_with_public_fields_only(client, world):
    _, body = get(client, "/api/groups/transports/members")
    assert [m["tier"] for m in body["items"]] == ["lead", "member", "participant", "observer"]
    assert set(body["items"][0]) == {"name", "github", "affiliation", "discord", "tier", "status"}


def test_p3_unverified_github_handle_is_not_shown(client, world):
    _, body = get(client, "/api/groups/transports/members")
    uma = next(m for m in body["items"] if m["name"] == "Uma Unverified")
    assert uma["github"] is None


def test_t4_emeritus_members_are_marked(client, world):
    _, body = get(client, "/api/groups/transports/members")
    assert [m["status"] for m in body["items"] if m["tier"] == "participant"] == ["emeritus"]


# --- meetings ------------------------------------------------------------------------------------
def test_m1_meetings_list_only_published_and_published_cancelled(client, world):
    _, body = get(client, "/api/meetings?limit=100")
    titles = {m["title"] for m in body["items"]}
    assert titles == {"Transports sync", "Past sync", "Held sync", "Cancelled sync"}


def test_m1_meetings_are_in_start_order_with_utc_times(client, world):
    _, body = get(client, "/api/meetings")
    starts = [m["starts_at"] for m in body["items"]]
    assert starts == sorted(starts)
    assert all(s.endswith("Z") for s in starts)


def test_m1_meetings_filter_by_window(client, world):
    now = timezone.now()
    frm = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    to = (now + timedelta(days=30)).isoformat().replace("+00:00", "Z")
    _, body = get(client, f"/api/meetings?from={frm}&to={to}")
    assert {m["title"] for m in body["items"]} == {"Transports sync", "Cancelled sync"}


def test_m1_meetings_filter_by_status_and_group(client, world):
    MeetingFactory(group=world.ig, title="IG sync")
    _, body = get(client, "/api/meetings?status=cancelled&group=transports")
    assert [m["title"] for m in body["items"]] == ["Cancelled sync"]


def test_m1_meetings_filter_with_a_naive_time_is_422(client, world):
    r, body = get(client, "/api/meetings?from=2026-01-01T00:00:00")
    assert r.status_code == 422
    assert "timezone" in body["detail"]


def test_m1_cancelled_meeting_has_no_join_link_but_its_reason(client, world):
    _, body = get(client, f"/api/meetings/{world.cancelled.pk}")
    assert body["join_url"] is None
    assert body["cancelled_reason"] == "Holiday"


def test_m3_meeting_agenda_has_markdown_html_and_public_items(client, world):
    _, body = get(client, f"/api/meetings/{world.meeting.pk}")
    assert [(i["title"], i["status"]) for i in body["agenda"]["items"]] == [
        ("Accepted topic", "accepted"),
        ("Proposed topic", "proposed"),
    ]
    assert body["agenda"]["markdown"].startswith("1. Resumption")
    assert "<ol>" in body["agenda"]["html"]


def test_m4_meeting_notes_and_attendance_once_published(client, world):
    _, body = get(client, f"/api/meetings/{world.past.pk}")
    assert body["notes"]["published"] is True
    assert "We decided things." in body["notes"]["html"]
    assert [a["name"] for a in body["notes"]["attendance"]] == ["Lena Lead", "Uma Unverified"]


def test_m2_draft_and_missed_meetings_are_404(client, world):
    assert client.get(f"/api/meetings/{world.draft.pk}").status_code == 404
    assert client.get(f"/api/meetings/{world.missed.pk}").status_code == 404


def test_meeting_id_out_of_range_is_422_not_500(client, world):
    assert client.get("/api/meetings/99999999999999999999").status_code == 422


# --- SEPs ----------------------------------------------------------------------------------------
def test_s1_seps_filter_by_status_type_group(client, world):
    _, body = get(client, "/api/seps?status=in-review&type=standards-track&group=transports")
    assert [s["number"] for s in body["items"]] == [2133]


def test_s1_seps_filter_by_verified_sponsor_handle(client, world):
    _, body = get(client, "/api/seps?sponsor=sam-verified")
    assert [s["number"] for s in body["items"]] == [2133]


def test_s1_seps_sponsor_filter_ignores_unverified_handles(client, world):
    _, body = get(client, "/api/seps?sponsor=uma-claimed-handle")
    assert body["items"] == []


def test_s1_seps_filter_updated_since(client, world):
    SEPFactory(number=10, last_activity_at=timezone.now() - timedelta(days=90),
               status_changed_at=timezone.now() - timedelta(days=90))  # fmt: skip
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    _, body = get(client, f"/api/seps?updated_since={since}")
    assert 10 not in [s["number"] for s in body["items"]]


def test_s1_seps_unknown_status_is_422_naming_the_field(client, world):
    r, body = get(client, "/api/seps?status=nope")
    assert r.status_code == 422
    assert body["detail"].startswith("status:")


def test_s1_sep_detail_has_text_and_authors_without_email(client, world):
    _, body = get(client, "/api/seps/2133")
    assert body["authors"] == [{"name": "Noah", "github": "noah-gh"}]
    assert "<h2" in body["html"]
    assert body["sponsor"]["github"] == "sam-verified"


def test_s6_sep_timeline_shows_status_change_with_rationale(client, world):
    _, body = get(client, "/api/seps/2133/timeline")
    (e,) = body["items"]
    assert (e["kind"], e["from_status"], e["to_status"], e["reason"]) == (
        "status_changed",
        "draft",
        "in-review",
        "Ready for review",
    )


def test_s1_sep_unknown_number_is_404(client, world):
    assert client.get("/api/seps/999999/timeline").status_code == 404


# --- pagination ----------------------------------------------------------------------------------
def test_pagination_limit_and_next_offset(client, world):
    _, body = get(client, "/api/meetings?limit=3")
    assert (body["count"], len(body["items"]), body["next_offset"]) == (4, 3, 3)


def test_pagination_last_page_has_no_next(client, world):
    _, body = get(client, "/api/meetings?limit=3&offset=3")
    assert (len(body["items"]), body["next_offset"]) == (1, None)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "offset=10001", "limit=abc"])
def test_pagination_out_of_bounds_is_422(client, world, query):
    assert client.get(f"/api/seps?{query}").status_code == 422


# --- conditional GET, CORS, rate limit ------------------------------------------------------------
def test_etag_and_304_when_unchanged(client, world):
    r = client.get("/api/groups")
    again = client.get("/api/groups", HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304


def test_etag_changes_when_the_data_changes(client, world):
    etag = client.get("/api/groups")["ETag"]
    MembershipFactory(group=world.group, tier=Tier.OBSERVER)
    r = client.get("/api/groups", HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200


def test_api_responses_must_be_revalidated(client, world):
    assert "no-cache" in client.get("/api/seps")["Cache-Control"]


def test_cors_allows_any_origin_to_read(client, world):
    r = client.get("/api/seps", HTTP_ORIGIN="https://elsewhere.example")
    assert r["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_allows_only_reads(client, world):
    r = client.options("/api/seps", HTTP_ORIGIN="https://elsewhere.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert (r.status_code, r["Access-Control-Allow-Methods"]) == (204, "GET, HEAD, OPTIONS")


def test_cors_headers_are_not_on_pages(client, world):
    r = client.get("/groups/", HTTP_ORIGIN="https://elsewhere.example")
    assert not r.has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize("url", ["/api/groups", "/api/openapi.json", "/api/docs"])
def test_api_is_read_only(client, world, url):
    assert client.post(url, {}).status_code == 405


@override_settings(API_RATE_LIMIT="3/m")
def test_rate_limit_answers_429_with_retry_after_and_a_clear_message(client, world):
    from django.core.cache import caches

    caches["api"].clear()
    codes = [client.get("/api/seps", REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)]
    r = client.get("/api/seps", REMOTE_ADDR="203.0.113.9")
    assert codes == [200, 200, 200, 429]
    assert 1 <= int(r["Retry-After"]) <= 61
    assert r.json()["detail"].startswith("Too many requests: at most 3 every 60 seconds")


@override_settings(API_RATE_LIMIT="2/m")
def test_rate_limit_counts_each_address_apart(client, world):
    from django.core.cache import caches

    caches["api"].clear()
    for _ in range(3):
        client.get("/api/seps", REMOTE_ADDR="203.0.113.10")
    assert client.get("/api/seps", REMOTE_ADDR="203.0.113.11").status_code == 200


def test_openapi_schema_declares_404_422_and_429(client, db):
    schema = client.get("/api/openapi.json").json()
    responses = schema["paths"]["/api/seps/{number}"]["get"]["responses"]
    assert {"200", "404", "422", "429"} <= set(responses)


def test_api_docs_page_loads_nothing_from_a_cdn(client, db):
    html = client.get("/api/docs").content.decode()
    assert "cdn." not in html and "/static/ninja/swagger-ui-bundle.js" in html


# --- query budgets (DESIGN 7): do not grow with rows ------------------------------------------------
LIST_BUDGET = 6


def _bulk(n_groups, n_seps):
    from groups.models import Group, Membership
    from portal.models import User
    from seps.models import SEP, SEPAuthor

    now = timezone.now()
    groups = Group.objects.bulk_create(
        [Group(slug=f"bulk-{i:04d}", name=f"Bulk group {i:04d}", kind="wg", state="active") for i in range(n_groups)]
    )
    people = User.objects.bulk_create([User(username=f"bulk{i}", display_name=f"Bulk {i}") for i in range(20)])
    Membership.objects.bulk_create(
        [
            Membership(group=g, user=people[(j + k) % 20], tier=Tier.values[k % 4])
            for j, g in enumerate(groups)
            for k in range(3)
        ]
    )
    seps = SEP.objects.bulk_create(
        [
            SEP(number=100_000 + i, title=f"Bulk SEP {i}", status=Status.values[i % 5], group=groups[i % n_groups],
                sponsor=people[i % 20], status_changed_at=now, last_activity_at=now)
            for i in range(n_seps)
        ]
    )  # fmt: skip
    SEPAuthor.objects.bulk_create([SEPAuthor(sep=s, name="A", github=f"a{s.number}") for s in seps])
    meetings = [
        Meeting(group=groups[i % n_groups], title=f"Bulk {i}", starts_at=now + timedelta(days=i % 30, hours=i),
                ends_at=now + timedelta(days=i % 30, hours=i + 1), join_url="https://meet.example.test/x",
                status="published", published_at=now)
        for i in range(n_groups)
    ]  # fmt: skip
    Meeting.objects.bulk_create(meetings)


def test_list_query_budgets_hold_with_500_groups_and_5000_seps(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _bulk(500, 5000)
    counts = {}
    for url in (
        "/api/groups?limit=100",
        "/api/seps?limit=100",
        "/api/meetings?limit=100",
        "/api/seps?offset=4900&limit=100",
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get(url).json()["items"]) == 100
        counts[url] = len(ctx.captured_queries)
    assert max(counts.values()) <= LIST_BUDGET, counts


def test_members_query_budget_does_not_grow(client, db, django_assert_max_num_queries):
    _bulk(1, 1)
    from groups.models import Group

    g = Group.objects.get()
    for _ in range(60):
        MembershipFactory(group=g)
    with django_assert_max_num_queries(LIST_BUDGET):
        r = client.get(f"/api/groups/{g.slug}/members?limit=100")
    assert len(r.json()["items"]) == 63


def test_repeated_read_is_answered_from_the_body_cache_with_one_query(client, world, django_assert_num_queries):
    client.get("/api/groups")
    with django_assert_num_queries(1):  # the data version
        assert client.get("/api/groups").status_code == 200


def test_a_write_by_raw_sql_is_seen_at_once(client, world):
    from django.db import connection

    client.get("/api/groups/transports")
    with connection.cursor() as cur:
        cur.execute("UPDATE groups_group SET name = 'Renamed by SQL' WHERE slug = 'transports'")
    assert client.get("/api/groups/transports").json()["name"] == "Renamed by SQL"


def test_rate_limit_headers_say_what_is_left(client, world):
    r = client.get("/api/seps", REMOTE_ADDR="203.0.113.12")
    assert int(r["RateLimit-Limit"]) - int(r["RateLimit-Remaining"]) == 1
