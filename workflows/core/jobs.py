"""Queueing a job with the work that asks for it.

``after_commit(func, *args)`` queues a django-q2 job that must run only if
the caller's transaction commits:

- With the ORM broker (the default: a row of ``django_q_ormq`` in the same
  database) the job's row is written at once, in the caller's transaction.
  It commits with the work or not at all: no job is lost when the process
  dies between the commit and the queueing, and the request pays no second
  commit (a stage move: one flush of the log, not two). The row is
  django-q2's own (its task package, signed, for its ORM broker), written
  by one INSERT prepared on the server (``core.prepared``) instead of the
  ORM's ``create``, compiled anew for every job.
- With Redis (``REDIS_URL``), outside a transaction, or when jobs run
  synchronously (the tests' settings) it is queued after the commit
  (``transaction.on_commit``), as before: a job run in the middle of its
  caller's transaction would see it half-done.
"""
from __future__ import annotations

import functools

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from workflows.core import prepared


def in_transaction() -> bool:
    """Is a job queued now written in the current transaction of the default database?"""
    return (Conf.ORM == DEFAULT_DB_ALIAS and not Conf.BROKER_CLASS and not Conf.SYNC
            and not transaction.get_autocommit())


def after_commit(func: str, *args, **kwargs) -> None:
    """Queue ``func(*args, **kwargs)`` to run once the caller's transaction has committed (see the module)."""
    if in_transaction():
        async_task(func, *args, **kwargs, broker=_in_transaction_broker())
    else:
        transaction.on_commit(lambda: async_task(func, *args, **kwargs))


class InTransaction(ORM):
    """django-q2's ORM broker whose ``enqueue`` writes the queue's row with
    one prepared INSERT, on the connection of the caller's transaction."""

    def enqueue(self, task) -> int:
        connection = connections[Conf.ORM]
        with prepared.cursor(connection) as cursor:
            cursor.execute(_insert_sql(connection.vendor), [self.list_key or Conf.CLUSTER_NAME, task, timezone.now()])
            return cursor.fetchone()[0]


@functools.cache
def _insert_sql(vendor: str) -> str:
    """``InTransaction.enqueue``'s statement (its text built once per process and database kind)."""
    quote, meta = connections[Conf.ORM].ops.quote_name, OrmQ._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("key", "payload", "lock"))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s) RETURNING {quote(meta.pk.column)}"


_BROKERS: list[InTransaction] = []


def _in_transaction_broker() -> InTransaction:
    """The process's ``InTransaction`` broker (one: it keeps nothing of a job)."""
    if not _BROKERS:
        _BROKERS.append(InTransaction(list_key=Conf.CLUSTER_NAME))
    return _BROKERS[0]
