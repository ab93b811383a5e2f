"""Hands MAINTAINERS.md to the maintainers importer (issue 13 part A: portal.maintainers)."""

from dataclasses import dataclass, field


@dataclass
class Result:
    changes: list = field(default_factory=list)
    error: str = ""
    missing: bool = False  # the importer is not installed: try again when it is


def apply(text: str, *, path: str, by=None) -> Result:
    """Apply the maintainers list given as text, in its own transaction (nested in the caller's)."""
    try:
        from portal.maintainers import MaintainersFormatError, import_maintainers_text
    except ImportError:
        return Result(error="The maintainers importer is not installed yet; MAINTAINERS.md not applied.", missing=True)
    try:
        report = import_maintainers_text(text, file=path, by=by)
    except MaintainersFormatError as exc:
        return Result(error=str(exc))
    return Result(changes=list(report.changes), error=report.error or "")
