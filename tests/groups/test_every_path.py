"""Issue 8 for groups: invariants under every actor (G4, T3), importers under the same rules
(G3, G4, G5, T2), organisations counted as one however typed (P2), and the services validating what
the forms validate."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from groups import services
from groups.models import CharterVersion, Group, Membership, Nomination, Participation, Tier
from groups.selectors import organisation_count
from portal.errors import DomainError
from portal.models import Event, LadderRole, User
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .factories import NominationFactory, SponsorshipFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


# --- G4: an active group keeps a lead, whoever acts -----------------------------------------------


@pytest.fixture
def sole(db):
    group = GroupFactory()
    lead = UserFactory(ladder_role=LadderRole.MEMBER)
    row = MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)
    return group, lead, row, core


SOLE_LEAD_PATHS = {
    "membership_set_tier to member": lambda g, lead, row, core: services.membership_set_tier(
        group=g, user=lead, tier=Tier.MEMBER, by=core
    ),
    "membership_set_tier to observer": lambda g, lead, row, core: services.membership_set_tier(
        group=g, user=lead, tier=Tier.OBSERVER, by=core
    ),
    "membership_end": lambda g, lead, row, core: services.membership_end(membership=row, by=core),
    "membership_leave": lambda g, lead, row, core: services.membership_leave(group=g, user=lead),
}


@pytest.mark.parametrize("path", sorted(SOLE_LEAD_PATHS))
def test_g4_the_only_lead_of_an_active_group_is_never_removed(sole, path):
    group, lead, row, core = sole
    with pytest.raises(DomainError, match="only lead"):  # G4, said in words (no rule id on pages)
        SOLE_LEAD_PATHS[path](group, lead, row, core)
    assert Membership.objects.leads().filter(group=group, user=lead).exists()


@pytest.mark.parametrize("path", sorted(SOLE_LEAD_PATHS))
def test_g4_a_lead_with_a_co_lead_may_step_down(sole, path):
    group, lead, row, core = sole
    MembershipFactory(group=group, user=UserFactory(ladder_role=LadderRole.MEMBER), tier=Tier.LEAD)
    SOLE_LEAD_PATHS[path](group, lead, row, core)
    assert not Membership.objects.leads().filter(group=group, user=lead).exists()


def _inline_post(group, lead_row, **row):
    data = {
        "kind": group.kind, "name": group.name, "slug": group.slug, "mission_summary": group.mission_summary,
        "discord_channel": "", "discussion_category": "", "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
        "sponsorships-TOTAL_FORMS": "0", "sponsorships-INITIAL_FORMS": "0",
        "sponsorships-MIN_NUM_FORMS": "0", "sponsorships-MAX_NUM_FORMS": "1000",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": lead_row.pk, "memberships-0-group": group.pk, "memberships-0-user": lead_row.user_id,
        "memberships-0-tier": "lead", "memberships-0-term": "", "memberships-0-note": "",
    }  # fmt: skip
    data.update({f"memberships-0-{k}": v for k, v in row.items()})
    return data


@pytest.mark.parametrize("change", [{"tier": "member"}, {"DELETE": "on"}], ids=["demote", "delete"])
def test_g4_admin_cannot_demote_or_end_the_only_lead(sole, client_for, change):
    group, lead, row, core = sole
    client_for(core).post(f"/admin/groups/group/{group.pk}/change/", _inline_post(group, row, **change))
    assert Membership.objects.leads().filter(group=group, user=lead).exists()


# --- T3: the sweep re-checks the nominee at the deadline ------------------------------------------


@pytest.fixture
def due_nomination(db):
    group = GroupFactory()
    nominee = UserFactory()
    MembershipFactory(group=group, user=nominee, tier=Tier.PARTICIPANT, started_at=timezone.now() - 200 * DAY)
    member = UserFactory()
    MembershipFactory(group=group, user=member, tier=Tier.MEMBER)
    nomination = NominationFactory(group=group, nominee=nominee, nominator=member, opened_at=timezone.now() - 8 * DAY)
    return group, nominee, nomination


def test_t3_a_nominee_who_stepped_down_to_observer_is_not_confirmed_as_member(due_nomination):
    group, nominee, nomination = due_nomination
    services.membership_join(group=group, user=nominee, tier=Tier.OBSERVER)  # during the window
    services.nomination_close(nomination_id=nomination.pk)
    assert Membership.objects.current().get(group=group, user=nominee).tier == Tier.OBSERVER
    nomination.refresh_from_db()
    assert nomination.status != Nomination.Status.CONFIRMED


def test_t3_stepping_down_withdraws_the_nomination_with_a_record(due_nomination):
    group, nominee, nomination = due_nomination
    services.membership_join(group=group, user=nominee, tier=Tier.OBSERVER)
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN
    assert Event.objects.filter(verb="nomination.withdrawn", data__by="nominee").count() == 1


def test_t3_a_nominee_whose_membership_ended_is_not_made_member_by_the_sweep(due_nomination):
    group, nominee, nomination = due_nomination
    Membership.objects.filter(group=group, user=nominee).update(ended_at=timezone.now())  # e.g. ended in the admin
    services.nomination_close(nomination_id=nomination.pk)
    assert not Membership.objects.current().filter(group=group, user=nominee).exists()
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN


def test_t3_a_participant_nominee_is_still_confirmed(due_nomination):
    group, nominee, nomination = due_nomination
    services.nomination_close(nomination_id=nomination.pk)
    assert Membership.objects.current().get(group=group, user=nominee).tier == Tier.MEMBER


# --- G3/G4/G5/T2: importers obey the same rules ---------------------------------------------------

CHARTER = """---
title: {title}
description: Charter for the {title}.
---

## Group Type

**Working Group**

## Mission Statement

We build the thing.

## Leadership

| Role | Name | Organization | GitHub | Term |
| ---- | ---- | ------------ | ------ | ---- |
| Lead | Lee Lead | Example Org | @{lead} | Initial |

## Membership

| Name | Organization | GitHub | Discord | Level |
| ---- | ------------ | ------ | ------- | ----- |
{members}
"""


@pytest.fixture
def importer(db):
    return UserFactory(username="runner", ladder_role=LadderRole.CORE_MAINTAINER, display_name="Rita Runner")


def write(tmp_path, slug="builders", title="Builders Working Group", lead="lee-lead", members=""):
    path = tmp_path / f"{slug}.md"
    path.write_text(CHARTER.format(title=title, lead=lead, members=members))
    return path


def import_json(path, *args):
    out = io.StringIO()
    call_command("import_charters", str(path), "--format", "json", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_g3_importing_a_charter_for_a_proposed_group_without_sponsors_keeps_it_proposed(tmp_path, importer):
    GroupFactory(slug="builders", name="Builders Working Group", state=Group.State.PROPOSED, activated_at=None)
    UserFactory(github="lee-lead", ladder_role=LadderRole.MEMBER)
    rows = import_json(write(tmp_path), "--by", "runner")
    assert Group.objects.get(slug="builders").state == Group.State.PROPOSED
    assert any("stays proposed" in w and "sponsorship" in w for w in rows[0]["warnings"])  # G3, in words


def test_g3_a_new_group_from_a_charter_is_created_proposed_for_the_core_maintainers_queue(
    tmp_path, importer, client_for
):
    UserFactory(github="lee-lead", ladder_role=LadderRole.MEMBER)
    import_json(write(tmp_path), "--by", "runner")
    group = Group.objects.get(slug="builders")
    assert group.state == Group.State.PROPOSED
    assert "Builders Working Group" in client_for(importer).get("/groups/queue/").content.decode()


def test_g3_g4_import_activates_through_the_service_when_sponsorship_and_lead_hold(tmp_path, importer):
    group = GroupFactory(slug="builders", name="Builders Working Group", state=Group.State.PROPOSED, activated_at=None)
    SponsorshipFactory(group=group)
    SponsorshipFactory(group=group)
    UserFactory(github="lee-lead", ladder_role=LadderRole.MEMBER)
    import_json(write(tmp_path), "--by", "runner")
    group.refresh_from_db()
    assert group.state == Group.State.ACTIVE
    assert Event.objects.get(verb="group.activated", group=group).actor == importer


def test_g4_import_does_not_make_a_lead_who_is_not_an_org_wide_member(tmp_path, importer):
    rows = import_json(write(tmp_path, lead="new-face"), "--by", "runner")
    person = User.objects.get(github="new-face")
    assert person.ladder_role == LadderRole.CONTRIBUTOR  # the file does not promote anyone on the ladder
    assert not Membership.objects.leads().filter(user=person).exists()
    assert any("not made lead" in w and "member or above" in w for w in rows[0]["warnings"])  # G4, in words


def test_g4_import_listing_the_only_lead_as_a_member_does_not_demote_them(tmp_path, importer):
    group = GroupFactory(slug="builders", name="Builders Working Group")
    lead = UserFactory(github="old-lead", ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    members = "| Old Lead | Example | @old-lead | | Member |"
    rows = import_json(write(tmp_path, lead="someone-else", members=members), "--by", "runner")
    assert Membership.objects.leads().filter(group=group, user=lead).exists()
    assert any("only lead" in w for w in rows[0]["warnings"])  # G4, in words


def test_g5_an_imported_approval_names_who_ran_the_import(tmp_path, importer):
    import_json(write(tmp_path), "--by", "runner")
    version = CharterVersion.objects.get(group__slug="builders")
    assert version.status == CharterVersion.Status.APPROVED
    assert version.decided_by == importer
    assert "Rita Runner" in version.rationale


def test_t2_imported_memberships_are_the_importers_recorded_action(tmp_path, importer):
    UserFactory(github="lee-lead", ladder_role=LadderRole.MEMBER)
    members = "| Mo Member | Example | @mo-member | | Member |"
    import_json(write(tmp_path, members=members), "--by", "runner")
    events = Event.objects.filter(verb="membership.tier_set")
    assert events.count() == 2
    assert {e.actor_id for e in events} == {importer.pk}


@pytest.mark.parametrize("args", [[], ["--by", "nobody-here"], ["--by", "plain"]], ids=["none", "unknown", "not-core"])
def test_g5_an_import_not_run_by_a_core_maintainer_is_refused_and_writes_nothing(tmp_path, importer, args):
    UserFactory(username="plain", ladder_role=LadderRole.MEMBER)
    with pytest.raises(CommandError):
        import_json(write(tmp_path), *args)
    assert not Group.objects.exists()


def test_g5_a_dry_run_needs_no_importer(tmp_path, db):
    rows = import_json(write(tmp_path), "--dry-run")
    assert rows[0]["error"] is None
    assert not Group.objects.exists()


def test_s6_an_imported_sep_status_change_names_who_ran_the_import(tmp_path, importer):
    from tests.seps.factories import SEPFactory

    SEPFactory(number=1500, status="draft")
    (tmp_path / "1500-thing.md").write_text(
        "# SEP-1500: Thing\n\n- **Status**: In Review\n- **Type**: Process\n- **Created**: 2026-01-01\n"
        "- **Author(s)**: Ann (@ann)\n- **Sponsor**: None\n"
    )
    call_command("import_seps", str(tmp_path), "--by", "runner", stdout=io.StringIO())
    change = Event.objects.get(verb="sep.status_changed")
    assert change.actor == importer


# --- P2: organisations counted as one however they are typed --------------------------------------


def test_p2_acme_typed_three_ways_counts_as_one_organisation(db):
    group = GroupFactory()
    for typed in ("Acme", "ACME", " acme ", "Acme  Inc", "acme inc", ""):
        MembershipFactory(group=group, user=UserFactory(affiliation=typed))
    assert organisation_count(group) == 2


def test_p2_member_lists_show_the_organisation_as_typed(db, client):
    group = GroupFactory()
    MembershipFactory(group=group, user=UserFactory(affiliation=" ACME Labs"), tier=Tier.MEMBER)
    assert "ACME Labs" in client.get(group.get_absolute_url()).content.decode()


# --- services validate what the forms validate ----------------------------------------------------


@pytest.fixture
def g(db):
    group = GroupFactory()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    lead = UserFactory(ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    participant = UserFactory()
    MembershipFactory(group=group, user=participant, tier=Tier.PARTICIPANT, started_at=timezone.now() - 100 * DAY)
    Participation.objects.create(group=group, user=participant, kind="other", occurred_at=timezone.now())
    return group, core, lead, participant


BAD_CALLS = {
    "set_tier term too long": lambda g, core, lead, p: services.membership_set_tier(
        group=g, user=p, tier=Tier.MEMBER, by=core, term="x" * 81
    ),
    "set_tier note too long": lambda g, core, lead, p: services.membership_set_tier(
        group=g, user=p, tier=Tier.MEMBER, by=core, note="x" * 301
    ),
    "set_tier unknown status": lambda g, core, lead, p: services.membership_set_tier(
        group=g, user=p, tier=Tier.MEMBER, by=core, status="sleeping"
    ),
    "nomination rationale too long": lambda g, core, lead, p: services.nomination_open(
        group=g, nominee=p, by=lead, rationale="x" * 4001
    ),
    "nomination rationale only control characters": lambda g, core, lead, p: services.nomination_open(
        group=g, nominee=p, by=lead, rationale="\x00\x0b"
    ),
    "sponsorship note too long": lambda g, core, lead, p: services.sponsorship_record(
        group=g, sponsor=core, by=core, note="x" * 301
    ),
    "retirement rationale too long": lambda g, core, lead, p: services.retirement_propose(
        group=g, by=core, rationale="x" * 4001
    ),
    "charter section too long": lambda g, core, lead, p: services.charter_edit_section(
        version=services.charter_start_amendment(group=g, by=core), by=core, key="mission", text="x" * 40001
    ),
    "charter summary too long": lambda g, core, lead, p: services.charter_submit(
        version=services.charter_start_amendment(group=g, by=core), by=core, summary="x" * 201
    ),
}


@pytest.mark.parametrize("call", sorted(BAD_CALLS))
def test_g5_t2_t3_services_refuse_what_the_forms_refuse(g, call):
    group, core, lead, participant = g
    before = (Membership.objects.count(), Nomination.objects.count(), Event.objects.count())
    with pytest.raises(DomainError):
        BAD_CALLS[call](group, core, lead, participant)
    # nothing but the amendment draft (started on purpose above) was written
    assert (Membership.objects.count(), Nomination.objects.count()) == before[:2]
