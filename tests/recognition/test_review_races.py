"""On PostgreSQL, with real threads and a real job worker: verifiers who
take the same step at once, and the review's timers fired by django-q2."""
from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django_q.models import OrmQ
from django_q.tasks import async_task
from viewflow.workflow.models import Task as FlowTask

from tests.campaigns.test_concurrency import _race
from tests.conftest import build_world
from tests.factories import UserFactory
from tests.notifications.workers import kill as _kill, start_worker, wait_for as _wait_for
from tests.recognition.dossiers import submitted, waiting
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.notifications.models import Notification, NotificationKind
from workflows.organisation import services as org
from workflows.recognition import services

User = get_user_model()

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("verifiers", [2, 8])
def test_verifiers_taking_the_same_step_at_once_one_gets_it(reference_data, verifiers):
    world = build_world()
    people = [world.other_officer]  # world.officer submits: not a verifier of her own dossier
    for n in range(verifiers - 1):
        person = UserFactory(username=f"kiemtra{n}")
        org.working_group_member_add(group=world.other_group, user=person, actor=world.admin)
        people.append(person)
    campaign = submitted(world)
    task = waiting(campaign, "verify")

    def take(user_id: int):
        with translation.override("en"):  # each thread has its own language
            return services.review_task_take(task_id=task.pk, actor=User.objects.get(pk=user_id))

    outcomes = _race([(lambda user_id=person.pk: take(user_id)) for person in people])

    winners = [o for o in outcomes if isinstance(o, FlowTask)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(winners), len(refused)) == (1, verifiers - 1), outcomes
    owner = User.objects.get(pk=winners[0].owner_id)
    assert {error.message for error in refused} == {f"{owner.get_full_name()} has already taken this step."}
    assert waiting(campaign, "verify").owner_id == owner.pk


def test_the_job_worker_fires_the_timers(reference_data, tmp_path):
    world = build_world()
    with clock.travel_to(dt.date(2026, 2, 12)):
        campaign = submitted(world)
    mail_record, log = tmp_path / "mail.txt", tmp_path / "worker.log"
    mail_record.touch()
    assert settings.Q_CLUSTER["orm"] == "default"
    async_task("workflows.recognition.jobs.timers_fire", day="2026-02-27", q_options={"sync": False})
    worker = start_worker("tests.notifications.worker_settings", mail_record, log)
    try:
        _wait_for(lambda: not OrmQ.objects.exists() and Notification.objects.filter(
            kind=NotificationKind.REVIEW_ESCALATED).exists(), timeout=60, what="the timer job", log=log, every=0.2)
    finally:
        _kill(worker)
    escalated = Notification.objects.filter(kind=NotificationKind.REVIEW_ESCALATED)
    assert list(escalated.values_list("recipient_id", "campaign_id")) == [(world.supervisor.pk, campaign.pk)]
