"""Notices that follow recorded events of the meetings app (connected in MeetingsConfig.ready):
a proposed agenda item tells the group's leads; a decision tells the person who proposed it."""

from portal.notices import Moment, queue_notice

from .models import AgendaItem


def _item(event):
    item_id = (event.data or {}).get("item")
    if not item_id:
        return None
    return AgendaItem.objects.select_related("meeting__group", "proposed_by", "decided_by").filter(pk=item_id).first()


def agenda_item_proposed(event) -> None:
    from groups.models import Membership

    item = _item(event)
    if item is None:
        return
    meeting = item.meeting
    leads = [
        m.user
        for m in Membership.objects.leads()
        .filter(group_id=meeting.group_id, user__is_active=True)
        .select_related("user")
        if m.user_id != item.proposed_by_id  # a lead proposing an item need not hear of it
    ]
    queue_notice(
        kind="meeting.agenda_item_proposed",
        target=item,
        due_at=item.proposed_at,
        recipients=leads,
        template="email/meetings/agenda_item_proposed",
        context={"item": item, "meeting": meeting, "group": meeting.group, "starts": Moment(meeting.starts_at)},
    )


def agenda_item_decided(event) -> None:
    item = _item(event)
    if item is None or item.proposed_by is None or item.decided_by_id == item.proposed_by_id:
        return
    meeting = item.meeting
    queue_notice(
        kind="meeting.agenda_item_decided",
        target=item,
        due_at=item.decided_at or event.created_at,
        recipients=[item.proposed_by],
        template="email/meetings/agenda_item_decided",
        context={
            "item": item,
            "meeting": meeting,
            "group": meeting.group,
            "accepted": item.status == AgendaItem.Status.ACCEPTED,
            "starts": Moment(meeting.starts_at),
        },
    )


HANDLERS = {
    "meeting.agenda_item_proposed": agenda_item_proposed,
    "meeting.agenda_item_accepted": agenda_item_decided,
    "meeting.agenda_item_declined": agenda_item_decided,
}


def on_event_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.verb in HANDLERS:
        HANDLERS[instance.verb](instance)
