from datetime import timedelta

import factory
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, render_section
from tests.factories import GroupFactory, UserFactory


class MeetingFactory(factory.django.DjangoModelFactory):
    """A published meeting 10 days ahead, published 12 days ahead of its start."""

    class Meta:
        model = Meeting

    group = factory.SubFactory(GroupFactory)
    title = factory.Sequence(lambda n: f"Sync {n}")
    starts_at = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=10)).replace(microsecond=0))
    timezone_name = "Europe/Berlin"
    duration = timedelta(hours=1)
    join_url = "https://meet.example.test/room"
    agenda_md = "1. Welcome\n2. Open items"
    agenda_html = factory.LazyAttribute(lambda m: render_section(m.agenda_md))
    status = Meeting.Status.PUBLISHED
    published_at = factory.LazyAttribute(lambda m: m.starts_at - timedelta(days=12) if m.status != "draft" else None)
    sequence = 1


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    proposed_by = factory.SubFactory(UserFactory)
