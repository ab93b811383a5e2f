"""S2, S3, S4, S6: every transition, allowed and refused for each role, through the one table."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from groups.models import Tier
from portal.errors import DomainError
from portal.models import Event, LadderRole
from seps import services, transitions
from seps.models import Status
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .factories import SEPFactory

SOURCE = {
    "sponsor": Status.PROPOSAL,
    "submit": Status.DRAFT,
    "accept": Status.IN_REVIEW,
    "reject": Status.IN_REVIEW,
    "return_to_draft": Status.IN_REVIEW,
    "finalize": Status.ACCEPTED,
    "withdraw": Status.DRAFT,
    "supersede": Status.FINAL,
    "mark_dormant": Status.PROPOSAL,
    "revive": Status.DORMANT,
    "revive_sponsored": Status.DORMANT,
}
TARGET = {
    "sponsor": Status.DRAFT,
    "submit": Status.IN_REVIEW,
    "accept": Status.ACCEPTED,
    "reject": Status.REJECTED,
    "return_to_draft": Status.DRAFT,
    "finalize": Status.FINAL,
    "withdraw": Status.WITHDRAWN,
    "supersede": Status.SUPERSEDED,
    "mark_dormant": Status.DORMANT,
    "revive": Status.PROPOSAL,
    "revive_sponsored": Status.DRAFT,
}
DECIDE = {"accept", "reject", "return_to_draft"}
CORE = {"sponsor", "finalize", "supersede", "mark_dormant", "revive", "revive_sponsored"} | DECIDE
ALLOWED = {
    "anonymous": set(),
    "contributor": set(),
    "org_member": set(),
    "maintainer": {"sponsor", "revive_sponsored"},
    "the_sponsor": {"sponsor", "submit", "finalize", "revive_sponsored"},
    "author": {"withdraw", "revive"},
    "core_maintainer": CORE,
    "lead_maintainer": CORE,
    "delegated_lead": DECIDE,
    "undelegated_lead": set(),
}
ROLES = list(ALLOWED)


@pytest.fixture
def world(db):
    from django.contrib.auth.models import AnonymousUser

    delegated = GroupFactory(delegated_sep_authority=True)
    plain = GroupFactory(delegated_sep_authority=False)
    delegated_lead = UserFactory(ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=delegated, user=delegated_lead, tier=Tier.LEAD)
    undelegated_lead = UserFactory(ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=plain, user=undelegated_lead, tier=Tier.LEAD)
    people = {
        "anonymous": AnonymousUser(),
        "contributor": UserFactory(ladder_role=LadderRole.CONTRIBUTOR),
        "org_member": UserFactory(ladder_role=LadderRole.MEMBER),
        "maintainer": UserFactory(ladder_role=LadderRole.MAINTAINER),
        "the_sponsor": UserFactory(ladder_role=LadderRole.MAINTAINER),
        "author": UserFactory(ladder_role=LadderRole.CONTRIBUTOR, github="sep-writer"),
        "core_maintainer": UserFactory(ladder_role=LadderRole.CORE_MAINTAINER),
        "lead_maintainer": UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER),
        "delegated_lead": delegated_lead,
        "undelegated_lead": undelegated_lead,
    }
    successor = SEPFactory(number=9999, status=Status.DRAFT)
    return {"people": people, "delegated": delegated, "plain": plain, "successor": successor}


def _sep_for(name, world, role):
    from .factories import SEPAuthorFactory

    status = SOURCE[name]
    sponsored = status not in (Status.PROPOSAL, Status.DORMANT)
    group = world["plain"] if role == "undelegated_lead" else world["delegated"]
    sep = SEPFactory(
        status=status,
        group=group,
        sponsor=world["people"]["the_sponsor"] if sponsored else None,
        last_activity_at=timezone.now() - timedelta(days=100),
    )
    SEPAuthorFactory(sep=sep, name="Sep Writer", github="SEP-Writer")  # matched by handle, case-insensitive
    return sep


def _do(name, sep, user):
    return services.sep_transition(
        name,
        sep=sep,
        by=user,
        reason="Because the record needs a reason.",
        successor_number="9999",
        reference_implementation="https://github.com/example/sdk/pull/1",
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(transitions.TRANSITIONS))
def test_s3_s4_every_transition_allowed_and_refused_per_role(world, name, role):
    user = world["people"][role]
    sep = _sep_for(name, world, role)
    before = Event.objects.count()
    if name in ALLOWED[role]:
        _do(name, sep, user)
        sep.refresh_from_db()
        assert sep.status == TARGET[name]
        ev = Event.objects.get(verb="sep.status_changed", target_id=str(sep.pk))
        assert ev.data["from"] == SOURCE[name]
        assert ev.data["to"] == TARGET[name]
        assert ev.actor == user
        assert ev.data["reason"] == "Because the record needs a reason."
    else:
        with pytest.raises(PermissionDenied):
            _do(name, sep, user)
        sep.refresh_from_db()
        assert sep.status == SOURCE[name]
        assert Event.objects.count() == before


def test_s2_transitions_table_covers_every_status_and_refuses_wrong_source(world):
    core = world["people"]["core_maintainer"]
    targets = {t.target for t in transitions.TRANSITIONS.values()}
    assert set(Status.values) - {Status.PROPOSAL} <= targets | {Status.PROPOSAL}
    sep = SEPFactory(status=Status.DRAFT, sponsor=world["people"]["the_sponsor"])
    with pytest.raises(DomainError, match="needs it to be in review"):
        services.sep_accept(sep=sep, by=core, reason="ok")
    sep.refresh_from_db()
    assert sep.status == Status.DRAFT


def test_s4_sponsor_must_be_steering_group_and_becomes_sponsor(world):
    sep = SEPFactory(status=Status.PROPOSAL)
    with pytest.raises(PermissionDenied, match="steering-group"):
        services.sep_sponsor(sep=sep, by=world["people"]["org_member"], reason="I like it")
    maintainer = world["people"]["maintainer"]
    services.sep_sponsor(sep=sep, by=maintainer, reason="I will shepherd it")
    sep.refresh_from_db()
    assert (sep.status, sep.sponsor) == (Status.DRAFT, maintainer)


def test_s3_only_the_sponsor_moves_draft_to_review(world):
    sep = SEPFactory(status=Status.DRAFT, sponsor=world["people"]["the_sponsor"])
    with pytest.raises(PermissionDenied):
        services.sep_submit_for_review(sep=sep, by=world["people"]["maintainer"], reason="go")
    services.sep_submit_for_review(sep=sep, by=world["people"]["the_sponsor"], reason="go")
    sep.refresh_from_db()
    assert sep.status == Status.IN_REVIEW


def test_s3_final_needs_reference_implementation_link(world):
    core = world["people"]["core_maintainer"]
    sep = SEPFactory(status=Status.ACCEPTED, sponsor=world["people"]["the_sponsor"])
    with pytest.raises(DomainError, match="reference implementation"):
        services.sep_finalize(sep=sep, by=core, reason="done")
    with pytest.raises(DomainError, match="web link"):
        services.sep_finalize(sep=sep, by=core, reason="done", reference_implementation="see the SDK")
    sep.refresh_from_db()
    assert sep.status == Status.ACCEPTED
    services.sep_finalize(sep=sep, by=core, reason="done", reference_implementation="https://example.test/pr/1")
    sep.refresh_from_db()
    assert sep.status == Status.FINAL
    assert sep.reference_implementation == "https://example.test/pr/1"


def test_s3_final_uses_existing_reference_implementation(world):
    sep = SEPFactory(status=Status.ACCEPTED, reference_implementation="https://example.test/impl")
    services.sep_finalize(sep=sep, by=world["people"]["core_maintainer"], reason="merged")
    sep.refresh_from_db()
    assert sep.status == Status.FINAL


@pytest.mark.parametrize("successor", ["", "12345", "abc", "self"])
def test_s3_superseded_names_an_existing_successor(world, successor):
    sep = SEPFactory(status=Status.FINAL)
    number = str(sep.number) if successor == "self" else successor
    with pytest.raises(DomainError):
        services.sep_supersede(
            sep=sep, by=world["people"]["core_maintainer"], reason="replaced", successor_number=number
        )
    sep.refresh_from_db()
    assert sep.status == Status.FINAL
    assert sep.superseded_by is None


def test_s3_superseded_links_successor(world):
    sep = SEPFactory(status=Status.FINAL)
    services.sep_supersede(
        sep=sep, by=world["people"]["core_maintainer"], reason="replaced", successor_number="SEP-9999"
    )
    sep.refresh_from_db()
    assert sep.status == Status.SUPERSEDED
    assert sep.superseded_by == world["successor"]
    assert list(world["successor"].supersedes.all()) == [sep]


def test_s3_delegated_authority_only_for_seps_of_that_group(world):
    lead = world["people"]["delegated_lead"]
    own = SEPFactory(status=Status.IN_REVIEW, group=world["delegated"])
    other = SEPFactory(status=Status.IN_REVIEW, group=world["plain"])
    nogroup = SEPFactory(status=Status.IN_REVIEW, group=None)
    services.sep_accept(sep=own, by=lead, reason="The WG agreed.")
    for sep in (other, nogroup):
        with pytest.raises(PermissionDenied):
            services.sep_accept(sep=sep, by=lead, reason="The WG agreed.")
    world["delegated"].delegated_sep_authority = False
    world["delegated"].save()
    again = SEPFactory(status=Status.IN_REVIEW, group=world["delegated"])
    with pytest.raises(PermissionDenied):
        services.sep_accept(sep=again, by=lead, reason="The WG agreed.")


def test_s3_author_matched_by_account_or_github_handle(world):
    from .factories import SEPAuthorFactory

    account = UserFactory(github="")
    sep = SEPFactory(status=Status.PROPOSAL)
    SEPAuthorFactory(sep=sep, name="Linked", github="", user=account)
    services.sep_withdraw(sep=sep, by=account, reason="Moving elsewhere")
    sep.refresh_from_db()
    assert sep.status == Status.WITHDRAWN


def test_s5_manual_dormant_only_after_90_days_idle(world):
    core = world["people"]["core_maintainer"]
    sep = SEPFactory(status=Status.PROPOSAL, last_activity_at=timezone.now() - timedelta(days=89))
    with pytest.raises(DomainError, match="90 days"):
        services.sep_mark_dormant(sep=sep, by=core, reason="quiet")
    sep.last_activity_at = timezone.now() - timedelta(days=91)
    sep.save()
    services.sep_mark_dormant(sep=sep, by=core, reason="quiet")
    sep.refresh_from_db()
    assert sep.status == Status.DORMANT


def test_s5_dormant_revived_to_proposal_or_draft(world):
    core, maintainer = world["people"]["core_maintainer"], world["people"]["maintainer"]
    a = SEPFactory(status=Status.DORMANT)
    b = SEPFactory(status=Status.DORMANT)
    services.sep_revive(sep=a, by=core, reason="Renewed interest")
    services.sep_revive_sponsored(sep=b, by=maintainer, reason="I will sponsor it now")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.sponsor) == (Status.PROPOSAL, None)
    assert (b.status, b.sponsor) == (Status.DRAFT, maintainer)


@pytest.mark.parametrize("reason", ["", "   "])
def test_s6_every_transition_needs_a_rationale(world, reason):
    sep = SEPFactory(status=Status.IN_REVIEW)
    with pytest.raises(DomainError, match="rationale"):
        services.sep_accept(sep=sep, by=world["people"]["core_maintainer"], reason=reason)
    sep.refresh_from_db()
    assert sep.status == Status.IN_REVIEW
    assert not Event.objects.filter(verb="sep.status_changed").exists()


def test_s6_status_change_recorded_with_who_when_why(world):
    core = world["people"]["core_maintainer"]
    sep = SEPFactory(status=Status.IN_REVIEW, group=world["delegated"])
    services.sep_reject(sep=sep, by=core, reason="Out of scope for the roadmap.")
    ev = Event.objects.get(verb="sep.status_changed")
    assert ev.actor == core
    assert ev.group == world["delegated"]
    assert ev.data == {
        "from": "in-review",
        "to": "rejected",
        "reason": "Out of scope for the roadmap.",
        "number": sep.number,
        "title": sep.title,
    }
    assert abs((ev.created_at - timezone.now()).total_seconds()) < 60


def test_s3_available_lists_only_allowed_steps(world):
    sep = _sep_for("accept", world, "core_maintainer")
    names = {t.name for t in transitions.available(world["people"]["core_maintainer"], sep)}
    assert names == {"accept", "reject", "return_to_draft"}
    assert transitions.available(world["people"]["contributor"], sep) == []


def test_s3_author_edits_metadata_only_while_proposal_or_draft(world):
    author = world["people"]["author"]
    sep = _sep_for("submit", world, "author")  # draft
    services.sep_edit_metadata(sep=sep, by=author, changes={"title": "A clearer title"})
    sep.refresh_from_db()
    assert sep.title == "A clearer title"
    assert Event.objects.filter(verb="sep.edited", target_id=str(sep.pk)).count() == 1
    with pytest.raises(PermissionDenied):
        services.sep_edit_metadata(sep=sep, by=world["people"]["contributor"], changes={"title": "Hijack"})
    sep.status = Status.IN_REVIEW
    sep.save()
    with pytest.raises(DomainError, match="proposal or a draft"):
        services.sep_edit_metadata(sep=sep, by=author, changes={"title": "Too late"})
    sep.refresh_from_db()
    assert sep.title == "A clearer title"


def test_s4_steering_member_adopts_a_draft_without_sponsor(world):
    maintainer = world["people"]["maintainer"]
    orphan = SEPFactory(status=Status.DRAFT, sponsor=None)  # imported: sponsor had no account
    services.sep_sponsor(sep=orphan, by=maintainer, reason="Taking over as sponsor")
    orphan.refresh_from_db()
    assert (orphan.status, orphan.sponsor) == (Status.DRAFT, maintainer)
    taken = SEPFactory(status=Status.DRAFT, sponsor=world["people"]["the_sponsor"])
    with pytest.raises(DomainError, match="already has a sponsor"):
        services.sep_sponsor(sep=taken, by=maintainer, reason="Mine now")
    taken.refresh_from_db()
    assert taken.sponsor == world["people"]["the_sponsor"]
