import logging
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.signals import social_account_added, social_account_updated
from django.conf import settings
from django.dispatch import receiver

log = logging.getLogger(__name__)


def user_display(user) -> str:
    """How allauth names a person in its messages and mails: the display name, as the site does."""
    return getattr(user, "name", "") or getattr(user, "username", "") or str(user)


def on_site(url: str) -> str:
    """`url` moved onto settings.SITE_URL (scheme and host), keeping its path, query and fragment."""
    bits = urlsplit(url)
    if bits.scheme not in ("http", "https") or not bits.netloc:
        return url
    base = urlsplit(settings.SITE_URL)
    prefix = base.path.rstrip("/")
    return urlunsplit((base.scheme, base.netloc, prefix + bits.path, bits.query, bits.fragment))


class AccountAdapter(DefaultAccountAdapter):
    """Account mails link to settings.SITE_URL like every other mail and feed (one source of truth),
    whatever host the request that triggered them came in on."""

    def send_mail(self, template_prefix, email, context):
        context = {
            key: on_site(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        return super().send_mail(template_prefix, email, context)


def _github_login(sociallogin) -> tuple[str, str | None]:
    account = sociallogin.account
    if account.provider != "github":
        return "", None
    return (account.extra_data or {}).get("login", ""), account.uid


def verify_from_sociallogin(sociallogin) -> list[str]:
    """GitHub's login becomes the account's verified handle (portal.identity); other providers: nothing."""
    from .identity import github_signed_in

    login, uid = _github_login(sociallogin)
    user = sociallogin.user
    if not login or user is None or not user.pk:
        return []
    try:
        return github_signed_in(user=user, login=login, github_id=uid)
    except Exception:  # a failed verification must not lock the person out: they sign in, unverified
        log.exception("Could not verify GitHub login %r for user %s", login, user.pk)
        return []


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """A first GitHub sign-in fills the display name and verifies the handle GitHub reports."""

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        if sociallogin.account.provider == "github":
            user.display_name = user.display_name or extra.get("name") or ""
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        verify_from_sociallogin(sociallogin)
        user.refresh_from_db()
        return user


@receiver(social_account_updated, dispatch_uid="portal.github_sign_in")
def _signed_in_again(sender, request, sociallogin, **kwargs):
    """Each sign-in with an existing GitHub account refreshes the verified handle (renames follow)."""
    verify_from_sociallogin(sociallogin)


@receiver(social_account_added, dispatch_uid="portal.github_connected")
def _github_connected(sender, request, sociallogin, **kwargs):
    """Connecting GitHub to a signed-in account verifies its handle."""
    verify_from_sociallogin(sociallogin)
