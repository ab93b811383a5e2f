"""import_charters: the community's charter format into groups, people, memberships, charters (G1, G5, T1, T4)."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from groups.models import CharterVersion, Group, Membership, Tier
from portal.models import Event, LadderRole, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
CHARTERS = FIXTURES / "charters"
BROKEN = FIXTURES / "broken"


def importer_args():
    """Imports are run by a named core maintainer (issue 8: imported approvals name who ran them)."""
    from tests.factories import UserFactory as _Users

    if not User.objects.filter(username="importer").exists():
        _Users(username="importer", ladder_role=LadderRole.CORE_MAINTAINER, github="importer-core")
    return ["--by", "importer"]


def run(path, *args):
    out = io.StringIO()
    call_command("import_charters", str(path), *args, *importer_args(), stdout=out)
    return out.getvalue()


def run_json(path, *args):
    out = io.StringIO()
    try:
        call_command("import_charters", str(path), "--format", "json", *args, *importer_args(), stdout=out)
        failed = None
    except CommandError as exc:
        failed = str(exc)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()], failed


@pytest.fixture(autouse=True)
def _importer(db):
    importer_args()  # the core maintainer who runs the imports exists before any snapshot


LEADS = ("rcastell", "BoLindqvist", "imarchetti", "tariqb", "maraq", "svenaa", "wrenash", "dquint")


@pytest.fixture
def member_leads(db):
    """G4: the charters' leads are org-wide members in the portal (an import does not make them so)."""
    return [UserFactory(github=handle, ladder_role=LadderRole.MEMBER, display_name="") for handle in LEADS]


def snapshot():
    return (
        Group.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        CharterVersion.objects.count(),
        Event.objects.count(),
    )


def test_g1_import_creates_groups_with_kind_state_and_charter():
    run(CHARTERS)
    streaming = Group.objects.get(slug="streaming")
    assert streaming.name == "Streaming Working Group"
    assert streaming.kind == Group.Kind.WORKING
    # G3: no sponsorship recorded yet, so a new group stays proposed for the core maintainers' queue
    assert streaming.state == Group.State.PROPOSED
    assert streaming.activated_at is None
    assert streaming.discord_channel == "#streaming-wg"
    assert streaming.mission_summary.startswith("The Streaming Working Group designs")
    tooling = Group.objects.get(slug="tooling")
    assert tooling.kind == Group.Kind.INTEREST
    assert tooling.name == "Fixture Tooling Interest Group"
    assert tooling.discord_channel == "#fixture-tooling-ig"
    v = CharterVersion.objects.get(group=streaming)
    assert v.status == CharterVersion.Status.APPROVED
    assert v.number == 1
    assert v.source == "streaming.mdx"
    for key in ("mission", "scope_in", "scope_out", "related", "leadership", "authority", "membership",
                "operations", "deliverables", "success", "other", "changelog"):  # fmt: skip
        assert v.sections.get(key, "").strip(), key
    assert "<table>" in v.sections_html["leadership"]
    assert "Resources" in v.sections["other"]
    assert "<!--" not in v.sections_html.get("mission", "")
    assert Group.objects.get(slug="caching").kind == Group.Kind.WORKING  # kind from the folder


def test_t1_import_maps_levels_and_roles_to_tiers(member_leads):
    run(CHARTERS)
    tiers = {
        m.user.github: (m.tier, m.status, m.term)
        for m in Membership.objects.current().filter(group__slug="streaming").select_related("user")
    }
    assert tiers == {
        "rcastell": (Tier.LEAD, "active", "2026–2027"),
        "BoLindqvist": (Tier.LEAD, "active", "Initial"),
        "umaok": (Tier.MEMBER, "active", ""),
        "pimdv": (Tier.PARTICIPANT, "active", ""),
        "ezran": (Tier.MEMBER, "emeritus", ""),
    }
    uma = User.objects.get(github="umaok")
    assert (uma.display_name, uma.affiliation, uma.discord) == ("Uma Okonkwo", "Brightline", "uma_ok")
    assert not uma.has_usable_password()
    ig = {
        m.user.github: m.tier for m in Membership.objects.current().filter(group__slug="tooling").select_related("user")
    }
    assert ig == {"imarchetti": Tier.LEAD, "tariqb": Tier.LEAD, "HanaK": Tier.PARTICIPANT}
    assert User.objects.get(github="HanaK").discord == "hana.k"


def test_import_matches_people_by_github_case_insensitively():
    existing = UserFactory(github="UmaOK", display_name="Uma (portal)", affiliation="")
    existing2 = UserFactory(github="imarchetti", ladder_role=LadderRole.CONTRIBUTOR)
    before = User.objects.count()
    run(CHARTERS)
    assert Membership.objects.current().get(group__slug="streaming", user=existing).tier == Tier.MEMBER
    existing.refresh_from_db()
    assert existing.display_name == "Uma (portal)"
    assert existing.affiliation == "Brightline"  # blanks filled only
    existing2.refresh_from_db()
    assert existing2.ladder_role == LadderRole.CONTRIBUTOR  # never promoted silently; a warning says so
    assert not User.objects.filter(github__iexact="umaok").exclude(pk=existing.pk).exists()
    assert User.objects.count() > before


def test_import_warnings_never_fail(member_leads):
    reports, failed = run_json(CHARTERS)
    assert failed is None
    by_slug = {r["slug"]: r for r in reports}
    assert set(by_slug) == {"streaming", "tooling", "hallway", "caching"}
    tooling = " ".join(by_slug["tooling"]["warnings"])
    assert "Unknown level “Champion”" in tooling
    assert "Unknown leadership role “Scribe”" in tooling
    assert "No Handle has no GitHub handle" in tooling
    assert any("prose" in w for w in by_slug["hallway"]["warnings"])
    assert any("No Membership section" in w for w in by_slug["caching"]["warnings"])
    assert any("No Group Type" in w for w in by_slug["caching"]["warnings"])
    assert any("Resources" in w for w in by_slug["streaming"]["warnings"])
    assert all(r["error"] is None for r in reports)
    assert Membership.objects.current().filter(group__slug="hallway").count() == 1  # the facilitator only


def test_import_json_has_one_object_per_file_with_what_was_parsed():
    reports, _ = run_json(CHARTERS, "--dry-run")
    assert len(reports) == 4
    s = next(r for r in reports if r["slug"] == "streaming")
    assert s["name"] == "Streaming Working Group"
    assert s["kind"] == "wg"
    assert [lead["github"] for lead in s["leads"]] == ["rcastell", "BoLindqvist"]
    assert {"name": "Ezra Nolan", "github": "ezran", "tier": "member", "status": "emeritus"} in s["members"]
    assert "mission" in s["sections"]
    assert "authority" in s["sections"]
    assert set(s) >= {"slug", "name", "kind", "leads", "members", "sections", "warnings", "error"}


def test_import_dry_run_changes_nothing():
    before = snapshot()
    out = run(CHARTERS, "--dry-run")
    assert "(dry run)" in out
    assert snapshot() == before


def test_import_twice_changes_nothing_the_second_time():
    run(CHARTERS)
    before = snapshot()
    out = run(CHARTERS)
    assert snapshot() == before
    assert out.count("unchanged") == 4


def test_import_malformed_file_gets_an_error_and_writes_nothing():
    reports, failed = run_json(BROKEN)
    by_file = {Path(r["file"]).name: r for r in reports}
    assert "front matter" in by_file["no-front-matter.md"]["error"]
    # the headings are inside a code fence: the template, skipped (not a failure)
    assert by_file["template-copy.mdx"]["error"] is None
    assert by_file["template-copy.mdx"]["skipped"]
    assert "either Working Group or Interest Group" in by_file["both-kinds.md"]["error"]
    assert by_file["fine.md"]["error"] is None
    assert failed
    assert "2 of 4" in failed
    assert list(Group.objects.values_list("slug", flat=True)) == ["fine"]


def test_import_is_atomic_per_file(member_leads, worker_dies):
    with worker_dies(Membership.objects, "create", on_call=3, message="disk full"):
        reports, failed = run_json(CHARTERS / "working-groups")
    by_slug = {r["slug"]: r for r in reports}
    assert by_slug["caching"]["error"] is None
    assert "disk full" in by_slug["streaming"]["error"]
    assert not Group.objects.filter(slug="streaming").exists()
    assert not User.objects.filter(github="umaok").exists()
    assert Group.objects.filter(slug="caching").exists()
    run(CHARTERS / "working-groups")  # next run finishes it
    assert Membership.objects.current().filter(group__slug="streaming").count() == 5


def test_g5_changed_file_adds_a_new_approved_version_and_keeps_history(tmp_path, member_leads):
    folder = tmp_path / "working-groups"
    folder.mkdir()
    src = (CHARTERS / "working-groups" / "streaming.mdx").read_text()
    (folder / "streaming.mdx").write_text(src)
    run(tmp_path)
    # Bo steps down from lead to member
    changed = src.replace(
        "| Lead    | Bo Lindqvist | Fernhill     | [@BoLindqvist](https://github.com/BoLindqvist) | Initial   |\n", ""
    ).replace(
        "| Pim de Vries ",
        "| Bo Lindqvist  | Fernhill     | github.com/bolindqvist | bo | WG Member | No |\n| Pim de Vries ",
    )
    (folder / "streaming.mdx").write_text(changed)
    run(tmp_path)
    versions = CharterVersion.objects.filter(group__slug="streaming").order_by("number")
    assert [v.number for v in versions] == [1, 2]
    bo = User.objects.get(github="BoLindqvist")
    rows = Membership.objects.filter(group__slug="streaming", user=bo).order_by("started_at", "pk")
    assert [(r.tier, r.ended_at is None) for r in rows] == [(Tier.LEAD, False), (Tier.MEMBER, True)]


def test_import_path_errors():
    with pytest.raises(CommandError, match="does not exist"):
        run(FIXTURES / "nope")


VARIANTS = FIXTURES / "variants"


def test_g5_import_points_site_relative_links_at_group_pages_and_the_docs_site():
    run(VARIANTS)
    v = CharterVersion.objects.get(group__slug="guardrails")
    scope = v.sections["scope_in"] + v.sections["scope_out"]
    assert "[Hooks WG](/groups/hooks/)" in scope
    assert "[its notes](/groups/hooks/)" in scope
    assert "[Sign-in IG](/groups/sign-in/)" in scope
    assert "[guide](https://modelcontextprotocol.io/docs/guides/guardrails)" in scope
    assert "[below](#changelog)" in scope  # anchors stay
    assert "](https://modelcontextprotocol.io/community/sep-guidelines)" in v.sections["mission"]
    assert "![diagram](/images/guardrails.png)" in scope  # images are not turned into outside loads
    assert 'href="/groups/hooks/"' in v.sections_html["scope_in"]
    assert 'href="/community/' not in "".join(v.sections_html.values())


def test_t1_import_reads_co_roles_emeritus_levels_and_header_variants():
    reports, failed = run_json(VARIANTS, "--dry-run")
    g = next(r for r in reports if r["slug"] == "guardrails")
    assert [lead["github"] for lead in g["leads"]] == ["wrenash", "dquint"]
    assert {"name": "Lior Benet", "github": "liorb", "tier": "member", "status": "active"} in g["members"]
    assert {"name": "Noor Vance", "github": "noorv", "tier": "member", "status": "emeritus"} in g["members"]
    assert g["discord_channel"] == "#guardrails-ig"
    assert not g["warnings"]
    run(VARIANTS)  # "Organisation" and "GitHub Handle" headers are read like the template's
    assert User.objects.get(github="liorb").affiliation == "Saltmarsh"


def test_import_skips_the_charter_template_without_failing():
    before = snapshot()
    reports, failed = run_json(VARIANTS / "interest-groups" / "charter-template.mdx")
    assert failed is None
    assert reports[0]["error"] is None
    assert "charter template" in reports[0]["skipped"]
    assert snapshot() == before
    out = run(VARIANTS)
    assert "1 of 2 file(s) imported, 1 skipped." in out


def test_import_warns_about_portal_leads_the_charter_no_longer_lists(member_leads):
    run(VARIANTS)
    group = Group.objects.get(slug="guardrails")
    extra = UserFactory(display_name="Kept Lead", ladder_role=LadderRole.MEMBER)
    Membership.objects.create(group=group, user=extra, tier=Tier.LEAD)
    observer = UserFactory(display_name="Quiet Observer")
    Membership.objects.create(group=group, user=observer, tier=Tier.OBSERVER)
    reports, failed = run_json(VARIANTS)
    warnings = next(r for r in reports if r["slug"] == "guardrails")["warnings"]
    assert (
        "Kept Lead is a facilitator in the portal but not listed in the charter; kept (end it in the admin if they left)."
        in warnings
    )
    assert not any("observer" in w.lower() for w in warnings)
    assert Membership.objects.current().filter(group=group, user=extra, tier=Tier.LEAD).exists()


def test_g5_history_says_an_imported_version_was_imported(client):
    run(VARIANTS)
    body = client.get("/groups/guardrails/charter/").content.decode()
    assert "Imported from guardrails" in body
    assert "—, <time" not in body
    same = client.get("/groups/guardrails/charter/", {"a": 1, "b": 1}).content.decode()
    assert "nothing to compare" in same
    assert "<pre" not in same


def test_g5_import_keeps_the_files_own_heading_for_discussion_topics_and_work_items():
    reports, _ = run_json(CHARTERS, "--dry-run")
    run(CHARTERS)
    tooling = CharterVersion.objects.get(group__slug="tooling").sections["deliverables"]
    streaming = CharterVersion.objects.get(group__slug="streaming").sections
    assert tooling.startswith("### Discussion Topics\n")
    assert "Replay of stdio traffic" in tooling
    assert streaming["deliverables"].startswith("### Active Work Items\n")
    assert streaming["membership"].count("### Emeritus Membership") == 1
    assert "Success Criteria" not in streaming["deliverables"]
    assert "Two SDKs" in streaming["success"]


def test_g2_import_leaves_a_retired_group_alone():
    from tests.factories import GroupFactory

    GroupFactory(slug="guardrails", name="Guardrails Interest Group", kind="ig", state=Group.State.RETIRED)
    before = snapshot()
    reports, failed = run_json(VARIANTS)
    g = next(r for r in reports if r["slug"] == "guardrails")
    assert failed is None
    assert g["changes"] == []
    assert any("is retired" in w for w in g["warnings"])
    assert snapshot() == before
