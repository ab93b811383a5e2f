import factory
from django.utils import timezone

from seps.models import SEP, SEPAuthor, SEPType, Status


class SEPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SEP
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: 3000 + n)
    title = factory.Sequence(lambda n: f"Proposal number {n}")
    slug = factory.LazyAttribute(lambda s: f"proposal-{s.number}")
    type = SEPType.STANDARDS
    status = Status.PROPOSAL
    body = "## Abstract\n\nA short abstract.\n\n## Motivation\n\nWhy.\n"
    last_activity_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def rendered(obj, create, extracted, **kwargs):
        obj.render_body()
        if create:
            obj.save(update_fields=["body_html", "outline"])


class SEPAuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SEPAuthor

    sep = factory.SubFactory(SEPFactory)
    name = factory.Sequence(lambda n: f"Author {n}")
    github = factory.Sequence(lambda n: f"author-{n}")
