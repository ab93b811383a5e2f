"""Personal tokens: created (shown once, only a hash stored) and revoked on the profile page; the ladder."""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.errors import DomainError
from portal.models import PersonalToken
from portal.tokens import MAX_ACTIVE_TOKENS, bearer, digest, token_create, token_revoke, user_for_token
from tests.factories import UserFactory

CREATE = reverse("portal:create_token")


def revoke_url(token):
    return reverse("portal:revoke_token", args=[token.pk])


# --- service ------------------------------------------------------------------------------------------
def test_token_is_stored_only_as_a_hash(contributor):
    token, raw = token_create(user=contributor, name="laptop")
    assert (token.key_hash, raw in str(PersonalToken.objects.values_list().get(pk=token.pk))) == (digest(raw), False)


def test_token_finds_its_owner(contributor):
    _, raw = token_create(user=contributor, name="laptop")
    assert user_for_token(raw) == contributor


def test_revoked_token_finds_nobody(contributor):
    token, raw = token_create(user=contributor, name="laptop")
    token_revoke(token_id=token.pk, by=contributor)
    assert user_for_token(raw) is None


def test_token_of_a_deactivated_person_finds_nobody(contributor):
    _, raw = token_create(user=contributor, name="laptop")
    contributor.is_active = False
    contributor.save()
    assert user_for_token(raw) is None


def test_token_needs_a_name_and_changes_nothing_without_one(contributor):
    with pytest.raises(DomainError, match="Name the token"):
        token_create(user=contributor, name="  ")
    assert PersonalToken.objects.count() == 0


def test_active_tokens_are_bounded(contributor):
    for i in range(MAX_ACTIVE_TOKENS):
        token_create(user=contributor, name=f"t{i}")
    with pytest.raises(DomainError, match="revoke one"):
        token_create(user=contributor, name="one more")


def test_someone_elses_token_cannot_be_revoked(contributor):
    token, raw = token_create(user=UserFactory(), name="theirs")
    with pytest.raises(PersonalToken.DoesNotExist):
        token_revoke(token_id=token.pk, by=contributor)


def test_bearer_header_is_read_in_any_case():
    assert bearer({"authorization": "bearer abc"}) == "abc"


def test_other_authorization_schemes_are_not_a_token():
    assert bearer({"authorization": "Basic abc"}) is None


@settings(max_examples=40, deadline=None)
@given(garbage=st.text(max_size=120))
@pytest.mark.django_db
def test_any_presented_text_is_answered_without_error(garbage):
    assert user_for_token(garbage) is None


@settings(max_examples=30, deadline=None)
@given(name=st.text(min_size=1, max_size=80).filter(lambda s: s.strip() and "\x00" not in s))
@pytest.mark.django_db
def test_any_token_name_reaches_the_profile_page_escaped(name):
    from django.test import Client

    user = UserFactory()
    token_create(user=user, name=name)
    c = Client()
    c.force_login(user)
    html = c.get(reverse("portal:profile")).content.decode()
    from django.utils.html import escape

    assert escape(name.strip()) in html


# --- the ladder: anonymous, someone else, the owner, htmx -------------------------------------------------
def test_anonymous_cannot_create_a_token(client, db):
    r = client.post(CREATE, {"name": "x"})
    assert (r.status_code, r["Location"].startswith("/accounts/login/")) == (302, True)


def test_owner_creates_a_token_and_sees_it_once(client_for, contributor):
    r = client_for(contributor).post(CREATE, {"name": "laptop"})
    token = PersonalToken.objects.get()
    assert r.status_code == 200 and r.context["new_token"].startswith(token.prefix)


def test_the_page_showing_a_new_token_is_never_cached(client_for, contributor):
    r = client_for(contributor).post(CREATE, {"name": "laptop"})
    assert "no-store" in r["Cache-Control"]


def test_the_token_is_not_shown_again(client_for, contributor):
    c = client_for(contributor)
    c.post(CREATE, {"name": "laptop"})
    raw = c.post(CREATE, {"name": "desktop"}).context["new_token"]
    assert raw not in c.get(reverse("portal:profile")).content.decode()


def test_creating_without_a_name_is_400_with_the_reason(client_for, contributor):
    r = client_for(contributor).post(CREATE, {"name": ""})
    assert (r.status_code, r.context["token_error"].startswith("Name the token")) == (400, True)


def test_htmx_create_answers_the_tokens_partial(client_for, contributor, htmx_headers):
    r = client_for(contributor).post(CREATE, {"name": "laptop"}, **htmx_headers)
    html = r.content.decode()
    assert r.status_code == 200 and 'id="tokens-panel"' in html and "<html" not in html


def test_anonymous_cannot_revoke(client, contributor):
    token, _ = token_create(user=contributor, name="laptop")
    client.post(revoke_url(token))
    assert PersonalToken.objects.get().revoked_at is None


def test_someone_else_gets_404_and_revokes_nothing(client_for, contributor):
    token, _ = token_create(user=contributor, name="laptop")
    r = client_for(UserFactory()).post(revoke_url(token))
    assert (r.status_code, PersonalToken.objects.get().revoked_at) == (404, None)


def test_owner_revokes(client_for, contributor):
    token, _ = token_create(user=contributor, name="laptop")
    r = client_for(contributor).post(revoke_url(token))
    assert (r.status_code, PersonalToken.objects.get().revoked_at is not None) == (302, True)


def test_htmx_revoke_answers_the_tokens_partial(client_for, contributor, htmx_headers):
    token, _ = token_create(user=contributor, name="laptop")
    r = client_for(contributor).post(revoke_url(token), **htmx_headers)
    assert r.status_code == 200 and "is revoked" in r.content.decode()


PROFILE_BUDGET = 18  # measured with 1 and with 12 tokens: the same


@pytest.mark.parametrize("n", [1, 12])
def test_profile_page_query_budget_does_not_grow_with_tokens(client_for, contributor, django_assert_max_num_queries, n):
    for i in range(n):
        token, _ = token_create(user=contributor, name=f"t{i}")
        if i % 2:
            token_revoke(token_id=token.pk, by=contributor)
    c = client_for(contributor)
    with django_assert_max_num_queries(PROFILE_BUDGET):
        assert c.get(reverse("portal:profile")).status_code == 200
