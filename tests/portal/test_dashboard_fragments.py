"""Issue #14: the dashboard's panels in one `{% fragment %}` keyed on the viewer.

Every panel is the viewer's own, so the key carries `request.user.pk` beside what every fragment
carries (data version, time zone, minute); the view hands the facts, panels and activity as
callables, so a warm fragment runs no query. The response cache is off throughout: every request
here renders its page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.models import Tier
from meetings.models import Meeting
from portal.events import record
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.seps.factories import SEPFactory

from .fragment_fixtures import _early_in_a_minute, _pages_render  # noqa: F401 (autouse fixtures)

pytestmark = pytest.mark.django_db


def queries(client, url="/dashboard/"):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured), response.content.decode()


def _person_with_content(name):
    """A lead of their own group, with a meeting ahead, a SEP they sponsor and an event."""
    me = UserFactory(display_name=f"{name} Person", ladder_role=LadderRole.MAINTAINER)
    group = GroupFactory(name=f"{name} Working Group")
    MembershipFactory(group=group, user=me, tier=Tier.LEAD)
    MeetingFactory(group=group, title=f"{name} sync")
    SEPFactory(group=group, sponsor=me, status="draft", title=f"{name} proposal")
    record(actor=me, verb="meeting.published", target=group)
    return me


@pytest.mark.parametrize("ann_first", [True, False])
def test_14_dashboard_two_people_never_see_each_others_panels_through_a_fragment(client_for, ann_first):
    ann, bob = client_for(_person_with_content("Ann")), client_for(_person_with_content("Bob"))
    # both signed in first (a sign-in writes last_login, which moves the data version): the two
    # requests below share one data version, time zone and minute; only the viewer tells them apart
    order = [(ann, "Ann", "Bob"), (bob, "Bob", "Ann")]
    for client, mine, theirs in order if ann_first else order[::-1]:
        _, body = queries(client)
        for what in ("Working Group", "sync", "proposal"):
            assert f"{mine} {what}" in body
            assert f"{theirs} {what}" not in body, (mine, what)


def test_14_dashboard_a_person_with_nothing_never_gets_a_busy_persons_panels(client_for):
    busy, idle = client_for(_person_with_content("Ann")), client_for(UserFactory())
    queries(busy)
    _, body = queries(idle)
    assert "Ann Working Group" not in body
    assert "You have not joined a group yet." in body


def test_14_dashboard_a_service_write_shows_on_the_next_request(client_for):
    from groups.services.memberships import membership_join

    me = _person_with_content("Ann")
    other = GroupFactory(name="Freshly joined group")
    client = client_for(me)
    queries(client)
    _, warm = queries(client)
    assert "Freshly joined group" not in warm
    membership_join(group=other, user=me, tier=Tier.PARTICIPANT)
    _, body = queries(client)
    assert "Freshly joined group" in body


def test_14_dashboard_a_raw_sql_write_shows_on_the_next_request(client_for):
    me = _person_with_content("Ann")
    client = client_for(me)
    queries(client)
    _, warm = queries(client)
    assert "Ann sync" in warm
    with connection.cursor() as cursor:
        cursor.execute("UPDATE meetings_meeting SET title = 'Renamed by hand' WHERE title = 'Ann sync'")
    _, body = queries(client)
    assert "Renamed by hand" in body
    assert "Ann sync" not in body


def test_14_dashboard_deadlines_and_next_meetings_move_on_with_the_clock(client_for):
    """No write, only the clock: a draft's cutoff passes and a meeting that started leaves the list."""
    me = _person_with_content("Ann")
    group = me.memberships.get().group
    now = timezone.now()
    MeetingFactory(group=group, title="Soon meeting", starts_at=now + timedelta(minutes=5))
    draft = MeetingFactory(
        group=group, title="Draft to publish", status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=7, hours=2)
    )
    client = client_for(me)
    _, before = queries(client)
    assert "Soon meeting" in before.split('id="my-meetings-h"')[1].split("</section>")[0]
    assert "publish by" in before.split("Draft to publish")[1].split("</li>")[0]
    with time_machine.travel(now + timedelta(hours=3), tick=True):
        _, after = queries(client)
    assert "Soon meeting" not in after.split('id="my-meetings-h"')[1].split("</section>")[0]
    assert "Cutoff passed" in after.split("Draft to publish")[1].split("</li>")[0]
    assert draft.publication_cutoff < now + timedelta(hours=3)


# Warm: the data version only (the session and user come from the cache); cold: the facts, every
# panel's queries and the activity.
WARM_DASHBOARD_BUDGET = 1


@pytest.mark.parametrize("busy", [True, False])
def test_14_dashboard_a_warm_fragment_miss_runs_fewer_queries_than_a_cold_one(client_for, busy):
    me = _person_with_content("Ann") if busy else UserFactory()
    if busy:
        me.ladder_role = LadderRole.CORE_MAINTAINER
        me.save()
    client = client_for(me)
    client.get("/profile/")  # the session and what the middleware caches
    cold, first = queries(client)
    warm, second = queries(client)
    assert warm < cold
    assert warm <= WARM_DASHBOARD_BUDGET
    norm = lambda body: re.sub(r'nonce="[^"]+"|[A-Za-z0-9]{64}', "", body)  # noqa: E731
    assert norm(second) == norm(first)


def test_14_dashboard_fragment_cache_off_renders_everything(client_for, settings):
    client = client_for(_person_with_content("Ann"))
    queries(client)
    warm, _ = queries(client)
    settings.FRAGMENT_CACHE = False
    off, body = queries(client)
    again, _ = queries(client)
    assert off > warm and again == off  # every request renders every panel
    assert "Ann Working Group" in body and "Ann proposal" in body


# --- the facts query, compiled once per shape (portal.prepared) ---------------------------------


def _facts(user, *, orm=False):
    """The dashboard's facts for `user`: from the stored SQL, or (orm) built and compiled by the ORM."""
    from unittest import mock

    from django.test import RequestFactory

    from portal import prepared
    from portal.views import _dashboard_facts

    request = RequestFactory().get("/dashboard/")
    request.user = user
    if not orm:
        return _dashboard_facts(request)
    with mock.patch.object(prepared, "_compiled", {}), mock.patch.object(prepared, "_compile", return_value=None):
        return _dashboard_facts(request)


def test_14_dashboard_facts_from_the_stored_sql_equal_the_orms_for_each_person_of_a_shape():
    """Two people of one shape (verified handle, not core) share the stored SQL; each gets their own
    facts: the handle, the person and the clock are parameters, not frozen into the SQL."""
    from tests.seps.factories import SEPAuthorFactory

    by_handle = UserFactory(github="Handle-Author")
    SEPAuthorFactory(sep=SEPFactory(status="draft"), github="handle-author")  # authored by handle only
    leader, idle = _person_with_content("Ann"), UserFactory()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, github="")
    for person in (by_handle, leader, idle, core, by_handle, idle):
        assert _facts(person) == _facts(person, orm=True), person
    assert _facts(by_handle)["s_mine"] is True
    assert _facts(idle)["s_mine"] is False
    assert _facts(leader)["g_led"] == 1 and _facts(idle)["g_led"] == 0
    assert "s_in_review" in _facts(core) and "s_in_review" not in _facts(idle)


def test_14_a_prepared_query_never_freezes_a_moment_it_was_not_handed():
    from django.db.models import Exists, OuterRef

    from groups.models import Membership
    from portal import prepared
    from portal.models import User

    person = UserFactory()
    group = GroupFactory()
    MembershipFactory(group=group, user=person)

    def build(pk):  # reads the clock itself: must be built again on every call
        now = timezone.now()
        fresh = Membership.objects.filter(user=OuterRef("pk"), started_at__gt=now - timedelta(minutes=5))
        return User.objects.filter(pk=pk).annotate(fresh=Exists(fresh)).values("fresh")

    shape = ("test-frozen-clock",)
    assert prepared.first_row(shape, build, pk=person.pk) == {"fresh": True}
    assert prepared._compiled[("default", shape)] is None  # not stored
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=True):
        assert prepared.first_row(shape, build, pk=person.pk) == {"fresh": False}


def test_14_a_prepared_query_runs_with_each_callers_values():
    from portal import prepared
    from portal.models import User

    ann, bob = UserFactory(display_name="Ann"), UserFactory(display_name="Bob")

    def build(pk):
        return User.objects.filter(pk=pk).values("display_name")

    shape = ("test-values",)
    assert prepared.first_row(shape, build, pk=ann.pk) == {"display_name": "Ann"}
    assert prepared._compiled[("default", shape)] is not None  # stored
    with CaptureQueriesContext(connection) as captured:
        assert prepared.first_row(shape, build, pk=bob.pk) == {"display_name": "Bob"}
    assert len(captured) == 1
    assert prepared.first_row(shape, build, pk=-1) == {}


def test_14_dashboard_facts_say_when_a_panel_has_something_and_the_panel_shows_it(client_for):
    """g_decisions, g_reports, g_escalations, m_lead_due let the Decisions and "Meetings that need you"
    panels skip their queries; each turns true with the first row the panel lists (and the panel
    lists it), and the ORM agrees with the stored SQL throughout."""
    from groups.models import Escalation, Proposal, QuarterlyReport
    from tests.groups.decision_helpers import make_wg, open_proposal

    group, lead, members = make_wg()
    lead.ladder_role = LadderRole.CORE_MAINTAINER
    lead.save()
    Meeting.objects.filter(group=group).delete()
    facts = _facts(lead)
    assert not any(facts[k] for k in ("g_decisions", "g_reports", "g_escalations", "m_lead_due")), facts
    _, body = queries(client_for(lead))
    assert 'id="decisions-panel"' not in body and "Meetings that need you" not in body

    now = timezone.now()
    MeetingFactory(
        group=group, title="Draft to publish", status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=9)
    )
    proposal = open_proposal(group, lead, title="Adopt the new charter")
    QuarterlyReport.objects.create(group=group, quarter_end=now.date(), due_at=now + timedelta(days=3))
    escalated = open_proposal(group, lead, title="Escalated item")
    Proposal.objects.filter(pk=escalated.pk).update(status=Proposal.Status.ESCALATED)
    Escalation.objects.create(
        proposal=escalated, reason=Escalation.Reason.NO_QUORUM, options="A or B", disagreement="Which one",
        first_response_due=now + timedelta(days=3),
    )  # fmt: skip
    for person in (lead, members[0]):
        assert _facts(person) == _facts(person, orm=True)
    facts = _facts(lead)
    assert all(facts[k] for k in ("g_decisions", "g_reports", "g_escalations", "m_lead_due")), facts
    assert _facts(members[0])["g_decisions"] and not _facts(members[0])["m_lead_due"]
    _, body = queries(client_for(lead))
    for shown in (
        "Draft to publish",
        proposal.title,
        "Quarterly reports you owe",
        "Open escalations",
        "Escalated item",
    ):
        assert shown in body, shown


@pytest.mark.parametrize("core", [False, True])
def test_14_dashboard_facts_say_when_your_groups_lists_nominations_and_amendments(client_for, core):
    """g_to_review and g_drafts let "Your groups" skip its nominations and amendments queries; a
    nomination in a group the person leads, one naming them, and (core maintainers) any open one,
    and a draft amendment in a group they lead each show."""
    from groups.models import CharterVersion
    from tests.groups.factories import CharterVersionFactory, NominationFactory

    lead = _person_with_content("Ann")
    if core:
        lead.ladder_role = LadderRole.CORE_MAINTAINER
        lead.save()
    group = lead.memberships.get().group
    elsewhere, nominee = GroupFactory(name="Elsewhere group"), UserFactory(display_name="Nominated Elsewhere")
    assert not _facts(lead)["g_to_review"] and not _facts(lead)["g_drafts"]
    NominationFactory(group=elsewhere, nominee=nominee)  # only a core maintainer's business
    assert _facts(lead)["g_to_review"] is core
    nominated_here = UserFactory(display_name="Nominated Here")
    NominationFactory(group=group, nominee=nominated_here)
    CharterVersionFactory(group=group, number=7, status=CharterVersion.Status.DRAFT)
    assert _facts(lead) == _facts(lead, orm=True)
    assert _facts(lead)["g_to_review"] and _facts(lead)["g_drafts"]
    _, body = queries(client_for(lead))
    assert "Nominated Here in Ann Working Group" in body
    assert ("Nominated Elsewhere in Elsewhere group" in body) is core
    assert "Ann Working Group v7" in body
