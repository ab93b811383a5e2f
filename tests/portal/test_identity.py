"""DESIGN 12 / RULES P3: a GitHub handle identifies a person only when verified; one matching function."""

import pytest
from django.db import IntegrityError, transaction

from groups.models import Membership, Participation, Sponsorship, Tier
from portal.errors import DomainError
from portal.identity import (
    confirm_github,
    merge_placeholder,
    people_for_handles,
    person_for_handle,
    verified_handle,
)
from portal.models import Event, GithubVerification, LadderRole, Role, RoleArea, RoleKind, User
from tests.factories import (
    GroupFactory,
    MembershipFactory,
    ParticipationFactory,
    PlaceholderFactory,
    UnverifiedUserFactory,
    UserFactory,
)
from tests.github_signin import github_sign_in

pytestmark = pytest.mark.django_db


# --- the one matching function ------------------------------------------------------------------


@pytest.mark.parametrize("written", ["octo", "OCTO", "@Octo", "https://github.com/octo/", "github.com/Octo"])
def test_p3_verified_handle_is_found_in_any_case_and_form(written):
    owner = UserFactory(github="Octo")
    assert person_for_handle(written) == owner


def test_p3_typed_handle_matches_nobody():
    UnverifiedUserFactory(github="octo")
    assert person_for_handle("octo") is None


def test_p3_typed_handle_is_not_matched_even_when_creating_placeholders():
    claimant = UnverifiedUserFactory(github="octo")
    person = person_for_handle("octo", create_placeholder=True, source="test")
    assert person != claimant
    assert person.is_placeholder


def test_p3_placeholder_is_matched():
    placeholder = PlaceholderFactory(github="known-one")
    assert person_for_handle("Known-One") == placeholder


def test_p3_placeholder_created_once_with_defaults_and_recorded():
    first = person_for_handle("newcomer", create_placeholder=True, source="charter import",
                              defaults={"display_name": "New Comer", "affiliation": "Acme"})  # fmt: skip
    again = person_for_handle("NEWCOMER", create_placeholder=True, source="charter import")
    assert again == first
    assert first.is_placeholder
    assert first.github == "newcomer"
    assert first.display_name == "New Comer"
    assert first.affiliation == "Acme"
    assert not first.has_usable_password()
    assert first.github_verified_at is None
    events = Event.objects.filter(verb="person.placeholder_created")
    assert [e.data for e in events] == [{"handle": "newcomer", "source": "charter import"}]


def test_p3_no_placeholder_without_asking():
    assert person_for_handle("nobody-here") is None
    assert not User.objects.filter(github__iexact="nobody-here").exists()


@pytest.mark.parametrize("bad", ["", "   ", "-leading", "has space", "under_score", "x" * 40, "@", "dot.ted"])
def test_p3_what_is_not_a_github_login_matches_nothing_and_creates_nothing(bad):
    before = User.objects.count()
    assert person_for_handle(bad, create_placeholder=True, source="test") is None
    assert User.objects.count() == before


def test_p3_people_for_handles_is_one_query_for_many(django_assert_num_queries):
    people = [UserFactory(github=f"many{i}") for i in range(6)]
    PlaceholderFactory(github="many-placeholder")
    UnverifiedUserFactory(github="many-typed")
    with django_assert_num_queries(1):
        found = people_for_handles([f"@many{i}" for i in range(6)] + ["many-placeholder", "many-typed"])
    assert [found[f"many{i}"] for i in range(6)] == people
    assert "many-placeholder" in found
    assert "many-typed" not in found


def test_p3_verified_handle_helper():
    assert verified_handle(UserFactory(github="Mixed-Case")) == "mixed-case"
    assert verified_handle(UnverifiedUserFactory(github="typed")) == ""
    assert verified_handle(PlaceholderFactory(github="holder")) == "holder"


# --- database constraints -------------------------------------------------------------------------


def test_p3_two_accounts_cannot_verify_one_handle_in_any_case():
    UserFactory(github="octo")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(github="OCTO")


def test_p3_placeholder_and_verified_owner_cannot_share_a_handle():
    UserFactory(github="octo")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaceholderFactory(github="Octo")


def test_p3_typed_claims_may_repeat_they_grant_nothing():
    UserFactory(github="octo")
    UnverifiedUserFactory(github="octo")
    UnverifiedUserFactory(github="OCTO")
    assert User.objects.by_github("octo").count() == 3


def test_p3_a_placeholder_is_never_verified():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaceholderFactory(github_verified_at="2026-01-01T00:00Z", github_verified_via=GithubVerification.CONFIRMED)


# --- GitHub sign-in verifies ------------------------------------------------------------------------


def test_p3_github_sign_up_verifies_the_login():
    github_sign_in("Octo", 1001, name="Octo Cat")
    user = User.objects.get(github_id=1001)
    assert user.github == "Octo"
    assert user.github_verified_via == GithubVerification.SIGN_IN
    assert user.github_verified_at is not None
    assert user.display_name == "Octo Cat"
    assert Event.objects.filter(verb="person.github_verified", target_id=str(user.pk)).exists()


def test_p3_each_github_sign_in_refreshes_the_login():
    github_sign_in("octo", 1002)
    github_sign_in("octo-renamed", 1002)
    user = User.objects.get(github_id=1002)
    assert user.github == "octo-renamed"
    assert person_for_handle("octo") is None
    assert person_for_handle("octo-renamed") == user


def test_p3_second_sign_in_without_change_records_nothing_new():
    github_sign_in("steady", 1003)
    before = Event.objects.count()
    github_sign_in("steady", 1003)
    assert Event.objects.count() == before


def test_p3_connecting_github_to_an_account_verifies_it_and_replaces_the_typed_claim():
    person = UnverifiedUserFactory(github="what-i-typed")
    github_sign_in("real-login", 1004, user=person, process="connect")
    person.refresh_from_db()
    assert person.github == "real-login"
    assert person.github_verified_via == GithubVerification.SIGN_IN


def test_p3_sign_in_leaves_another_accounts_typed_claim_unverified_and_unmerged():
    squatter = UnverifiedUserFactory(github="octo", ladder_role=LadderRole.CORE_MAINTAINER)
    github_sign_in("octo", 1005)
    owner = User.objects.get(github_id=1005)
    squatter.refresh_from_db()
    assert squatter.is_active
    assert squatter.github_verified_at is None
    assert squatter.merged_into is None
    assert owner.ladder_role == LadderRole.CONTRIBUTOR  # nothing of the claimant's came along
    assert person_for_handle("octo") == owner


def test_p3_sign_in_takes_a_login_another_account_had_verified_and_records_it():
    previous = UserFactory(github="passed-on")  # GitHub renamed; the login now belongs to another account
    github_sign_in("passed-on", 1006)
    previous.refresh_from_db()
    assert previous.github_verified_at is None
    assert Event.objects.filter(verb="person.github_unverified", target_id=str(previous.pk)).exists()


# --- placeholder merge ------------------------------------------------------------------------------


@pytest.fixture
def busy_placeholder():
    from meetings.models import Attendance
    from seps.models import SEPAuthor
    from tests.meetings.factories import MeetingFactory
    from tests.seps.factories import SEPFactory

    ph = PlaceholderFactory(github="busy-one", display_name="Busy One", ladder_role=LadderRole.CORE_MAINTAINER)
    group = GroupFactory()
    MembershipFactory(group=group, user=ph, tier=Tier.LEAD)
    Role.objects.create(person=ph, kind=RoleKind.CORE_MAINTAINER, area=RoleArea.ORG, source="MAINTAINERS.md")
    sep = SEPFactory(sponsor=ph)
    SEPAuthor.objects.create(sep=sep, name="Busy One", github="busy-one", user=ph)
    Sponsorship.objects.create(group=group, sponsor=ph)
    meeting = MeetingFactory(group=group)
    Attendance.objects.create(meeting=meeting, user=ph)
    ParticipationFactory(group=group, user=ph, kind=Participation.Kind.ATTENDANCE)
    Event.objects.create(actor=ph, verb="test.did_something")
    return {"placeholder": ph, "group": group, "sep": sep, "meeting": meeting}


def test_p3_github_sign_in_merges_the_placeholder_everything_follows(busy_placeholder):
    ph = busy_placeholder["placeholder"]
    github_sign_in("Busy-One", 2001)
    me = User.objects.get(github_id=2001)
    assert me.pk != ph.pk
    assert me.memberships.get().tier == Tier.LEAD
    assert me.roles.get().kind == RoleKind.CORE_MAINTAINER
    assert me.sep_authorships.get().sep == busy_placeholder["sep"]
    assert busy_placeholder["sep"].__class__.objects.get(pk=busy_placeholder["sep"].pk).sponsor == me
    assert me.sponsorships.get().group == busy_placeholder["group"]
    assert me.meeting_attendances.get().meeting == busy_placeholder["meeting"]
    assert me.participations.count() == 1
    assert Event.objects.filter(verb="test.did_something", actor=me).exists()
    assert me.ladder_role == LadderRole.CORE_MAINTAINER
    assert me.display_name == "Busy One"


def test_p3_merged_placeholder_is_retired_and_the_merge_recorded(busy_placeholder):
    ph = busy_placeholder["placeholder"]
    github_sign_in("busy-one", 2002)
    me = User.objects.get(github_id=2002)
    ph.refresh_from_db()
    assert ph.merged_into == me
    assert not ph.is_active
    assert ph.github == ""
    event = Event.objects.get(verb="person.placeholder_merged")
    assert event.target_id == str(me.pk)
    assert event.data["handle"] == "busy-one"
    assert event.data["moved"]["groups.membership.user"] == 1


def test_g4_merge_keeps_the_higher_seat_current_and_ends_the_other_never_deletes():
    group = GroupFactory()
    ph = PlaceholderFactory(github="two-seats")
    MembershipFactory(group=group, user=ph, tier=Tier.LEAD)
    me = UserFactory(github="two-seats-typed", github_verified_at=None, github_verified_via="")
    MembershipFactory(group=group, user=me, tier=Tier.PARTICIPANT)
    github_sign_in("two-seats", 2003, user=me, process="connect")
    rows = Membership.objects.filter(group=group, user=me)
    assert rows.count() == 2
    assert rows.current().get().tier == Tier.LEAD
    assert rows.exclude(ended_at=None).get().tier == Tier.PARTICIPANT


def test_m5_merge_keeps_a_meeting_attended_by_both_once():
    from meetings.models import Attendance
    from tests.meetings.factories import MeetingFactory

    meeting = MeetingFactory()
    ph = PlaceholderFactory(github="twice-there")
    me = UnverifiedUserFactory(github="")
    Attendance.objects.create(meeting=meeting, user=ph)
    Attendance.objects.create(meeting=meeting, user=me)
    github_sign_in("twice-there", 2004, user=me, process="connect")
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert Attendance.objects.get(meeting=meeting).user == me


def test_p1_merge_keeps_one_open_role_per_kind_and_scope():
    ph = PlaceholderFactory(github="double-role")
    me = UnverifiedUserFactory(github="")
    for person in (ph, me):
        Role.objects.create(person=person, kind=RoleKind.MAINTAINER, area=RoleArea.SDK, scope="Java SDK")
    github_sign_in("double-role", 2005, user=me, process="connect")
    assert me.roles.current().count() == 1
    assert me.roles.count() == 2


def test_p3_a_typed_claim_is_never_merged_into():
    typed = UnverifiedUserFactory(github="typed-claim")
    with pytest.raises(DomainError):
        merge_placeholder(placeholder=typed, into=UserFactory())
    typed.refresh_from_db()
    assert typed.is_active


# --- a core maintainer's confirmation -----------------------------------------------------------


def test_p3_core_maintainer_confirms_a_typed_handle_recorded(core_maintainer):
    person = UnverifiedUserFactory(github="please-confirm")
    confirm_github(user=person, by=core_maintainer, reason="Checked on a call")
    person.refresh_from_db()
    assert person.github_verified_via == GithubVerification.CONFIRMED
    event = Event.objects.get(verb="person.github_confirmed")
    assert event.actor == core_maintainer
    assert event.data == {"handle": "please-confirm", "reason": "Checked on a call"}


@pytest.mark.parametrize("role", [LadderRole.CONTRIBUTOR, LadderRole.MEMBER, LadderRole.MAINTAINER])
def test_p3_only_core_maintainers_confirm(role):
    from django.core.exceptions import PermissionDenied

    person = UnverifiedUserFactory(github="not-by-you")
    with pytest.raises(PermissionDenied):
        confirm_github(user=person, by=UserFactory(ladder_role=role))
    person.refresh_from_db()
    assert person.github_verified_at is None


def test_p3_confirmation_refused_when_another_account_verified_the_handle(core_maintainer):
    UserFactory(github="taken-handle")
    person = UnverifiedUserFactory(github="taken-handle")
    with pytest.raises(DomainError, match="already verified"):
        confirm_github(user=person, by=core_maintainer)


def test_p3_confirmation_merges_the_placeholder_of_that_handle(core_maintainer):
    ph = PlaceholderFactory(github="confirmed-later")
    MembershipFactory(user=ph, tier=Tier.MEMBER)
    person = UnverifiedUserFactory(github="confirmed-later")
    confirm_github(user=person, by=core_maintainer)
    assert person.memberships.count() == 1
    ph.refresh_from_db()
    assert ph.merged_into == person


# --- data migration and demo --------------------------------------------------------------------


def test_p3_data_migration_marks_existing_handles_unverified():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("portal.migrations.0004_github_identity_roles")
    person = UserFactory(github="from-before")
    migration.existing_handles_unverified(apps, None)
    person.refresh_from_db()
    assert person.github_verified_at is None
    assert person.github == "from-before"


def test_p3_demo_people_are_verified():
    from portal.demo import seed_people

    people = seed_people()
    assert all(p.github_verified_at for p in people.values())


def test_p3_demo_people_loaded_before_verification_are_verified_by_seed_demo():
    from portal.demo import seed_people, verify_demo_people

    people = seed_people()
    User.objects.filter(pk=people["lena"].pk).update(github_verified_at=None, github_verified_via="")
    impostor = UnverifiedUserFactory(username="not-lena", github="lenaokafor")
    assert verify_demo_people() == 1
    assert User.objects.get(pk=people["lena"].pk).github_verified_via == GithubVerification.DEMO
    impostor.refresh_from_db()
    assert impostor.github_verified_at is None
