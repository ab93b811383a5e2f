"""`make bench` data for the site-wide pages: people in every role and a long event log.

Contract shared by every app (`<app>/bench.py`): `seed()` makes a large data set quickly
(bulk_create) and is idempotent; `urls()` returns `(label, path)` pairs to load, or
`(label, path, username)` to load the page signed in as that person.
"""

from django.utils import timezone

from .demo import seed_people
from .models import Event, LadderRole, User

EVENTS = 50_000
PEOPLE = 500


def seed():
    seed_people()  # the demo people, so pages have real names and `lena` can sign in
    existing = set(User.objects.filter(username__startswith="bench").values_list("username", flat=True))
    roles = LadderRole.values
    User.objects.bulk_create(
        [
            User(
                username=f"bench{i}",
                email=f"bench{i}@example.test",
                display_name=f"Bench Person {i}",
                github=f"bench-person-{i}",
                affiliation=f"Org {i % 37}",
                ladder_role=roles[i % len(roles)],
                password="!",  # unusable
            )
            for i in range(PEOPLE)
            if f"bench{i}" not in existing
        ],
        batch_size=1000,
    )
    have = Event.objects.filter(verb__startswith="bench.").count()
    if have >= EVENTS:
        return
    actors = list(User.objects.filter(username__startswith="bench").values_list("pk", flat=True))
    now = timezone.now()
    Event.objects.bulk_create(
        [
            Event(
                created_at=now - timezone.timedelta(minutes=i),
                actor_id=actors[i % len(actors)],
                verb="bench.activity",  # a visible verb: the home timeline renders these rows
                target_repr=f"Bench object {i}",
                data={"i": i},
            )
            for i in range(have, EVENTS)
        ],
        batch_size=5000,
    )


def urls():
    return [
        ("home", "/"),
        ("sign-in page", "/accounts/login/"),
        ("dashboard (signed in)", "/dashboard/", "lena"),
        ("group health (core maintainer)", "/health/", "lena"),
    ]
