"""M1, M2: scheduling, the 7-day publication rule, late publication, the publication sweep."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from meetings import services, sweeps, tasks
from meetings.models import Meeting
from portal.errors import DomainError
from portal.models import Event, Notice

from .conftest import NOW
from .factories import MeetingFactory

AHEAD = settings.GOVERNANCE["MEETING_PUBLISH_AHEAD"]


def schedule(group, by, starts_at, **kw):
    return services.meeting_schedule(
        group=group,
        by=by,
        title=kw.get("title", "Transport sync"),
        starts_at=starts_at,
        timezone_name="Europe/Berlin",
        duration=timedelta(minutes=60),
        join_url="https://meet.example.test/t",
        agenda_md="# Agenda\n- item",
    )


@pytest.mark.django_db
def test_m1_schedule_creates_draft_with_zone_duration_link_agenda(group, lead):
    with time_machine.travel(NOW, tick=False):
        m = schedule(group, lead, NOW + timedelta(days=8))
    assert m.status == Meeting.Status.DRAFT
    assert m.ends_at == m.starts_at + timedelta(minutes=60)
    assert m.timezone_name == "Europe/Berlin"
    assert "<h3" in m.agenda_html
    assert "<h1" not in m.agenda_html
    assert Event.objects.filter(verb="meeting.scheduled", target_id=str(m.pk)).count() == 1


@pytest.mark.django_db
def test_m1_schedule_refused_without_join_link_or_in_past(group, lead):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(DomainError):
            services.meeting_schedule(
                group=group,
                by=lead,
                title="x",
                starts_at=NOW + timedelta(days=9),
                timezone_name="UTC",
                duration=timedelta(hours=1),
                join_url=" ",
            )
        with pytest.raises(DomainError):
            schedule(group, lead, NOW - timedelta(hours=1))
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_m1_only_leads_schedule(group, participant):
    with pytest.raises(PermissionDenied):
        schedule(group, participant, NOW + timedelta(days=20))


@pytest.mark.django_db
def test_m2_publish_seven_days_ahead_allowed(group, lead):
    with time_machine.travel(NOW, tick=False):
        m = schedule(group, lead, NOW + AHEAD)
        m = services.meeting_publish(meeting=m, by=lead)
    assert m.status == Meeting.Status.PUBLISHED
    assert m.published_at == NOW
    assert m.sequence == 1
    assert not m.published_late
    assert Event.objects.filter(verb="meeting.published", target_id=str(m.pk)).count() == 1


@pytest.mark.django_db
def test_m2_publish_late_refused_names_earliest_start(group, lead):
    with time_machine.travel(NOW, tick=False):
        m = schedule(group, lead, NOW + AHEAD - timedelta(minutes=1))
        with pytest.raises(DomainError) as exc:
            services.meeting_publish(meeting=m, by=lead)
    msg = exc.value.message
    earliest = (NOW + AHEAD).astimezone(m.zone)
    assert f"{earliest:%a %-d %b %Y, %H:%M} Europe/Berlin" in msg
    assert "at least 7 days" in msg
    m.refresh_from_db()
    assert m.status == Meeting.Status.DRAFT
    assert m.published_at is None
    assert not Event.objects.filter(verb="meeting.published").exists()


@pytest.mark.django_db
def test_m2_core_maintainer_publishes_late_with_reason_recorded(group, lead, core_maintainer):
    with time_machine.travel(NOW, tick=False):
        m = schedule(group, lead, NOW + timedelta(days=3))
        with pytest.raises(DomainError):  # no reason: refused
            services.meeting_publish(meeting=m, by=core_maintainer)
        m = services.meeting_publish(meeting=m, by=core_maintainer, late_reason="Emergency security review")
    assert m.status == Meeting.Status.PUBLISHED
    assert m.published_late
    assert m.late_publication_reason == "Emergency security review"
    assert m.late_published_by == core_maintainer
    ev = Event.objects.get(verb="meeting.published", target_id=str(m.pk))
    assert ev.data["late"] is True
    assert ev.data["reason"] == "Emergency security review"


@pytest.mark.django_db
def test_m2_lead_reason_does_not_unlock_late_publication(group, lead):
    with time_machine.travel(NOW, tick=False):
        m = schedule(group, lead, NOW + timedelta(days=3))
        with pytest.raises(DomainError):
            services.meeting_publish(meeting=m, by=lead, late_reason="please")
    m.refresh_from_db()
    assert m.status == Meeting.Status.DRAFT


@pytest.mark.django_db
def test_m2_edit_published_bumps_sequence_and_cannot_move_under_cutoff(group, lead):
    with time_machine.travel(NOW, tick=False):
        m = services.meeting_publish(meeting=schedule(group, lead, NOW + timedelta(days=10)), by=lead)
        m = services.meeting_edit(meeting=m, by=lead, title="Renamed", starts_at=NOW + timedelta(days=11))
        assert m.sequence == 2
        assert m.title == "Renamed"
        assert m.ends_at == NOW + timedelta(days=11, hours=1)
        with pytest.raises(DomainError, match="too soon"):
            services.meeting_edit(meeting=m, by=lead, starts_at=NOW + timedelta(days=2))
    m.refresh_from_db()
    assert m.starts_at == NOW + timedelta(days=11)
    assert Event.objects.filter(verb="meeting.edited", target_id=str(m.pk)).count() == 1


@pytest.mark.django_db
def test_m2_cancel_needs_reason_and_keeps_meeting_listed(group, lead):
    with time_machine.travel(NOW, tick=False):
        m = services.meeting_publish(meeting=schedule(group, lead, NOW + timedelta(days=10)), by=lead)
        with pytest.raises(DomainError):
            services.meeting_cancel(meeting=m, by=lead, reason="  ")
        m = services.meeting_cancel(meeting=m, by=lead, reason="Conference week")
        assert m.status == Meeting.Status.CANCELLED
        assert m.sequence == 2
        assert list(Meeting.objects.upcoming()) == [m]
        with pytest.raises(DomainError):
            services.meeting_cancel(meeting=m, by=lead, reason="again")


# --- the publication sweep ------------------------------------------------------------------------
def drafts(group, lead, *offsets):
    with time_machine.travel(NOW, tick=False):
        return [schedule(group, lead, NOW + timedelta(days=d), title=f"M{d}") for d in offsets]


@pytest.mark.django_db
def test_m2_reminder_two_days_before_cutoff_once_even_if_run_twice(group, lead, mailoutbox):
    (m,) = drafts(group, lead, 20)
    reminder_at = m.starts_at - AHEAD - timedelta(days=2)
    with time_machine.travel(reminder_at - timedelta(minutes=1), tick=False):
        assert tasks.sweep_publication() == {"missed": 0, "reminded": 0}
    with time_machine.travel(reminder_at, tick=False):
        assert tasks.sweep_publication()["reminded"] == 1
        assert tasks.sweep_publication()["reminded"] == 0
    assert Notice.objects.filter(kind="meeting.publication_reminder").count() == 1
    assert Event.objects.filter(verb="meeting.publication_reminder_sent").count() == 1
    from portal.notices import deliver_pending

    deliver_pending()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [lead.email]
    assert f"/meetings/{m.pk}/" in mail.body
    assert f"/meetings/{m.pk}/" in mail.alternatives[0][0]


@pytest.mark.django_db
def test_m2_missed_publication_at_cutoff_never_valid(group, lead):
    (m,) = drafts(group, lead, 20)
    with time_machine.travel(m.publication_cutoff, tick=False):
        result = tasks.sweep_publication()
        assert result["missed"] == 1
        assert tasks.sweep_publication() == {"missed": 0, "reminded": 0}
    m.refresh_from_db()
    assert m.status == Meeting.Status.MISSED_PUBLICATION
    assert not Meeting.objects.valid().exists()
    assert Notice.objects.filter(kind="meeting.publication_missed").count() == 1
    notice = Notice.objects.get(kind="meeting.publication_missed")
    assert "reschedule" in notice.body_text.lower()
    assert Event.objects.filter(verb="meeting.publication_missed").count() == 1


@pytest.mark.django_db
def test_m2_sweep_missed_for_days_catches_up_without_stale_reminder(group, lead):
    a, b = drafts(group, lead, 12, 13)
    # the sweep did not run for a week: both cutoffs (and reminder moments) have passed
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        assert tasks.sweep_publication() == {"missed": 2, "reminded": 0}
    assert set(Meeting.objects.values_list("status", flat=True)) == {Meeting.Status.MISSED_PUBLICATION}
    assert not Notice.objects.filter(kind="meeting.publication_reminder").exists()


@pytest.mark.django_db
def test_m2_sweep_fails_half_way_then_finishes(group, lead, worker_dies):
    a, b = drafts(group, lead, 5, 6)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        with worker_dies(sweeps, "meeting_mark_missed_publication", on_call=2):
            tasks.sweep_publication()
        a.refresh_from_db()
        b.refresh_from_db()
        assert a.status == Meeting.Status.MISSED_PUBLICATION
        assert b.status == Meeting.Status.DRAFT
        assert b.missed_publication_at is None
        assert Notice.objects.filter(kind="meeting.publication_missed").count() == 1
        assert tasks.sweep_publication()["missed"] == 1
    b.refresh_from_db()
    assert b.status == Meeting.Status.MISSED_PUBLICATION
    assert Notice.objects.filter(kind="meeting.publication_missed").count() == 2
    assert Event.objects.filter(verb="meeting.publication_missed").count() == 2


@pytest.mark.django_db
def test_m2_published_meeting_untouched_by_sweep(group, lead):
    with time_machine.travel(NOW, tick=False):
        m = services.meeting_publish(meeting=schedule(group, lead, NOW + timedelta(days=8)), by=lead)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        assert tasks.sweep_publication() == {"missed": 0, "reminded": 0}
    m.refresh_from_db()
    assert m.status == Meeting.Status.PUBLISHED


@pytest.mark.django_db
def test_m2_missed_meeting_rescheduled_becomes_draft_and_publishable(group, lead):
    (m,) = drafts(group, lead, 6)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        tasks.sweep_publication()
        m.refresh_from_db()
        assert m.status == Meeting.Status.MISSED_PUBLICATION
        with pytest.raises(DomainError):
            services.meeting_publish(meeting=m, by=lead)
        m = services.meeting_edit(meeting=m, by=lead, starts_at=NOW + timedelta(days=9))
        assert m.status == Meeting.Status.DRAFT
        m = services.meeting_publish(meeting=m, by=lead)
    assert m.status == Meeting.Status.PUBLISHED
    assert Event.objects.filter(verb="meeting.rescheduled").count() == 1


@pytest.mark.django_db
def test_m2_core_maintainer_may_publish_missed_meeting_late(group, lead, core_maintainer):
    (m,) = drafts(group, lead, 5)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        tasks.sweep_publication()
        m = services.meeting_publish(
            meeting=Meeting.objects.get(pk=m.pk), by=core_maintainer, late_reason="Spec deadline"
        )
    assert m.status == Meeting.Status.PUBLISHED
    assert m.late_publication_reason == "Spec deadline"


@pytest.mark.django_db
def test_m2_factory_meeting_is_published_in_time():
    m = MeetingFactory()
    assert m.is_valid
    assert not m.published_late


@pytest.mark.django_db
def test_m2_refusal_earliest_start_across_dst(group, lead):
    """Berlin leaves summer time on 25 Oct 2026: the earliest start is named in the new offset."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime(2026, 10, 20, 10, 0, tzinfo=ZoneInfo("UTC"))  # 12:00 CEST
    with time_machine.travel(now, tick=False):
        m = schedule(group, lead, now + timedelta(days=6))
        with pytest.raises(DomainError) as exc, timezone.override(ZoneInfo("Europe/Berlin")):  # a Berlin viewer
            services.meeting_publish(meeting=m, by=lead)
    # 7 x 24 h later is 27 Oct 10:00 UTC = 11:00 CET (not 12:00)
    assert "Tue 27 Oct 2026, 11:00 Europe/Berlin (10:00 UTC)" in exc.value.message


@pytest.mark.django_db
def test_m2_cutoff_and_reminder_across_dst(group, lead):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2026, 10, 29, 16, 0, tzinfo=ZoneInfo("UTC"))  # 17:00 CET, after the change
    with time_machine.travel(start - timedelta(days=20), tick=False):
        m = schedule(group, lead, start)
    assert m.publication_cutoff == start - AHEAD
    with time_machine.travel(m.publication_cutoff - timedelta(seconds=1), tick=False):
        assert tasks.sweep_publication() == {"missed": 0, "reminded": 1}
    with time_machine.travel(m.publication_cutoff, tick=False):
        assert tasks.sweep_publication() == {"missed": 1, "reminded": 0}


@pytest.mark.django_db
def test_m2_reason_on_time_publication_not_recorded_as_late(group, core_maintainer):
    with time_machine.travel(NOW, tick=False):
        m = services.meeting_schedule(group=group, by=core_maintainer, title="On time", starts_at=NOW + timedelta(days=9),
                                      timezone_name="UTC", duration=timedelta(hours=1), join_url="https://x.test/",
                                      agenda_md="1. Items")  # fmt: skip
        m = services.meeting_publish(meeting=m, by=core_maintainer, late_reason="not needed")
    assert m.late_publication_reason == ""
    assert m.late_published_by is None
    assert not m.published_late
