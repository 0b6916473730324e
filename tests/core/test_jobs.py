"""A job asked for by a change is queued with it (``core.jobs.after_commit``):
with the ORM broker its row is written in the change's own transaction —
it commits with the change or not at all, and the request pays no second
commit; with Redis, or jobs run synchronously (the tests' settings), it is
queued after the commit. The real worker that then runs such a job is in
tests/notifications/test_worker_kill.py and tests/webhooks."""
from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from workflows.campaigns import services
from workflows.campaigns.models import CampaignEvent, EventKind
from workflows.core import clock, jobs

pytestmark = pytest.mark.django_db

NOTIFY = "workflows.notifications.jobs.notify_stage_changed"


@pytest.fixture
def orm_broker(monkeypatch):
    """The production default: the ORM broker on this database, jobs run by a worker."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    monkeypatch.setattr(Conf, "BROKER_CLASS", None)


def meet_and_move(world, campaign):
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                     outcome="supportive")
    return services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)


def test_with_the_orm_broker_a_move_s_notification_is_written_in_its_transaction(world, orm_broker,
                                                                                  django_capture_on_commit_callbacks):
    campaign = services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                                      working_group_id=world.group.pk)
    OrmQ.objects.all().delete()
    with (django_capture_on_commit_callbacks() as after, CaptureQueriesContext(connection) as queries,
          transaction.atomic()):
        meet_and_move(world, campaign)
        queued = list(OrmQ.objects.all())  # before the commit, in the same transaction
    event = CampaignEvent.objects.get(campaign=campaign, kind=EventKind.STAGE, to_stage="employer_contacted")
    assert [(job.task["func"], job.task["args"]) for job in queued] == [(NOTIFY, (event.pk,))]
    assert sum('INSERT INTO "django_q_ormq"' in q["sql"] for q in queries.captured_queries) == 1
    assert after == []  # nothing left for after the commit
    assert OrmQ.objects.count() == 1


def test_with_the_orm_broker_a_move_that_rolls_back_queues_nothing(world, orm_broker):
    campaign = services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                                      working_group_id=world.group.pk)
    OrmQ.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        meet_and_move(world, campaign)
        assert OrmQ.objects.count() == 1
        raise RuntimeError("the request fails after the move")
    assert OrmQ.objects.count() == 0
    assert not CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.STAGE).exists()


@pytest.mark.parametrize("setting, value", [("SYNC", True), ("BROKER_CLASS", "project.redis_broker.LeasedRedis")])
def test_with_jobs_run_synchronously_or_on_redis_they_are_queued_after_the_commit(
        world, orm_broker, monkeypatch, setting, value, django_capture_on_commit_callbacks):
    monkeypatch.setattr(Conf, setting, value)
    campaign = services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                                      working_group_id=world.group.pk)
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks() as after:
        meet_and_move(world, campaign)
    assert OrmQ.objects.count() == 0
    assert len(after) == 1  # the notification, queued by the callback


def test_outside_a_transaction_it_is_queued_after_the_commit(orm_broker, monkeypatch):
    monkeypatch.setattr(transaction, "get_autocommit", lambda using=None: True)
    assert jobs.in_transaction() is False


def test_the_row_written_in_the_transaction_is_django_q2_s_own(world, orm_broker):
    OrmQ.objects.all().delete()
    with transaction.atomic():
        before = timezone.now()
        jobs.after_commit(NOTIFY, 41, note="một")
    (row,) = OrmQ.objects.all()
    assert (row.key, row.task["func"], row.task["args"], row.task["kwargs"]) == (Conf.CLUSTER_NAME, NOTIFY, (41,),
                                                                                  {"note": "một"})
    assert before <= row.lock <= timezone.now() and row.task["id"] and row.task["name"]
