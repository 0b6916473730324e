"""Queueing a job with the work that asks for it.

``after_commit(func, *args)`` queues a django-q2 job that must run only if
the caller's transaction commits:

- With the ORM broker (the default: a row of ``django_q_ormq`` in the same
  database) the job's row is written at once, in the caller's transaction.
  It commits with the work or not at all: no job is lost when the process
  dies between the commit and the queueing, and the request pays no second
  commit (a stage move: one flush of the log, not two).
- With Redis (``REDIS_URL``), outside a transaction, or when jobs run
  synchronously (the tests' settings) it is queued after the commit
  (``transaction.on_commit``), as before: a job run in the middle of its
  caller's transaction would see it half-done.
"""
from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, transaction
from django_q.conf import Conf
from django_q.tasks import async_task


def in_transaction() -> bool:
    """Is a job queued now written in the current transaction of the default database?"""
    return (Conf.ORM == DEFAULT_DB_ALIAS and not Conf.BROKER_CLASS and not Conf.SYNC
            and not transaction.get_autocommit())


def after_commit(func: str, *args, **kwargs) -> None:
    """Queue ``func(*args, **kwargs)`` to run once the caller's transaction has committed (see the module)."""
    if in_transaction():
        async_task(func, *args, **kwargs)
    else:
        transaction.on_commit(lambda: async_task(func, *args, **kwargs))
