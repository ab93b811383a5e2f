"""The sync against a stand-in GitHub serving our own fixture repository."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from django.core.management import call_command

from groups.models import CharterVersion, Group
from portal.github.models import SyncedFile, SyncRun, SyncState
from portal.github.sync import run_sync
from portal.models import Event, LadderRole
from seps.models import SEP, SEPPullRequest, Status
from seps.services import STATUS_CHANGED, sep_accept
from tests.factories import UserFactory

from .conftest import MAINTAINERS, WHEN_1101, WHEN_1102, M, sep_text

pytestmark = pytest.mark.django_db


def sync(**kw):
    return run_sync(trigger=SyncRun.Trigger.COMMAND, **kw)


# --- first and second sync -----------------------------------------------------------------------


def test_s7_first_sync_imports_every_sep_file(repo):
    run = sync()
    assert run.status == SyncRun.Status.OK
    assert sorted(SEP.objects.values_list("number", flat=True)) == [1101, 1102]


def test_s7_first_sync_takes_each_files_status(repo):
    sync()
    assert SEP.objects.get(number=1102).status == Status.IN_REVIEW


def test_g5_first_sync_imports_both_charters(full_repo):
    sync()
    assert sorted(Group.objects.values_list("slug", "kind")) == [("streaming", "wg"), ("tooling", "ig")]


def test_g5_first_sync_imports_an_approved_charter_version(full_repo):
    sync()
    assert CharterVersion.objects.filter(group__slug="streaming", status=CharterVersion.Status.APPROVED).count() == 1


def test_s7_first_sync_skips_the_template_without_an_error(repo):
    run = sync()
    assert not [e for e in run.errors if "TEMPLATE" in e]
    assert SyncedFile.objects.get(path="seps/TEMPLATE.md").error.startswith("Skipped")


def test_first_sync_reads_only_the_files_it_uses(full_repo):
    sync()
    # 2 SEPs + template + 2 charters + MAINTAINERS.md; README.md is not ours
    assert full_repo.count("blob") == 5 + M


def test_s5_first_sync_dates_last_activity_from_the_last_commit(repo):
    sync()
    assert SEP.objects.get(number=1101).last_activity_at == WHEN_1101


def test_s5_first_sync_does_not_restart_the_clock_of_an_old_sep(repo):
    with time_machine.travel(WHEN_1102 + timedelta(days=200)):
        sync()
    assert SEP.objects.get(number=1102).last_activity_at == WHEN_1102


def test_s5_commit_date_is_asked_once_per_sep_file(repo):
    sync()
    assert repo.count("commits") == 2


def test_first_sync_records_requests_and_changes(full_repo):
    run = sync()
    run.refresh_from_db()
    assert (run.requests_made, run.blobs_fetched, run.files_changed) == (10 + M, 5 + M, 4 + M)


def test_s7_second_sync_with_nothing_changed_fetches_no_blob(repo):
    sync()
    before = repo.count("blob")
    sync()
    assert repo.count("blob") == before


def test_s7_second_sync_with_nothing_changed_costs_three_conditional_requests(repo):
    sync()
    run = sync()
    assert run.requests_made == 3


def test_second_sync_is_answered_304_and_costs_no_rate_limit(repo):
    sync()
    left = repo.rate_remaining
    sync()
    assert repo.rate_remaining == left


def test_s6_second_sync_with_nothing_changed_records_no_event(repo):
    sync()
    count = Event.objects.count()
    sync()
    assert Event.objects.count() == count


# --- one changed file ------------------------------------------------------------------------------


def test_s6_one_changed_sep_file_applies_one_status_change(repo):
    sync()
    repo.put("seps/1102-second-idea.md", sep_text(1102, "Second idea", "Accepted"), WHEN_1102 + timedelta(days=5))
    sync()
    assert Event.objects.filter(verb=STATUS_CHANGED).count() == 1


def test_s6_one_changed_sep_file_fetches_one_blob(repo):
    sync()
    before = repo.count("blob")
    repo.put("seps/1102-second-idea.md", sep_text(1102, "Second idea", "Accepted"), WHEN_1102 + timedelta(days=5))
    sync()
    assert repo.count("blob") == before + 1


def test_s6_synced_status_change_names_the_repository_and_commit(repo):
    sync()
    commit = repo.put("seps/1102-second-idea.md", sep_text(1102, "Second idea", "Accepted"), WHEN_1102 + timedelta(1))
    sync()
    event = Event.objects.get(verb=STATUS_CHANGED)
    assert event.data["reason"] == f"synced from the repository: in-review -> accepted, commit {commit[:7]}"


def test_s5_a_changed_file_moves_last_activity_to_its_commit(repo):
    sync()
    later = WHEN_1102 + timedelta(days=9)
    repo.put("seps/1102-second-idea.md", sep_text(1102, "Second idea", "Accepted"), later)
    sync()
    assert SEP.objects.get(number=1102).last_activity_at == later


def test_s7_newest_change_wins_a_later_portal_decision_is_not_undone_by_an_unchanged_file(repo, core_maintainer):
    sync()
    sep_accept(sep=SEP.objects.get(number=1102), by=core_maintainer, reason="Agreed at the review.")
    sync()
    assert SEP.objects.get(number=1102).status == Status.ACCEPTED


def test_s7_newest_change_wins_a_portal_decision_after_the_commit_is_kept_on_first_sync(repo, core_maintainer):
    """The SEP was imported by hand, then decided in the portal; the repository's file is older."""
    sync()
    SyncedFile.objects.all().delete()  # as if this were the first sync
    sep_accept(sep=SEP.objects.get(number=1102), by=core_maintainer, reason="Agreed at the review.")
    sync()
    assert SEP.objects.get(number=1102).status == Status.ACCEPTED


def test_s6_newest_change_wins_records_the_files_status_too(repo, core_maintainer):
    sync()
    SyncedFile.objects.all().delete()
    sep_accept(sep=SEP.objects.get(number=1102), by=core_maintainer, reason="Agreed at the review.")
    sync()
    kept = Event.objects.get(verb="sep.sync_status_kept")
    assert (kept.data["file_status"], kept.data["kept"]) == ("in-review", "accepted")


def test_s7_a_file_changed_after_the_portal_decision_wins(repo, core_maintainer):
    sync()
    sep_accept(sep=SEP.objects.get(number=1102), by=core_maintainer, reason="Agreed at the review.")
    repo.put("seps/1102-second-idea.md", sep_text(1102, "Second idea", "Final"), datetime.now(UTC) + timedelta(1))
    sync()
    assert SEP.objects.get(number=1102).status == Status.FINAL


# --- pull requests ---------------------------------------------------------------------------------


@pytest.fixture
def pr_2385(repo):
    return repo.open_pull(
        2385,
        {"seps/0000-streaming-results.md": sep_text(None, "Streaming results", "Draft"), "docs/x.md": "text"},
        title="SEP: streaming results",
        labels=["SEP", "draft"],
        updated_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        author="ada-example",
    )


def test_s1_a_0000_file_in_pull_request_2385_becomes_sep_2385(pr_2385):
    sync()
    assert SEP.objects.get(number=2385).title == "Streaming results"


def test_s1_sep_from_a_pull_request_links_it(pr_2385):
    sync()
    assert SEP.objects.get(number=2385).pr_url.endswith("/pull/2385")


def test_s6_sep_from_a_pull_request_names_it_as_the_source(pr_2385):
    sync()
    event = Event.objects.get(verb="sep.imported", data__number=2385)
    assert event.data["source"] == "pull request #2385"


def test_s5_sep_from_a_pull_request_counts_from_its_updated_at(pr_2385):
    sync()
    assert SEP.objects.get(number=2385).last_activity_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_s7_status_labels_of_the_pull_request_are_kept_beside_the_files_status(pr_2385):
    sync()
    pr = SEPPullRequest.objects.get(number=2385)
    assert (pr.status_labels, pr.sep.status) == (["draft"], Status.DRAFT)


def test_s7_a_label_change_alone_is_shown_without_reading_files_again(pr_2385, repo):
    sync()
    pr_2385.labels = ["SEP", "in-review"]
    sync()
    assert SEPPullRequest.objects.get(number=2385).status_labels == ["in-review"]
    assert repo.count("pull_files") == 1


def test_s1_an_unchanged_pull_request_is_not_read_again(pr_2385, repo):
    sync()
    sync()
    assert repo.count("pull_files") == 1


def test_s1_a_new_push_to_the_pull_request_updates_its_sep(pr_2385, repo):
    sync()
    repo.push_to_pull(2385, "seps/0000-streaming-results.md", sep_text(None, "Streaming results, v2", "Draft"))
    sync()
    assert SEP.objects.get(number=2385).title == "Streaming results, v2"


def test_s7_a_pull_request_changing_a_merged_sep_is_not_applied(repo):
    sync()
    repo.open_pull(2400, {"seps/1101-first-idea.md": sep_text(1101, "First idea", "In-Review")}, labels=["in-review"])
    sync()
    assert SEP.objects.get(number=1101).status == Status.DRAFT


def test_s7_a_pull_request_changing_a_merged_sep_is_shown_on_it(repo):
    sync()
    repo.open_pull(2400, {"seps/1101-first-idea.md": sep_text(1101, "First idea", "In-Review")})
    sync()
    pr = SEP.objects.get(number=1101).pull_requests.get()
    assert (pr.number, pr.kind, pr.proposed_status) == (2400, "changes", "in-review")


def test_s1_a_closed_pull_request_is_recorded_and_its_sep_kept(pr_2385, repo):
    sync()
    repo.close_pull(2385, merged=False)
    sync()
    assert SEPPullRequest.objects.get(number=2385).state == SEPPullRequest.State.CLOSED
    assert SEP.objects.filter(number=2385).exists()


def test_s6_a_closed_pull_request_is_on_the_seps_timeline(pr_2385, repo):
    sync()
    repo.close_pull(2385, merged=False)
    sync()
    assert Event.objects.filter(verb="sep.pull_request", data__action="closed", data__number=2385).count() == 1


def test_s1_a_merged_pull_request_is_recorded_as_merged(repo):
    sync()
    repo.open_pull(2400, {"seps/1101-first-idea.md": sep_text(1101, "First idea", "In-Review")})
    sync()
    repo.close_pull(2400, merged=True)
    repo.put("seps/1101-first-idea.md", sep_text(1101, "First idea", "In-Review"), WHEN_1101 + timedelta(days=3))
    sync()
    assert SEPPullRequest.objects.get(number=2400).state == SEPPullRequest.State.MERGED
    assert SEP.objects.get(number=1101).status == Status.IN_REVIEW


def test_open_pull_requests_follow_the_link_header(repo):
    repo.per_page_cap = 1
    repo.open_pull(2385, {"seps/0000-a.md": sep_text(None, "Idea A")})
    repo.open_pull(2386, {"seps/0000-b.md": sep_text(None, "Idea B")})
    sync()
    assert sorted(SEP.objects.filter(number__gt=2000).values_list("number", flat=True)) == [2385, 2386]


# --- charters and the maintainers list -----------------------------------------------------------


def test_g5_a_charter_changed_upstream_becomes_a_new_approved_version(full_repo):
    sync()
    text = full_repo.files["docs/community/working-groups/streaming.mdx"].decode()
    full_repo.put("docs/community/working-groups/streaming.mdx", text.replace("in\npieces", "in small pieces"))
    sync()
    assert list(
        CharterVersion.objects.filter(group__slug="streaming").order_by("number").values_list("number", "status")
    ) == [(1, "approved"), (2, "approved")]


def test_g5_a_charter_change_is_recorded_with_its_source(full_repo):
    sync()
    text = full_repo.files["docs/community/working-groups/streaming.mdx"].decode()
    full_repo.put("docs/community/working-groups/streaming.mdx", text.replace("in\npieces", "in small pieces"))
    sync()
    assert Event.objects.filter(verb="group.synced", data__source="synced from the repository").count() == 3


# --- faults and limits ------------------------------------------------------------------------------


def test_rate_limit_403_stops_the_run_and_records_the_reset(repo):
    repo.rate_remaining = 4
    run = sync()
    assert (run.status, run.resume_after) == (SyncRun.Status.RATE_LIMITED, repo.rate_reset)


def test_rate_limit_403_makes_the_next_run_wait_without_a_request(repo):
    repo.rate_remaining = 4
    sync()
    count = len(repo.requests)
    run = sync()
    assert (run.status, len(repo.requests)) == (SyncRun.Status.WAITING, count)


def test_rate_limit_the_run_after_the_reset_finishes_without_refetching(repo):
    repo.rate_remaining = 5
    sync()
    applied = set(SyncedFile.objects.values_list("blob_sha", flat=True))
    first = len(repo.requests)
    repo.rate_remaining = 5000
    with time_machine.travel(repo.rate_reset + timedelta(minutes=1)):
        run = sync()
    fetched_again = {path.rsplit("/", 1)[-1] for kind, path in repo.requests[first:] if kind == "blob"}
    assert run.status == SyncRun.Status.OK
    assert len(applied) >= 1  # the first run applied something before it stopped
    assert applied & fetched_again == set()


def test_rate_limit_never_asks_again_once_github_said_none_are_left(repo):
    repo.rate_remaining = 4
    sync()
    assert len(repo.requests) == 4  # the 4th answer said 0 left: no 5th request, no 403 needed


def test_rate_limit_retry_after_is_honoured(repo):
    repo.retry_after = 120
    repo.fail = lambda kind, path: 429 if kind == "tree" else None
    with time_machine.travel(datetime(2026, 4, 1, 12, 0, tzinfo=UTC), tick=False):
        run = sync()
    assert run.resume_after == datetime(2026, 4, 1, 12, 2, tzinfo=UTC)


def test_a_500_half_way_keeps_what_was_applied(repo):
    repo.fail = lambda kind, path: 500 if kind == "commits" and "1102" in path else None
    run = sync()
    assert run.status == SyncRun.Status.FAILED
    assert list(SEP.objects.values_list("number", flat=True)) == [1101]


def test_a_500_half_way_leaves_the_rest_for_the_next_run(repo):
    repo.fail = lambda kind, path: 500 if kind == "commits" and "1102" in path else None
    sync()
    fetched = repo.count("blob")
    repo.fail = None
    sync()
    assert SEP.objects.filter(number=1102).exists()
    # the SEP that was not applied, and the template the first run never reached; nothing else again
    assert repo.count("blob") == fetched + 2


def test_a_500_half_way_names_the_error(repo):
    repo.fail = lambda kind, path: 500 if kind == "commits" and "1102" in path else None
    run = sync()
    assert "GitHub answered 500" in run.errors[-1]


def test_a_timeout_stops_the_run_cleanly(repo):
    repo.fail = lambda kind, path: httpx.ReadTimeout("slow") if kind == "pulls" else None
    run = sync()
    assert (run.status, "did not answer in time" in run.errors[-1]) == (SyncRun.Status.FAILED, True)


def test_a_timeout_keeps_the_files_applied_before_it(repo):
    repo.fail = lambda kind, path: httpx.ReadTimeout("slow") if kind == "pulls" else None
    sync()
    assert SEP.objects.count() == 2


def test_a_broken_sep_file_is_reported_and_the_others_still_apply(repo):
    repo.put("seps/1103-broken.md", "# SEP-1103: Broken\n\nNo preamble at all.\n")
    run = sync()
    assert any("1103-broken.md" in e for e in run.errors)
    assert SEP.objects.count() == 2


def test_a_broken_file_is_not_fetched_again_until_it_changes(repo):
    repo.put("seps/1103-broken.md", "# SEP-1103: Broken\n\nNo preamble at all.\n")
    sync()
    before = repo.count("blob")
    sync()
    assert repo.count("blob") == before


# --- one sync at a time ----------------------------------------------------------------------------


def test_one_sync_at_a_time_a_second_is_skipped_while_one_runs(repo):
    assert SyncState.acquire("another-run")
    run = sync()
    assert (run.status, len(repo.requests)) == (SyncRun.Status.SKIPPED, 0)


def test_one_sync_at_a_time_the_skipped_one_asks_for_a_rerun(repo):
    assert SyncState.acquire("another-run")
    sync()
    assert SyncState.load().rerun_requested is True


def test_a_lock_left_by_a_dead_worker_expires(repo):
    assert SyncState.acquire("dead-worker", datetime.now(UTC) - timedelta(hours=2))
    assert sync().status == SyncRun.Status.OK


def test_the_lock_is_released_after_a_failed_run(repo):
    repo.fail = lambda kind, path: 500
    sync()
    assert SyncState.load().locked_until is None


# --- dry run and the command ----------------------------------------------------------------------


def test_dry_run_writes_nothing(full_repo):
    run = sync(dry_run=True)
    assert (SEP.objects.count(), Group.objects.count(), SyncedFile.objects.count(), SyncRun.objects.count()) == (
        0,
        0,
        0,
        0,
    )
    assert run.files_changed == 4 + M


def test_sync_github_command_reports_requests_and_changes(full_repo, capsys):
    call_command("sync_github")
    out = capsys.readouterr().out
    assert f"{10 + M} request(s), {5 + M} file(s) fetched" in out


def test_sync_github_command_dry_run_changes_nothing(repo, capsys):
    call_command("sync_github", "--dry-run")
    assert SEP.objects.count() == 0


def test_p1_sponsor_from_synced_maintainers_is_a_steering_member(repo):
    UserFactory(github="cora-core", ladder_role=LadderRole.CORE_MAINTAINER)
    repo.put("seps/1104-sponsored.md", sep_text(1104, "Sponsored", "Draft", sponsor="@cora-core"))
    sync()
    assert SEP.objects.get(number=1104).sponsor.github == "cora-core"


# --- MAINTAINERS.md (through the maintainers importer) ---------------------------------------------


def test_p1_maintainers_list_sets_the_ladder_role(repo):
    pytest.importorskip("portal.maintainers")
    sync()
    from portal.models import User

    assert User.objects.get(github__iexact="cora-core").ladder_role == LadderRole.CORE_MAINTAINER


def test_p1_a_person_removed_from_core_maintainers_has_the_role_ended_not_deleted(repo):
    pytest.importorskip("portal.maintainers")
    from portal.models import Role, User

    sync()
    repo.put("MAINTAINERS.md", MAINTAINERS.replace("- [Cal Core](https://github.com/cal-core)\n", ""))
    sync()
    cal = User.objects.get(github__iexact="cal-core")
    assert Role.objects.filter(person=cal, ended_at__isnull=False).count() == 1
    assert Role.objects.filter(person=cal, ended_at__isnull=True, emeritus=False, kind="core_maintainer").count() == 0


def test_p1_an_unchanged_maintainers_list_is_not_fetched_again(repo):
    pytest.importorskip("portal.maintainers")
    sync()
    before = repo.count("blob")
    sync()
    assert repo.count("blob") == before


# --- who the sync acts as -------------------------------------------------------------------------


def test_g5_without_a_sync_user_charters_wait_and_the_run_says_why(full_repo, settings):
    settings.GITHUB_SYNC_USER = ""
    run = sync()
    assert Group.objects.count() == 0
    assert any("GITHUB_SYNC_USER" in e for e in run.errors)


def test_g5_without_a_sync_user_seps_still_sync(full_repo, settings):
    settings.GITHUB_SYNC_USER = ""
    sync()
    assert SEP.objects.count() == 2


def test_g5_a_sync_user_who_is_not_a_core_maintainer_is_not_used(full_repo, settings, maintainer):
    settings.GITHUB_SYNC_USER = maintainer.username
    sync()
    assert Group.objects.count() == 0


def test_g5_a_synced_charter_names_the_sync_user_as_approver(full_repo, sync_user):
    sync()
    assert CharterVersion.objects.get(group__slug="streaming").decided_by == sync_user


def test_g5_sync_now_acts_as_the_core_maintainer_who_asked(full_repo, settings, core_maintainer):
    settings.GITHUB_SYNC_USER = ""
    run_sync(trigger=SyncRun.Trigger.MANUAL, requested_by=core_maintainer)
    assert CharterVersion.objects.get(group__slug="streaming").decided_by == core_maintainer


def test_sync_github_command_by_must_name_a_core_maintainer(repo, maintainer):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sync_github", "--by", maintainer.username)
