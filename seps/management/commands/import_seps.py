"""`manage.py import_seps PATH`: import a folder of SEP files `seps/<N>-<slug>.md` (RULES S7)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import folders
from seps.importer import MAX_BYTES, Parsed, one_file_per_number, parse_sep
from seps.services import sep_import_parsed


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import SEP markdown files from a folder; each file's own status is the source of truth."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A folder of SEP files (or a repository with a seps/ folder, or one file).")
        parser.add_argument("--dry-run", action="store_true", help="Parse and report; write nothing.")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The core maintainer running the import (required unless --dry-run): recorded as the actor of "
            "every imported status change (S6).",
        )

    def handle(self, *args, path, dry_run, format, by=None, **options):
        from groups.management.commands.import_charters import importer_from_option

        files = self._files(Path(path))
        self.importer = importer_from_option(by, dry_run)
        # Parse everything first: when two files claim the same SEP number, one is chosen the same
        # way on every run and the others are skipped with a warning (never a flip-flop).
        parsed_files = [self._parse(found) for found in files]
        one_file_per_number(parsed_files)
        results, failures = [], 0
        for parsed in parsed_files:
            parsed, outcome = self._one(parsed, dry_run)
            results.append(parsed)
            if parsed.error and not parsed.skipped:
                failures += 1
            if format == "text":
                self._say(parsed, outcome, dry_run)
        if format == "json":
            self.stdout.write(json.dumps([p.as_json() for p in results], indent=2, ensure_ascii=False))
        elif not files:
            self.stdout.write("No SEP files found.")
        if failures:
            raise CommandError(f"{failures} of {len(files)} files could not be imported.")

    def _files(self, path: Path) -> list:
        """[folders.Found]: links resolving outside the folder and files over the size cap are refused."""
        if path.is_file():
            return [folders.Found(path=path, relative=path.name, error=folders.check_file(path.parent, path))]
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder.")
        root = path
        if not any(path.glob("*.md")) and (path / "seps").is_dir():
            path = path / "seps"
        return folders.list_files(root, path, suffixes={".md", ".markdown"}, max_bytes=MAX_BYTES)

    def _parse(self, found) -> Parsed:
        file = found.path
        if found.error and not found.error.startswith("File is too large"):
            return Parsed(file=file.name, error=found.error)
        try:
            data, size = folders.read_capped(file, MAX_BYTES)  # never more than the limit in memory
        except OSError as exc:
            return Parsed(file=file.name, error=f"Cannot read the file: {exc.strerror}.")
        return parse_sep(file.name, data, size=size)

    def _one(self, parsed: Parsed, dry_run: bool):
        if parsed.error:
            return parsed, None
        outcome = None
        try:
            with transaction.atomic():  # one file, one transaction: a bad file writes nothing
                outcome, changed = sep_import_parsed(parsed=parsed, by=self.importer)
                parsed.changed = changed
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except Exception as exc:  # noqa: BLE001 - reported per file; the other files still import
            parsed.error = f"Import failed: {exc}"[:500]
            outcome = None
        return parsed, outcome

    def _say(self, parsed, outcome, dry_run):
        prefix = "[dry run] " if dry_run else ""
        if parsed.error:
            style = self.style.WARNING if parsed.skipped else self.style.ERROR
            self.stdout.write(style(f"{prefix}{parsed.file}: {parsed.error}"))
        else:
            detail = ""
            if outcome == "updated":
                detail = " (" + ", ".join(getattr(parsed, "changed", [])) + ")"
            self.stdout.write(f"{prefix}{parsed.file}: SEP-{parsed.number} {outcome}{detail}, status {parsed.status}")
        for w in parsed.warnings:
            self.stdout.write(self.style.WARNING(f"    warning: {w}"))
