"""Assignment and reassignment notify the new assignee (in the app and by
e-mail, after the commit), never the previous one; a notification job that
runs again notifies nobody twice."""
from __future__ import annotations

import pytest

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent, EventKind, Task, TaskStatus
from workflows.core import clock
from workflows.notifications import jobs as notification_jobs, services as notifications
from workflows.notifications.models import EmailStatus, Notification


@pytest.fixture
def campaign(world):
    return campaign_at(world, Stage.SURVEYED)


def queue_of(campaign) -> list[Task]:
    return list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk"))


def received() -> list[tuple[str, str]]:
    return list(Notification.objects.order_by("pk").values_list("recipient__username", "kind"))


def test_reassigning_a_task_notifies_the_new_assignee_not_the_old_one(
        world, campaign, colleague, django_capture_on_commit_callbacks, mailoutbox):
    # given: the officer holds the task
    task = queue_of(campaign)[0]
    services.task_claim(task_id=task.pk, actor=world.officer)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=colleague.pk)

    # then
    assert received() == [("colleague", "task_assigned")]
    assert [m.to for m in mailoutbox] == [[colleague.email]]
    notification = Notification.objects.get()
    assert (notification.task, notification.campaign, notification.params["count"], notification.email_status) == (
        task, campaign, 1, EmailStatus.SENT)
    assert notification.params["tasks"][0]["title"] == task.title


def test_a_retried_job_notifies_nobody_twice(world, campaign, colleague, django_capture_on_commit_callbacks,
                                            mailoutbox):
    # given
    task = queue_of(campaign)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=colleague.pk)
    event = CampaignEvent.objects.filter(kind=EventKind.TASK_REASSIGNED).latest("pk")

    # when: the worker runs the same job again
    again = notification_jobs.notify_task_assigned(task.pk, event.pk)

    # then
    assert again == 0
    assert received() == [("colleague", "task_assigned")]
    assert len(mailoutbox) == 1


def test_a_job_for_an_assignment_overtaken_by_another_notifies_nobody(world, campaign, colleague,
                                                                     django_capture_on_commit_callbacks, mailoutbox):
    # given: the task went to the colleague, then (before the first job ran) to the officer
    task = queue_of(campaign)[0]
    services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=colleague.pk)
    first = CampaignEvent.objects.filter(kind=EventKind.TASK_REASSIGNED).latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=world.officer.pk)

    # when: the first job runs late
    late = notification_jobs.notify_task_assigned(task.pk, first.pk)

    # then: only the officer, who holds the task, was told
    assert late == 0
    assert received() == [("officer", "task_assigned")]
    assert [m.to for m in mailoutbox] == [[world.officer.email]]


def test_bulk_reassignment_notifies_the_new_assignee_once(world, campaign, colleague,
                                                         django_capture_on_commit_callbacks, mailoutbox):
    # given: the officer holds the campaign's three tasks
    tasks = queue_of(campaign)
    for task in tasks:
        services.task_claim(task_id=task.pk, actor=world.officer)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.tasks_bulk_reassign(actor=world.supervisor, from_user_id=world.officer.pk, to_user_id=colleague.pk)
    first_event = CampaignEvent.objects.filter(kind=EventKind.TASK_REASSIGNED, actor=world.supervisor).earliest("pk")
    again = notification_jobs.notify_tasks_assigned(colleague.pk, [t.pk for t in tasks], first_event.pk)

    # then: one notification listing the three tasks; the officer hears nothing
    assert again == 0
    assert received() == [("colleague", "task_assigned")]
    notification = Notification.objects.get()
    assert (notification.params["count"], sorted(t["id"] for t in notification.params["tasks"])) == (
        3, sorted(t.pk for t in tasks))
    assert [m.to for m in mailoutbox] == [[colleague.email]]
    assert len(mailoutbox[0].body.splitlines()) == 3


def test_adding_a_task_for_someone_notifies_them_but_not_the_one_who_adds_it(
        world, campaign, colleague, django_capture_on_commit_callbacks, mailoutbox):
    # when: the officer adds one for the colleague and one for themself
    with django_capture_on_commit_callbacks(execute=True):
        services.task_add(campaign_id=campaign.pk, actor=world.officer, title="Gặp tổ trưởng",
                          due_on=clock.today(), assignee_id=colleague.pk)
        services.task_add(campaign_id=campaign.pk, actor=world.officer, title="Gọi điện",
                          due_on=clock.today(), assignee_id=world.officer.pk)

    # then
    assert received() == [("colleague", "task_assigned")]
    assert [m.to for m in mailoutbox] == [[colleague.email]]


def test_assigning_a_campaign_notifies_the_new_group_not_the_old_one(world, campaign,
                                                                    django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_assign(campaign_id=campaign.pk, working_group_id=world.other_group.pk,
                                 actor=world.supervisor)

    # then
    assert received() == [("other_officer", "campaign_assigned")]
    assert [m.to for m in mailoutbox] == [[world.other_officer.email]]
    assert Notification.objects.get().params == {"enterprise": campaign.enterprise.name,
                                                 "group": world.other_group.name}


def test_turning_email_off_keeps_the_assignment_in_the_app(world, campaign, colleague,
                                                          django_capture_on_commit_callbacks, mailoutbox):
    # given
    notifications.preference_set(user=colleague, email="off")
    task = queue_of(campaign)[0]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=colleague.pk)

    # then
    assert received() == [("colleague", "task_assigned")]
    assert mailoutbox == []


def test_a_stage_change_notifies_the_group_but_not_who_made_it(world, colleague, django_capture_on_commit_callbacks,
                                                               mailoutbox):
    # given
    campaign = services.campaign_open(enterprise_id=EnterpriseFactory(responsible_unit=world.district).pk,
                                      actor=world.supervisor, working_group_id=world.group.pk)
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                     outcome="supportive")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)

    # then
    assert received() == [("colleague", "stage_changed")]
    assert [m.to for m in mailoutbox] == [[colleague.email]]
