"""The MCP server in process, with the SDK's own client (`mcp.Client(server)`): tools, structured
results, ToolErrors for bad input, resources, personal tools with a token, and the privacy walk."""

import json
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from mcp import Client

from portal.mcp_server import mcp, my_deadlines, my_groups
from portal.tokens import token_create, token_revoke

from .api_world import build_world

TOOLS = {
    "list_groups", "get_group", "upcoming_meetings", "meeting_notes", "search_seps", "get_sep", "review_queue",
    "my_groups", "my_deadlines", "list_maintainers", "group_decisions", "group_reports",
}  # fmt: skip


@pytest.fixture
def world(db):
    return build_world()


def session(*steps):
    """Run `steps` (async callables taking the client) in one in-process client session; returns their results.
    `async_to_sync` from the test's thread: the tools' ORM calls run in this thread, inside the test's transaction."""

    async def go():
        async with Client(mcp) as client:
            return [await step(client) for step in steps]

    return async_to_sync(go)()


def call(name, **arguments):
    (result,) = session(lambda c: c.call_tool(name, arguments))
    return result


def test_mcp_lists_every_tool_with_a_description_and_schemas(db):
    (listed,) = session(lambda c: c.list_tools())
    tools = {t.name: t for t in listed.tools}
    assert set(tools) == TOOLS
    assert all(len(t.description or "") > 40 and t.output_schema for t in tools.values())


def test_mcp_tools_are_marked_read_only(db):
    (listed,) = session(lambda c: c.list_tools())
    assert all(t.annotations.read_only_hint for t in listed.tools)


def test_g1_list_groups_returns_structured_content(world):
    result = call("list_groups", kind="wg")
    assert [g["slug"] for g in result.structured_content["groups"]] == ["transports"]


def test_g1_list_groups_bad_kind_is_an_error_result(world):
    result = call("list_groups", kind="nope")
    assert result.is_error


def test_t5_get_group_has_members_and_the_charter_resource(world):
    result = call("get_group", slug="transports").structured_content
    assert (result["members_count"], result["charter_resource"]) == (4, "portal://groups/transports/charter")


def test_get_group_unknown_slug_says_how_to_find_one(world):
    result = call("get_group", slug="nope")
    assert result.is_error and "list_groups" in result.content[0].text


def test_m1_upcoming_meetings_within_days(world):
    result = call("upcoming_meetings", group="transports", days=30).structured_content
    assert [m["title"] for m in result["meetings"]] == ["Transports sync", "Cancelled sync"]


def test_m1_upcoming_meetings_days_out_of_range_is_an_error(world):
    assert call("upcoming_meetings", days=365).is_error


def test_m4_meeting_notes_of_a_held_meeting(world):
    result = call("meeting_notes", meeting_id=world.past.pk).structured_content
    assert "We decided things." in result["notes"]["markdown"]


def test_m2_meeting_notes_of_a_draft_is_an_error(world):
    result = call("meeting_notes", meeting_id=world.draft.pk)
    assert result.is_error and "No published meeting" in result.content[0].text


def test_s1_search_seps_by_status(world):
    result = call("search_seps", status="in-review").structured_content
    assert [s["number"] for s in result["seps"]] == [2133]


def test_s1_search_seps_by_text_or_number(world):
    result = call("search_seps", query="2134").structured_content
    assert [s["number"] for s in result["seps"]] == [2134]


def test_s6_get_sep_has_text_and_timeline(world):
    result = call("get_sep", number=2133).structured_content
    assert result["timeline"][0]["to_status"] == "in-review" and "Abstract" in result["markdown"]


def test_get_sep_unknown_number_is_an_error(world):
    assert call("get_sep", number=1).is_error


def test_s9_review_queue_puts_in_review_first(world):
    from seps.models import Status
    from tests.seps.factories import SEPFactory

    SEPFactory(number=2200, status=Status.DRAFT)
    result = call("review_queue").structured_content
    assert [s["status"] for s in result["seps"]] == ["in-review", "draft"]


def test_g5_charter_resource_is_the_approved_charter_as_markdown(world):
    (read,) = session(lambda c: c.read_resource("portal://groups/transports/charter"))
    text = read.contents[0].text
    assert "charter version 2" in text and "SECRET-DRAFT-CHARTER" not in text


def test_s1_sep_resource_is_markdown(world):
    (read,) = session(lambda c: c.read_resource("portal://seps/2133"))
    assert read.contents[0].text.startswith("# SEP-2133: Stream resumption")


def test_resource_templates_are_listed(db):
    (listed,) = session(lambda c: c.list_resource_templates())
    assert {t.uri_template for t in listed.resource_templates} == {
        "portal://groups/{slug}/charter",
        "portal://seps/{number}",
    }


def test_unknown_sep_resource_is_an_error(world):
    async def read(client):
        try:
            await client.read_resource("portal://seps/1")
        except Exception as exc:
            return str(exc)

    (message,) = session(read)
    assert "No SEP is numbered 1" in message


# --- personal tools (a token in the Authorization header) ----------------------------------------------
def ctx_with(token=None):
    return SimpleNamespace(headers={"authorization": f"Bearer {token}"} if token else {})


def test_my_groups_without_a_token_says_how_to_get_one(world):
    result = call("my_groups")
    assert result.is_error and "personal token" in result.content[0].text


def test_my_groups_with_a_token_lists_the_owners_groups(world):
    _, raw = token_create(user=world.lead, name="laptop")
    result = my_groups(ctx_with(raw))
    assert [(g.slug, g.tier) for g in result.groups] == [("finance-ig", "lead"), ("transports", "lead")]


def test_m2_my_deadlines_lists_drafts_to_publish_before_the_cutoff(world):
    _, raw = token_create(user=world.lead, name="laptop")
    result = my_deadlines(ctx_with(raw))
    assert [d.title for d in result.to_publish] == ["SECRET-DRAFT-MEETING", "SECRET-MISSED-MEETING"]


def test_m4_my_deadlines_lists_notes_due(world):
    _, raw = token_create(user=world.lead, name="laptop")
    result = my_deadlines(ctx_with(raw))
    assert [d.title for d in result.notes_due] == ["Held sync"]


def test_a_revoked_token_answers_nothing(world):
    from mcp.server.mcpserver.exceptions import ToolError

    token, raw = token_create(user=world.lead, name="laptop")
    token_revoke(token_id=token.pk, by=world.lead)
    with pytest.raises(ToolError, match="unknown or revoked"):
        my_groups(ctx_with(raw))


# --- privacy walk over every tool and resource (anonymous) ---------------------------------------------
def test_p3_mcp_privacy_walk_finds_no_private_value(world):
    from meetings.models import Meeting

    calls = [("list_groups", {}), ("get_group", {"slug": "transports"}), ("get_group", {"slug": "finance-ig"}),
             ("upcoming_meetings", {"days": 90}), ("search_seps", {}), ("get_sep", {"number": 2133}),
             ("get_sep", {"number": 2134}), ("review_queue", {}), ("list_maintainers", {}),
             ("list_maintainers", {"current": False}), ("group_decisions", {"slug": "transports"}),
             ("group_decisions", {"slug": "finance-ig"}), ("group_reports", {"slug": "transports"})]  # fmt: skip
    calls += [("meeting_notes", {"meeting_id": pk}) for pk in Meeting.objects.values_list("pk", flat=True)]
    uris = ["portal://groups/transports/charter", "portal://groups/finance-ig/charter", "portal://seps/2133"]

    async def walk(client):
        out = [(name, (await client.call_tool(name, args)).model_dump(mode="json")) for name, args in calls]
        for uri in uris:
            try:
                out.append((uri, (await client.read_resource(uri)).model_dump(mode="json")))
            except Exception as exc:  # a group without an approved charter: an error, nothing else
                out.append((uri, str(exc)))
        return out

    (results,) = session(walk)
    leaks = [(name, s) for name, body in results for s in world.secrets if s in json.dumps(body, ensure_ascii=False)]
    assert leaks == []
