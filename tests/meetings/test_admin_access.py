"""The meetings admin: core maintainers see it (they are staff without Django model permissions)."""

import pytest

from portal.models import LadderRole
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_m1_core_maintainer_sees_meetings_in_admin_other_staff_do_not(client_for, core_maintainer):
    meeting = MeetingFactory()
    ok = client_for(core_maintainer).get("/admin/meetings/meeting/")
    assert ok.status_code == 200
    assert meeting.title in ok.content.decode()
    assert client_for(core_maintainer).get(f"/admin/meetings/meeting/{meeting.pk}/change/").status_code == 200
    staff_maintainer = UserFactory(ladder_role=LadderRole.MAINTAINER, is_staff=True)
    assert client_for(staff_maintainer).get("/admin/meetings/meeting/").status_code == 403


def test_m1_admin_cannot_delete_or_edit_agenda_items_behind_the_services(client_for, core_maintainer):
    from tests.meetings.factories import AgendaItemFactory

    item = AgendaItemFactory()
    c = client_for(core_maintainer)
    assert c.get(f"/admin/meetings/agendaitem/{item.pk}/change/").status_code == 200  # view only
    resp = c.post(f"/admin/meetings/agendaitem/{item.pk}/change/", {"title": "changed"})
    assert resp.status_code == 403
    assert c.post(f"/admin/meetings/agendaitem/{item.pk}/delete/", {"post": "yes"}).status_code == 403
    item.refresh_from_db()
    assert item.title != "changed"
