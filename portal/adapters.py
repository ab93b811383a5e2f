from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings


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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Fill the GitHub handle and display name from the GitHub profile on first sign-in."""

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        if sociallogin.account.provider == "github":
            user.github = user.github or extra.get("login", "")
            user.display_name = user.display_name or extra.get("name") or ""
        return user
