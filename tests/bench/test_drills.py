"""Small versions of the reliability drills of bench/drills.py, with exact
assertions and no timing ones (the drills' code is in bench/drillkit.py).

- A real gunicorn (2 sync workers, bench settings, on the test database)
  has a worker SIGKILLed 5 times mid-request while clients that signed in
  through the login form POST transitions: no success answered loses its
  transition, none is applied twice, every campaign's stage is its last
  stage event's and its version counts its version-bumping events.
- The job worker killed mid reminder job is tests/notifications/
  test_worker_kill.py (a real ``manage.py qcluster``, its process group
  SIGKILLed, restarted, every reminder, notification and e-mail once): it
  is not repeated here. ``bench/drills.py worker-kill`` is the same at a
  larger scale.
- PostgreSQL stopped (``pg_ctlcluster … stop -m immediate``) and started
  while clients transition campaigns through the services: every success
  (recorded after its commit, with its event and version) is there
  afterwards. It stops the whole cluster: it is skipped, with the reason,
  when this process cannot run pg_ctlcluster; ``DRILL_PG_STOP=terminate``
  cuts only this database's connections instead, ``DRILL_PG_STOP=skip``
  skips it (for a cluster that others are using).
"""
from __future__ import annotations

import os
import subprocess
import time
from collections import Counter

import pytest
from django.db import connection, connections

from bench import drillkit
from workflows.campaigns.models import Campaign

# solo: the drills stop PostgreSQL and load the machine; they run alone, after the parallel run (Makefile)
pytestmark = [pytest.mark.postgres, pytest.mark.solo, pytest.mark.django_db(transaction=True)]

PORT = 18150


def test_gunicorn_workers_killed_mid_request_lose_no_answered_transition(reference_data, tmp_path):
    world = drillkit.build_world()
    campaigns = drillkit.open_campaigns(world, 40)

    figures, tally, check, missing = drillkit.web_kill_drill(
        world, campaigns, port=PORT, db_url=drillkit.database_url(), kills=5, clients=4, steps=3, seed=7,
        log=tmp_path / "gunicorn.log", max_pause=0.3)

    log = (tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:]
    assert figures["kills"] == 5, log
    assert tally.successes, log
    assert tally.other == Counter(), (tally.other, log)  # every answer a success, a conflict or a dropped connection
    # every success answered is in the history, and nothing happened twice
    assert missing == []
    events = drillkit.stage_event_counts(campaigns)
    assert {key for key, n in events.items() if n > 1} == set()
    assert Counter(s[:3] for s in tally.successes) - events == Counter()
    # the histories hold together
    assert check.campaigns == 40
    assert (check.stage_mismatches, check.version_mismatches, check.broken_chains) == ([], [], [])
    stages = Counter(Campaign.objects.filter(pk__in=campaigns).values_list("stage", flat=True))
    assert sum(stages.values()) == 40
    assert check.stage_events == sum(events.values()) >= len(tally.successes)


def _cluster_is_up(port: int) -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], check=False).returncode == 0


def test_postgresql_stopped_and_started_under_load_keeps_every_answered_transition(reference_data):
    mode = os.environ.get("DRILL_PG_STOP", "stop")
    if mode == "skip":
        pytest.skip("DRILL_PG_STOP=skip: the PostgreSQL stop drill is switched off")
    port = int(connection.settings_dict.get("PORT") or 5432)
    cluster = None
    if mode == "stop":
        problem = drillkit.cluster_control_problem(port)
        if problem:
            pytest.skip(f"cannot stop and start the PostgreSQL cluster: {problem}")
        cluster = drillkit.find_cluster(port)
    world = drillkit.build_world()
    campaigns = drillkit.open_campaigns(world, 12)

    def outage() -> dict:
        if mode == "terminate":
            return {"terminated": drillkit.terminate_backends()}
        try:
            drillkit.pg_ctl(cluster, "stop", "-m", "immediate")
            stopped = not _cluster_is_up(port)
            time.sleep(1)
        finally:
            drillkit.pg_ctl(cluster, "start")
            drillkit.pg_isready(port)
        return {"stopped": stopped}

    try:
        figures, tally, check, found = drillkit.pg_stop_drill(world, campaigns, clients=3, stop_cluster=outage,
                                                              before=2, after=3)
    finally:
        # whatever happened above, leave the cluster running for the rest of the suite
        if cluster is not None and not _cluster_is_up(port):
            for _ in range(3):
                if subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster.version, cluster.name,
                                   "start"], check=False, capture_output=True).returncode == 0:
                    break
                time.sleep(1)
            drillkit.pg_isready(port)
        connections.close_all()

    if mode == "stop":
        assert figures["stopped"] is True
    assert tally.connection_errors >= 1  # the clients saw the outage, and counted it as failures
    assert figures["successes_after_outage"] >= 1  # and went on once the server was back
    assert found == {"lost": [], "versions_behind": []}
    assert (check.stage_mismatches, check.version_mismatches, check.broken_chains) == ([], [], [])
    assert check.campaigns == 12
    # each success is one stage event, and no event was made twice for one success
    assert len({s[3] for s in tally.successes}) == len(tally.successes)
    assert check.stage_events >= len(tally.successes)
