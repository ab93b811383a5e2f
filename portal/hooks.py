"""Optional per-app modules the portal calls into: `<app>/demo.py`, `<app>/dashboard.py`, `<app>/bench.py`."""

import importlib
from collections.abc import Iterator
from types import ModuleType

APPS = ("groups", "meetings", "seps")


def app_modules(name: str, apps=APPS) -> Iterator[ModuleType]:
    """`<app>.<name>` for each app that has one, in order. An import error inside the module still raises."""
    for app in apps:
        try:
            yield importlib.import_module(f"{app}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.{name}":
                raise
