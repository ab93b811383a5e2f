"""Drive allauth's real GitHub sign-in flow without the internet.

GitHub's part (the OAuth redirect, the code exchange, GET /user) is replaced by the profile JSON
GitHub would return; from there allauth runs as in production: `sociallogin_from_response`, the
lookup of an existing social account, sign-up or connect, our adapter and receivers.
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory, override_settings

PROVIDERS = {"github": {"APPS": [{"client_id": "test-client", "secret": "test-secret"}]}}


def github_sign_in(login: str, uid: int, *, email: str = "", name: str = "", user=None, process: str = "login"):
    """Sign in (or, with `user` and process="connect", connect) as GitHub account `uid` named `login`."""
    from allauth.core import context
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.helpers import complete_social_login

    with override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS):
        request = RequestFactory().get("/accounts/github/login/callback/")
        SessionMiddleware(lambda r: None).process_request(request)
        MessageMiddleware(lambda r: None).process_request(request)
        request.user = user or AnonymousUser()
        with context.request_context(request):
            provider = get_adapter().get_provider(request, "github")
            profile = {"id": uid, "login": login, "name": name, "email": email or f"{login.lower()}@example.test"}
            sociallogin = provider.sociallogin_from_response(request, profile)
            sociallogin.state = {"process": process}
            return complete_social_login(request, sociallogin)
