"""Factories shared by every app's tests. Apps add theirs in tests/<app>/factories.py."""

import factory
from django.utils import timezone
from django.utils.text import slugify

from groups.models import Group, Membership, Participation, Tier
from portal.models import GithubVerification, LadderRole, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    github = factory.Sequence(lambda n: f"gh-person{n}")
    discord = factory.Sequence(lambda n: f"discord{n}")
    affiliation = factory.Iterator(["Northwind Labs", "Alpine Systems", "Open Harbor", ""])
    timezone = "UTC"
    ladder_role = LadderRole.CONTRIBUTOR
    # Factory people stand for people who signed in with GitHub; a typed claim is
    # `UserFactory(github_verified_at=None, github_verified_via="")` (or `UnverifiedUserFactory`).
    github_verified_at = factory.LazyAttribute(lambda u: timezone.now() if u.github else None)
    github_verified_via = factory.LazyAttribute(lambda u: GithubVerification.SIGN_IN if u.github else "")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class UnverifiedUserFactory(UserFactory):
    """Someone who typed a GitHub handle into their profile: a claim that grants nothing."""

    github_verified_at = None
    github_verified_via = ""


class PlaceholderFactory(UserFactory):
    """A person known from GitHub: created by an import for a handle nobody has verified."""

    username = factory.Sequence(lambda n: f"gh-placeholder{n}")
    email = ""
    github = factory.Sequence(lambda n: f"known-from-gh{n}")
    github_verified_at = None
    github_verified_via = ""
    is_placeholder = True
    password = factory.PostGenerationMethodCall("set_unusable_password")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    kind = Group.Kind.WORKING
    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.LazyAttribute(lambda g: slugify(g.name))
    state = Group.State.ACTIVE
    mission_summary = factory.LazyAttribute(lambda g: f"What {g.name} works on.")
    activated_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    tier = Tier.PARTICIPANT
    started_at = factory.LazyFunction(timezone.now)


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    kind = Participation.Kind.OTHER
    occurred_at = factory.LazyFunction(timezone.now)
    source_id = factory.Sequence(str)
