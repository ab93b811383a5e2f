"""M6 (issue 8, kind 5): every change that alters a feed's content changes its ETag, whatever made
it: the admin, a service, an importer or raw SQL. Each feed is fetched, re-polled (304), changed by
one path, and re-polled: the client must get 200 with the new content and a new ETag."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from groups.models import Tier
from meetings import services as meeting_services
from portal.models import LadderRole
from seps import services as sep_services
from seps.models import Status
from tests.admin_forms import admin_change
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.seps.factories import SEPAuthorFactory, SEPFactory

pytestmark = pytest.mark.django_db

CHARTER = """---
title: {title} Charter
description: Charter for a working group of the tests.
---

## Mission Statement

Specify how the tests check feeds.

## Leadership

| Role | Name       | Organization | GitHub                                 | Term    |
| ---- | ---------- | ------------ | -------------------------------------- | ------- |
| Lead | Lead Tester | Testworks   | [@lead-tester](https://github.com/lead-tester) | Initial |
"""

SEP_FILE = """# SEP-4801: Feeds that follow every change

- **Status**: {status}
- **Type**: Standards Track
- **Created**: 2026-05-01
- **Author(s)**: Feed Person (@feed-person)
- **Sponsor**: @feed-sponsor

## Abstract

Feeds change when their content does.
"""


@pytest.fixture
def world(tmp_path):
    group = GroupFactory(name="Caching Working Group", slug="caching")
    lead = UserFactory(ladder_role=LadderRole.MEMBER, display_name="Lead Person")
    MembershipFactory(group=group, user=lead, tier=Tier.LEAD)
    me = UserFactory(display_name="Feed Reader")
    MembershipFactory(group=group, user=me, tier=Tier.OBSERVER)
    meeting = MeetingFactory(group=group, title="Cache sync")
    sponsor = UserFactory(ladder_role=LadderRole.MAINTAINER, display_name="Sponsor Person", github="feed-sponsor")
    sep = SEPFactory(group=group, status=Status.PROPOSAL, title="Grouped proposal")
    SEPAuthorFactory(sep=sep, name="The Author", github="the-author")
    sep_services.sep_sponsor(sep=sep, by=sponsor, reason="Taking it on")
    admin = UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER, is_staff=True, is_superuser=True)
    return {"group": group, "lead": lead, "me": me, "meeting": meeting, "sponsor": sponsor, "sep": sep,
            "admin": admin, "tmp": tmp_path}  # fmt: skip


FEEDS = {
    "meeting-ics": lambda w: f"/meetings/{w['meeting'].pk}.ics",
    "group-ics": lambda w: "/meetings/group/caching.ics",
    "all-ics": lambda w: "/meetings/feed.ics",
    "private-ics": lambda w: f"/meetings/calendar/{w['me'].calendar_token}.ics",
    "sep-atom": lambda w: "/seps/feed/",
    "group-sep-atom": lambda w: "/seps/feed/group/caching/",
}


# --- the paths: each makes a change that the feed shows, and returns the text it must now contain --


def rename_group_in_admin(client, w):
    client.force_login(w["admin"])
    admin_change(client, f"/admin/groups/group/{w['group'].pk}/change/", "group_form", name="Renamed By Admin")
    client.logout()
    return "Renamed By Admin"


def rename_sponsor_in_admin(client, w):
    client.force_login(w["admin"])
    admin_change(client, f"/admin/portal/user/{w['sponsor'].pk}/change/", "user_form", display_name="Admin Renamed")
    client.logout()
    return "Admin Renamed"


def rename_reader_in_admin(client, w):
    client.force_login(w["admin"])
    admin_change(client, f"/admin/portal/user/{w['me'].pk}/change/", "user_form", display_name="Reader Renamed")
    client.logout()
    return "Reader Renamed"


def edit_meeting_by_service(client, w):
    meeting_services.meeting_edit(meeting=w["meeting"], by=w["lead"], title="Retitled by service")
    return "Retitled by service"


def move_sep_by_service(client, w):
    sep_services.sep_submit_for_review(sep=w["sep"], by=w["sponsor"], reason="Ready for the core review")
    return "Ready for the core review"


def _by():
    """Imports name the core maintainer who runs them (issue 8)."""
    from portal.models import LadderRole, User
    from tests.factories import UserFactory

    if not User.objects.filter(username="importer").exists():
        UserFactory(username="importer", ladder_role=LadderRole.CORE_MAINTAINER)
    return ["--by", "importer"]


def import_renamed_charter(client, w):
    folder = w["tmp"] / "charters"
    (folder / "working-groups").mkdir(parents=True)
    (folder / "working-groups" / "caching.md").write_text(CHARTER.format(title="Imported Cache"))
    call_command("import_charters", str(folder), *_by(), stdout=StringIO())
    return "Imported Cache Working Group"


def import_sep_status_change(client, w):
    folder = w["tmp"] / "seps"
    folder.mkdir()
    path = folder / "4801-feeds.md"
    path.write_text(SEP_FILE.format(status="Draft"))
    call_command("import_seps", str(folder), *_by(), stdout=StringIO())
    path.write_text(SEP_FILE.format(status="In-Review"))
    call_command("import_seps", str(folder), *_by(), stdout=StringIO())
    return "import: draft -&gt; in-review"


def rename_group_by_raw_sql(client, w):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE groups_group SET name = %s WHERE id = %s", ["Renamed By SQL", w["group"].pk])
    return "Renamed By SQL"


def rename_reader_by_raw_sql(client, w):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_user SET display_name = %s WHERE id = %s", ["Reader By SQL", w["me"].pk])
    return "Reader By SQL"


def fix_reason_by_raw_sql(client, w):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portal_event SET data = jsonb_set(data, '{reason}', '\"Reason fixed by SQL\"') "
            "WHERE verb = 'sep.status_changed'"
            if connection.vendor == "postgresql"
            else "UPDATE portal_event SET data = json_set(data, '$.reason', 'Reason fixed by SQL') "
            "WHERE verb = 'sep.status_changed'"
        )
    return "Reason fixed by SQL"


# For each feed, one change per path that alters what that feed shows.
CASES = {
    "meeting-ics": {"admin": rename_group_in_admin, "service": edit_meeting_by_service,
                    "importer": import_renamed_charter, "raw-sql": rename_group_by_raw_sql},
    "group-ics": {"admin": rename_group_in_admin, "service": edit_meeting_by_service,
                  "importer": import_renamed_charter, "raw-sql": rename_group_by_raw_sql},
    "all-ics": {"admin": rename_group_in_admin, "service": edit_meeting_by_service,
                "importer": import_renamed_charter, "raw-sql": rename_group_by_raw_sql},
    "private-ics": {"admin": rename_reader_in_admin, "service": edit_meeting_by_service,
                    "importer": import_renamed_charter, "raw-sql": rename_reader_by_raw_sql},
    "sep-atom": {"admin": rename_sponsor_in_admin, "service": move_sep_by_service,
                 "importer": import_sep_status_change, "raw-sql": fix_reason_by_raw_sql},
    "group-sep-atom": {"admin": rename_group_in_admin, "service": move_sep_by_service,
                       "importer": import_renamed_charter, "raw-sql": rename_group_by_raw_sql},
}  # fmt: skip


@pytest.mark.parametrize(
    ("feed", "path"), [(feed, path) for feed, paths in CASES.items() for path in paths], ids=lambda v: v
)
def test_m6_feed_etag_follows_every_change(client, world, feed, path):
    url = FEEDS[feed](world)
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    expected = CASES[feed][path](client, world)

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag
    assert expected in again.content.decode()


@pytest.mark.parametrize("feed", list(FEEDS))
def test_m6_write_that_leaves_a_feed_alone_keeps_its_etag(client, world, feed):
    """The ETag is a hash of the content: an unrelated write (another group's page) re-renders the
    feed once but does not make every subscriber download it again."""
    url = FEEDS[feed](world)
    etag = client.get(url)["ETag"]
    GroupFactory(name="Unrelated Interest Group")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_m6_admin_group_rename_changes_group_feed_the_reported_example(client, world):
    """The audit's example: a group renamed in the admin answered 304 with the old name."""
    url = "/meetings/group/caching.ics"
    etag = client.get(url)["ETag"]
    rename_group_in_admin(client, world)
    renamed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200
    assert "Renamed By Admin" in renamed.content.decode()
    assert "Caching Working Group" not in renamed.content.decode()
