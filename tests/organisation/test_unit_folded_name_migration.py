"""Migration organisation 0007: the units that exist get their folded name
(the unit picker's accent-insensitive search), and PostgreSQL its index."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from workflows.core import clock

pytestmark = pytest.mark.migration

BEFORE = [("organisation", "0006_unit_children_index")]
AFTER = [("organisation", "0007_unit_folded_name")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def trigram_indexes() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'organisation_unit' "
                       "AND indexdef LIKE '%gin_trgm_ops%' ORDER BY indexname")
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_units_that_exist_get_their_folded_name(reference_data):
    # given, before the migration, units named with accents, Đ and a long name
    old = migrate(BEFORE)
    Unit = old.get_model("organisation", "Unit")
    kind = old.get_model("organisation", "UnitKind").objects.get(code="provincial_federation")
    names = {"0097": "Liên đoàn Lao động Thành phố Hà Nội", "0098": "LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐỒNG NAI",
             "0099": "Công đoàn " + "Đặc khu " * 40}
    for path, name in names.items():
        Unit.objects.create(path=path, depth=1, numchild=0, name=name[:255], code=f"u-{path}", kind=kind,
                            created_at=clock.now())
    assert trigram_indexes() == []

    # when migrated
    new = migrate(AFTER)

    # then each has its name folded, cut to the column
    folded = dict(new.get_model("organisation", "Unit").objects.values_list("path", "search_name"))
    assert folded == {"0097": "lien doan lao dong thanh pho ha noi", "0098": "lien doan lao dong tinh dong nai",
                      "0099": ("cong doan " + "dac khu " * 40)[:255].strip()}
    assert trigram_indexes() == (["unit_search_name_trgm_idx"] if connection.vendor == "postgresql" else [])

    # back to the latest state for the tests that follow
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
