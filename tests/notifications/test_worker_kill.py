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

import pytest
from django.conf import settings
from django_q.models import OrmQ
from django_q.tasks import async_task

from tests.notifications.workers import (
    MONDAY,
    TASKS,
    assert_every_reminder_once,
    delivered,
    due_tasks_fixture,  # noqa: F401 - the fixture due_tasks
    emailed,
    everything_done,
    kill,
    start_worker,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKER_PROCESSES = 2  # worker_settings: Q_CLUSTER["workers"]
SETTINGS = "tests.notifications.worker_settings"


def test_a_worker_killed_mid_job_and_restarted_delivers_every_reminder_once(due_tasks, tmp_path):
    mail_record, log = tmp_path / "mail.txt", tmp_path / "worker.log"
    mail_record.touch()
    # given: the job on the broker, and a worker
    assert settings.Q_CLUSTER["orm"] == "default"
    async_task("workflows.notifications.jobs.reminders_run", day=MONDAY, batch_size=50, q_options={"sync": False})
    assert OrmQ.objects.count() == 1
    worker = start_worker(SETTINGS, mail_record, log)
    try:
        # when: some reminders are delivered and e-mailed, not all, the worker
        # dies at once (the job that delivers, and the jobs that e-mail)
        wait_for(lambda: emailed() >= 100, timeout=30, what="the first e-mails", log=log)
        kill(worker)
        assert delivered() < TASKS and emailed() < TASKS, "the worker finished before it was killed"

        # and a new worker starts
        worker = start_worker(SETTINGS, mail_record, log)
        wait_for(lambda: everything_done(lambda: not OrmQ.objects.exists()), timeout=120,
                 what="every reminder delivered and e-mailed", log=log, every=0.2)
    finally:
        kill(worker)

    # then: in the app, every reminder once; by e-mail, at most one message
    # twice per killed worker process
    assert_every_reminder_once(due_tasks, mail_record, duplicate_emails_at_most=WORKER_PROCESSES)
