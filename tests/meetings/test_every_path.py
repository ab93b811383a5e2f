"""Issue 8 for meetings: rules read literally (M1 every meeting has an agenda; G7 only meetings held and
SEP changes are activity) and the services validating what the forms validate (time zones, join links,
lengths, choices), on every path that creates or publishes a meeting."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from groups import tasks as group_tasks
from groups.models import Group, Participation
from meetings import series as series_services
from meetings import services
from meetings.models import Meeting, MeetingSeries
from portal.errors import DomainError
from portal.events import record
from tests.factories import GroupFactory, UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def fields(**over):
    base = dict(
        title="Sync",
        starts_at=(timezone.now() + 20 * DAY).replace(microsecond=0),
        timezone_name="Europe/Berlin",
        duration=timedelta(hours=1),
        join_url="https://meet.example.test/room",
        agenda_md="1. Items",
    )
    base.update(over)
    return base


# --- M1: every meeting has an agenda -------------------------------------------------------------


@pytest.mark.parametrize("agenda", ["", "   \n\t"])
def test_m1_a_meeting_without_an_agenda_is_not_published(group, lead, agenda):
    meeting = services.meeting_schedule(group=group, by=lead, **fields(agenda_md=agenda))
    with pytest.raises(DomainError, match="agenda"):
        services.meeting_publish(meeting=meeting, by=lead)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT


def test_m1_the_publish_page_says_the_agenda_is_missing(group, lead, client_for):
    meeting = services.meeting_schedule(group=group, by=lead, **fields(agenda_md=""))
    r = client_for(lead).post(f"/meetings/{meeting.pk}/publish/", follow=True)
    assert "agenda" in r.content.decode().lower()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT


def test_m1_a_published_meeting_cannot_lose_its_agenda(group, lead):
    meeting = MeetingFactory(group=group)
    with pytest.raises(DomainError, match="agenda"):
        services.meeting_edit(meeting=meeting, by=lead, agenda_md="  ")


def test_m1_series_generation_never_publishes_a_meeting_without_an_agenda(group, lead):
    series = MeetingSeries.objects.create(
        group=group, title="Weekly", frequency="weekly", first_date=date.today() + 10 * DAY,
        local_time=time(16, 0), timezone_name="UTC", join_url="https://meet.example.test/w", agenda_md="",
        auto_publish=True,
    )  # fmt: skip
    created = series_services.series_generate(series_id=series.pk)
    assert created
    assert {m.status for m in created} == {Meeting.Status.DRAFT}


def test_m1_series_generation_publishes_meetings_that_have_an_agenda(group, lead):
    series = MeetingSeries.objects.create(
        group=group, title="Weekly", frequency="weekly", first_date=date.today() + 10 * DAY,
        local_time=time(16, 0), timezone_name="UTC", join_url="https://meet.example.test/w", agenda_md="1. Items",
        auto_publish=True,
    )  # fmt: skip
    assert Meeting.Status.PUBLISHED in {m.status for m in series_services.series_generate(series_id=series.pk)}


# --- G7: only meetings held and SEP changes are activity -------------------------------------------


@pytest.fixture
def quiet(db):
    return GroupFactory(kind=Group.Kind.WORKING, activated_at=timezone.now() - 100 * DAY)


NOT_ACTIVITY = {
    "a draft meeting nobody held": lambda g: MeetingFactory(
        group=g, status=Meeting.Status.DRAFT, starts_at=timezone.now() - 2 * DAY
    ),
    "a missed publication": lambda g: MeetingFactory(
        group=g, status=Meeting.Status.MISSED_PUBLICATION, starts_at=timezone.now() - 2 * DAY
    ),
    "a cancelled meeting": lambda g: MeetingFactory(
        group=g, status=Meeting.Status.CANCELLED, starts_at=timezone.now() + 2 * DAY
    ),
    "scheduling a meeting": lambda g: record(actor=None, verb="meeting.scheduled", target=g, group=g),
    "editing a meeting": lambda g: record(actor=None, verb="meeting.edited", target=g, group=g),
    "a future published meeting": lambda g: MeetingFactory(group=g, starts_at=timezone.now() + 20 * DAY),
    "a participation row": lambda g: Participation.objects.create(
        group=g, user=UserFactory(), kind="agenda_item", occurred_at=timezone.now()
    ),
}


@pytest.mark.parametrize("thing", sorted(NOT_ACTIVITY))
def test_g7_only_meetings_held_and_sep_changes_count_as_activity(quiet, thing):
    NOT_ACTIVITY[thing](quiet)
    assert group_tasks.sweep_inactive_groups() == 1
    quiet.refresh_from_db()
    assert quiet.inactive_since is not None


def test_g7_a_meeting_held_is_activity(quiet):
    MeetingFactory(group=quiet, starts_at=timezone.now() - 2 * DAY)
    assert group_tasks.sweep_inactive_groups() == 0


def test_g7_a_sep_change_is_activity(quiet):
    from tests.seps.factories import SEPFactory

    sep = SEPFactory(group=quiet)
    record(actor=None, verb="sep.status_changed", target=sep, data={"from": "proposal", "to": "draft"})
    assert group_tasks.sweep_inactive_groups() == 0


def test_g7_a_meeting_held_stops_counting_after_30_days(quiet):
    MeetingFactory(group=quiet, starts_at=timezone.now() - 2 * DAY)
    with time_machine.travel(timezone.now() + 29 * DAY, tick=False):
        assert group_tasks.sweep_inactive_groups() == 1


# --- services validate what the forms validate ----------------------------------------------------

BAD_MEETING = {
    "unknown time zone": {"timezone_name": "Mars/Olympus"},
    "empty time zone": {"timezone_name": ""},
    "javascript join link": {"join_url": "javascript:alert(1)"},
    "ftp join link": {"join_url": "ftp://files.example.test/x"},
    "not a link": {"join_url": "meet me in the usual room"},
    "title too long": {"title": "x" * 201},
    "title only control characters": {"title": "\x00\x0b"},
    "agenda too long": {"agenda_md": "x" * 50_001},
    "duration too short": {"duration": timedelta(minutes=4)},
    "start is naive": {"starts_at": (timezone.now() + 20 * DAY).replace(tzinfo=None)},
    "start is not a datetime": {"starts_at": "tomorrow"},
}


@pytest.mark.parametrize("bad", sorted(BAD_MEETING))
def test_m1_schedule_service_refuses_what_the_form_refuses(group, lead, bad):
    with pytest.raises(DomainError):
        services.meeting_schedule(group=group, by=lead, **fields(**BAD_MEETING[bad]))
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("bad", sorted(k for k in BAD_MEETING if not k.startswith(("start", "title only", "empty"))))
def test_m1_edit_service_refuses_what_the_form_refuses(group, lead, bad):
    meeting = MeetingFactory(group=group)
    before = Meeting.objects.values().get(pk=meeting.pk)
    with pytest.raises(DomainError):
        services.meeting_edit(meeting=meeting, by=lead, **BAD_MEETING[bad])
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def series_fields(**over):
    base = dict(
        title="Weekly", frequency="weekly", first_date=date.today() + 10 * DAY, local_time=time(16, 0),
        timezone_name="UTC", duration=timedelta(hours=1), join_url="https://meet.example.test/w", agenda_md="1. Items",
    )  # fmt: skip
    base.update(over)
    return base


BAD_SERIES = {
    "unknown frequency": {"frequency": "hourly"},
    "unknown time zone": {"timezone_name": "Nowhere/Special"},
    "javascript join link": {"join_url": "javascript:alert(1)"},
    "title too long": {"title": "x" * 201},
    "agenda too long": {"agenda_md": "x" * 50_001},
    "duration too long": {"duration": timedelta(hours=13)},
    "ends before it starts": {"until": date.today()},
}


@pytest.mark.parametrize("bad", sorted(BAD_SERIES))
def test_m7_series_service_refuses_what_the_form_refuses(group, lead, bad):
    with pytest.raises(DomainError):
        series_services.series_create(group=group, by=lead, **series_fields(**BAD_SERIES[bad]))
    assert not MeetingSeries.objects.exists()


BAD_TEXT = {
    "cancel reason too long": lambda m, lead: services.meeting_cancel(meeting=m, by=lead, reason="x" * 2001),
    "late reason too long": lambda m, lead: services.meeting_publish(meeting=m, by=lead, late_reason="x" * 2001),
    "agenda item title too long": lambda m, lead: services.agenda_item_propose(meeting=m, by=lead, title="x" * 201),
    "agenda item details too long": lambda m, lead: services.agenda_item_propose(
        meeting=m, by=lead, title="Topic", details="x" * 2001
    ),
}


@pytest.mark.parametrize("bad", sorted(BAD_TEXT))
def test_m3_services_refuse_overlong_text(group, lead, bad):
    meeting = MeetingFactory(group=group, status=Meeting.Status.DRAFT if "late" in bad else Meeting.Status.PUBLISHED)
    before = Meeting.objects.values().get(pk=meeting.pk)
    with pytest.raises(DomainError, match="too long"):
        BAD_TEXT[bad](meeting, lead)
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_m4_notes_service_refuses_overlong_notes(group, lead):
    meeting = MeetingFactory(group=group, starts_at=timezone.now() - 2 * DAY)
    with pytest.raises(DomainError, match="too long"):
        services.meeting_publish_notes(meeting=meeting, by=lead, notes_md="x" * 50_001)


def test_m1_the_forms_take_only_web_join_links(group, lead, client_for):
    from meetings.forms import MeetingForm

    form = MeetingForm(
        data={"title": "Sync", "start": "2030-01-07T10:00", "timezone_name": "UTC", "duration_minutes": 60,
              "join_url": "ftp://files.example.test/x", "agenda_md": "1. Items"},
        fixed_group=group,
    )  # fmt: skip
    assert not form.is_valid()
    assert "join_url" in form.errors
