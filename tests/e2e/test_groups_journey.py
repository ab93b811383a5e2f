"""Browser journey for groups (G1, T2, T3, G5, G6): find, join, nominate, amend, approve in the admin."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import CharterVersion, Membership, Nomination, Tier
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.groups.factories import CharterVersionFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_g1_t2_t3_g6_groups_journey(page, live_server, sign_in, shot):
    wg = GroupFactory(name="Streaming Working Group", slug="streaming", kind="wg", mission_summary="Partial results")
    GroupFactory(name="Gardening Interest Group", slug="gardening", kind="ig")
    lead = UserFactory(display_name="Rhea Lead", ladder_role=LadderRole.MEMBER)
    MembershipFactory(group=wg, user=lead, tier=Tier.LEAD, started_at=timezone.now() - timedelta(days=300))
    CharterVersionFactory(group=wg, number=1, sections={"mission": "Streaming results, first version."})
    contributor = UserFactory(display_name="Casey Contributor")
    core = UserFactory(display_name="Core Carla", ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)

    # A contributor finds the group through the directory filter (htmx, URL updated) and joins.
    sign_in(page, contributor)
    page.goto(f"{live_server.url}/groups/")
    expect(page.get_by_role("link", name="Gardening Interest Group")).to_be_visible()
    page.get_by_label("Kind").select_option("wg")
    expect(page.get_by_role("link", name="Gardening Interest Group")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/groups/?q=&kind=wg&state=")
    page.get_by_role("link", name="Streaming Working Group").click()
    page.get_by_label("Join as").select_option("participant")
    page.get_by_role("button", name="Join Streaming Working Group").click()
    expect(page.locator("#membership-panel")).to_contain_text("You are now a participant of Streaming Working Group")
    shot(page, "groups-joined")
    assert Membership.objects.current().get(group=wg, user=contributor).tier == Tier.PARTICIPANT

    # The lead nominates the new participant, overriding the 90-day check with a written reason.
    page.context.clear_cookies()
    sign_in(page, lead)
    page.goto(f"{live_server.url}/groups/streaming/")
    page.get_by_role("link", name="Nominate a participant to member").click()
    page.get_by_label("Participant to nominate").select_option(label=f"Casey Contributor (@{contributor.github})")
    page.get_by_label("Why this person").fill("Casey prototyped chunked results in two SDKs.")
    page.get_by_label("Override reason (leads only)").fill("Short tenure, but leads our prototype.")
    page.get_by_role("button", name="Nominate").click()
    expect(page.locator("#countdown")).to_contain_text("Objection window closes in")
    shot(page, "groups-nominated")
    n = Nomination.objects.get(group=wg, nominee=contributor)
    assert n.status == Nomination.Status.OPEN
    assert n.override_reason

    # The lead proposes a charter amendment, previews a section and submits it.
    page.goto(f"{live_server.url}/groups/streaming/")
    page.get_by_role("button", name="Propose a charter amendment").click()
    mission = page.get_by_label("Mission Statement (markdown)")
    mission.fill("Streaming results, **second** version.")
    page.locator("#section-mission").get_by_role("button", name="Preview Mission Statement").click()
    expect(page.locator("#preview-mission strong")).to_have_text("second")
    # one form: the mission typed above is saved by "Submit for approval" itself (no per-section save)
    page.get_by_label("What this amendment changes").fill("Sharper mission")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".messages")).to_contain_text("submitted")
    assert CharterVersion.objects.get(group=wg, number=2).status == CharterVersion.Status.SUBMITTED

    # A core maintainer approves it in the admin with a rationale; the group page shows version 2.
    page.context.clear_cookies()
    sign_in(page, core)
    page.goto(f"{live_server.url}/admin/groups/charterversion/")
    page.locator("tbody tr", has_text="Submitted for approval").locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("approve_versions")
    page.get_by_role("button", name="Run").click()
    page.get_by_label("Rationale (recorded)").fill("Clearer and within scope.")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved: 1")
    page.goto(f"{live_server.url}/groups/streaming/")
    expect(page.locator("#charter-mission")).to_contain_text("Streaming results, second version.")
    expect(page.get_by_text("Version 2")).to_be_visible()
    shot(page, "groups-charter-approved")
    v2 = CharterVersion.objects.get(group=wg, number=2)
    assert v2.status == CharterVersion.Status.APPROVED
    assert v2.decided_by == core
