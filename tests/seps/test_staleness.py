"""S5: the staleness sweep on a controlled clock (run twice, missed runs, failure half-way)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from portal.models import Event, Notice
from portal.notices import deliver_pending
from seps import services
from seps.models import Status
from seps.tasks import sweep_staleness

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(days, hours=0):
    return time_machine.travel(T0 + timedelta(days=days, hours=hours), tick=False)


@pytest.fixture
def proposal(make_sep):
    return make_sep(status=Status.PROPOSAL, last_activity_at=T0)


def pings(sep):
    return Event.objects.filter(verb="sep.pinged", target_id=str(sep.pk))


def test_s5_proposal_pinged_after_90_days_idle(proposal):
    with at(89, 23):
        sweep_staleness()
    assert not Notice.objects.exists()
    with at(90):
        sweep_staleness()
    notice = Notice.objects.get()
    assert notice.kind == "sep.ping_proposal"
    assert notice.recipients == ["author@example.test"]
    assert notice.due_at == T0 + timedelta(days=90)
    assert f"SEP-{proposal.number}" in notice.subject
    proposal.refresh_from_db()
    assert proposal.status == Status.PROPOSAL
    assert proposal.last_ping_at == T0 + timedelta(days=90)
    assert pings(proposal).get().data["kind"] == "ping_proposal"
    deliver_pending()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["author@example.test"]


def test_s5_proposal_dormant_after_180_days_idle_recorded(proposal):
    with at(179, 23):
        sweep_staleness()
    proposal.refresh_from_db()
    assert proposal.status == Status.PROPOSAL
    with at(180):
        sweep_staleness()
    proposal.refresh_from_db()
    assert proposal.status == Status.DORMANT
    ev = Event.objects.get(verb="sep.status_changed", target_id=str(proposal.pk))
    assert ev.actor is None
    assert (ev.data["from"], ev.data["to"]) == ("proposal", "dormant")
    assert "180 days" in ev.data["reason"]
    assert Notice.objects.filter(kind="sep.dormant").count() == 1


def test_s5_draft_idle_90_days_pings_sponsor(make_sep, sponsor):
    sep = make_sep(status=Status.DRAFT, sponsor=sponsor, last_activity_at=T0)
    with at(89):
        sweep_staleness()
    assert not Notice.objects.exists()
    with at(90):
        sweep_staleness()
    notice = Notice.objects.get()
    assert notice.kind == "sep.ping_draft"
    assert notice.recipients == [sponsor.email]
    assert f"Hello {sponsor.name}" in notice.body_text
    assert "You sponsor" in notice.body_text
    sep.refresh_from_db()
    assert sep.status == Status.DRAFT


def test_s5_accepted_idle_30_days_pings_authors(make_sep, sponsor):
    sep = make_sep(status=Status.ACCEPTED, sponsor=sponsor, last_activity_at=T0)
    with at(29):
        sweep_staleness()
    assert not Notice.objects.exists()
    with at(30):
        sweep_staleness()
    notice = Notice.objects.get()
    assert notice.kind == "sep.ping_accepted"
    assert notice.recipients == ["author@example.test"]
    assert "reference implementation" in notice.body_text
    assert pings(sep).count() == 1


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.FINAL, Status.REJECTED, Status.WITHDRAWN, Status.DORMANT])
def test_s5_other_statuses_are_left_alone(make_sep, sponsor, status):
    make_sep(status=status, sponsor=sponsor, last_activity_at=T0)
    with at(400):
        sweep_staleness()
    assert not Notice.objects.exists()
    assert not Event.objects.exists()


def test_s5_never_pinged_twice_within_14_days(make_sep, sponsor):
    sep = make_sep(status=Status.ACCEPTED, sponsor=sponsor, last_activity_at=T0)
    for day in (30, 31, 37, 43, 43.9):
        with time_machine.travel(T0 + timedelta(days=day), tick=False):
            sweep_staleness()
    assert pings(sep).count() == 1
    with at(44):
        sweep_staleness()
    assert pings(sep).count() == 2
    assert Notice.objects.filter(kind="sep.ping_accepted").count() == 2


def test_s5_sweep_run_twice_one_notice_one_event(proposal):
    with at(95):
        sweep_staleness()
        sweep_staleness()
    assert Notice.objects.count() == 1
    assert pings(proposal).count() == 1
    with at(185):
        sweep_staleness()
        sweep_staleness()
    assert Event.objects.filter(verb="sep.status_changed").count() == 1


def test_s5_missed_runs_catch_up(proposal, make_sep, sponsor):
    draft = make_sep(status=Status.DRAFT, sponsor=sponsor, last_activity_at=T0)
    with at(250):  # beat was down for months: one run does what is due, once
        sweep_staleness()
    proposal.refresh_from_db()
    assert proposal.status == Status.DORMANT
    assert pings(proposal).count() == 0  # straight to dormant, no stale ping
    assert pings(draft).count() == 1
    assert Notice.objects.get(kind="sep.ping_draft").due_at == T0 + timedelta(days=90)


def test_s5_sweep_failing_half_way_leaves_no_half_state(make_sep, sponsor, worker_dies):
    a = make_sep(status=Status.DRAFT, sponsor=sponsor, last_activity_at=T0)
    b = make_sep(status=Status.DRAFT, sponsor=sponsor, last_activity_at=T0 + timedelta(hours=1))
    with at(100), worker_dies(services, "record", on_call=2):
        sweep_staleness()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.last_ping_at is not None
    assert pings(a).count() == 1
    assert b.last_ping_at is None
    assert pings(b).count() == 0  # notice row rolled back with it
    assert Notice.objects.filter(target_id=str(b.pk)).count() == 0
    with at(100, 1):
        sweep_staleness()
    b.refresh_from_db()
    assert b.last_ping_at is not None
    assert pings(b).count() == 1
    assert pings(a).count() == 1
    assert Notice.objects.count() == 2


def test_s5_activity_resets_the_idle_clock(make_sep, sponsor, core_maintainer):
    sep = make_sep(status=Status.IN_REVIEW, sponsor=sponsor, last_activity_at=T0)
    with at(60):
        services.sep_accept(sep=sep, by=core_maintainer, reason="Agreed at the review.")
    with at(89):
        sweep_staleness()
    assert pings(sep).count() == 0
    with at(90):
        sweep_staleness()
    assert pings(sep).count() == 1


def test_s5_durations_come_from_settings(proposal, settings):
    settings.GOVERNANCE = {**settings.GOVERNANCE, "SEP_PROPOSAL_PING_AFTER": timedelta(days=10)}
    with at(10):
        sweep_staleness()
    assert pings(proposal).count() == 1


def test_s5_pings_appear_in_the_timeline(proposal, client):
    with at(90):
        sweep_staleness()
    with at(91):
        page = client.get(proposal.get_absolute_url())
    assert "Reminder sent" in page.content.decode()


def test_s5_draft_without_sponsor_pings_its_authors(make_sep):
    make_sep(status=Status.DRAFT, sponsor=None, last_activity_at=T0)
    with at(90):
        sweep_staleness()
    notice = Notice.objects.get()
    assert notice.recipients == ["author@example.test"]
    assert "without a sponsor" in notice.body_text
