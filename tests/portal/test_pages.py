"""Home page and dashboard: render, CSP, and a query budget that does not grow with rows."""

import re

import pytest

from portal.events import record
from portal.models import Event
from tests.factories import UserFactory
from tests.html import attr, find_all, links, text


def _many_events(n, actor=None):
    Event.objects.bulk_create(
        [Event(actor=actor, verb="test.happened", target_repr=f"thing {i}", data={"i": i}) for i in range(n)]
    )


def _busy_site(rows):
    """`rows` of everything the home page shows: groups of both kinds, meetings, SEPs, events."""
    from datetime import timedelta

    from django.utils import timezone

    from groups.models import Group
    from tests.factories import GroupFactory
    from tests.meetings.factories import MeetingFactory
    from tests.seps.factories import SEPFactory

    actors = UserFactory.create_batch(3)
    now = timezone.now()
    for i in range(rows):
        group = GroupFactory(kind=Group.Kind.WORKING if i % 3 else Group.Kind.INTEREST)
        meeting = MeetingFactory(group=group, title=f"Planning {i}", starts_at=now + timedelta(days=2 + i))
        sep = SEPFactory(group=group, status="in-review")
        record(actor=actors[i % 3], verb="meeting.published", target=meeting)
        record(
            actor=actors[i % 3],
            verb="sep.status_changed",
            target=sep,
            data={"from": "draft", "to": "in-review", "number": sep.number},
        )
    return actors


# groups by kind 1, upcoming meetings 1, recent SEPs 1, events (actor, group, target type joined) 1,
# which of the meetings those events name are public 1
HOME_BUDGET = 5


@pytest.mark.parametrize("rows", [3, 30])
def test_home_query_budget_does_not_grow_with_rows(client, client_for, db, django_assert_max_num_queries, rows):
    actors = _busy_site(rows)
    with django_assert_max_num_queries(HOME_BUDGET):
        resp = client.get("/")
    body = resp.content.decode()
    assert resp.status_code == 200
    meeting_links = find_all(body, "a", within="upcoming-h")
    assert sum(text(a).startswith("Planning") for a in meeting_links) == min(rows, 5)
    in_review = [b for b in find_all(body, "span", within="seps-h", class_="badge") if text(b) == "In review"]
    assert len(in_review) == min(rows, 5)
    assert body.count(' published <a href="/meetings/') + body.count(' moved <a href="/seps/') == min(2 * rows, 8)
    assert "meeting.published" not in body
    assert "sep.status_changed" not in body
    signed_in = client_for(actors[0])
    with django_assert_max_num_queries(HOME_BUDGET + 2):  # + session and user
        assert signed_in.get("/").status_code == 200


def test_home_counts_active_groups_by_kind(client, db):
    from groups.models import Group
    from tests.factories import GroupFactory

    GroupFactory.create_batch(2, kind=Group.Kind.WORKING)
    GroupFactory(kind=Group.Kind.INTEREST)
    GroupFactory(kind=Group.Kind.WORKING, state=Group.State.PROPOSED)
    GroupFactory(kind=Group.Kind.INTEREST, state=Group.State.RETIRED)
    body = client.get("/").content.decode()
    stats = links(find_all(body, "ul", class_="stats")[0])
    assert ("/groups/", "3 active groups") in stats
    assert ("/groups/?kind=wg", "2 Working Groups") in stats
    assert ("/groups/?kind=ig", "1 Interest Group") in stats


def test_home_empty_site_says_so(client, db):
    body = client.get("/").content.decode()
    assert "No meetings are scheduled yet." in body
    assert "No SEPs have been proposed yet." in body
    assert "Nothing has happened yet." in body
    assert ("/groups/", "0 active groups") in links(find_all(body, "ul", class_="stats")[0])


def test_home_lists_next_published_meetings_in_the_viewers_zone(client_for, db):
    from datetime import UTC, datetime, timedelta

    import time_machine

    from meetings.models import Meeting
    from tests.meetings.factories import MeetingFactory

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    viewer = UserFactory(timezone="Asia/Kolkata")
    with time_machine.travel(now, tick=False):
        MeetingFactory(title="Soon and published", starts_at=now + timedelta(days=1))
        MeetingFactory(title="Later and published", starts_at=now + timedelta(days=3))
        MeetingFactory(title="Only a draft", starts_at=now + timedelta(days=2), status=Meeting.Status.DRAFT)
        MeetingFactory(title="Already over", starts_at=now - timedelta(days=2))
        called_off = MeetingFactory(title="Called off", starts_at=now + timedelta(days=2))
        Meeting.objects.filter(pk=called_off.pk).update(status=Meeting.Status.CANCELLED)
        body = client_for(viewer).get("/").content.decode()
    assert body.index("Soon and published") < body.index("Later and published")
    for hidden in ("Only a draft", "Already over", "Called off"):
        assert hidden not in body
    assert "Tue 3 Mar 2026, 14:30 IST (UTC+05:30)" in body


def test_home_activity_reads_as_sentences_with_links(client, db):
    from tests.meetings.factories import MeetingFactory
    from tests.seps.factories import SEPFactory

    lena = UserFactory(display_name="Lena Test")
    meeting = MeetingFactory(title="Weekly sync")
    sep = SEPFactory(number=4242, title="Streaming results")
    record(actor=lena, verb="meeting.published", target=meeting)
    record(actor=lena, verb="sep.status_changed", target=sep, data={"from": "draft", "to": "in-review", "number": 4242})
    record(actor=None, verb="group.flagged_inactive", target=meeting.group, group=meeting.group)
    record(actor=lena, verb="widget.frobbed_twice", target=sep)  # a verb nobody wrote a phrase for
    body = client.get("/").content.decode()
    assert f'Lena Test</span> published <a href="/meetings/{meeting.pk}/">Weekly sync</a>' in body
    assert (
        'Lena Test</span> moved <a href="/seps/4242/">SEP-4242: Streaming results</a> from draft to in review' in body
    )
    assert (
        f'The portal</span> flagged <a href="/groups/{meeting.group.slug}/">{meeting.group.name}</a> as inactive'
        in body
    )
    assert 'Lena Test</span> frobbed twice: <a href="/seps/4242/">SEP-4242: Streaming results</a>' in body
    assert "widget.frobbed_twice" not in body
    assert "meeting.published" not in body


def test_home_timeline_skips_pings_and_reminders(client, db):
    from tests.meetings.factories import MeetingFactory

    meeting = MeetingFactory(title="Reminded meeting")
    record(actor=None, verb="system.ping", data={"token": "x"})
    record(actor=None, verb="meeting.notes_reminder_sent", target=meeting)
    record(actor=None, verb="meeting.publication_reminder_sent", target=meeting)
    body = client.get("/").content.decode()
    assert "Nothing has happened yet." in body


def test_home_recent_seps_newest_status_change_first(client, db):
    from datetime import timedelta

    from django.utils import timezone

    from tests.seps.factories import SEPFactory

    now = timezone.now()
    SEPFactory(title="Changed long ago", status_changed_at=now - timedelta(days=40))
    SEPFactory(title="Changed yesterday", status="accepted", status_changed_at=now - timedelta(days=1))
    body = client.get("/").content.decode()
    assert body.index("Changed yesterday") < body.index("Changed long ago")
    assert '<span class="badge ok">Accepted</span>' in body


@pytest.mark.parametrize("rows", [3, 40])
def test_dashboard_query_budget_does_not_grow(client_for, contributor, django_assert_max_num_queries, rows):
    _many_events(rows, actor=contributor)
    client = client_for(contributor)
    with django_assert_max_num_queries(DASHBOARD_BUDGET):
        resp = client.get("/dashboard/")
    assert resp.status_code == 200
    assert resp.content.decode().count("You</span> happened:") == min(rows, 8)


# Issue 14: one query of facts (memberships, leads, nominations, votes, decisions, reports, escalations,
# meetings due, SEPs, events; the core queue counts) lets every panel skip its queries when it has
# nothing to show. Busy core maintainer lead (no proposal, report, escalation, nomination or amendment:
# Decisions and those lists skipped): session + user 2, facts 1, memberships 1, meetings 3 + 1, SEP
# panel 1, events 1; was 19, then 15.
DASHBOARD_BUDGET = 10
EMPTY_DASHBOARD_BUDGET = 2  # the data version and the facts; was 11 (every panel's queries, all empty)


def test_dashboard_of_a_person_with_nothing_runs_no_panel_query(client_for, db, settings, page_queries):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)
    client = client_for(UserFactory())
    client.get("/dashboard/")  # the user is cached per data version from now on
    _, resp = page_queries(client, "/dashboard/", EMPTY_DASHBOARD_BUDGET)
    body = resp.content.decode()
    assert "You have not joined a group yet." in body
    assert "Nothing yet. What you do in groups" in body


@pytest.mark.parametrize("rows", [2, 25])
def test_dashboard_budget_holds_for_a_busy_core_maintainer_lead(client_for, db, django_assert_max_num_queries, rows):
    """Every panel filled (groups led, drafts to publish, notes due, SEPs sponsored): same budget."""
    from datetime import timedelta

    from django.utils import timezone

    from groups.models import Tier
    from meetings.models import Meeting
    from portal.models import LadderRole
    from tests.factories import GroupFactory, MembershipFactory
    from tests.meetings.factories import MeetingFactory
    from tests.seps.factories import SEPFactory

    me = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)
    now = timezone.now()
    for _ in range(rows):
        group = GroupFactory()
        MembershipFactory(group=group, user=me, tier=Tier.LEAD)
        MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=now + timedelta(days=9))
        MeetingFactory(group=group, starts_at=now - timedelta(days=1))  # notes due
        SEPFactory(group=group, sponsor=me, status="draft")
    _many_events(rows, actor=me)
    client = client_for(me)
    with django_assert_max_num_queries(DASHBOARD_BUDGET):
        resp = client.get("/dashboard/")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "Meetings that need you" in body
    assert "Your SEPs" in body
    assert "Your groups" in body
    assert "Core maintainers&#x27; queues" in body or "Core maintainers' queues" in body


def test_dashboard_anonymous_redirects_to_sign_in(client, db):
    resp = client.get("/dashboard/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/login/")


def test_p3_dashboard_names_missing_profile_fields(client_for, db):
    person = UserFactory(github="", discord="")
    body = client_for(person).get("/dashboard/").content.decode()
    assert "Still missing: GitHub handle, Discord name" in body


def test_dashboard_renders_app_panels(client_for, contributor, monkeypatch, settings, tmp_path):
    import sys
    import types

    (tmp_path / "panel.html").write_text('<section class="card"><h2>{{ panel.title }}</h2></section>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    module = types.ModuleType("seps.dashboard")
    module.panels = lambda request: [{"template": "panel.html", "title": f"SEPs for {request.user.name}"}]
    monkeypatch.setitem(sys.modules, "seps.dashboard", module)
    body = client_for(contributor).get("/dashboard/").content.decode()
    assert f"<h2>SEPs for {contributor.name}</h2>" in body


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"])
def test_pages_send_strict_csp_and_no_inline_code(client, db, path):
    resp = client.get(path)
    csp = resp["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    body = resp.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts, "htmx is loaded"
    assert all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=", body), "inline event handler"
    assert not re.search(r"\sstyle\s*=", body), "inline style attribute"
    assert "<style" not in body
    assert not re.search(r'(src|href)="(https?:)?//', body), "something loads from outside the site"


def test_signed_in_pages_have_csp_too(client_for, contributor):
    for path in ("/dashboard/", "/profile/"):
        resp = client_for(contributor).get(path)
        assert "Content-Security-Policy" in resp
        body = resp.content.decode()
        assert not re.search(r"\son[a-z]+\s*=", body)
        assert not re.search(r"\sstyle\s*=", body)


def test_core_maintainer_reaches_every_queue_from_the_nav(client_for, core_maintainer):
    body = client_for(core_maintainer).get("/dashboard/").content.decode()
    assert ("/dashboard/#queues", "Queues") in links(body)
    assert ("/dashboard/", "Dashboard") in links(body, aria_current="page")
    queues = body[body.index('id="queues"') : body.index("</section>", body.index('id="queues"'))]
    for url in ("/seps/review/", "/meetings/compliance/", "/groups/queue/", "/admin/"):
        assert f'href="{url}"' in queues
    # every queue page really opens for them
    for url in ("/seps/review/", "/meetings/compliance/", "/groups/queue/"):
        assert client_for(core_maintainer).get(url).status_code == 200


def test_contributor_has_no_queues_link(client_for, contributor):
    body = client_for(contributor).get("/profile/").content.decode()
    assert "#queues" not in body
    assert 'id="queues"' not in client_for(contributor).get("/dashboard/").content.decode()
    assert len(find_all(body, "a", class_="whoami", aria_current="page")) == 1


def test_dashboard_activity_says_you(client_for, contributor):
    from tests.meetings.factories import MeetingFactory

    meeting = MeetingFactory(title="My proposal meeting")
    record(actor=contributor, verb="meeting.agenda_item_proposed", target=meeting, data={"title": "Auth"})
    body = client_for(contributor).get("/dashboard/").content.decode()
    assert f'You</span> proposed an agenda item for <a href="/meetings/{meeting.pk}/">My proposal meeting</a>' in body


def test_csp_header_on_admin_error_pages_and_feeds(client, client_for, core_maintainer):
    signed_in = client_for(core_maintainer)
    for c, path in [
        (client, "/admin/login/"),
        (signed_in, "/admin/"),
        (signed_in, "/admin/portal/user/"),
        (client, "/no-such-page/"),
        (client, "/meetings.ics"),
        (client, "/healthz"),
    ]:
        resp = c.get(path)
        assert "frame-ancestors 'none'" in resp["Content-Security-Policy"], path
        assert "unsafe-inline" not in resp["Content-Security-Policy"], path


def _dangling_references(body):
    ids = set(re.findall(r'\sid="([^"]+)"', body))
    refs = [ref for attr in re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', body) for ref in attr.split()]
    return [ref for ref in refs if ref not in ids]


def test_help_texts_and_errors_are_tied_to_their_inputs(client, client_for, contributor):
    """aria-describedby / aria-labelledby point at elements that exist, in normal and error states."""
    me = client_for(contributor)
    pages = {
        "profile": me.get("/profile/"),
        "profile with errors": me.post("/profile/", {"timezone": "Mars/Olympus", "display_name": "x" * 500}),
        "dashboard": me.get("/dashboard/"),
        "home": client.get("/"),
        "sign-up with errors": client.post("/accounts/signup/", {"email": "bad", "password1": "x", "password2": "y"}),
        "sign-in with errors": client.post("/accounts/login/", {"login": "nobody@example.test", "password": "x"}),
    }
    for name, resp in pages.items():
        body = resp.content.decode()
        assert 'aria-describedby="' in body or name in ("dashboard", "home"), name
        assert _dangling_references(body) == [], name
    errors = pages["profile with errors"].content.decode()
    timezone_input = find_all(errors, "input", name="timezone")[0]
    assert attr(timezone_input, "aria-invalid") == "true"
    assert attr(timezone_input, "aria-describedby") == "id_timezone_helptext id_timezone_error"
    assert 'id="id_timezone_error"' in errors
    assert 'id="id_display_name_error"' in errors


def test_home_timeline_hides_meetings_the_public_cannot_open(client, db):
    from meetings.models import Meeting
    from tests.meetings.factories import MeetingFactory

    lead = UserFactory(display_name="Lena Test")
    draft = MeetingFactory(title="Secret draft", status=Meeting.Status.DRAFT)
    missed = MeetingFactory(title="Missed one", status=Meeting.Status.MISSED_PUBLICATION, published_at=None)
    public = MeetingFactory(title="Open sync")
    record(actor=lead, verb="meeting.scheduled", target=draft)
    record(actor=None, verb="meeting.publication_missed", target=missed)
    record(actor=lead, verb="meeting.published", target=public)
    body = client.get("/").content.decode()
    assert "Open sync" in body
    assert "Secret draft" not in body
    assert "Missed one" not in body
    assert client.get(f"/meetings/{draft.pk}/").status_code == 404  # why: the link would lead nowhere


def test_home_invites_visitors_to_sign_up_but_not_members(client, client_for, contributor):
    assert 'class="hero-cta"' in client.get("/").content.decode()
    assert 'class="hero-cta"' not in client_for(contributor).get("/").content.decode()


@pytest.mark.parametrize("path", ["/", "/groups/", "/meetings/", "/seps/"])
def test_every_page_varies_on_hx_request(client, db, path):
    """A fragment and the whole page share a URL; caches and the back button must tell them apart."""
    resp = client.get(path)
    assert resp.status_code == 200
    assert "HX-Request" in resp["Vary"]


def test_home_timeline_fills_from_older_events_when_the_newest_are_hidden(client, db):
    """Hidden draft-meeting events do not push the public ones off the page (bounded over-fetch)."""
    from datetime import timedelta

    from django.utils import timezone

    from meetings.models import Meeting
    from portal.views import HOME_EVENTS
    from tests.meetings.factories import MeetingFactory

    lead = UserFactory(display_name="Lena Test")
    now = timezone.now()
    public = MeetingFactory(title="Open sync")
    record(actor=lead, verb="meeting.published", target=public, at=now - timedelta(hours=1))
    draft = MeetingFactory(title="Secret draft", status=Meeting.Status.DRAFT)
    for i in range(HOME_EVENTS):  # the newest events all name the draft
        record(actor=lead, verb="meeting.edited", target=draft, at=now - timedelta(minutes=i))
    body = client.get("/").content.decode()
    assert "Open sync" in body
    assert "Secret draft" not in body


def test_pagination_keeps_filters_and_targets_the_list(rf, db):
    """The shared pager: plain links keep the other filters; htmx swaps only the list."""
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    page = Paginator(list(range(30)), 10).get_page(2)
    request = rf.get("/seps/", {"status": "draft", "page": "2"})
    html = render_to_string(
        "portal/_pagination.html", {"page": page, "target": "#sep-results", "swap": "outerHTML", "request": request}
    )
    assert "Page 2 of 3" in html
    assert 'href="?status=draft&amp;page=1"' in html
    assert 'href="?status=draft&amp;page=3"' in html
    assert [attr(a, "hx-swap") for a in find_all(html, "a", hx_target="#sep-results")] == ["outerHTML", "outerHTML"]
    assert render_to_string("portal/_pagination.html", {"page": Paginator([1], 10).get_page(1)}).strip() == ""
