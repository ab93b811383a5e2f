"""`manage.py explain_sweeps`: what each periodic sweep costs on this database, and how PostgreSQL
answers it (issue 14: a sweep costs what is due, not what exists).

Every sweep of `CELERY_BEAT_SCHEDULE` runs twice inside one transaction that is rolled back at the
end, so nothing is written, sent or queued: run 1 catches up whatever is due, run 2 is what every
later tick costs. For run 2 it prints the time, the number of queries and each query's plan
(`EXPLAIN ANALYZE`, PostgreSQL). The GitHub sync is skipped: its cost is GitHub's answers.

    DATABASE_URL=postgres://.../portal_bench DEBUG=true .venv/bin/python manage.py explain_sweeps
"""

import importlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction

SKIPPED = {"github-sync"}


class _Rollback(Exception):
    pass


class _Recorder(list):
    def __call__(self, execute, sql, params, many, context):
        self.append((sql, params))
        return execute(sql, params, many, context)


def _task(dotted):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def measure(name_filter: str = "") -> list[dict]:
    """[{sweep, run1_ms, run1_queries, run2_ms, run2_queries, plans}] with every write rolled back."""
    rows = []
    try:
        with transaction.atomic():
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
                if name in SKIPPED or name_filter not in name:
                    continue
                task = _task(entry["task"])
                row = {"sweep": name, "plans": []}
                for run in (1, 2):
                    recorder = _Recorder()
                    with connection.execute_wrapper(recorder):
                        started = time.perf_counter()
                        task.run()
                        row[f"run{run}_ms"] = (time.perf_counter() - started) * 1000
                    row[f"run{run}_queries"] = len(recorder)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        for sql, params in recorder:
                            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + sql, params)
                            row["plans"].append([r[0] for r in cursor.fetchall()])
                rows.append(row)
            raise _Rollback
    except _Rollback:
        pass
    return rows


class Command(BaseCommand):
    help = "Time every periodic sweep twice (catch-up, steady state) and print the steady state's query plans."

    def add_arguments(self, parser):
        parser.add_argument("--only", default="", help="only sweeps whose name contains this text")
        parser.add_argument("--no-plans", action="store_true", help="timings only")

    def handle(self, *args, only="", no_plans=False, **options):
        for row in measure(only):
            self.stdout.write(
                f"{row['sweep']}: run 1 {row['run1_ms']:.1f} ms, {row['run1_queries']} queries; "
                f"run 2 {row['run2_ms']:.1f} ms, {row['run2_queries']} queries"
            )
            if no_plans:
                continue
            for plan in row["plans"]:
                for line in plan:
                    self.stdout.write(f"    {line}")
                self.stdout.write("")
