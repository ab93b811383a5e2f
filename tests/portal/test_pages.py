"""Home page and dashboard: render, CSP, and a query budget that does not grow with rows."""

import re

import pytest

from portal.events import record
from portal.models import Event
from tests.factories import UserFactory


def _many_events(n, actor=None):
    Event.objects.bulk_create(
        [Event(actor=actor, verb="test.happened", target_repr=f"thing {i}", data={"i": i}) for i in range(n)]
    )


@pytest.mark.parametrize("rows", [3, 40])
def test_home_query_budget_does_not_grow_with_events(client, db, django_assert_max_num_queries, rows):
    actors = UserFactory.create_batch(3)
    for i in range(rows):
        record(actor=actors[i % 3], verb="test.happened", data={"i": i})
    with django_assert_max_num_queries(3):
        resp = client.get("/")
    assert resp.status_code == 200
    assert resp.content.decode().count("test.happened") == min(rows, 8)


@pytest.mark.parametrize("rows", [3, 40])
def test_dashboard_query_budget_does_not_grow(client_for, contributor, django_assert_max_num_queries, rows):
    _many_events(rows, actor=contributor)
    client = client_for(contributor)
    with django_assert_max_num_queries(DASHBOARD_BUDGET):
        resp = client.get("/dashboard/")
    assert resp.status_code == 200
    assert resp.content.decode().count("test.happened") == min(rows, 8)


# session + user 2, groups panel 3 + core queue counts 4, meetings panel 2, SEP panel 1 + queue 1, own events 1
DASHBOARD_BUDGET = 15


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
    assert "Meetings that need you" in body and "Your SEPs" in body and "Your groups" in body
    assert "Core maintainers&#x27; queues" in body or "Core maintainers' queues" in body


def test_dashboard_anonymous_redirects_to_sign_in(client, db):
    resp = client.get("/dashboard/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


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
