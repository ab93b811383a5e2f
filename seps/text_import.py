"""One SEP file given as its name and text, imported in its own transaction: the entry point for
programs that read SEP files from elsewhere than a folder (the GitHub sync, portal/github/)."""

import re

from .importer import MAX_BYTES, Parsed, parse_sep

PLACEHOLDER_PREFIX_RE = re.compile(r"^(?:\d+|x+|draft|sep)?-*(?P<rest>.*)$", re.I)


class _Rollback(Exception):
    pass


def import_sep_text(
    name: str,
    text: str | bytes,
    *,
    source: str = "import",
    detail: str = "",
    number: int | None = None,
    activity_at=None,
    pr_url: str = "",
    extra: dict | None = None,
    dry_run: bool = False,
    by=None,
) -> tuple[Parsed, str | None]:
    """Import one SEP file from its name and text, in its own transaction (same rules as
    `import_seps`). Returns (parsed, outcome); outcome is None when nothing was imported
    (`parsed.error` says why), else "created", "updated" or "unchanged" (`parsed.changed`).

    `number` forces the SEP's number: a file that an open pull request adds is the SEP numbered
    like the pull request (S1), also while the file is still named `0000-...`. `source`, `detail`
    and `activity_at` (the repository's time of the change) go to `sep_import_parsed`, and so does
    `by`, the core maintainer the import is recorded under (None: recorded as the portal's)."""
    from django.db import transaction

    from .services import sep_import_parsed

    data = text.encode("utf-8") if isinstance(text, str) else text
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    parse_name = base
    if number:
        rest = PLACEHOLDER_PREFIX_RE.match(base)["rest"] or "sep.md"
        parse_name = f"{number}-{rest}"
    parsed = parse_sep(parse_name, data[: MAX_BYTES + 1], size=len(data))
    parsed.file = base
    if parsed.error:
        return parsed, None
    if number and parsed.number != number:
        parsed.warnings.append(
            f"The title says SEP-{parsed.number}; a SEP is numbered like the pull request that proposes it, "
            f"#{number} (S1)."
        )
        parsed.number = number
    if pr_url and not parsed.pr:
        parsed.pr = pr_url
    try:
        with transaction.atomic():
            outcome, changed = sep_import_parsed(
                parsed=parsed, by=by, source=source, detail=detail, activity_at=activity_at, extra=extra
            )
            parsed.changed = changed
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return parsed, outcome
