"""Org-wide permission predicates (django-rules). Apps add their object rules in `<app>/rules.py`."""

import rules


@rules.predicate
def is_member_or_above(user):
    return bool(user and user.is_authenticated and user.is_member_or_above)


@rules.predicate
def is_steering_group(user):
    return bool(user and user.is_authenticated and user.is_steering_group)


@rules.predicate
def is_core_maintainer(user):
    return bool(user and user.is_authenticated and user.is_core_maintainer)


@rules.predicate
def is_lead_maintainer(user):
    return bool(user and user.is_authenticated and user.is_lead_maintainer)


rules.add_rule("portal.is_steering_group", is_steering_group)
rules.add_rule("portal.is_core_maintainer", is_core_maintainer)
rules.add_perm("portal.change_ladder_role", is_core_maintainer)

# The Django admin: core maintainers (staff) manage people and read the event log and outbox.
rules.add_perm("portal.view_user", is_core_maintainer)
rules.add_perm("portal.change_user", is_core_maintainer)
rules.add_perm("portal.view_event", is_core_maintainer)
rules.add_perm("portal.view_role", is_core_maintainer)
rules.add_perm("portal.view_notice", is_core_maintainer)
