"""Issue #14 in a real browser: buttons inside shared fragments (the header's Sign out, the member
table's Restore) post forms kept outside the fragment through the `form` attribute, each with this
browser's CSRF token, also when another viewer's visit stored the fragment."""

import pytest
from playwright.sync_api import expect

from groups.models import Membership, Tier
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_14_restore_and_sign_out_post_from_shared_fragments(page, browser, live_server, sign_in, shot):
    group = GroupFactory(name="Shared Fragments WG", slug="shared")
    emeritus = MembershipFactory(
        group=group, tier=Tier.MEMBER, status=Membership.Status.EMERITUS, user=UserFactory(display_name="Emma Eritus")
    )
    first, second = (UserFactory(ladder_role=LadderRole.CORE_MAINTAINER) for _ in range(2))
    other = browser.new_context()  # another core maintainer's visit stores the header and the table
    try:
        sign_in(other.new_page(), first)
        other.pages[0].goto(f"{live_server.url}/groups/shared/")
        expect(other.pages[0].get_by_role("button", name="Restore")).to_be_visible()
    finally:
        other.close()

    sign_in(page, second)
    page.goto(f"{live_server.url}/groups/shared/")
    page.get_by_role("button", name="Restore").click()
    expect(page.locator("#messages")).to_contain_text("Emma Eritus is an active member again.")
    assert Membership.objects.current().get(user=emeritus.user, group=group).status == Membership.Status.ACTIVE
    shot(page, "restored-from-a-shared-table")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/dashboard/")
