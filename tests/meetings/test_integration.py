"""Pieces the group pages use: the panel tag and the directory annotation."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from groups.models import Group
from meetings.models import Meeting
from meetings.selectors import annotate_next_meeting
from tests.factories import GroupFactory

from .factories import MeetingFactory

PANEL = Template("{% load meetings_panels %}{% group_meetings_panel group %}")


def render_panel(group, max_queries, budget=3):
    """Render the panel inside `max_queries(budget)` (pytest-django's django_assert_max_num_queries)."""
    with max_queries(budget) as captured:
        html = PANEL.render(Context({"group": group}))
    return html, len(captured)


@pytest.mark.django_db
def test_m4_group_panel_next_meetings_recent_notes_overdue(group, django_assert_max_num_queries):
    now = timezone.now()
    MeetingFactory(group=group, title="Next up")
    MeetingFactory(group=group, title="Hidden draft", status=Meeting.Status.DRAFT)
    MeetingFactory(group=group, title="With notes", starts_at=now - timedelta(days=3), notes_published_at=now)
    MeetingFactory(group=group, title="No notes", starts_at=now - timedelta(days=5), notes_overdue_at=now)
    html, _ = render_panel(group, django_assert_max_num_queries)
    assert "Next up" in html
    assert "With notes" in html
    assert "Hidden draft" not in html
    assert "Notes overdue: No notes, " in html  # with its date: a series repeats its title
    assert "No upcoming meeting published." in render_panel(GroupFactory(), django_assert_max_num_queries)[0]
    assert "/groups/transports-wg/meetings.ics" in html  # mounted at its public address (M6)


@pytest.mark.django_db
def test_group_panel_fixed_queries(group, django_assert_max_num_queries):
    now = timezone.now()
    MeetingFactory.create_batch(2, group=group)
    _, few = render_panel(group, django_assert_max_num_queries)
    MeetingFactory.create_batch(30, group=group)
    MeetingFactory.create_batch(30, group=group, starts_at=now - timedelta(days=4), notes_published_at=now)
    html, many = render_panel(group, django_assert_max_num_queries)
    assert many == few <= 3
    assert html.count("<li>") == 6


@pytest.mark.django_db
def test_annotate_next_meeting_one_query(django_assert_num_queries):
    a, b, c = GroupFactory(name="A"), GroupFactory(name="B"), GroupFactory(name="C")
    now = timezone.now()
    soon = MeetingFactory(group=a, starts_at=now + timedelta(days=8))
    MeetingFactory(group=a, starts_at=now + timedelta(days=20))
    MeetingFactory(group=a, starts_at=now - timedelta(days=1))
    MeetingFactory(group=b, starts_at=now + timedelta(days=2), status=Meeting.Status.CANCELLED)
    with django_assert_num_queries(1):
        rows = {g.name: g.next_meeting_at for g in annotate_next_meeting(Group.objects.all())}
    assert rows == {"A": soon.starts_at, "B": None, "C": None}
    assert c.pk


@pytest.mark.django_db
def test_m2_m4_lead_dashboard_panel(group, lead, participant, django_assert_num_queries):
    now = timezone.now()
    MeetingFactory(
        group=group, title="Draft to publish", status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=9)
    )
    MeetingFactory(group=group, title="Needs notes", starts_at=now - timedelta(days=3), notes_overdue_at=now)
    MeetingFactory(group=GroupFactory(), title="Not mine", status=Meeting.Status.DRAFT)
    tpl = Template("{% load meetings_panels %}{% lead_meetings_due who %}")
    with django_assert_num_queries(3):  # drafts, notes due, items waiting for a decision: fixed, whatever the rows
        html = tpl.render(Context({"who": lead}))
    assert "Draft to publish" in html
    assert "Needs notes" in html
    assert "Notes overdue" in html
    assert "Not mine" not in html
    assert tpl.render(Context({"who": participant})).strip() == ""


@pytest.mark.django_db
def test_m2_lead_panel_never_asks_to_publish_by_a_past_cutoff(group, lead):
    """Between the cutoff and the next sweep a draft is still "draft": the panel said "publish by"
    a moment already past, which the lead can no longer do (M2)."""
    now = timezone.now()
    MeetingFactory(group=group, title="Too close", status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=3))
    MeetingFactory(group=group, title="In time", status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=9))
    html = Template("{% load meetings_panels %}{% lead_meetings_due who %}").render(Context({"who": lead}))
    too_close, in_time = html.split("In time")[0].split("Too close")[1], html.split("In time")[1]
    assert "Cutoff passed" in too_close
    assert "publish by" not in too_close
    assert "publish by" in in_time
    assert "Cutoff passed" not in in_time
