"""Pages and the view ladder (anonymous, without right, with right, htmx, bad input); query budgets."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.models import Group, Participation
from meetings.models import AgendaItem, Attendance, Meeting
from portal.models import Event
from tests.factories import GroupFactory, UserFactory

from .factories import AgendaItemFactory, MeetingFactory


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, resp.content[:500]
    return len(ctx), resp


# --- /meetings/ ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_m6_index_lists_upcoming_in_viewer_zone_and_hides_drafts(client_for, group):
    viewer = UserFactory(timezone="Asia/Tokyo")
    shown = MeetingFactory(group=group, title="Visible sync")
    MeetingFactory(group=group, title="Secret draft", status=Meeting.Status.DRAFT)
    MeetingFactory(group=group, title="Missed one", status=Meeting.Status.MISSED_PUBLICATION, published_at=None)
    body = client_for(viewer).get("/meetings/").content.decode()
    assert "Visible sync" in body and "Secret draft" not in body and "Missed one" not in body
    assert timezone.localtime(shown.starts_at, timezone=shown.zone).tzname() not in ("JST",)
    assert "(UTC+09:00)" in body


@pytest.mark.django_db
def test_m6_index_filters_by_group_and_kind_htmx_partial(client, htmx_headers, group):
    ig = GroupFactory(name="Agents IG", slug="agents-ig", kind=Group.Kind.INTEREST)
    MeetingFactory(group=group, title="WG meeting")
    MeetingFactory(group=ig, title="IG meeting")
    body = client.get("/meetings/?kind=ig").content.decode()
    assert "IG meeting" in body and "WG meeting" not in body
    resp = client.get("/meetings/?group=transports-wg", **htmx_headers)
    part = resp.content.decode()
    assert "WG meeting" in part and "IG meeting" not in part
    assert "<html" not in part and "<table" in part


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
    assert "Old one" in body and "Overdue one" in body and "Future one" not in body
    assert "Notes overdue" in body


@pytest.mark.django_db
def test_index_paginates_and_empty_state(client, group):
    assert "No upcoming meetings match." in client.get("/meetings/").content.decode()
    MeetingFactory.create_batch(25, group=group)
    body = client.get("/meetings/?page=2").content.decode()
    assert "Page 2 of 2" in body


@pytest.mark.django_db
def test_index_query_budget_does_not_grow(client_for, group):
    viewer = UserFactory()
    c = client_for(viewer)
    MeetingFactory.create_batch(3, group=group)
    few, _ = count_queries(c, "/meetings/")
    for i in range(30):
        MeetingFactory(group=GroupFactory(), title=f"Many {i}")
    many, _ = count_queries(c, "/meetings/")
    past_many, _ = count_queries(c, "/meetings/?when=past")
    assert many == few <= 6
    assert past_many <= 6
    with CaptureQueriesContext(connection) as partial:  # htmx results: no filter form, no group list
        assert c.get("/meetings/", headers={"HX-Request": "true"}).status_code == 200
    assert len(partial) == many - 1


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
    assert "Published late" in body and "Security fix review" in body


@pytest.mark.django_db
def test_m4_detail_notes_badges(client, group):
    now = timezone.now()
    m = MeetingFactory(group=group, starts_at=now - timedelta(days=3))
    m.notes_published_at = m.ends_at + timedelta(hours=30)
    m.notes_html = "<p>We decided.</p>"
    m.save()
    body = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "Notes published 30 hours after" in body and "We decided." in body
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
    assert "Draft" in body and "Publish meeting" in body


@pytest.mark.django_db
def test_detail_query_budget_does_not_grow(client_for, group, lead):
    c = client_for(lead)
    m = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    for _ in range(3):
        AgendaItemFactory(meeting=m, status=AgendaItem.Status.ACCEPTED)
        Attendance.objects.create(meeting=m, user=UserFactory())
    few, _ = count_queries(c, f"/meetings/{m.pk}/")
    for i in range(30):
        AgendaItemFactory(meeting=m, status=[AgendaItem.Status.ACCEPTED, AgendaItem.Status.PROPOSED][i % 2])
        Attendance.objects.create(meeting=m, user=UserFactory())
    many, resp = count_queries(c, f"/meetings/{m.pk}/")
    assert many == few <= 7


# --- publish: the ladder ---------------------------------------------------------------------------
@pytest.fixture
def draft(group):
    return MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=8))


@pytest.mark.django_db
def test_m2_publish_view_ladder(client, client_for, htmx_headers, group, lead, participant, draft):
    url = f"/meetings/{draft.pk}/publish/"
    resp = client.post(url)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert client_for(UserFactory()).post(url).status_code == 404  # drafts do not exist for outsiders
    assert client_for(participant).post(url).status_code == 404
    resp = client_for(lead).post(url, **htmx_headers)
    assert resp.status_code == 200 and "<html" not in resp.content.decode()
    assert "The meeting is published." in resp.content.decode()
    draft.refresh_from_db()
    assert draft.status == Meeting.Status.PUBLISHED


@pytest.mark.django_db
def test_m2_publish_view_success_redirects(client_for, lead, draft):
    resp = client_for(lead).post(f"/meetings/{draft.pk}/publish/")
    assert resp.status_code == 302 and resp["Location"] == f"/meetings/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == Meeting.Status.PUBLISHED


@pytest.mark.django_db
def test_m2_publish_view_too_late_shows_refusal(client_for, htmx_headers, group, lead):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=3))
    resp = client_for(lead).post(f"/meetings/{m.pk}/publish/")
    assert resp.status_code == 400
    assert "The earliest start that can still be published now is" in resp.content.decode()
    resp = client_for(lead).post(f"/meetings/{m.pk}/publish/", **htmx_headers)
    assert resp.status_code == 200 and "Too late to publish" in resp.content.decode()
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
    assert m.status == Meeting.Status.PUBLISHED and m.late_publication_reason == "Release blocker"


# --- cancel ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_m6_cancel_view_ladder(client, client_for, htmx_headers, group, lead, participant):
    m = MeetingFactory(group=group)
    url = f"/meetings/{m.pk}/cancel/"
    assert "/accounts/login/" in client.post(url, {"reason": "x"})["Location"]
    assert client_for(participant).post(url, {"reason": "x"}).status_code == 403
    bad = client_for(lead).post(url, {"reason": ""})
    assert bad.status_code == 400 and "Say why" in bad.content.decode()
    m.refresh_from_db()
    assert m.status == Meeting.Status.PUBLISHED
    resp = client_for(lead).post(url, {"reason": "Holiday"}, **htmx_headers)
    assert resp.status_code == 200 and "Cancelled" in resp.content.decode()
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
    assert resp.status_code == 200 and "Auth flows" in resp.content.decode() and "<html" not in resp.content.decode()
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
    assert resp.status_code == 200 and "Accepted items" in resp.content.decode()
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
    assert bad.status_code == 400 and "is not a time zone we know" in bad.content.decode()
    assert not Meeting.objects.exists()
    resp = c.post("/meetings/schedule/", schedule_data(group))
    m = Meeting.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/meetings/{m.pk}/"
    assert m.status == Meeting.Status.DRAFT and m.duration == timedelta(minutes=45)
    assert m.timezone_name == "Europe/Berlin"
    part = c.post("/meetings/schedule/", schedule_data(group, title=""), **htmx_headers)
    assert part.status_code == 200 and "<html" not in part.content.decode() and "errorlist" in part.content.decode()
    ok = c.post("/meetings/schedule/", schedule_data(group, title="Via htmx"), **htmx_headers)
    assert ok.status_code == 204 and ok["HX-Redirect"].startswith("/meetings/")


@pytest.mark.django_db
def test_m1_schedule_refuses_dst_gap_time(client_for, group, lead):
    data = schedule_data(group, start="2027-03-28T02:30")  # Berlin skips 02:00-03:00
    resp = client_for(lead).post("/meetings/schedule/", data)
    assert resp.status_code == 400 and "does not exist" in resp.content.decode()


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
    assert m.title == "Renamed" and m.sequence == 2
    part = c.post(url, {**data, "title": ""}, **htmx_headers)
    assert part.status_code == 200 and "<html" not in part.content.decode()


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
    assert part.status_code == 200 and "<html" not in part.content.decode()


@pytest.mark.django_db
def test_m4_notes_view_before_start_refused(client_for, group, lead):
    m = MeetingFactory(group=group)
    resp = client_for(lead).post(f"/meetings/{m.pk}/notes/", {"notes_md": "early"})
    assert resp.status_code == 400 and "once the meeting has started" in resp.content.decode()


@pytest.mark.django_db
def test_preview_renders_sanitized_markdown(client, client_for, lead):
    assert "/accounts/login/" in client.post("/meetings/preview/", {"agenda_md": "x"})["Location"]
    resp = client_for(lead).post("/meetings/preview/", {"agenda_md": "**bold** <script>x</script>"})
    body = resp.content.decode()
    assert "<strong>bold</strong>" in body and "<script>" not in body


# --- compliance -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_m4_compliance_ladder_and_shares(client, client_for, group, lead, core_maintainer):
    assert "/accounts/login/" in client.get("/meetings/compliance/")["Location"]
    assert client_for(lead).get("/meetings/compliance/").status_code == 403
    now = timezone.now()
    on_time = MeetingFactory(group=group, title="On time", starts_at=now - timedelta(days=10))
    on_time.notes_published_at = on_time.ends_at + timedelta(hours=5)
    on_time.save()
    late = MeetingFactory(group=group, title="Late notes", starts_at=now - timedelta(days=20))
    late.published_at = late.starts_at - timedelta(days=2)
    late.notes_published_at = late.ends_at + timedelta(hours=60)
    late.save()
    MeetingFactory(group=group, title="Overdue", starts_at=now - timedelta(days=4), notes_overdue_at=now)
    MeetingFactory(group=group, title="Missed", status=Meeting.Status.MISSED_PUBLICATION, published_at=None,
                   missed_publication_at=now, starts_at=now + timedelta(days=3))  # fmt: skip
    resp = client_for(core_maintainer).get("/meetings/compliance/")
    body = resp.content.decode()
    assert "<svg" in body and "Missed" in body and "Overdue" in body
    # publication: on_time, overdue (published in time) ok; late not ok -> 2 of 3; missed is in the future
    assert "2 of 3 (67%)" in body
    # notes: on_time ok; late and overdue not -> 1 of 3
    assert "1 of 3 (33%)" in body
    # every queue row and share row links to the group page, where the leads and meetings are
    assert body.count(f'<a href="{group.get_absolute_url()}">{group.name}</a>') == 3


@pytest.mark.django_db
def test_compliance_query_budget_does_not_grow(client_for, core_maintainer):
    c = client_for(core_maintainer)
    now = timezone.now()

    def batch(n):
        for _ in range(n):
            g = GroupFactory()
            MeetingFactory(group=g, starts_at=now - timedelta(days=5), notes_overdue_at=now)
            MeetingFactory(group=g, status=Meeting.Status.MISSED_PUBLICATION, published_at=None)

    batch(3)
    few, _ = count_queries(c, "/meetings/compliance/")
    batch(30)
    many, _ = count_queries(c, "/meetings/compliance/")
    assert many == few <= 7


@pytest.mark.django_db
def test_m2_m4_compliance_queues_say_how_many_beyond_the_list(client_for, core_maintainer, monkeypatch):
    from meetings import views

    monkeypatch.setattr(views, "QUEUE_SIZE", 2)
    now = timezone.now()
    for _ in range(3):
        MeetingFactory(starts_at=now - timedelta(days=5), notes_overdue_at=now)
        MeetingFactory(status=Meeting.Status.MISSED_PUBLICATION, published_at=None, starts_at=now + timedelta(days=2))
    body = client_for(core_maintainer).get("/meetings/compliance/").content.decode()
    assert "Missed publications (3)" in body and "The 2 most recent are listed." in body
    assert "Overdue notes (3)" in body and "The 2 longest overdue are listed." in body


@pytest.mark.django_db
def test_m2_e2e_style_publication_after_time_travel(client_for, group, lead):
    """A draft whose cutoff passes while the lead waits is refused with the earliest start."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=8))
        traveller.shift(timedelta(days=2))
        resp = client_for(lead).post(f"/meetings/{m.pk}/publish/")
    assert resp.status_code == 400 and "earliest start" in resp.content.decode()


@pytest.mark.django_db
def test_m7_series_view_htmx_partial_on_bad_input(client_for, htmx_headers, lead, group):
    resp = client_for(lead).post("/meetings/series/new/", {"group": group.pk, "title": ""}, **htmx_headers)
    body = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in body and "errorlist" in body
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_form_pages_query_budget_does_not_grow(client_for, group, lead):
    from groups.models import Tier
    from tests.factories import MembershipFactory

    c = client_for(lead)
    m = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    urls = [f"/meetings/{m.pk}/notes/", "/meetings/schedule/", "/meetings/series/new/", f"/meetings/{m.pk}/edit/"]
    few = [count_queries(c, u)[0] for u in urls]
    for _ in range(30):
        MembershipFactory(group=group, tier=Tier.PARTICIPANT)
        MeetingFactory(group=GroupFactory())
    many = [count_queries(c, u)[0] for u in urls]
    assert many == few
    assert max(many) <= 8


@pytest.mark.django_db
def test_m2_refusal_names_earliest_start_in_viewers_zone(client_for, group, lead):
    """The lead reads New York time; the meeting was scheduled in Berlin: the refusal names both."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    lead.timezone = "America/New_York"
    lead.save(update_fields=["timezone"])
    now = datetime(2026, 11, 23, 0, 5, tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(now, tick=False):
        m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=3))
        body = client_for(lead).post(f"/meetings/{m.pk}/publish/").content.decode()
    # 30 Nov 00:05 UTC = Sun 29 Nov 19:05 in New York = Mon 30 Nov 01:05 in Berlin
    assert "The earliest start that can still be published now is Sun 29 Nov 2026, 19:05 America/New_York" in body
    assert "Mon 30 Nov 2026, 01:05 Europe/Berlin (the meeting&#x27;s zone)" in body
    assert Meeting.objects.get(pk=m.pk).status == Meeting.Status.DRAFT


@pytest.mark.django_db
def test_m1_detail_scheduled_as_shows_the_meetings_own_local_time(client_for, group, lead):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    lead.timezone = "America/New_York"
    lead.save(update_fields=["timezone"])
    start = datetime(2026, 12, 3, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with time_machine.travel(datetime(2026, 11, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        m = MeetingFactory(group=group, starts_at=start, timezone_name="Europe/Berlin")
        body = client_for(lead).get(f"/meetings/{m.pk}/").content.decode()
    assert "Thu 3 Dec 2026, 17:00 Europe/Berlin" in body  # not 11:00 (the viewer's New York time)
    assert "Thu 3 Dec 2026, 11:00" in body  # the start in the viewer's zone


@pytest.mark.django_db
def test_m2_lead_sees_cutoff_passed_with_earliest_start(client_for, group, lead):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=3))
    body = client_for(lead).get(f"/meetings/{m.pk}/").content.decode()
    assert "The publication cutoff (7 days ahead) passed" in body
    assert "or ask a core maintainer to publish it late" in body


@pytest.mark.django_db
def test_m4_compliance_chart_full_names_axis_and_text_alternative(client_for, core_maintainer):
    import re

    now = timezone.now()
    long_name = "Server Identity and Authorization Working Group"
    g = GroupFactory(name=long_name)
    m = MeetingFactory(group=g, starts_at=now - timedelta(days=10))
    m.notes_published_at = m.ends_at + timedelta(hours=60)  # late
    m.save()
    body = client_for(core_maintainer).get("/meetings/compliance/").content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert f">{long_name}</text>" in svg  # the whole name, not truncated
    assert [t for t in re.findall(r">(\d+)%</text>", svg)][:5] == ["0", "25", "50", "75", "100"]  # the axis
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert f"{long_name}: published on time 100% (1 of 1), notes on time 0% (0 of 1)" in desc
    assert 'aria-labelledby="chart-title chart-desc"' in svg


@pytest.mark.django_db
def test_m6_cancelled_meeting_offers_no_google_add_but_keeps_ics(client, group, lead):
    from meetings import services

    m = MeetingFactory(group=group)
    services.meeting_cancel(meeting=m, by=lead, reason="Holiday")
    body = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "calendar.google.com" not in body  # adding a cancelled meeting would create a live event
    assert f"/meetings/{m.pk}.ics" in body and "marks it cancelled" in body


@pytest.mark.django_db
def test_m2_late_publish_reason_too_long_refused_nothing_changes(client_for, group, core_maintainer):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=3))
    resp = client_for(core_maintainer).post(f"/meetings/{m.pk}/publish/", {"late_reason": "x" * 5000})
    assert resp.status_code == 400 and "too long" in resp.content.decode()
    m.refresh_from_db()
    assert m.status == Meeting.Status.DRAFT and m.late_publication_reason == ""


@pytest.mark.django_db
def test_m1_m3_m4_oversized_markdown_refused_nothing_changes(client_for, group, lead, participant):
    from meetings.forms import MARKDOWN_MAX

    huge = "x" * (MARKDOWN_MAX + 1)
    c = client_for(lead)
    data = schedule_data(group, title="Big", agenda_md=huge)
    assert c.post("/meetings/schedule/", data).status_code == 400
    assert not Meeting.objects.filter(title="Big").exists()
    assert c.post("/meetings/schedule/", {**data, "agenda_md": "ok"}).status_code == 302  # only the size was wrong
    m = MeetingFactory(group=group)
    resp = client_for(participant).post(f"/meetings/{m.pk}/agenda/", {"title": "T", "details": "d" * 2001})
    assert resp.status_code == 400 and not m.agenda_items.exists()
    held = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=3))
    assert c.post(f"/meetings/{held.pk}/notes/", {"notes_md": huge}).status_code == 400
    held.refresh_from_db()
    assert held.notes_md == "" and held.notes_published_at is None


@pytest.mark.django_db
def test_m1_meeting_list_and_page_link_to_the_group_page(client, group):
    """A visitor told "participants may propose agenda items" had no link from the meeting to the
    group page where one joins: the breadcrumb goes to the filtered meeting list only."""
    meeting = MeetingFactory(group=group, title="Linked sync", starts_at=timezone.now() + timedelta(days=10))
    link = f'<a href="{group.get_absolute_url()}">{group.name}</a>'
    assert link in client.get("/meetings/").content.decode()
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert page.count(link) == 2  # the "Group" line and the "Participants of ... may propose" hint
