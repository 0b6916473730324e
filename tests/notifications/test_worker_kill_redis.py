"""django-q2 on Redis (``REDIS_URL``): the reminder job queued on Redis and
run by a real ``manage.py qcluster`` delivers every reminder once, and a
worker killed (SIGKILL, the whole process group) in the middle of the job
and started again still delivers every reminder once.

django-q2's own Redis broker has no receipts: a worker pops a task off a
list, and a killed worker takes the task it was running (and those its
cluster had fetched ahead) with it — the first test below shows that on the
broker itself. The settings therefore use ``project.redis_broker.LeasedRedis``
(``Q_CLUSTER["broker_class"]`` when ``REDIS_URL`` is set): a task taken is
leased for ``retry`` seconds and goes back to the queue if it is not
acknowledged, as on the ORM broker (``test_worker_kill``).

The Redis server is the machine's (``REDIS_TEST_URL``, by default
127.0.0.1:6379, database 12); each test uses a cluster name of its own (the
xdist worker and the process: its keys and its signing salt) and deletes
only its own keys, before and after. With no Redis answering, these tests
are skipped with that reason; CI's ``.ci/run`` fails instead when
``redis-cli ping`` does not answer.

The world is ``test_worker_kill``'s: 3,000 tasks due on Monday 08/03/2027,
100 for each of 30 officers (``tests.notifications.workers``).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

import pytest
import redis
from django.db import connection
from django_q.brokers import get_broker
from django_q.brokers.redis_broker import Redis as PlainRedis
from django_q.conf import Conf
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from project.redis_broker import LeasedRedis
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

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/12")
# Redis is the broker of a national install, which runs on PostgreSQL: tested there, once (the ORM broker, the
# zero-setup default's, is killed on both databases: test_worker_kill).
pytestmark = pytest.mark.skipif(connection.vendor == "sqlite",
                                reason="django-q2 on Redis is tested with PostgreSQL, a national install's database")
SETTINGS = "tests.notifications.redis_worker_settings"
WORKER_PROCESSES = 2  # redis_worker_settings: Q_CLUSTER["workers"]
REMINDERS = "workflows.notifications.jobs.reminders_run"


@dataclass(frozen=True)
class RedisCluster:
    name: str
    client: redis.Redis

    @property
    def keys(self) -> tuple[str, str, str]:
        """LeasedRedis's keys: waiting ids, leases, packages."""
        return f"django_q:{self.name}:ready", f"django_q:{self.name}:leases", f"django_q:{self.name}:tasks"

    def empty(self) -> bool:
        """No task waiting, none taken and not acknowledged."""
        return self.client.exists(*self.keys) == 0

    def leased(self) -> list[str]:
        """The functions of the tasks taken and not acknowledged."""
        ids = self.client.zrange(self.keys[1], 0, -1)
        return sorted(SignedPackage.loads(self.client.hget(self.keys[2], i))["func"] for i in ids)

    def forget(self) -> None:
        for key in self.client.scan_iter(match=f"django_q:{self.name}:*", count=1000):
            self.client.delete(key)


@pytest.fixture
def cluster(worker_id, monkeypatch):
    """A cluster name of this test's own on the Redis server, and this
    process's django-q2 switched to it, as the settings do when
    ``REDIS_URL`` is set: ``async_task`` queues on Redis (the test settings
    still run jobs inline unless told ``sync: False``)."""
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2, socket_timeout=10)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis answers at {REDIS_TEST_URL} ({error}): start redis-server, or set REDIS_TEST_URL "
                    "(CI's .ci/run fails when redis-cli ping does not answer)")
    name = f"cdcs-test-{worker_id}-{os.getpid()}"
    for key, value in {"REDIS": REDIS_TEST_URL, "BROKER_CLASS": "project.redis_broker.LeasedRedis", "ORM": None,
                       "PREFIX": name, "CLUSTER_NAME": name}.items():
        monkeypatch.setattr(Conf, key, value)
    queue = RedisCluster(name, client)
    queue.forget()
    yield queue
    queue.forget()
    client.close()


# --- the broker alone -------------------------------------------------------------------------------------------
def test_django_q2s_own_redis_broker_loses_a_task_its_worker_did_not_finish(cluster):
    # given: a task on django-q2's Redis broker, taken by a worker
    broker = PlainRedis(list_key=cluster.name)
    broker.enqueue("package")
    assert broker.dequeue() == [(None, b"package")]

    # when: the worker dies before finishing it (this broker has no receipts)
    # then: the task is nowhere
    assert broker.queue_size() == 0
    assert broker.dequeue() is None
    assert cluster.client.keys(f"django_q:{cluster.name}:*") == []


def test_the_leased_broker_gives_a_task_not_acknowledged_again_when_its_lease_runs_out(cluster, monkeypatch):
    monkeypatch.setattr(Conf, "RETRY", 1)
    monkeypatch.setattr(Conf, "POLL", 0.01)
    broker = get_broker()
    assert isinstance(broker, LeasedRedis) and broker.info().endswith(", with receipts")
    first, second = broker.enqueue("first"), broker.enqueue("second")

    # given: a worker took the first task
    assert broker.dequeue() == [(first, b"first")]
    assert (broker.queue_size(), broker.lock_size()) == (1, 1)
    # while its lease runs, another worker gets the next task, not that one
    assert broker.dequeue() == [(second, b"second")]
    assert broker.dequeue() is None
    broker.acknowledge(second)
    assert (broker.queue_size(), broker.lock_size()) == (0, 1)

    # when: the first worker dies and the lease runs out
    time.sleep(1.1)

    # then: the task is given again, once, and gone when acknowledged
    assert broker.dequeue() == [(first, b"first")]
    assert broker.dequeue() is None
    broker.acknowledge(first)
    assert (broker.queue_size(), broker.lock_size()) == (0, 0)
    assert cluster.empty()


# --- a real worker on Redis -------------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_reminder_job_queued_on_redis_delivers_every_reminder_once(due_tasks, cluster, tmp_path):
    mail_record, log = tmp_path / "mail.txt", tmp_path / "worker.log"
    mail_record.touch()
    # given: the reminder job queued twice on Redis (the schedule, and a second
    # run of the same day), and a worker whose two processes run both at once
    async_task(REMINDERS, day=MONDAY, batch_size=50, q_options={"sync": False})
    async_task(REMINDERS, day=MONDAY, batch_size=50, q_options={"sync": False})
    assert (cluster.client.llen(cluster.keys[0]), cluster.client.hlen(cluster.keys[2])) == (2, 2)

    # when: the worker runs them
    worker = start_worker(SETTINGS, mail_record, log, REDIS_URL=REDIS_TEST_URL, Q_TEST_CLUSTER=cluster.name)
    try:
        wait_for(lambda: everything_done(cluster.empty), timeout=120, what="every reminder delivered and e-mailed",
                 log=log, every=0.2)
    finally:
        kill(worker)

    # then: every reminder once, every e-mail once
    assert_every_reminder_once(due_tasks, mail_record, duplicate_emails_at_most=0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_killed_mid_job_and_restarted_delivers_every_reminder_once(due_tasks, cluster, tmp_path):
    mail_record, log = tmp_path / "mail.txt", tmp_path / "worker.log"
    mail_record.touch()
    # given: the job on Redis, and a worker
    async_task(REMINDERS, day=MONDAY, batch_size=50, q_options={"sync": False})
    worker = start_worker(SETTINGS, mail_record, log, REDIS_URL=REDIS_TEST_URL, Q_TEST_CLUSTER=cluster.name)
    try:
        # when: some reminders are delivered and e-mailed, not all, the worker
        # dies at once (the job that delivers, and the jobs that e-mail)
        wait_for(lambda: emailed() >= 100, timeout=60, what="the first e-mails", log=log)
        kill(worker)
        assert delivered() < TASKS and emailed() < TASKS, "the worker finished before it was killed"
        # the reminder job is still on Redis, taken and not acknowledged
        assert REMINDERS in cluster.leased()

        # and a new worker starts: once the lease (retry, 17 s) runs out it
        # takes the job again, which resumes from what was committed
        worker = start_worker(SETTINGS, mail_record, log, REDIS_URL=REDIS_TEST_URL, Q_TEST_CLUSTER=cluster.name)
        wait_for(lambda: everything_done(cluster.empty), timeout=120, what="every reminder delivered and e-mailed",
                 log=log, every=0.2)
    finally:
        kill(worker)

    # then: in the app, every reminder once; by e-mail, at most one message
    # twice per killed worker process
    assert_every_reminder_once(due_tasks, mail_record, duplicate_emails_at_most=WORKER_PROCESSES)
