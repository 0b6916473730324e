"""Tasks: ad-hoc tasks, completing, claiming from the group's queue,
reassigning one by one and in bulk, and what happens to open tasks when a
campaign moves to another working group. Notifications leave by e-mail after
the commit (django-q2 runs jobs synchronously in the test settings)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent, EventKind, Task, TaskStatus
from workflows.core import clock
from workflows.core.errors import Conflict, DomainError


# --- helpers ---------------------------------------------------------------------
@pytest.fixture
def campaign(world):
    return campaign_at(world, Stage.SURVEYED)


def written() -> dict:
    """Every task and the number of events, re-read from the database."""
    return {
        "tasks": list(Task.objects.order_by("pk").values_list(
            "pk", "status", "assignee", "working_group", "closed_by", "closing_note")),
        "events": CampaignEvent.objects.count(),
    }


def label(user) -> str:
    return user.get_full_name()


def queue_of(campaign) -> list[Task]:
    return list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk"))


def numbers_in(text: str) -> list[int]:
    return sorted(int(n) for n in re.findall(r"\d+", text))


def campaign_in(world, group, unit=None, actor=None):
    """Another campaign of the district (or ``unit``), given to ``group``."""
    enterprise = EnterpriseFactory(responsible_unit=unit or world.district)
    return services.campaign_open(enterprise_id=enterprise.pk, actor=actor or world.supervisor,
                                  working_group_id=group.pk if group else None)


# --- task_add --------------------------------------------------------------------
def test_task_add_creates_an_ad_hoc_task_in_the_current_stage(world, campaign, colleague):
    # given
    due = clock.today() + dt.timedelta(days=3)
    events = CampaignEvent.objects.filter(campaign=campaign).count()

    # when
    task = services.task_add(campaign_id=campaign.pk, actor=world.officer, title="  Gọi điện   cho tổ trưởng ",
                             due_on=due, assignee_id=colleague.pk, description=" Hỏi lịch họp ")

    # then
    task = Task.objects.get(pk=task.pk)
    assert (task.campaign, task.stage, task.title, task.description, task.template) == (
        campaign, Stage.SURVEYED, "Gọi điện cho tổ trưởng", "Hỏi lịch họp", None)
    assert (task.assignee, task.working_group, task.due_on, task.status, task.created_by) == (
        colleague, world.group, due, TaskStatus.OPEN, world.officer)
    assert CampaignEvent.objects.filter(campaign=campaign).count() == events + 1
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.kind, event.actor, event.data) == (EventKind.TASK_ADDED, world.officer, {
        "task": task.pk, "title": "Gọi điện cho tổ trưởng", "due_on": due.isoformat(), "assignee": label(colleague)})


def test_task_add_without_assignee_goes_to_the_queue_and_may_be_due_today(world, campaign):
    # when
    task = services.task_add(campaign_id=campaign.pk, actor=world.supervisor, title="Chuẩn bị tài liệu",
                             due_on=clock.today())

    # then
    assert Task.objects.get(pk=task.pk).assignee is None


def test_task_add_refuses_a_past_due_date(world, campaign):
    # given
    before = written()

    # when
    with pytest.raises(ValidationError) as refused:
        services.task_add(campaign_id=campaign.pk, actor=world.officer, title="Gọi điện",
                          due_on=clock.today() - dt.timedelta(days=1))

    # then
    assert list(refused.value.message_dict) == ["due_on"]
    assert written() == before


def test_task_add_refuses_an_empty_title(world, campaign):
    # given
    before = written()

    # when
    with pytest.raises(ValidationError) as refused:
        services.task_add(campaign_id=campaign.pk, actor=world.officer, title="   ", due_on=clock.today())

    # then
    assert list(refused.value.message_dict) == ["title"]
    assert written() == before


def test_task_add_refuses_an_assignee_who_does_not_work_on_the_campaign(world, campaign):
    # given: the other officer belongs to another working group
    before = written()

    # when
    with pytest.raises(ValidationError) as refused:
        services.task_add(campaign_id=campaign.pk, actor=world.officer, title="Gọi điện", due_on=clock.today(),
                          assignee_id=world.other_officer.pk)

    # then: the message names them
    assert list(refused.value.message_dict) == ["assignee"]
    assert label(world.other_officer) in refused.value.message_dict["assignee"][0]
    assert written() == before


def test_task_add_refuses_a_campaign_on_hold(world):
    # given
    held = campaign_at(world, Stage.ON_HOLD)
    before = written()

    # when / then
    with pytest.raises(DomainError):
        services.task_add(campaign_id=held.pk, actor=world.officer, title="Gọi điện", due_on=clock.today())
    assert written() == before


def test_task_add_is_refused_to_an_officer_of_another_group(world, campaign):
    # given
    before = written()

    # when / then
    with pytest.raises(PermissionDenied):
        services.task_add(campaign_id=campaign.pk, actor=world.other_officer, title="Gọi điện", due_on=clock.today())
    assert written() == before


# --- task_complete ---------------------------------------------------------------
def test_task_complete_closes_the_task_once(world, campaign):
    # given
    task = queue_of(campaign)[0]

    # when
    services.task_complete(task_id=task.pk, actor=world.officer, note=" Đã xong ")

    # then
    task.refresh_from_db()
    assert (task.status, task.closed_by, task.closing_note) == (TaskStatus.DONE, world.officer, "Đã xong")
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.kind, event.data) == (EventKind.TASK_DONE, {"task": task.pk, "title": task.title})

    # when: completed again
    before = written()
    with pytest.raises(Conflict):
        services.task_complete(task_id=task.pk, actor=world.supervisor, note="Lần hai")

    # then
    assert written() == before


def test_task_complete_refuses_a_cancelled_task(world, campaign):
    # given
    task = queue_of(campaign)[0]
    services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)
    before = written()

    # when / then
    with pytest.raises(Conflict):
        services.task_complete(task_id=task.pk, actor=world.officer)
    assert written() == before


# --- task_claim ------------------------------------------------------------------
def test_task_claim_takes_a_task_from_the_queue_once(world, campaign, colleague):
    # given
    task = queue_of(campaign)[0]

    # when
    services.task_claim(task_id=task.pk, actor=world.officer)

    # then
    task.refresh_from_db()
    assert task.assignee == world.officer
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.kind, event.actor, event.data["from"], event.data["to_id"]) == (
        EventKind.TASK_REASSIGNED, world.officer, "", world.officer.pk)

    # when: a colleague tries to take it too
    before = written()
    with pytest.raises(Conflict) as refused:
        services.task_claim(task_id=task.pk, actor=colleague)

    # then: the message names who has it
    assert label(world.officer) in refused.value.message
    assert written() == before


def test_task_claim_is_refused_to_an_officer_of_another_group(world, campaign):
    # given
    task = queue_of(campaign)[0]
    before = written()

    # when / then
    with pytest.raises(PermissionDenied):
        services.task_claim(task_id=task.pk, actor=world.other_officer)
    assert written() == before


# --- task_reassign ---------------------------------------------------------------
def test_task_reassign_to_another_officer_of_the_group_notifies_them_after_commit(
        world, campaign, colleague, django_capture_on_commit_callbacks, mailoutbox):
    # given
    task = queue_of(campaign)[0]
    services.task_claim(task_id=task.pk, actor=world.officer)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=colleague.pk,
                               note="Anh Nam nghỉ phép")
        assert mailoutbox == []  # nothing leaves before the commit

    # then
    task.refresh_from_db()
    assert task.assignee == colleague
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.kind, event.actor, event.note, event.data) == (
        EventKind.TASK_REASSIGNED, world.supervisor, "Anh Nam nghỉ phép",
        {"task": task.pk, "title": task.title, "from": label(world.officer), "to": label(colleague),
         "to_id": colleague.pk})
    assert len(callbacks) == 1
    assert [mail.to for mail in mailoutbox] == [[colleague.email]]
    assert numbers_in(mailoutbox[0].subject) == [1]
    assert task.title in mailoutbox[0].body


def test_task_reassign_back_to_the_queue(world, campaign, django_capture_on_commit_callbacks, mailoutbox):
    # given
    task = queue_of(campaign)[0]
    services.task_claim(task_id=task.pk, actor=world.officer)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=None)

    # then: nobody to notify
    task.refresh_from_db()
    assert task.assignee is None
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.data["from"], event.data["to"], event.data["to_id"]) == (label(world.officer), "", None)
    assert mailoutbox == []


def test_task_reassign_refuses_someone_outside_the_campaign(world, campaign):
    # given
    task = queue_of(campaign)[0]
    before = written()

    # when
    with pytest.raises(ValidationError) as refused:
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=world.other_officer.pk)

    # then
    assert list(refused.value.message_dict) == ["assignee"]
    assert label(world.other_officer) in refused.value.message_dict["assignee"][0]
    assert written() == before


def test_task_reassign_refuses_the_same_assignment(world, campaign):
    # given
    task = queue_of(campaign)[0]
    services.task_claim(task_id=task.pk, actor=world.officer)
    before = written()

    # when / then
    with pytest.raises(DomainError):
        services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=world.officer.pk)
    assert written() == before


@pytest.mark.parametrize("role", ["officer", "other_supervisor", "manager"])
def test_only_supervisors_of_the_unit_reassign(world, campaign, colleague, role):
    # given
    task = queue_of(campaign)[0]
    before = written()

    # when / then
    with pytest.raises(PermissionDenied):
        services.task_reassign(task_id=task.pk, actor=world.user(role), assignee_id=colleague.pk)
    assert written() == before


# --- tasks_bulk_reassign ---------------------------------------------------------
@pytest.fixture
def officers_tasks(world, campaign):
    """The officer holds 5 open tasks in two campaigns and one done task."""
    second = campaign_in(world, world.group)
    tasks = queue_of(campaign) + queue_of(second)[:2]
    for task in tasks:
        services.task_claim(task_id=task.pk, actor=world.officer)
    done = queue_of(second)[2]
    services.task_claim(task_id=done.pk, actor=world.officer)
    services.task_complete(task_id=done.pk, actor=world.officer)
    return tasks, done


def test_bulk_reassign_moves_every_open_task_of_an_officer(
        world, colleague, officers_tasks, django_capture_on_commit_callbacks, mailoutbox):
    # given
    tasks, done = officers_tasks
    events = CampaignEvent.objects.filter(kind=EventKind.TASK_REASSIGNED).count()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = services.tasks_bulk_reassign(actor=world.supervisor, from_user_id=world.officer.pk,
                                              to_user_id=colleague.pk, note="Chuyển công tác")

    # then
    assert (result.moved, result.to_user_id) == (5, colleague.pk)
    assert list(Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("assignee", flat=True)) == \
        [colleague.pk] * 5
    assert Task.objects.get(pk=done.pk).assignee == world.officer
    moved_events = CampaignEvent.objects.filter(kind=EventKind.TASK_REASSIGNED).order_by("pk")[events:]
    assert sorted((e.campaign_id, e.actor, e.note, e.data["task"], e.data["from"], e.data["to"])
                  for e in moved_events) == sorted(
        (t.campaign_id, world.supervisor, "Chuyển công tác", t.pk, label(world.officer), label(colleague))
        for t in tasks)
    # one e-mail to the new assignee listing the five tasks
    assert [mail.to for mail in mailoutbox] == [[colleague.email]]
    assert numbers_in(mailoutbox[0].subject) == [5]
    assert len(mailoutbox[0].body.splitlines()) == 5


def test_bulk_reassign_moves_a_chosen_list(world, colleague, officers_tasks):
    # given
    tasks, _done = officers_tasks
    chosen, kept = tasks[:2], tasks[2:]
    events = CampaignEvent.objects.count()

    # when
    result = services.tasks_bulk_reassign(actor=world.supervisor, task_ids=[t.pk for t in chosen],
                                          to_user_id=colleague.pk)

    # then
    assert result.moved == 2
    assert list(Task.objects.filter(pk__in=[t.pk for t in chosen]).values_list("assignee", flat=True)) == \
        [colleague.pk] * 2
    assert list(Task.objects.filter(pk__in=[t.pk for t in kept]).values_list("assignee", flat=True)) == \
        [world.officer.pk] * 3
    assert CampaignEvent.objects.count() == events + 2


def test_bulk_reassign_of_an_officer_with_no_open_task_moves_nothing(world, colleague, campaign):
    # given
    before = written()

    # when
    result = services.tasks_bulk_reassign(actor=world.supervisor, from_user_id=world.officer.pk,
                                          to_user_id=colleague.pk)

    # then
    assert result.moved == 0
    assert written() == before


def test_bulk_reassign_moves_nothing_when_a_chosen_task_was_closed(world, colleague, officers_tasks):
    # given: one chosen task was completed meanwhile
    tasks, _done = officers_tasks
    services.task_complete(task_id=tasks[1].pk, actor=world.officer)
    before = written()

    # when
    with pytest.raises(Conflict) as refused:
        services.tasks_bulk_reassign(actor=world.supervisor, task_ids=[t.pk for t in tasks], to_user_id=colleague.pk)

    # then: the message counts the closed task
    assert numbers_in(refused.value.message) == [1]
    assert written() == before


def test_bulk_reassign_moves_nothing_when_a_chosen_task_is_out_of_scope(world, colleague, officers_tasks):
    # given: a task of a campaign of the other district
    tasks, _done = officers_tasks
    elsewhere = campaign_in(world, None, unit=world.other_district, actor=world.other_supervisor)
    foreign = queue_of(elsewhere)[0]
    before = written()

    # when / then
    with pytest.raises(PermissionDenied):
        services.tasks_bulk_reassign(actor=world.supervisor, task_ids=[tasks[0].pk, foreign.pk],
                                     to_user_id=colleague.pk)
    assert written() == before


def test_bulk_reassign_moves_nothing_when_the_recipient_does_not_work_one_campaign(world, colleague, officers_tasks):
    # given: a task of a campaign of the other working group, held by its officer
    tasks, _done = officers_tasks
    other = campaign_in(world, world.other_group)
    theirs = queue_of(other)[0]
    services.task_claim(task_id=theirs.pk, actor=world.other_officer)
    before = written()

    # when
    with pytest.raises(ValidationError) as refused:
        services.tasks_bulk_reassign(actor=world.supervisor, task_ids=[tasks[0].pk, theirs.pk],
                                     to_user_id=colleague.pk)

    # then: one campaign is out of the colleague's reach
    assert list(refused.value.message_dict) == ["assignee"]
    assert numbers_in(refused.value.message_dict["assignee"][0]) == [1]
    assert written() == before


def test_bulk_reassign_is_refused_to_an_officer(world, colleague, officers_tasks):
    # given
    before = written()

    # when / then
    with pytest.raises(PermissionDenied):
        services.tasks_bulk_reassign(actor=world.officer, from_user_id=world.officer.pk, to_user_id=colleague.pk)
    assert written() == before


# --- campaign_assign -------------------------------------------------------------
def test_assigning_another_group_moves_the_open_tasks_and_requeues_outsiders(
        world, campaign, django_capture_on_commit_callbacks, mailoutbox):
    # given: one task held by the officer, one by the supervisor, one done
    held_by_officer, held_by_supervisor, done = queue_of(campaign)
    services.task_claim(task_id=held_by_officer.pk, actor=world.officer)
    services.task_claim(task_id=held_by_supervisor.pk, actor=world.supervisor)
    services.task_complete(task_id=done.pk, actor=world.officer)
    version = campaign.version

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_assign(campaign_id=campaign.pk, working_group_id=world.other_group.pk,
                                 actor=world.supervisor, expected_version=version)

    # then
    campaign.refresh_from_db()
    assert (campaign.working_group, campaign.version) == (world.other_group, version + 1)
    rows = dict(Task.objects.filter(campaign=campaign).values_list("pk", "assignee"))
    groups = dict(Task.objects.filter(campaign=campaign).values_list("pk", "working_group"))
    assert rows == {held_by_officer.pk: None, held_by_supervisor.pk: world.supervisor.pk, done.pk: None}
    assert groups == {held_by_officer.pk: world.other_group.pk, held_by_supervisor.pk: world.other_group.pk,
                      done.pk: world.group.pk}
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.kind, event.data) == (EventKind.ASSIGNED, {
        "from_group": world.group.name, "to_group": world.other_group.name, "to_group_id": world.other_group.pk})
    # the new group's officers hear of it
    assert [mail.to for mail in mailoutbox] == [[world.other_officer.email]]


def test_assigning_with_a_stale_version_is_a_conflict(world, campaign):
    # given: the supervisor read the campaign, then an officer recorded counts
    read_version = campaign.version
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, workforce=300)
    before = written()

    # when / then
    with pytest.raises(Conflict):
        services.campaign_assign(campaign_id=campaign.pk, working_group_id=world.other_group.pk,
                                 actor=world.supervisor, expected_version=read_version)
    assert written() == before
    campaign.refresh_from_db()
    assert (campaign.working_group, campaign.version) == (world.group, read_version + 1)


# --- the receiver must be within the supervisor's reach (issue 12, #4) ------------
@pytest.mark.parametrize("how", ["one", "bulk"])
def test_a_supervisor_may_not_give_tasks_to_the_supervisor_above_him(world, campaign, province_supervisor, how):
    # given: the province's supervisor could hold the task (he supervises the campaign's unit)
    task = queue_of(campaign)[0]
    before = written()
    # when: the district's supervisor gives it to him anyway
    with pytest.raises(ValidationError) as refused:
        if how == "one":
            services.task_reassign(task_id=task.pk, actor=world.supervisor, assignee_id=province_supervisor.pk)
        else:
            services.tasks_bulk_reassign(actor=world.supervisor, to_user_id=province_supervisor.pk,
                                         task_ids=[task.pk])
    # then: refused on the receiver, nothing written
    assert refused.value.message_dict == {"assignee": [
        f"{label(province_supervisor)} không thuộc những người anh/chị được giao các công việc này."]}
    assert written() == before


def test_the_supervisor_above_may_give_tasks_to_the_districts_supervisor(world, campaign, province_supervisor):
    task = queue_of(campaign)[0]
    services.task_reassign(task_id=task.pk, actor=province_supervisor, assignee_id=world.supervisor.pk)
    task.refresh_from_db()
    assert task.assignee_id == world.supervisor.pk
