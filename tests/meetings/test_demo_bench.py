"""seed_demo extension and the bench data set (query budgets hold with 100,000 meetings)."""

import pytest
from django.core.management import call_command

from groups.models import Participation
from meetings import bench, tasks
from meetings.models import Meeting, MeetingSeries
from portal.models import Notice


@pytest.mark.django_db
def test_m4_m5_m7_seed_demo_adds_meetings_with_notes_series_and_attendance(client):
    call_command("seed_demo")
    assert Meeting.objects.filter(notes_published_at__isnull=False).count() >= 6
    assert Meeting.objects.filter(notes_late=True).exists()
    assert Meeting.objects.notes_overdue().exists()
    assert Meeting.objects.exclude(late_publication_reason="").exists()
    assert Meeting.objects.upcoming().count() >= 4
    assert MeetingSeries.objects.count() == 1
    assert Meeting.objects.filter(series__isnull=False).exists()
    assert Participation.objects.filter(kind="attendance").exists()
    # demo data is consistent with the sweeps: nothing is due that the data does not already show
    before = Notice.objects.count()
    tasks.sweep_notes()
    assert Notice.objects.count() - before <= 1  # at most the fresh overdue meeting's notice
    assert client.get("/meetings/").status_code == 200
    n = Meeting.objects.count()
    call_command("seed_demo")  # idempotent
    assert Meeting.objects.count() == n


@pytest.mark.django_db
def test_bench_100k_budgets_hold(client, django_assert_max_num_queries):
    bench.seed()
    assert Meeting.objects.count() == bench.TARGET
    bench.seed()  # idempotent
    assert Meeting.objects.count() == bench.TARGET
    assert Meeting.objects.valid().count() == bench.TARGET
    assert Meeting.objects.upcoming().exists()
    assert Meeting.objects.filter(notes_late=True).exists()
    assert tasks.sweep_notes() == {"overdue": 0, "reminded": 0}  # consistent data: nothing due
    budgets = {"/meetings/": 6, "/meetings/?when=past": 6}
    for label, url in bench.urls():
        with django_assert_max_num_queries(budgets.get(url, 5)):
            resp = client.get(url)
        assert resp.status_code == 200, label
    m = Meeting.objects.filter(status="published").order_by("-starts_at").first()
    with django_assert_max_num_queries(8):
        assert client.get(f"/meetings/{m.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/meetings/?when=past&page=200").status_code == 200
