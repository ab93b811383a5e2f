"""What landed after the API was first built, through the API and the MCP tools: maintainers' roles (P1),
a group's decisions with their outcomes (D1-D4: tallies, never who voted how) and published quarterly
reports (G8). Query budgets that hold with many rows; ETags like the rest."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .api_world import build_world
from .test_mcp import call

LIST_BUDGET = 6


@pytest.fixture
def world(db):
    return build_world()


def items(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.content[:300]
    return r.json()["items"]


# --- decisions (D1-D4) ----------------------------------------------------------------------------------
def test_d1_decisions_newest_first_with_deadline_status_and_how_decided(client, world):
    rows = items(client, "/api/groups/transports/decisions")
    assert [(d["title"], d["status"], d["decided_by"]) for d in rows] == [
        ("Adopt the streaming profile", "open", None),
        ("Change the scope", "accepted", "vote"),
        ("Meet fortnightly", "accepted", "lazy_consensus"),
    ]
    assert rows[0]["deadline"] and rows[0]["opened_by"]["name"] == "Lena Lead"


def test_d2_a_block_is_counted_never_shown(client, world):
    (open_,) = items(client, "/api/groups/transports/decisions?status=open")
    assert open_["blocks"] == 1 and open_["vote"] is None
    assert "SECRET-BLOCK" not in json.dumps(open_)


def test_d4_a_vote_gives_its_tally_quorum_and_outcome_never_the_voters(client, world):
    (voted,) = items(client, "/api/groups/transports/decisions?kind=scope")
    assert voted["vote"] == {
        "trigger": "lead", "opened_at": voted["vote"]["opened_at"], "closes_at": voted["vote"]["closes_at"],
        "state": "closed", "scope_change": True, "eligible": 3, "quorum": 2, "yes": 2, "no": 0, "abstain": 1,
        "outcome": "passed",
    }  # fmt: skip
    text = json.dumps(voted)
    assert "SECRET-VOTER-NAME" not in text and "SECRET-BALLOT-RATIONALE" not in text and "voter" not in text


def test_d1_one_decision_has_its_text_as_markdown_and_html(client, world):
    body = client.get(f"/api/groups/transports/decisions/{world.open_proposal.pk}").json()
    assert (body["markdown"], body["html"]) == ("We adopt **it**.", "<p>We adopt <strong>it</strong>.</p>")


def test_a_decision_of_another_group_is_404(client, world):
    r = client.get(f"/api/groups/finance-ig/decisions/{world.open_proposal.pk}")
    assert r.status_code == 404 and "no decision" in r.json()["detail"]


def test_decisions_of_an_unknown_group_is_404(client, world):
    assert client.get("/api/groups/nope/decisions").status_code == 404


def test_decisions_bad_status_is_422(client, world):
    assert client.get("/api/groups/transports/decisions?status=secret").status_code == 422


def test_decisions_answer_304_to_their_etag(client, world):
    etag = client.get("/api/groups/transports/decisions")["ETag"]
    assert client.get("/api/groups/transports/decisions", HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- quarterly reports (G8) -----------------------------------------------------------------------------
def test_g8_only_published_reports_section_by_section(client, world):
    (report,) = items(client, "/api/groups/transports/reports")
    assert report["quarter_end"] == "2026-07-31" and report["late"] is False
    progress = next(s for s in report["sections"] if s["key"] == "progress")
    assert progress["markdown"] == "We shipped resumption."
    assert [s["key"] for s in report["sections"]] == ["progress", "blocked", "membership", "priorities", "resources"]


# --- maintainers (P1) -----------------------------------------------------------------------------------
def test_p1_maintainers_highest_rung_first_inactive_people_left_out(client, world):
    rows = items(client, "/api/maintainers")
    assert [(m["person"]["name"], m["role"], m["scope"]) for m in rows] == [
        ("Sam Sponsor", "core_maintainer", ""),
        ("Uma Unverified", "maintainer", "Java SDK"),
    ]
    assert rows[0]["person"]["github"] == "sam-verified"


def test_p1_maintainers_show_only_verified_handles(client, world):
    uma = items(client, "/api/maintainers?area=sdk")[0]
    assert uma["person"]["github"] is None and uma["title"] == "Java SDK maintainer"


def test_p1_maintainers_filter_by_role(client, world):
    assert [m["person"]["name"] for m in items(client, "/api/maintainers?role=core_maintainer")] == ["Sam Sponsor"]


def test_p1_ended_roles_have_both_dates(client, world):
    (ended,) = items(client, "/api/maintainers?current=false")
    assert (ended["scope"], ended["until"] is not None) == ("Go SDK", True)


# --- the same through MCP -------------------------------------------------------------------------------
def test_p1_mcp_list_maintainers_by_role(world):
    result = call("list_maintainers", role="core_maintainer").structured_content
    assert [m["person"]["name"] for m in result["maintainers"]] == ["Sam Sponsor"]


def test_d4_mcp_group_decisions_with_text_and_tally(world):
    result = call("group_decisions", slug="transports", status="accepted").structured_content
    assert [d["title"] for d in result["decisions"]] == ["Change the scope", "Meet fortnightly"]
    assert result["decisions"][0]["vote"]["yes"] == 2 and result["decisions"][0]["markdown"] == "Scope text."


def test_mcp_group_decisions_unknown_slug_says_how_to_find_one(world):
    result = call("group_decisions", slug="nope")
    assert result.is_error and "list_groups" in result.content[0].text


def test_g8_mcp_group_reports_published_only(world):
    result = call("group_reports", slug="transports").structured_content
    assert (result["count"], result["reports"][0]["quarter_end"]) == (1, "2026-07-31")


# --- query budgets (DESIGN 7): the same with few and many rows -------------------------------------------
def _many_decisions(group, lead, voters, n):
    from groups.models import Ballot, Block, Proposal, Vote

    now = timezone.now()
    for i in range(n):
        p = Proposal.objects.create(group=group, title=f"P{i}", body="b", kind="minor", opened_by=lead,
                                    opened_at=now - timedelta(days=2), deadline=now + timedelta(days=5))  # fmt: skip
        Block.objects.create(proposal=p, by=voters[0], objection="o", alternative="a")
        v = Vote.objects.create(proposal=p, trigger="block", closes_at=now + timedelta(days=3), scope_change=False,
                                eligible_count=len(voters), quorum=1)  # fmt: skip
        Ballot.objects.bulk_create([Ballot(vote=v, voter=u, choice="yes", rationale="r") for u in voters])


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_decisions_list_query_budget_holds_with_many_rows(client, db):
    from tests.factories import GroupFactory, UserFactory

    group, lead = GroupFactory(slug="busy"), UserFactory()
    voters = [UserFactory() for _ in range(4)]
    _many_decisions(group, lead, voters, 3)
    few = _queries(client, "/api/groups/busy/decisions?limit=100")
    _many_decisions(group, lead, voters, 80)
    many = _queries(client, "/api/groups/busy/decisions?limit=100")
    assert few == many <= LIST_BUDGET


def test_reports_list_query_budget_holds_with_many_rows(client, db):
    from datetime import date

    from groups.models import QuarterlyReport
    from tests.factories import GroupFactory

    group = GroupFactory(slug="reporting")

    def add(years):
        now = timezone.now()
        QuarterlyReport.objects.bulk_create(
            [QuarterlyReport(group=group, quarter_end=date(y, m, 31 if m != 4 else 30), due_at=now, status="published",
                             published_at=now, sections={"progress": "p"}) for y in years for m in (1, 4, 7, 10)]
        )  # fmt: skip

    add([2000])
    few = _queries(client, "/api/groups/reporting/reports?limit=100")
    add(range(2001, 2025))
    many = _queries(client, "/api/groups/reporting/reports?limit=100")
    assert few == many <= LIST_BUDGET


def test_maintainers_list_query_budget_holds_with_many_rows(client, db):
    from portal.models import Role, RoleArea, RoleKind, User

    def add(n, start):
        people = User.objects.bulk_create([User(username=f"m{start + i}", display_name=f"M {i}") for i in range(n)])
        Role.objects.bulk_create(
            [Role(person=p, kind=RoleKind.MAINTAINER, area=RoleArea.SDK, scope="SDK") for p in people]
        )

    add(3, 0)
    few = _queries(client, "/api/maintainers?limit=100")
    add(300, 100)
    many = _queries(client, "/api/maintainers?limit=100")
    assert few == many <= LIST_BUDGET
