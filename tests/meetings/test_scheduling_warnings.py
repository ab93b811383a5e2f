"""M2 at scheduling time: a lead hears at once when a meeting can no longer be published on time, a new
series starts at its first publishable date unless the lead insists, and the demo starts compliant."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command

from meetings import series as meeting_series
from meetings import tasks
from meetings.models import Meeting, MeetingSeries
from meetings.publication import publication_warning
from portal.models import Event

from .conftest import NOW
from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


def _series(group, lead, **kw):
    fields = dict(
        title="Weekly sync", frequency=MeetingSeries.Frequency.WEEKLY, first_date=date(2026, 11, 4),
        local_time=time(17, 0), timezone_name="Europe/Berlin", duration=timedelta(hours=1),
        join_url="https://meet.example.test/w", agenda_md="1. Open items",
    )  # fmt: skip
    fields.update(kw)
    return meeting_series.series_create(group=group, by=lead, **fields)


# --- a single meeting ----------------------------------------------------------------------------


def test_m2_warning_for_a_draft_past_its_cutoff(group):
    with time_machine.travel(NOW, tick=False):
        m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=NOW + timedelta(days=3))
        text = publication_warning(m)
    assert "deadline has already passed" in text
    assert "core maintainer" in text
    assert "Mon 9 Nov 2026" in text  # the earliest start it could move to


def test_m2_no_warning_while_a_lead_can_still_publish(group):
    with time_machine.travel(NOW, tick=False):
        m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=NOW + timedelta(days=8))
        assert publication_warning(m) is None


def test_m2_no_warning_for_a_published_meeting(group):
    with time_machine.travel(NOW, tick=False):
        m = MeetingFactory(group=group, starts_at=NOW + timedelta(days=3))
        assert publication_warning(m) is None


def _schedule_post(client, group, starts):
    return client.post(
        "/meetings/schedule/",
        {
            "group": group.pk, "title": "Soon", "start": starts.strftime("%Y-%m-%dT%H:%M"),
            "timezone_name": "UTC", "duration_minutes": 60, "join_url": "https://meet.example.test/x",
            "agenda_md": "",
        },
    )  # fmt: skip


def test_m2_scheduling_three_days_out_tells_the_lead_at_once(client_for, group, lead):
    c = client_for(lead)
    with time_machine.travel(NOW, tick=False):
        resp = _schedule_post(c, group, NOW + timedelta(days=3))
    assert resp.status_code == 302
    shown = [(m.level_tag, str(m)) for m in get_messages(resp.wsgi_request)]
    assert shown and shown[0][0] == "warning"
    assert "deadline has already passed" in shown[0][1]


def test_m2_scheduling_in_time_says_when_to_publish(client_for, group, lead):
    c = client_for(lead)
    with time_machine.travel(NOW, tick=False):
        resp = _schedule_post(c, group, NOW + timedelta(days=10))
    shown = [(m.level_tag, str(m)) for m in get_messages(resp.wsgi_request)]
    assert shown[0][0] == "success"
    assert "deadline" not in shown[0][1]


# --- a series ------------------------------------------------------------------------------------


def test_m7_m2_series_starts_at_its_first_publishable_date(group, lead, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        series = _series(group, lead)  # Wednesday 4 Nov is 2 days ahead: too late to publish
    assert series.first_date == date(2026, 11, 11)
    assert series.moved_from == date(2026, 11, 4)
    starts = list(series.meetings.order_by("starts_at").values_list("status", flat=True))
    assert starts and set(starts) == {Meeting.Status.PUBLISHED}
    assert Event.objects.get(verb="meeting.series_created").data["moved_from"] == "2026-11-04"


def test_m7_m2_new_series_produces_no_missed_publication_and_no_mail(group, lead, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        _series(group, lead)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        tasks.sweep_publication()
    assert not Meeting.objects.filter(status=Meeting.Status.MISSED_PUBLICATION).exists()
    assert mail.outbox == []


def test_m7_lead_may_insist_on_the_early_dates(group, lead, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        series = _series(group, lead, keep_early_dates=True)
    assert series.first_date == date(2026, 11, 4)
    assert series.moved_from is None
    first = series.meetings.order_by("starts_at").first()
    assert first.status == Meeting.Status.DRAFT


def test_m7_a_series_with_no_publishable_date_is_refused(group, lead):
    from portal.errors import DomainError

    with time_machine.travel(NOW, tick=False), pytest.raises(DomainError, match="can still be published"):
        _series(group, lead, until=date(2026, 11, 6))
    assert not MeetingSeries.objects.exists()


def test_m7_series_page_says_the_start_moved(client_for, group, lead):
    with time_machine.travel(NOW, tick=False):
        resp = client_for(lead).post(
            "/meetings/series/new/",
            {
                "group": group.pk, "title": "Weekly", "frequency": "weekly", "first_date": "2026-11-04",
                "local_time": "17:00", "timezone_name": "Europe/Berlin", "duration_minutes": 60,
                "join_url": "https://meet.example.test/w", "agenda_md": "", "until": "", "auto_publish": "on",
            },
        )  # fmt: skip
    assert resp.status_code == 302
    text = " ".join(str(m) for m in get_messages(resp.wsgi_request))
    assert "starts on Wed 11 Nov 2026" in text
    assert "not on Wed 4 Nov 2026" in text


# --- the demo starts compliant -------------------------------------------------------------------


def test_m2_demo_data_is_compliant_on_a_fresh_start(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--if-empty", verbosity=0)
        tasks.sweep_publication()
    assert not Meeting.objects.filter(status=Meeting.Status.MISSED_PUBLICATION).exists()
    drafts = Meeting.objects.filter(status=Meeting.Status.DRAFT)
    assert drafts.exists()
    assert all(publication_warning(m) is None for m in drafts)
    assert not any(
        m.kind.startswith("meeting.publication") for m in __import__("portal.models").models.Notice.objects.all()
    )
