"""Pages and the view ladder (anonymous, without right, with right, htmx, bad input); query budgets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import Group, Participation
from meetings.models import AgendaItem, Attendance, Meeting
from portal.models import Event
from tests.factories import GroupFactory, UserFactory

from .factories import AgendaItemFactory, MeetingFactory


# --- /meetings/ ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_m6_index_lists_upcoming_in_viewer_zone_and_hides_drafts(client_for, group):
    viewer = UserFactory(timezone="Asia/Tokyo")
    shown = MeetingFactory(group=group, title="Visible sync")
    MeetingFactory(group=group, title="Secret draft", status=Meeting.Status.DRAFT)
    MeetingFactory(group=group, title="Missed one", status=Meeting.Status.MISSED_PUBLICATION, published_at=None)
    body = client_for(viewer).get("/meetings/").content.decode()
    assert "Visible sync" in body
    assert "Secret draft" not in body
    assert "Missed one" not in body
    assert timezone.localtime(shown.starts_at, timezone=shown.zone).tzname() not in ("JST",)
    assert "(UTC+09:00)" in body


@pytest.mark.django_db
def test_m6_index_filters_by_group_and_kind_htmx_partial(client, htmx_headers, group):
    ig = GroupFactory(name="Agents IG", slug="agents-ig", kind=Group.Kind.INTEREST)
    MeetingFactory(group=group, title="WG meeting")
    MeetingFactory(group=ig, title="IG meeting")
    body = client.get("/meetings/?kind=ig").content.decode()
    assert "IG meeting" in body
    assert "WG meeting" not in body
    resp = client.get("/meetings/?group=transports-wg", **htmx_headers)
    part = resp.content.decode()
    assert "WG meeting" in part
    assert "IG meeting" not in part
    assert "<html" not in part
    assert "<table" in part


@pytest.mark.django_db
def test_m4_index_past_tab_shows_notes_badges(client, group):
    now = timezone.now()
    MeetingFactory(
        group=group,
        title="Old one",
        starts_at=now - timedelta(days=3),
        notes_published_at=now - timedelta(days=2),
        notes_md="x",
    )
    MeetingFactory(
        group=group, title="Overdue one", starts_at=now - timedelta(days=5), notes_overdue_at=now - timedelta(days=2)
    )
    MeetingFactory(group=group, title="Future one")
    body = client.get("/meetings/?when=past").content.decode()
    assert "Old one" in body
    assert "Overdue one" in body
    assert "Future one" not in body
    assert "Notes overdue" in body


@pytest.mark.django_db
def test_index_paginates_and_empty_state(client, group):
    assert "No upcoming meetings match." in client.get("/meetings/").content.decode()
    MeetingFactory.create_batch(25, group=group)
    body = client.get("/meetings/?page=2").content.decode()
    assert "Page 2 of 2" in body


@pytest.mark.django_db
def test_index_query_budget_does_not_grow(client_for, group, page_queries):
    viewer = UserFactory()
    c = client_for(viewer)
    MeetingFactory.create_batch(3, group=group)
    few, _ = page_queries(c, "/meetings/")
    for i in range(30):
        MeetingFactory(group=GroupFactory(), title=f"Many {i}")
    many, _ = page_queries(c, "/meetings/")
    past_many, _ = page_queries(c, "/meetings/?when=past")
    assert many == few <= 6
    assert past_many <= 6
    partial, _ = page_queries(c, "/meetings/", headers={"HX-Request": "true"})  # no filter form, no group list
    assert partial <= many - 1  # (and the user, read once per data version, is cached by now)


@pytest.mark.django_db
def test_index_group_choices_are_read_once_per_data_version(client, group, settings, page_queries):
    """Issue 14: the filter's group list (hundreds of options) is memoized per data version: a second
    miss of the page skips that query; a write (a new group) shows in the list at once."""
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # every request renders
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)
    first, _ = page_queries(client, "/meetings/")
    second, resp = page_queries(client, "/meetings/")
    assert second == first - 1
    assert f'<option value="{group.slug}">' in resp.content.decode()
    GroupFactory(name="Brand New WG", slug="brand-new")
    third, resp = page_queries(client, "/meetings/")
    assert third == first
    assert '<option value="brand-new">Brand New WG</option>' in resp.content.decode()


# --- /meetings/<id>/ -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_m2_detail_badges_ahead_and_late_reason(client, group, core_maintainer):
    m = MeetingFactory(group=group, published_at=None)
    m.published_at = m.starts_at - timedelta(days=9)
    m.save()
    body = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "Published 9 days ahead" in body
    late = MeetingFactory(group=group, late_publication_reason="Security fix review", late_published_by=core_maintainer)
    late.published_at = late.starts_at - timedelta(days=2)
    late.save()
    body = client.get(f"/meetings/{late.pk}/").content.decode()
    assert "Published late" in body
    assert "Security fix review" in body


@pytest.mark.django_db
def test_m4_detail_notes_badges(client, group):
    now = timezone.now()
    m = MeetingFactory(group=group, starts_at=now - timedelta(days=3))
    m.notes_published_at = m.ends_at + timedelta(hours=30)
    m.notes_html = "<p>We decided.</p>"
    m.save()
    body = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "Notes published 30 hours after" in body
    assert "We decided." in body
    o = MeetingFactory(group=group, starts_at=now - timedelta(days=5), notes_overdue_at=now)
    assert "Notes overdue" in client.get(f"/meetings/{o.pk}/").content.decode()


@pytest.mark.django_db
def test_m6_detail_has_add_to_calendar_links(client, group):
    m = MeetingFactory(group=group)
    body = client.get(f"/meetings/{m.pk}/").content.decode()
    assert f"/meetings/{m.pk}.ics" in body
    assert "calendar.google.com" in body
    assert "webcal://" in body


@pytest.mark.django_db
def test_m2_drafts_hidden_from_public_visible_to_lead(client, client_for, group, lead):
    d = MeetingFactory(group=group, status=Meeting.Status.DRAFT)
    assert client.get(f"/meetings/{d.pk}/").status_code == 404
    body = client_for(lead).get(f"/meetings/{d.pk}/").content.decode()
    assert "Draft" in body
    assert "Publish meeting" in body


@pytest.mark.django_db
def test_detail_query_budget_does_not_grow(client_for, group, lead, page_queries):
    c = client_for(lead)
    m = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    for _ in range(3):
        AgendaItemFactory(meeting=m, status=AgendaItem.Status.ACCEPTED)
        Attendance.objects.create(meeting=m, user=UserFactory())
    few, _ = page_queries(c, f"/meetings/{m.pk}/")
    for i in range(30):
        AgendaItemFactory(meeting=m, status=[AgendaItem.Status.ACCEPTED, AgendaItem.Status.PROPOSED][i % 2])
        Attendance.objects.create(meeting=m, user=UserFactory())
    many, resp = page_queries(c, f"/meetings/{m.pk}/")
    assert many == few <= 7


# --- publish: the ladder ---------------------------------------------------------------------------
@pytest.fixture
def draft(group):
    return MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=8))


@pytest.mark.django_db
def test_m2_publish_view_ladder(client, client_for, htmx_headers, group, lead, participant, draft):
    url = f"/meetings/{draft.pk}/publish/"
    resp = client.post(url)
    assert resp.status_code == 302
    assert "/accounts/login/" in resp["Location"]
    assert client_for(UserFactory()).post(url).status_code == 404  # drafts do not exist for outsiders
    assert client_for(participant).post(url).status_code == 404
    resp = client_for(lead).post(url, **htmx_headers)
    assert resp.status_code == 200
    assert "<html" not in resp.content.decode()
    assert "The meeting is published." in resp.content.decode()
    draft.refresh_from_db()
    assert draft.status == Meeting.Status.PUBLISHED


@pytest.mark.django_db
def test_m2_publish_view_success_redirects(client_for, lead, draft):
    resp = client_for(lead).post(f"/meetings/{draft.pk}/publish/")
    assert resp.status_code == 302
    assert resp["Location"] == f"/meetings/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == Meeting.Status.PUBLISHED


@pytest.mark.django_db
def test_m2_publish_view_too_late_shows_refusal(client_for, htmx_headers, group, lead):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=3))
    resp = client_for(lead).post(f"/meetings/{m.pk}/publish/")
    assert resp.status_code == 400
    assert "The earliest start that can still be published now is" in resp.content.decode()
    resp = client_for(lead).post(f"/meetings/{m.pk}/publish/", **htmx_headers)
    assert resp.status_code == 200
    assert "Too late to publish" in resp.content.decode()
    m.refresh_from_db()
    assert m.status == Meeting.Status.DRAFT


@pytest.mark.django_db
def test_m2_publish_view_published_meeting_403_for_non_lead(client_for, group, participant):
    m = MeetingFactory(group=group)
    assert client_for(participant).post(f"/meetings/{m.pk}/publish/").status_code == 403


@pytest.mark.django_db
def test_m2_core_maintainer_late_publish_view(client_for, group, core_maintainer):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=2))
    resp = client_for(core_maintainer).post(f"/meetings/{m.pk}/publish/", {"late_reason": "Release blocker"})
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.status == Meeting.Status.PUBLISHED
    assert m.late_publication_reason == "Release blocker"


# --- cancel ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_m6_cancel_view_ladder(client, client_for, htmx_headers, group, lead, participant):
    m = MeetingFactory(group=group)
    url = f"/meetings/{m.pk}/cancel/"
    assert "/accounts/login/" in client.post(url, {"reason": "x"})["Location"]
    assert client_for(participant).post(url, {"reason": "x"}).status_code == 403
    bad = client_for(lead).post(url, {"reason": ""})
    assert bad.status_code == 400
    assert "Say why" in bad.content.decode()
    m.refresh_from_db()
    assert m.status == Meeting.Status.PUBLISHED
    resp = client_for(lead).post(url, {"reason": "Holiday"}, **htmx_headers)
    assert resp.status_code == 200
    assert "Cancelled" in resp.content.decode()
    m.refresh_from_db()
    assert m.status == Meeting.Status.CANCELLED
    assert "Cancelled" in client_for(UserFactory()).get("/meetings/").content.decode()


# --- agenda items ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_m3_propose_view_ladder(client, client_for, htmx_headers, group, participant, observer):
    m = MeetingFactory(group=group)
    url = f"/meetings/{m.pk}/agenda/"
    assert "/accounts/login/" in client.post(url, {"title": "x"})["Location"]
    assert client_for(observer).post(url, {"title": "x"}).status_code == 403
    bad = client_for(participant).post(url, {"title": ""})
    assert bad.status_code == 400
    assert not AgendaItem.objects.exists()
    resp = client_for(participant).post(url, {"title": "Auth flows"}, **htmx_headers)
    assert resp.status_code == 200
    assert "Auth flows" in resp.content.decode()
    assert "<html" not in resp.content.decode()
    assert AgendaItem.objects.get().proposed_by == participant
    assert client_for(participant).post(url, {"title": "Second"}).status_code == 302


@pytest.mark.django_db
def test_m3_decide_view_ladder(client, client_for, htmx_headers, group, lead, participant):
    m = MeetingFactory(group=group)
    item = AgendaItemFactory(meeting=m, proposed_by=participant)
    url = f"/meetings/{m.pk}/agenda/{item.pk}/decide/"
    assert "/accounts/login/" in client.post(url, {"decision": "accept"})["Location"]
    assert client_for(participant).post(url, {"decision": "accept"}).status_code == 403
    assert client_for(lead).post(url, {"decision": "maybe"}).status_code == 400
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PROPOSED
    resp = client_for(lead).post(url, {"decision": "accept"}, **htmx_headers)
    assert resp.status_code == 200
    assert "Accepted items" in resp.content.decode()
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.ACCEPTED
    assert Event.objects.filter(verb="meeting.agenda_item_accepted").count() == 1


# --- schedule / edit / series ---------------------------------------------------------------------
def schedule_data(group, days=9, **kw):
    start = timezone.localtime(
        timezone.now() + timedelta(days=days), timezone=__import__("zoneinfo").ZoneInfo("Europe/Berlin")
    )
    data = {
        "group": group.pk,
        "title": "Planning",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "timezone_name": "Europe/Berlin",
        "duration_minutes": 45,
        "join_url": "https://meet.example.test/p",
        "agenda_md": "- one",
    }
    data.update(kw)
    return data


@pytest.mark.django_db
def test_m1_schedule_view_ladder(client, client_for, htmx_headers, group, lead, participant):
    assert "/accounts/login/" in client.get("/meetings/schedule/")["Location"]
    assert client_for(participant).get("/meetings/schedule/").status_code == 403
    c = client_for(lead)
    assert c.get("/meetings/schedule/").status_code == 200
    bad = c.post("/meetings/schedule/", schedule_data(group, join_url="", timezone_name="Mars/Base"))
    assert bad.status_code == 400
    assert "is not a time zone we know" in bad.content.decode()
    assert not Meeting.objects.exists()
    resp = c.post("/meetings/schedule/", schedule_data(group))
    m = Meeting.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == f"/meetings/{m.pk}/"
    assert m.status == Meeting.Status.DRAFT
    assert m.duration == timedelta(minutes=45)
    assert m.timezone_name == "Europe/Berlin"
    part = c.post("/meetings/schedule/", schedule_data(group, title=""), **htmx_headers)
    assert part.status_code == 200
    assert "<html" not in part.content.decode()
    assert "errorlist" in part.content.decode()
    ok = c.post("/meetings/schedule/", schedule_data(group, title="Via htmx"), **htmx_headers)
    assert ok.status_code == 204
    assert ok["HX-Redirect"].startswith("/meetings/")


@pytest.mark.django_db
def test_m1_schedule_refuses_dst_gap_time(client_for, group, lead):
    data = schedule_data(group, start="2027-03-28T02:30")  # Berlin skips 02:00-03:00
    resp = client_for(lead).post("/meetings/schedule/", data)
    assert resp.status_code == 400
    assert "does not exist" in resp.content.decode()


@pytest.mark.django_db
def test_m2_edit_view_ladder_bumps_sequence(client, client_for, htmx_headers, group, lead, participant):
    m = MeetingFactory(group=group)
    url = f"/meetings/{m.pk}/edit/"
    assert "/accounts/login/" in client.get(url)["Location"]
    assert client_for(participant).get(url).status_code == 403
    c = client_for(lead)
    assert c.get(url).status_code == 200
    data = schedule_data(group, days=12, title="Renamed")
    data.pop("group")
    assert c.post(url, {**data, "duration_minutes": 0}).status_code == 400
    resp = c.post(url, data)
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.title == "Renamed"
    assert m.sequence == 2
    part = c.post(url, {**data, "title": ""}, **htmx_headers)
    assert part.status_code == 200
    assert "<html" not in part.content.decode()


@pytest.mark.django_db
def test_m7_series_view_ladder(client, client_for, group, lead, participant, django_capture_on_commit_callbacks):
    assert "/accounts/login/" in client.get("/meetings/series/new/")["Location"]
    assert client_for(participant).get("/meetings/series/new/").status_code == 403
    c = client_for(lead)
    data = {
        "group": group.pk, "title": "Weekly", "frequency": "weekly",
        "first_date": (timezone.now() + timedelta(days=10)).date().isoformat(), "local_time": "16:00",
        "timezone_name": "America/New_York", "duration_minutes": 60, "join_url": "https://meet.example.test/w",
        "auto_publish": "on",
    }  # fmt: skip
    assert c.post("/meetings/series/new/", {**data, "frequency": "daily"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        resp = c.post("/meetings/series/new/", data)
    assert resp.status_code == 302
    assert Meeting.objects.filter(series__title="Weekly").count() >= 6


# --- notes + attendance ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_m5_notes_view_ladder_records_attendance(client, client_for, htmx_headers, group, lead, participant):
    guest = UserFactory(github="guest-dev")
    m = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=3))
    url = f"/meetings/{m.pk}/notes/"
    assert "/accounts/login/" in client.get(url)["Location"]
    assert client_for(participant).get(url).status_code == 403
    c = client_for(lead)
    assert "Participant Person" in c.get(url).content.decode()
    bad = c.post(url, {"notes_md": "", "extra_handles": "@who-is-this"})
    assert bad.status_code == 400
    m.refresh_from_db()
    assert m.notes_published_at is None
    resp = c.post(url, {"notes_md": "# Decisions", "attendees": [participant.pk], "extra_handles": "@guest-dev"})
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.notes_published_at is not None
    assert set(m.attendances.values_list("user_id", flat=True)) == {participant.pk, guest.pk}
    assert Participation.objects.filter(kind="attendance").count() == 2
    part = c.post(url, {"notes_md": ""}, **htmx_headers)
    assert part.status_code == 200
    assert "<html" not in part.content.decode()


@pytest.mark.django_db
def test_m4_notes_view_before_start_refused(client_for, group, lead):
    m = MeetingFactory(group=group)
    resp = client_for(lead).post(f"/meetings/{m.pk}/notes/", {"notes_md": "early"})
    assert resp.status_code == 400
    assert "once the meeting has started" in resp.content.decode()


@pytest.mark.django_db
def test_preview_renders_sanitized_markdown(client, client_for, lead):
    assert "/accounts/login/" in client.post("/meetings/preview/", {"agenda_md": "x"})["Location"]
    resp = client_for(lead).post("/meetings/preview/", {"agenda_md": "**bold** <script>x</script>"})
    body = resp.content.decode()
    assert "<strong>bold</strong>" in body
    assert "<script>" not in body
