"""G2/G3/G4: activation in the admin with sponsorship and lead checks; G7: retirement."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from groups import services
from groups.models import Group, Membership, Nomination, RetirementProposal, Sponsorship, Tier
from portal.errors import DomainError
from portal.models import Event, LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.groups.factories import NominationFactory, SponsorshipFactory
from tests.html import find_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(db):
    return GroupFactory(name="Proposed WG", slug="proposed-wg", state=Group.State.PROPOSED, activated_at=None)


def activate_via_admin(client, group, rationale="Chartered after review"):
    return client.post(
        reverse("admin:groups_group_changelist"),
        {"action": "activate_groups", ACTION_CHECKBOX_NAME: [group.pk], "confirm": "yes", "rationale": rationale},
        follow=True,
    )


def test_g3_activation_refused_without_sponsorship(client_for, proposed, core_maintainer):
    MembershipFactory(group=proposed, tier=Tier.LEAD, user=UserFactory(ladder_role=LadderRole.MEMBER))
    SponsorshipFactory(group=proposed)  # one core maintainer is not enough
    r = activate_via_admin(client_for(core_maintainer), proposed)
    assert "needs sponsorship by 2 core maintainers or 1 lead maintainer" in r.content.decode()
    proposed.refresh_from_db()
    assert proposed.state == Group.State.PROPOSED


@pytest.mark.parametrize(
    "sponsors", [[LadderRole.CORE_MAINTAINER, LadderRole.CORE_MAINTAINER], [LadderRole.LEAD_MAINTAINER]]
)
def test_g3_two_core_or_one_lead_maintainer_sponsorship_activates(client_for, proposed, core_maintainer, sponsors):
    MembershipFactory(group=proposed, tier=Tier.LEAD, user=UserFactory(ladder_role=LadderRole.MEMBER))
    for role in sponsors:
        SponsorshipFactory(group=proposed, sponsor=UserFactory(ladder_role=role))
    c = client_for(core_maintainer)
    confirm = c.post(
        reverse("admin:groups_group_changelist"), {"action": "activate_groups", ACTION_CHECKBOX_NAME: [proposed.pk]}
    )
    assert confirm.status_code == 200
    assert "Rationale" in confirm.content.decode()
    proposed.refresh_from_db()
    assert proposed.state == Group.State.PROPOSED
    activate_via_admin(c, proposed)
    proposed.refresh_from_db()
    assert proposed.state == Group.State.ACTIVE
    assert proposed.activated_at
    ev = Event.objects.get(verb="group.activated")
    assert ev.actor == core_maintainer
    assert ev.data["rationale"] == "Chartered after review"


def test_g4_activation_refused_without_lead_holding_member_status(client_for, proposed, core_maintainer):
    SponsorshipFactory(group=proposed, sponsor=UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER))
    r = activate_via_admin(client_for(core_maintainer), proposed)
    assert "has no lead" in r.content.decode()
    MembershipFactory(group=proposed, tier=Tier.LEAD, user=UserFactory(ladder_role=LadderRole.CONTRIBUTOR))
    r = activate_via_admin(client_for(core_maintainer), proposed)
    assert "holds org-wide member status" in r.content.decode()
    proposed.refresh_from_db()
    assert proposed.state == Group.State.PROPOSED


def test_g3_staff_who_are_not_core_maintainers_cannot_activate(client_for, proposed):
    staff = UserFactory(ladder_role=LadderRole.MAINTAINER, is_staff=True, is_superuser=True)
    SponsorshipFactory(group=proposed, sponsor=UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER))
    MembershipFactory(group=proposed, tier=Tier.LEAD, user=UserFactory(ladder_role=LadderRole.MEMBER))
    r = activate_via_admin(client_for(staff), proposed)
    assert "Only core maintainers activate groups" in r.content.decode()
    proposed.refresh_from_db()
    assert proposed.state == Group.State.PROPOSED
    with pytest.raises(PermissionDenied):
        services.group_activate(group=proposed, by=staff, rationale="x")


def test_g3_sponsorship_recorded_only_for_core_or_lead_maintainers(proposed, core_maintainer, maintainer):
    with pytest.raises(DomainError):
        services.sponsorship_record(group=proposed, sponsor=maintainer, by=core_maintainer)
    services.sponsorship_record(group=proposed, sponsor=core_maintainer, by=core_maintainer, note="Needed")
    services.sponsorship_record(group=proposed, sponsor=core_maintainer, by=core_maintainer)
    assert Sponsorship.objects.filter(group=proposed).count() == 1
    assert Event.objects.filter(verb="group.sponsored").count() == 1


def test_g4_admin_refuses_lead_without_member_status(client_for, proposed, core_maintainer):
    c = client_for(core_maintainer)
    contributor = UserFactory()
    url = reverse("admin:groups_group_change", args=[proposed.pk])
    data = {
        "kind": "wg", "name": proposed.name, "slug": proposed.slug, "mission_summary": "", "discord_channel": "",
        "discussion_category": "", "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
        "sponsorships-TOTAL_FORMS": "0", "sponsorships-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": contributor.pk, "memberships-0-tier": "lead", "memberships-0-status": "active",
        "memberships-0-started_at_0": "2026-01-01", "memberships-0-started_at_1": "00:00:00",
    }  # fmt: skip
    r = c.post(url, data)
    assert r.status_code == 200
    assert "as every lead must be" in r.content.decode()
    assert not Membership.objects.filter(group=proposed).exists()


# --- G7 retirement ----------------------------------------------------------------------------------


def test_g7_retirement_proposed_by_lead_and_approved_by_core(
    client, client_for, group, lead, contributor, core_maintainer
):
    propose = reverse("groups:retire_propose", args=[group.slug])
    assert client.post(propose, {"rationale": "x"}).status_code == 302
    assert client_for(contributor).post(propose, {"rationale": "Done"}).status_code == 403
    client_for(lead).post(propose, {"rationale": ""})
    assert not RetirementProposal.objects.exists()
    client_for(lead).post(propose, {"rationale": "Work finished; SEPs final."})
    p = RetirementProposal.objects.get()
    assert p.status == RetirementProposal.Status.OPEN
    decide = reverse("groups:retire_decide", args=[group.slug, p.pk])
    assert client_for(lead).post(decide, {"decision": "approve", "rationale": "x"}).status_code == 403
    NominationFactory(group=group)
    client_for(core_maintainer).post(decide, {"decision": "approve", "rationale": "Agreed"})
    group.refresh_from_db()
    p.refresh_from_db()
    assert group.state == Group.State.RETIRED
    assert group.retired_at
    assert p.decided_by == core_maintainer
    assert not Nomination.objects.open().exists()
    assert Event.objects.filter(verb="group.retired", group=group).count() == 1


def test_g7_retirement_needs_rationale_and_right(group, maintainer, lead, lead_maintainer):
    with pytest.raises(PermissionDenied):
        services.retirement_propose(group=group, by=maintainer, rationale="x")
    with pytest.raises(DomainError):
        services.retirement_propose(group=group, by=lead, rationale=" ")
    p = services.retirement_propose(group=group, by=lead, rationale="Finished")
    with pytest.raises(DomainError, match="already proposed"):
        services.retirement_propose(group=group, by=lead, rationale="Again")
    services.retirement_decide(proposal=p, by=lead_maintainer, approve=False, rationale="Still needed")
    group.refresh_from_db()
    assert group.state == Group.State.ACTIVE


def test_g2_retired_group_is_browsable_read_only_and_marked_inactive(
    client, client_for, group, lead, seasoned_participant
):
    Group.objects.filter(pk=group.pk).update(state=Group.State.RETIRED)
    r = client.get(group.get_absolute_url())
    body = r.content.decode()
    assert r.status_code == 200
    assert "This group is retired" in body
    assert "Retired" in body
    lead_page = client_for(lead).get(group.get_absolute_url()).content.decode()
    assert "Propose a charter amendment" not in lead_page
    assert "Nominate a participant" not in lead_page
    assert client_for(lead).get(reverse("groups:nominate", args=[group.slug])).status_code == 403
    group.refresh_from_db()
    with pytest.raises((DomainError, PermissionDenied)):
        services.nomination_open(group=group, nominee=seasoned_participant, by=lead, rationale="x")


def test_g3_sponsorship_recorded_in_admin(client_for, proposed, core_maintainer, maintainer):
    c = client_for(core_maintainer)
    url = reverse("admin:groups_sponsorship_add")
    r = c.post(url, {"group": proposed.pk, "sponsor": maintainer.pk, "note": ""})
    assert r.status_code == 200
    assert "only they sponsor groups" in r.content.decode()
    assert not Sponsorship.objects.exists()
    r = c.post(url, {"group": proposed.pk, "sponsor": core_maintainer.pk, "note": "Clear need"})
    assert r.status_code == 302
    s = Sponsorship.objects.get()
    assert s.sponsor == core_maintainer
    assert s.note == "Clear need"
    assert Event.objects.filter(verb="group.sponsored", actor=core_maintainer).count() == 1


def _group_form(group, rows, initial=0):
    data = {
        "kind": group.kind, "name": group.name, "slug": group.slug, "mission_summary": "", "discord_channel": "",
        "discussion_category": "", "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
        "sponsorships-TOTAL_FORMS": "0", "sponsorships-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": str(len(rows)), "memberships-INITIAL_FORMS": str(initial),
    }  # fmt: skip
    for i, row in enumerate(rows):
        data.update({f"memberships-{i}-{k}": v for k, v in row.items()})
    return data


def test_t2_core_maintainer_sets_tiers_in_admin_recorded_with_history(client_for, group, core_maintainer):
    c = client_for(core_maintainer)
    url = reverse("admin:groups_group_change", args=[group.pk])
    new_lead = UserFactory(ladder_role=LadderRole.MEMBER)
    r = c.post(url, _group_form(group, [{"user": new_lead.pk, "tier": "lead", "term": "2027"}]))
    assert r.status_code == 302
    m = Membership.objects.current().get(group=group, user=new_lead)
    assert m.tier == Tier.LEAD
    assert m.term == "2027"
    ev = Event.objects.get(verb="membership.tier_set")
    assert ev.actor == core_maintainer
    assert ev.data["to"] == "lead"
    MembershipFactory(group=group, user=UserFactory(ladder_role=LadderRole.MEMBER), tier=Tier.LEAD)  # G4: a co-lead
    # change the tier: the old row ends, a new one starts
    r = c.post(
        url,
        _group_form(
            group, [{"id": m.pk, "group": group.pk, "user": new_lead.pk, "tier": "member", "term": ""}], initial=1
        ),
    )
    assert r.status_code == 302
    rows = Membership.objects.filter(group=group, user=new_lead).order_by("started_at", "pk")
    assert [(x.tier, x.ended_at is None) for x in rows] == [(Tier.LEAD, False), (Tier.MEMBER, True)]
    # delete = end, never erase
    current = rows.last()
    row = {"id": current.pk, "group": group.pk, "user": new_lead.pk, "tier": "member", "term": "", "DELETE": "on"}
    assert c.post(url, _group_form(group, [row], initial=1)).status_code == 302
    assert Membership.objects.filter(group=group, user=new_lead).count() == 2
    assert not Membership.objects.current().filter(group=group, user=new_lead).exists()
    assert Event.objects.filter(verb="membership.ended", actor=core_maintainer).count() == 1


def test_t2_only_core_maintainers_set_tiers_directly(group, lead, maintainer):
    with pytest.raises(PermissionDenied):
        services.membership_set_tier(group=group, user=UserFactory(), tier=Tier.MEMBER, by=lead)
    with pytest.raises(PermissionDenied):
        services.membership_set_tier(group=group, user=UserFactory(), tier=Tier.MEMBER, by=maintainer)


def test_t1_quorum_counts_active_members_and_leads_not_emeritus(group, ig, make_member):
    from groups import selectors

    lead_m = make_member(group, Tier.LEAD, user=UserFactory(ladder_role=LadderRole.MEMBER))
    member = make_member(group, Tier.MEMBER)
    make_member(group, Tier.MEMBER, status=Membership.Status.EMERITUS)
    make_member(group, Tier.PARTICIPANT)
    make_member(group, Tier.OBSERVER)
    assert {m.pk for m in selectors.quorum_members(group)} == {lead_m.pk, member.pk}
    make_member(ig, Tier.MEMBER)
    assert list(selectors.quorum_members(ig)) == []  # IGs count members only when they adopt the tier
    Group.objects.filter(pk=ig.pk).update(adopts_member_tier=True)
    ig.refresh_from_db()
    assert selectors.quorum_members(ig).count() == 1


def test_g5_admin_pages_open_for_core_maintainers(client_for, group, core_maintainer, contributor):
    from groups.models import CharterVersion
    from tests.groups.factories import CharterVersionFactory

    v = CharterVersionFactory(group=group, number=1)
    SponsorshipFactory(group=group)
    n = NominationFactory(group=group)
    c = client_for(core_maintainer)
    index = c.get(reverse("admin:index")).content.decode()
    assert "Charter versions" in index
    assert "Sponsorships" in index
    for name, args in [
        ("admin:groups_group_changelist", []),
        ("admin:groups_group_change", [group.pk]),
        ("admin:groups_group_add", []),
        ("admin:groups_charterversion_changelist", []),
        ("admin:groups_charterversion_change", [v.pk]),
        ("admin:groups_sponsorship_changelist", []),
        ("admin:groups_nomination_change", [n.pk]),
        ("admin:groups_retirementproposal_changelist", []),
        ("admin:groups_participation_changelist", []),
    ]:
        assert c.get(reverse(name, args=args)).status_code == 200, name
    assert CharterVersion.objects.count() == 1
    assert client_for(contributor).get(reverse("admin:groups_group_changelist")).status_code == 302


def test_g3_g4_confirmation_page_names_refusals_before_asking_for_a_rationale(client_for, proposed, core_maintainer):
    ready = GroupFactory(name="Ready WG", slug="ready-wg", state=Group.State.PROPOSED, activated_at=None)
    SponsorshipFactory(group=ready, sponsor=UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER))
    MembershipFactory(group=ready, tier=Tier.LEAD, user=UserFactory(ladder_role=LadderRole.MEMBER))
    SponsorshipFactory(group=proposed)  # one core maintainer: G3 refuses
    c = client_for(core_maintainer)
    url = reverse("admin:groups_group_changelist")
    page = c.post(url, {"action": "activate_groups", ACTION_CHECKBOX_NAME: [proposed.pk, ready.pk]}).content.decode()
    assert "Refused:</strong> Proposed WG needs sponsorship by 2 core maintainers" in page
    assert "1 of 2 will be activated" in page
    assert len(find_all(page, "textarea", name="rationale")) == 1
    assertInHTML(f'<input type="hidden" name="{ACTION_CHECKBOX_NAME}" value="{ready.pk}">', page)
    assertInHTML(f'<input type="hidden" name="{ACTION_CHECKBOX_NAME}" value="{proposed.pk}">', page, count=0)
    only_refused = c.post(url, {"action": "activate_groups", ACTION_CHECKBOX_NAME: [proposed.pk]}).content.decode()
    assert "nothing to confirm" in only_refused
    assert find_all(only_refused, "textarea", name="rationale") == []
    # confirming anyway: one clear message, the group's name not doubled
    r = activate_via_admin(c, proposed).content.decode()
    assert "Proposed WG: Proposed WG" not in r
    assert "Proposed WG needs sponsorship" in r
    proposed.refresh_from_db()
    assert proposed.state == Group.State.PROPOSED


@pytest.fixture
def retired(group, lead, seasoned_participant, make_member, core_maintainer):
    """A retired group that had a charter, a draft amendment, an open nomination and an emeritus member."""
    from tests.groups.factories import CharterVersionFactory

    CharterVersionFactory(group=group, number=1)
    services.charter_start_amendment(group=group, by=lead)
    services.nomination_open(group=group, nominee=seasoned_participant, by=lead, rationale="Reviews")
    make_member(group, Tier.MEMBER, status=Membership.Status.EMERITUS)
    p = services.retirement_propose(group=group, by=lead, rationale="Done")
    services.retirement_decide(proposal=p, by=core_maintainer, approve=True, rationale="Agreed")
    group.refresh_from_db()
    return group


def _retired_posts(group):
    from groups.models import Nomination

    nomination = Nomination.objects.get(group=group)
    emeritus = Membership.objects.current().get(group=group, status=Membership.Status.EMERITUS)
    proposal = group.retirement_proposals.get()
    text = {"text": "x", "key": "mission", "reason": "x", "rationale": "x", "summary": "x", "decision": "approve"}
    return [
        (reverse("groups:membership", args=[group.slug]), {"action": "join", "tier": "participant"}),
        (reverse("groups:membership", args=[group.slug]), {"action": "change", "tier": "observer"}),
        (reverse("groups:membership", args=[group.slug]), {"action": "leave"}),
        (reverse("groups:charter_amend", args=[group.slug]), {}),
        (reverse("groups:charter_edit", args=[group.slug, 2]), text),
        (reverse("groups:charter_submit", args=[group.slug, 2]), text),
        (reverse("groups:nominate", args=[group.slug]), {**text, "nominee": nomination.nominee_id}),
        (reverse("groups:nomination_object", args=[group.slug, nomination.pk]), text),
        (reverse("groups:nomination_withdraw", args=[group.slug, nomination.pk]), {}),
        (reverse("groups:member_restore", args=[group.slug, emeritus.pk]), {}),
        (reverse("groups:retire_propose", args=[group.slug]), text),
        (reverse("groups:retire_decide", args=[group.slug, proposal.pk]), text),
    ]


@pytest.mark.parametrize("who", ["lead", "core_maintainer"])
def test_g2_retired_group_refuses_every_change_and_shows_no_action(request, client_for, retired, who):
    from django.contrib.messages import get_messages

    from groups.models import CharterVersion, Nomination, Objection, RetirementProposal

    user = request.getfixturevalue(who)
    if who == "core_maintainer":  # a core maintainer in the group too: the strongest rights
        Membership.objects.create(group=retired, user=user, tier=Tier.PARTICIPANT)
    c = client_for(user)
    page = c.get(retired.get_absolute_url()).content.decode()
    labels = ("Join", "Leave", "Become", "Nominate", "Propose a charter amendment", "Propose retirement", "Restore")
    for label in labels:
        assert f">{label}" not in page, label

    def state():
        rows = [Membership, CharterVersion, Nomination, Objection, RetirementProposal, Event]
        return [list(m.objects.order_by("pk").values()) for m in rows] + [Group.objects.get(pk=retired.pk).version]

    before = state()
    for url, data in _retired_posts(retired):
        r = c.post(url, data)
        assert r.status_code in (302, 400, 403), url
        if r.status_code == 302:
            assert any(m.level_tag == "error" for m in get_messages(r.wsgi_request)), url
        assert state() == before, url


def test_g3_withdrawn_sponsorship_is_recorded(client_for, proposed, core_maintainer):
    s = SponsorshipFactory(group=proposed, note="Needed")
    c = client_for(core_maintainer)
    r = c.post(reverse("admin:groups_sponsorship_delete", args=[s.pk]), {"post": "yes"})
    assert r.status_code == 302
    assert not Sponsorship.objects.exists()
    ev = Event.objects.get(verb="group.sponsorship_withdrawn")
    assert ev.actor == core_maintainer
    assert ev.group_id == proposed.pk
    assert ev.data["sponsor"] == s.sponsor_id


def test_g1_a_group_cannot_take_a_slug_the_portal_uses(client_for, core_maintainer, tmp_path):
    from django.core.management import CommandError, call_command

    r = client_for(core_maintainer).post(
        reverse("admin:groups_group_add"),
        {"kind": "wg", "name": "Queue WG", "slug": "queue", "sponsorships-TOTAL_FORMS": "0",
         "sponsorships-INITIAL_FORMS": "0", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert r.status_code == 200
    assert "/groups/queue/ is a page of the portal" in r.content.decode()
    (tmp_path / "queue.md").write_text(
        "---\ntitle: Queue\n---\n\n## Group Type\n\n**Working Group**\n\n## Mission Statement\n\nQ.\n"
    )
    with pytest.raises(CommandError):
        call_command("import_charters", str(tmp_path))
    assert not Group.objects.filter(slug="queue").exists()


def test_g7_retirement_closes_open_nominations_and_drafts_on_the_record(retired, core_maintainer):
    from groups.models import CharterVersion, Nomination

    n = Nomination.objects.get(group=retired)
    assert n.status == Nomination.Status.WITHDRAWN
    assert n.closed_by == core_maintainer
    assert n.closed_at
    assert Event.objects.filter(verb="nomination.withdrawn", group=retired, data__by="retirement").count() == 1
    draft = CharterVersion.objects.get(group=retired, number=2)
    assert draft.status == CharterVersion.Status.REJECTED
    assert "retired" in draft.rationale
    assert Event.objects.filter(verb="charter.rejected", group=retired).count() == 1
