"""A step that waits longer than the rule set allows is escalated to the
supervisors of the recognising unit, once, when the job fires the review's
timers; limits are counted in working days (weekends and Tết are not)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from tests.factories import UserFactory, grant
from tests.recognition.dossiers import submitted, waiting
from workflows.campaigns.models import CampaignEvent, EventKind
from workflows.core import clock
from workflows.notifications.models import Notification, NotificationKind
from workflows.recognition import jobs, services
from workflows.recognition.flows import RecognitionFlow

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
#: Thursday before Tết 2026 (16–20/02 are days off).
BEFORE_TET = dt.date(2026, 2, 12)


def _timer(step_task) -> FlowTask:
    return FlowTask.objects.get(process_id=step_task.process_id, previous=step_task, flow_task_type="TIMER")


def _escalations() -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=NotificationKind.REVIEW_ESCALATED)
                  .values_list("recipient_id", "params__step"))


def test_a_verification_waiting_past_its_limit_escalates_once(world):
    province_supervisor = UserFactory(username="province_supervisor")
    grant(world.province, province_supervisor, "supervisor", actor=world.admin)
    with clock.travel_to(BEFORE_TET):
        campaign = submitted(world)
    verify = waiting(campaign, "verify")
    # five working days from Thursday 12/02: Friday 13, then 23–26 after Tết
    assert verify.data["due_on"] == "2026-02-26"
    timer = _timer(verify)
    assert (timer.flow_task, timer.status) == (RecognitionFlow.verify__timeout, STATUS.SCHEDULED)
    assert timer.scheduled == dt.datetime(2026, 2, 27, 7, 0, tzinfo=HANOI)

    # the job runs on a working day: the timer fires and the supervisors hear of it
    assert jobs.timers_fire(day="2026-02-27") == 1
    assert _escalations() == sorted([(world.supervisor.pk, "verify"), (province_supervisor.pk, "verify")])
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.DOSSIER_ESCALATED).count() == 1
    # the step goes on waiting for the verifiers
    assert waiting(campaign, "verify").pk == verify.pk
    # and the next runs escalate nothing more
    assert jobs.timers_fire(day="2026-02-27") == 0
    assert jobs.timers_fire(day="2026-03-02") == 0
    assert len(_escalations()) == 2


def test_nothing_is_escalated_on_a_weekend_or_a_holiday(world):
    with clock.travel_to(BEFORE_TET):
        submitted(world)
    assert jobs.timers_fire(day="2026-02-28") == 0  # Saturday
    assert jobs.timers_fire(day="2026-02-17") == 0  # Tết
    assert _escalations() == []
    assert jobs.timers_fire(day="2026-03-02") == 1  # Monday: fired now


def test_a_step_done_in_time_is_never_escalated(world):
    with clock.travel_to(BEFORE_TET):
        campaign = submitted(world)
        verify = waiting(campaign, "verify")
        services.dossier_verify(task_id=verify.pk, actor=world.other_officer, complete=True)
    assert _timer(verify).status == STATUS.CANCELED
    decide = waiting(campaign, "decide")
    assert _timer(decide).status == STATUS.SCHEDULED
    # the decision, still waiting past its own limit, is escalated; the verification is not
    assert jobs.timers_fire(day="2026-03-02") == 1
    assert _escalations() == [(world.supervisor.pk, "decide")]


def test_a_step_not_yet_due_waits(world):
    campaign = submitted(world)  # today: due in five working days
    assert _timer(waiting(campaign, "verify")).scheduled > clock.now()
    assert jobs.timers_fire(day=dt.date(2026, 3, 2)) == 0
    assert _escalations() == []
