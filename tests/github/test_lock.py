"""Beat and the webhook at once: one sync runs, the other is skipped and asks for one more run."""

import threading
from unittest import mock

import pytest
from django.db import connection

from portal.github.models import SyncRun, SyncState
from portal.github.sync import run_sync
from portal.github.tasks import sync_repository


@pytest.mark.django_db(transaction=True)
def test_beat_and_webhook_at_once_run_one_sync(repo):
    if connection.vendor == "sqlite":
        pytest.skip("two connections writing at once need PostgreSQL")
    started, release = threading.Event(), threading.Event()

    def hold_first_request(kind, path):
        if kind == "repo" and not started.is_set():
            started.set()
            release.wait(20)
        return None

    repo.fail = hold_first_request
    results = {}

    def beat():
        try:
            sync_repository(trigger=SyncRun.Trigger.BEAT)  # the task, as beat runs it
            results["beat"] = SyncRun.objects.get(trigger=SyncRun.Trigger.BEAT)
        finally:
            connection.close()

    with mock.patch("portal.github.tasks.sync_repository.apply_async") as follow_up:
        thread = threading.Thread(target=beat)
        thread.start()
        assert started.wait(20)
        results["webhook"] = run_sync(trigger=SyncRun.Trigger.WEBHOOK)  # while the beat run holds the lock
        release.set()
        thread.join(30)
    assert (results["beat"].status, results["webhook"].status) == (SyncRun.Status.OK, SyncRun.Status.SKIPPED)
    assert repo.count("repo") == 1  # the skipped run asked GitHub nothing
    assert follow_up.call_count == 1  # the changes the webhook announced are read by one more run
    assert SyncState.load().locked_until is None
