"""`make bench` data for the site-wide pages: people in every role and a long event log.

Contract shared by every app (`<app>/bench.py`): `seed()` makes a large data set quickly
(bulk_create) and is idempotent; `urls()` returns `(label, path)` pairs to load, or
`(label, path, username)` to load the page signed in as that person.
"""

from django.utils import timezone

from .demo import seed_people
from .models import Event, LadderRole, Role, RoleArea, RoleKind, User

EVENTS = 50_000
PEOPLE = 500
ROLES = 300  # current roles on /people/maintainers/ (the real list has ~50), plus as many ended ones


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
    _seed_roles()
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


def _seed_roles():
    if Role.objects.filter(source="bench").exists():
        return
    people = list(User.objects.filter(username__startswith="bench").order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    kinds = [
        (RoleKind.LEAD_MAINTAINER, RoleArea.ORG, ""),
        (RoleKind.CORE_MAINTAINER, RoleArea.ORG, ""),
        (RoleKind.MAINTAINER, RoleArea.SDK, "Bench SDK"),
        (RoleKind.MAINTAINER, RoleArea.PROJECT, "Bench Project"),
        (RoleKind.MAINTAINER, RoleArea.GROUP, "Bench Working Group"),
        (RoleKind.MODERATOR, RoleArea.COMMUNITY, ""),
    ]
    rows = []
    for i, pk in enumerate(people[:ROLES]):
        kind, area, scope = kinds[i % len(kinds)]
        scope = f"{scope} {i % 12}" if scope else ""
        started = now - timezone.timedelta(days=400 + i)
        rows.append(Role(person_id=pk, kind=kind, area=area, scope=scope, source="bench", started_at=started,
                         ended_at=now - timezone.timedelta(days=i)))  # fmt: skip
        rows.append(Role(person_id=pk, kind=kind, area=area, scope=scope, source="bench", started_at=now,
                         emeritus=i % 10 == 0))  # fmt: skip
    Role.objects.bulk_create(rows, batch_size=1000)


def urls():
    return [
        ("maintainers", "/people/maintainers/"),
        ("API: maintainers", "/api/maintainers?limit=100"),
        ("home", "/"),
        ("sign-in page", "/accounts/login/"),
        ("dashboard (signed in)", "/dashboard/", "lena"),
        ("dashboard, nothing to show (signed in)", "/dashboard/", "mei"),
        ("group health (core maintainer)", "/health/", "lena"),
    ]
