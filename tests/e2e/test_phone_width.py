"""Phone width (390 px): a lead's group page and dashboard never scroll sideways.

Found by hand: the group page scrolled 120 px because the lead-only "Actions" column label (a
visually hidden, absolutely positioned span) escaped its scrolling .table-wrap, and the charter's
tables widened the one-column layout; the dashboard scrolled because of a long badge.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import Tier
from meetings.models import Meeting
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.groups.factories import CharterVersionFactory
from tests.meetings.factories import MeetingFactory

WIDE_TABLE = "| Role | Name | Organization | GitHub | Term |\n| --- | --- | --- | --- | --- |\n" + (
    "| Lead | Samantha Whitakerson | Open Harbor Foundation | [@samantha-whitakerson](https://github.com/x) | 2026–2027 |\n"
)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_g5_m2_lead_pages_fit_a_phone(page, live_server, sign_in, shot):
    group = GroupFactory(name="Transports Working Group", slug="transports")
    lead = UserFactory(display_name="Sam Lead", affiliation="Open Harbor Foundation")
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    for _ in range(3):
        MembershipFactory(group=group, user=UserFactory(affiliation="Somewhere Long Named Ltd"), tier=Tier.MEMBER)
    CharterVersionFactory(group=group, number=1, sections={"mission": "Moves messages.", "leadership": WIDE_TABLE})
    MeetingFactory(
        group=group, title="Too close", status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=3)
    )

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, lead)
    for path in (group.get_absolute_url(), "/dashboard/"):
        page.goto(live_server.url + path)
        page.evaluate("window.scrollTo(400, 0)")
        assert page.evaluate("window.scrollX") == 0, path
    shot(page, "dashboard-phone")


OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && getComputedStyle(el).position !== 'fixed') {
      let inScroller = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') { inScroller = true; break; }
      }
      if (!inScroller) wide.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''));
    }
  }
  return {scroll: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5)};
}"""


def _too_wide(page, base, paths) -> list[str]:
    found = []
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state()
        result = page.evaluate(OVERFLOW_JS)
        if result["scroll"] > 0:
            found.append(f"{path}: {result['scroll']} px sideways ({', '.join(result['wide']) or 'unknown element'})")
    return found


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_every_page_of_the_accessibility_scan_fits_a_phone(page, live_server, sign_in):
    """Every page the axe scan opens (tests/e2e/test_accessibility.py: the same lists), as a visitor and
    as a signed-in lead and core maintainer, at 390 px: nothing scrolls sideways."""
    from tests.e2e.test_accessibility import _community, public_paths, signed_in_paths

    c = _community()
    page.set_viewport_size({"width": 390, "height": 844})
    problems = _too_wide(page, live_server.url, public_paths(c))
    sign_in(page, c["lead"])
    problems += _too_wide(page, live_server.url, signed_in_paths(c))
    assert not problems, "pages wider than a phone:\n" + "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_phone_width_check_catches_a_wide_page(page, live_server):
    """The check can fail: a page with an element wider than the screen is reported."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    page.evaluate(
        "() => { const d = document.createElement('div'); d.textContent = 'x'.repeat(10);"
        " d.style.width = '900px'; document.querySelector('main').appendChild(d); }"
    )
    assert page.evaluate(OVERFLOW_JS)["scroll"] > 0
