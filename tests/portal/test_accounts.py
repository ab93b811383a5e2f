"""Sign-up, email verification, sign-in, sign-out and password reset through allauth's real views."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings

from portal.models import User
from tests.factories import UserFactory

PASSWORD = "a-long-Unusual-passphrase-42"


def _link(message, pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/{pattern}[^\s]*)", message.body)
    assert match, f"no link matching {pattern!r} in:\n{message.body}"
    return match.group(1)


def _verified(user):
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def test_p3_sign_up_sends_verification_mail_and_confirming_allows_sign_in(client, db):
    resp = client.post(
        "/accounts/signup/", {"email": "newcomer@example.test", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert resp.status_code == 302
    user = User.objects.get(email="newcomer@example.test")
    assert user.ladder_role == "contributor"  # P1: everyone starts at the bottom of the ladder
    address = EmailAddress.objects.get(user=user)
    assert not address.verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.test"]

    # Unverified: signing in is held at the "verify your email" page (mandatory verification).
    client.post("/accounts/logout/")
    resp = client.post("/accounts/login/", {"login": "newcomer@example.test", "password": PASSWORD})
    assert resp.status_code == 302
    assert "/confirm-email/" in resp["Location"]
    assert "_auth_user_id" not in client.session

    confirm_path = _link(mail.outbox[0], "accounts/confirm-email/")
    assert client.get(confirm_path).status_code == 200
    resp = client.post(confirm_path)
    assert resp.status_code == 302
    address.refresh_from_db()
    assert address.verified

    resp = client.post("/accounts/login/", {"login": "newcomer@example.test", "password": PASSWORD})
    assert resp.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_sign_up_with_mismatched_passwords_creates_nobody(client, db):
    resp = client.post(
        "/accounts/signup/", {"email": "x@example.test", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert resp.status_code == 200
    assert not User.objects.filter(email="x@example.test").exists()
    assert mail.outbox == []


def test_sign_in_and_out(client, db):
    user = _verified(UserFactory(display_name="Ada Test"))
    resp = client.post("/accounts/login/", {"login": user.email, "password": "pw-for-tests-123"})
    assert resp.status_code == 302
    assert resp["Location"] == "/dashboard/"
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert "Ada Test" in page.content.decode()

    resp = client.post("/accounts/logout/")
    assert resp.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/dashboard/").status_code == 302  # back to anonymous


def test_sign_in_with_wrong_password_is_refused(client, db):
    user = _verified(UserFactory())
    resp = client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"})
    assert resp.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "not correct" in resp.content.decode()


def test_password_reset_by_mail(client, db):
    user = _verified(UserFactory())
    resp = client.post("/accounts/password/reset/", {"email": user.email})
    assert resp.status_code == 302
    assert len(mail.outbox) == 1
    reset_path = _link(mail.outbox[0], "accounts/password/reset/key/")
    resp = client.get(reset_path)  # allauth moves the key into the session and redirects
    assert resp.status_code == 302
    set_path = resp["Location"]
    resp = client.post(set_path, {"password1": PASSWORD, "password2": PASSWORD})
    assert resp.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password("pw-for-tests-123")
    client.post("/accounts/logout/")
    resp = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert int(client.session["_auth_user_id"]) == user.pk


def test_password_reset_for_unknown_address_sends_no_reset_link(client, db):
    client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert all("/password/reset/key/" not in m.body for m in mail.outbox)


def test_github_button_absent_without_configuration(client, db):
    with override_settings(SOCIALACCOUNT_PROVIDERS={}):
        body = client.get("/accounts/login/").content.decode()
    assert "GitHub" not in body


def test_github_button_present_when_client_id_and_secret_configured(client, db):
    providers = {"github": {"APPS": [{"client_id": "abc123", "secret": "s3cret"}], "SCOPE": ["read:user"]}}
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        body = client.get("/accounts/login/").content.decode()
        signup = client.get("/accounts/signup/").content.decode()
    assert "Sign in with GitHub" in body
    assert "/accounts/github/login/" in body
    assert "/accounts/github/login/" in signup


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"GITHUB_CLIENT_ID": "id", "GITHUB_CLIENT_SECRET": "secret"}, True), ({"GITHUB_CLIENT_ID": "id"}, False)],
)
def test_github_provider_configured_from_environment(env, expected):
    """settings.py turns GITHUB_CLIENT_ID/SECRET into the provider; one without the other is not enough."""
    import subprocess
    import sys

    from tests.portal.helpers import clean_env

    code = "from django.conf import settings; print('github' in settings.SOCIALACCOUNT_PROVIDERS)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean_env(), "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == str(expected)


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_auth_pages_render_in_site_layout(client, db):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        resp = client.get(path)
        body = resp.content.decode()
        assert resp.status_code == 200, path
        assert 'class="auth-card' in body, path
        assert "Skip to content" in body, path  # our base layout, not allauth's bare one
        assert "<label" in body, path


def test_account_management_pages_render_in_site_layout(client, db):
    user = _verified(UserFactory())
    client.force_login(user)
    for path in ("/accounts/email/", "/accounts/password/change/", "/accounts/logout/"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        body = resp.content.decode()
        assert 'class="auth-card' in body, path
        assert "Skip to content" in body, path
        assert ":</label>" not in body, path  # labels read "Email", not "Email:"


def test_repeated_failed_sign_ins_are_rate_limited(client, db):
    """allauth keeps per-address failure counts in the cache (cleared between tests by conftest)."""
    from django.core.cache import cache

    user = _verified(UserFactory())
    bodies = [client.post("/accounts/login/", {"login": user.email, "password": "wrong"}).content for _ in range(8)]
    assert b"Too many failed login attempts" not in bodies[0]
    assert b"Too many failed login attempts" in bodies[-1]
    resp = client.post("/accounts/login/", {"login": user.email, "password": "pw-for-tests-123"})
    assert "_auth_user_id" not in client.session  # even the right password waits out the limit
    cache.clear()
    resp = client.post("/accounts/login/", {"login": user.email, "password": "pw-for-tests-123"})
    assert resp.status_code == 302
