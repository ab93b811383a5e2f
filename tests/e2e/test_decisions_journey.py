"""D1-D4 in a real browser: a lead opens a proposal, a member blocks it, the vote opens, members vote,
the result is shown."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Ballot, Proposal, Tier, Vote
from groups.services import decisions
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
SLOW = 15_000  # a shared 2-core machine: server round trips may take a while


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_d1_d2_d3_d4_proposal_block_vote_result_journey(page, live_server, sign_in, shot):
    group = GroupFactory(name="Streaming Results WG", slug="streaming-results")
    lead = UserFactory(display_name="Rhea Lead", ladder_role=LadderRole.MEMBER, timezone="Europe/Berlin")
    ana = UserFactory(display_name="Ana Member", timezone="America/Sao_Paulo")
    omar = UserFactory(display_name="Omar Member")
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD, started_at=timezone.now() - timedelta(days=300))
    for m in (ana, omar):
        MembershipFactory(group=group, user=m, tier=Tier.MEMBER, started_at=timezone.now() - timedelta(days=200))

    # The lead opens a significant proposal; a deadline 6 days out is refused naming the earliest date.
    sign_in(page, lead)
    page.goto(f"{live_server.url}/groups/streaming-results/decisions/")
    page.get_by_role("link", name="Open a proposal").click()
    page.get_by_label("Title").fill("Chunked tool results")
    page.get_by_label("Kind").select_option("significant")
    page.get_by_label("Proposal (markdown)").fill("Tools may return **partial** results.")
    short = (timezone.now() + timedelta(days=6)).astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Deadline for objections").fill(short)
    page.get_by_role("button", name="Open the proposal").click()
    expect(page.locator("#proposal-form")).to_contain_text("earliest allowed", timeout=SLOW)
    ok = (timezone.now() + timedelta(days=11)).astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Deadline for objections").fill(ok)
    page.get_by_role("button", name="Open the proposal").click()
    expect(page.locator("h1")).to_have_text("Chunked tool results", timeout=SLOW)
    expect(page.locator("#countdown")).to_contain_text("Accepted by lazy consensus in", timeout=SLOW)
    proposal = Proposal.objects.get(group=group)
    assert proposal.kind == "significant" and proposal.status == Proposal.Status.OPEN

    # A member blocks it with an objection and an alternative: the formal vote opens (htmx panel swap).
    page.context.clear_cookies()
    sign_in(page, ana)
    page.goto(f"{live_server.url}{proposal.get_absolute_url()}")
    page.get_by_label("Your objection").fill("Old clients cannot parse partial results.")
    page.get_by_label("Proposed alternative or criteria for resolution").fill("Negotiate a capability first.")
    page.get_by_role("button", name="Block").click()
    expect(page.locator("#proposal-panel-inner")).to_contain_text("A formal vote is open", timeout=SLOW)
    expect(page.locator("#vote")).to_contain_text("0 of 3 eligible voted; 2 needed", timeout=SLOW)

    # Members vote, each with a rationale.
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Rationale (public)").fill("Needs the capability first.")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#ballots")).to_contain_text("Ana Member voted no", timeout=SLOW)
    shot(page, "decisions-vote-open")
    for voter, choice in ((omar, "Yes"), (lead, "Yes")):
        page.context.clear_cookies()
        sign_in(page, voter)
        page.goto(f"{live_server.url}{proposal.get_absolute_url()}")
        page.get_by_label(choice, exact=True).check()
        page.get_by_label("Rationale (public)").fill(f"{voter.name} agrees.")
        page.get_by_role("button", name="Cast my vote").click()
        expect(page.locator("#ballots")).to_contain_text(f"{voter.name} voted yes", timeout=SLOW)
    assert Ballot.objects.filter(vote__proposal=proposal).count() == 3

    # The close-time sweep counts; the page shows the tally, quorum and the outcome.
    vote = Vote.objects.get(proposal=proposal)
    decisions.vote_close(vote_id=vote.pk, now=vote.closes_at)
    page.reload()
    expect(page.locator("#vote-outcome")).to_have_text("Passed", timeout=SLOW)
    expect(page.locator("#tally")).to_contain_text("3 of 3 eligible voted", timeout=SLOW)
    expect(page.locator("#proposal-status")).to_have_text("Accepted", timeout=SLOW)
    shot(page, "decisions-vote-result")
