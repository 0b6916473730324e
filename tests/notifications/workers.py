"""Helpers of the tests that run a real django-q2 worker (``manage.py
qcluster``, another process) and kill it in the middle of the reminder job:
the world (3,000 tasks due on MONDAY, 100 for each of 30 officers), starting
and killing the worker, waiting, and what "every reminder exactly once"
means, whatever the broker (``test_worker_kill``: the ORM;
``test_worker_kill_redis``: Redis)."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import build_world
from tests.factories import UserFactory
from tests.notifications.helpers import quiet_campaign
from workflows.campaigns.models import Task
from workflows.core import clock
from workflows.notifications.models import EmailStatus, Notification, Reminder
from workflows.organisation import services as org

MONDAY = dt.date(2027, 3, 8)
OFFICERS, EACH = 30, 100
TASKS = OFFICERS * EACH
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_worker(settings_module: str, mail_record: Path, log: Path, **env: str) -> subprocess.Popen:
    """``manage.py qcluster`` with ``settings_module`` on the test database,
    in a process group of its own (``kill`` stops all of it). The broker is
    the settings module's: ``REDIS_URL`` comes from ``env`` only."""
    inherited = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env = {**inherited, "DJANGO_SETTINGS_MODULE": settings_module, "DATABASE_URL": database_url(),
           "MAIL_RECORD": str(mail_record), "PYTHONPATH": str(ROOT), **env}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill(worker: subprocess.Popen, sig=signal.SIGKILL) -> None:
    """Signal the worker's whole process group (sentinel, pusher, monitor,
    workers) and wait for it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def wait_for(condition, *, timeout: float, what: str, log: Path, every: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(every)


def delivered() -> int:
    return Reminder.objects.exclude(delivered_at=None).count()


def emailed() -> int:
    return Notification.objects.filter(email_status=EmailStatus.SENT).count()


def everything_done(queue_empty: Callable[[], bool]) -> bool:
    """Every reminder delivered, every e-mail sent, and the broker holds no
    task any more (none waiting, none taken and not acknowledged)."""
    return (Reminder.objects.filter(delivered_at=None).count() == 0 and Reminder.objects.count() == TASKS
            and not Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
            and queue_empty())


@pytest.fixture(name="due_tasks")
def due_tasks_fixture(reference_data):
    """The fixture ``due_tasks`` (a test module imports this function to
    use it): 30 officers of one working group, 100 open tasks each, due on
    MONDAY."""
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


def assert_every_reminder_once(officers, mail_record: Path, *, duplicate_emails_at_most: int) -> None:
    """In the app, every reminder once: 3,000 reminders, 3,000 notifications,
    each reminder bound to one; by e-mail, every notification marked sent
    once and every message on record, at most ``duplicate_emails_at_most``
    messages sent twice (one per killed process: see
    ``workflows.notifications.services``)."""
    assert Reminder.objects.count() == TASKS
    assert Reminder.objects.filter(kind="due_today", day=MONDAY).count() == TASKS
    assert Reminder.objects.filter(notification=None).count() == 0
    assert Notification.objects.count() == TASKS
    assert Counter(Notification.objects.values_list("recipient__username", flat=True)) == {
        officer.username: EACH for officer in officers}
    assert sorted(Notification.objects.values_list("task_id", flat=True)) == sorted(
        Task.objects.filter(due_on=MONDAY, assignee__isnull=False).values_list("pk", flat=True))
    assert Notification.objects.filter(email_status=EmailStatus.SENT).exclude(emailed_at=None).count() == TASKS
    sent = Counter(line.split()[0] for line in mail_record.read_text().splitlines())
    expected = {f"<notification-{pk}@localhost>" for pk in Notification.objects.values_list("pk", flat=True)}
    assert set(sent) == expected
    assert sum(n - 1 for n in sent.values()) <= duplicate_emails_at_most
