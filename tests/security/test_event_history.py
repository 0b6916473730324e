"""Campaign events cannot be updated or deleted: PostgreSQL refuses, not
only our code."""
import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from tests.conftest import campaign_at
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent


def test_the_model_refuses_to_change_an_event(world):
    event = campaign_at(world, Stage.SURVEYED).events.get()
    event.note = "sửa lại lịch sử"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE campaigns_campaignevent SET note = 'sửa lại lịch sử' WHERE id = %s",
    "DELETE FROM campaigns_campaignevent WHERE id = %s",
])
def test_postgresql_refuses_to_rewrite_history(world, statement):
    event = campaign_at(world, Stage.EMPLOYER_CONTACTED).events.order_by("pk").first()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])

    assert CampaignEvent.objects.get(pk=event.pk).note == event.note


@pytest.mark.postgres
def test_a_queryset_update_is_refused_too(world):
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CampaignEvent.objects.filter(campaign=campaign).update(note="x")
    assert CampaignEvent.objects.filter(campaign=campaign, note="x").count() == 0
