"""Job benchmarks, each on a fresh database of its own (``<DATABASE_URL's
name>_jobs``, dropped afterwards unless --keep-db):

reminders  --reminders tasks due on one working day across --officers
           officers (bulk-created), then ``reminders_run(day=...,
           batch_size=1000)`` in this process, the way the worker runs it
           (its e-mail jobs go onto the ORM broker, as in production, and
           are counted, not run); then the reminders and notifications are
           counted (each task once, none twice), and the job is run a second
           time, which must deliver nothing. Target: under 5 minutes for
           100,000, none twice.
import     a registry list of --rows rows (bench/import_registry.py's file)
           uploaded, checked and committed (the three steps a supervisor
           takes), then re-imported unchanged. Target: under 60 s for
           100,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_helper_d \\
        .venv/bin/python bench/jobs.py                       # 100,000 of each
    ... bench/jobs.py --reminders 10000 --rows 10000
    ... bench/jobs.py --only reminders

Scripts, not tests: no time is asserted (exit status 1 if a count is wrong).
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database_url, report, setup  # noqa: E402

MONDAY = dt.date(2027, 3, 8)


def bench_reminders(count: int, officers_count: int, batch_size: int) -> bool:
    from django.db.models import Count
    from django_q.models import OrmQ

    from bench import drillkit
    from workflows.notifications import jobs
    from workflows.notifications.models import Notification, Reminder

    started = time.perf_counter()
    world = drillkit.build_world(tag="jobs")
    drillkit.due_tasks(world, officers=officers_count, tasks=count, day=MONDAY, batch_size=5000)
    prepared = time.perf_counter() - started

    started = time.perf_counter()
    run = jobs.reminders_run(day=MONDAY, batch_size=batch_size)
    elapsed = time.perf_counter() - started
    email_jobs = OrmQ.objects.count()
    started = time.perf_counter()
    again = jobs.reminders_run(day=MONDAY, batch_size=batch_size)
    again_elapsed = time.perf_counter() - started

    reminders = Reminder.objects.filter(day=MONDAY)
    per_task = Counter(dict(Notification.objects.values("task_id").annotate(n=Count("pk")).values_list("task_id",
                                                                                                         "n")))
    figures = {
        "scenario": "reminders_run", "tasks": count, "officers": officers_count, "batch_size": batch_size,
        "prepare_s": round(prepared, 1), "seconds": round(elapsed, 1),
        "per_second": round(count / elapsed, 1) if elapsed else None,
        "delivered": run.delivered, "notifications_made": run.notifications,
        "reminders": reminders.count(), "undelivered": reminders.filter(delivered_at=None).count(),
        "unbound": reminders.filter(notification=None).count(),
        "notifications": Notification.objects.count(),
        "tasks_twice": sum(1 for n in per_task.values() if n > 1),
        "tasks_missing": count - len([t for t in per_task if t is not None]),
        "email_jobs_queued": email_jobs,
        "second_run_delivered": again.delivered, "second_run_s": round(again_elapsed, 1),
    }
    ok = (figures["reminders"] == count and figures["undelivered"] == 0 and figures["unbound"] == 0
          and figures["notifications"] == count and figures["tasks_twice"] == 0 and figures["tasks_missing"] == 0
          and figures["delivered"] == count and figures["second_run_delivered"] == 0)
    figures["exactly_once"] = ok
    report("jobs_reminders", [figures])
    return ok


def bench_import(rows: int, as_csv: bool) -> bool:
    from bench.import_registry import province_with_supervisor, registry_file
    from workflows.enterprises import services
    from workflows.enterprises.models import Enterprise, ImportStatus

    supervisor, province = province_with_supervisor()
    content = registry_file(rows, as_csv=as_csv)
    steps: dict[str, float] = {}

    def step(label, call):
        began = time.perf_counter()
        result = call()
        steps[label] = round(time.perf_counter() - began, 2)
        return result

    batch = step("upload_s", lambda: services.import_upload(actor=supervisor, unit=province, file_name="bench",
                                                            content=content, check=False))
    batch = step("check_s", lambda: services.import_preview(batch_id=batch.pk, actor=supervisor, background=False))
    previewed = (batch.status, batch.created)
    batch = step("commit_s", lambda: services.import_commit(batch_id=batch.pk, actor=supervisor, background=False))
    committed = (batch.status, Enterprise.objects.count())
    total = steps["upload_s"] + steps["check_s"] + steps["commit_s"]
    def reimport():
        batch = services.import_upload(actor=supervisor, unit=province, file_name="bench", content=content,
                                       check=False)
        return services.import_preview(batch_id=batch.pk, actor=supervisor, background=False)

    again = step("reimport_s", reimport)
    ok = (previewed == (ImportStatus.PREVIEWED, rows) and committed == (ImportStatus.COMMITTED, rows)
          and again.unchanged == rows)
    report("jobs_import", [{"scenario": "import", "rows": rows, "format": "CSV" if as_csv else "XLSX",
                            "file_mb": round(len(content) / 2**20, 1), **steps, "import_s": round(total, 2),
                            "rows_per_second": round(rows / total, 1), "enterprises": committed[1],
                            "reimport_unchanged": again.unchanged, "counts_right": ok}])
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--officers", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--csv", action="store_true", help="import a CSV file instead of an XLSX workbook")
    parser.add_argument("--only", choices=["reminders", "import"])
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    database_url()
    setup()
    logging.getLogger("django-q").setLevel(logging.WARNING)
    from bench import drillkit

    ok = True
    if args.only in (None, "reminders"):
        with drillkit.FreshDatabase("jobs", keep=args.keep_db):
            ok &= bench_reminders(args.reminders, args.officers, args.batch_size)
    if args.only in (None, "import"):
        with drillkit.FreshDatabase("jobs", keep=args.keep_db):
            ok &= bench_import(args.rows, args.csv)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
