"""What the apps above groups add to it. groups never imports meetings or seps (DESIGN layers):
they register here from their AppConfig.ready(), as apps add dashboard panels.

- directory annotations: functions `qs -> qs` applied to the groups directory (meetings adds
  `next_meeting_at`); a template shows what is there and "—" otherwise.
- group page annotations: functions `(qs, now) -> qs` applied to the one query that loads a group
  for its page; each adds the facts its panel reads to skip its queries when it has nothing to
  show (meetings: `meetings_upcoming`, `meetings_noted`, `meetings_overdue`; seps: `seps_any`).
  A panel given a group without them runs its queries as before.
- activity sources (G7): functions `now -> (queryset, moment field)`: the rows that are signs of
  life, with a `group` foreign key (meetings: meetings held, by `starts_at`). groups.activity reads
  them per group (the latest) and for the sweep as one EXISTS per source.
"""

from collections.abc import Callable

_directory_annotations: list[Callable] = []
_activity_sources: list[Callable] = []
_page_annotations: list[Callable] = []


def register_directory_annotation(fn: Callable) -> Callable:
    if fn not in _directory_annotations:
        _directory_annotations.append(fn)
    return fn


def annotate_directory(queryset):
    for fn in _directory_annotations:
        queryset = fn(queryset)
    return queryset


def register_page_annotation(fn: Callable) -> Callable:
    if fn not in _page_annotations:
        _page_annotations.append(fn)
    return fn


def annotate_page(queryset, now):
    for fn in _page_annotations:
        queryset = fn(queryset, now)
    return queryset


def register_activity_source(fn: Callable) -> Callable:
    if fn not in _activity_sources:
        _activity_sources.append(fn)
    return fn


def registered_sources(now) -> list[tuple]:
    """Every registered source's (queryset, moment field) at `now`."""
    return [fn(now) for fn in _activity_sources]
