"""Reminders and escalations fall on working days, counted in working days:
across a weekend, across Tết 2027 (04/02–10/02/2027, the ``holidays``
package), and never on a day off.

The job runs every calendar day, as the schedule does; the rule set of the
migrations reminds 2 working days before the due date and escalates a task 3
working days overdue; the surveyed stage is allowed 20 working days.
"""
from __future__ import annotations

import pytest

from tests.factories import UserFactory, grant
from tests.notifications.helpers import D, add_task, days, digests_of, quiet_campaign, run_on, task_reminders
from workflows.campaigns.models import RuleSet
from workflows.notifications import jobs
from workflows.notifications.models import Notification, Reminder

BEFORE, TODAY, ESCALATE = "before_due", "due_today", "escalation_overdue"


def test_across_a_weekend(world, django_capture_on_commit_callbacks):
    # given: tasks of the officer due on Monday 08/03/2027 and on Saturday 06/03
    campaign = quiet_campaign(world, on=D(2027, 3, 1))
    monday = add_task(world, campaign, on=D(2027, 3, 1), due=D(2027, 3, 8), assignee=world.officer)
    saturday = add_task(world, campaign, on=D(2027, 3, 1), due=D(2027, 3, 6), assignee=world.officer)

    # when: the job runs every day for two weeks
    for day in days(D(2027, 3, 1), D(2027, 3, 14)):
        run_on(day, django_capture_on_commit_callbacks)

    # then: two working days before (the weekend does not count), on the day,
    # and three working days late to the supervisor
    assert task_reminders(monday) == [
        (D(2027, 3, 4), BEFORE, "officer"),     # Thursday: Friday and Monday are left
        (D(2027, 3, 8), TODAY, "officer"),
        (D(2027, 3, 11), ESCALATE, "supervisor"),  # Tuesday, Wednesday, Thursday late
    ]
    # a task due on a Saturday is "due" on the Friday before it
    assert task_reminders(saturday) == [
        (D(2027, 3, 3), BEFORE, "officer"),
        (D(2027, 3, 5), TODAY, "officer"),
        (D(2027, 3, 10), ESCALATE, "supervisor"),  # Monday, Tuesday, Wednesday late
    ]
    # one overdue digest a working day once something is overdue
    assert digests_of(world.officer) == [D(2027, 3, 8), D(2027, 3, 9), D(2027, 3, 10), D(2027, 3, 11),
                                         D(2027, 3, 12)]
    # nothing at all on the weekends
    assert Reminder.objects.filter(day__in=[D(2027, 3, 6), D(2027, 3, 7), D(2027, 3, 13), D(2027, 3, 14)]).count() == 0
    # every reminder was delivered, each by one notification
    assert Reminder.objects.filter(delivered_at=None).count() == 0
    assert Reminder.objects.filter(notification=None).count() == 0


def test_across_tet_2027(world, django_capture_on_commit_callbacks):
    # given: a task due the day before Tết (Wednesday 03/02) and one due the
    # Friday after it (12/02)
    campaign = quiet_campaign(world, on=D(2027, 2, 1))
    before_tet = add_task(world, campaign, on=D(2027, 2, 1), due=D(2027, 2, 3), assignee=world.officer)
    after_tet = add_task(world, campaign, on=D(2027, 2, 1), due=D(2027, 2, 12), assignee=world.officer)

    # when
    for day in days(D(2027, 2, 1), D(2027, 2, 19)):
        run_on(day, django_capture_on_commit_callbacks)

    # then: the seven days of Tết count for nothing
    assert task_reminders(before_tet) == [
        (D(2027, 2, 1), BEFORE, "officer"),
        (D(2027, 2, 3), TODAY, "officer"),
        (D(2027, 2, 15), ESCALATE, "supervisor"),  # Thursday 11, Friday 12, Monday 15 late
    ]
    assert task_reminders(after_tet) == [
        (D(2027, 2, 3), BEFORE, "officer"),  # Thursday 11 and Friday 12 are left
        (D(2027, 2, 12), TODAY, "officer"),
        (D(2027, 2, 17), ESCALATE, "supervisor"),
    ]
    assert digests_of(world.officer) == [D(2027, 2, 11), D(2027, 2, 12), D(2027, 2, 15), D(2027, 2, 16),
                                         D(2027, 2, 17), D(2027, 2, 18), D(2027, 2, 19)]
    assert Reminder.objects.filter(day__range=(D(2027, 2, 4), D(2027, 2, 10))).count() == 0


def test_a_campaign_that_overruns_its_stage_across_tet_is_escalated_once(world, django_capture_on_commit_callbacks):
    # given: a campaign surveyed since Wednesday 13/01/2027 (20 working days allowed)
    campaign = quiet_campaign(world, on=D(2027, 1, 13))

    # when: the job runs every day up to the end of February
    for day in days(D(2027, 2, 1), D(2027, 2, 28)):
        run_on(day, django_capture_on_commit_callbacks)

    # then: the 21st working day after it entered the stage is Thursday 18/02
    # (Tết pushes it a week later), and the supervisor hears of it that day only
    stalled = Reminder.objects.filter(kind="escalation_stalled")
    assert list(stalled.values_list("day", "campaign", "recipient__username")) == [
        (D(2027, 2, 18), campaign.pk, "supervisor")]
    notification = stalled.get().notification
    assert (notification.recipient, notification.kind, notification.params["count"]) == (
        world.supervisor, "escalation_stalled", 1)
    assert notification.params["campaigns"][0]["since"] == "2027-01-13"


def test_escalations_reach_the_supervisors_of_the_unit_and_above_only(world, django_capture_on_commit_callbacks):
    # given: a supervisor of the province above the district, and the other
    # district's supervisor
    head = UserFactory(username="province_supervisor")
    grant(world.province, head, "supervisor", actor=world.admin)
    campaign = quiet_campaign(world, on=D(2027, 3, 1))
    task = add_task(world, campaign, on=D(2027, 3, 1), due=D(2027, 3, 1), assignee=world.officer)

    # when: three working days later
    run_on(D(2027, 3, 4), django_capture_on_commit_callbacks)

    # then
    assert task_reminders(task) == [(D(2027, 3, 4), ESCALATE, "province_supervisor"),
                                    (D(2027, 3, 4), ESCALATE, "supervisor")]


def test_a_queue_task_reminds_every_officer_of_the_group(world, django_capture_on_commit_callbacks):
    # given: a second officer; a task waiting in the group's queue
    from tests.conftest import colleague_of

    colleague_of(world)
    campaign = quiet_campaign(world, on=D(2027, 3, 1))
    task = add_task(world, campaign, on=D(2027, 3, 1), due=D(2027, 3, 3))

    # when
    run_on(D(2027, 3, 1), django_capture_on_commit_callbacks)
    run_on(D(2027, 3, 3), django_capture_on_commit_callbacks)

    # then
    assert task_reminders(task) == [(D(2027, 3, 1), BEFORE, "colleague"), (D(2027, 3, 1), BEFORE, "officer"),
                                    (D(2027, 3, 3), TODAY, "colleague"), (D(2027, 3, 3), TODAY, "officer")]


def test_the_rule_set_says_how_early_and_how_late(world, django_capture_on_commit_callbacks):
    # given: a rule set from 01/03/2027 that reminds 5 working days ahead and
    # escalates after 1 working day
    RuleSet.objects.create(name="Hướng dẫn 2027", effective_from=D(2027, 3, 1), remind_before_due=5,
                           escalate_overdue_after=1)
    campaign = quiet_campaign(world, on=D(2027, 3, 1))
    task = add_task(world, campaign, on=D(2027, 3, 1), due=D(2027, 3, 8), assignee=world.officer)

    # when
    for day in days(D(2027, 3, 1), D(2027, 3, 12)):
        run_on(day, django_capture_on_commit_callbacks)

    # then
    assert task_reminders(task) == [(D(2027, 3, 1), BEFORE, "officer"), (D(2027, 3, 8), TODAY, "officer"),
                                    (D(2027, 3, 9), ESCALATE, "supervisor")]


@pytest.mark.parametrize("day", [D(2027, 3, 6), D(2027, 3, 7), D(2027, 2, 8), D(2027, 4, 30), D(2027, 9, 2)],
                         ids=["saturday", "sunday", "tet", "reunification-day", "national-day"])
def test_nothing_is_sent_on_a_day_off(world, django_capture_on_commit_callbacks, mailoutbox, day):
    # given: an overdue task and one due that day
    campaign = quiet_campaign(world, on=D(2027, 1, 4), enterprise=world.enterprise)
    add_task(world, campaign, on=D(2027, 1, 4), due=D(2027, 1, 5), assignee=world.officer)
    add_task(world, campaign, on=D(2027, 1, 4), due=day, assignee=world.officer)

    # when
    run = run_on(day, django_capture_on_commit_callbacks)
    sent = jobs.digests_send(day=day)

    # then
    assert (run.working_day, run.delivered, run.notifications, sent) == (False, 0, 0, 0)
    assert Reminder.objects.count() == 0
    assert Notification.objects.count() == 0
    assert mailoutbox == []
