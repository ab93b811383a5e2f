"""A new person's first hour (issue 11), in Debian's chromium: what each person sees.

One browser test per item that is about a page: the one-form charter editor, per-field errors on an
agenda item, markdown and task lists rendered, no accept/decline on a cancelled meeting, "Schedule a
meeting" on a lead's group page, the scheduling warning, the browser's zone offered to a visitor (never
overriding a choice), the offset said once, the display name after sign-in, the site's own 405 page,
and the admin's charter review. Screenshots of the admin review page and the lead dashboard are saved
under test-artifacts/ and copied to /work/coord/notes/ when that folder exists.
"""

import shutil
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from groups import services as group_services
from groups.models import CharterVersion, Tier
from meetings.models import Meeting
from portal.models import LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.groups.factories import CharterVersionFactory
from tests.meetings.factories import AgendaItemFactory, MeetingFactory

NOTES = Path("/work/coord/notes")


def _keep(path: Path, name: str):
    if NOTES.is_dir():
        shutil.copy(path, NOTES / f"issue-11-{name}.png")


@pytest.fixture
def wg(db):
    group = GroupFactory(name="Transports Working Group", slug="transports")
    lead = UserFactory(display_name="Lena Lead", ladder_role=LadderRole.MEMBER, timezone="Europe/Berlin")
    participant = UserFactory(display_name="Pat Participant")
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    MembershipFactory(group=group, user=participant, tier=Tier.PARTICIPANT)
    CharterVersionFactory(group=group, number=1, sections={"mission": "Move messages.", "scope_in": "- stdio"})
    return {"group": group, "lead": lead, "participant": participant}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_g6_submit_saves_every_section_typed(page, live_server, sign_in, wg):
    sign_in(page, wg["lead"])
    page.goto(f"{live_server.url}/groups/transports/")
    page.get_by_role("button", name="Propose a charter amendment").click()
    page.get_by_label("Mission Statement (markdown)").fill("Move **every** message, reliably.")
    page.get_by_label("In Scope (markdown)").fill("- stdio\n- streamable HTTP")
    page.get_by_label("Deliverables (markdown)").fill("- [ ] a conformance suite")
    page.get_by_label("What this amendment changes (one line)").fill("Broader scope")
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("is saved and submitted").wait_for()
    v = CharterVersion.objects.get(group=wg["group"], number=2)
    assert v.status == CharterVersion.Status.SUBMITTED
    assert v.sections["mission"] == "Move **every** message, reliably."
    assert v.sections["scope_in"] == "- stdio\n- streamable HTTP"
    assert 'type="checkbox"' in v.sections_html["deliverables"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_m3_agenda_item_errors_are_per_field_and_markdown_renders(page, live_server, sign_in, wg):
    meeting = MeetingFactory(group=wg["group"], title="Transports sync", starts_at=timezone.now() + timedelta(days=9))
    sign_in(page, wg["participant"])
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    details = page.get_by_label("Details (optional)")
    assert details.get_attribute("maxlength") == "2000"
    page.get_by_label("Agenda item", exact=True).fill("Error codes")
    details.evaluate("(el) => { el.removeAttribute('maxlength'); el.value = 'x'.repeat(2100); }")
    page.get_by_role("button", name="Propose item").click()
    page.locator("#id_details_error").wait_for()
    body = page.locator("main").inner_text()
    assert "at most 2000 characters" in body
    assert "needs a title" not in body
    page.get_by_label("Details (optional)").fill("Why **now**:\n\n- [ ] draft\n- [x] discuss")
    page.get_by_role("button", name="Propose item").click()
    page.locator(".item-details strong", has_text="now").wait_for()
    assert page.locator(".item-details input[type=checkbox][disabled]").count() == 2


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_m3_cancelled_meeting_offers_no_accept_or_decline(page, live_server, sign_in, wg):
    meeting = MeetingFactory(group=wg["group"], title="Called off", starts_at=timezone.now() + timedelta(days=9))
    AgendaItemFactory(meeting=meeting, title="Pending topic", proposed_by=wg["participant"])
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED, cancelled_reason="Holiday")
    sign_in(page, wg["lead"])
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    page.get_by_text("Pending topic").wait_for()
    assert page.get_by_role("button", name="Accept “Pending topic”").count() == 0
    assert page.get_by_role("button", name="Decline").count() == 0


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_m2_lead_schedules_from_the_group_page_and_is_warned_of_a_passed_cutoff(page, live_server, sign_in, wg, shot):
    sign_in(page, wg["lead"])
    page.goto(f"{live_server.url}/groups/transports/")
    page.get_by_role("link", name="Schedule a meeting").click()
    start = (timezone.now() + timedelta(days=3)).astimezone(UTC)
    page.get_by_label("Title").fill("Too soon")
    page.get_by_label("Start (local time in the zone below)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Meeting time zone").fill("UTC")
    page.get_by_label("Join link").fill("https://meet.example.test/t")
    page.get_by_role("button", name="Save").click()
    warning = page.locator(".message.warning")
    warning.wait_for()
    assert "publication deadline has already passed" in warning.inner_text()
    assert "core maintainer" in warning.inner_text()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_visitor_is_offered_the_browser_zone_and_a_choice_is_kept(browser, live_server, db):
    MeetingFactory(title="Zone probe", starts_at=timezone.now() + timedelta(days=9))
    context = browser.new_context(timezone_id="America/Sao_Paulo")
    page = context.new_page()
    page.goto(f"{live_server.url}/meetings/")
    offer = page.locator("#tz-offer")
    offer.get_by_role("button", name="Show times in America/Sao_Paulo").click()
    page.get_by_text("Times are now shown in America/Sao_Paulo.").wait_for()
    text = page.locator("main").inner_text()
    assert "UTC-03:00" in text
    assert "-03 (UTC-03:00)" not in text  # the offset is said once
    page.goto(f"{live_server.url}/meetings/")
    assert page.locator("#tz-offer").count() == 0  # a choice is never overridden, nor asked again
    context.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_visitor_whose_browser_matches_sees_no_offer(browser, live_server, db):
    context = browser.new_context(timezone_id="UTC")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    assert page.locator("#tz-offer").is_hidden()
    context.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_sign_in_message_uses_the_display_name(page, live_server, sign_in, db):
    person = UserFactory(username="sam", display_name="Sam Rivera")
    sign_in(page, person)
    text = page.locator("#messages").inner_text()
    assert "Sam Rivera" in text
    assert "as sam." not in text


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_get_on_a_post_only_address_shows_the_site_405_page(page, live_server, db):
    resp = page.goto(f"{live_server.url}/timezone/")
    assert resp.status == 405
    assert page.get_by_role("heading", name="This address is not a page").is_visible()
    assert page.locator("header.site-header").count() == 1


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_g5_admin_review_page_and_lead_dashboard_screenshots(page, live_server, sign_in, wg, shot):
    core = UserFactory(display_name="Marco Core", ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)
    draft = group_services.charter_start_amendment(group=wg["group"], by=wg["lead"])
    group_services.charter_edit_sections(
        version=draft,
        by=wg["lead"],
        texts={"mission": "Move **every** message, reliably.", "scope_in": "- stdio\n- streamable HTTP"},
    )
    group_services.charter_submit(version=draft, by=wg["lead"], summary="Broader scope")
    # the lead's dashboard: an item waiting for a decision, a draft to publish, the group's next meeting
    upcoming = MeetingFactory(group=wg["group"], title="Transports sync", starts_at=timezone.now() + timedelta(days=9))
    AgendaItemFactory(meeting=upcoming, title="Resumable streams", proposed_by=wg["participant"])
    MeetingFactory(
        group=wg["group"], title="Planning", status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=12)
    )
    sign_in(page, wg["lead"])
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("heading", name="Waiting for your decision").wait_for()
    assert page.get_by_text("Resumable streams").is_visible()
    assert page.get_by_role("heading", name="Your groups' next meetings").is_visible()
    _keep(shot(page, "lead-dashboard"), "lead-dashboard")

    page.context.clear_cookies()
    sign_in(page, core)
    page.goto(f"{live_server.url}/admin/groups/charterversion/{draft.pk}/change/")
    page.get_by_role("heading", name="Version 2 as it reads").wait_for()
    assert page.locator(".charter-review ins").count() >= 1
    assert page.locator(".charter-review strong", has_text="every").count() == 1
    page.get_by_label("Rationale (recorded, and sent to the group's leads)").fill("Clear and in scope.")
    _keep(shot(page, "admin-charter-review"), "admin-charter-review")
    page.get_by_role("button", name="Approve v2").click()
    page.get_by_text("charter v2 approved").wait_for()
    draft.refresh_from_db()
    assert draft.status == CharterVersion.Status.APPROVED
