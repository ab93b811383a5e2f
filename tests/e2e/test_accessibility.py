"""axe-core (bundled by axe-playwright-python, nothing fetched) on the main pages, in Debian's chromium.

A realistic small community is built with the factories; each page is opened as a visitor or as a
signed-in core maintainer who leads the group (so lead-only forms are on the page too). The test fails on
any serious or critical violation and names the page, the rule ids and the offending elements.
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from groups.models import Group, Tier
from meetings.models import Meeting
from portal.events import record
from portal.models import LadderRole
from seps.models import Status
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.groups.factories import CharterVersionFactory, NominationFactory
from tests.meetings.factories import AgendaItemFactory, MeetingFactory
from tests.seps.factories import SEPAuthorFactory, SEPFactory

BLOCKING = ("serious", "critical")


def _community():
    now = timezone.now()
    lead = UserFactory(
        display_name="Lena Lead", ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True, timezone="Europe/Berlin"
    )
    people = [UserFactory(display_name=f"Member {i}") for i in range(4)]
    wg = GroupFactory(name="Transports Working Group", slug="transports", mission_summary="Evolve MCP transports.")
    GroupFactory(name="Security Interest Group", slug="security", kind=Group.Kind.INTEREST)
    MembershipFactory(group=wg, user=lead, tier=Tier.LEAD)
    for i, person in enumerate(people):
        MembershipFactory(group=wg, user=person, tier=Tier.MEMBER if i % 2 else Tier.PARTICIPANT)
    CharterVersionFactory(group=wg, number=1, decided_at=now - timedelta(days=200))
    CharterVersionFactory(group=wg, number=2, summary="Adds streaming to scope.", decided_at=now - timedelta(days=20))
    upcoming = MeetingFactory(
        group=wg, title="Transports weekly", starts_at=now + timedelta(days=3), agenda_md="## Agenda\n\n1. Streams"
    )
    AgendaItemFactory(meeting=upcoming, title="Resumable streams", proposed_by=people[0])
    past = MeetingFactory(group=wg, title="Transports planning", starts_at=now - timedelta(days=6))
    Meeting.objects.filter(pk=past.pk).update(
        notes_md="Decided things.", notes_html="<p>Decided things.</p>", notes_published_at=now - timedelta(days=5)
    )
    overdue = MeetingFactory(group=wg, title="Transports sync without notes", starts_at=now - timedelta(days=4))
    Meeting.objects.filter(pk=overdue.pk).update(notes_overdue_at=now - timedelta(days=2))  # the "Notes overdue" badge
    sep = SEPFactory(
        number=4242, title="Resumable streams", status=Status.IN_REVIEW, group=wg, sponsor=lead,
        roadmap_area="transport",  # the Roadmap badge
        body="## Abstract\n\nResume a stream.\n\n## Motivation\n\nConnections drop.\n\n### Details\n\nIds.",
    )  # fmt: skip
    SEPAuthorFactory(sep=sep, name="Ada Writer", github="adaw")
    SEPFactory(number=4243, title="Agent cards", status=Status.DRAFT, group=wg)
    record(actor=lead, verb="meeting.published", target=upcoming)
    record(actor=lead, verb="sep.status_changed", target=sep, data={"from": "draft", "to": "in-review", "number": 4242})
    from portal.models import Role, RoleArea, RoleKind

    Role.objects.create(person=lead, kind=RoleKind.CORE_MAINTAINER, started_at=now - timedelta(days=300))
    Role.objects.create(person=people[0], kind=RoleKind.MAINTAINER, area=RoleArea.SDK, scope="Go SDK",
                        started_at=now - timedelta(days=90), ended_at=now - timedelta(days=9))  # fmt: skip
    CharterVersionFactory(
        group=wg, number=3, status="draft", author=lead, sections={"mission": "- [ ] Evolve **MCP** transports."}
    )
    nomination = NominationFactory(group=wg, nominee=people[1], nominator=lead, rationale="Ran the **SDK** work.")
    from portal.notices import unsubscribe_token

    return {
        "lead": lead, "group": wg, "meeting": upcoming, "past": past, "sep": sep, "nomination": nomination,
        "unsubscribe": f"/notices/unsubscribe/{unsubscribe_token(people[0], 'meeting.agenda_item_decided')}/",
    }  # fmt: skip


def public_paths(c) -> list[str]:
    """The pages a visitor opens; tests/e2e/test_phone_width.py checks the same list at phone width."""
    slug = c["group"].slug
    return [
        "/",
        "/groups/",
        f"/groups/{slug}/",
        f"/groups/{slug}/charter/",
        f"/groups/{slug}/charter/?a=1&b=2",
        "/meetings/",
        "/meetings/?when=past",
        f"/meetings/{c['meeting'].pk}/",
        f"/meetings/{c['past'].pk}/",
        "/seps/",
        f"/seps/{c['sep'].number}/",
        "/people/maintainers/",
        f"/people/{c['lead'].username}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
        f"/groups/{slug}/nominations/{c['nomination'].pk}/",
        c["unsubscribe"],
    ]


def signed_in_paths(c) -> list[str]:
    """The pages a signed-in lead and core maintainer opens (also checked at phone width)."""
    slug = c["group"].slug
    return [
        "/",
        "/dashboard/",
        "/profile/",
        "/profile/notices/",
        f"/groups/{slug}/",
        f"/groups/{slug}/charter/v3/edit/",
        f"/groups/{slug}/nominate/",
        f"/meetings/{c['meeting'].pk}/",
        f"/meetings/{c['past'].pk}/notes/",
        f"/seps/{c['sep'].number}/",
        "/seps/review/",
        "/meetings/compliance/",
        "/groups/queue/",
        "/meetings/schedule/",
        "/meetings/series/new/",
        f"/groups/{slug}-unknown/",
        "/timezone/",
        "/accounts/email/",
        "/accounts/password/change/",
    ]


def _violations(page, url):
    page.goto(url)
    page.wait_for_load_state()
    results = Axe().run(page)
    found = []
    for v in results.response["violations"]:
        if v["impact"] in BLOCKING:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
            found.append(f"{url}: {v['impact']} {v['id']} ({v['help']}) at {targets}")
    return found


def _after_bad_submit(page, url, fill: dict, button: str):
    """The page as it comes back with form errors (errors must be announced and tied to their fields)."""
    page.goto(url)
    for label, value in fill.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    assert page.locator(".errorlist, [role=alert]").count(), f"no error shown on {url}"
    found = []
    for v in Axe().run(page).response["violations"]:
        if v["impact"] in BLOCKING:
            found.append(f"{url} (with errors): {v['impact']} {v['id']} ({v['help']})")
    return found


def _check(page, base, paths, problems=()):
    problems = list(problems)
    for path in paths:
        problems += _violations(page, base + path)
    assert not problems, "axe found serious/critical violations:\n" + "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_p3_public_pages_pass_axe(page, live_server):
    c = _community()
    base = live_server.url
    problems = _after_bad_submit(
        page, base + "/accounts/login/", {"Email": "nobody@example.test", "Password": "wrong-password"}, "Sign In"
    )
    problems += _after_bad_submit(
        page,
        base + "/accounts/signup/",
        {"Email": "new@example.test", "Password": "short", "Password (again)": "different"},
        "Sign Up",
    )
    _check(page, base, public_paths(c), problems)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_p3_signed_in_pages_pass_axe(page, live_server, sign_in):
    c = _community()
    sign_in(page, c["lead"])
    problems = _after_bad_submit(page, live_server.url + "/profile/", {"Time zone": "Mars/Olympus"}, "Save profile")
    _check(page, live_server.url, signed_in_paths(c), problems)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_p3_axe_check_catches_a_real_violation(page, live_server):
    """The check can fail: an unlabelled input and low-contrast text injected into a page are reported."""
    page.goto(live_server.url + "/")
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          const input = document.createElement('input');
          main.appendChild(input);
          const p = document.createElement('p');
          p.textContent = 'faint text';
          p.style.color = '#eee'; p.style.background = '#fff';
          main.appendChild(p);
        }"""
    )
    ids = {v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING}
    assert {"label", "color-contrast"} <= ids


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_p3_keyboard_first_tab_is_a_visible_skip_link_to_main(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent, document.activeElement.getBoundingClientRect().left]"
    )
    assert focused[0] == "Skip to content"
    assert focused[1] >= 0  # on screen once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
