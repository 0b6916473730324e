"""The dashboard on a real streaming replica (issue 19, item 5): its figures
are read from the replica, who may see what from the primary; a client that
has just written reads the primary; the replica's lag shows past a threshold;
a replica that is down or fails leaves the page on the primary, with a
warning in the log.

    province                 manager
    ├── district             supervisor; the campaigns and movements
    └── other_district
"""
from __future__ import annotations

import logging
import re
import socket

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.replica.conftest import (
    figures_committed,
    on_the_replica,
    received_not_replayed,
    replay_paused,
    replica_caught_up,
    sql_value,
    tables_read,
)
from workflows.core import clock, replica
from workflows.statistics import services as statistics_services
from workflows.statistics.models import MemberMovement

pytestmark = on_the_replica
HOME = "statistics:home"


def _shown(response, figure: str) -> int:
    match = re.search(rf'data-figure="{figure}"[^>]*>([\d.]+)<', response.content.decode())
    return int(match.group(1).replace(".", ""))


def _get(client, **query):
    """The dashboard, and the queries it made on the replica and on the primary."""
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get(reverse(HOME), query)
    assert response.status_code == 200
    return response, on_replica, on_primary


def test_the_figures_are_read_from_the_replica_and_who_sees_what_from_the_primary(
        client, committed_world, replica_reads):
    # given figures committed and replayed on the replica, and the page read once on the primary alone
    world = committed_world
    figures_committed(world)
    replica_caught_up()
    client.force_login(world.manager)
    replica_reads.REPLICA_READS = False
    client.get(reverse(HOME))  # what a process keeps between requests is kept from here on
    _response, nothing, primary_alone = _get(client)
    assert len(nothing) == 0
    replica_reads.REPLICA_READS = True

    # when the manager opens the dashboard
    response, on_replica, on_primary = _get(client)

    # then the session, the user, their grants, the upper-level unit kinds (once in the request) and the unit
    # picker (the chosen unit, then its way up and children) come from the primary, every figure from the
    # replica (the same queries as on the primary alone), and its lag once
    assert tables_read(on_primary) == ["django_session", "auth_user", "organisation_unituserobjectpermission",
                                       "organisation_unitkind", "organisation_unit", "organisation_unit"]
    assert len(on_replica) == len(primary_alone) - len(on_primary) + 1
    assert "pg_last_wal_replay_lsn()" in on_replica.captured_queries[-1]["sql"]
    assert (_shown(response, "campaigns"), _shown(response, "new_members")) == (3, 12)
    assert "replica-lag" not in response.content.decode()


def test_once_the_replica_has_caught_up_its_figures_are_the_primarys(client, committed_world, replica_reads):
    # given figures written on the primary, then replayed by the replica
    world = committed_world
    figures_committed(world)
    replica_caught_up()
    client.force_login(world.manager)

    # when the dashboard is read from the replica, then from the primary alone
    from_replica, on_replica, _ = _get(client, unit=world.province.pk)
    replica_reads.REPLICA_READS = False
    from_primary, nothing, _ = _get(client, unit=world.province.pk)

    # then its figures are the same, row by row
    assert len(on_replica) > 0 and len(nothing) == 0
    assert from_replica.context["board"] == from_primary.context["board"]
    assert from_replica.context["board"].total.campaigns == 3


def test_a_client_that_has_just_written_reads_the_primary_for_a_while(client, committed_world, replica_reads):
    # given the supervisor, who records members lost in the district (a form sent: it wrote)
    world = committed_world
    replica_caught_up()
    client.force_login(world.supervisor)
    response = client.post(reverse("statistics:movements"), {
        "unit": world.district.pk, "on": clock.today().strftime("%d/%m/%Y"), "kind": "lost", "members": "4"})
    assert response.status_code == 302
    assert MemberMovement.objects.filter(unit=world.district, kind="lost", members=4).count() == 1
    assert response.cookies[replica.WROTE_COOKIE]["max-age"] == 10

    # when they open the dashboard at once, then after the window
    fresh, read_on_replica, _ = _get(client, unit=world.district.pk)
    replica_reads.REPLICA_READ_YOUR_WRITES_SECONDS = 0
    later, read_later, _ = _get(client, unit=world.district.pk)

    # then it was read from the primary (their change shown), and once the window is over from the replica
    assert len(read_on_replica) == 0
    assert _shown(fresh, "members_lost") == 4
    assert len(read_later) > 0


def test_a_page_that_only_reads_leaves_no_mark(client, committed_world, replica_reads):
    client.force_login(committed_world.manager)

    response = client.get(reverse(HOME))

    assert response.status_code == 200
    assert replica.WROTE_COOKIE not in response.cookies


def test_writes_go_to_the_primary_even_inside_a_replica_block(committed_world, replica_reads):
    # given a block that reads the replica
    world = committed_world
    replica_caught_up()
    with replica.reading_replica() as alias:
        assert alias == replica.REPLICA
        # when a service writes in it
        movement = statistics_services.movement_record(unit_id=world.district.pk, kind="recruited", members=7,
                                                       on=clock.today(), actor=world.supervisor)

    # then the row is on the primary (the replica, read-only, would have refused the INSERT)
    assert MemberMovement.objects.using("default").filter(pk=movement.pk, members=7).count() == 1
    replica_caught_up()
    assert MemberMovement.objects.using(replica.REPLICA).filter(pk=movement.pk).count() == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_replica_that_is_down_leaves_the_dashboard_on_the_primary(client, committed_world, replica_reads, caplog):
    # given the replica's address answering nothing (a stopped server: the connection is refused)
    world = committed_world
    figures_committed(world)
    client.force_login(world.manager)
    replica_reads.REPLICA_READS = False
    client.get(reverse(HOME))
    _response, _nothing, primary_alone = _get(client)
    replica_reads.REPLICA_READS = True
    replica_settings = connections[replica.REPLICA].settings_dict
    port = replica_settings["PORT"]
    connections[replica.REPLICA].close()
    replica_settings["PORT"] = _free_port()
    try:
        # when the manager opens the dashboard
        with caplog.at_level(logging.WARNING, logger="workflows.core.replica"), \
                CaptureQueriesContext(connections["default"]) as on_primary:
            response = client.get(reverse(HOME))
    finally:
        connections[replica.REPLICA].close()
        replica_settings["PORT"] = port

    # then the page is there, read from the primary, and the log says why
    assert response.status_code == 200
    assert (_shown(response, "campaigns"), _shown(response, "new_members")) == (3, 12)
    assert len(on_primary) == len(primary_alone)
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["The read replica does not answer"]


def test_a_replica_lost_during_the_page_is_read_again_from_the_primary(client, committed_world, replica_reads,
                                                                       caplog):
    # given the dashboard's open connection to the replica, ended by the replica (a restart, a crash)
    world = committed_world
    figures_committed(world)
    replica_caught_up()
    client.force_login(world.manager)
    pid = sql_value(replica.REPLICA, "SELECT pg_backend_pid()")
    s = connections[replica.REPLICA].settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"] or None,
                         dbname=s["NAME"], autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True

    # when the manager opens the dashboard
    with caplog.at_level(logging.WARNING, logger="workflows.core.replica"):
        response, _, _ = _get(client)

    # then the failed query is not an error page: the figures are read again from the primary
    assert (_shown(response, "campaigns"), _shown(response, "new_members")) == (3, 12)
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "The read replica failed during overview_page"]


@pytest.mark.solo  # it pauses the replay of the replica every test of it reads
def test_a_replica_behind_shows_its_lag_past_the_threshold_and_a_writer_still_reads_its_writes(
        client, committed_world, replica_reads):
    world = committed_world
    figures_committed(world)
    replica_caught_up()
    manager, supervisor = client, type(client)()
    manager.force_login(world.manager)
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the product speaks Vietnamese first
    supervisor.force_login(world.supervisor)
    with replay_paused():
        # given a replica that receives the primary's changes but has not replayed the latest
        statistics_services.movement_record(unit_id=world.district.pk, kind="recruited", members=30,
                                            on=clock.today(), actor=world.supervisor)
        received_not_replayed()

        # when the manager opens the dashboard, with the threshold at its default (30 s) and at 0 s
        quiet, _, _ = _get(manager)
        replica_reads.REPLICA_LAG_WARNING_SECONDS = 0
        warned, _, _ = _get(manager)
        replica_reads.REPLICA_LAG_WARNING_SECONDS = 30

        # and the supervisor records members lost, then opens it
        assert supervisor.post(reverse("statistics:movements"), {
            "unit": world.district.pk, "on": clock.today().strftime("%d/%m/%Y"), "kind": "lost",
            "members": "5"}).status_code == 302
        own, read_on_replica, _ = _get(supervisor, unit=world.district.pk)

    # then the manager saw the replica's figures (without the 30 recruited) and, past 0 s, its lag
    assert _shown(quiet, "new_members") == 12 and "replica-lag" not in quiet.content.decode()
    assert _shown(warned, "new_members") == 12
    seconds = int(re.search(r'id="replica-lag" role="status" data-seconds="(\d+)"', warned.content.decode()).group(1))
    assert seconds >= 1
    assert (f"These figures come from a copy of the database that is {seconds} second"
            in warned.content.decode())
    # and the supervisor, who has just written, read the primary: both changes
    assert len(read_on_replica) == 0
    assert (_shown(own, "new_members"), _shown(own, "members_lost")) == (42, 5)
