"""G7: the inactive-WG sweep costs what is due, not what exists, and decides exactly as before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups import activity
from groups.models import Group
from groups.tasks import sweep_inactive_groups
from portal.events import record
from tests.factories import GroupFactory, ParticipationFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - timedelta(days=45)


def _scenarios():
    """One WG per kind of history, flagged and not."""
    GroupFactory(slug="idle", activated_at=OLD)
    GroupFactory(slug="fresh", activated_at=NOW - timedelta(days=3))
    met = GroupFactory(slug="met", activated_at=OLD)
    MeetingFactory(group=met, starts_at=NOW - timedelta(days=2))
    future_only = GroupFactory(slug="future-only", activated_at=OLD)
    MeetingFactory(group=future_only, starts_at=NOW + timedelta(days=5))
    only_talked = GroupFactory(slug="only-talked", activated_at=OLD)  # participation alone is not G7 activity
    ParticipationFactory(group=only_talked, occurred_at=NOW - timedelta(days=1))
    nagged = GroupFactory(slug="nagged", activated_at=OLD)
    record(actor=None, verb="meeting.notes_overdue", target=nagged, group=nagged, at=NOW - timedelta(days=1))
    sep_moved = GroupFactory(slug="sep-moved", activated_at=OLD)
    record(actor=None, verb="sep.status_changed", target=sep_moved, group=sep_moved, at=NOW - timedelta(days=1))
    pinged = GroupFactory(slug="pinged", activated_at=OLD)
    record(actor=None, verb="sep.pinged", target=pinged, group=pinged, at=NOW - timedelta(days=1))
    flagged_resumed = GroupFactory(slug="flagged-resumed", activated_at=OLD, inactive_since=OLD)
    MeetingFactory(group=flagged_resumed, starts_at=NOW - timedelta(days=1))
    flagged_still = GroupFactory(slug="flagged-still", activated_at=OLD, inactive_since=NOW - timedelta(days=10))
    GroupFactory(slug="interest", kind=Group.Kind.INTEREST, activated_at=OLD)
    GroupFactory(slug="retired", state=Group.State.RETIRED, activated_at=OLD)
    draft_only = GroupFactory(slug="draft-only", activated_at=OLD)  # a draft nobody held is not activity
    MeetingFactory(group=draft_only, starts_at=NOW - timedelta(days=2), status="draft")
    return {"idle", "future-only", "only-talked", "nagged", "pinged", "draft-only", "flagged-resumed"}, flagged_still


def test_g7_sweep_selects_exactly_the_groups_whose_flag_changes():
    changing, _ = _scenarios()
    selected = set(activity.groups_to_check(NOW).values_list("slug", flat=True))
    assert selected == changing


def test_g7_selection_agrees_with_the_per_group_rule_for_every_wg():
    """The one-query selection and `last_activity` (the rule, per group) give the same answer."""
    _scenarios()
    selected = set(activity.groups_to_check(NOW).values_list("pk", flat=True))
    after = Group.objects.active().working_groups()
    for g in after:
        due = activity.last_activity(g, NOW) + timedelta(days=30) <= NOW
        changes = due != (g.inactive_since is not None)
        assert (g.pk in selected) == changes, g.slug


def test_g7_sweep_flags_and_clears_then_a_second_run_does_nothing():
    _scenarios()
    assert sweep_inactive_groups() == 7
    flagged = set(Group.objects.filter(inactive_since__isnull=False).values_list("slug", flat=True))
    assert flagged == {"idle", "future-only", "only-talked", "nagged", "pinged", "draft-only", "flagged-still"}
    assert sweep_inactive_groups() == 0


@pytest.mark.parametrize("groups", [1, 30])
def test_g7_sweep_with_nothing_due_is_one_query_whatever_the_number_of_groups(groups, django_assert_num_queries):
    for i in range(groups):
        g = GroupFactory(slug=f"busy-{i}", activated_at=OLD)
        MeetingFactory(group=g, starts_at=NOW - timedelta(days=1))
        record(actor=None, verb="sep.status_changed", target=g, group=g, at=NOW - timedelta(days=40))
    with django_assert_num_queries(1):
        assert sweep_inactive_groups() == 0
