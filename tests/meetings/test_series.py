"""M7: recurring series over a rolling window, DST-safe, idempotent, each meeting obeying M2."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from meetings import series as meeting_series
from meetings import tasks
from meetings.models import Meeting, MeetingSeries
from portal.errors import DomainError
from portal.models import Event

from .conftest import NOW

BERLIN = ZoneInfo("Europe/Berlin")


def make_series(group, lead, **kw):
    defaults = dict(
        title="Weekly sync",
        frequency=MeetingSeries.Frequency.WEEKLY,
        first_date=date(2026, 11, 5),
        local_time=time(17, 0),
        timezone_name="Europe/Berlin",
        duration=timedelta(hours=1),
        join_url="https://meet.example.test/w",
        keep_early_dates=True,  # these tests cover generation of every date, publishable or not
        agenda_md="1. Open items",  # M1: generated meetings are published with an agenda
    )
    defaults.update(kw)
    return meeting_series.series_create(group=group, by=lead, **defaults)


@pytest.mark.django_db
def test_m7_weekly_series_window_and_m2_policy(group, lead, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        series = make_series(group, lead)
    meetings = list(series.meetings.order_by("starts_at"))
    window_end = NOW + settings.GOVERNANCE["SERIES_WINDOW"]
    assert len(meetings) == 8  # Thursdays 5 Nov .. 24 Dec 2026
    assert all(NOW < m.starts_at <= window_end for m in meetings)
    # M2: the first (3 days ahead) is a draft for the lead to publish; the rest are >= 7 days ahead
    assert meetings[0].status == Meeting.Status.DRAFT
    assert all(m.status == Meeting.Status.PUBLISHED and m.published_at == NOW for m in meetings[1:])
    assert all(not m.published_late for m in meetings[1:])


@pytest.mark.django_db
def test_m7_generate_twice_creates_nothing_new(group, lead):
    with time_machine.travel(NOW, tick=False):
        series = make_series(group, lead)
        first = tasks.generate_series()
        assert tasks.generate_series() == 0
    assert series.meetings.count() == first == 8
    assert Event.objects.filter(verb="meeting.scheduled").count() == 8


@pytest.mark.django_db
def test_m7_missed_generation_catches_up_and_rolls_window(group, lead):
    with time_machine.travel(NOW, tick=False):
        series = make_series(group, lead)
        tasks.generate_series()
    with time_machine.travel(NOW + timedelta(days=21), tick=False):
        assert tasks.generate_series() == 3
    dates = list(series.meetings.order_by("occurrence_date").values_list("occurrence_date", flat=True))
    assert len(dates) == len(set(dates)) == 11


@pytest.mark.django_db
def test_m7_sweep_looks_at_a_series_again_only_when_its_next_date_enters_the_window(group, lead):
    """The hourly sweep costs what is due: a generated series is not selected again until the start
    of its next occurrence comes inside the rolling window; then that one meeting is created."""
    window = settings.GOVERNANCE["SERIES_WINDOW"]
    with time_machine.travel(NOW, tick=False):
        series = make_series(group, lead)
        assert list(meeting_series.series_due(NOW)) == [series]  # never generated
        tasks.generate_series()
        series.refresh_from_db()
        last = series.meetings.order_by("-starts_at").first().starts_at
        assert series.next_start_at == last + timedelta(weeks=1)
        assert not meeting_series.series_due(NOW).exists()
    entered = series.next_start_at - window
    with time_machine.travel(entered - timedelta(minutes=1), tick=False):
        assert tasks.generate_series() == 0
        assert not meeting_series.series_due(timezone.now()).exists()
    with time_machine.travel(entered + timedelta(minutes=1), tick=False):
        assert list(meeting_series.series_due(timezone.now())) == [series]
        assert tasks.generate_series() == 1
        assert not meeting_series.series_due(timezone.now()).exists()
    assert series.meetings.count() == 9


@pytest.mark.django_db
def test_m7_dst_keeps_local_time_across_change(group, lead):
    # Europe/Berlin leaves summer time on 25 Oct 2026
    start = datetime(2026, 10, 1, 9, 0, tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(start, tick=False):
        series = make_series(group, lead, first_date=date(2026, 10, 15), auto_publish=False)
        tasks.generate_series()
    by_date = {m.occurrence_date: m for m in series.meetings.all()}
    before, after = by_date[date(2026, 10, 22)], by_date[date(2026, 10, 29)]
    assert before.starts_at.astimezone(BERLIN).time() == time(17, 0)
    assert after.starts_at.astimezone(BERLIN).time() == time(17, 0)
    assert before.starts_at.astimezone(ZoneInfo("UTC")).hour == 15
    assert after.starts_at.astimezone(ZoneInfo("UTC")).hour == 16
    assert all(m.status == Meeting.Status.DRAFT for m in by_date.values())


@pytest.mark.django_db
def test_m7_biweekly_and_monthly_nth_weekday(group, lead):
    with time_machine.travel(NOW, tick=False):
        bi = make_series(group, lead, frequency=MeetingSeries.Frequency.BIWEEKLY)
        # 2nd Tuesday of the month
        mo = make_series(
            group, lead, title="Monthly", frequency=MeetingSeries.Frequency.MONTHLY, first_date=date(2026, 11, 10)
        )
        tasks.generate_series()
    assert [m.occurrence_date for m in bi.meetings.order_by("starts_at")] == [
        date(2026, 11, 5), date(2026, 11, 19), date(2026, 12, 3), date(2026, 12, 17),
    ]  # fmt: skip
    assert [m.occurrence_date for m in mo.meetings.order_by("starts_at")] == [date(2026, 11, 10), date(2026, 12, 8)]
    with time_machine.travel(NOW + timedelta(days=70), tick=False):
        tasks.generate_series()
    assert date(2027, 1, 12) in set(mo.meetings.values_list("occurrence_date", flat=True))


@pytest.mark.django_db
def test_m7_last_weekday_of_month_and_until():
    s = MeetingSeries(frequency=MeetingSeries.Frequency.MONTHLY, first_date=date(2026, 12, 29), until=date(2027, 4, 1))
    assert list(meeting_series.series_dates(s, date(2027, 12, 31))) == [
        date(2026, 12, 29), date(2027, 1, 26), date(2027, 2, 23), date(2027, 3, 30),
    ]  # fmt: skip


@pytest.mark.django_db
def test_m7_m2_generated_drafts_are_swept_like_any_other(group, lead):
    with time_machine.travel(NOW, tick=False):
        series = make_series(group, lead)
        tasks.generate_series()
    draft = series.meetings.get(status=Meeting.Status.DRAFT)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        tasks.sweep_publication()
    draft.refresh_from_db()
    assert draft.status == Meeting.Status.MISSED_PUBLICATION


@pytest.mark.django_db
def test_m7_generation_fails_half_way_then_finishes(group, lead, worker_dies):
    with time_machine.travel(NOW, tick=False):
        a = make_series(group, lead, title="A")
        b = make_series(group, lead, title="B")
        with worker_dies(meeting_series, "series_generate", when=lambda series_id, **kw: series_id == b.pk):
            assert tasks.generate_series() == 8
        assert a.meetings.count() == 8
        assert b.meetings.count() == 0
        assert tasks.generate_series() == 8
    assert b.meetings.count() == 8
    assert a.meetings.count() == 8


# --- ending a series (lead-facing) ----------------------------------------------------------------
def _ended_setup(group, lead, django_capture_on_commit_callbacks):
    """A weekly series generated at NOW: first meetings are drafts (< 7 days), the rest published."""
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        series = make_series(group, lead, first_date=date(2026, 11, 5))
    by_status = {s: series.meetings.filter(status=s).count() for s in (Meeting.Status.DRAFT, Meeting.Status.PUBLISHED)}
    assert by_status[Meeting.Status.DRAFT] >= 1
    assert by_status[Meeting.Status.PUBLISHED] >= 5
    return series


@pytest.mark.django_db
def test_m7_end_series_stops_generation_cancels_drafts_keeps_published(group, lead, django_capture_on_commit_callbacks):
    series = _ended_setup(group, lead, django_capture_on_commit_callbacks)
    published = set(series.meetings.filter(status=Meeting.Status.PUBLISHED).values_list("pk", flat=True))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        done = meeting_series.series_end(series=series, by=lead)
    assert done == {"cancelled": 1, "kept": len(published)}
    series.refresh_from_db()
    assert series.ended_at is not None
    assert set(series.meetings.filter(status=Meeting.Status.PUBLISHED).values_list("pk", flat=True)) == published
    draft = series.meetings.get(status=Meeting.Status.CANCELLED)
    assert draft.published_at is None  # never public: stays out of pages and feeds
    count = series.meetings.count()
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        tasks.generate_series()  # a month later the window would have added meetings
    assert series.meetings.count() == count
    assert Event.objects.filter(verb="meeting.series_ended").count() == 1
    with pytest.raises(DomainError):
        meeting_series.series_end(series=series, by=lead)


@pytest.mark.django_db
def test_m7_end_series_can_cancel_published_with_reason(group, lead, django_capture_on_commit_callbacks):
    series = _ended_setup(group, lead, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        with pytest.raises(DomainError):
            meeting_series.series_end(series=series, by=lead, cancel_published=True, reason="  ")
        series.refresh_from_db()
        assert series.ended_at is None  # refused: nothing changed
        meeting_series.series_end(series=series, by=lead, cancel_published=True, reason="The group meets monthly now")
    future = series.meetings.filter(starts_at__gt=NOW + timedelta(hours=1))
    assert set(future.values_list("status", flat=True)) == {Meeting.Status.CANCELLED}
    published_then_cancelled = future.filter(published_at__isnull=False)
    assert published_then_cancelled.count() >= 5
    assert all(
        m.cancelled_reason == "The group meets monthly now" and m.sequence == 2 for m in published_then_cancelled
    )


@pytest.mark.django_db
def test_m7_end_series_view_ladder(
    client, client_for, htmx_headers, group, lead, participant, django_capture_on_commit_callbacks
):
    series = _ended_setup(group, lead, django_capture_on_commit_callbacks)
    url = f"/meetings/series/{series.pk}/end/"
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert "/accounts/login/" in client.get(url)["Location"]
        assert "/accounts/login/" in client.post(url)["Location"]
        assert client_for(participant).post(url).status_code == 403
        assert client_for(lead).get("/meetings/series/999999/end/").status_code == 404
        c = client_for(lead)
        page = c.get(url)
        assert page.status_code == 200
        assert "End the series" in page.content.decode()
        # bad input: cancelling published meetings without a reason -> 400, nothing changed
        bad = c.post(url, {"cancel_published": "on", "reason": ""})
        assert bad.status_code == 400
        assert "Say why" in bad.content.decode()
        partial = c.post(url, {"cancel_published": "on", "reason": ""}, **htmx_headers)
        assert partial.status_code == 200
        assert "<html" not in partial.content.decode()
        assert "Say why" in partial.content.decode()
        series.refresh_from_db()
        assert series.ended_at is None
        # the meeting page offers the way to end it
        m = series.meetings.filter(status=Meeting.Status.PUBLISHED).first()
        assert url in c.get(f"/meetings/{m.pk}/").content.decode()
        resp = c.post(url, {}, **htmx_headers)
        assert resp.status_code == 204
        assert resp["HX-Redirect"].endswith(f"?group={group.slug}")
        series.refresh_from_db()
        assert series.ended_at is not None
        assert url not in c.get(f"/meetings/{m.pk}/").content.decode()
        again = c.post(url, {})
        assert again.status_code == 400
        assert "already ended" in again.content.decode()
