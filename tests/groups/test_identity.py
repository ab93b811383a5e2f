"""G4, T2 with DESIGN 12: a charter seats people by verified handle; a typed claim takes no seat."""

import io

import pytest
from django.core.management import call_command

from groups.models import Group, Membership, Tier
from portal.models import Event, User
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
    call_command("import_charters", str(tmp_path), stdout=io.StringIO())
    return Group.objects.get(slug="identity")


def test_g4_charter_import_typed_handle_takes_no_lead_seat(tmp_path):
    claimant = UnverifiedUserFactory(github="lee-leader")
    group = import_charter(tmp_path)
    assert not Membership.objects.filter(user=claimant).exists()
    lead = Membership.objects.leads().get(group=group).user
    assert lead.is_placeholder
    assert lead.github == "lee-leader"


def test_t2_charter_import_typed_handle_takes_no_member_seat(tmp_path):
    claimant = UnverifiedUserFactory(github="mo-member")
    group = import_charter(tmp_path)
    assert not Membership.objects.filter(user=claimant).exists()
    assert Membership.objects.current().get(group=group, tier=Tier.MEMBER).user.is_placeholder


def test_g4_charter_import_seats_the_verified_owner(tmp_path):
    lee = UserFactory(github="Lee-Leader")
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


def test_g4_lead_seat_follows_the_github_sign_in(tmp_path):
    group = import_charter(tmp_path)
    github_sign_in("lee-leader", 5150)
    me = User.objects.get(github_id=5150)
    assert Membership.objects.leads().get(group=group).user == me
    assert me.affiliation == "Northpeak"
