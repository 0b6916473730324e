"""The campaign's indexes (issue 19): a working group's campaigns of a
stage, the latest moved first, come from one index that the group leads —
an officer's list reads each stage's first page and the count from it —
and that index is also the one of the group's foreign key (deleting a group
checks its campaigns through it). One other index leads with the group: its
campaigns' units, whose lowest and highest the officer's tasks page probes
(``selectors.reassignable_task_places``; a move writes it too: the
transitions' throughput did not move, bench/RESULTS.md, eighth session).
No third."""
from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def index_columns(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT i.relname, array_agg(pg_get_indexdef(x.indexrelid, k.n, true) ORDER BY k.n)
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
              CROSS JOIN LATERAL generate_series(1, x.indnkeyatts) AS k(n)
             WHERE x.indrelid = %s::regclass GROUP BY i.relname""", [table])
        return dict(cursor.fetchall())


def test_one_index_leads_with_the_working_group_and_serves_the_lists_order():
    indexes = index_columns("campaigns_campaign")
    led = {name: columns for name, columns in indexes.items() if columns[0] == "working_group_id"}
    assert led == {"campaign_group_recent_idx": ["working_group_id", "stage", "stage_entered_at", "id"],
                   "campaign_group_unit_idx": ["working_group_id", "responsible_unit_id"]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT indoption::int2[] FROM pg_index "
                       "WHERE indexrelid = 'campaign_group_recent_idx'::regclass")
        (options,) = cursor.fetchone()
    assert [bool(o & 1) for o in options] == [False, False, True, True]  # stage_entered_at DESC, id DESC
