"""Browser journey (S3, S6): filter SEPs, open one, the sponsor moves it to review, a core maintainer accepts."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import LadderRole
from seps.models import SEPType, Status
from tests.factories import GroupFactory, UserFactory
from tests.seps.factories import SEPAuthorFactory, SEPFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_s3_s6_sep_journey_filter_open_review_accept(page, browser, live_server, sign_in, shot):
    transport = GroupFactory(name="Transport WG", slug="transport-wg")
    other = GroupFactory(name="Agents WG", slug="agents-wg")
    contributor = UserFactory(ladder_role=LadderRole.CONTRIBUTOR)
    sponsor = UserFactory(ladder_role=LadderRole.MAINTAINER, display_name="Sam Sponsor")
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, display_name="Cora Core")
    target = SEPFactory(number=4242, title="Resumable streams", status=Status.DRAFT, group=transport, sponsor=sponsor,
                        type=SEPType.STANDARDS, body="## Abstract\n\nResume a stream.\n\n## Motivation\n\nDrops.")  # fmt: skip
    SEPAuthorFactory(sep=target, name="Ada Writer", github="adaw")
    SEPFactory(number=4243, title="Agents draft", status=Status.DRAFT, group=other, sponsor=sponsor)
    SEPFactory(number=4244, title="Transport final", status=Status.FINAL, group=transport)

    # A contributor filters by group and status (htmx in place, URL shareable) and opens the SEP.
    sign_in(page, contributor)
    page.goto(f"{live_server.url}/seps/")
    page.get_by_label("Group").select_option("transport-wg")
    page.get_by_label("Status").select_option("draft")
    expect(page).to_have_url(re.compile(r"group=transport-wg.*status=draft|status=draft.*group=transport-wg"))
    results = page.locator("#sep-results")
    expect(results).to_contain_text("Resumable streams")
    expect(results).not_to_contain_text("Agents draft")
    expect(results).not_to_contain_text("Transport final")
    shot(page, "seps-index-filtered")
    results.get_by_role("link", name="Resumable streams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SEP-4242: Resumable streams")
    expect(page.locator(".sep-outline")).to_contain_text("Motivation")
    expect(page.locator(".sep-actions")).to_have_count(0)  # a contributor has no steps to take

    # The sponsor moves it to review.
    sponsor_ctx = browser.new_context()
    sponsor_page = sponsor_ctx.new_page()
    sign_in(sponsor_page, sponsor)
    sponsor_page.goto(f"{live_server.url}/seps/4242/")
    form = sponsor_page.locator("form[action$='/submit/']")
    form.get_by_label("Rationale").fill("Reviewed with the WG; ready for core review.")
    form.get_by_role("button", name="Move to review").click()
    expect(sponsor_page.locator("[data-status]")).to_have_text("In review")
    expect(sponsor_page.locator(".sep-timeline")).to_contain_text("Draft → in review")

    # A core maintainer accepts it; the timeline shows both steps with who and why.
    sponsor_ctx.close()
    core_ctx = browser.new_context()
    core_page = core_ctx.new_page()
    sign_in(core_page, core)
    core_page.goto(f"{live_server.url}/seps/review/")
    expect(core_page.locator("#sep-queue")).to_contain_text("Resumable streams")
    core_page.get_by_role("link", name="SEP-4242").click()
    form = core_page.locator("form[action$='/accept/']")
    form.get_by_label("Rationale").fill("Accepted at the bi-weekly review.")
    form.get_by_role("button", name="Accept").click()
    expect(core_page.locator("[data-status]")).to_have_text("Accepted")
    timeline = core_page.locator(".sep-timeline")
    expect(timeline).to_contain_text("Draft → in review")
    expect(timeline).to_contain_text("In review → accepted")
    expect(timeline).to_contain_text("Sam Sponsor")
    expect(timeline).to_contain_text("Cora Core")
    expect(timeline).to_contain_text("Accepted at the bi-weekly review.")
    shot(core_page, "seps-accepted-timeline")
    core_ctx.close()
    target.refresh_from_db()
    assert target.status == Status.ACCEPTED
