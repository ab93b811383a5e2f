"""`make bench`: 5,000 SEPs (bulk-created, idempotent) and the pages to measure."""

from django.utils import timezone

from .models import SEP, SEPAuthor, SEPType, Status

BASE = 100_000
COUNT = 5_000


def seed():
    if SEP.objects.filter(number__gte=BASE, number__lt=BASE + COUNT).count() >= COUNT:
        return
    now = timezone.now()
    statuses, types = Status.values, SEPType.values
    existing = set(SEP.objects.filter(number__gte=BASE, number__lt=BASE + COUNT).values_list("number", flat=True))
    body = "## Abstract\n\nBench SEP.\n\n## Motivation\n\nMeasured.\n"
    html = '<h2 id="abstract">Abstract</h2>\n<p>Bench SEP.</p>\n<h2 id="motivation">Motivation</h2>\n<p>Measured.</p>\n'
    outline = [
        {"level": 2, "text": "Abstract", "anchor": "abstract"},
        {"level": 2, "text": "Motivation", "anchor": "motivation"},
    ]
    rows = []
    for i in range(COUNT):
        n = BASE + i
        if n in existing:
            continue
        status = statuses[i % len(statuses)]
        if status == Status.SUPERSEDED:
            status = Status.FINAL
        rows.append(SEP(number=n, title=f"Bench proposal {n}", slug=f"bench-{n}", type=types[i % len(types)],
                        status=status, body=body, body_html=html, outline=outline, status_changed_at=now,
                        last_activity_at=now, created_at=now))  # fmt: skip
    created = SEP.objects.bulk_create(rows, batch_size=1000)
    SEPAuthor.objects.bulk_create(
        [SEPAuthor(sep=s, position=0, name=f"Author {s.number}", github=f"bench-{s.number}") for s in created],
        batch_size=2000,
    )


_SPREAD = """
UPDATE seps_sep SET
    sponsor_id = (%(sponsors)s::bigint[])[1 + number %% cardinality(%(sponsors)s::bigint[])],
    group_id = (%(groups)s::bigint[])[1 + number %% cardinality(%(groups)s::bigint[])]
WHERE number >= %(base)s AND number < %(end)s AND sponsor_id IS NULL AND status <> 'proposal'
"""


def spread():
    """Sponsors and groups as a real community spreads them: every SEP past proposal has a sponsor
    from the steering group (the demo people first, so `lena` sponsors some) and a group."""
    from django.db import connection

    from groups.models import Group
    from portal.models import User

    if connection.vendor != "postgresql":
        return
    sponsors = list(User.objects.steering_group().order_by("pk").values_list("pk", flat=True)[:40])
    groups = list(Group.objects.filter(slug__startswith="bench-").order_by("pk").values_list("pk", flat=True)[:60])
    if not sponsors or not groups:
        return
    with connection.cursor() as cursor:
        cursor.execute(_SPREAD, {"sponsors": sponsors, "groups": groups, "base": BASE, "end": BASE + COUNT})


def urls():
    spread()  # after every app seeded (people, groups): idempotent, only SEPs still without a sponsor
    return [
        ("SEP index", "/seps/"),
        ("SEP index filtered", "/seps/?status=draft&type=standards-track"),
        ("SEP page", f"/seps/{BASE + 1}/"),
        ("SEP feed", "/seps/feed/"),
    ]
