"""The privacy walk: every endpoint of the schema, every field it returns, for an anonymous visitor and a
signed-in lead alike. Nothing private appears (emails, calendar tokens, typed-in GitHub handles,
drafts, missed publications, unpublished notes, draft or rejected charters, voters, ballots and
blockers, draft reports, inactive people), and every
field name is one the site shows publicly: a new field fails here until it is reviewed and added."""

import json

import pytest

from .api_world import build_world

# Every field name the API may return, reviewed against what the pages show an anonymous visitor.
PUBLIC_FIELDS = {
    # pages
    "count", "limit", "offset", "next_offset", "items", "detail", "errors", "loc", "msg",
    # groups
    "slug", "name", "kind", "kind_label", "state", "url", "mission_summary", "formed_from", "discord_channel",
    "discussion_category", "activated_at", "retired_at", "inactive_since", "leads", "member_counts", "charter",
    "current_charter", "version", "approved_at", "sections", "key", "title", "markdown", "html",
    "observer", "participant", "member", "lead", "total",
    # people
    "github", "affiliation", "discord", "tier", "status", "since", "term",
    # meetings
    "id", "ics_url", "group", "starts_at", "ends_at", "duration_minutes", "timezone", "join_url", "published_at",
    "published_late", "late_publication_reason", "cancelled_reason", "has_notes", "notes_overdue", "agenda",
    "notes", "details", "proposed_by", "published", "due_at", "attendance",
    # SEPs
    "number", "type", "status_label", "created", "sponsor", "authors", "pr_url", "discussion_url",
    "reference_implementation", "roadmap_area", "superseded_by", "status_changed_at", "updated_at",
    "timeline_url", "at", "actor", "from_status", "to_status", "summary", "reason",
    # decisions (outcomes and tallies; never ballots, voters, rationales or blockers)
    "opened_by", "opened_at", "deadline", "decided_at", "decided_by", "blocks", "vote", "trigger", "closes_at",
    "scope_change", "eligible", "quorum", "yes", "no", "abstain", "outcome",
    # quarterly reports (published ones)
    "quarter", "quarter_end", "late",
    # maintainers' roles
    "person", "person_url", "role", "area", "scope", "emeritus", "product", "note", "until",
}  # fmt: skip


def keys(value, out=None):
    out = set() if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            keys(v, out)
    elif isinstance(value, list):
        for v in value:
            keys(v, out)
    return out


def concrete_urls(schema, w):
    """Every path of the schema with each value its parameters can take in the world (private ones too)."""
    from groups.models import Proposal
    from meetings.models import Meeting

    values = {
        "slug": ["transports", "finance-ig"],
        "meeting_id": list(Meeting.objects.values_list("pk", flat=True)),
        "number": [2133, 2134],
        "proposal_id": list(Proposal.objects.values_list("pk", flat=True)),
    }
    urls = []
    for path in schema["paths"]:
        todo = [path]
        for name, options in values.items():
            todo = [p.replace("{" + name + "}", str(v)) for p in todo for v in options] if "{" + name in path else todo
        assert all("{" not in p for p in todo), f"give the walk values for every parameter of {path}"
        for p in todo:
            urls += [p, p + "?limit=100"]
        if path == "/api/maintainers":
            urls += [path + "?current=false", path + "?emeritus=true"]
    return urls


@pytest.fixture
def walk(client, client_for, db):
    w = build_world()
    schema = client.get("/api/openapi.json").json()
    urls = concrete_urls(schema, w)
    signed_in = client_for(w.lead)  # a lead sees drafts on the site; never through the API
    bodies = {}
    for who, c in (("anonymous", client), ("lead", signed_in)):
        for url in urls:
            r = c.get(url)
            assert r.status_code in (200, 404), (url, r.status_code)
            bodies[(who, url)] = r.json()
    return w, schema, bodies


def test_p3_privacy_walk_covers_every_endpoint(walk):
    _, schema, bodies = walk
    walked = {url.split("?")[0] for _, url in bodies}
    assert len(walked) >= len(schema["paths"])


def test_p3_privacy_walk_finds_no_private_value(walk):
    w, _, bodies = walk
    leaks = [
        (url, s) for (_, url), body in bodies.items() for s in w.secrets if s in json.dumps(body, ensure_ascii=False)
    ]
    assert leaks == []


def test_p3_privacy_walk_every_field_is_a_reviewed_public_field(walk):
    _, _, bodies = walk
    seen = set().union(*(keys(b) for b in bodies.values()))
    assert seen - PUBLIC_FIELDS == set()


def test_p3_signed_in_people_get_exactly_what_anonymous_visitors_get(walk):
    _, _, bodies = walk
    differ = [url for (who, url), body in bodies.items() if who == "lead" and bodies[("anonymous", url)] != body]
    assert differ == []


def test_m2_privacy_walk_answers_404_for_drafts_and_missed_publications(client, db):
    w = build_world()
    assert [client.get(f"/api/meetings/{m.pk}").status_code for m in (w.draft, w.missed)] == [404, 404]
