"""Where the router sends reads and writes (issue 19, item 5); these need no
replica and run on SQLite too."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.urls import reverse

from workflows.campaigns.models import StageEntries
from workflows.core import clock, replica
from workflows.organisation.models import Unit, UnitUserObjectPermission
from workflows.statistics.models import MemberMovement

router = replica.ReplicaRouter()


@pytest.fixture
def replica_answers(monkeypatch):
    """As if a replica were configured and answered (no connection made)."""
    monkeypatch.setattr(replica, "_replica_usable", lambda: True)


def test_migrations_never_run_on_the_replica():
    assert router.allow_migrate(replica.REPLICA, "campaigns", "campaign") is False
    assert router.allow_migrate(replica.REPLICA, "statistics") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "campaigns", "campaign") is None


def test_inside_a_replica_block_figures_come_from_the_replica_and_who_sees_what_from_the_primary(replica_answers):
    with replica.reading_replica() as alias:
        assert alias == replica.REPLICA
        assert [router.db_for_read(m) for m in (StageEntries, MemberMovement, Unit)] == [replica.REPLICA] * 3
        assert [router.db_for_read(m) for m in (get_user_model(), UnitUserObjectPermission)] == [DEFAULT_DB_ALIAS] * 2
    assert router.db_for_read(StageEntries) == DEFAULT_DB_ALIAS


def test_writes_never_go_to_the_replica_not_even_an_object_read_from_it(replica_answers):
    movement = MemberMovement()
    movement._state.db = replica.REPLICA
    with replica.reading_replica():
        assert router.db_for_write(MemberMovement, instance=movement) == DEFAULT_DB_ALIAS
    assert router.db_for_write(MemberMovement, instance=movement) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize(("in_recovery", "caught_up", "age", "lag"), [
    (True, False, 42.5, 42.5),   # behind: the age of the last transaction it replayed
    (True, True, 3600.0, 0.0),   # a quiet primary: all received is replayed, however old the last transaction
    (True, None, 12.0, 12.0),    # no WAL received by streaming yet (or no receiver): the age
    (True, False, None, None),   # nothing replayed since it started: it cannot tell
    (False, False, 99.0, 0.0),   # not in recovery (promoted): no lag to speak of
])
def test_the_lag_of_a_replica(in_recovery, caught_up, age, lag):
    assert replica.lag_of(in_recovery, caught_up, age) == lag


def test_without_a_replica_in_use_reads_stay_on_the_primary_and_a_post_leaves_no_mark(client, world, settings):
    # given no replica to read (the suite's default: REPLICA_READS off; on SQLite, none configured)
    settings.REPLICA_READS = False
    client.force_login(world.supervisor)

    with replica.reading_replica() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert replica.lag_to_show() is None
    response = client.post(reverse("statistics:movements"), {
        "unit": world.district.pk, "on": clock.today().strftime("%d/%m/%Y"), "kind": "lost", "members": "3"})

    assert response.status_code == 302
    assert replica.WROTE_COOKIE not in response.cookies
