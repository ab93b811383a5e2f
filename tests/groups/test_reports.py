"""G8: quarterly reports: quarters, pre-filled figures checked against their data, editing, publishing, sweeps."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from groups import decision_tasks
from groups.deadlines import Quarter, quarter_containing, quarter_ending_before, quarter_from_slug
from groups.models import Group, Membership, Proposal, QuarterlyReport, ReportSection, Tier
from groups.services import reports
from portal.errors import DomainError
from portal.events import record
from portal.models import Event, Notice
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.seps.factories import SEPFactory

pytestmark = pytest.mark.django_db

Q4 = Quarter(end=date(2026, 10, 31))  # Aug - Oct 2026, due 1 Nov 2026 00:00 UTC
IN_Q = datetime(2026, 9, 10, 12, 0, tzinfo=UTC)
BEFORE_Q = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)
REMINDER = datetime(2026, 10, 18, 0, 0, tzinfo=UTC)
AFTER_DUE = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
FULL = {key: f"Text for {label}" for key, label in ReportSection.choices}


def _wg(**kw):
    group = GroupFactory(activated_at=datetime(2026, 8, 1, tzinfo=UTC), **kw)  # owes no earlier quarter
    lead = UserFactory(ladder_role="member")
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD, started_at=datetime(2025, 1, 1, tzinfo=UTC))
    return group, lead


# --- quarters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "end"),
    [
        (datetime(2026, 11, 15, tzinfo=UTC), date(2027, 1, 31)),
        (datetime(2027, 1, 31, 23, 59, tzinfo=UTC), date(2027, 1, 31)),
        (datetime(2027, 2, 1, tzinfo=UTC), date(2027, 4, 30)),
        (datetime(2026, 5, 1, tzinfo=UTC), date(2026, 7, 31)),
        (datetime(2026, 10, 3, tzinfo=UTC), date(2026, 10, 31)),
    ],
)
def test_g8_quarters_end_in_january_april_july_october(moment, end):
    assert quarter_containing(moment).end == end


def test_g8_quarter_bounds_due_date_and_reminder():
    assert Q4.start == date(2026, 8, 1)
    assert Q4.due_at == datetime(2026, 11, 1, tzinfo=UTC)
    assert Q4.reminder_at == datetime(2026, 10, 18, tzinfo=UTC)  # two weeks ahead
    assert quarter_ending_before(datetime(2026, 11, 2, tzinfo=UTC)) == Q4
    assert quarter_from_slug("2026-10") == Q4
    assert quarter_from_slug("2026-11") is None and quarter_from_slug("../x") is None


# --- pre-fill figures against the data that produced them ------------------------------------------------


@pytest.fixture
def busy_quarter():
    group, lead = _wg(name="Transport WG", slug="transport")
    # meetings: 3 held in the quarter (2 published on time, 2 with notes on time), one before, one after
    on_time = {"published_at": IN_Q - timedelta(days=12)}
    m1 = MeetingFactory(group=group, starts_at=IN_Q, **on_time, notes_published_at=IN_Q + timedelta(hours=5))
    MeetingFactory(group=group, starts_at=IN_Q + timedelta(days=7), published_at=IN_Q + timedelta(days=6),
                   notes_published_at=IN_Q + timedelta(days=7, hours=30))  # fmt: skip
    MeetingFactory(
        group=group,
        starts_at=IN_Q + timedelta(days=14),
        published_at=IN_Q,
        notes_published_at=IN_Q + timedelta(days=20),
    )  # fmt: skip  (notes 6 days late)
    MeetingFactory(group=group, starts_at=BEFORE_Q, published_at=BEFORE_Q - timedelta(days=10))
    MeetingFactory(group=group, starts_at=datetime(2026, 11, 20, tzinfo=UTC), published_at=IN_Q)
    MeetingFactory(starts_at=IN_Q, published_at=IN_Q - timedelta(days=12))  # another group's
    # SEP status changes: 3 in the quarter over two SEPs, one before it
    a, b = SEPFactory(group=group), SEPFactory(group=group)
    for sep, when, old, new in [
        (a, IN_Q, "proposal", "draft"),
        (a, IN_Q + timedelta(days=20), "draft", "in-review"),
        (b, IN_Q + timedelta(days=30), "draft", "in-review"),
        (b, BEFORE_Q, "proposal", "draft"),
    ]:
        record(actor=None, verb="sep.status_changed", target=sep, group=group, data={"from": old, "to": new}, at=when)
    # membership: a join, a promotion, an emeritus move and a new lead in the quarter; a join before it
    joiner = UserFactory(display_name="Jo Joiner")
    Membership.objects.create(group=group, user=joiner, tier=Tier.PARTICIPANT, started_at=IN_Q)
    promoted = UserFactory(display_name="Pat Promoted")
    old = Membership.objects.create(group=group, user=promoted, tier=Tier.PARTICIPANT, started_at=BEFORE_Q,
                                    ended_at=IN_Q)  # fmt: skip
    Membership.objects.create(group=group, user=promoted, tier=Tier.MEMBER, started_at=IN_Q)
    assert old.pk
    sleeper = UserFactory(display_name="Em Sleeper")
    Membership.objects.create(group=group, user=sleeper, tier=Tier.MEMBER, started_at=BEFORE_Q, ended_at=IN_Q)
    Membership.objects.create(group=group, user=sleeper, tier=Tier.MEMBER, started_at=IN_Q,
                              status=Membership.Status.EMERITUS)  # fmt: skip
    new_lead = UserFactory(display_name="Lee Newlead")
    Membership.objects.create(group=group, user=new_lead, tier=Tier.LEAD, started_at=IN_Q)
    Membership.objects.create(group=group, user=UserFactory(), tier=Tier.OBSERVER, started_at=BEFORE_Q)
    # decisions: one accepted in the quarter, one before
    for title, when in (("Adopt profile", IN_Q), ("Old one", BEFORE_Q)):
        Proposal.objects.create(group=group, title=title, body="x", kind="minor", opened_by=lead,
                                opened_at=when - timedelta(days=6), deadline=when, status="accepted",
                                decided_at=when, decided_by="lazy_consensus")  # fmt: skip
    return group, lead, m1


def _figures(report):
    return {f["label"]: f["value"] for block in report.figures for f in block["figures"]}


def test_g8_prefilled_figures_match_the_quarters_data(busy_quarter):
    group, lead, _ = busy_quarter
    with time_machine.travel(AFTER_DUE, tick=False):
        report = reports.report_open(group=group, quarter=Q4, by=lead)
    figures = _figures(report)
    assert figures["Meetings held"] == 3
    assert figures["Published on time"] == "67% (2 of 3)"
    assert figures["Notes on time"] == "67% (2 of 3)"
    assert figures["SEP status changes"] == 3
    assert figures["SEPs that changed status"] == 2
    assert figures["People who joined"] == 2  # the joiner and the new lead (first memberships)
    assert figures["Promotions to member or lead"] == 1
    assert figures["Moved to emeritus"] == 1
    assert figures["Leads who started"] == 1
    assert figures["Decisions taken"] == 1
    assert figures["Escalations opened"] == 0


def test_g8_prefilled_sections_name_what_the_figures_count(busy_quarter):
    group, lead, _ = busy_quarter
    with time_machine.travel(AFTER_DUE, tick=False):
        report = reports.report_open(group=group, quarter=Q4, by=lead)
    assert "Jo Joiner" in report.sections["membership"]
    assert "Pat Promoted" in report.sections["membership"]
    assert "Adopt profile" in report.sections["progress"]
    assert "Old one" not in report.sections["progress"]
    assert "Meetings held: 3" in report.sections["progress"]


def test_g8_figures_link_to_what_they_count(busy_quarter):
    group, lead, _ = busy_quarter
    with time_machine.travel(AFTER_DUE, tick=False):
        report = reports.report_open(group=group, quarter=Q4, by=lead)
    urls = {f["label"]: f["url"] for block in report.figures for f in block["figures"]}
    assert urls["Meetings held"] == "/meetings/?group=transport&when=past"
    assert urls["SEP status changes"] == "/seps/?group=transport"


# --- who, what, publishing --------------------------------------------------------------------------------


def test_g8_interest_groups_have_no_reports():
    ig = GroupFactory(kind=Group.Kind.INTEREST)
    with pytest.raises(DomainError, match="Interest Groups have none"):
        reports.report_open(group=ig, quarter=Q4)


def test_g8_only_leads_write_reports():
    group, _ = _wg()
    member = MembershipFactory(group=group, tier=Tier.MEMBER).user
    with time_machine.travel(AFTER_DUE, tick=False), pytest.raises(PermissionDenied):
        reports.report_open(group=group, quarter=Q4, by=member)


def test_g8_publishing_needs_all_five_sections_and_renders_sanitized_markdown():
    group, lead = _wg()
    with time_machine.travel(AFTER_DUE, tick=False):
        report = reports.report_open(group=group, quarter=Q4, by=lead)
        reports.report_save(report=report, by=lead, sections={**FULL, "resources": ""})
        with pytest.raises(DomainError, match="Resource needs"):
            reports.report_publish(report=report, by=lead)
        report = reports.report_save(
            report=report, by=lead, sections={**FULL, "progress": "**Shipped** <script>x()</script>"}
        )
        report = reports.report_publish(report=report, by=lead)
    assert report.status == QuarterlyReport.Status.PUBLISHED
    assert "<strong>Shipped</strong>" in report.sections_html["progress"]
    assert "<script" not in report.sections_html["progress"]
    assert report.is_late  # published after the due date
    with pytest.raises(DomainError, match="published"):
        reports.report_save(report=report, by=lead, sections=FULL)
    assert Event.objects.filter(verb="report.published", group=group).count() == 1


# --- sweeps: reminder two weeks ahead, overdue after the due date ------------------------------------------


def test_g8_sweep_opens_the_draft_and_reminds_leads_two_weeks_ahead_once():
    group, lead = _wg()
    lead.timezone = "Europe/Berlin"
    lead.save()
    with time_machine.travel(REMINDER - timedelta(hours=1), tick=False):
        decision_tasks.sweep_reports()
    assert not QuarterlyReport.objects.filter(group=group, quarter_end=Q4.end).exists()
    with time_machine.travel(REMINDER + timedelta(hours=1), tick=False):
        decision_tasks.sweep_reports()
        decision_tasks.sweep_reports()
    report = QuarterlyReport.objects.get(group=group, quarter_end=Q4.end)
    assert report.reminded_at is not None and report.overdue_at is None
    notices = Notice.objects.filter(kind=f"decisions.report_due:{lead.pk}", target_id=str(report.pk))
    assert notices.count() == 1
    assert "CET" in notices.get().subject  # the due date in the lead's own zone


def test_g8_unpublished_report_is_flagged_overdue_and_leads_told_once():
    group, lead = _wg()
    with time_machine.travel(REMINDER + timedelta(days=1), tick=False):
        decision_tasks.sweep_reports()
    with time_machine.travel(Q4.due_at - timedelta(minutes=1), tick=False):
        decision_tasks.sweep_reports()
        assert not QuarterlyReport.objects.overdue().exists()
    with time_machine.travel(Q4.due_at + timedelta(minutes=1), tick=False):
        decision_tasks.sweep_reports()
        decision_tasks.sweep_reports()
    assert QuarterlyReport.objects.overdue().filter(group=group).count() == 1
    report = QuarterlyReport.objects.get(group=group, quarter_end=Q4.end)
    assert Notice.objects.filter(kind=f"decisions.report_overdue:{lead.pk}", target_id=str(report.pk)).count() == 1
    assert Event.objects.filter(verb="report.overdue", target_id=str(report.pk)).count() == 1


def test_g8_published_report_is_never_overdue():
    group, lead = _wg()
    with time_machine.travel(REMINDER + timedelta(days=1), tick=False):
        decision_tasks.sweep_reports()
        report = QuarterlyReport.objects.get(group=group)
        report = reports.report_save(report=report, by=lead, sections=FULL)
        reports.report_publish(report=report, by=lead)
    with time_machine.travel(AFTER_DUE, tick=False):
        decision_tasks.sweep_reports()
    assert not QuarterlyReport.objects.overdue().exists()
    assert not Notice.objects.filter(kind__startswith="decisions.report_overdue").exists()


def test_g8_missed_sweeps_catch_up_with_one_reminder_and_one_overdue_flag():
    group, lead = _wg()
    ig = GroupFactory(kind=Group.Kind.INTEREST, activated_at=datetime(2025, 1, 1, tzinfo=UTC))
    with time_machine.travel(AFTER_DUE, tick=False):
        decision_tasks.sweep_reports()
    report = QuarterlyReport.objects.get(group=group, quarter_end=Q4.end)
    assert report.reminded_at is not None and report.overdue_at is not None
    assert not QuarterlyReport.objects.filter(group=ig).exists()
    assert Notice.objects.filter(kind=f"decisions.report_due:{lead.pk}").count() == 1
    assert Notice.objects.filter(kind=f"decisions.report_overdue:{lead.pk}").count() == 1


def test_g8_group_activated_after_the_reminder_does_not_owe_that_quarter():
    group, _ = _wg()
    Group.objects.filter(pk=group.pk).update(activated_at=REMINDER + timedelta(days=3))
    with time_machine.travel(AFTER_DUE, tick=False):
        decision_tasks.sweep_reports()
    assert not QuarterlyReport.objects.exists()


def test_g8_report_sweep_fails_half_way_then_finishes():
    g1, _ = _wg()
    g2, _ = _wg()
    with time_machine.travel(REMINDER + timedelta(days=1), tick=False):
        decision_tasks.sweep_reports()
    real = reports.record
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return real(**kw)

    with time_machine.travel(AFTER_DUE, tick=False):
        with mock.patch("groups.services.reports.record", side_effect=flaky), pytest.raises(RuntimeError):
            decision_tasks.sweep_reports()
        assert QuarterlyReport.objects.overdue().count() == 1
        decision_tasks.sweep_reports()
    assert QuarterlyReport.objects.overdue().filter(group__in=[g1, g2]).count() == 2
    assert Event.objects.filter(verb="report.overdue").count() == 2
