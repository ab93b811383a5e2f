"""A real Celery worker process consumes a task from Redis and writes an event row to PostgreSQL.

Runs when REDIS_URL and a PostgreSQL DATABASE_URL are set; skipped otherwise, except under CI=true,
where their absence is a failure.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from portal.models import Event
from tests.conftest import IN_CI
from tests.portal.helpers import ROOT, clean_env

pytestmark = pytest.mark.services


def _require_services():
    redis_url = os.environ.get("REDIS_URL", "")
    db_url = os.environ.get("DATABASE_URL", "")
    if redis_url and db_url.startswith(("postgres://", "postgresql://")):
        return redis_url
    reason = "needs REDIS_URL and a PostgreSQL DATABASE_URL"
    if IN_CI:
        pytest.fail(f"CI=true but the Celery worker test {reason}")
    pytest.skip(reason)


def _test_database_url() -> str:
    """The database this test session really uses (test_<name>), for the worker process."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
@pytest.mark.django_db(transaction=True)
def test_real_worker_consumes_task_from_redis_and_writes_event(tmp_path):
    redis_url = _require_services()
    from portal.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    token = uuid.uuid4().hex
    log_path = tmp_path / "worker.log"
    env = {
        **clean_env(),
        "DEBUG": "false",
        "TESTING": "true",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    celery_bin = str(ROOT / ".venv" / "bin" / "celery")
    if not os.path.exists(celery_bin):
        celery_bin = os.path.join(os.path.dirname(sys.executable), "celery")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [celery_bin, "-A", "portal", "worker", "-Q", queue, "--pool", "solo", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "--hostname", f"{queue}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        assert redis_url == settings.CELERY_BROKER_URL
        app.send_task("portal.tasks.record_ping", args=[token], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Event.objects.filter(verb="system.ping", data__token=token).exists():
                break
            if proc.poll() is not None:
                pytest.fail(f"worker exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.2)
        else:
            pytest.fail(f"no event row after 60 s; worker log:\n{log_path.read_text()[-4000:]}")
    finally:
        _stop(proc)
    event = Event.objects.get(verb="system.ping", data__token=token)
    assert event.actor is None
    assert "record_ping" in log_path.read_text()
