"""M6: iCalendar feeds, parsed back with vobject (an independent parser)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from groups.models import Tier
from meetings import services
from meetings.models import Meeting
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .factories import MeetingFactory


def parse(resp):
    assert resp.status_code == 200, resp.content[:300]
    assert resp["Content-Type"] == "text/calendar; charset=utf-8"
    return vobject.readOne(resp.content.decode())


def events(cal):
    return list(getattr(cal, "vevent_list", []))


@pytest.mark.django_db
def test_m6_meeting_ics_fields(client, group):
    m = MeetingFactory(group=group, title="Transport sync", timezone_name="America/New_York")
    cal = parse(client.get(f"/meetings/{m.pk}.ics"))
    (ev,) = events(cal)
    assert ev.uid.value == f"meeting-{m.pk}@127.0.0.1"
    assert ev.summary.value == "Transport sync (Transports WG)"
    assert int(ev.sequence.value) == 1
    assert ev.status.value == "CONFIRMED"
    assert ev.dtstart.value == m.starts_at
    assert ev.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["America/New_York"]  # TZID kept, resolved via VTIMEZONE
    assert ev.dtstart.value.utcoffset() == m.starts_at.astimezone(ZoneInfo("America/New_York")).utcoffset()
    assert ev.dtend.value - ev.dtstart.value == timedelta(hours=1)
    assert ev.url.value.endswith(f"/meetings/{m.pk}/")
    assert f"/meetings/{m.pk}/" in ev.description.value  # agenda link
    assert ev.dtstamp.value is not None
    assert [tz.tzid.value for tz in cal.vtimezone_list] == ["America/New_York"]


@pytest.mark.django_db
def test_m6_drafts_and_missed_never_in_feeds(client, group):
    MeetingFactory(group=group, status=Meeting.Status.DRAFT)
    MeetingFactory(group=group, status=Meeting.Status.MISSED_PUBLICATION, published_at=None)
    ok = MeetingFactory(group=group)
    assert [e.uid.value for e in events(parse(client.get("/meetings/feed.ics")))] == [f"meeting-{ok.pk}@127.0.0.1"]
    assert client.get(f"/meetings/{ok.pk - 1}.ics").status_code == 404


@pytest.mark.django_db
def test_m6_cancelled_stays_with_status_cancelled_and_uid_stable_sequence_up(client, group, lead):
    m = MeetingFactory(group=group)
    before = events(parse(client.get("/meetings/group/transports-wg.ics")))[0]
    services.meeting_cancel(meeting=m, by=lead, reason="Holiday")
    after = events(parse(client.get("/meetings/group/transports-wg.ics")))[0]
    assert after.uid.value == before.uid.value
    assert int(after.sequence.value) == int(before.sequence.value) + 1
    assert after.status.value == "CANCELLED"
    assert "Holiday" in after.description.value


@pytest.mark.django_db
def test_m6_conditional_get_304_until_a_change(client, group, lead):
    m = MeetingFactory(group=group)
    first = client.get("/meetings/feed.ics")
    etag = first["ETag"]
    assert client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.meeting_edit(meeting=m, by=lead, title="New title")
    again = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag
    assert "New title" in again.content.decode()


@pytest.mark.django_db
def test_m6_group_feed_only_that_group_and_zones(client, group):
    other = GroupFactory()
    mine = MeetingFactory(group=group, timezone_name="Europe/Berlin")
    MeetingFactory(group=group, timezone_name="Asia/Tokyo")
    MeetingFactory(group=other)
    cal = parse(client.get("/meetings/group/transports-wg.ics"))
    assert len(events(cal)) == 2
    assert sorted(tz.tzid.value for tz in cal.vtimezone_list) == ["Asia/Tokyo", "Europe/Berlin"]
    assert f"meeting-{mine.pk}@127.0.0.1" in {e.uid.value for e in events(cal)}
    assert client.get("/meetings/group/nope.ics").status_code == 404


@pytest.mark.django_db
def test_m6_private_feed_of_my_groups_and_rotation(client, group):
    me = UserFactory()
    MembershipFactory(group=group, user=me, tier=Tier.OBSERVER)
    MeetingFactory(group=group)
    MeetingFactory(group=GroupFactory())
    token = me.calendar_token
    assert len(events(parse(client.get(f"/meetings/calendar/{token}.ics")))) == 1
    me.rotate_calendar_token()
    assert client.get(f"/meetings/calendar/{token}.ics").status_code == 404
    assert client.get(f"/meetings/calendar/{me.calendar_token}.ics").status_code == 200


@pytest.mark.django_db
@pytest.mark.urls("tests.meetings.urls_root")
def test_m6_root_addresses_once_mounted(client, group):
    me = UserFactory()
    MembershipFactory(group=group, user=me, tier=Tier.PARTICIPANT)
    m = MeetingFactory(group=group)
    for url in ("/meetings.ics", "/groups/transports-wg/meetings.ics", f"/calendar/{me.calendar_token}.ics"):
        assert len(events(parse(client.get(url)))) == 1, url
    page = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "webcal://127.0.0.1:8000/groups/transports-wg/meetings.ics" in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/meetings/feed.ics", "/meetings/group/transports-wg.ics", "private"])
def test_m6_feed_query_budget_does_not_grow(client, group, url, django_assert_max_num_queries):
    me = UserFactory()
    MembershipFactory(group=group, user=me)
    url = f"/meetings/calendar/{me.calendar_token}.ics" if url == "private" else url
    MeetingFactory.create_batch(3, group=group)
    with django_assert_max_num_queries(5) as few:
        assert client.get(url).status_code == 200
    MeetingFactory.create_batch(30, group=group, timezone_name="Asia/Tokyo")
    with django_assert_max_num_queries(5) as many:
        assert len(events(parse(client.get(url)))) == 33
    assert len(many) == len(few)


@pytest.mark.django_db
def test_m6_times_are_utc_correct_in_other_parser(client, group):
    m = MeetingFactory(group=group, timezone_name="Asia/Kolkata")
    (ev,) = events(parse(client.get(f"/meetings/{m.pk}.ics")))
    assert ev.dtstart.value.astimezone(ZoneInfo("UTC")) == m.starts_at


@pytest.mark.django_db
def test_m6_feeds_answer_head_and_refuse_post(client, group):
    MeetingFactory(group=group)
    assert client.head("/meetings/feed.ics").status_code == 200
    assert client.post("/meetings/feed.ics").status_code == 405


@pytest.mark.django_db
def test_m6_etag_changes_on_group_rename_new_meeting_and_next_day(client, group):
    import time_machine
    from django.utils import timezone

    MeetingFactory(group=group)
    url = "/meetings/group/transports-wg.ics"
    etag = client.get(url)["ETag"]
    group.name, group.version = "Transports Working Group", group.version + 1
    group.save()
    renamed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200
    assert "Transports Working Group" in renamed.content.decode()
    etag = renamed["ETag"]
    MeetingFactory(group=group)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    etag = client.get(url)["ETag"]
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304  # same meetings, same feed
    with time_machine.travel(timezone.now() + timedelta(days=120)):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200  # the window moved past them


@pytest.mark.django_db
@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "Africa/Casablanca"]
)
def test_m6_vtimezone_read_right_in_both_parsers_summer_and_winter(client, group, zone):
    """VTIMEZONE must give the same instant in vobject (dateutil) and icalendar in every season:
    RDATE-listed observances were read by vobject as standard time all year (summer an hour off)."""
    import icalendar

    from meetings.models import Meeting as M

    local = ZoneInfo(zone)
    starts = [datetime(2027, month, 14, 17, 0, tzinfo=local) for month in (1, 2, 4, 7, 10)]  # Feb: Ramadan in Morocco
    made = [MeetingFactory(group=group, timezone_name=zone, starts_at=s) for s in starts]
    M.objects.filter(pk__in=[m.pk for m in made]).update(published_at=datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))
    body = client.get("/meetings/group/transports-wg.ics").content.decode()
    with_vobject = sorted(e.dtstart.value.astimezone(ZoneInfo("UTC")) for e in events(vobject.readOne(body)))
    with_icalendar = sorted(
        e.decoded("dtstart").astimezone(ZoneInfo("UTC")) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    )
    expected = sorted(s.astimezone(ZoneInfo("UTC")) for s in starts)
    assert with_vobject == expected
    assert with_icalendar == expected
    assert "RDATE" not in body


@pytest.mark.django_db
def test_m6_etag_changes_with_feed_format(client, group, monkeypatch):
    """A new feed shape (like the VTIMEZONE fix) must reach clients that hold the old one."""
    from meetings import ical

    MeetingFactory(group=group)
    etag = client.get("/meetings/feed.ics")["ETag"]
    monkeypatch.setattr(ical, "FEED_FORMAT", ical.FEED_FORMAT + 1)
    again = client.get("/meetings/feed.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag
