"""Issue 8 for SEPs: each rule holds on every path (page services, the admin, the staleness sweep).

S4 at the moment of the action, S3 read literally (no self-acceptance, a retired group's delegated
authority ends), S5 for a sponsor given in the admin, and the services validating what the forms do.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from groups.models import Group, Tier
from portal.errors import DomainError
from portal.models import Event, LadderRole
from seps import services, transitions
from seps.models import SEP, SEPType, Status
from seps.tasks import sweep_staleness
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .factories import SEPAuthorFactory, SEPFactory

pytestmark = pytest.mark.django_db


# --- S4: the sponsor must be in the steering group when they act -------------------------------------

SPONSOR_STEPS = [
    ("submit", Status.DRAFT, {}),
    ("finalize", Status.ACCEPTED, {"reference_implementation": "https://example.test/impl"}),
]


@pytest.mark.parametrize(("name", "status", "extra"), SPONSOR_STEPS)
def test_s4_a_sponsor_who_left_the_steering_group_can_no_longer_move_the_sep(name, status, extra):
    sponsor = UserFactory(ladder_role=LadderRole.MAINTAINER)
    sep = SEPFactory(status=status, sponsor=sponsor)
    sponsor.ladder_role = LadderRole.MEMBER  # stepped down from maintainer
    sponsor.save(update_fields=["ladder_role"])
    with pytest.raises(PermissionDenied, match="steering group"):  # S4, said in words
        services.sep_transition(name, sep=sep, by=sponsor, reason="Moving on.", **extra)
    sep.refresh_from_db()
    assert sep.status == status


@pytest.mark.parametrize(("name", "status", "extra"), SPONSOR_STEPS)
def test_s4_the_steps_are_not_offered_to_a_former_steering_member(name, status, extra):
    sponsor = UserFactory(ladder_role=LadderRole.CONTRIBUTOR)
    sep = SEPFactory(status=status, sponsor=sponsor)
    assert name not in {t.name for t in transitions.available(sponsor, sep)}


@pytest.mark.parametrize(("name", "status", "extra"), SPONSOR_STEPS)
def test_s4_a_sponsor_still_in_the_steering_group_moves_the_sep(name, status, extra):
    sponsor = UserFactory(ladder_role=LadderRole.MAINTAINER)
    sep = SEPFactory(status=status, sponsor=sponsor)
    services.sep_transition(name, sep=sep, by=sponsor, reason="Ready.", **extra)
    sep.refresh_from_db()
    assert sep.status != status


def test_s4_admin_sponsor_assignment_refuses_someone_outside_the_steering_group(core_maintainer, org_member):
    sep = SEPFactory(status=Status.PROPOSAL)
    with pytest.raises(DomainError, match="steering group"):  # S4, said in words
        services.sep_assign_sponsor(sep=sep, sponsor=org_member, by=core_maintainer, reason="Asked.")


# --- S3 read literally: no self-acceptance; a retired group's authority ends ---------------------------


@pytest.fixture
def delegated_wg():
    return GroupFactory(kind=Group.Kind.WORKING, delegated_sep_authority=True)


def _lead(group):
    user = UserFactory(ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=group, user=user, tier=Tier.LEAD)
    return user


def test_s3_an_author_leading_a_delegated_wg_cannot_route_their_sep_there_and_accept_it(delegated_wg):
    lead = _lead(delegated_wg)
    sep = SEPFactory(status=Status.PROPOSAL)
    SEPAuthorFactory(sep=sep, user=lead, github=lead.github)
    services.sep_edit_metadata(sep=sep, by=lead, changes={"group": delegated_wg})  # routing is allowed
    SEP.objects.filter(pk=sep.pk).update(status=Status.IN_REVIEW)
    sep = SEP.objects.get(pk=sep.pk)
    with pytest.raises(PermissionDenied, match="author"):
        services.sep_accept(sep=sep, by=lead, reason="We agreed.")
    assert "accept" not in {t.name for t in transitions.available(lead, sep)}


def test_s3_a_core_maintainer_cannot_accept_their_own_sep(core_maintainer):
    sep = SEPFactory(status=Status.IN_REVIEW)
    SEPAuthorFactory(sep=sep, user=core_maintainer, github=core_maintainer.github)
    with pytest.raises(PermissionDenied, match="author"):
        services.sep_accept(sep=sep, by=core_maintainer, reason="Looks right to me.")


def test_s3_another_lead_of_the_delegated_wg_accepts_the_authors_sep(delegated_wg):
    author, other = _lead(delegated_wg), _lead(delegated_wg)
    sep = SEPFactory(status=Status.IN_REVIEW, group=delegated_wg)
    SEPAuthorFactory(sep=sep, user=author, github=author.github)
    services.sep_accept(sep=sep, by=other, reason="The WG agreed.")
    sep.refresh_from_db()
    assert sep.status == Status.ACCEPTED


@pytest.mark.parametrize("name", ["accept", "reject", "return_to_draft"])
def test_g2_s3_a_retired_wg_decides_no_sep_by_delegated_authority(delegated_wg, name):
    lead = _lead(delegated_wg)
    sep = SEPFactory(status=Status.IN_REVIEW, group=delegated_wg)
    Group.objects.filter(pk=delegated_wg.pk).update(state=Group.State.RETIRED)
    sep = SEP.objects.get(pk=sep.pk)
    with pytest.raises(PermissionDenied):
        services.sep_transition(name, sep=sep, by=lead, reason="We agreed.")


def test_g2_a_sep_cannot_be_moved_into_a_retired_group(core_maintainer):
    retired = GroupFactory(state=Group.State.RETIRED)
    sep = SEPFactory(status=Status.DRAFT)
    with pytest.raises(DomainError, match="retired"):
        services.sep_edit_metadata(sep=sep, by=core_maintainer, changes={"group": retired})


# --- S5: a sponsor given in the admin is swept like any other ---------------------------------------


def test_s5_a_sponsor_assigned_by_a_core_maintainer_makes_the_proposal_a_draft(core_maintainer, maintainer):
    sep = SEPFactory(status=Status.PROPOSAL)
    services.sep_assign_sponsor(sep=sep, sponsor=maintainer, by=core_maintainer, reason="Volunteered in the call.")
    sep.refresh_from_db()
    assert (sep.status, sep.sponsor) == (Status.DRAFT, maintainer)
    assert Event.objects.filter(verb="sep.status_changed", data__to="draft").count() == 1


def _admin_post(client, sep, **extra):
    data = {
        "number": sep.number, "title": sep.title, "slug": sep.slug, "type": sep.type,
        "created": sep.created.isoformat(), "group": "", "sponsor": sep.sponsor_id or "", "pr_url": "",
        "discussion_url": "", "body": sep.body, "superseded_by": "", "reference_implementation": "",
        "roadmap_area": "", "source_file": "",
        "authors-TOTAL_FORMS": "0", "authors-INITIAL_FORMS": "0", "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(extra)
    return client.post(f"/admin/seps/sep/{sep.pk}/change/", data)


def test_s5_a_proposal_given_a_sponsor_in_the_admin_is_swept_as_a_draft(client_for, core_maintainer, maintainer):
    start = timezone.now()
    sep = SEPFactory(status=Status.PROPOSAL, last_activity_at=start)
    SEPAuthorFactory(sep=sep, email="author@example.test")
    r = _admin_post(client_for(core_maintainer), sep, sponsor=maintainer.pk, rationale="Took it in the call.")
    assert r.status_code == 302
    sep.refresh_from_db()
    assert (sep.status, sep.sponsor_id) == (Status.DRAFT, maintainer.pk)
    with time_machine.travel(start + timedelta(days=91), tick=False):
        assert sweep_staleness() == {"ping_draft": 1}
        assert sweep_staleness() == {}  # once


def test_s5_admin_sponsor_change_needs_a_rationale(client_for, core_maintainer, maintainer):
    sep = SEPFactory(status=Status.PROPOSAL)
    r = _admin_post(client_for(core_maintainer), sep, sponsor=maintainer.pk, rationale="")
    assert r.status_code == 200
    sep.refresh_from_db()
    assert sep.sponsor_id is None


# --- services validate what forms validate -----------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ""},
        {"title": "x" * 301},
        {"type": "not-a-type"},
        {"pr_url": "javascript:alert(1)"},
        {"discussion_url": "ftp://example.test/x"},
        {"reference_implementation": "not a url"},
        {"group": "some-slug"},
    ],
)
def test_s1_edit_service_refuses_what_the_form_refuses(core_maintainer, changes):
    sep = SEPFactory(status=Status.DRAFT, type=SEPType.STANDARDS)
    before = SEP.objects.values().get(pk=sep.pk)
    with pytest.raises(DomainError):
        services.sep_edit_metadata(sep=sep, by=core_maintainer, changes=changes)
    assert SEP.objects.values().get(pk=sep.pk) == before


def test_s6_transition_service_refuses_an_overlong_rationale(core_maintainer):
    sep = SEPFactory(status=Status.IN_REVIEW)
    with pytest.raises(DomainError, match="too long"):
        services.sep_reject(sep=sep, by=core_maintainer, reason="x" * 2001)


def test_s3_finalize_service_refuses_a_non_web_reference_implementation(core_maintainer):
    sep = SEPFactory(status=Status.ACCEPTED)
    with pytest.raises(DomainError):
        services.sep_finalize(sep=sep, by=core_maintainer, reason="Done.", reference_implementation="javascript:x")


@pytest.mark.parametrize(
    "change",
    [{"pr_url": "ftp://example.test/pull/1"}, {"reference_implementation": "ftp://example.test/x"}, "retired-group"],
    ids=["pr-ftp", "ref-ftp", "retired-group"],
)
def test_s1_g2_admin_edits_get_the_edit_services_checks(client_for, core_maintainer, change):
    sep = SEPFactory(status=Status.DRAFT)
    if change == "retired-group":
        change = {"group": GroupFactory(state=Group.State.RETIRED).pk}
    before = SEP.objects.values().get(pk=sep.pk)
    r = _admin_post(client_for(core_maintainer), sep, **change)
    assert r.status_code == 200  # the form shows the error
    assert SEP.objects.values().get(pk=sep.pk) == before


def test_s5_a_proposal_with_a_sponsor_from_any_path_is_still_swept(maintainer):
    """A sponsored proposal (a file or an old admin edit set the sponsor without the transition) is pinged
    like a draft, never forgotten by the sweep."""
    start = timezone.now()
    sep = SEPFactory(status=Status.PROPOSAL, sponsor=maintainer, last_activity_at=start)
    with time_machine.travel(start + timedelta(days=91), tick=False):
        assert sweep_staleness() == {"ping_draft": 1}
        assert sweep_staleness() == {}
    sep.refresh_from_db()
    assert sep.status == Status.PROPOSAL  # pinged, not put to sleep: it has a sponsor
