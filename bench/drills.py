"""Reliability drills: kill things in the middle of work and count what was
lost. Each runs on a fresh database of its own (``<DATABASE_URL's
name>_drill_web`` etc., migrated, dropped afterwards unless --keep-db) and prints
its figures with ``report()``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_helper_d \\
        .venv/bin/python bench/drills.py web-kill --kills 100
    ... bench/drills.py worker-kill --tasks 10000
    ... bench/drills.py pg-stop                      # stops the WHOLE cluster!
    ... bench/drills.py pg-stop --stub terminate     # only cuts this database's connections

web-kill     gunicorn (2 sync workers, bench settings); client threads sign
             in through the login form and POST transitions
             (/campaigns/<pk>/move/<name>/: contact_employer, form_committee,
             hold_congress, then hold / resume); a worker (never the master)
             is SIGKILLed mid-request --kills times, the master respawns it.
             Afterwards: every campaign's stage is its last stage event's
             to_stage, its version the number of version-bumping events,
             and no success answered (302 to the case) has lost its event.
worker-kill  reminders due on one day for --tasks tasks; the reminder job is
             queued, ``manage.py qcluster`` starts, its process group is
             SIGKILLed mid-batch, it starts again: every reminder delivered,
             notified and e-mailed once (tests/notifications/test_worker_kill.py
             at a larger scale).
pg-stop      client threads transition campaigns through the services, each
             success recorded after its commit with its event pk and version;
             ``pg_ctlcluster <ver> <name> stop -m immediate``, then start;
             once pg_isready answers, every success is looked for.

Never run pg-stop while anybody else uses the cluster: it stops all of it.
Drills are scripts, not tests: nothing here asserts a time (the exit
status is 1 when a drill finds something lost or inconsistent).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database_url, report, setup  # noqa: E402

MONDAY = dt.date(2027, 3, 8)


def _print_problems(title: str, items, limit: int = 20) -> None:
    items = list(items)
    if items:
        print(f"!! {title}: {len(items)}")
        for item in items[:limit]:
            print("   ", item)


# --- web-kill -------------------------------------------------------------------------
def web_kill(args) -> int:
    from bench import drillkit

    with drillkit.FreshDatabase("drill_web", keep=args.keep_db) as db_url:
        started = time.perf_counter()
        world = drillkit.build_world()
        campaigns = drillkit.open_campaigns(world, args.campaigns)
        prepared = time.perf_counter() - started
        log = Path(tempfile.gettempdir()) / f"drill-gunicorn-{args.port}.log"
        figures, tally, check, missing = drillkit.web_kill_drill(
            world, campaigns, port=args.port, db_url=db_url, kills=args.kills, clients=args.clients,
            steps=args.steps, seed=args.seed, log=log, max_pause=args.pause)
        from bench.common import Samples

        samples = Samples(latencies=tally.latencies, elapsed=figures["seconds"])
        report("drill_web_kill", [{**figures, "campaigns": len(campaigns), "prepare_s": round(prepared, 1),
                                   "p50_ms": samples.figures()["p50_ms"], "p99_ms": samples.figures()["p99_ms"],
                                   "answers_other": dict(tally.other) or None}])
        _print_problems("successes answered whose transition is missing", missing)
        _print_problems("stage ≠ last stage event", check.stage_mismatches)
        _print_problems("version ≠ version-bumping events", check.version_mismatches)
        _print_problems("broken event chains", check.broken_chains)
        if figures["kills"] < args.kills:
            print(f"!! only {figures['kills']} kills: the clients ran out of campaigns (raise --campaigns)")
        return 1 if missing or check.problems else 0


# --- worker-kill ----------------------------------------------------------------------
def worker_kill(args) -> int:
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    from bench import drillkit
    from workflows.campaigns.models import Task
    from workflows.notifications.models import EmailStatus, Notification, Reminder

    tasks_count, officers_count = args.tasks, args.officers

    def delivered() -> int:
        return Reminder.objects.exclude(delivered_at=None).count()

    def emailed() -> int:
        return Notification.objects.filter(email_status=EmailStatus.SENT).count()

    def done() -> bool:
        return (Reminder.objects.count() == tasks_count and not Reminder.objects.filter(delivered_at=None).exists()
                and not Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
                and not OrmQ.objects.exists())

    with drillkit.FreshDatabase("drill_worker", keep=args.keep_db) as db_url:
        world = drillkit.build_world()
        drillkit.due_tasks(world, officers=officers_count, tasks=tasks_count, day=MONDAY)
        workdir = Path(tempfile.mkdtemp(prefix="drill-worker-"))
        mail_record, log = workdir / "mail.txt", workdir / "worker.log"
        mail_record.touch()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.drill_worker_settings", "DATABASE_URL": db_url,
               "MAIL_RECORD": str(mail_record), "PYTHONPATH": str(drillkit.ROOT),
               "DRILL_Q_TIMEOUT": str(args.job_timeout)}

        def start():
            with open(log, "ab") as out:
                return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=drillkit.ROOT, env=env,
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

        def kill(worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

        def wait_for(condition, seconds, what, every=0.01):
            deadline = time.monotonic() + seconds
            while not condition():
                if time.monotonic() > deadline:
                    raise SystemExit(f"timed out waiting for {what}; worker log {log}:\n"
                                     f"{log.read_text(errors='replace')[-3000:]}")
                time.sleep(every)

        async_task("workflows.notifications.jobs.reminders_run", day=MONDAY, batch_size=args.batch_size,
                   q_options={"sync": False})
        started = time.perf_counter()
        worker = start()
        try:
            kill_after = max(1, int(tasks_count * args.kill_at))
            wait_for(lambda: emailed() >= kill_after, 300, "the first e-mails")
            kill(worker)
            killed_at = time.perf_counter()
            before = {"delivered_at_kill": delivered(), "emailed_at_kill": emailed()}
            worker = start()
            wait_for(done, args.recover_within, "every reminder delivered and e-mailed", every=0.2)
            recovered = time.perf_counter() - killed_at
        finally:
            kill(worker)
        elapsed = time.perf_counter() - started
        sent = Counter(line.split()[0] for line in mail_record.read_text().splitlines() if line.strip())
        notification_ids = set(Notification.objects.values_list("pk", flat=True))
        expected = {f"<notification-{pk}@localhost>" for pk in notification_ids}
        per_task = Counter(Notification.objects.values_list("task_id", flat=True))
        figures = {
            "tasks": tasks_count, "officers": officers_count, "batch_size": args.batch_size, **before,
            "killed_mid_batch": before["delivered_at_kill"] < tasks_count,
            "reminders": Reminder.objects.count(),
            "reminders_delivered": delivered(),
            "reminders_unbound": Reminder.objects.filter(notification=None).count(),
            "notifications": len(notification_ids),
            "tasks_notified_twice": sum(1 for n in per_task.values() if n > 1),
            "tasks_not_notified": Task.objects.filter(due_on=MONDAY).exclude(pk__in=list(per_task)).count(),
            "marked_sent": Notification.objects.filter(email_status=EmailStatus.SENT).exclude(emailed_at=None)
            .count(),
            "emails_missing": len(expected - set(sent)),
            "emails_unknown": len(set(sent) - expected),
            "emails_sent_twice": sum(n - 1 for n in sent.values()),
            "recovery_s": round(recovered, 1), "seconds": round(elapsed, 1),
        }
        report("drill_worker_kill", [figures])
        ok = (figures["killed_mid_batch"] and figures["reminders"] == tasks_count
              and figures["reminders_delivered"] == tasks_count and figures["reminders_unbound"] == 0
              and figures["notifications"] == tasks_count and figures["tasks_notified_twice"] == 0
              and figures["tasks_not_notified"] == 0 and figures["marked_sent"] == tasks_count
              and figures["emails_missing"] == 0 and figures["emails_unknown"] == 0
              and figures["emails_sent_twice"] <= 2)  # at most one per killed worker process
        if not ok:
            print(f"!! not exactly once; worker log: {log}")
        return 0 if ok else 1


# --- pg-stop ----------------------------------------------------------------------------
def pg_stop(args) -> int:
    from django.db import connection, connections

    from bench import drillkit

    port = int(connection.settings_dict.get("PORT") or 5432)
    if args.stub == "none":
        problem = drillkit.cluster_control_problem(port)
        if problem:
            print(f"cannot control the cluster: {problem}")
            return 2
        cluster = drillkit.find_cluster(port)

    with drillkit.FreshDatabase("drill_pg", keep=args.keep_db):
        world = drillkit.build_world()
        campaigns = drillkit.open_campaigns(world, args.campaigns)

        def stop_cluster() -> dict:
            at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            started = time.perf_counter()
            if args.stub == "terminate":
                terminated = drillkit.terminate_backends()
                time.sleep(args.down)
                return {"outage": "terminate_backends", "at": at, "terminated": terminated,
                        "down_s": round(time.perf_counter() - started, 2)}
            if args.stub == "skip":
                time.sleep(args.down)
                return {"outage": "none (stubbed)", "at": at}
            try:
                drillkit.pg_ctl(cluster, "stop", "-m", "immediate")
                stopped = time.perf_counter() - started
                time.sleep(args.down)
            finally:
                drillkit.pg_ctl(cluster, "start")
                ready = drillkit.pg_isready(port)
            return {"outage": f"pg_ctlcluster {cluster.version} {cluster.name} stop -m immediate", "at": at,
                    "stop_s": round(stopped, 2), "down_s": round(time.perf_counter() - started, 2),
                    "ready_after_start_s": round(ready, 2)}

        try:
            figures, tally, check, found = drillkit.pg_stop_drill(
                world, campaigns, clients=args.clients, stop_cluster=stop_cluster, before=args.before,
                after=args.after)
        finally:
            connections.close_all()
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            sync_commit = cursor.fetchone()[0]
            cursor.execute("SHOW fsync")
            fsync = cursor.fetchone()[0]
        report("drill_pg_stop", [{**figures, "campaigns": len(campaigns), "synchronous_commit": sync_commit,
                                  "fsync": fsync, "answers_other": dict(tally.other) or None}])
        _print_problems("successes whose event is missing", found["lost"])
        _print_problems("campaigns whose version is behind a success", found["versions_behind"])
        _print_problems("stage ≠ last stage event", check.stage_mismatches)
        _print_problems("version ≠ version-bumping events", check.version_mismatches)
        _print_problems("broken event chains", check.broken_chains)
        return 1 if found["lost"] or found["versions_behind"] or check.problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-db", action="store_true", help="keep the drill's database afterwards")
    sub = parser.add_subparsers(dest="drill", required=True)
    web = sub.add_parser("web-kill", help="SIGKILL gunicorn workers mid-request")
    web.add_argument("--kills", type=int, default=100)
    web.add_argument("--clients", type=int, default=6)
    web.add_argument("--campaigns", type=int, default=400)
    web.add_argument("--steps", type=int, default=9, help="transitions per campaign (3 forward, then hold/resume)")
    web.add_argument("--port", type=int, default=18110)
    web.add_argument("--seed", type=int, default=1)
    web.add_argument("--pause", type=float, default=1.0, help="up to this many seconds of load between kills")
    worker = sub.add_parser("worker-kill", help="SIGKILL the job worker mid reminder batch")
    worker.add_argument("--tasks", type=int, default=10_000)
    worker.add_argument("--officers", type=int, default=100)
    worker.add_argument("--batch-size", type=int, default=100)
    worker.add_argument("--kill-at", type=float, default=0.1, help="kill once this share is e-mailed")
    worker.add_argument("--job-timeout", type=int, default=120,
                        help="django-q timeout (s); the lease (retry) is 2 s more: the restart waits that long")
    worker.add_argument("--recover-within", type=float, default=900)
    pg = sub.add_parser("pg-stop", help="stop PostgreSQL (immediate) under load and start it again")
    pg.add_argument("--clients", type=int, default=6)
    pg.add_argument("--campaigns", type=int, default=120)
    pg.add_argument("--before", type=float, default=5.0, help="seconds of load before the stop")
    pg.add_argument("--down", type=float, default=2.0, help="seconds the server stays down")
    pg.add_argument("--after", type=float, default=5.0, help="seconds of load after it is back")
    pg.add_argument("--stub", choices=["none", "terminate", "skip"], default="none",
                    help="terminate: cut this database's connections instead of stopping the cluster; "
                         "skip: no outage at all")
    args = parser.parse_args(argv)
    database_url()
    setup()
    logging.getLogger("django-q").setLevel(logging.WARNING)
    return {"web-kill": web_kill, "worker-kill": worker_kill, "pg-stop": pg_stop}[args.drill](args)


if __name__ == "__main__":
    sys.exit(main())
