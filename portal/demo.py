"""Demo people for `seed_demo`: a believable fictional community across organisations and roles."""

from django.utils import timezone

from .models import GithubVerification, LadderRole, User

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - published demo sign-in for local runs only

PEOPLE = [
    # username, display name, github, discord, affiliation, time zone, ladder role, staff
    ("lena", "Lena Okafor", "lenaokafor", "lena.o", "Northwind Labs", "Europe/Berlin", LadderRole.LEAD_MAINTAINER, True),
    ("marco", "Marco Bianchi", "mbianchi", "marcob", "Alpine Systems", "Europe/Rome", LadderRole.CORE_MAINTAINER, True),
    ("priya", "Priya Raman", "priyar", "priya_r", "Tidewater AI", "Asia/Kolkata", LadderRole.CORE_MAINTAINER, True),
    ("sam", "Sam Whitaker", "samw", "samw#2", "Open Harbor", "America/New_York", LadderRole.MAINTAINER, False),
    ("yuki", "Yuki Tanaka", "ytanaka", "yuki.t", "Kestrel Cloud", "Asia/Tokyo", LadderRole.MAINTAINER, False),
    ("ana", "Ana Souza", "anasouza", "ana.s", "Northwind Labs", "America/Sao_Paulo", LadderRole.MEMBER, False),
    ("omar", "Omar Haddad", "ohaddad", "omarh", "Cedar Works", "Asia/Dubai", LadderRole.MEMBER, False),
    ("ingrid", "Ingrid Larsen", "ilarsen", "ingrid", "Fjord Data", "Europe/Oslo", LadderRole.MEMBER, False),
    ("diego", "Diego Alvarez", "dalvarez", "diegoa", "Pampa Software", "America/Argentina/Buenos_Aires", LadderRole.MEMBER, False),
    ("mei", "Mei Chen", "meichen", "mei.c", "Kestrel Cloud", "Asia/Shanghai", LadderRole.CONTRIBUTOR, False),
    ("tom", "Tom Becker", "tbecker", "tomb", "", "Europe/Vienna", LadderRole.CONTRIBUTOR, False),
    ("grace", "Grace Mensah", "gmensah", "grace.m", "Volta Digital", "Africa/Accra", LadderRole.CONTRIBUTOR, False),
    ("noah", "Noah Fischer", "nfischer", "noahf", "Open Harbor", "America/Chicago", LadderRole.CONTRIBUTOR, False),
    ("aisha", "Aisha Bello", "abello", "aisha.b", "Volta Digital", "Africa/Lagos", LadderRole.CONTRIBUTOR, False),
    ("kai", "Kai Nakamura", "kainaka", "kai.n", "Tidewater AI", "Pacific/Auckland", LadderRole.CONTRIBUTOR, False),
    ("sofia", "Sofia Petrova", "spetrova", "sofia.p", "Alpine Systems", "Europe/Sofia", LadderRole.CONTRIBUTOR, False),
]  # fmt: skip


def seed_people(stdout=None) -> dict[str, User]:
    from allauth.account.models import EmailAddress

    people = {}
    for username, name, github, discord, org, tz, role, staff in PEOPLE:
        email = f"{username}@example.org"
        user, created = User.objects.get_or_create(
            username=username,
            defaults=dict(
                email=email,
                display_name=name,
                github=github,
                discord=discord,
                affiliation=org,
                timezone=tz,
                ladder_role=role,
                is_staff=staff,
                # The demo people stand for people who signed in with GitHub: their handles are verified.
                github_verified_at=timezone.now(),
                github_verified_via=GithubVerification.DEMO,
            ),
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        people[username] = user
    return people


def verify_demo_people() -> int:
    """Demo people loaded before handles were verified keep their rights: mark exactly the demo accounts
    (same username, e-mail and handle) verified. Runs from seed_demo, which refuses to run outside DEBUG."""
    n = 0
    for username, _name, github, *_rest in PEOPLE:
        n += User.objects.filter(
            username=username, email=f"{username}@example.org", github=github, github_verified_at=None
        ).update(github_verified_at=timezone.now(), github_verified_via=GithubVerification.DEMO)
    return n
