"""S7: `manage.py import_seps PATH` on fixture files for every preamble variant, broken files included."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portal.models import Event, LadderRole, User
from seps import services
from seps.importer import parse_authors, parse_sep, parse_sponsor
from seps.models import SEP, SEPType, Status
from tests.factories import GroupFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = ["1201", "1202", "1203", "1204", "1205", "1206", "1207", "1299", "1210", "1211"]


def parse(name):
    return parse_sep(name, (FIXTURES / name).read_bytes())


@pytest.fixture
def folder(tmp_path):
    dest = tmp_path / "seps"
    shutil.copytree(FIXTURES, dest)
    return dest


def importer_args():
    """Imports are run by a named core maintainer (issue 8: imported approvals name who ran them)."""
    from tests.factories import UserFactory as _Users

    if not User.objects.filter(username="importer").exists():
        _Users(username="importer", ladder_role=LadderRole.CORE_MAINTAINER, github="importer-core")
    return ["--by", "importer"]


def run(path, *args):
    out = StringIO()
    try:
        call_command("import_seps", str(path), *args, *importer_args(), stdout=out)
        failed = None
    except CommandError as exc:
        failed = str(exc)
    return out.getvalue(), failed


# --- parsing each variant ------------------------------------------------------------------------


def test_s7_bullet_preamble_with_all_author_forms():
    p = parse("1201-bullet-preamble.md")
    assert (p.number, p.title, p.status, p.type) == (1201, "Bullet Preamble Widgets", "draft", "standards-track")
    assert p.created.isoformat() == "2026-02-03"
    assert p.authors == [
        {"name": "Rosa Quill", "github": "rosaquill", "email": "rosa@example.test"},
        {"name": "Ben Ortiz", "github": "bortiz", "email": ""},
        {"name": "Chen Wu", "github": "chenwu", "email": ""},  # nothing between `(@bortiz)` and `Chen`
    ]
    assert p.sponsor["github"] == "keeper-sam"
    assert p.pr == "https://github.com/example/spec/pull/1201"
    assert p.warnings == []  # the body's `- **Type**:` bullet is not a second preamble
    assert "Bullet Preamble" not in p.body
    assert "## Abstract" in p.body
    assert "**Status**" not in p.body


def test_s7_bold_colon_inside_and_seeking_sponsor():
    p = parse("1202-bold-colon-inside.md")
    assert (p.status, p.type, p.sponsor) == ("in-review", "informational", None)
    assert p.authors == [
        {"name": "Dana Field", "github": "", "email": "dana@example.test"},
        {"name": "zed-k", "github": "zed-k", "email": ""},
    ]


def test_s7_table_preamble_semicolons_and_status_mapping():
    p = parse("1203-table-preamble.md")
    assert (p.status, p.type, p.sponsor) == ("accepted", "extensions-track", None)
    assert [a["github"] for a in p.authors] == ["ivob", "mlind"]
    assert p.pr.endswith("/pull/1203")


def test_s7_plain_lines_under_preamble_heading_and_line_break_authors():
    p = parse("1204-preamble-heading.md")
    assert (p.status, p.type) == ("accepted", "process")  # APPROVED, any case
    assert [a["github"] for a in p.authors] == ["kofim", "yaras"]
    assert p.sponsor["github"] == "keeper-sam"
    assert p.warnings == []


def test_s7_yaml_front_matter():
    p = parse("1205-yaml-front-matter.md")
    assert (p.number, p.status, p.type, p.sponsor) == (1205, "proposal", "standards-track", None)
    assert [a["github"] for a in p.authors] == ["liam", "pk-dev"]
    assert "title:" not in p.body


def test_s7_html_preamble_with_handles():
    p = parse("1206-html-preamble.md")
    assert (p.status, p.sponsor) == ("proposal", None)  # "Awaiting Sponsor", "TBD"
    assert [a["github"] for a in p.authors] == ["htmlfan", "plainhandle"]  # `@handle` and a bare handle


def test_s7_second_preamble_disagreeing_first_wins_with_warnings():
    p = parse("1207-two-preambles.md")
    assert p.status == "final"
    assert p.created.isoformat() == "2025-10-01"
    assert any("status" in w and "Draft" in w for w in p.warnings)
    assert any("created" in w for w in p.warnings)
    assert not any("authors" in w for w in p.warnings)  # same person, the table just omits the handle


def test_s7_second_preamble_fills_what_the_first_leaves_out_with_a_warning():
    # Real files name the sponsor and the PR only in the later table; they must not be lost.
    p = parse("1207-two-preambles.md")
    assert p.sponsor == {"name": "outside-helper", "github": "outside-helper", "email": ""}
    assert p.pr == "https://github.com/example/spec/pull/77"
    assert any("no sponsor; taken from a second preamble (line 8)" in w for w in p.warnings)
    assert any("no PR; taken from a second preamble" in w for w in p.warnings)
    assert len(p.warnings) == 4


def test_s7_template_with_placeholder_number_is_skipped_as_a_template():
    text = b"# SEP-{NUMBER}: {Title}\n\n- **Status**: Draft | Final\n- **Type**: Process\n- **Author(s)**: N (@n)\n"
    p = parse_sep("TEMPLATE.md", text)
    assert p.skipped
    assert p.number is None
    assert p.error.startswith("Skipped: a template, not a SEP")
    assert "SEP-{NUMBER}" in p.error


def test_s7_number_from_title_wins_over_file_name_with_warning():
    p = parse("1208-number-mismatch.md")
    assert p.number == 1299
    assert any("1208" in w and "1299" in w for w in p.warnings)
    assert p.authors[-1] == {"name": "Transports Working Group", "github": "", "email": ""}


def test_s7_number_from_file_name_when_title_has_none():
    p = parse("1211-number-from-file-name.md")
    assert (p.number, p.title, p.status, p.warnings) == (1211, "A Title Without A Number", "withdrawn", [])


@pytest.mark.parametrize(
    "name,why",
    [
        ("0000-template-copy.md", "0000-"),
        ("XXXX-unnumbered-idea.md", "XXXX-"),
        ("DRAFT-early-thoughts.md", "DRAFT-"),
        ("notes.md", "no SEP number"),
    ],
)
def test_s7_files_without_number_are_skipped_with_reason(name, why):
    p = parse(name)
    assert p.skipped
    assert "Skipped" in p.error
    assert why in p.error


def test_s7_unknown_status_warns():
    p = parse("1210-unknown-status.md")
    assert p.status is None
    assert any("Pending Vote" in w for w in p.warnings)


@pytest.mark.parametrize(
    "word,status",
    [
        ("Accepted with Changes", "accepted"),
        ("approved", "accepted"),
        ("Approved With Changes", "accepted"),
        ("In Review", "in-review"),
        ("in-review", "in-review"),
        ("Proposal", "proposal"),
        ("idea", "proposal"),
        ("Awaiting sponsor", "proposal"),
        ("TBD", "proposal"),
        ("FINAL", "final"),
        ("Dormant", "dormant"),
    ],
)
def test_s7_status_words_map_case_insensitively(word, status):
    text = f"# SEP-42: X\n\n- **Status**: {word}\n- **Type**: Process\n- **Author(s)**: A (@a)\n".encode()
    assert parse_sep("42-x.md", text).status == status


@pytest.mark.parametrize("value", ["None", "TBD", "_seeking_", "(Seeking)", "none", ""])
def test_s7_sponsor_words_mean_no_sponsor(value):
    assert parse_sponsor(value) is None


def test_s7_author_separators_and_formats():
    got = parse_authors("Ann Lee (@annl) and Bo Kim <bo@example.test> (@bok); @cy\nDee (dee@example.test), plainone")
    assert [(a["name"], a["github"], a["email"]) for a in got] == [
        ("Ann Lee", "annl", ""),
        ("Bo Kim", "bok", "bo@example.test"),
        ("cy", "cy", ""),
        ("Dee", "", "dee@example.test"),
        ("plainone", "plainone", ""),
    ]


def test_s7_broken_inputs_give_clear_errors(tmp_path):
    assert parse_sep("1-a.md", b"").error == "File is empty."
    assert "not UTF-8" in parse_sep("2-b.md", bytes(range(256)) * 10).error
    big = ("# SEP-3: Big\n\n- **Status**: Draft\n- **Type**: Process\n" + "x" * 5_000_000).encode()
    assert "too large" in parse_sep("3-c.md", big).error
    assert "No preamble" in parse("1209-no-preamble.md").error


# --- the command ---------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    sam = UserFactory(github="keeper-sam", ladder_role=LadderRole.MAINTAINER)
    rosa = UserFactory(github="RosaQuill")
    return {"sam": sam, "rosa": rosa}


def _add_broken(folder):
    (folder / "1300-binary.md").write_bytes(bytes(range(256)) * 40)
    (folder / "1301-huge.md").write_bytes(b"# SEP-1301: Huge\n\n- **Status**: Draft\n" + b"y" * (5 * 1024 * 1024))


def test_s7_import_folder_creates_each_good_file_and_reports_bad_ones(people, folder):
    _add_broken(folder)
    group = GroupFactory(name="Transports Working Group")
    out, failed = run(folder)
    assert sorted(SEP.objects.values_list("number", flat=True)) == sorted(int(n) for n in GOOD)
    assert failed
    assert "4 of 18" in failed  # empty, binary, huge, no preamble
    sep = SEP.objects.get(number=1201)
    assert sep.status == Status.DRAFT
    assert sep.sponsor == people["sam"]
    assert [a.github for a in sep.authors.all()] == ["rosaquill", "bortiz", "chenwu"]
    assert sep.authors.first().user == people["rosa"]  # matched by handle, case-insensitively
    assert '<h2 id="abstract">Abstract</h2>' in sep.body_html
    assert sep.outline[0] == {"level": 2, "text": "Abstract", "anchor": "abstract"}
    assert SEP.objects.get(number=1299).group == group  # "on behalf of the Transports Working Group"
    assert SEP.objects.get(number=1210).status == Status.PROPOSAL  # unknown status: default for a new SEP
    assert SEP.objects.get(number=1203).type == SEPType.EXTENSIONS
    assert "Skipped: no SEP number" in out
    assert "File is empty" in out
    assert "not UTF-8" in out
    assert "too large for a SEP (5.2 MB" in out
    assert Event.objects.filter(verb="sep.imported").count() == len(GOOD)


def test_s7_json_output_has_exactly_the_promised_keys(people, folder):
    out, _ = run(folder, "--format", "json", "--dry-run")
    rows = json.loads(out)
    assert len(rows) == 16
    keys = {"file", "number", "title", "status", "type", "created", "authors", "sponsor", "pr", "warnings", "error"}
    for row in rows:
        assert set(row) == keys
        assert all(set(a) == {"name", "github"} for a in row["authors"])
    by_file = {r["file"]: r for r in rows}
    r = by_file["1201-bullet-preamble.md"]
    assert r["number"] == 1201
    assert r["status"] == "draft"
    assert r["created"] == "2026-02-03"
    assert r["sponsor"] == "keeper-sam"
    assert r["error"] is None
    assert r["authors"][2] == {"name": "Chen Wu", "github": "chenwu"}
    assert by_file["XXXX-unnumbered-idea.md"]["error"].startswith("Skipped")


def test_s7_dry_run_writes_nothing(people, folder):
    out, _ = run(folder, "--dry-run")
    assert "[dry run]" in out
    assert "created" in out
    assert SEP.objects.count() == 0
    assert Event.objects.count() == 0


def test_s7_reimport_changes_nothing(people, folder):
    run(folder)
    before = list(SEP.objects.order_by("number").values_list("number", "version", "last_activity_at", "status"))
    events = Event.objects.count()
    out, _ = run(folder)
    assert list(SEP.objects.order_by("number").values_list("number", "version", "last_activity_at", "status")) == before
    assert Event.objects.count() == events
    assert "unchanged" in out


def test_s7_reimport_with_new_status_applies_and_records_it(people, folder):
    run(folder)
    f = folder / "1201-bullet-preamble.md"
    f.write_text(f.read_text().replace("- **Status**: Draft", "- **Status**: In-Review"))
    out, _ = run(folder)
    sep = SEP.objects.get(number=1201)
    assert sep.status == Status.IN_REVIEW
    ev = Event.objects.get(verb="sep.status_changed", target_id=str(sep.pk))
    assert ev.data["reason"] == "import: draft -> in-review"
    assert (ev.data["from"], ev.data["to"]) == ("draft", "in-review")
    assert "SEP-1201 updated" in out


def test_s7_each_file_in_its_own_transaction(people, folder, worker_dies):
    from seps.management.commands import import_seps

    dies_on_1203 = {"when": lambda parsed, **kw: parsed.number == 1203, "after": True, "message": "disk on fire"}
    with worker_dies(import_seps, "sep_import_parsed", **dies_on_1203):
        out, failed = run(folder)
    assert not SEP.objects.filter(number=1203).exists()  # its writes rolled back
    assert not Event.objects.filter(data__number=1203).exists()
    assert SEP.objects.filter(number__in=[1201, 1202, 1204]).count() == 3
    assert "disk on fire" in out
    assert failed


def test_s7_file_status_is_source_of_truth_over_portal_state(people, folder):
    run(folder)
    sep = SEP.objects.get(number=1202)
    assert sep.status == Status.IN_REVIEW
    SEP.objects.filter(pk=sep.pk).update(status=Status.ACCEPTED)
    run(folder)
    sep.refresh_from_db()
    assert sep.status == Status.IN_REVIEW


def test_s4_imported_sponsor_outside_steering_group_is_not_set(db, folder):
    UserFactory(github="keeper-sam", ladder_role=LadderRole.CONTRIBUTOR)
    out, _ = run(folder)
    assert SEP.objects.get(number=1201).sponsor is None
    assert "not in the steering group" in out


def test_s7_import_accepts_repository_root_with_seps_folder(people, folder):
    out, _ = run(folder.parent)
    assert SEP.objects.filter(number=1201).exists()


def test_s7_missing_path_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        call_command("import_seps", str(tmp_path / "nope"), stdout=StringIO())


def test_s7_superseded_by_successor_named_in_status(people, folder):
    (folder / "1400-old-way.md").write_text(
        "# SEP-1400: Old Way\n\n- **Status**: Superseded by SEP-1201\n- **Type**: Process\n"
        "- **Created**: 2025-01-01\n- **Author(s)**: Old Hand (@oldhand)\n"
    )
    run(folder)
    sep = SEP.objects.get(number=1400)
    assert sep.status == Status.SUPERSEDED
    assert sep.superseded_by.number == 1201


def test_s7_pathological_near_limit_file_parses_quickly(tmp_path):
    import time

    text = "# SEP-5: Slow?\n\n- **Status**: Draft\n- **Type**: Process\n- **Author(s)**: " + "_a" * 300_000 + "\n"
    text += ("| " + "x" * 1000 + " |\n") * 200
    start = time.monotonic()
    p = parse_sep("5-slow.md", text.encode())
    assert time.monotonic() - start < 3
    assert p.number == 5
    assert p.status == "draft"


def test_s7_sponsor_without_account_is_kept_as_named_and_shown(people, folder, client, client_for, core_maintainer):
    run(folder)
    sep = SEP.objects.get(number=1207)
    assert sep.sponsor is None
    assert sep.sponsor_named == "@outside-helper"
    assert sep.pr_url == "https://github.com/example/spec/pull/77"
    html = client.get("/seps/1207/").content.decode()
    assert "@outside-helper" in html
    assert "no portal account" in html
    assert "none yet" not in html
    assert ">#77<" in html  # the pull request's own number, not the SEP's
    assert "@outside-helper" in client.get("/seps/").content.decode()
    # A sponsor with an account is a real sponsor and nothing is kept "as named".
    assert SEP.objects.get(number=1201).sponsor_named == ""
    # Taking it in the portal replaces the file's name (S3, S4).
    SEP.objects.filter(pk=sep.pk).update(status=Status.DRAFT)
    assert "@outside-helper" in client_for(core_maintainer).get("/seps/review/").content.decode()
    sep.refresh_from_db()
    sep = services.sep_sponsor(sep=sep, by=people["sam"], reason="I will shepherd it.")
    sep.refresh_from_db()
    assert sep.sponsor == people["sam"]
    assert sep.sponsor_named == ""


def test_s7_links_to_sibling_sep_files_point_at_their_pages(people, folder):
    run(folder)
    html = SEP.objects.get(number=1207).body_html
    assert 'href="/seps/1201/#abstract"' in html
    assert 'href="/seps/1202/"' in html
    assert ".md" not in html
