"""``core.prepared.PreparedGet`` (a row lock compiled once) and
``core.rows.insert`` (new rows of several tables in one statement)."""
from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Value
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from tests.conftest import campaign_at
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Task
from workflows.core import clock, rows
from workflows.core.prepared import PreparedGet

pytestmark = pytest.mark.django_db

LOCK = PreparedGet(lambda pk: Campaign.objects.filter(pk=pk).select_for_update(of=("self",))
                   .select_related("responsible_unit", "enterprise").annotate(one=Value(1)))


def test_a_prepared_get_reads_what_the_orm_reads(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    with transaction.atomic():
        got = LOCK.get(campaign.pk)
        with CaptureQueriesContext(connection) as ctx:
            again = LOCK.get(campaign.pk)
            joined = (again.responsible_unit.name, again.enterprise.name)  # no query
    orm = Campaign.objects.select_related("responsible_unit", "enterprise").get(pk=campaign.pk)
    assert [(c.pk, c.stage, c.version, c.stage_entered_at, c.responsible_unit.path, c.enterprise.tax_code, c.one)
            for c in (got, again)] == [(orm.pk, orm.stage, orm.version, orm.stage_entered_at,
                                        orm.responsible_unit.path, orm.enterprise.tax_code, 1)] * 2
    assert joined == (orm.responsible_unit.name, orm.enterprise.name)
    assert len(ctx.captured_queries) == 1
    assert ("FOR UPDATE" in ctx.captured_queries[0]["sql"]) == (connection.vendor == "postgresql")
    assert got._state.adding is False and got._state.db == "default"


def test_a_prepared_get_refuses_what_the_orm_refuses(world):
    with transaction.atomic(), pytest.raises(Campaign.DoesNotExist):
        LOCK.get(0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_prepared_lock_needs_a_transaction():
    with pytest.raises(TransactionManagementError):
        LOCK.get(1)


def test_rows_of_several_tables_in_one_statement_get_their_keys_in_order(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    now = clock.now()
    events = [CampaignEvent(campaign=campaign, unit_id=campaign.responsible_unit_id, kind=EventKind.NOTE, at=now,
                            actor=world.officer, note=f"Ghi chú {n}", data={"n": n}) for n in range(3)]
    tasks = [Task(campaign=campaign, stage=Stage.SURVEYED, title=f"Việc {n}", working_group=world.group,
                  due_on=clock.today(), created_by=world.officer, created_at=now) for n in range(2)]

    with CaptureQueriesContext(connection) as ctx:
        rows.insert([events[0], tasks[0], events[1], tasks[1], events[2]])

    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert [CampaignEvent.objects.get(pk=e.pk).note for e in events] == ["Ghi chú 0", "Ghi chú 1", "Ghi chú 2"]
    assert [CampaignEvent.objects.get(pk=e.pk).data for e in events] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert events[0].pk < events[1].pk < events[2].pk
    assert [Task.objects.get(pk=t.pk).title for t in tasks] == ["Việc 0", "Việc 1"]
    assert all(not r._state.adding for r in (*events, *tasks))


def test_rows_with_an_expression_are_written_by_django_s_own_insert(world):
    from django.db.models.functions import Upper

    campaign = campaign_at(world, Stage.SURVEYED)
    now = clock.now()
    plain = CampaignEvent(campaign=campaign, unit_id=campaign.responsible_unit_id, kind=EventKind.NOTE, at=now,
                          actor=world.officer, note="thường")
    computed = CampaignEvent(campaign=campaign, unit_id=campaign.responsible_unit_id, kind=EventKind.NOTE, at=now,
                             actor=world.officer, note=Upper(Value("tinh")))
    task = Task(campaign=campaign, stage=Stage.SURVEYED, title="Việc", working_group=world.group,
                due_on=clock.today(), created_by=world.officer, created_at=now)

    rows.insert([plain, computed, task])

    assert [CampaignEvent.objects.get(pk=e.pk).note for e in (plain, computed)] == ["thường", "TINH"]
    assert Task.objects.get(pk=task.pk).title == "Việc"


def test_the_same_shape_twice_is_the_same_statement(world):
    campaign = campaign_at(world, Stage.SURVEYED)

    def two_notes(text):
        events = [CampaignEvent(campaign=campaign, unit_id=campaign.responsible_unit_id, kind=EventKind.NOTE,
                                at=clock.now(), actor=world.officer, note=f"{text} {n}", data={"n": n})
                  for n in range(2)]
        with CaptureQueriesContext(connection) as ctx:
            rows.insert(events)
        return [q["sql"] for q in ctx.captured_queries], events

    (first, a), (second, b) = two_notes("một"), two_notes("hai")
    if connection.vendor == "postgresql":
        assert first == second and len(first) == 1
    assert [e.note for e in CampaignEvent.objects.filter(pk__in=[x.pk for x in a + b]).order_by("pk")] == [
        "một 0", "một 1", "hai 0", "hai 1"]
