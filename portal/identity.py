"""Who a GitHub handle is (DESIGN convention 12).

A handle typed into a profile is a claim and grants nothing. A handle identifies a person only when
it is verified (GitHub sign-in, or a core maintainer's recorded confirmation) or when it belongs to
a placeholder "known from GitHub" that an importer or the sync created for a handle nobody has
verified. When that person later signs in with GitHub, the placeholder is merged into their account.

Every place that matches people by handle calls `people_for_handles` (or its one-handle form
`person_for_handle`); nothing else looks people up by `github`.

Apps whose rows point at people take part in a merge through the `person_merging` signal (sent
inside the merge's transaction, before the rows move): they resolve what would collide (two
current memberships of one group, one meeting attended twice) so that every remaining row can be
moved to the real account. This module never imports the apps above it.
"""

import logging
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.text import slugify

from .errors import DomainError
from .events import record
from .models import GithubVerification, LadderRole, Role, User, normalize_github

log = logging.getLogger(__name__)

# GitHub logins: letters, digits and single hyphens, not starting with a hyphen, at most 39 long.
HANDLE_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")

# Sent with (placeholder, into, by) inside the merge transaction, before rows are moved.
person_merging = Signal()

# Relations a merge never moves: sign-in records belong to the account that signs in.
MERGE_SKIPPED_APPS = {"account", "socialaccount", "sessions", "mfa", "usersessions", "admin"}


def clean_handle(value: str) -> str:
    """`@Octo`, `https://github.com/Octo/` -> `Octo`; "" when it cannot be a GitHub login."""
    handle = normalize_github(value or "")
    return handle if HANDLE_RE.match(handle) else ""


def verified_handle(user) -> str:
    """The handle `user` may be matched by, lowercased: "" for a typed (unverified) claim."""
    if not (user and getattr(user, "is_authenticated", False)):
        return ""
    if user.is_placeholder or user.github_verified_at:
        return (user.github or "").lower()
    return ""


def _placeholder_username(handle: str) -> str:
    base = f"gh-{slugify(handle)}"[:140] or "gh-person"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _create_placeholder(handle: str, *, source: str, defaults: dict | None) -> User:
    values = {k: v for k, v in (defaults or {}).items() if k in PLACEHOLDER_FIELDS and v}
    user = User(
        username=_placeholder_username(handle),
        github=handle,
        is_placeholder=True,
        **values,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():  # a concurrent import may have created the same placeholder
            user.save()
    except IntegrityError:
        existing = User.objects.github_owners().filter(github__iexact=handle).first()
        if existing is None:
            raise
        return existing
    record(actor=None, verb="person.placeholder_created", target=user, data={"handle": handle, "source": source})
    return user


PLACEHOLDER_FIELDS = {"display_name", "discord", "affiliation", "ladder_role", "timezone"}


def people_for_handles(
    handles: Iterable[str],
    *,
    create_placeholder: bool = False,
    source: str = "",
    defaults: dict[str, dict] | None = None,
) -> dict[str, User]:
    """The people these handles name: {lowercased handle: User}. One query to look them up.

    A handle names its verified owner, else the placeholder known from GitHub that holds it. An
    unverified, typed claim is never matched. With `create_placeholder`, a handle nobody owns gets a
    new placeholder (recorded, with `source`: "charter import", "SEP import", "MAINTAINERS.md", "sync"),
    filled from `defaults[handle.lower()]` (display_name, discord, affiliation, ladder_role).
    Handles that are not GitHub logins are left out.
    """
    wanted = {}
    for raw in handles:
        handle = clean_handle(raw)
        if handle:
            wanted.setdefault(handle.lower(), handle)
    if not wanted:
        return {}
    match = Q()
    for key in wanted:
        match |= Q(github__iexact=key)
    found: dict[str, User] = {}
    # Verified owners first: a placeholder can only coexist with one while a merge is pending.
    for user in User.objects.github_owners().filter(match).order_by("is_placeholder", "pk"):
        found.setdefault(user.github.lower(), user)
    if create_placeholder:
        for key, handle in wanted.items():
            if key not in found:
                found[key] = _create_placeholder(handle, source=source, defaults=(defaults or {}).get(key))
    return found


def person_for_handle(
    handle: str, *, create_placeholder: bool = False, source: str = "", defaults: dict | None = None
) -> User | None:
    """The person a handle names (see `people_for_handles`), or None."""
    handle = clean_handle(handle)
    key = handle.lower()
    if not key:
        return None
    found = people_for_handles([handle], create_placeholder=create_placeholder, source=source,
                               defaults={key: defaults or {}})  # fmt: skip
    return found.get(key)


# --- Verification ---------------------------------------------------------------------------------


def _take_handle(*, user: User, handle: str, via: str, by, github_id=None, now=None) -> list[str]:
    """Make `handle` `user`'s verified handle, inside the caller's transaction. Returns what changed."""
    now = now or timezone.now()
    changes = []
    owners = list(User.objects.select_for_update().github_owners().filter(github__iexact=handle).exclude(pk=user.pk))
    for other in owners:
        if other.is_placeholder:
            merge_placeholder(placeholder=other, into=user, by=by, now=now)
            changes.append(f"merged placeholder {other.username}")
        elif via == GithubVerification.SIGN_IN:
            # GitHub says this login is now this account's (a renamed account, or a wrong confirmation):
            # the other account's handle becomes a plain claim again.
            old = other.github
            other.github_verified_at, other.github_verified_via, other.github_id = None, "", None
            other.save(update_fields=["github_verified_at", "github_verified_via", "github_id"])
            record(actor=by, verb="person.github_unverified", target=other,
                   data={"handle": old, "reason": f"GitHub sign-in of {user.username} holds this login now"})  # fmt: skip
            changes.append(f"unverified {other.username}")
        else:
            raise DomainError(f"@{handle} is already verified by another account ({other.name}).")
    old_handle = user.github
    same = (
        user.github == handle
        and user.github_verified_at is not None
        and (github_id is None or user.github_id == github_id)
    )
    if not same:
        user.github = handle
        user.github_verified_at = now
        user.github_verified_via = via
        if github_id is not None:
            user.github_id = github_id
        user.save(update_fields=["github", "github_verified_at", "github_verified_via", "github_id"])
        record(actor=by, verb="person.github_verified", target=user, at=now,
               data={"handle": handle, "via": via, "previous": old_handle})  # fmt: skip
        changes.append("verified")
    return changes


def github_signed_in(*, user: User, login: str, github_id=None, now=None) -> list[str]:
    """A GitHub sign-in (or connecting GitHub to an account): GitHub's login becomes the verified
    handle, refreshed each time, and a placeholder holding it is merged in. Returns what changed."""
    handle = clean_handle(login)
    if not handle or not user.pk:
        return []
    if github_id is not None:
        try:
            github_id = int(github_id)
        except (TypeError, ValueError):
            github_id = None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        return _take_handle(user=user, handle=handle, via=GithubVerification.SIGN_IN, by=user,
                            github_id=github_id, now=now)  # fmt: skip


def may_confirm_github(by) -> bool:
    return bool(by and by.is_authenticated and (by.is_core_maintainer or by.is_superuser))


def confirm_github(*, user: User, by, handle: str | None = None, reason: str = "") -> User:
    """A core maintainer confirms that `user` owns `handle` (default: the handle they typed). Recorded."""
    if not may_confirm_github(by):
        raise PermissionDenied("Only core maintainers confirm a GitHub handle.")
    if user.is_placeholder:
        raise DomainError("A placeholder known from GitHub is confirmed by its owner signing in with GitHub.")
    handle = clean_handle(handle if handle is not None else user.github)
    if not handle:
        raise DomainError("There is no valid GitHub handle to confirm.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.github_verified_at and user.github.lower() == handle.lower():
            raise DomainError(f"@{user.github} is already verified.")
        _take_handle(user=user, handle=handle, via=GithubVerification.CONFIRMED, by=by)
        record(actor=by, verb="person.github_confirmed", target=user, data={"handle": handle, "reason": reason})
    return user


def revoke_github(*, user: User, by, reason: str = "") -> User:
    """A core maintainer withdraws a verification (a mistaken confirmation). The handle stays as a claim."""
    if not may_confirm_github(by):
        raise PermissionDenied("Only core maintainers withdraw a GitHub verification.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.github_verified_at:
            raise DomainError("This handle is not verified.")
        user.github_verified_at, user.github_verified_via, user.github_id = None, "", None
        user.save(update_fields=["github_verified_at", "github_verified_via", "github_id"])
        record(actor=by, verb="person.github_unverified", target=user, data={"handle": user.github, "reason": reason})
    return user


# --- Merging a placeholder into the real account ----------------------------------------------------


def _user_relations():
    for rel in User._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        if rel.related_model is User or rel.related_model._meta.app_label in MERGE_SKIPPED_APPS:
            continue
        yield rel


def merge_placeholder(*, placeholder: User, into: User, by=None, now=None) -> dict[str, int]:
    """Move everything a placeholder holds (memberships, roles, authorship, sponsorships, attendance,
    participation, its events) to `into`, then retire the placeholder (inactive, handle cleared,
    `merged_into` set). Recorded. Runs inside the caller's transaction or its own."""
    if not placeholder.is_placeholder:
        raise DomainError("Only a placeholder known from GitHub is merged; a typed claim never is.")
    if placeholder.pk == into.pk or into.is_placeholder:
        raise DomainError("A placeholder is merged into a real account.")
    now = now or timezone.now()
    moved: dict[str, int] = {}
    with transaction.atomic():
        placeholder = User.objects.select_for_update().get(pk=placeholder.pk)
        handle = placeholder.github
        open_roles = {(r.kind, r.area, r.scope.lower()) for r in Role.objects.current().filter(person=into)}
        for role in Role.objects.select_for_update().current().filter(person=placeholder):
            if (role.kind, role.area, role.scope.lower()) in open_roles:  # one open role per person+kind+scope
                role.ended_at = max(now, role.started_at)
                role.save(update_fields=["ended_at"])
        person_merging.send(sender=User, placeholder=placeholder, into=into, by=by, now=now)
        for rel in _user_relations():
            field = rel.field.name
            n = rel.related_model._base_manager.filter(**{field: placeholder}).update(**{field: into})
            if n:
                moved[f"{rel.related_model._meta.label_lower}.{field}"] = n
        fill = []
        for attr in ("display_name", "discord", "affiliation"):
            if getattr(placeholder, attr) and not getattr(into, attr):
                setattr(into, attr, getattr(placeholder, attr))
                fill.append(attr)
        if LadderRole.rank(placeholder.ladder_role) > LadderRole.rank(into.ladder_role):
            record(actor=by, verb="user.ladder_role_changed", target=into,
                   data={"from": into.ladder_role, "to": placeholder.ladder_role, "source": "merge"})  # fmt: skip
            into.ladder_role = placeholder.ladder_role
            fill.append("ladder_role")
        placeholder.github = ""
        placeholder.is_active = False
        placeholder.merged_into = into
        placeholder.save(update_fields=["github", "is_active", "merged_into"])
        if fill:
            into.save(update_fields=fill)
        record(actor=by, verb="person.placeholder_merged", target=into, at=now,
               data={"handle": handle, "placeholder": placeholder.pk, "placeholder_username": placeholder.username,
                     "moved": moved})  # fmt: skip
    return moved


__all__ = [
    "HANDLE_RE",
    "clean_handle",
    "confirm_github",
    "github_signed_in",
    "may_confirm_github",
    "merge_placeholder",
    "people_for_handles",
    "person_for_handle",
    "person_merging",
    "revoke_github",
    "verified_handle",
]
