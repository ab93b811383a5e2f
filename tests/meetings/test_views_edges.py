"""Meeting pages, continued (split from test_views.py at ~600 lines): the compliance queue, form-page
budgets, refusals in the viewer's zone, oversized input and links."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from meetings.models import Meeting
from tests.factories import GroupFactory

from .factories import MeetingFactory
from .test_views import schedule_data


# --- compliance -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_m4_compliance_ladder_and_shares(client, client_for, group, lead, core_maintainer):
    assert "/accounts/login/" in client.get("/meetings/compliance/")["Location"]
    assert client_for(lead).get("/meetings/compliance/").status_code == 403
    now = timezone.now()
    on_time = MeetingFactory(group=group, title="On time", starts_at=now - timedelta(days=10))
    on_time.notes_published_at = on_time.ends_at + timedelta(hours=5)
    on_time.save()
    late = MeetingFactory(group=group, title="Late notes", starts_at=now - timedelta(days=20))
    late.published_at = late.starts_at - timedelta(days=2)
    late.notes_published_at = late.ends_at + timedelta(hours=60)
    late.save()
    MeetingFactory(group=group, title="Overdue", starts_at=now - timedelta(days=4), notes_overdue_at=now)
    MeetingFactory(group=group, title="Missed", status=Meeting.Status.MISSED_PUBLICATION, published_at=None,
                   missed_publication_at=now, starts_at=now + timedelta(days=3))  # fmt: skip
    resp = client_for(core_maintainer).get("/meetings/compliance/")
    body = resp.content.decode()
    assert "<svg" in body
    assert "Missed" in body
    assert "Overdue" in body
    # publication: on_time, overdue (published in time) ok; late not ok -> 2 of 3; missed is in the future
    assert "2 of 3 (67%)" in body
    # notes: on_time ok; late and overdue not -> 1 of 3
    assert "1 of 3 (33%)" in body
    # every queue row and share row links to the group page, where the leads and meetings are
    assert body.count(f'<a href="{group.get_absolute_url()}">{group.name}</a>') == 3


@pytest.mark.django_db
def test_compliance_query_budget_does_not_grow(client_for, core_maintainer, page_queries):
    c = client_for(core_maintainer)
    now = timezone.now()

    def batch(n):
        for _ in range(n):
            g = GroupFactory()
            MeetingFactory(group=g, starts_at=now - timedelta(days=5), notes_overdue_at=now)
            MeetingFactory(group=g, status=Meeting.Status.MISSED_PUBLICATION, published_at=None)

    batch(3)
    few, _ = page_queries(c, "/meetings/compliance/")
    batch(30)
    many, _ = page_queries(c, "/meetings/compliance/")
    assert many == few <= 7


@pytest.mark.django_db
def test_m2_m4_compliance_queues_say_how_many_beyond_the_list(client_for, core_maintainer, monkeypatch):
    from meetings import views

    monkeypatch.setattr(views, "QUEUE_SIZE", 2)
    now = timezone.now()
    for _ in range(3):
        MeetingFactory(starts_at=now - timedelta(days=5), notes_overdue_at=now)
        MeetingFactory(status=Meeting.Status.MISSED_PUBLICATION, published_at=None, starts_at=now + timedelta(days=2))
    body = client_for(core_maintainer).get("/meetings/compliance/").content.decode()
    assert "Missed publications (3)" in body
    assert "The 2 most recent are listed." in body
    assert "Overdue notes (3)" in body
    assert "The 2 longest overdue are listed." in body


@pytest.mark.django_db
def test_m2_e2e_style_publication_after_time_travel(client_for, group, lead):
    """A draft whose cutoff passes while the lead waits is refused with the earliest start."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=8))
        traveller.shift(timedelta(days=2))
        resp = client_for(lead).post(f"/meetings/{m.pk}/publish/")
    assert resp.status_code == 400
    assert "earliest start" in resp.content.decode()


@pytest.mark.django_db
def test_m7_series_view_htmx_partial_on_bad_input(client_for, htmx_headers, lead, group):
    resp = client_for(lead).post("/meetings/series/new/", {"group": group.pk, "title": ""}, **htmx_headers)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "<html" not in body
    assert "errorlist" in body
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_form_pages_query_budget_does_not_grow(client_for, group, lead, page_queries, settings):
    from groups.models import Tier
    from tests.factories import MembershipFactory

    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render itself
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)
    c = client_for(lead)
    m = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    urls = [f"/meetings/{m.pk}/notes/", "/meetings/schedule/", "/meetings/series/new/", f"/meetings/{m.pk}/edit/"]

    def steady(u):
        c.get(u)  # per-process and per-version caches filled, as for every later request
        return page_queries(c, u)[0]

    few = [steady(u) for u in urls]
    for _ in range(30):
        MembershipFactory(group=group, tier=Tier.PARTICIPANT)
        MeetingFactory(group=GroupFactory())
    many = [steady(u) for u in urls]
    assert many == few
    assert max(many) <= 8


@pytest.mark.django_db
def test_m2_refusal_names_earliest_start_in_viewers_zone(client_for, group, lead):
    """The lead reads New York time; the meeting was scheduled in Berlin: the refusal names both."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    lead.timezone = "America/New_York"
    lead.save(update_fields=["timezone"])
    now = datetime(2026, 11, 23, 0, 5, tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(now, tick=False):
        m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=3))
        body = client_for(lead).post(f"/meetings/{m.pk}/publish/").content.decode()
    # 30 Nov 00:05 UTC = Sun 29 Nov 19:05 in New York = Mon 30 Nov 01:05 in Berlin
    assert "The earliest start that can still be published now is Sun 29 Nov 2026, 19:05 America/New_York" in body
    assert "Mon 30 Nov 2026, 01:05 Europe/Berlin (the meeting&#x27;s zone)" in body
    assert Meeting.objects.get(pk=m.pk).status == Meeting.Status.DRAFT


@pytest.mark.django_db
def test_m1_detail_scheduled_as_shows_the_meetings_own_local_time(client_for, group, lead):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    lead.timezone = "America/New_York"
    lead.save(update_fields=["timezone"])
    start = datetime(2026, 12, 3, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with time_machine.travel(datetime(2026, 11, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        m = MeetingFactory(group=group, starts_at=start, timezone_name="Europe/Berlin")
        body = client_for(lead).get(f"/meetings/{m.pk}/").content.decode()
    assert "Thu 3 Dec 2026, 17:00 Europe/Berlin" in body  # not 11:00 (the viewer's New York time)
    assert "Thu 3 Dec 2026, 11:00" in body  # the start in the viewer's zone


@pytest.mark.django_db
def test_m2_lead_sees_cutoff_passed_with_earliest_start(client_for, group, lead):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=3))
    body = client_for(lead).get(f"/meetings/{m.pk}/").content.decode()
    assert "The publication cutoff (7 days ahead) passed" in body
    assert "or ask a core maintainer to publish it late" in body


@pytest.mark.django_db
def test_m4_compliance_chart_full_names_axis_and_text_alternative(client_for, core_maintainer):
    import re

    now = timezone.now()
    long_name = "Server Identity and Authorization Working Group"
    g = GroupFactory(name=long_name)
    m = MeetingFactory(group=g, starts_at=now - timedelta(days=10))
    m.notes_published_at = m.ends_at + timedelta(hours=60)  # late
    m.save()
    body = client_for(core_maintainer).get("/meetings/compliance/").content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert f">{long_name}</text>" in svg  # the whole name, not truncated
    assert [t for t in re.findall(r">(\d+)%</text>", svg)][:5] == ["0", "25", "50", "75", "100"]  # the axis
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert f"{long_name}: published on time 100% (1 of 1), notes on time 0% (0 of 1)" in desc
    assert 'aria-labelledby="chart-title chart-desc"' in svg


@pytest.mark.django_db
def test_m6_cancelled_meeting_offers_no_google_add_but_keeps_ics(client, group, lead):
    from meetings import services

    m = MeetingFactory(group=group)
    services.meeting_cancel(meeting=m, by=lead, reason="Holiday")
    body = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "calendar.google.com" not in body  # adding a cancelled meeting would create a live event
    assert f"/meetings/{m.pk}.ics" in body
    assert "marks it cancelled" in body


@pytest.mark.django_db
def test_m2_late_publish_reason_too_long_refused_nothing_changes(client_for, group, core_maintainer):
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=3))
    resp = client_for(core_maintainer).post(f"/meetings/{m.pk}/publish/", {"late_reason": "x" * 5000})
    assert resp.status_code == 400
    assert "too long" in resp.content.decode()
    m.refresh_from_db()
    assert m.status == Meeting.Status.DRAFT
    assert m.late_publication_reason == ""


@pytest.mark.django_db
def test_m1_m3_m4_oversized_markdown_refused_nothing_changes(client_for, group, lead, participant):
    from meetings.forms import MARKDOWN_MAX

    huge = "x" * (MARKDOWN_MAX + 1)
    c = client_for(lead)
    data = schedule_data(group, title="Big", agenda_md=huge)
    assert c.post("/meetings/schedule/", data).status_code == 400
    assert not Meeting.objects.filter(title="Big").exists()
    assert c.post("/meetings/schedule/", {**data, "agenda_md": "ok"}).status_code == 302  # only the size was wrong
    m = MeetingFactory(group=group)
    resp = client_for(participant).post(f"/meetings/{m.pk}/agenda/", {"title": "T", "details": "d" * 2001})
    assert resp.status_code == 400
    assert not m.agenda_items.exists()
    held = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=3))
    assert c.post(f"/meetings/{held.pk}/notes/", {"notes_md": huge}).status_code == 400
    held.refresh_from_db()
    assert held.notes_md == ""
    assert held.notes_published_at is None


@pytest.mark.django_db
def test_m1_meeting_list_and_page_link_to_the_group_page(client, group):
    """A visitor told "participants may propose agenda items" had no link from the meeting to the
    group page where one joins: the breadcrumb goes to the filtered meeting list only."""
    meeting = MeetingFactory(group=group, title="Linked sync", starts_at=timezone.now() + timedelta(days=10))
    link = f'<a href="{group.get_absolute_url()}">{group.name}</a>'
    assert link in client.get("/meetings/").content.decode()
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert page.count(link) == 2  # the "Group" line and the "Participants of ... may propose" hint
