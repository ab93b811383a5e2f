"""Admin permissions for SEPs (django-rules). Who may change a SEP's status is in transitions.py."""

import rules

from portal.rules import is_core_maintainer

rules.add_perm("seps", is_core_maintainer)
for action in ("view", "add", "change"):
    rules.add_perm(f"seps.{action}_sep", is_core_maintainer)
    rules.add_perm(f"seps.{action}_sepauthor", is_core_maintainer)
rules.add_perm("seps.delete_sepauthor", is_core_maintainer)
