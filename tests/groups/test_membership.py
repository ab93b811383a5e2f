"""T1/T2: joining, changing tier between observer and participant, leaving; history kept."""

import pytest
from django.urls import reverse

from groups import services
from groups.models import Group, Membership, Tier
from portal.errors import DomainError
from portal.models import Event

pytestmark = pytest.mark.django_db


def url(group):
    return reverse("groups:membership", args=[group.slug])


def test_t2_anonymous_join_redirects_to_login(client, group):
    r = client.post(url(group), {"action": "join", "tier": "participant"})
    assert r.status_code == 302
    assert "/accounts/login/" in r["Location"]
    assert not Membership.objects.exists()


def test_t2_signed_in_joins_as_participant_plain_post(client_for, contributor, group):
    r = client_for(contributor).post(url(group), {"action": "join", "tier": "participant"})
    assert r.status_code == 302
    assert r["Location"] == group.get_absolute_url()
    m = Membership.objects.current().get(group=group, user=contributor)
    assert m.tier == Tier.PARTICIPANT
    assert m.status == Membership.Status.ACTIVE
    assert Event.objects.filter(verb="membership.joined", group=group, actor=contributor).count() == 1


def test_t2_join_htmx_returns_the_panel(client_for, contributor, group, htmx_headers):
    r = client_for(contributor).post(url(group), {"action": "join", "tier": "observer"}, **htmx_headers)
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="membership-panel"' in body
    assert "<html" not in body
    assert "You are now an observer of Transport Working Group" in body
    assert Membership.objects.current().get(group=group, user=contributor).tier == Tier.OBSERVER


def test_t2_change_tier_keeps_history(client_for, contributor, group):
    c = client_for(contributor)
    c.post(url(group), {"action": "join", "tier": "observer"})
    c.post(url(group), {"action": "change", "tier": "participant"})
    rows = Membership.objects.filter(group=group, user=contributor).order_by("started_at", "pk")
    assert [r.tier for r in rows] == [Tier.OBSERVER, Tier.PARTICIPANT]
    assert rows[0].ended_at is not None
    assert rows[1].ended_at is None
    assert Event.objects.filter(verb="membership.tier_changed", group=group).count() == 1


def test_t2_leave_ends_the_row(client_for, contributor, group, htmx_headers):
    c = client_for(contributor)
    c.post(url(group), {"action": "join", "tier": "participant"})
    r = c.post(url(group), {"action": "leave"}, **htmx_headers)
    assert r.status_code == 200
    assert not Membership.objects.current().filter(group=group, user=contributor).exists()
    assert Membership.objects.filter(group=group, user=contributor, ended_at__isnull=False).count() == 1


@pytest.mark.parametrize("tier", ["member", "lead", "bogus"])
def test_t2_cannot_self_join_as_member_or_lead(client_for, contributor, group, tier, htmx_headers):
    r = client_for(contributor).post(url(group), {"action": "join", "tier": tier}, **htmx_headers)
    assert r.status_code == 200  # htmx swaps the panel with the error in it
    assert 'role="alert"' in r.content.decode()
    assert "observer or participant" in r.content.decode()
    plain = client_for(contributor).post(url(group), {"action": "join", "tier": tier}, follow=True)
    assert "observer or participant" in plain.content.decode()
    assert not Membership.objects.filter(group=group, user=contributor).exists()


def test_t2_member_cannot_downgrade_self_by_join(client_for, group, make_member):
    m = make_member(group, Tier.MEMBER)
    r = client_for(m.user).post(url(group), {"action": "change", "tier": "observer"}, follow=True)
    assert "only through the group" in r.content.decode()
    assert Membership.objects.current().get(group=group, user=m.user).tier == Tier.MEMBER


def test_t2_service_refuses_duplicate_join(contributor, group):
    services.membership_join(group=group, user=contributor, tier=Tier.PARTICIPANT)
    with pytest.raises(DomainError):
        services.membership_join(group=group, user=contributor, tier=Tier.PARTICIPANT)
    assert Membership.objects.filter(group=group, user=contributor).count() == 1


def test_g4_last_lead_cannot_leave_active_group(client_for, group, lead):
    r = client_for(lead).post(url(group), {"action": "leave"}, follow=True)
    assert "only lead" in r.content.decode()
    assert Membership.objects.leads().filter(group=group, user=lead).exists()


def test_g2_retired_group_refuses_join(client_for, contributor, group):
    Group.objects.filter(pk=group.pk).update(state=Group.State.RETIRED)
    r = client_for(contributor).post(url(group), {"action": "join", "tier": "participant"}, follow=True)
    assert "retired" in r.content.decode()
    assert not Membership.objects.filter(group=group).exists()


def test_t1_one_current_membership_is_a_database_constraint(group, contributor):
    from django.db import IntegrityError, transaction

    Membership.objects.create(group=group, user=contributor, tier=Tier.OBSERVER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(group=group, user=contributor, tier=Tier.PARTICIPANT)


def test_t1_concurrent_join_race_is_a_clear_error(contributor, group):
    from unittest import mock

    with mock.patch("groups.services.memberships._lock_current", return_value=None):
        services.membership_join(group=group, user=contributor, tier=Tier.OBSERVER)
        with pytest.raises(DomainError, match="already in"):
            services.membership_join(group=group, user=contributor, tier=Tier.PARTICIPANT)
    assert Membership.objects.current().filter(group=group, user=contributor).count() == 1
