"""RULES P1: the ladder role is changed in the admin by core maintainers, and the change is logged."""

import pytest
from django.contrib.auth.models import Permission

from portal.models import Event, LadderRole
from tests.factories import UserFactory


def _change_form_data(person, **changes):
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "is_active": "on",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
        "display_name": person.display_name,
        "github": person.github,
        "discord": person.discord,
        "affiliation": person.affiliation,
        "timezone": person.timezone,
        "ladder_role": person.ladder_role,
    }
    data.update(changes)
    return data


def test_admin_is_branded(client_for, core_maintainer):
    body = client_for(core_maintainer).get("/admin/").content.decode()
    assert "MCP Groups Portal" in body


def test_p1_core_maintainer_changes_ladder_role_and_event_is_recorded(client_for, core_maintainer):
    person = UserFactory(ladder_role=LadderRole.CONTRIBUTOR)
    client = client_for(core_maintainer)
    url = f"/admin/portal/user/{person.pk}/change/"
    assert client.get(url).status_code == 200
    resp = client.post(url, _change_form_data(person, ladder_role=LadderRole.MAINTAINER))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    person.refresh_from_db()
    assert person.ladder_role == LadderRole.MAINTAINER
    assert person.is_steering_group
    event = Event.objects.for_object(person).get(verb="user.ladder_role_changed")
    assert event.actor == core_maintainer
    assert event.data == {"from": "contributor", "to": "maintainer"}


def test_p1_saving_without_role_change_records_nothing(client_for, core_maintainer):
    person = UserFactory(ladder_role=LadderRole.MEMBER)
    client_for(core_maintainer).post(
        f"/admin/portal/user/{person.pk}/change/", _change_form_data(person, affiliation="Elsewhere")
    )
    person.refresh_from_db()
    assert person.affiliation == "Elsewhere"
    assert not Event.objects.filter(verb="user.ladder_role_changed").exists()


def test_p1_staff_who_is_not_core_maintainer_cannot_change_ladder_role(client_for, db):
    staff = UserFactory(ladder_role=LadderRole.MAINTAINER, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    person = UserFactory(ladder_role=LadderRole.CONTRIBUTOR)
    client = client_for(staff)
    resp = client.post(
        f"/admin/portal/user/{person.pk}/change/",
        _change_form_data(person, ladder_role=LadderRole.LEAD_MAINTAINER, affiliation="Changed Org"),
    )
    assert resp.status_code == 302
    person.refresh_from_db()
    assert person.ladder_role == LadderRole.CONTRIBUTOR  # the field is read-only for them
    assert person.affiliation == "Changed Org"  # other edits they may make still apply
    assert not Event.objects.filter(verb="user.ladder_role_changed").exists()


def test_p1_save_model_refuses_role_change_by_non_core_staff(rf, db):
    """Even if a form slipped the field through, the save itself refuses."""
    from django.contrib.admin.sites import site
    from django.core.exceptions import PermissionDenied

    from portal.models import User

    staff = UserFactory(ladder_role=LadderRole.MAINTAINER, is_staff=True)
    person = UserFactory(ladder_role=LadderRole.CONTRIBUTOR)
    request = rf.post("/")
    request.user = staff
    person.ladder_role = LadderRole.CORE_MAINTAINER
    with pytest.raises(PermissionDenied):
        site._registry[User].save_model(request, person, form=None, change=True)
    person.refresh_from_db()
    assert person.ladder_role == LadderRole.CONTRIBUTOR


def test_p1_non_staff_cannot_reach_admin(client_for, org_member):
    resp = client_for(org_member).get("/admin/portal/user/")
    assert resp.status_code == 302
    assert "/admin/login/" in resp["Location"]


def test_core_maintainer_cannot_grant_superuser(client_for, core_maintainer):
    person = UserFactory()
    client_for(core_maintainer).post(
        f"/admin/portal/user/{person.pk}/change/", _change_form_data(person, is_superuser="on", is_staff="on")
    )
    person.refresh_from_db()
    assert person.is_staff
    assert not person.is_superuser


def test_core_maintainer_reads_event_log_in_admin(client_for, core_maintainer):
    assert client_for(core_maintainer).get("/admin/portal/event/").status_code == 200
    assert client_for(core_maintainer).get("/admin/portal/notice/").status_code == 200


def test_p1_core_maintainer_cannot_set_another_persons_password(client_for, core_maintainer):
    """Setting someone's password is account takeover (of a superuser, it is the whole site)."""
    root = UserFactory(is_superuser=True, is_staff=True)
    lead = UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER, is_staff=True)
    contributor = UserFactory()
    client = client_for(core_maintainer)
    for person in (root, lead, contributor):
        url = f"/admin/portal/user/{person.pk}/password/"
        assert client.get(url).status_code == 403
        resp = client.post(url, {"password1": "taken-Over-pass-99", "password2": "taken-Over-pass-99"})
        assert resp.status_code == 403
        person.refresh_from_db()
        assert person.check_password("pw-for-tests-123")


def test_p1_core_maintainer_cannot_edit_a_superuser_or_someone_ranked_above(client_for, core_maintainer):
    root = UserFactory(is_superuser=True, is_staff=True, ladder_role=LadderRole.CONTRIBUTOR)
    lead = UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER, is_staff=True)
    client = client_for(core_maintainer)
    for person in (root, lead):
        client.post(f"/admin/portal/user/{person.pk}/change/", _change_form_data(person, email="me@evil.test"))
        person.refresh_from_db()
        assert person.email != "me@evil.test"
    lead.refresh_from_db()
    assert lead.ladder_role == LadderRole.LEAD_MAINTAINER


def test_p1_core_maintainer_cannot_promote_to_own_rank_or_above_nor_self(client_for, core_maintainer):
    person = UserFactory(ladder_role=LadderRole.MAINTAINER)
    client = client_for(core_maintainer)
    for role in (LadderRole.CORE_MAINTAINER, LadderRole.LEAD_MAINTAINER):
        resp = client.post(f"/admin/portal/user/{person.pk}/change/", _change_form_data(person, ladder_role=role))
        assert resp.status_code == 200  # form error: not a valid choice
        person.refresh_from_db()
        assert person.ladder_role == LadderRole.MAINTAINER
    client.post(
        f"/admin/portal/user/{core_maintainer.pk}/change/",
        _change_form_data(core_maintainer, ladder_role=LadderRole.LEAD_MAINTAINER, is_staff="on"),
    )
    core_maintainer.refresh_from_db()
    assert core_maintainer.ladder_role == LadderRole.CORE_MAINTAINER
    assert not Event.objects.filter(verb="user.ladder_role_changed").exists()


def test_p1_lead_maintainer_appoints_a_core_maintainer(client_for, lead_maintainer):
    person = UserFactory(ladder_role=LadderRole.MAINTAINER)
    resp = client_for(lead_maintainer).post(
        f"/admin/portal/user/{person.pk}/change/", _change_form_data(person, ladder_role=LadderRole.CORE_MAINTAINER)
    )
    assert resp.status_code == 302
    person.refresh_from_db()
    assert person.ladder_role == LadderRole.CORE_MAINTAINER
