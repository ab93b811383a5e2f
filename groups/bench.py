"""`make bench` data: 500 groups and 5,000 memberships, made fast with bulk_create (idempotent)."""

from django.utils import timezone

from portal.models import User

from .models import CharterSection, CharterVersion, Group, Membership, Tier

N_GROUPS = 500
N_PEOPLE = 1000
MEMBERS_PER_GROUP = 10  # 5,000 memberships
PREFIX = "bench-"


def seed():
    if Group.objects.filter(slug__startswith=PREFIX).count() >= N_GROUPS:
        return
    now = timezone.now()
    User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}person{i}",
                display_name=f"Bench Person {i}",
                github=f"{PREFIX}gh{i}",
                discord=f"bench{i}",
                affiliation=f"Bench Org {i % 40}",
            )
            for i in range(N_PEOPLE)
        ],
        ignore_conflicts=True,
    )
    people = list(User.objects.filter(username__startswith=PREFIX).order_by("pk").values_list("pk", flat=True))
    Group.objects.bulk_create(
        [
            Group(
                slug=f"{PREFIX}{i:03d}",
                name=f"Bench {'Working' if i % 3 else 'Interest'} Group {i:03d}",
                kind=Group.Kind.WORKING if i % 3 else Group.Kind.INTEREST,
                state=Group.State.ACTIVE if i % 10 else Group.State.PROPOSED,
                mission_summary=f"Bench group {i} exists to measure pages under load.",
                activated_at=now,
            )
            for i in range(N_GROUPS)
        ],
        ignore_conflicts=True,
    )
    groups = list(Group.objects.filter(slug__startswith=PREFIX).order_by("slug").values_list("pk", flat=True))
    Membership.objects.bulk_create(
        [
            Membership(
                group_id=g,
                user_id=people[(gi * 7 + j) % len(people)],
                tier=Tier.LEAD if j == 0 else (Tier.MEMBER if j < 4 else Tier.PARTICIPANT),
                started_at=now,
            )
            for gi, g in enumerate(groups)
            for j in range(MEMBERS_PER_GROUP)
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    versions = []
    for g in groups:
        v = CharterVersion(
            group_id=g,
            number=1,
            status=CharterVersion.Status.APPROVED,
            sections={CharterSection.MISSION: "Measure pages.", CharterSection.SCOPE_IN: "- Load\n- Queries"},
            decided_at=now,
        )
        v.render()
        versions.append(v)
    CharterVersion.objects.bulk_create(versions, ignore_conflicts=True, batch_size=1000)


def urls():
    return [
        ("groups directory", "/groups/"),
        ("groups directory filtered", "/groups/?kind=wg&state=active&q=bench"),
        ("group page", f"/groups/{PREFIX}001/"),
        ("group decisions page", f"/groups/{PREFIX}001/decisions/"),
        ("API: groups list", "/api/groups?limit=100"),
        ("API: a group's members", f"/api/groups/{PREFIX}001/members?limit=100"),
        ("API: a group's decisions", f"/api/groups/{PREFIX}001/decisions?limit=100"),
    ]
