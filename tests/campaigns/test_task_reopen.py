"""Undoing a task's completion (issue 18): ``services.task_reopen`` — the
person who completed it, within ten minutes, while the task is still done
and the campaign has not moved; idempotent; recorded in the history. And
its view: POST with CSRF, the row back with htmx, the toast's refusal."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import campaign_at
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent, EventKind, Task, TaskDueCount, TaskStatus
from workflows.core import clock
from workflows.core.errors import Conflict, DomainError
from workflows.organisation import services as org

COMPLETED_AT = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def campaign(world):
    return campaign_at(world, Stage.SURVEYED)


def first_task(campaign) -> Task:
    return Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk").first()


def completed(task: Task, actor, at: dt.datetime = COMPLETED_AT) -> Task:
    with clock.travel_to(at):
        return services.task_complete(task_id=task.pk, actor=actor)


def written(campaign) -> dict:
    return {"tasks": list(Task.objects.filter(campaign=campaign).order_by("pk").values_list(
        "pk", "status", "closed_by", "closed_at", "done_on")),
        "events": list(CampaignEvent.objects.filter(campaign=campaign).values_list("pk", flat=True)),
        "open_tasks": sorted(TaskDueCount.objects.values_list("unit", "due_on", "open_tasks"))}


def refused(campaign, task, actor, *, after: dt.timedelta, error=DomainError) -> list[str]:
    """``actor``'s undo of ``task`` ``after`` its completion, refused with
    ``error`` and nothing written: the refusal's messages."""
    before = written(campaign)
    with clock.travel_to(COMPLETED_AT + after), pytest.raises(error) as refusal:
        services.task_reopen(task_id=task.pk, actor=actor)
    assert written(campaign) == before
    return refusal.value.messages


def test_the_officer_who_completed_a_task_reopens_it_within_ten_minutes(world, campaign):
    # given
    task = first_task(campaign)
    counts_before = written(campaign)["open_tasks"]
    completed(task, world.officer)

    # when: nine minutes and fifty-nine seconds later
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=9, seconds=59)):
        services.task_reopen(task_id=task.pk, actor=world.officer)

    # then: open as it was, the open-task counters back, both changes in the history
    task.refresh_from_db()
    assert (task.status, task.closed_by, task.closed_at, task.closing_note, task.done_on) == (
        TaskStatus.OPEN, None, None, "", None)
    assert written(campaign)["open_tasks"] == counts_before
    history = list(CampaignEvent.objects.filter(campaign=campaign, data__task=task.pk).order_by("at", "pk")
                   .values_list("kind", "actor", "data"))
    assert history == [
        (EventKind.TASK_DONE, world.officer.pk, {"task": task.pk, "title": task.title}),
        (EventKind.TASK_REOPENED, world.officer.pk, {"task": task.pk, "title": task.title}),
    ]


def test_after_ten_minutes_the_undo_is_refused_and_nothing_is_written(world, campaign):
    task = first_task(campaign)
    completed(task, world.officer)

    assert refused(campaign, task, world.officer, after=dt.timedelta(minutes=10, seconds=1)) == [
        translation.gettext("The undo is possible for %(minutes)d minutes after completing a task: "
                            "add a new task instead.") % {"minutes": 10}]


@pytest.mark.parametrize("who", ["supervisor", "other_officer_of_the_group"])
def test_only_who_completed_the_task_may_undo_it(world, campaign, colleague, who):
    task = first_task(campaign)
    completed(task, world.officer)
    other = world.supervisor if who == "supervisor" else colleague

    assert refused(campaign, task, other, after=dt.timedelta(minutes=1)) == [
        translation.gettext("Only the person who completed the task may undo it.")]


def test_once_the_campaign_has_moved_the_undo_is_refused(world, campaign):
    # given: a task completed, then the campaign advanced (its open tasks cancelled, new ones made)
    task = first_task(campaign)
    completed(task, world.officer)
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=2)):
        services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer,
                                         held_on=COMPLETED_AT.date(), outcome="supportive")
        services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)

    # when, then
    assert refused(campaign, task, world.officer, after=dt.timedelta(minutes=3), error=Conflict) == [
        translation.gettext("The campaign has moved since the task was completed: it cannot be reopened.")]


def test_a_campaign_put_on_hold_and_resumed_has_moved_too(world, campaign):
    task = first_task(campaign)
    completed(task, world.officer)
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1)):
        services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)
        services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=world.officer)

    assert refused(campaign, task, world.officer, after=dt.timedelta(minutes=2), error=Conflict) == [
        translation.gettext("The campaign has moved since the task was completed: it cannot be reopened.")]


@pytest.mark.parametrize("back_again", [False, True])
def test_once_the_campaign_was_given_to_another_working_group_the_undo_is_refused(world, campaign, back_again):
    # given: the officer works in both groups (so still sees the case); the task completed, then the
    # supervisor gives the campaign to the other group (its open tasks go with it) — and, maybe, back
    org.working_group_member_add(group=world.other_group, user=world.officer, actor=world.admin)
    task = first_task(campaign)
    completed(task, world.officer)
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1)):
        services.campaign_assign(campaign_id=campaign.pk, working_group_id=world.other_group.pk,
                                 actor=world.supervisor)
        if back_again:
            services.campaign_assign(campaign_id=campaign.pk, working_group_id=world.group.pk,
                                     actor=world.supervisor)

    # when, then: refused in words, nothing written (the task stays done, in the group it was done in)
    assert refused(campaign, task, world.officer, after=dt.timedelta(minutes=2), error=Conflict) == [
        translation.gettext("The campaign was given to another working group since the task was completed: "
                            "it cannot be reopened.")]
    task.refresh_from_db()
    assert (task.status, task.working_group_id) == (TaskStatus.DONE, world.group.pk)


def test_the_refusal_after_a_new_group_is_in_vietnamese_in_the_toast(client, world, campaign):
    org.working_group_member_add(group=world.other_group, user=world.officer, actor=world.admin)
    task = first_task(campaign)
    completed(task, world.officer)
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1)):
        services.campaign_assign(campaign_id=campaign.pk, working_group_id=world.other_group.pk,
                                 actor=world.supervisor)
    client.force_login(world.officer)

    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=2)):
        response = client.post(reverse("campaigns:task_reopen", args=[task.pk]), {"next": "/tasks/"},
                               HTTP_HX_REQUEST="true")

    with translation.override("vi"):
        refusal = translation.gettext("The campaign was given to another working group since the task was "
                                      "completed: it cannot be reopened.")
    assert response.status_code == 409
    assert refusal in response.content.decode()
    assert 'data-status="done"' in response.content.decode()


def test_undoing_twice_reopens_once(world, campaign):
    task = first_task(campaign)
    completed(task, world.officer)
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1)):
        services.task_reopen(task_id=task.pk, actor=world.officer)
    after_first = written(campaign)

    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1, seconds=5)):
        again = services.task_reopen(task_id=task.pk, actor=world.officer)

    assert again.status == TaskStatus.OPEN
    assert written(campaign) == after_first
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.TASK_REOPENED).count() == 1


def test_someone_outside_the_case_gets_a_not_found(world, campaign):
    task = first_task(campaign)
    completed(task, world.officer)
    before = written(campaign)
    client = Client()
    client.force_login(world.other_supervisor)

    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1)):
        response = client.post(reverse("campaigns:task_reopen", args=[task.pk]))

    assert response.status_code == 404
    assert written(campaign) == before


def test_the_view_needs_the_csrf_token(world, campaign):
    task = first_task(campaign)
    completed(task, world.officer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.officer)

    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1)):
        response = client.post(reverse("campaigns:task_reopen", args=[task.pk]))

    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_with_htmx_the_row_comes_back_open_and_a_refusal_goes_to_the_toast(client, world, campaign):
    task = first_task(campaign)
    client.force_login(world.officer)
    url = reverse("campaigns:task_reopen", args=[task.pk])

    # completing answers the done row and, out of band, the toast with the undo form
    with clock.travel_to(COMPLETED_AT):
        done = client.post(reverse("campaigns:task_complete", args=[task.pk]), {"next": "/tasks/"},
                           HTTP_HX_REQUEST="true")
    page = done.content.decode()
    assert done.status_code == 200
    assert 'data-status="done"' in page
    assert '<template><div id="toast" hx-swap-oob="innerHTML">' in page
    assert f'action="{url}"' in page and "data-undo" in page

    # the undo answers the open row
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=1)):
        reopened = client.post(url, {"next": "/tasks/"}, HTTP_HX_REQUEST="true")
    assert reopened.status_code == 200
    assert 'data-status="open"' in reopened.content.decode()

    # too late: 400, the row as it is (done) and the refusal in the toast
    completed(task, world.officer, at=COMPLETED_AT + dt.timedelta(minutes=2))
    with clock.travel_to(COMPLETED_AT + dt.timedelta(minutes=30)), translation.override("en"):
        late = client.post(url, {"next": "/tasks/"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    body = late.content.decode()
    assert late.status_code == 400
    assert 'data-status="done"' in body
    assert 'class="toast-body refused" role="alert"' in body


def test_without_htmx_completing_leads_back_with_the_undo_form(client, world, campaign):
    task = first_task(campaign)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:task_complete", args=[task.pk]), {"next": "/tasks/"}, follow=True)

    page = response.content.decode()
    assert response.redirect_chain == [("/tasks/", 302)]
    assert f'<form method="post" action="{reverse("campaigns:task_reopen", args=[task.pk])}" class="toast-action">' \
        in page
