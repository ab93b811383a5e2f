"""Issue 8, kind 3: hostile folders, for every importer (S7 SEPs, G5 charters).

Every importer (import_seps, import_charters) refuses links pointing outside the folder, caps file
sizes, and makes the same choice on every run when two files claim the same SEP or the same group.
"""

import io
import json
import os

import pytest
from django.core.management import CommandError, call_command

from groups.models import CharterVersion, Group
from portal.models import Event
from seps.models import SEP

pytestmark = pytest.mark.django_db

CHARTER = """---
title: {title}
description: Charter for the MCP {title}.
---

## Group Type

**Working Group**

## Mission Statement

{mission}

## Leadership

| Role | Name | Organization | GitHub | Term |
| ---- | ---- | ------------ | ------ | ---- |
| Lead | Ada Example | Example Org | @ada-example | Initial |
"""

SEP_FILE = """# SEP-{number}: {title}

- **Status**: {status}
- **Type**: Standards Track
- **Created**: 2026-01-05
- **Author(s)**: Ada Example (@ada-example)
- **Sponsor**: None

## Abstract

{title}.
"""


def charter(title="Caching Working Group", mission="Caching done safely."):
    return CHARTER.format(title=title, mission=mission)


def run(command, path, *args):
    from portal.models import LadderRole, User
    from tests.factories import UserFactory

    if not User.objects.filter(username="importer").exists():
        UserFactory(username="importer", ladder_role=LadderRole.CORE_MAINTAINER)
    out = io.StringIO()
    try:
        call_command(command, str(path), *args, "--by", "importer", stdout=out)
        failed = None
    except CommandError as exc:
        failed = str(exc)
    return out.getvalue(), failed


def seps_json(path):
    out, failed = run("import_seps", path, "--format", "json")
    return {row["file"]: row for row in json.loads(out)}, failed


def charters_json(path):
    out, failed = run("import_charters", path, "--format", "json")
    return {os.path.basename(r["file"]): r for r in map(json.loads, filter(None, out.splitlines()))}, failed


# --- links pointing outside the folder ---------------------------------------------------------------


@pytest.fixture
def outside(tmp_path):
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "9999-secret.md").write_text(SEP_FILE.format(number=9999, title="Secret", status="Draft"))
    (secret / "secret.md").write_text(charter("Secret Working Group"))
    return secret


def test_s7_sep_import_refuses_a_symlink_pointing_outside_the_folder(tmp_path, outside):
    folder = tmp_path / "seps"
    folder.mkdir()
    (folder / "9999-secret.md").symlink_to(outside / "9999-secret.md")
    rows, failed = seps_json(folder)
    assert "outside" in rows["9999-secret.md"]["error"]
    assert not SEP.objects.exists()
    assert failed


def test_s7_sep_import_reads_a_symlink_inside_the_folder(tmp_path):
    folder = tmp_path / "seps"
    folder.mkdir()
    (folder / "real.txt").write_text(SEP_FILE.format(number=1234, title="Inside", status="Draft"))
    (folder / "1234-inside.md").symlink_to(folder / "real.txt")
    rows, failed = seps_json(folder)
    assert rows["1234-inside.md"]["error"] is None
    assert SEP.objects.filter(number=1234).exists()


def test_s7_sep_import_refuses_a_seps_subfolder_linked_outside(tmp_path, outside):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "seps").symlink_to(outside, target_is_directory=True)
    run("import_seps", repo)
    assert not SEP.objects.exists()


def test_g5_charter_import_refuses_a_symlink_pointing_outside_the_folder(tmp_path, outside):
    folder = tmp_path / "charters"
    folder.mkdir()
    (folder / "secret.md").symlink_to(outside / "secret.md")
    rows, failed = charters_json(folder)
    assert "outside" in rows["secret.md"]["error"]
    assert not Group.objects.exists()
    assert failed


def test_g5_charter_import_refuses_a_kind_subfolder_linked_outside(tmp_path, outside):
    folder = tmp_path / "charters"
    folder.mkdir()
    (folder / "working-groups").symlink_to(outside, target_is_directory=True)
    run("import_charters", folder)
    assert not Group.objects.exists()


def test_g5_charter_import_refuses_a_dangling_symlink_without_a_500(tmp_path):
    folder = tmp_path / "charters"
    folder.mkdir()
    (folder / "gone.md").symlink_to(tmp_path / "nowhere.md")
    rows, failed = charters_json(folder)
    assert rows["gone.md"]["error"]
    assert failed


# --- size cap ---------------------------------------------------------------------------------------


def test_s7_sep_import_caps_the_file_size(tmp_path, settings):
    folder = tmp_path / "seps"
    folder.mkdir()
    big = SEP_FILE.format(number=1300, title="Huge", status="Draft") + "x" * 1_100_000
    (folder / "1300-huge.md").write_text(big)
    rows, failed = seps_json(folder)
    assert "too large" in rows["1300-huge.md"]["error"]
    assert not SEP.objects.exists()


def test_g5_charter_import_caps_the_file_size(tmp_path):
    folder = tmp_path / "charters"
    folder.mkdir()
    (folder / "huge.md").write_text(charter("Huge Working Group", "x" * 1_100_000))
    rows, failed = charters_json(folder)
    assert "too large" in rows["huge.md"]["error"]
    assert not Group.objects.exists()


# --- two files claiming the same thing: a fixed choice, idempotent --------------------------------


def test_s7_two_files_claiming_one_sep_number_do_not_flip_state_on_every_run(tmp_path):
    folder = tmp_path / "seps"
    folder.mkdir()
    (folder / "1400-one.md").write_text(SEP_FILE.format(number=1400, title="One", status="Draft"))
    (folder / "1401-two.md").write_text(SEP_FILE.format(number=1400, title="Two", status="Final"))
    rows, _ = seps_json(folder)
    sep = SEP.objects.get(number=1400)
    first = (sep.title, sep.status, sep.version)
    events = Event.objects.count()
    rows, _ = seps_json(folder)
    sep.refresh_from_db()
    assert (sep.title, sep.status, sep.version) == first
    assert Event.objects.count() == events


def test_s7_the_file_named_with_the_number_wins_and_the_other_is_reported(tmp_path):
    folder = tmp_path / "seps"
    folder.mkdir()
    (folder / "1400-one.md").write_text(SEP_FILE.format(number=1400, title="One", status="Draft"))
    (folder / "1399-two.md").write_text(SEP_FILE.format(number=1400, title="Two", status="Final"))
    rows, failed = seps_json(folder)
    assert SEP.objects.get(number=1400).title == "One"
    assert "1400-one.md also claims SEP-1400" in rows["1399-two.md"]["error"]
    assert failed is None  # a skip is a warning, not a failure


def test_g5_two_charter_files_for_one_group_do_not_flip_state_on_every_run(tmp_path):
    folder = tmp_path / "charters"
    (folder / "working-groups").mkdir(parents=True)
    (folder / "interest-groups").mkdir()
    (folder / "working-groups" / "caching.md").write_text(charter(mission="First mission."))
    (folder / "working-groups" / "caching.mdx").write_text(charter(mission="Second mission."))
    (folder / "interest-groups" / "caching.md").write_text(charter(mission="Third mission."))
    rows, _ = charters_json(folder)
    versions = CharterVersion.objects.count()
    group = Group.objects.get(slug="caching")
    first = (group.mission_summary, group.version)
    for _ in range(2):
        charters_json(folder)
    group.refresh_from_db()
    assert (group.mission_summary, group.version) == first
    assert CharterVersion.objects.count() == versions


def test_g5_the_first_charter_file_in_path_order_wins_and_the_others_are_reported(tmp_path):
    folder = tmp_path / "charters"
    folder.mkdir()
    (folder / "caching.md").write_text(charter(mission="First mission."))
    (folder / "caching.mdx").write_text(charter(mission="Second mission."))
    rows, failed = charters_json(folder)
    assert Group.objects.get(slug="caching").mission_summary == "First mission."
    assert "caching.md is already the charter of /groups/caching/" in rows["caching.mdx"]["skipped"]
    assert failed is None
