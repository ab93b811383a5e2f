"""G4, T2 with DESIGN 12: a charter seats people by verified handle; a typed claim takes no seat."""

import io

import pytest
from django.core.management import call_command

from groups.models import Group, Membership, Tier
from portal.models import Event, LadderRole, User
from tests.factories import UnverifiedUserFactory, UserFactory
from tests.github_signin import github_sign_in

pytestmark = pytest.mark.django_db

CHARTER = """---
title: Identity Charter
description: Charter for the MCP Identity Working Group.
---

## Mission Statement

The Identity Working Group checks who people are.

## Leadership

| Role | Name          | Organization | GitHub                                 | Term    |
| ---- | ------------- | ------------ | -------------------------------------- | ------- |
| Lead | Lee Leader    | Northpeak    | [@lee-leader](https://github.com/lee-leader) | Initial |

## Membership

| Name        | Organization | GitHub        | Discord | Level  |
| ----------- | ------------ | ------------- | ------- | ------ |
| Mo Member   | Acme         | @mo-member    | mo#1    | Member |
"""


def import_charter(tmp_path):
    folder = tmp_path / "working-groups"
    folder.mkdir(exist_ok=True)
    (folder / "identity.md").write_text(CHARTER)
    if not User.objects.filter(username="importer").exists():
        UserFactory(username="importer", ladder_role=LadderRole.CORE_MAINTAINER)  # imports name who ran them
    call_command("import_charters", str(tmp_path), "--by", "importer", stdout=io.StringIO())
    return Group.objects.get(slug="identity")


def test_g4_charter_import_typed_handle_takes_no_lead_seat(tmp_path):
    claimant = UnverifiedUserFactory(github="lee-leader")
    group = import_charter(tmp_path)
    assert not Membership.objects.filter(user=claimant).exists()
    # the handle's placeholder is known from GitHub, but not an org-wide member: no lead seat either (G4)
    assert User.objects.get(github="lee-leader", is_placeholder=True)
    assert not Membership.objects.leads().filter(group=group).exists()


def test_t2_charter_import_typed_handle_takes_no_member_seat(tmp_path):
    claimant = UnverifiedUserFactory(github="mo-member")
    group = import_charter(tmp_path)
    assert not Membership.objects.filter(user=claimant).exists()
    assert Membership.objects.current().get(group=group, tier=Tier.MEMBER).user.is_placeholder


def test_g4_charter_import_seats_the_verified_owner(tmp_path):
    lee = UserFactory(github="Lee-Leader", ladder_role=LadderRole.MEMBER)  # G4: an org-wide member
    group = import_charter(tmp_path)
    assert Membership.objects.leads().get(group=group).user == lee


def test_g4_charter_import_placeholders_once_recorded_and_idempotent(tmp_path):
    import_charter(tmp_path)
    before = (User.objects.count(), Membership.objects.count(), Event.objects.count())
    import_charter(tmp_path)
    assert (User.objects.count(), Membership.objects.count(), Event.objects.count()) == before
    created = Event.objects.filter(verb="person.placeholder_created")
    assert sorted(e.data["handle"] for e in created) == ["lee-leader", "mo-member"]
    assert {e.data["source"] for e in created} == {"charter import"}


def test_t2_member_seat_follows_the_github_sign_in(tmp_path):
    # (a placeholder never holds a lead seat: it is not an org-wide member, G4; a member seat it may hold)
    group = import_charter(tmp_path)
    github_sign_in("mo-member", 5150)
    me = User.objects.get(github_id=5150)
    assert Membership.objects.current().get(group=group, tier=Tier.MEMBER).user == me
    assert me.affiliation == "Acme"
