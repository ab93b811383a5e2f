"""`make bench`: 100,000 meetings bulk-created fast, and the pages to measure."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from groups.models import Group

from .links import feed_all_url, feed_group_url
from .models import Meeting

TARGET = 100_000
GROUPS = 25
BATCH = 5_000


def _groups():
    existing = list(Group.objects.filter(slug__startswith="bench-mtg-").order_by("pk"))
    if len(existing) >= GROUPS:
        return existing
    now = timezone.now()
    Group.objects.bulk_create(
        [
            Group(
                kind=Group.Kind.WORKING if i % 2 else Group.Kind.INTEREST,
                name=f"Bench meetings group {i:02d}",
                slug=f"bench-mtg-{i:02d}",
                state=Group.State.ACTIVE,
                activated_at=now,
            )
            for i in range(GROUPS)
        ],
        ignore_conflicts=True,
    )
    return list(Group.objects.filter(slug__startswith="bench-mtg-").order_by("pk"))


def seed(stdout=None):
    """Idempotent: tops the bench groups up to TARGET meetings (about 3 years past, 1 year ahead)."""
    groups = _groups()
    have = Meeting.objects.filter(group__in=groups).count()
    if have >= TARGET:
        return
    now = timezone.now().replace(microsecond=0)
    if connection.vendor == "postgresql":
        _seed_postgres(groups, have, now)
    elif connection.vendor == "sqlite":
        _seed_sqlite(groups, have, now)
    else:
        _seed_bulk(groups, have, now)
    if stdout:
        stdout.write(f"meetings bench: {TARGET} meetings in {len(groups)} groups")


_INSERT = """
INSERT INTO meetings_meeting (
    group_id, title, starts_at, ends_at, duration, timezone_name, join_url, agenda_md, agenda_html, status,
    published_at, sequence, created_at, updated_at, notes_md, notes_html, notes_published_at, notes_late,
    late_publication_reason, cancelled_reason, attendance_guests)
SELECT g.ids[1 + (i %% cardinality(g.ids))], 'Bench sync ' || i, s.t, s.t + interval '1 hour', interval '1 hour',
    'Europe/Berlin', 'https://meet.example.org/bench', '- item', '<ul><li>item</li></ul>',
    CASE WHEN i %% 50 = 0 THEN 'cancelled' ELSE 'published' END,
    s.t - CASE WHEN i %% 7 = 0 THEN interval '3 days' ELSE interval '8 days' END, 1,
    s.t - interval '10 days', s.t - interval '8 days',
    CASE WHEN s.t < %(now)s THEN 'Notes' ELSE '' END, CASE WHEN s.t < %(now)s THEN '<p>Notes</p>' ELSE '' END,
    CASE WHEN s.t < %(now)s THEN s.t + CASE WHEN i %% 5 = 0 THEN interval '60 hours' ELSE interval '20 hours' END END,
    s.t < %(now)s AND i %% 5 = 0, '', '', '[]'::jsonb
FROM generate_series(%(have)s, %(target)s - 1) AS i,
     LATERAL (SELECT %(start)s::timestamptz + (%(span)s::interval * i / %(target)s) AS t) AS s,
     (SELECT %(ids)s::bigint[] AS ids) AS g
"""


def _seed_postgres(groups, have, now):
    with connection.cursor() as cur:
        cur.execute(
            _INSERT,
            {
                "have": have,
                "target": TARGET,
                "now": now,
                "start": now - timedelta(days=3 * 365),
                "span": timedelta(days=4 * 365),
                "ids": [g.pk for g in groups],
            },
        )
    with connection.cursor() as cur:
        # VACUUM fills the visibility map that index-only counts need; not possible inside a transaction
        cur.execute("ANALYZE meetings_meeting" if connection.in_atomic_block else "VACUUM ANALYZE meetings_meeting")


_SQLITE = """
WITH RECURSIVE seq(i) AS (SELECT %(have)s UNION ALL SELECT i + 1 FROM seq WHERE i < %(target)s - 1),
s AS (SELECT i, datetime(%(start)s, '+' || (i * %(span_s)s / %(target)s) || ' seconds') AS t FROM seq)
INSERT INTO meetings_meeting (
    group_id, title, starts_at, ends_at, duration, timezone_name, join_url, agenda_md, agenda_html, status,
    published_at, sequence, created_at, updated_at, notes_md, notes_html, notes_published_at, notes_late,
    late_publication_reason, cancelled_reason, attendance_guests)
SELECT json_extract(%(ids)s, '$[' || (i %% %(n)s) || ']'), 'Bench sync ' || i, t, datetime(t, '+1 hour'), 3600000000,
    'Europe/Berlin', 'https://meet.example.org/bench', '- item', '<ul><li>item</li></ul>',
    CASE WHEN i %% 50 = 0 THEN 'cancelled' ELSE 'published' END,
    datetime(t, CASE WHEN i %% 7 = 0 THEN '-3 days' ELSE '-8 days' END), 1,
    datetime(t, '-10 days'), datetime(t, '-8 days'),
    CASE WHEN t < %(now)s THEN 'Notes' ELSE '' END, CASE WHEN t < %(now)s THEN '<p>Notes</p>' ELSE '' END,
    CASE WHEN t < %(now)s THEN datetime(t, CASE WHEN i %% 5 = 0 THEN '+60 hours' ELSE '+20 hours' END) END,
    t < %(now)s AND i %% 5 = 0, '', '', '[]'
FROM s
"""


def _seed_sqlite(groups, have, now):
    import json

    fmt = "%Y-%m-%d %H:%M:%S"
    with connection.cursor() as cur:
        cur.execute(
            _SQLITE,
            {
                "have": have,
                "target": TARGET,
                "now": now.strftime(fmt),
                "start": (now - timedelta(days=3 * 365)).strftime(fmt),
                "span_s": int(timedelta(days=4 * 365).total_seconds()),
                "ids": json.dumps([g.pk for g in groups]),
                "n": len(groups),
            },
        )


def _seed_bulk(groups, have, now):
    span = timedelta(days=4 * 365)
    start = now - timedelta(days=3 * 365)
    hour = timedelta(hours=1)
    rows = []
    with transaction.atomic():
        for i in range(have, TARGET):
            starts = start + span * (i / TARGET)
            past = starts < now
            rows.append(
                Meeting(
                    group=groups[i % len(groups)],
                    title=f"Bench sync {i}",
                    starts_at=starts,
                    ends_at=starts + hour,
                    duration=hour,
                    timezone_name="Europe/Berlin",
                    join_url="https://meet.example.org/bench",
                    agenda_md="- item",
                    agenda_html="<ul>\n<li>item</li>\n</ul>\n",
                    status=Meeting.Status.PUBLISHED if i % 50 else Meeting.Status.CANCELLED,
                    published_at=starts - timedelta(days=8 if i % 7 else 3),
                    sequence=1,
                    created_at=starts - timedelta(days=10),
                    updated_at=starts - timedelta(days=8),
                    notes_md="Notes" if past else "",
                    notes_html="<p>Notes</p>" if past else "",
                    notes_published_at=starts + timedelta(hours=20 if i % 5 else 60) if past else None,
                    notes_late=bool(past and not i % 5),
                )
            )
            if len(rows) >= BATCH:
                Meeting.objects.bulk_create(rows, batch_size=BATCH)
                rows = []
        if rows:
            Meeting.objects.bulk_create(rows, batch_size=BATCH)


def _lead():
    """`lena` (a demo person) leads the first meetings group, so her dashboard has real content."""
    from groups.models import Membership, Tier
    from portal.models import User

    lena = User.objects.filter(username="lena").first()
    group = _groups()[0]
    if lena and not Membership.objects.filter(group=group, user=lena, ended_at__isnull=True).exists():
        Membership.objects.create(group=group, user=lena, tier=Tier.LEAD, started_at=timezone.now())


def urls():
    _lead()
    slug = _groups()[0].slug
    return [
        ("meetings index", "/meetings/"),
        ("meetings index, past", "/meetings/?when=past"),
        ("group page with meetings", f"/groups/{slug}/"),
        ("meetings index (signed in)", "/meetings/", "lena"),
        ("group page (signed in lead)", f"/groups/{slug}/", "lena"),
        ("meetings group feed", feed_group_url(slug)),
        ("meetings all-groups feed", feed_all_url()),
        ("API: meetings list", "/api/meetings?limit=100"),
    ]
