"""Hands MAINTAINERS.md to the maintainers importer (issue 13 part A) and reports what it changed."""

from dataclasses import dataclass, field


@dataclass
class Result:
    changes: list = field(default_factory=list)
    error: str = ""


def apply(text: str, *, source: str) -> Result:
    """Apply the maintainers list given as text, inside the caller's transaction."""
    try:
        from portal.maintainers import import_maintainers_text  # noqa: PLC0415 - lands with part A
    except ImportError:
        return Result(error="The maintainers importer is not installed in this portal yet; MAINTAINERS.md not applied.")
    report = import_maintainers_text(text, source=source)
    changes = list(getattr(report, "changes", None) or (report.get("changes", []) if isinstance(report, dict) else []))
    return Result(changes=changes)
