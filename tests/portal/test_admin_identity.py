"""P3 / DESIGN 12: a core maintainer confirms a GitHub handle in the admin (recorded); the ladder of access."""

import pytest

from portal.models import Event, GithubVerification, LadderRole
from tests.factories import UnverifiedUserFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/portal/user/"


def confirm(client, *people, action="confirm_github_handle"):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [p.pk for p in people]}, follow=True)


def test_p3_confirm_action_anonymous_is_sent_to_sign_in(client):
    person = UnverifiedUserFactory(github="please-confirm")
    response = client.post(CHANGELIST, {"action": "confirm_github_handle", "_selected_action": [person.pk]})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    person.refresh_from_db()
    assert person.github_verified_at is None


@pytest.mark.parametrize("role", [LadderRole.MEMBER, LadderRole.MAINTAINER])
def test_p3_confirm_action_refused_below_core_maintainer(client_for, role):
    staff = UserFactory(ladder_role=role, is_staff=True)
    person = UnverifiedUserFactory(github="please-confirm")
    response = client_for(staff).post(CHANGELIST, {"action": "confirm_github_handle", "_selected_action": [person.pk]})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.github_verified_at is None
    assert not Event.objects.filter(verb="person.github_confirmed").exists()


def test_p3_confirm_action_by_core_maintainer_verifies_and_records(client_for, core_maintainer):
    person = UnverifiedUserFactory(github="please-confirm")
    response = confirm(client_for(core_maintainer), person)
    assert response.status_code == 200
    assert "GitHub handles confirmed: 1." in response.content.decode()
    person.refresh_from_db()
    assert person.github_verified_via == GithubVerification.CONFIRMED
    event = Event.objects.get(verb="person.github_confirmed")
    assert (event.actor, event.target_id) == (core_maintainer, str(person.pk))


def test_p3_confirm_action_refuses_a_handle_verified_elsewhere_and_says_so(client_for, core_maintainer):
    UserFactory(github="taken")
    person = UnverifiedUserFactory(github="taken")
    response = confirm(client_for(core_maintainer), person)
    assert "already verified by another account" in response.content.decode()
    person.refresh_from_db()
    assert person.github_verified_at is None


def test_p3_withdraw_action_by_core_maintainer_recorded(client_for, core_maintainer):
    person = UserFactory(github="mistake", github_verified_via=GithubVerification.CONFIRMED)
    confirm(client_for(core_maintainer), person, action="withdraw_github_verification")
    person.refresh_from_db()
    assert person.github_verified_at is None
    assert person.github == "mistake"
    assert Event.objects.filter(verb="person.github_unverified", actor=core_maintainer).exists()


def test_p3_verified_handle_is_not_retyped_in_the_admin(client_for, core_maintainer):
    person = UserFactory(github="fixed-handle")
    body = client_for(core_maintainer).get(f"{CHANGELIST}{person.pk}/change/").content.decode()
    assert 'name="github"' not in body
    assert "fixed-handle" in body


def test_p3_typed_handle_stays_editable_in_the_admin(client_for, core_maintainer):
    person = UnverifiedUserFactory(github="typed-handle")
    body = client_for(core_maintainer).get(f"{CHANGELIST}{person.pk}/change/").content.decode()
    assert 'name="github"' in body


def test_p3_admin_list_says_which_handles_are_verified(client_for, core_maintainer):
    UnverifiedUserFactory(github="typed-one")
    body = client_for(core_maintainer).get(CHANGELIST).content.decode()
    assert "unverified" in body
    assert "verified (github sign-in)" in body
