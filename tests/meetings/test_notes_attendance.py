"""M4 notes deadlines, M5 attendance as participation (read by T3 and T4), M3 agenda items."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from groups.models import Participation
from meetings import services, sweeps, tasks
from meetings.models import AgendaItem, Attendance, Meeting
from portal.errors import DomainError
from portal.models import Event, Notice
from tests.factories import UserFactory

from .conftest import NOW
from .factories import MeetingFactory


@pytest.fixture
def held(group, lead):
    """A published meeting that started at NOW and ended an hour later."""
    return MeetingFactory(group=group, starts_at=NOW, published_at=NOW - timedelta(days=9))


@pytest.mark.django_db
def test_m4_notes_before_start_refused(held, lead):
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False), pytest.raises(DomainError, match="started"):
        services.meeting_publish_notes(meeting=held, by=lead, notes_md="early")
    held.refresh_from_db()
    assert held.notes_published_at is None
    assert held.notes_md == ""


@pytest.mark.django_db
def test_m4_notes_on_time_recorded_not_late(held, lead):
    with time_machine.travel(NOW + timedelta(hours=31), tick=False):
        m = services.meeting_publish_notes(meeting=held, by=lead, notes_md="# Notes\nDecided X")
    assert m.notes_published_at == NOW + timedelta(hours=31)
    assert m.notes_after == timedelta(hours=30)
    assert not m.notes_late
    assert "<h3" in m.notes_html
    assert Event.objects.filter(verb="meeting.notes_published", data__late=False).count() == 1


@pytest.mark.django_db
def test_m4_only_leads_publish_notes(held, participant):
    with time_machine.travel(NOW + timedelta(hours=2), tick=False), pytest.raises(PermissionDenied):
        services.meeting_publish_notes(meeting=held, by=participant, notes_md="x")


@pytest.mark.django_db
def test_m4_notes_reminder_24h_after_end_once(held, lead):
    end = held.ends_at
    with time_machine.travel(end + timedelta(hours=23, minutes=59), tick=False):
        assert tasks.sweep_notes() == {"overdue": 0, "reminded": 0}
    with time_machine.travel(end + timedelta(hours=24), tick=False):
        assert tasks.sweep_notes() == {"overdue": 0, "reminded": 1}
        assert tasks.sweep_notes() == {"overdue": 0, "reminded": 0}
    assert Notice.objects.filter(kind="meeting.notes_reminder").count() == 1
    assert Notice.objects.get(kind="meeting.notes_reminder").recipients == [lead.email]


@pytest.mark.django_db
def test_m4_notes_overdue_after_48h_flagged_once_and_queued(held, lead):
    with time_machine.travel(held.ends_at + timedelta(hours=48), tick=False):
        assert tasks.sweep_notes()["overdue"] == 1
        assert tasks.sweep_notes()["overdue"] == 0
    held.refresh_from_db()
    assert held.is_notes_overdue
    assert list(Meeting.objects.notes_overdue()) == [held]
    assert Notice.objects.filter(kind="meeting.notes_overdue").count() == 1
    assert Event.objects.filter(verb="meeting.notes_overdue").count() == 1


@pytest.mark.django_db
def test_m4_sweep_missed_for_days_flags_overdue_without_stale_reminder(held, lead):
    with time_machine.travel(held.ends_at + timedelta(days=5), tick=False):
        assert tasks.sweep_notes() == {"overdue": 1, "reminded": 0}
    assert not Notice.objects.filter(kind="meeting.notes_reminder").exists()


@pytest.mark.django_db
def test_m4_sweep_fails_half_way_then_finishes(group, lead, worker_dies):
    a = MeetingFactory(group=group, starts_at=NOW, published_at=NOW - timedelta(days=9))
    b = MeetingFactory(group=group, starts_at=NOW + timedelta(hours=2), published_at=NOW - timedelta(days=9))
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        with worker_dies(sweeps, "meeting_mark_notes_overdue", on_call=2):
            tasks.sweep_notes()
        a.refresh_from_db()
        b.refresh_from_db()
        assert a.notes_overdue_at is not None
        assert b.notes_overdue_at is None
        assert not Event.objects.filter(verb="meeting.notes_overdue", target_id=str(b.pk)).exists()
        assert tasks.sweep_notes()["overdue"] == 1
    b.refresh_from_db()
    assert b.notes_overdue_at is not None
    assert Notice.objects.filter(kind="meeting.notes_overdue").count() == 2


@pytest.mark.django_db
def test_m4_publishing_late_clears_flag_and_records_lateness(held, lead):
    with time_machine.travel(held.ends_at + timedelta(hours=50), tick=False):
        tasks.sweep_notes()
        m = services.meeting_publish_notes(meeting=held, by=lead, notes_md="late notes")
    assert m.notes_overdue_at is None
    assert not m.is_notes_overdue
    assert m.notes_late
    ev = Event.objects.get(verb="meeting.notes_published")
    assert ev.data == {"late": True, "was_flagged_overdue": True, "hours_after_end": 50.0}
    assert not Meeting.objects.notes_overdue().exists()
    with time_machine.travel(held.ends_at + timedelta(hours=60), tick=False):
        assert tasks.sweep_notes() == {"overdue": 0, "reminded": 0}


@pytest.mark.django_db
def test_m5_t3_t4_attendance_writes_participation_idempotent(held, lead, participant):
    outsider = UserFactory(github="Octo-Guest")
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        users, unknown = services.resolve_github_handles("@octo-guest, https://github.com/nobody-here")
        assert users == [outsider]
        assert unknown == ["nobody-here"]
        services.meeting_set_attendance(meeting=held, by=lead, users=[participant, outsider])
        services.meeting_set_attendance(meeting=held, by=lead, users=[participant, outsider])
    rows = Participation.objects.filter(kind=Participation.Kind.ATTENDANCE)
    assert rows.count() == 2
    assert {r.occurred_at for r in rows} == {held.starts_at}
    assert {r.source for r in rows} == {held}
    assert Attendance.objects.filter(meeting=held).count() == 2
    assert Event.objects.filter(verb="meeting.attendance_recorded").count() == 1
    with time_machine.travel(NOW + timedelta(hours=4), tick=False):
        services.meeting_set_attendance(meeting=held, by=lead, users=[participant])
    assert list(rows.values_list("user", flat=True)) == [participant.pk]


@pytest.mark.django_db
def test_m5_attendance_before_start_refused(held, lead, participant):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False), pytest.raises(DomainError):
        services.meeting_set_attendance(meeting=held, by=lead, users=[participant])
    assert not Participation.objects.exists()


# --- M3 agenda items -------------------------------------------------------------------------
@pytest.mark.django_db
def test_m3_participant_proposes_lead_accepts(group, lead, participant):
    m = MeetingFactory(group=group)
    item = services.agenda_item_propose(meeting=m, by=participant, title="Streaming errors", details="10 min")
    assert item.status == AgendaItem.Status.PROPOSED
    assert Participation.objects.filter(user=participant, kind=Participation.Kind.AGENDA_ITEM).count() == 1
    item = services.agenda_item_decide(item=item, by=lead, accept=True)
    assert item.status == AgendaItem.Status.ACCEPTED
    assert item.decided_by == lead
    m.refresh_from_db()
    assert m.sequence == 2
    with pytest.raises(DomainError):
        services.agenda_item_decide(item=item, by=lead, accept=False)


@pytest.mark.django_db
def test_m3_observers_and_outsiders_cannot_propose(group, observer, contributor):
    m = MeetingFactory(group=group)
    for person in (observer, contributor):
        with pytest.raises(PermissionDenied):
            services.agenda_item_propose(meeting=m, by=person, title="x")
    assert not AgendaItem.objects.exists()


@pytest.mark.django_db
def test_m3_participant_cannot_decide(group, participant):
    m = MeetingFactory(group=group)
    item = services.agenda_item_propose(meeting=m, by=participant, title="Mine")
    with pytest.raises(PermissionDenied):
        services.agenda_item_decide(item=item, by=participant, accept=True)


@pytest.mark.django_db
def test_m3_no_proposals_on_drafts(group, participant):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT)
    with pytest.raises(DomainError):
        services.agenda_item_propose(meeting=m, by=participant, title="x")


@pytest.mark.django_db
def test_m5_github_handles_resolved_in_one_query(django_assert_max_num_queries):
    people = [UserFactory(github=f"Guest-{i}") for i in range(40)]
    text = ", ".join(f"@guest-{i}" for i in range(40)) + " https://github.com/Guest-3/ ghost-1 ghost-2"
    with django_assert_max_num_queries(1):
        users, unknown = services.resolve_github_handles(text)
    assert users == people  # in the order given, each once
    assert unknown == ["ghost-1", "ghost-2"]
    assert services.resolve_github_handles("  , ") == ([], [])
