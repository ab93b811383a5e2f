"""Issue 14 item 7: every periodic sweep costs what is due, not what exists.

Each sweep of `settings.CELERY_BEAT_SCHEDULE` runs once to catch up whatever the world made due
(reminders, flags, series generation), then again: that second run is every later tick, and it must
cost the same fixed number of queries with one group's worth of rows as with four (a sweep that
looks at every row, or re-checks what it already handled, grows). On PostgreSQL each query of that
steady-state run is explained with sequential scans disabled: a plan that still scans a table
sequentially has no index to serve it. (`manage.py explain_sweeps` prints the real plans and
timings on a large database; README "Periodic work" quotes them for the bench data.)

The GitHub sync (`github-sync`) is a periodic task too, but its cost is GitHub's answers, not rows:
tests/github covers it.
"""

import importlib
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction

from groups.models import Escalation, Group, Participation, Proposal, QuarterlyReport, Tier
from meetings.models import Meeting, MeetingSeries
from tests.factories import GroupFactory, MembershipFactory, ParticipationFactory, UserFactory
from tests.groups.decision_helpers import make_wg, open_proposal, open_vote
from tests.groups.factories import NominationFactory
from tests.meetings.factories import MeetingFactory
from tests.seps.factories import SEPFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the Oct quarter's report is overdue; the Jan one not yet due
LONG_AGO = NOW - timedelta(days=400)

# The steady-state run of each sweep: what it costs every tick once nothing new is due. Keep these
# tight; a sweep that needs more must say why in its docstring.
BUDGET = {
    "deliver-notices": 1,  # pending notices
    "groups-nominations": 1,  # open nominations past their deadline
    "groups-emeritus": 1,  # members without recent participation (NOT EXISTS on the participation index)
    "groups-inactivity": 1,  # WGs whose G7 flag changes (one EXISTS per activity source)
    "meetings-publication": 2,  # drafts past the cutoff; drafts inside the reminder window
    "meetings-notes": 2,  # notes overdue; notes reminders
    "meetings-series": 1,  # series whose next occurrence entered the window
    "groups-proposals": 1,  # open proposals past their deadline
    "groups-votes": 1,  # open votes past their close
    "groups-escalations": 1,  # escalations past their first-response deadline
    "groups-reports": 2,  # one per quarter whose reminder moment came (1 or 2), plus overdue drafts
    "seps-staleness": 1,  # SEPs idle past a threshold, cooldown respected
}
SWEEPS = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if name != "github-sync"}


def _task(dotted: str):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _grow(n: int):
    """`n` Working Groups' worth of rows of every kind a sweep reads, some due (the catch-up run
    handles them), most not: members with and without participation, meetings held and ahead,
    drafts, a weekly series, open nominations, proposals and votes, an escalation, idle and busy
    SEPs, quarterly reports in every state."""
    for _ in range(n):
        group, lead, members = make_wg(n_members=2, activated_at=LONG_AGO)
        ParticipationFactory(group=group, user=members[0], occurred_at=NOW - timedelta(days=3))
        MeetingFactory(group=group, starts_at=NOW - timedelta(days=1))  # held: notes reminder, then nothing
        MeetingFactory(group=group, starts_at=NOW - timedelta(days=20), notes_published_at=NOW - timedelta(days=19))
        MeetingFactory(group=group, starts_at=NOW + timedelta(days=30))
        MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=NOW + timedelta(days=8))  # reminder
        MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=NOW + timedelta(days=40))
        MeetingSeries.objects.create(
            group=group, title="Weekly", frequency=MeetingSeries.Frequency.WEEKLY, first_date=(NOW + timedelta(days=9)).date(),
            local_time=time(16, 0), timezone_name="Europe/Berlin", join_url="https://meet.example.test/w",
            agenda_md="1. Open items", created_by=lead,
        )  # fmt: skip
        NominationFactory(group=group, nominee=members[1], nominator=lead, opened_at=NOW - timedelta(days=1))
        open_proposal(group, lead)
        _, vote = open_vote(group, lead)
        escalated = open_proposal(group, lead, title="Escalated item")
        Proposal.objects.filter(pk=escalated.pk).update(status=Proposal.Status.ESCALATED)
        Escalation.objects.create(
            proposal=escalated, reason=Escalation.Reason.NO_QUORUM, options="A or B", disagreement="Which one",
            first_response_due=NOW + timedelta(days=3),
        )  # fmt: skip
        SEPFactory(group=group, status="draft", sponsor=lead, last_activity_at=NOW - timedelta(days=100))  # ping
        SEPFactory(group=group, status="in-review", sponsor=lead, last_activity_at=NOW - timedelta(days=2))
        QuarterlyReport.objects.create(
            group=group, quarter_end=datetime(2026, 7, 31).date(), due_at=datetime(2026, 8, 1, tzinfo=UTC),
            status=QuarterlyReport.Status.PUBLISHED, published_at=datetime(2026, 7, 30, tzinfo=UTC),
        )  # fmt: skip
    GroupFactory(activated_at=LONG_AGO)  # an idle WG: flagged inactive once
    GroupFactory(kind=Group.Kind.INTEREST, activated_at=LONG_AGO)  # IGs owe no reports
    MembershipFactory(
        group=GroupFactory(activated_at=LONG_AGO), user=UserFactory(), tier=Tier.MEMBER, started_at=LONG_AGO
    )


def _steady_costs(django_assert_num_queries) -> dict:
    """Catch up, then run every sweep again inside its budget; returns {sweep: queries captured}."""
    for _ in range(2):  # the second pass delivers the notices the later sweeps of the first queued
        for dotted in SWEEPS.values():
            _task(dotted).run()
    captured = {}
    for name, dotted in SWEEPS.items():
        with django_assert_num_queries(BUDGET[name], info=f"sweep {name}") as ctx:
            _task(dotted).run()
        captured[name] = [q["sql"] for q in ctx.captured_queries]
    return captured


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_every_scheduled_sweep_has_a_budget():
    assert set(SWEEPS) == set(BUDGET), "a new sweep in CELERY_BEAT_SCHEDULE needs a budget here"


def test_sweeps_cost_a_constant_number_of_queries_as_rows_grow(at_now, django_assert_num_queries):
    _grow(1)
    small = _steady_costs(django_assert_num_queries)
    _grow(4)
    large = _steady_costs(django_assert_num_queries)
    assert {k: len(v) for k, v in large.items()} == {k: len(v) for k, v in small.items()}
    # the world really had work for the catch-up runs (so the steady state is not trivially empty)
    assert Group.objects.filter(inactive_since__isnull=False).count() == 4  # the WGs without a meeting held
    assert QuarterlyReport.objects.filter(overdue_at__isnull=False).count() == 9  # every WG, for October
    assert MeetingSeries.objects.filter(next_start_at__isnull=False).count() == 5
    assert Meeting.objects.filter(series__isnull=False).exists()
    assert Participation.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_every_sweep_query_is_served_by_an_index(at_now, django_assert_num_queries):
    """EXPLAIN each steady-state query with sequential scans disabled: PostgreSQL still plans a Seq
    Scan only where no index can serve the query (a small test table would otherwise be scanned)."""
    _grow(2)
    captured = _steady_costs(django_assert_num_queries)
    unserved = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, sqls in captured.items():
            for sql in sqls:
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                if "Seq Scan" in plan:
                    unserved.setdefault(name, []).append(plan)
    assert not unserved, unserved


def test_explain_sweeps_reports_every_sweep_and_writes_nothing(at_now):
    from io import StringIO

    from django.core.management import call_command

    from portal.models import Event, Notice

    _grow(1)
    before = (Event.objects.count(), Notice.objects.count(), QuarterlyReport.objects.count(), Meeting.objects.count())
    out = StringIO()
    call_command("explain_sweeps", stdout=out)
    text = out.getvalue()
    assert all(f"{name}: run 1" in text for name in SWEEPS)
    if connection.vendor == "postgresql":
        assert "Index" in text  # the plans are printed
    after = (Event.objects.count(), Notice.objects.count(), QuarterlyReport.objects.count(), Meeting.objects.count())
    assert after == before  # run 1 caught up inside a transaction that was rolled back
