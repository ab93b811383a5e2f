"""`manage.py sync_github [--dry-run]`: one sync with the specification repository, now."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.github.models import SyncRun
from portal.github.sync import run_sync


class Command(BaseCommand):
    help = (
        "Read SEPs, open SEP pull requests, charters and MAINTAINERS.md from GITHUB_REPOSITORY "
        "(through GITHUB_API_URL) and apply what changed since the last sync."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Read and report; write nothing.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The core maintainer this sync acts as (named as approver of synced charters, G5); "
            "default: GITHUB_SYNC_USER.",
        )

    def handle(self, *args, dry_run=False, by=None, **options):
        from portal.models import User

        requested_by = None
        if by:
            requested_by = User.objects.filter(username=by).first()
            if requested_by is None or not requested_by.is_core_maintainer:
                raise CommandError(f"--by {by}: no core maintainer has that username.")
        self.stdout.write(f"Syncing {settings.GITHUB_REPOSITORY} from {settings.GITHUB_API_URL}"
                          f"{' (dry run)' if dry_run else ''}")  # fmt: skip
        run = run_sync(trigger=SyncRun.Trigger.COMMAND, dry_run=dry_run, requested_by=requested_by)
        for line in run.changes:
            self.stdout.write(f"  {line}")
        for line in run.errors:
            self.stdout.write(self.style.WARNING(f"  error: {line}"))
        self.stdout.write(
            f"{run.get_status_display()}: {run.requests_made} request(s), {run.blobs_fetched} file(s) fetched, "
            f"{run.files_changed} change(s), {len(run.errors)} error(s); "
            f"rate limit left: {run.rate_remaining if run.rate_remaining is not None else 'unknown'}."
        )
        if run.status == SyncRun.Status.WAITING:
            self.stdout.write(f"Rate limited: the next sync waits until {run.resume_after:%Y-%m-%d %H:%M} UTC.")
        if run.status == SyncRun.Status.SKIPPED:
            raise CommandError("Another sync is running; try again when it has finished.")
        if run.status == SyncRun.Status.FAILED:
            raise CommandError("The sync stopped on an error; what was applied stays.")
