"""The official report reads its figures from the replica (issue 19, item 5),
who may see which unit from the primary. Its view opts in with
``@reads_replica`` (workflows.statistics.report_views.report_page)."""
from __future__ import annotations

from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.replica.conftest import figures_committed, on_the_replica, replica_caught_up, tables_read
from workflows.core import replica

pytestmark = on_the_replica


def test_the_report_reads_its_figures_from_the_replica(client, committed_world, replica_reads):
    # given figures committed and replayed, and the report read once on the primary alone
    world = committed_world
    figures_committed(world)
    replica_caught_up()
    client.force_login(world.manager)
    replica_reads.REPLICA_READS = False
    from_primary = client.get(reverse("statistics:report"), {"unit": world.province.pk})
    replica_reads.REPLICA_READS = True

    # when the manager opens it
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get(reverse("statistics:report"), {"unit": world.province.pk})

    # then the session, the user and their grants come from the primary, the rest from the replica
    assert response.status_code == 200
    assert tables_read(on_primary) == ["django_session", "auth_user", "organisation_unituserobjectpermission"]
    assert len(on_replica) > 0
    assert response.context["table"] == from_primary.context["table"]
