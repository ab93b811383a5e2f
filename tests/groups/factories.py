"""Factories for groups tests (shared ones live in tests/factories.py)."""

import factory
from django.utils import timezone

from groups.models import CharterSection, CharterVersion, Nomination, Sponsorship
from tests.factories import GroupFactory, UserFactory


class CharterVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharterVersion
        skip_postgeneration_save = True

    group = factory.SubFactory(GroupFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = CharterVersion.Status.APPROVED
    sections = factory.LazyAttribute(
        lambda v: {
            CharterSection.MISSION: f"{v.group.name} exists to test things.",
            CharterSection.SCOPE_IN: "- Testing\n- More testing",
            CharterSection.OPERATIONS: "Weekly working session, 30 min.",
        }
    )
    decided_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def rendered(obj, create, extracted, **kwargs):
        obj.render()
        if create:
            obj.save(update_fields=["sections_html"])


class SponsorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsorship

    group = factory.SubFactory(GroupFactory)
    sponsor = factory.SubFactory(UserFactory, ladder_role="core_maintainer")


class NominationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nomination

    group = factory.SubFactory(GroupFactory)
    nominee = factory.SubFactory(UserFactory)
    nominator = factory.SubFactory(UserFactory)
    rationale = "Shows up every week and reviews."
    opened_at = factory.LazyFunction(timezone.now)
    deadline = factory.LazyAttribute(lambda n: n.opened_at + timezone.timedelta(days=7))
