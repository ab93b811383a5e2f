"""Pages and forms for D1-D5 and G8: the view ladder (anonymous, wrong role, right role, htmx) and budgets."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import decision_tasks
from groups.deadlines import Quarter
from groups.models import Ballot, Escalation, Group, Proposal, QuarterlyReport, ReportSection, Tier, Vote
from groups.services import decisions, escalations, reports
from portal.errors import DomainError
from portal.models import Event, LadderRole
from portal.validation import clean_text
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .decision_helpers import DAY, make_wg, open_proposal, open_vote

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
# Anonymous: group, open proposals, votes, decided (count + page), escalations, reports, events, + slack 1
DECISIONS_PAGE_BUDGET = 9


def _deadline_field(days):
    return timezone.localtime(timezone.now() + days * DAY).strftime("%Y-%m-%dT%H:%M")


# --- the decisions page -----------------------------------------------------------------------------------


def test_d1_decisions_page_lists_open_proposals_with_countdown_in_viewer_zone(client, client_for):
    group, lead, members = make_wg()
    p = open_proposal(group, lead, title="Adopt chunked results")
    viewer = members[0]
    viewer.timezone = "Asia/Tokyo"
    viewer.save()
    page = client_for(viewer).get(reverse("groups:decisions", args=[group.slug])).content.decode()
    assert "Adopt chunked results" in page
    local = timezone.localtime(p.deadline, timezone=__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert local.strftime("%H:%M") + " JST" in page
    assert "(in 5 days" in page
    assert client.get(reverse("groups:decisions", args=[group.slug])).status_code == 200  # public


def test_d1_group_page_links_to_decisions(client):
    group, lead, _ = make_wg()
    open_proposal(group, lead)
    page = client.get(group.get_absolute_url()).content.decode()
    assert reverse("groups:decisions", args=[group.slug]) in page
    assert "1 open proposal" in page


# --- open a proposal (D1): ladder ----------------------------------------------------------------------------


def test_d1_open_proposal_view_ladder(client, client_for):
    group, lead, members = make_wg()
    url = reverse("groups:proposal_new", args=[group.slug])
    data = {"title": "New transport", "kind": "minor", "body": "Use **it**.", "deadline": _deadline_field(6)}
    assert client.post(url, data).status_code == 302 and not Proposal.objects.exists()  # to sign-in
    assert client_for(members[0]).post(url, data).status_code == 403
    assert client_for(members[0]).get(url).status_code == 403
    assert client_for(lead).get(url).status_code == 200
    r = client_for(lead).post(url, data)
    p = Proposal.objects.get()
    assert r.status_code == 302 and r["Location"] == p.get_absolute_url()
    assert p.body_html == "<p>Use <strong>it</strong>.</p>\n"
    r = client_for(lead).post(url, {**data, "title": "Via htmx"}, **HX)
    assert r.status_code == 204 and r["HX-Redirect"].startswith(f"/groups/{group.slug}/decisions/")


def test_d1_too_short_deadline_is_refused_in_the_form_with_the_earliest_date(client_for):
    group, lead, _ = make_wg()
    url = reverse("groups:proposal_new", args=[group.slug])
    data = {"title": "Big change", "kind": "significant", "body": "x", "deadline": _deadline_field(6)}
    r = client_for(lead).post(url, data)
    assert r.status_code == 400
    assert "at least 10 days" in r.content.decode() and "earliest allowed" in r.content.decode()
    assert not Proposal.objects.exists()
    r = client_for(lead).post(url, data, **HX)
    assert r.status_code == 200 and "earliest allowed" in r.content.decode()


def test_d1_bad_input_changes_nothing(client_for):
    group, lead, _ = make_wg()
    url = reverse("groups:proposal_new", args=[group.slug])
    for data in (
        {"title": "", "kind": "minor", "body": "x", "deadline": _deadline_field(6)},
        {"title": "T", "kind": "huge", "body": "x", "deadline": _deadline_field(6)},
        {"title": "T", "kind": "minor", "body": "   ", "deadline": _deadline_field(6)},
        {"title": "T", "kind": "minor", "body": "x", "deadline": "tomorrow-ish"},
    ):
        assert client_for(lead).post(url, data).status_code == 400
    assert not Proposal.objects.exists()


def test_d1_retired_group_page_takes_no_proposals(client_for):
    group, lead, _ = make_wg(state=Group.State.RETIRED)
    assert client_for(lead).get(reverse("groups:proposal_new", args=[group.slug])).status_code == 403
    page = client_for(lead).get(reverse("groups:decisions", args=[group.slug])).content.decode()
    assert "takes no proposals or votes" in page


# --- block (D2) and request vote (D3): ladder ----------------------------------------------------------------


def test_d2_block_view_ladder(client, client_for):
    group, lead, members = make_wg()
    participant = MembershipFactory(group=group, tier=Tier.PARTICIPANT).user
    p = open_proposal(group, lead)
    url = reverse("groups:proposal_block", args=[group.slug, p.pk])
    data = {"objection": "Breaks old clients", "alternative": "Add a version flag"}
    assert client.post(url, data).status_code == 302 and not p.blocks.exists()
    assert client_for(participant).post(url, data).status_code == 403
    r = client_for(members[0]).post(url, {"objection": "Only this"})
    assert r.status_code == 400 and "alternative or criteria" in r.content.decode()
    assert not p.blocks.exists()
    r = client_for(members[0]).post(url, data, **HX)
    assert r.status_code == 200 and "A formal vote is open" in r.content.decode()
    assert 'id="proposal-panel-inner"' in r.content.decode() and "<html" not in r.content.decode()
    p.refresh_from_db()
    assert p.status == Proposal.Status.VOTING


def test_d2_block_without_js_redirects_back(client_for):
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    url = reverse("groups:proposal_block", args=[group.slug, p.pk])
    r = client_for(members[0]).post(url, {"objection": "No", "alternative": "Later"})
    assert r.status_code == 302 and r["Location"] == p.get_absolute_url()


def test_d3_request_vote_view_ladder(client, client_for):
    group, lead, members = make_wg()
    outsider = UserFactory()
    p = open_proposal(group, lead)
    url = reverse("groups:proposal_request_vote", args=[group.slug, p.pk])
    assert client.post(url).status_code == 302
    assert client_for(outsider).post(url).status_code == 403
    r = client_for(members[0]).post(url, **HX)
    assert r.status_code == 200 and "1 of 3 member requests" in r.content.decode()
    r = client_for(lead).post(url)
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.vote.trigger == Vote.Trigger.LEAD


def test_d2_withdraw_view_ladder(client, client_for):
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    url = reverse("groups:proposal_withdraw", args=[group.slug, p.pk])
    assert client.post(url).status_code == 302
    assert client_for(members[0]).post(url).status_code == 403
    assert client_for(lead).post(url, **HX).status_code == 200
    p.refresh_from_db()
    assert p.status == Proposal.Status.WITHDRAWN


# --- ballots (D4): ladder and the public tally ---------------------------------------------------------------


def test_d4_ballot_view_ladder(client, client_for):
    group, lead, members = make_wg()
    p, vote = open_vote(group, lead)
    late = MembershipFactory(group=group, tier=Tier.MEMBER).user
    url = reverse("groups:ballot_cast", args=[group.slug, p.pk])
    data = {"choice": "yes", "rationale": "Solid plan"}
    assert client.post(url, data).status_code == 302 and not Ballot.objects.exists()
    assert client_for(late).post(url, data).status_code == 403
    r = client_for(members[0]).post(url, {"choice": "yes", "rationale": ""})
    assert r.status_code == 400 and "Every vote carries a rationale" in r.content.decode()
    r = client_for(members[0]).post(url, data, **HX)
    assert r.status_code == 200 and "Your vote is recorded" in r.content.decode()
    assert Ballot.objects.get().voter == members[0]
    r = client_for(members[1]).post(url, {"choice": "maybe", "rationale": "x"})
    assert r.status_code == 400 and Ballot.objects.count() == 1


def test_d4_proposal_without_vote_has_no_ballot_url(client_for):
    group, lead, members = make_wg()
    p = open_proposal(group, lead)
    url = reverse("groups:ballot_cast", args=[group.slug, p.pk])
    assert client_for(members[0]).post(url, {"choice": "yes", "rationale": "x"}).status_code == 404


def test_d4_proposal_page_shows_tally_quorum_outcome_and_who_voted_what(client):
    group, lead, members = make_wg(n_members=2)
    p, vote = open_vote(group, lead, kind="scope")
    decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="Scope is right")
    decisions.ballot_cast(vote=vote, by=members[1], choice="abstain", rationale="Conflicted")
    page = client.get(p.get_absolute_url()).content.decode()
    assert "2 of 3 eligible voted; 2 needed (50%)" in page
    assert "two thirds of yes and no (scope change)" in page
    assert "Abstentions count towards quorum but not towards the majority" in page
    assert f"{members[0].name}</strong> voted <strong>yes" in page
    assert "Conflicted" in page
    with time_machine.travel(vote.closes_at + DAY, tick=False):
        decision_tasks.sweep_votes()
        page = client.get(p.get_absolute_url()).content.decode()
    assert 'id="vote-outcome">Passed' in page


def test_d4_voter_sees_votes_waiting_on_the_dashboard(client_for):
    group, lead, members = make_wg()
    p, _ = open_vote(group, lead)
    page = client_for(members[0]).get(reverse("portal:dashboard")).content.decode()
    assert "Votes waiting for you" in page and p.title in page
    outsider = UserFactory()
    assert "Votes waiting for you" not in client_for(outsider).get(reverse("portal:dashboard")).content.decode()


# --- escalations (D5): contest, designate, respond -----------------------------------------------------------


def _escalated():
    group, lead, members = make_wg()
    p, vote = open_vote(group, lead)
    with time_machine.travel(vote.closes_at + timedelta(minutes=1), tick=False):
        decision_tasks.sweep_votes()
    return group, lead, members, Escalation.objects.get(proposal=p)


def test_d5_contest_view_ladder(client, client_for):
    group, lead, members = make_wg(n_members=2)
    p, vote = open_vote(group, lead)
    for u in members:
        decisions.ballot_cast(vote=vote, by=u, choice="yes", rationale="ok")
    with time_machine.travel(vote.closes_at + DAY, tick=False):
        decision_tasks.sweep_votes()
    url = reverse("groups:proposal_contest", args=[group.slug, p.pk])
    data = {"options": "Keep or revert", "disagreement": "Only two voted"}
    assert client.post(url, data).status_code == 302
    assert client_for(members[0]).post(url, data).status_code == 403
    assert client_for(lead).post(url, {"options": "x", "disagreement": " "}).status_code == 400
    r = client_for(lead).post(url, data, **HX)
    assert r.status_code == 200 and "Escalated to the core maintainers" in r.content.decode()
    assert Escalation.objects.get(proposal=p).reason == Escalation.Reason.CONTESTED


def test_d5_designate_view_ladder_with_affiliation_warning(client, client_for):
    group, lead, _, esc = _escalated()
    lead.affiliation = "Kestrel Cloud"
    lead.save()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, affiliation="kestrel cloud ")
    url = reverse("groups:escalation_designate", args=[group.slug, esc.pk])
    assert client.post(url, {"designee": core.pk}).status_code == 302
    assert client_for(lead).post(url, {"designee": core.pk}).status_code == 403
    assert client_for(core).post(url, {"designee": lead.pk}).status_code == 400  # not a core maintainer
    r = client_for(core).post(url, {"designee": core.pk}, follow=True)
    assert r.status_code == 200 and "shares the affiliation" in r.content.decode()
    r = client_for(core).post(url, {"designee": core.pk}, **HX)
    assert r.status_code == 200 and 'id="affiliation-warning"' in r.content.decode()
    esc.refresh_from_db()
    assert esc.designee == core


def test_d5_respond_view_ladder(client, client_for):
    group, lead, _, esc = _escalated()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    other = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    escalations.escalation_designate(escalation=esc, designee=core, by=core)
    url = reverse("groups:escalation_respond", args=[group.slug, esc.pk])
    data = {"kind": "guidance", "text": "Adopt it with a version flag."}
    assert client.post(url, data).status_code == 302
    assert client_for(other).post(url, data).status_code == 403
    assert client_for(core).post(url, {"kind": "guidance", "text": ""}).status_code == 400
    r = client_for(core).post(url, data, **HX)
    assert r.status_code == 200 and "Binding guidance" in r.content.decode()
    esc.refresh_from_db()
    assert esc.status == Escalation.Status.RESOLVED


def test_d5_overdue_escalations_are_listed_for_core_maintainers(client_for):
    group, _, _, esc = _escalated()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    with time_machine.travel(esc.first_response_due + DAY, tick=False):
        decision_tasks.sweep_escalations()
        dash = client_for(core).get(reverse("portal:dashboard")).content.decode()
        health = client_for(core).get(reverse("portal:health")).content.decode()
    assert "Open escalations" in dash and "Overdue" in dash
    assert esc.get_absolute_url() in health


# --- reports (G8): open, edit, publish; public once published --------------------------------------------------

Q = Quarter(end=date(2026, 10, 31))
FULL = {key: f"About {label}" for key, label in ReportSection.choices}


def _wg_for_reports():
    group, lead, members = make_wg()
    Group.objects.filter(pk=group.pk).update(activated_at=datetime(2026, 8, 1, tzinfo=UTC))
    return group, lead, members


def test_g8_report_open_and_edit_view_ladder(client, client_for):
    group, lead, members = _wg_for_reports()
    with time_machine.travel(datetime(2026, 10, 20, tzinfo=UTC), tick=False):
        open_url = reverse("groups:report_open", args=[group.slug])
        assert client.post(open_url, {"quarter": "2026-10"}).status_code == 302
        assert client_for(members[0]).post(open_url, {"quarter": "2026-10"}).status_code == 403
        assert not QuarterlyReport.objects.exists()
        r = client_for(lead).post(open_url, {"quarter": "2026-10"})
        edit_url = reverse("groups:report_edit", args=[group.slug, "2026-10"])
        assert r.status_code == 302 and r["Location"] == edit_url
        assert client_for(members[0]).get(edit_url).status_code == 403
        assert client_for(lead).get(edit_url).status_code == 200
        r = client_for(lead).post(edit_url, {**FULL, "action": "save"}, **HX)
        assert r.status_code == 200 and "Draft saved" in r.content.decode()
        report_url = reverse("groups:report", args=[group.slug, "2026-10"])
        assert client.get(report_url).status_code == 404  # drafts are not public
        r = client_for(lead).post(edit_url, {**FULL, "action": "publish"})
        assert r.status_code == 302 and r["Location"] == report_url
        page = client.get(report_url).content.decode()
    assert "About Resource needs" in page and "Published" in page
    assert "Meetings held" in page  # the portal's own figures travel with the report
    assert "2026-10" in client.get(group.get_absolute_url()).content.decode()


def test_g8_publishing_with_an_empty_section_is_refused_in_the_form(client_for):
    group, lead, _ = _wg_for_reports()
    with time_machine.travel(datetime(2026, 10, 20, tzinfo=UTC), tick=False):
        reports.report_open(group=group, quarter=Q, by=lead)
        r = client_for(lead).post(
            reverse("groups:report_edit", args=[group.slug, "2026-10"]), {**FULL, "priorities": "", "action": "publish"}
        )
    assert r.status_code == 400 and "Upcoming priorities" in r.content.decode()
    assert QuarterlyReport.objects.get().status == QuarterlyReport.Status.DRAFT


def test_g8_bad_quarter_urls_are_404(client, client_for):
    group, lead, _ = _wg_for_reports()
    for q in ("2026-11", "abc", "2026-1-1", "99999-10"):
        assert client.get(f"/groups/{group.slug}/reports/{q}/").status_code == 404
        assert client_for(lead).get(f"/groups/{group.slug}/reports/{q}/edit/").status_code == 404


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=200))
def test_d1_free_text_reaches_the_page_escaped_and_the_markdown_sanitized(client, text):
    group = Group.objects.filter(slug="prop-text").first() or make_wg(slug="prop-text", name="Prop text WG")[0]
    lead = group.memberships.get(tier=Tier.LEAD).user
    before = Proposal.objects.count()
    title = clean_text(text, label="t", required=False, one_line=True)
    try:
        p = decisions.proposal_open(
            group=group, by=lead, title=text[:200], body=text + "\n<script>x()</script>", kind="minor",
            deadline=timezone.now() + 6 * DAY,
        )  # fmt: skip
    except DomainError as exc:  # only control characters: refused with a message, nothing stored
        assert not title and "required" in exc.message
        assert Proposal.objects.count() == before
        return
    r = client.get(p.get_absolute_url())
    assert r.status_code == 200
    assert escape(p.title) in r.content.decode()
    assert "<script" not in p.body_html
    listing = client.get(reverse("groups:decisions", args=[group.slug]))
    assert escape(p.title) in listing.content.decode()


# --- query budgets that hold with 500 groups ------------------------------------------------------------------


def _many_groups(n=500):
    Group.objects.bulk_create(
        [
            Group(kind="wg", name=f"Bulk {i:03d}", slug=f"bulk-{i:03d}", state="active", activated_at=timezone.now())
            for i in range(n)
        ]  # fmt: skip
    )


def test_d1_decisions_page_query_budget_does_not_grow(client, client_for, django_assert_max_num_queries):
    _many_groups()
    group, lead, members = make_wg(n_members=4)
    for i in range(12):
        open_proposal(group, lead, title=f"Open {i}")
    for _ in range(6):
        p, vote = open_vote(group, lead)
        decisions.ballot_cast(vote=vote, by=members[0], choice="yes", rationale="fine")
    for p in Proposal.objects.filter(status="open")[:4]:
        Proposal.objects.filter(pk=p.pk).update(
            status="accepted", decided_at=timezone.now(), decided_by="lazy_consensus"
        )
    c = client_for(members[1])
    url = reverse("groups:decisions", args=[group.slug])
    with django_assert_max_num_queries(14):
        assert c.get(url).status_code == 200
    with django_assert_max_num_queries(DECISIONS_PAGE_BUDGET):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(url + "?page=1", **HX).status_code == 200


def test_d4_proposal_page_query_budget_does_not_grow_with_ballots(client_for, django_assert_max_num_queries):
    group, lead, members = make_wg(n_members=30)
    p, vote = open_vote(group, lead)
    for u in members:
        decisions.ballot_cast(vote=vote, by=u, choice="no", rationale="no thanks")
    c = client_for(members[0])
    with django_assert_max_num_queries(14):
        assert c.get(p.get_absolute_url()).status_code == 200


def test_health_page_ladder_and_query_budget_with_500_groups(client, client_for, django_assert_max_num_queries):
    _many_groups()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    group, lead, _ = make_wg()
    open_vote(group, lead)
    url = reverse("portal:health")
    assert client.get(url).status_code == 302
    assert client_for(lead).get(url).status_code == 403
    c = client_for(core)
    with django_assert_max_num_queries(14):
        r = c.get(url)
    assert r.status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get(url + "?page=5", **HX).status_code == 200
    page = r.content.decode()
    assert "Every group (501)" in page and "Page 1 of 11" in page
    assert "Meetings held per quarter" in page  # text alternative of a chart


def test_health_figures_count_what_they_link_to(client_for):
    from tests.meetings.factories import MeetingFactory

    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    group = GroupFactory(name="Aardvark WG", slug="aardvark")
    start = timezone.now() - 3 * DAY
    MeetingFactory(group=group, starts_at=start, published_at=start - 10 * DAY)
    MeetingFactory(group=group, starts_at=start - DAY, published_at=start - 2 * DAY)
    Event.objects.create(group=group, verb="group.note", created_at=start)  # activity in this quarter only
    r = client_for(core).get(reverse("portal:health"))
    row = r.content.decode().split("Aardvark WG")[1].split("</tr>")[0]
    assert '<a href="/meetings/?group=aardvark&amp;when=past">2</a>' in row
    assert "50% (1 of 2)" in row
    assert 'href="/seps/?group=aardvark">0</a>' in row
    # G7 activity by quarter: every quarter in the text alternative, a bar only where there was any
    spark = row.split("<svg")[1].split("</svg>")[0]
    counts = [int(n) for n in re.findall(r": (\d+)[;.]", spark)]
    assert spark.count("<rect") == sum(1 for n in counts if n) >= 1
    assert counts[-1] >= 1  # this quarter's event
    assert len(re.findall(r": \d+[;.]", spark)) == 4
