"""A real django-q2 worker on PostgreSQL is killed (SIGKILL, the whole
process group) in the middle of the reminder job and started again: every
reminder is delivered exactly once.

3,000 tasks are due on Monday 08/03/2027, 100 for each of 30 officers. The
test queues ``reminders_run`` on the ORM broker (the test settings run jobs
in-process; this test queues them), starts ``manage.py qcluster`` with
``tests.notifications.worker_settings`` against the test database, kills it
once some reminders are delivered and not all, and starts it again. The
broker hands the unfinished jobs (and those the dead cluster had prefetched)
to the new worker once their lease (``retry``, 17 s here) runs out; the
reminder job resumes from what was committed.

In the app, exactly once: 3,000 reminders, 3,000 notifications, each
reminder bound to one notification. By e-mail (the kill also stops the jobs
that were sending the first batches' e-mail), each notification is marked
sent once; the file the worker's e-mail backend writes shows every message
sent, and at most one message per killed worker process sent twice (the one
between the mail server's acceptance and our commit: see
``workflows.notifications.services``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.models import OrmQ
from django_q.tasks import async_task

from tests.conftest import build_world
from tests.factories import UserFactory
from tests.notifications.helpers import quiet_campaign
from workflows.campaigns.models import Task
from workflows.core import clock
from workflows.notifications.models import EmailStatus, Notification, Reminder
from workflows.organisation import services as org

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2027, 3, 8)
OFFICERS, EACH = 30, 100
TASKS = OFFICERS * EACH
WORKER_PROCESSES = 2  # worker_settings: Q_CLUSTER["workers"]
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_worker(mail_record: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
           "DATABASE_URL": _database_url(), "MAIL_RECORD": str(mail_record), "PYTHONPATH": str(ROOT)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _kill(worker: subprocess.Popen, sig=signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def _wait_for(condition, *, timeout: float, what: str, log: Path, every: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(every)


def _delivered() -> int:
    return Reminder.objects.exclude(delivered_at=None).count()


def _emailed() -> int:
    return Notification.objects.filter(email_status=EmailStatus.SENT).count()


def _done() -> bool:
    return (Reminder.objects.filter(delivered_at=None).count() == 0 and Reminder.objects.count() == TASKS
            and not Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
            and not OrmQ.objects.exists())


@pytest.fixture
def due_tasks(reference_data):
    """30 officers of one working group, 100 open tasks each, due on MONDAY."""
    world = build_world()
    officers = [UserFactory(username=f"canbo{n:02d}") for n in range(OFFICERS)]
    for officer in officers:
        org.working_group_member_add(group=world.group, user=officer, actor=world.admin)
    campaign = quiet_campaign(world, on=MONDAY)
    now = clock.now()
    Task.objects.bulk_create([
        Task(campaign=campaign, stage=campaign.stage, title=f"Việc {n}", assignee=officers[n % OFFICERS],
             working_group=world.group, due_on=MONDAY, created_by=world.supervisor, created_at=now)
        for n in range(TASKS)], batch_size=1000)
    return officers


def test_a_worker_killed_mid_job_and_restarted_delivers_every_reminder_once(due_tasks, tmp_path):
    mail_record, log = tmp_path / "mail.txt", tmp_path / "worker.log"
    mail_record.touch()
    # given: the job on the broker, and a worker
    assert settings.Q_CLUSTER["orm"] == "default"
    async_task("workflows.notifications.jobs.reminders_run", day=MONDAY, batch_size=50, q_options={"sync": False})
    assert OrmQ.objects.count() == 1
    worker = _start_worker(mail_record, log)
    try:
        # when: some reminders are delivered and e-mailed, not all, the worker
        # dies at once (the job that delivers, and the jobs that e-mail)
        _wait_for(lambda: _emailed() >= 100, timeout=30, what="the first e-mails", log=log)
        _kill(worker)
        delivered, emailed = _delivered(), _emailed()
        assert delivered < TASKS and emailed < TASKS, "the worker finished before it was killed"

        # and a new worker starts
        worker = _start_worker(mail_record, log)
        _wait_for(_done, timeout=120, what="every reminder delivered and e-mailed", log=log, every=0.2)
    finally:
        _kill(worker)

    # then: in the app, every reminder once
    assert Reminder.objects.count() == TASKS
    assert Reminder.objects.filter(kind="due_today", day=MONDAY).count() == TASKS
    assert Reminder.objects.filter(notification=None).count() == 0
    assert Notification.objects.count() == TASKS
    assert Counter(Notification.objects.values_list("recipient__username", flat=True)) == {
        officer.username: EACH for officer in due_tasks}
    assert sorted(Notification.objects.values_list("task_id", flat=True)) == sorted(
        Task.objects.filter(due_on=MONDAY, assignee__isnull=False).values_list("pk", flat=True))
    # by e-mail: every notification marked sent once, every message on record
    assert Notification.objects.filter(email_status=EmailStatus.SENT).exclude(emailed_at=None).count() == TASKS
    sent = Counter(line.split()[0] for line in mail_record.read_text().splitlines())
    expected = {f"<notification-{pk}@localhost>" for pk in Notification.objects.values_list("pk", flat=True)}
    assert set(sent) == expected
    assert sum(n - 1 for n in sent.values()) <= WORKER_PROCESSES
