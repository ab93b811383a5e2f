"""`manage.py import_maintainers PATH`: apply the community's MAINTAINERS.md as ladder roles (RULES P1)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.maintainers import MAX_BYTES, MaintainersFormatError, ParsedMaintainers, import_maintainers_text


class Command(BaseCommand):
    help = (
        "Read MAINTAINERS.md (lead and core maintainers, emeritus, SDK, project, group maintainers, moderators) "
        "and apply it as roles with dates; people not listed any more have their roles ended, not deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="MAINTAINERS.md, or a folder (a repository) that holds it.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="Who runs the import (a core maintainer, or a superuser setting up a new site): recorded as the "
            "actor of every change. Optional: this file is what makes the first core maintainers.",
        )

    def handle(self, *args, path, dry_run, format, by=None, **options):
        actor = self._actor(by)
        file = self._file(Path(path))
        try:
            with file.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)  # never more than the limit in memory
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            if len(data) > MAX_BYTES:
                raise MaintainersFormatError(
                    f"{file.name} is larger than {MAX_BYTES // 1024} KB; not a maintainers list."
                )
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise MaintainersFormatError(f"{file.name} is not UTF-8 text.") from exc
            report = import_maintainers_text(text, file=file.name, dry_run=dry_run, by=actor)
        except MaintainersFormatError as exc:
            if format == "json":
                out = {"file": file.name, "error": str(exc), "entries": [], "changes": [], "warnings": [],
                       "unknown_sections": [], "sections": [], "last_updated": "", "dry_run": dry_run}  # fmt: skip
                self.stdout.write(json.dumps(out, indent=2, ensure_ascii=False))
            raise CommandError(f"{exc} Nothing was changed.") from exc
        if format == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
            return
        self._say(report.parsed, report.changes, dry_run)

    def _actor(self, username):
        from portal.models import User

        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active user {username!r}.")
        if not (user.is_core_maintainer or user.is_superuser):
            raise CommandError(f"{user.name} is not a core maintainer; only core maintainers run imports.")
        return user

    def _file(self, path: Path) -> Path:
        if path.is_dir():
            path = path / "MAINTAINERS.md"
        if not path.is_file():
            raise CommandError(f"{path} is not a file (give MAINTAINERS.md or the folder holding it).")
        return path

    def _say(self, parsed: ParsedMaintainers, changes: list[str], dry_run: bool):
        prefix = "[dry run] " if dry_run else ""
        listed = len({e.handle.lower() for e in parsed.entries})
        self.stdout.write(f"{prefix}{parsed.file}: {len(parsed.entries)} roles of {listed} people"
                          f"{f' (last updated {parsed.last_updated})' if parsed.last_updated else ''}.")  # fmt: skip
        for change in changes:
            self.stdout.write(f"{prefix}  {change}")
        if not changes:
            self.stdout.write(f"{prefix}  nothing to change.")
        for title in parsed.unknown_sections:
            self.stdout.write(self.style.WARNING(f"    warning: unknown section “{title}”: not read."))
        for w in parsed.warnings:
            self.stdout.write(self.style.WARNING(f"    warning: {w}"))
