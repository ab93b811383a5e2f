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


def urls():
    return [
        ("SEP index", "/seps/"),
        ("SEP page", f"/seps/{BASE + 1}/"),
        ("API: SEPs list", "/api/seps?limit=100"),
        ("API: SEPs in review", "/api/seps?status=in-review&limit=100"),
    ]
