"""seed_demo groups and the bench data set (G1, T3) stay loadable and fast."""

import io

import pytest
from django.core.management import call_command

from groups import bench
from groups.models import CharterVersion, Group, Membership, Nomination
from tests.groups.test_decision_pages import DECISIONS_PAGE_BUDGET
from tests.groups.test_pages import DIRECTORY_BUDGET, GROUP_PAGE_BUDGET

pytestmark = pytest.mark.django_db


def test_g1_seed_demo_adds_a_dozen_groups_of_both_kinds(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert Group.objects.count() == 12
    assert set(Group.objects.values_list("kind", flat=True)) == {"wg", "ig"}
    assert set(Group.objects.values_list("state", flat=True)) == {"proposed", "active", "retired"}
    assert CharterVersion.objects.approved().count() == 12
    assert CharterVersion.objects.filter(status="submitted").count() == 1
    assert Nomination.objects.open().count() == 3
    assert Membership.objects.leads().count() >= 12
    for group in Group.objects.all():
        assert client.get(group.get_absolute_url()).status_code == 200
    call_command("seed_demo", stdout=io.StringIO())  # a second run adds nothing
    assert Group.objects.count() == 12


def test_g1_t5_budgets_hold_with_500_groups_and_5000_members(client, django_assert_max_num_queries):
    bench.seed()
    assert Group.objects.filter(slug__startswith=bench.PREFIX).count() == 500
    assert Membership.objects.filter(group__slug__startswith=bench.PREFIX).count() == 5000
    bench.seed()
    assert Group.objects.filter(slug__startswith=bench.PREFIX).count() == 500
    for label, path in bench.urls():
        budget = {"group page": GROUP_PAGE_BUDGET, "group decisions page": DECISIONS_PAGE_BUDGET}.get(
            label, DIRECTORY_BUDGET
        )
        with django_assert_max_num_queries(budget):
            assert client.get(path).status_code == 200
