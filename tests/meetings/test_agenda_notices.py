"""Agenda items: leads hear of a proposal, the proposer hears the decision, each in their own zone;
the lead dashboard lists items waiting for a decision; a participant's dashboard shows next meetings;
details are markdown rendered once on save."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from meetings import services
from meetings.models import AgendaItem
from meetings.selectors import due_for_lead, next_for_member
from portal.models import Notice
from portal.notices import deliver_pending

from .conftest import NOW
from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(group):
    with time_machine.travel(NOW, tick=False):
        return MeetingFactory(group=group, starts_at=NOW + timedelta(days=10))


def _propose(meeting, by, **kw):
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        return services.agenda_item_propose(meeting=meeting, by=by, title=kw.pop("title", "Error codes"), **kw)


def test_leads_are_told_when_a_participant_proposes_an_item(meeting, lead, participant):
    lead.timezone = "Asia/Tokyo"
    lead.save(update_fields=["timezone"])
    _propose(meeting, participant, details="Why **now**")
    deliver_pending()
    assert [m.to for m in mail.outbox] == [[lead.email]]
    msg = mail.outbox[0]
    assert "Error codes" in msg.subject
    assert "Participant Person" in msg.body
    assert "JST (UTC+09:00)" in msg.body  # the meeting's start in the lead's own zone
    assert "<strong>now</strong>" in msg.alternatives[0].content
    assert msg.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_lead_proposing_an_item_is_not_told_of_their_own_item(meeting, lead):
    _propose(meeting, lead)
    deliver_pending()
    assert mail.outbox == []


def test_a_lead_who_turned_proposals_off_gets_no_mail(meeting, lead, participant):
    lead.notices_off = ["meeting.agenda_item_proposed"]
    lead.save(update_fields=["notices_off"])
    _propose(meeting, participant)
    deliver_pending()
    assert mail.outbox == []


@pytest.mark.parametrize("accept", [True, False])
def test_the_proposer_is_told_of_the_decision(meeting, lead, participant, accept):
    item = _propose(meeting, participant)
    deliver_pending()
    mail.outbox.clear()
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        services.agenda_item_decide(item=item, by=lead, accept=accept, note="Next time")
    deliver_pending()
    assert [m.to for m in mail.outbox] == [[participant.email]]
    assert ("accepted" if accept else "declined") in mail.outbox[0].subject
    assert "Next time" in mail.outbox[0].body


def test_each_notice_is_queued_once(meeting, lead, participant):
    item = _propose(meeting, participant)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        services.agenda_item_decide(item=item, by=lead, accept=True)
    kinds = sorted(Notice.objects.values_list("kind", flat=True))
    assert kinds == ["meeting.agenda_item_decided", "meeting.agenda_item_proposed"]


def test_item_details_are_rendered_markdown_stored_on_save(meeting, participant):
    item = _propose(meeting, participant, details="- [ ] check **bold**\n\n<script>x</script>")
    item.refresh_from_db()
    assert "<strong>bold</strong>" in item.details_html
    assert 'type="checkbox"' in item.details_html
    assert "<script" not in item.details_html


def test_lead_dashboard_lists_items_waiting_for_a_decision(meeting, lead, participant):
    item = _propose(meeting, participant)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        waiting = due_for_lead(lead)["to_decide"]
    assert waiting == [item]


def test_decided_items_leave_the_lead_dashboard(meeting, lead, participant):
    item = _propose(meeting, participant)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        services.agenda_item_decide(item=item, by=lead, accept=False)
        assert due_for_lead(lead)["to_decide"] == []


def test_lead_dashboard_items_page_shows_them(client_for, meeting, lead, participant):
    _propose(meeting, participant, title="Naming of the capability flag")
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        body = client_for(lead).get("/dashboard/").content.decode()
    assert "Naming of the capability flag" in body
    assert "Waiting for your decision" in body


def test_participant_dashboard_shows_their_groups_next_meetings(client_for, meeting, participant):
    other = MeetingFactory(starts_at=NOW + timedelta(days=5), title="Elsewhere")  # another group
    with time_machine.travel(NOW, tick=False):
        assert next_for_member(participant) == [meeting]
        body = client_for(participant).get("/dashboard/").content.decode()
    assert meeting.title in body
    assert other.title not in body


def test_dashboard_budget_does_not_grow_with_items(
    client_for, group, lead, participant, django_assert_max_num_queries, settings
):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render, not the cache
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)

    def add_meetings(n, offset):
        with time_machine.travel(NOW, tick=False):
            for i in range(n):
                m = MeetingFactory(group=group, starts_at=NOW + timedelta(days=10 + offset + i))
                for k in range(3):
                    AgendaItem.objects.create(meeting=m, title=f"t{k}", proposed_by=participant)

    add_meetings(1, 0)
    c = client_for(lead)
    with time_machine.travel(NOW, tick=False):
        c.get("/dashboard/")
        with django_assert_max_num_queries(30) as few:
            c.get("/dashboard/")
    add_meetings(5, 5)
    with time_machine.travel(NOW, tick=False):
        c.get("/dashboard/")  # warm the per-version user and choice caches again, as before the first count
        with django_assert_max_num_queries(max(len(few.captured_queries), 19)):
            c.get("/dashboard/")
