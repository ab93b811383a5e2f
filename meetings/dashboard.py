"""Dashboard panel: meetings a lead must publish, notes due."""

from django.db.models import Exists, OuterRef

from groups.models import Membership

from .models import AgendaItem, Meeting


def facts(person) -> dict:
    """The dashboard's fact from meetings (folded into portal.views' one query): whether a group the
    person leads has a meeting to publish, notes due or an agenda item to decide (a superset of what
    meetings.selectors.due_for_lead lists), so a lead with nothing due costs no query there."""
    now = person.now
    led = Membership.objects.leads().filter(user=OuterRef(OuterRef("pk"))).values("group_id")
    mine = Meeting.objects.filter(group__in=led)
    to_publish = mine.filter(status__in=[Meeting.Status.DRAFT, Meeting.Status.MISSED_PUBLICATION], starts_at__gt=now)
    notes_due = mine.filter(status=Meeting.Status.PUBLISHED, starts_at__lte=now, notes_published_at=None)
    to_decide = AgendaItem.objects.filter(
        status=AgendaItem.Status.PROPOSED,
        meeting__group__in=led,
        meeting__status=Meeting.Status.PUBLISHED,
        meeting__starts_at__gt=now,
    )
    return {"m_lead_due": Exists(to_publish) | Exists(notes_due) | Exists(to_decide)}


def panels(request):
    facts = getattr(request, "dashboard_facts", None)  # groups.dashboard.facts: g_led, g_active
    return [
        {"template": "meetings/_dashboard_panel.html", "title": "Meetings that need you", "order": 10, "facts": facts},
        {"template": "meetings/_my_meetings_panel.html", "title": "Your groups' next meetings", "order": 15,
         "facts": facts},
    ]  # fmt: skip
