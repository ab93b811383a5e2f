import pytest

from tests.factories import UserFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_p3_home_sign_in_shows_name(page, live_server, sign_in, shot):
    user = UserFactory(display_name="Grace Hopper-Test")
    page.goto(live_server.url + "/")
    assert page.get_by_role("link", name="Groups").first.is_visible()
    sign_in(page, user)
    assert page.locator(".whoami").inner_text() == "Grace Hopper-Test"
    assert shot(page, "home-signed-in").exists()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_p3_sign_up_verify_and_set_time_zone(page, live_server, shot):
    import re

    from django.core import mail

    page.goto(live_server.url + "/accounts/signup/")
    shot(page, "sign-up")
    page.get_by_label("Email").fill("journey@example.test")
    page.get_by_label("Password", exact=True).fill("a-long-Unusual-passphrase-42")
    page.get_by_label("Password (again)").fill("a-long-Unusual-passphrase-42")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    page.goto(live_server.url + "/accounts/confirm-email/" + link.split("/accounts/confirm-email/")[1])
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/accounts/login/")
    shot(page, "sign-in")
    page.get_by_label("Email").fill("journey@example.test")
    page.get_by_label("Password").fill("a-long-Unusual-passphrase-42")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    page.goto(live_server.url + "/profile/")
    page.get_by_label("Display name").fill("Journey Person")
    page.locator("#id_timezone").fill("Asia/Kolkata")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_load_state()
    assert page.locator(".whoami").inner_text() == "Journey Person"
    page.goto(live_server.url + "/dashboard/")
    assert "times in Asia/Kolkata" in page.content()
    shot(page, "dashboard")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_home_leads_to_the_next_meeting_and_core_maintainers_to_their_queues(page, live_server, sign_in, shot):
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import LadderRole
    from tests.factories import GroupFactory
    from tests.meetings.factories import MeetingFactory

    group = GroupFactory(name="Transports Working Group")
    meeting = MeetingFactory(group=group, title="Transports weekly", starts_at=timezone.now() + timedelta(days=2))
    core = UserFactory(display_name="Cora Core", ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    upcoming = page.get_by_role("region", name="Upcoming meetings")
    assert "Transports Working Group" in upcoming.inner_text()
    assert page.get_by_role("link", name="1 Working Group").is_visible()
    shot(page, "home-phone")
    upcoming.get_by_role("link", name="Transports weekly").click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/")

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, core)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Queues").click()
    queues = page.get_by_role("region", name="Core maintainers' queues")
    assert queues.is_visible()
    for name in ("SEP review queue", "Meeting compliance", "Groups queue"):
        assert queues.get_by_role("link", name=name).is_visible()
    queues.get_by_role("link", name="Groups queue").click()
    page.wait_for_url("**/groups/queue/")
    shot(page, "groups-queue-from-nav")
