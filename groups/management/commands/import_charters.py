import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groups.charter_import import (
    CharterFormatError,
    CharterSkipped,
    apply_charter,
    parse_charter,
    read_charter,
    report,
    scan_charter_folder,
)


def importer_from_option(username, dry_run):
    """The core maintainer named by --by (None for a dry run, which writes nothing)."""
    from portal.models import User

    if dry_run and not username:
        return None
    if not username:
        raise CommandError("Name the core maintainer running the import: --by USERNAME (imports record who ran them).")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active user {username!r}.")
    if not user.is_core_maintainer:
        raise CommandError(f"{user.name} is not a core maintainer; only core maintainers run imports (G5, T2).")
    return user


class Command(BaseCommand):
    help = (
        "Import group charters (.md/.mdx in the community's format) from PATH: a folder holding "
        "working-groups/ and interest-groups/, a flat folder, or one file. Each file is applied in its "
        "own transaction; a malformed file is reported and nothing of it is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Parse and report; change nothing.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The core maintainer running the import (required unless --dry-run): recorded as the approver "
            "of imported charters and the actor of every change (G5, T2).",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text", help="json: one object per file.")

    def handle(self, path, dry_run=False, format="text", by=None, **options):
        root = Path(path)
        if not root.exists():
            raise CommandError(f"{root} does not exist.")
        importer = importer_from_option(by, dry_run)
        files = scan_charter_folder(root)
        if not files:
            raise CommandError(f"No .md or .mdx charter files under {root}.")
        failed = skipped_count = 0
        for entry in files:
            file, folder_kind = entry.path, entry.kind
            parsed, error, skipped, changes = None, entry.error or None, entry.skipped or None, []
            try:
                # refused (outside the folder, too large) or skipped (another file is this group's charter)
                if not (error or skipped):
                    parsed = parse_charter(read_charter(file), file, folder_kind)
                    if not dry_run:
                        changes = apply_charter(parsed, by=importer)
            except CharterSkipped as exc:
                skipped = str(exc)
            except (CharterFormatError, UnicodeDecodeError) as exc:
                error = str(exc)
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
                error = f"{type(exc).__name__}: {exc}"
            failed += bool(error)
            skipped_count += bool(skipped)
            out = report(parsed, str(file), error=error, skipped=skipped, changes=changes)
            if format == "json":
                self.stdout.write(json.dumps(out, ensure_ascii=False))
            else:
                self._text(out, dry_run)
        if format == "text":
            self.stdout.write(
                f"{len(files) - failed - skipped_count} of {len(files)} file(s) imported"
                f"{f', {skipped_count} skipped' if skipped_count else ''}{' (dry run)' if dry_run else ''}."
            )
        if failed:
            raise CommandError(f"{failed} of {len(files)} charter file(s) could not be imported.")

    def _text(self, out, dry_run):
        if out["error"]:
            self.stdout.write(self.style.ERROR(f"{out['file']}: ERROR {out['error']}"))
            return
        if out["skipped"]:
            self.stdout.write(self.style.WARNING(f"{out['file']}: {out['skipped']}"))
            return
        self.stdout.write(
            f"{out['file']}: {out['name']} ({out['kind']}, /{out['slug']}/) {len(out['leads'])} lead(s), "
            f"{len(out['members'])} member(s); sections: {', '.join(out['sections'])}"
        )
        for w in out["warnings"]:
            self.stdout.write(self.style.WARNING(f"  warning: {w}"))
        if not dry_run:
            self.stdout.write("  " + ("; ".join(out["changes"]) if out["changes"] else "unchanged"))
