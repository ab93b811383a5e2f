"""G5 in the admin: the charter version change page shows the rendered sections, the diff against the
current version, and Approve / Reject with a rationale (through charter_decide); people pickers use
autocomplete, and the sponsor picker offers core maintainers only."""

import pytest
from django.urls import reverse

from groups import services
from groups.models import CharterVersion
from portal.models import LadderRole, Notice
from tests.factories import UserFactory
from tests.groups.factories import CharterVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(group, lead):
    CharterVersionFactory(group=group, number=1)
    draft = services.charter_start_amendment(group=group, by=lead)
    services.charter_edit_section(version=draft, by=lead, key="mission", text="A **new** mission.\n\n- [ ] ship it")
    return services.charter_submit(version=draft, by=lead, summary="New mission")


def _change(v):
    return reverse("admin:groups_charterversion_change", args=[v.pk])


def _decide(v):
    return reverse("admin:groups_charterversion_decide", args=[v.pk])


def test_g5_change_page_shows_rendered_sections_not_json(client_for, core_maintainer, submitted):
    body = client_for(core_maintainer).get(_change(submitted)).content.decode()
    assert "<h4>Mission Statement</h4>" in body
    assert "<strong>new</strong>" in body
    assert '{"mission"' not in body and "&quot;mission&quot;" not in body


def test_g5_change_page_shows_the_diff_against_the_current_version(client_for, core_maintainer, submitted):
    body = client_for(core_maintainer).get(_change(submitted)).content.decode()
    assert "Changes from the current charter (v1) to v2" in body
    assert "<ins>+ A **new** mission.</ins>" in body
    assert "<del>- " in body


def test_g5_change_page_offers_approve_and_reject_to_core_maintainers(client_for, core_maintainer, submitted):
    body = client_for(core_maintainer).get(_change(submitted)).content.decode()
    assert 'value="approve"' in body and 'value="reject"' in body
    assert body.count('form="charter-decision"') == 3  # rationale and both buttons belong to the decision form
    assert 'id="charter-decision"' in body
    assert 'name="rationale"' in body


def test_g5_no_buttons_once_decided(client_for, core_maintainer, submitted):
    services.charter_decide(version=submitted, by=core_maintainer, approve=True, rationale="ok")
    body = client_for(core_maintainer).get(_change(submitted)).content.decode()
    assert 'value="approve"' not in body


def test_g5_decide_anonymous_goes_to_admin_sign_in(client, submitted):
    resp = client.post(_decide(submitted), {"decision": "approve", "rationale": "x"})
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
    submitted.refresh_from_db()
    assert submitted.status == CharterVersion.Status.SUBMITTED


def test_g5_decide_by_staff_without_the_right_changes_nothing(client_for, submitted):
    staff = UserFactory(ladder_role=LadderRole.MAINTAINER, is_staff=True)
    resp = client_for(staff).post(_decide(submitted), {"decision": "approve", "rationale": "x"}, follow=True)
    assert resp.status_code in (200, 403)
    submitted.refresh_from_db()
    assert submitted.status == CharterVersion.Status.SUBMITTED


def test_g5_approve_from_the_change_page(client_for, core_maintainer, submitted):
    resp = client_for(core_maintainer).post(_decide(submitted), {"decision": "approve", "rationale": "Clear scope."})
    assert resp.status_code == 302 and resp["Location"] == _change(submitted)
    submitted.refresh_from_db()
    assert submitted.status == CharterVersion.Status.APPROVED
    assert submitted.rationale == "Clear scope."
    assert submitted.decided_by == core_maintainer
    assert Notice.objects.filter(kind="groups.charter_decided").count() == 1


def test_g5_reject_from_the_change_page(client_for, core_maintainer, submitted):
    client_for(core_maintainer).post(_decide(submitted), {"decision": "reject", "rationale": "Too broad."})
    submitted.refresh_from_db()
    assert submitted.status == CharterVersion.Status.REJECTED


@pytest.mark.parametrize("data", [{"decision": "approve", "rationale": "  "}, {"decision": "maybe", "rationale": "x"}])
def test_g5_bad_decision_is_refused_with_a_message(client_for, core_maintainer, submitted, data):
    resp = client_for(core_maintainer).post(_decide(submitted), data, follow=True)
    assert resp.status_code == 200
    text = " ".join(str(m) for m in resp.context["messages"])
    assert "rationale" in text or "Approve or Reject" in text
    submitted.refresh_from_db()
    assert submitted.status == CharterVersion.Status.SUBMITTED


def test_g5_get_on_decide_goes_back_to_the_page(client_for, core_maintainer, submitted):
    resp = client_for(core_maintainer).get(_decide(submitted))
    assert resp.status_code == 302 and resp["Location"] == _change(submitted)


def test_g5_change_page_query_budget(client_for, core_maintainer, submitted, django_assert_max_num_queries):
    c = client_for(core_maintainer)
    c.get(_change(submitted))
    with django_assert_max_num_queries(25):
        assert c.get(_change(submitted)).status_code == 200


def test_g3_sponsor_picker_is_autocomplete_offering_core_maintainers_only(client_for, core_maintainer, group):
    UserFactory(display_name="Zed Contributor", ladder_role=LadderRole.CONTRIBUTOR)
    core = UserFactory(display_name="Zed Core", ladder_role=LadderRole.CORE_MAINTAINER)
    c = client_for(core_maintainer)
    add = c.get(reverse("admin:groups_sponsorship_add")).content.decode()
    assert "admin-autocomplete" in add
    resp = c.get(
        "/admin/autocomplete/",
        {"app_label": "groups", "model_name": "sponsorship", "field_name": "sponsor", "term": "Zed"},
    )
    assert resp.status_code == 200
    ids = {r["id"] for r in resp.json()["results"]}
    assert ids == {str(core.pk)}
