"""Personal tokens: created and revoked by their owner on the profile page, presented by programs as
`Authorization: Bearer <token>` (the MCP server). Only a hash is stored; the token is shown once."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .errors import DomainError
from .models import PersonalToken

TOKEN_PREFIX = "mgp_"
MAX_ACTIVE_TOKENS = 10
LAST_USED_RESOLUTION = 300  # seconds: "last used" is written at most this often


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[PersonalToken, str]:
    """A new token for `user`; returns (row, the token itself, to show once)."""
    name = (name or "").strip()
    if not (user and user.is_authenticated):
        raise DomainError("Sign in to create a personal token.")
    if not name:
        raise DomainError("Name the token after what will use it, e.g. “Claude Desktop on my laptop”.")
    if len(name) > 80:
        raise DomainError("Keep the name under 80 characters.")
    with transaction.atomic():
        if PersonalToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
            raise DomainError(f"You have {MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use first.")
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = PersonalToken.objects.create(user=user, name=name, key_hash=digest(raw), prefix=raw[:10])
    return token, raw


def token_revoke(*, token_id: int, by) -> PersonalToken:
    """Revoke one of `by`'s own tokens (someone else's is "not found", never "forbidden")."""
    with transaction.atomic():
        token = PersonalToken.objects.select_for_update().filter(pk=token_id, user=by).first()
        if token is None:
            raise PersonalToken.DoesNotExist("No such token.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def user_for_token(raw: str | None):
    """The active person a presented token belongs to, or None (unknown, revoked, or a deactivated user)."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = PersonalToken.objects.active().select_related("user").filter(key_hash=digest(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def bearer(headers) -> str | None:
    """The token of an `Authorization: Bearer …` header (any case), else None."""
    if not headers:
        return None
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, credentials = value.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None
