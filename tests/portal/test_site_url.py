"""One source of truth for absolute links (issue: with PORT=8311 links pointed at port 8000).

Every absolute link (webcal://, Google Calendar, the .ics URL/DESCRIPTION, notice mail, account
mail) is built from settings.SITE_URL; `make run` derives SITE_URL from PORT unless it is set; the
Sites row (allauth's "[site] ..." subjects, "Hello from ...") follows settings after migrate.
"""

import re
import subprocess
from datetime import timedelta

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from meetings.models import Meeting
from meetings.services import meeting_send_publication_reminder
from portal.notices import deliver_pending
from portal.sites import sync_site
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.portal.helpers import ROOT

OTHER = "http://127.0.0.1:8311"


def _make_dry_run(*args, env=None):
    import os

    full_env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS", "MAKELEVEL")}
    full_env.update(env or {})
    return subprocess.run(
        ["make", "-n", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    ).stdout


def test_make_run_derives_site_url_from_port():
    out = _make_dry_run("run", "PORT=8311")
    assert "Links in mail and calendar feeds: http://127.0.0.1:8311 " in out


def test_make_run_keeps_an_explicit_site_url():
    out = _make_dry_run("run", "PORT=8311", env={"SITE_URL": "https://portal.example.org"})
    assert "Links in mail and calendar feeds: https://portal.example.org " in out


def test_make_exports_site_url_to_every_process():
    # honcho gives each process its own PORT (web 8000, worker 8100, beat 8200): the worker's
    # mails would point at the wrong port if SITE_URL were derived from PORT inside each process
    text = (ROOT / "Makefile").read_text()
    assert re.search(r"^export SITE_URL$", text, re.M)


@pytest.fixture
def meeting(db):
    return MeetingFactory(group=GroupFactory(slug="transports-wg"))


@override_settings(SITE_URL=OTHER)
def test_meeting_page_calendar_links_use_site_url(client, meeting):
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "webcal://127.0.0.1:8311/" in html
    google = re.search(r'href="(https://calendar.google.com[^"]+)"', html).group(1)
    assert "127.0.0.1%3A8311" in google
    assert "127.0.0.1:8000" not in html and "127.0.0.1%3A8000" not in html


@override_settings(SITE_URL=OTHER)
def test_ics_url_and_description_use_site_url(client, meeting):
    body = client.get("/meetings.ics").content.decode().replace("\r\n ", "")
    assert f"URL:{OTHER}{meeting.get_absolute_url()}" in body
    assert f"at {OTHER}{meeting.get_absolute_url()}" in body
    assert ":8000" not in body


@override_settings(SITE_URL=OTHER)
def test_notice_mail_links_use_site_url(db):
    group = GroupFactory()
    lead = UserFactory()
    MembershipFactory(group=group, user=lead, tier="lead")
    m = MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=timezone.now() + timedelta(days=8))
    assert meeting_send_publication_reminder(meeting_id=m.pk, now=timezone.now())
    deliver_pending()
    assert len(mail.outbox) == 1
    assert f"{OTHER}{m.get_absolute_url()}" in mail.outbox[0].body
    assert ":8000" not in mail.outbox[0].body


def test_sites_row_follows_settings_after_migrate(db):
    site = Site.objects.get_current()
    assert site.domain == "127.0.0.1:8000"
    assert site.name == "MCP Groups Portal"


@override_settings(SITE_URL="https://portal.example.org", SITE_NAME="MCP Groups")
def test_sync_site_updates_the_row(db):
    sync_site()
    site = Site.objects.get(pk=1)
    assert (site.domain, site.name) == ("portal.example.org", "MCP Groups")


@override_settings(SITE_URL=OTHER)
def test_account_mail_names_the_site_and_links_to_site_url(client, db):
    sync_site()
    client.post(
        "/accounts/signup/",
        {"email": "new@example.test", "password1": "a-long-Unusual-pass-42", "password2": "a-long-Unusual-pass-42"},
    )
    msg = mail.outbox[-1]
    assert "example.com" not in msg.subject + msg.body
    assert msg.subject.startswith("[MCP Groups Portal]")
    assert f"{OTHER}/accounts/confirm-email/" in msg.body  # the request came in as testserver


def test_signed_in_message_uses_the_display_name(client, db):
    from allauth.account.models import EmailAddress

    user = UserFactory(username="sam", display_name="Sam Rivera")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    resp = client.post("/accounts/login/", {"login": user.email, "password": "pw-for-tests-123"}, follow=True)
    text = " ".join(str(m) for m in resp.context["messages"])
    assert "Sam Rivera" in text
    assert "as sam." not in text


def test_readme_import_command_works_on_a_fresh_checkout_without_secret_key(tmp_path):
    """`make import-seps DIR=...` as the README writes it: DEBUG=true like make run, no SECRET_KEY."""
    import os
    import shutil

    folder = tmp_path / "seps"
    folder.mkdir()
    shutil.copy(ROOT / "tests/seps/fixtures/1201-bullet-preamble.md", folder)
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "MAKEFLAGS", "MAKELEVEL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env.pop("PYTEST_VERSION", None)
    env.pop("TESTING", None)
    done = subprocess.run(
        ["make", "-s", "import-seps", f"DIR={folder}", "ARGS=--dry-run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "SECRET_KEY" not in done.stderr


def test_make_refuses_path_as_the_folder_variable():
    done = subprocess.run(["make", "import-seps", "PATH=/tmp"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "DIR=" in done.stderr
