"""G6: the amendment editor is one form: "Save draft" and "Submit for approval" both save every
section, so nothing typed is lost (issue 11 item 3)."""

import pytest
from django.urls import reverse

from groups import services
from groups.models import CharterSection, CharterVersion
from tests.factories import UserFactory
from tests.groups.factories import CharterVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(group, lead):
    CharterVersionFactory(group=group, number=1)
    return services.charter_start_amendment(group=group, by=lead)


def _url(draft):
    return reverse("groups:charter_edit", args=[draft.group.slug, draft.number])


def _all_sections(draft, **changes):
    data = {f"section_{k}": draft.sections.get(k, "") for k in CharterSection.values}
    data.update({f"section_{k}": v for k, v in changes.items()})
    return data


def test_g6_editor_is_one_form_with_every_section(client_for, lead, draft):
    body = client_for(lead).get(_url(draft)).content.decode()
    assert body.count('id="charter-draft"') == 1
    for key in CharterSection.values:
        assert f'name="section_{key}"' in body
    assert 'value="submit"' in body and 'value="save"' in body
    assert "Save section" not in body


def test_g6_save_draft_saves_every_changed_section(client_for, lead, draft):
    resp = client_for(lead).post(
        _url(draft), {**_all_sections(draft, mission="New mission.", scope_in="- streams"), "action": "save"}
    )
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.sections["mission"] == "New mission."
    assert draft.sections["scope_in"] == "- streams"
    assert "<li>streams</li>" in draft.sections_html["scope_in"]
    assert draft.status == CharterVersion.Status.DRAFT


def test_g6_submit_saves_every_section_then_submits(client_for, lead, draft):
    data = _all_sections(draft, mission="Submitted mission.", deliverables="A spec.")
    resp = client_for(lead).post(_url(draft), {**data, "summary": "Sharper mission", "action": "submit"})
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.status == CharterVersion.Status.SUBMITTED
    assert draft.sections["mission"] == "Submitted mission."
    assert draft.sections["deliverables"] == "A spec."
    assert draft.summary == "Sharper mission"


def test_g6_submit_without_summary_keeps_the_sections_and_says_so(client_for, lead, draft):
    resp = client_for(lead).post(_url(draft), {**_all_sections(draft, mission="Kept."), "action": "submit"})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "Your sections are saved" in body
    assert "Say in one line what this amendment changes." in body
    draft.refresh_from_db()
    assert draft.sections["mission"] == "Kept."
    assert draft.status == CharterVersion.Status.DRAFT


def test_g6_too_long_section_changes_nothing_and_keeps_the_typed_text(client_for, lead, draft):
    before = dict(draft.sections)
    data = _all_sections(draft, mission="x" * 40001, scope_in="typed here")
    resp = client_for(lead).post(_url(draft), {**data, "action": "save"})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "typed here" in body  # what was typed comes back
    assert "Ensure this value has at most 40000 characters" in body
    draft.refresh_from_db()
    assert draft.sections == before


def test_g6_editor_ladder_anonymous_and_wrong_role(client, client_for, draft):
    assert "/accounts/login/" in client.post(_url(draft), {"action": "save"})["Location"]
    other = UserFactory()
    assert (
        client_for(other).post(_url(draft), {**_all_sections(draft, mission="no"), "action": "save"}).status_code == 403
    )
    draft.refresh_from_db()
    assert draft.sections.get("mission") != "no"


def test_g6_editor_htmx_save_redirects_with_hx_redirect(client_for, lead, draft, htmx_headers):
    resp = client_for(lead).post(
        _url(draft), {**_all_sections(draft, mission="By htmx."), "action": "save"}, **htmx_headers
    )
    assert resp.status_code == 204
    assert resp["HX-Redirect"] == _url(draft)
    draft.refresh_from_db()
    assert draft.sections["mission"] == "By htmx."


def test_g6_submitted_version_cannot_be_edited_through_the_form(client_for, lead, draft):
    services.charter_submit(version=draft, by=lead, summary="x")
    resp = client_for(lead).post(_url(draft), {**_all_sections(draft, mission="late"), "action": "save"})
    assert resp.status_code == 400
    draft.refresh_from_db()
    assert draft.sections.get("mission") != "late"


def test_g6_preview_reads_the_one_form_textarea(client_for, lead, draft, htmx_headers):
    url = reverse("groups:charter_preview", args=[draft.group.slug])
    resp = client_for(lead).post(url, {"key": "mission", "section_mission": "**bold**"}, **htmx_headers)
    assert "<strong>bold</strong>" in resp.content.decode()


def test_g6_editor_query_budget(client_for, lead, draft, django_assert_max_num_queries):
    c = client_for(lead)
    c.get(_url(draft))
    with django_assert_max_num_queries(15):
        assert c.get(_url(draft)).status_code == 200
