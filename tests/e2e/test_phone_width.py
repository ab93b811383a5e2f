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
