"""The read replica's tests run against a real streaming replica (CI starts
one: .ci/run; DATABASE_REPLICA_URL). The ``replica`` alias is a test mirror
of the test database: the primary's test database reaches the replica by
streaming, so these tests commit (transactional) and wait until the replica
has replayed what they wrote before they read."""
from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connections

from tests import factories
from tests.conftest import build_world, campaign_at
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.core.replica import REPLICA
from workflows.statistics import services as statistics_services

needs_replica = pytest.mark.skipif(
    REPLICA not in settings.DATABASES,
    reason="no read replica: set DATABASE_REPLICA_URL to a streaming replica of DATABASE_URL's server "
           "(.ci/run starts one on 127.0.0.1:5433)")
#: What these tests stand on: PostgreSQL and its replica, committed data.
on_the_replica = [pytest.mark.postgres, needs_replica,
                  pytest.mark.django_db(transaction=True, databases=["default", REPLICA])]


@pytest.fixture
def replica_reads(settings):
    """The pages that opt in read the replica (the rest of the suite keeps them on the primary)."""
    settings.REPLICA_READS = True
    return settings


@pytest.fixture
def committed_world(reference_data):
    return build_world()


def figures_committed(world) -> None:
    """Three campaigns in the district and 12 members recruited there today, committed."""
    for _ in range(3):
        campaign_at(world, Stage.SURVEYED, enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    statistics_services.movement_record(unit_id=world.district.pk, kind="recruited", members=12, on=clock.today(),
                                        actor=world.supervisor)


def tables_read(captured) -> list[str]:
    """The table each captured query reads first (FROM …)."""
    return [re.search(r'FROM "(\w+)"', query["sql"]).group(1) for query in captured.captured_queries]


def sql_value(alias: str, sql: str, params=()):
    """The one value ``sql`` answers on the database ``alias``."""
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _mark() -> str:
    """A WAL record written now on the primary (a message no one decodes): the
    end of it, which a replica that has replayed it has replayed all before."""
    return sql_value("default", "SELECT pg_logical_emit_message(false, 'cdcs-tests', 'mark')::text")


def replica_caught_up(timeout: float = 30.0) -> None:
    """Wait until the replica has replayed every change committed so far on the primary."""
    target = _mark()
    deadline = time.monotonic() + timeout
    while not sql_value(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica has not replayed the primary's WAL up to {target} in {timeout} s")
        time.sleep(0.02)


@contextlib.contextmanager
def replay_paused() -> Iterator[None]:
    """The replica receives the primary's WAL but replays none of it meanwhile
    (a replica falling behind). Tests using it are ``solo``: every test on
    the replica would see it stand still."""
    sql_value(REPLICA, "SELECT pg_wal_replay_pause()::text")
    try:
        deadline = time.monotonic() + 10
        while sql_value(REPLICA, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "the replica's replay did not pause"
            time.sleep(0.02)
        yield
    finally:
        sql_value(REPLICA, "SELECT pg_wal_replay_resume()::text")


def received_not_replayed(timeout: float = 10.0) -> None:
    """Wait until the (paused) replica has received the primary's latest change without replaying it."""
    target = _mark()
    deadline = time.monotonic() + timeout
    while not sql_value(REPLICA, "SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [target]):
        assert time.monotonic() < deadline, f"the replica has not received the WAL up to {target}"
        time.sleep(0.02)
