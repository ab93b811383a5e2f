"""T4 emeritus sweep and G7 inactivity flag, on a controlled clock."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from groups import activity, services, tasks
from groups.models import Group, Membership, Tier
from portal.events import record
from portal.models import Event
from tests.factories import GroupFactory, ParticipationFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


# --- T4 ---------------------------------------------------------------------------------------------


@pytest.fixture
def idle_member(group, make_member):
    """A member since 200 days whose last participation was 80 days ago."""
    m = make_member(group, Tier.MEMBER, days=200)
    ParticipationFactory(group=group, user=m.user, occurred_at=timezone.now() - timedelta(days=80))
    return m


def test_t4_member_becomes_emeritus_after_3_months_without_participation(idle_member):
    now = timezone.now()
    with time_machine.travel(now + 9 * DAY, tick=False):
        assert tasks.sweep_emeritus() == 0  # 89 days idle: not yet
    with time_machine.travel(now + 11 * DAY, tick=False):
        assert tasks.sweep_emeritus() == 1
    current = Membership.objects.current().get(group=idle_member.group, user=idle_member.user)
    assert current.status == Membership.Status.EMERITUS
    assert current.tier == Tier.MEMBER
    assert "No participation since" in current.note
    idle_member.refresh_from_db()
    assert idle_member.ended_at is not None
    assert idle_member.status == Membership.Status.ACTIVE  # history kept
    ev = Event.objects.get(verb="membership.emeritus")
    assert ev.data["user"] == idle_member.user_id


def test_t4_recent_participation_keeps_member_active(group, make_member):
    m = make_member(group, Tier.MEMBER, days=400)
    ParticipationFactory(group=group, user=m.user, occurred_at=timezone.now() - 5 * DAY)
    assert tasks.sweep_emeritus() == 0
    assert Membership.objects.current().get(pk=m.pk).status == Membership.Status.ACTIVE


def test_t4_participation_elsewhere_does_not_count(group, make_member):
    m = make_member(group, Tier.MEMBER, days=400)
    ParticipationFactory(group=GroupFactory(), user=m.user, occurred_at=timezone.now() - DAY)
    assert tasks.sweep_emeritus() == 1


def test_t4_leads_participants_and_new_members_are_not_swept(group, make_member):
    make_member(group, Tier.LEAD, days=400)
    make_member(group, Tier.PARTICIPANT, days=400)
    make_member(group, Tier.MEMBER, days=30)  # joined recently, no participation yet
    assert tasks.sweep_emeritus() == 0


def test_t4_sweep_run_twice_records_once(idle_member):
    with time_machine.travel(timezone.now() + 20 * DAY, tick=False):
        assert tasks.sweep_emeritus() == 1
        assert tasks.sweep_emeritus() == 0
    assert Event.objects.filter(verb="membership.emeritus").count() == 1
    assert Membership.objects.filter(user=idle_member.user, status="emeritus").count() == 1


def test_t4_sweep_missed_for_weeks_catches_up(group, make_member):
    for days in (200, 300, 400):
        make_member(group, Tier.MEMBER, days=days)
    with time_machine.travel(timezone.now() + 60 * DAY, tick=False):
        assert tasks.sweep_emeritus() == 3
    assert Membership.objects.current().filter(group=group, status="emeritus").count() == 3


def test_t4_sweep_fails_half_way_then_finishes(group, make_member, worker_dies):
    a = make_member(group, Tier.MEMBER, days=300)
    b = make_member(group, Tier.MEMBER, days=300)
    with worker_dies(services.memberships, "record", on_call=2), pytest.raises(RuntimeError):
        tasks.sweep_emeritus()
    statuses = {m.user_id: m.status for m in Membership.objects.current().filter(group=group)}
    assert sorted(statuses.values()) == ["active", "emeritus"]  # one done fully, the other untouched
    assert Membership.objects.filter(group=group).count() == 3  # no half state (an ended row without successor)
    assert tasks.sweep_emeritus() == 1
    assert {m.status for m in Membership.objects.current().filter(user__in=[a.user, b.user])} == {"emeritus"}


def test_t4_lead_restores_emeritus_member(client, client_for, group, lead, idle_member, contributor):
    with time_machine.travel(timezone.now() + 20 * DAY, tick=False):
        tasks.sweep_emeritus()
    em = Membership.objects.current().get(user=idle_member.user, group=group)
    u = reverse("groups:member_restore", args=[group.slug, em.pk])
    assert client.post(u).status_code == 302
    assert Membership.objects.current().get(pk=em.pk)
    assert client_for(contributor).post(u).status_code == 403
    r = client_for(lead).post(u, follow=True)
    assert "active member again" in r.content.decode()
    current = Membership.objects.current().get(user=idle_member.user, group=group)
    assert current.status == Membership.Status.ACTIVE
    assert current.tier == Tier.MEMBER
    assert Event.objects.filter(verb="membership.restored", actor=lead).count() == 1
    again = client_for(lead).post(reverse("groups:member_restore", args=[group.slug, current.pk]), follow=True)
    assert "Only a current emeritus member" in again.content.decode()


# --- G7 inactivity ------------------------------------------------------------------------------


@pytest.fixture
def quiet_wg(db):
    return GroupFactory(name="Quiet WG", slug="quiet", activated_at=timezone.now() - 100 * DAY)


def test_g7_wg_without_activity_for_30_days_is_flagged(quiet_wg):
    from tests.meetings.factories import MeetingFactory

    MeetingFactory(group=quiet_wg, starts_at=timezone.now() - 31 * DAY)  # the last meeting held
    ig = GroupFactory(kind="ig", activated_at=timezone.now() - 100 * DAY)
    retired = GroupFactory(state=Group.State.RETIRED, activated_at=timezone.now() - 100 * DAY)
    assert tasks.sweep_inactive_groups() == 1
    quiet_wg.refresh_from_db()
    ig.refresh_from_db()
    retired.refresh_from_db()
    assert quiet_wg.inactive_since is not None
    assert ig.inactive_since is None
    assert retired.inactive_since is None
    # the flag carries the moment the group became inactive, not when the sweep ran
    assert abs(quiet_wg.inactive_since - (timezone.now() - DAY)) < timedelta(minutes=1)
    assert Event.objects.filter(verb="group.flagged_inactive", group=quiet_wg).count() == 1


def test_g7_meeting_or_sep_event_counts_as_activity(quiet_wg):
    record(actor=None, verb="sep.status_changed", target=quiet_wg, group=quiet_wg, at=timezone.now() - 3 * DAY)
    assert tasks.sweep_inactive_groups() == 0
    record(actor=None, verb="group.something_else", target=quiet_wg, group=quiet_wg)  # not activity for G7
    with time_machine.travel(timezone.now() + 28 * DAY, tick=False):
        assert tasks.sweep_inactive_groups() == 1


def test_g7_sweep_twice_flags_once_and_clears_when_activity_resumes(quiet_wg, client, client_for, core_maintainer):
    assert tasks.sweep_inactive_groups() == 1
    assert tasks.sweep_inactive_groups() == 0
    assert Event.objects.filter(verb="group.flagged_inactive").count() == 1
    page = client.get(quiet_wg.get_absolute_url()).content.decode()
    assert "Inactive: no meeting" in page
    queue = client_for(core_maintainer).get(reverse("groups:queue")).content.decode()
    assert "Quiet WG" in queue
    record(actor=None, verb="sep.status_changed", target=quiet_wg, group=quiet_wg)
    assert tasks.sweep_inactive_groups() == 1
    quiet_wg.refresh_from_db()
    assert quiet_wg.inactive_since is None
    assert Event.objects.filter(verb="group.activity_resumed").count() == 1
    assert "Quiet WG" not in client_for(core_maintainer).get(reverse("groups:queue")).content.decode()


def test_g7_sweep_missed_run_catches_up_with_correct_date(quiet_wg):
    quiet_wg.activated_at = timezone.now()
    quiet_wg.save()
    with time_machine.travel(timezone.now() + 75 * DAY, tick=False):
        assert tasks.sweep_inactive_groups() == 1
    quiet_wg.refresh_from_db()
    assert abs(quiet_wg.inactive_since - (quiet_wg.activated_at + 30 * DAY)) < timedelta(seconds=1)


def test_g7_sweep_fails_half_way_then_finishes(db, worker_dies):
    a = GroupFactory(name="A WG", activated_at=timezone.now() - 90 * DAY)
    b = GroupFactory(name="B WG", activated_at=timezone.now() - 90 * DAY)
    with worker_dies(activity, "record", on_call=2), pytest.raises(RuntimeError):
        tasks.sweep_inactive_groups()
    flagged = list(Group.objects.filter(inactive_since__isnull=False))
    assert len(flagged) == 1
    assert tasks.sweep_inactive_groups() == 1
    assert Group.objects.filter(pk__in=[a.pk, b.pk], inactive_since__isnull=False).count() == 2
    assert Event.objects.filter(verb="group.flagged_inactive").count() == 2


def test_g7_queue_is_for_core_maintainers_only(client, client_for, contributor, core_maintainer):
    u = reverse("groups:queue")
    assert client.get(u).status_code == 302
    assert client_for(contributor).get(u).status_code == 403
    assert client_for(core_maintainer).get(u).status_code == 200


def test_g7_portal_reminders_and_automatic_pings_are_not_activity(quiet_wg):
    """Only the group's own life counts: our reminders, flags and automatic pings do not."""
    recent = timezone.now() - 2 * DAY
    for verb in ("meeting.notes_reminder_sent", "meeting.publication_missed", "sep.pinged"):
        record(actor=None, verb=verb, target=quiet_wg, group=quiet_wg, at=recent)
    record(actor=None, verb="sep.status_changed", target=quiet_wg, group=quiet_wg, data={"automatic": True}, at=recent)
    assert tasks.sweep_inactive_groups() == 1


def test_g7_meeting_held_counts_as_activity(quiet_wg):
    from meetings.models import Meeting
    from tests.meetings.factories import MeetingFactory

    MeetingFactory(group=quiet_wg, status=Meeting.Status.PUBLISHED, starts_at=timezone.now() - 5 * DAY)
    assert tasks.sweep_inactive_groups() == 0
    with time_machine.travel(timezone.now() + 26 * DAY, tick=False):
        assert tasks.sweep_inactive_groups() == 1  # 31 days after the meeting was held
