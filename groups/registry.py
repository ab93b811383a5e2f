"""What the apps above groups add to it. groups never imports meetings or seps (DESIGN layers):
they register here from their AppConfig.ready(), as apps add dashboard panels.

- directory annotations: functions `qs -> qs` applied to the groups directory (meetings adds
  `next_meeting_at`); a template shows what is there and "—" otherwise.
- activity sources (G7): functions `(group, now) -> datetime | None`, the latest sign of life the
  app knows of (meetings: the last meeting held).
"""

from collections.abc import Callable
from datetime import datetime

_directory_annotations: list[Callable] = []
_activity_sources: list[Callable] = []


def register_directory_annotation(fn: Callable) -> Callable:
    if fn not in _directory_annotations:
        _directory_annotations.append(fn)
    return fn


def annotate_directory(queryset):
    for fn in _directory_annotations:
        queryset = fn(queryset)
    return queryset


def register_activity_source(fn: Callable) -> Callable:
    if fn not in _activity_sources:
        _activity_sources.append(fn)
    return fn


def activity_signs(group, now) -> list[datetime]:
    """Every registered source's latest sign of life for `group` (None answers are left out)."""
    return [d for d in (fn(group, now) for fn in _activity_sources) if d is not None]
