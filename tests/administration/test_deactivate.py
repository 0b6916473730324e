"""A person who leaves (issue 14, item 3): deactivated in one step, their
open tasks and waiting review steps handed to a chosen person or back to
the queues, their roles revoked, their history kept; reactivated later.
Collaborators whose end date passed are deactivated by the system each
morning."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from viewflow.workflow.status import STATUS

from tests import factories
from tests.administration.staff import ROLES, build_scene, history, place, snapshot
from tests.conftest import campaign_at, colleague_of
from tests.recognition.dossiers import submitted, waiting
from workflows.administration import jobs, services
from workflows.campaigns import services as campaign_services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent, EventKind, Task, TaskStatus
from workflows.core import clock
from workflows.organisation import services as org
from workflows.organisation.models import (
    ChangeAction,
    Profile,
    UnitUserObjectPermission,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import Role, scope_of
from workflows.recognition import services as review_services

User = get_user_model()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def scene(world):
    return build_scene(world)


@pytest.fixture
def colleague(scene):
    """A second officer of the officer's group, kept by the district."""
    person = colleague_of(scene.world)
    place(scene.world, person, scene.world.district)
    return person


@pytest.fixture
def officer_tasks(scene):
    """The officer took the open tasks of a campaign of their group."""
    world = scene.world
    campaign = campaign_at(world, Stage.SURVEYED)
    tasks = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk"))
    for task in tasks:
        campaign_services.task_claim(task_id=task.pk, actor=world.officer)
    return tasks


def assignees(tasks) -> list:
    return list(Task.objects.filter(pk__in=[t.pk for t in tasks]).order_by("pk").values_list("assignee_id",
                                                                                              flat=True))


# --- tasks -----------------------------------------------------------------------------------
def test_the_tasks_go_to_the_chosen_person_and_the_roles_are_revoked(scene, officer_tasks, colleague):
    world = scene.world
    events = CampaignEvent.objects.count()

    done = services.person_deactivate(person_id=world.officer.pk, actor=world.administrator,
                                      receiver_id=colleague.pk)

    officer = User.objects.get(pk=world.officer.pk)
    assert (done.open_tasks, done.review_steps, done.to_user_id) == (len(officer_tasks), 0, colleague.pk)
    assert len(officer_tasks) > 0
    assert assignees(officer_tasks) == [colleague.pk] * len(officer_tasks)
    assert not officer.is_active
    assert Profile.objects.get(user=officer).deactivated_on == clock.today()
    assert not WorkingGroupUserObjectPermission.objects.filter(user=officer).exists()
    assert scope_of(officer, fresh=True).is_empty
    moved = list(CampaignEvent.objects.order_by("pk")[events:].values_list("kind", "actor_id", "data"))
    assert moved == [(EventKind.TASK_REASSIGNED, world.administrator.pk, {
        "task": t.pk, "title": t.title, "from": officer.get_full_name(), "to": colleague.get_full_name(),
        "to_id": colleague.pk}) for t in officer_tasks]
    assert [row[:2] for row in history(person=officer)][-2:] == [
        ("administrator", ChangeAction.ROLE_REVOKED), ("administrator", ChangeAction.PERSON_DEACTIVATED)]
    assert history(person=officer)[-1][2:] == (
        f"{officer.get_full_name()} deactivated; 1 role(s) revoked", {"active": True},
        {"active": False, "on": clock.today().isoformat(), "roles_revoked": 1})


def test_the_tasks_go_back_to_the_group_queue(scene, officer_tasks):
    world = scene.world

    done = services.person_deactivate(person_id=world.officer.pk, actor=world.administrator, receiver_id=None)

    assert done.open_tasks == len(officer_tasks)
    assert assignees(officer_tasks) == [None] * len(officer_tasks)
    assert set(Task.objects.filter(pk__in=[t.pk for t in officer_tasks]).values_list("working_group_id",
                                                                                      flat=True)) == {world.group.pk}


def test_a_receiver_who_may_not_hold_the_tasks_is_refused_and_nothing_is_written(scene, officer_tasks):
    world = scene.world
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.person_deactivate(person_id=world.officer.pk, actor=world.administrator,
                                   receiver_id=world.other_officer.pk)  # another group's officer

    assert list(refused.value.message_dict) == ["receiver"]
    assert snapshot() == before


def test_a_receiver_the_administrator_does_not_keep_is_refused(scene, officer_tasks):
    world = scene.world
    before = snapshot()

    with pytest.raises(ValidationError):
        services.person_deactivate(person_id=world.officer.pk, actor=world.administrator,
                                   receiver_id=scene.far_supervisor.pk)

    assert snapshot() == before


def test_nobody_deactivates_themselves(scene):
    world = scene.world
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.person_deactivate(person_id=world.administrator.pk, actor=world.administrator, receiver_id=None)

    assert refused.value.messages == ["You cannot deactivate your own account: ask another administrator."]
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES[1:])
def test_only_an_administrator_of_the_person_deactivates_them(scene, officer_tasks, role):
    world, actor = scene.world, scene.user(role)
    before = snapshot()

    if role == "administrator":
        services.person_deactivate(person_id=world.officer.pk, actor=actor, receiver_id=None)
        assert snapshot() != before
        return
    with pytest.raises(PermissionDenied):
        services.person_deactivate(person_id=world.officer.pk, actor=actor, receiver_id=None)
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES[1:])
def test_only_an_administrator_of_the_person_reactivates_them(scene, role):
    world, actor = scene.world, scene.user(role)
    services.person_deactivate(person_id=world.officer.pk, actor=world.administrator, receiver_id=None)
    before = snapshot()

    if role == "administrator":
        services.person_enable(person_id=world.officer.pk, actor=actor)
        assert User.objects.get(pk=world.officer.pk).is_active
        assert history(person=world.officer)[-1] == (
            "administrator", ChangeAction.PERSON_REACTIVATED, f"{world.officer.get_full_name()} reactivated",
            {"active": False}, {"active": True})
        return
    with pytest.raises(PermissionDenied):
        services.person_enable(person_id=world.officer.pk, actor=actor)
    assert snapshot() == before


# --- review steps ----------------------------------------------------------------------------
@pytest.fixture
def verification(scene):
    """A dossier's verification taken by other_officer (an officer of the
    district free of the case); ``verifier``: another one."""
    world = scene.world
    verifier = factories.UserFactory(username="verifier", first_name="Phan Văn", last_name="Tâm")
    place(world, verifier, world.district)
    org.working_group_member_add(group=world.other_group, user=verifier, actor=world.admin)
    campaign = submitted(world)
    step = waiting(campaign, "verify")
    review_services.review_task_take(task_id=step.pk, actor=world.other_officer)
    return campaign, step, verifier


def test_a_taken_verification_goes_to_the_chosen_verifier(scene, verification):
    world = scene.world
    campaign, step, verifier = verification

    done = services.person_deactivate(person_id=world.other_officer.pk, actor=world.administrator,
                                      receiver_id=verifier.pk)

    step.refresh_from_db()
    assert (done.review_steps, step.owner_id, step.status) == (1, verifier.pk, STATUS.ASSIGNED)
    event = CampaignEvent.objects.filter(campaign=campaign).order_by("pk").last()
    assert (event.kind, event.actor, event.data) == (EventKind.TASK_REASSIGNED, world.administrator, {
        "title": "Verify the dossier", "from": world.other_officer.get_full_name(), "to": "Phan Văn Tâm"})


def test_a_taken_verification_goes_back_to_the_queue(scene, verification):
    world = scene.world
    _campaign, step, verifier = verification

    services.person_deactivate(person_id=world.other_officer.pk, actor=world.administrator, receiver_id=None)

    step.refresh_from_db()
    assert (step.owner_id, step.status) == (None, STATUS.NEW)
    # the remaining verifier may take it from the queue
    review_services.review_task_take(task_id=step.pk, actor=verifier)


def test_a_receiver_who_works_the_case_may_not_verify_it(scene, verification):
    world = scene.world
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.person_deactivate(person_id=world.other_officer.pk, actor=world.administrator,
                                   receiver_id=world.officer.pk)  # the case's officer: separation of duties

    assert list(refused.value.message_dict) == ["receiver"]
    assert snapshot() == before


def test_the_deactivation_page_lists_only_who_may_hold_everything(scene, officer_tasks, colleague, client):
    world = scene.world
    client.force_login(world.administrator)

    page = client.get(reverse("administration:person_deactivate", args=[world.officer.pk]))

    assert page.status_code == 200
    assert [task.pk for task in page.context["tasks"]] == [t.pk for t in sorted(
        officer_tasks, key=lambda t: (t.due_on, t.pk))]
    # the group's other officer and the district's supervisor; not the other group's officer, nor the
    # province's manager or administrator (no role that holds these tasks)
    assert sorted(pk for pk, _name in page.context["receivers"]) == sorted([colleague.pk, world.supervisor.pk])
    assert '<select name="receiver"' in page.content.decode()

    response = client.post(reverse("administration:person_deactivate", args=[world.officer.pk]),
                           {"receiver": str(world.supervisor.pk)})

    assert response.status_code == 302
    assert assignees(officer_tasks) == [world.supervisor.pk] * len(officer_tasks)


def test_the_deactivation_page_lists_the_first_tasks_and_hands_over_every_one(scene, officer_tasks, colleague,
                                                                             client, django_assert_num_queries):
    # An officer of a busy unit holds thousands of tasks: the page counts them
    # all, lists the first fifty by due day, and the hand-over moves them all.
    world = scene.world
    campaign = officer_tasks[0].campaign
    for n in range(55 - len(officer_tasks)):
        campaign_services.task_add(campaign_id=campaign.pk, actor=world.officer, title=f"Việc thêm {n}",
                                   due_on=clock.today() + dt.timedelta(days=30 + n), assignee_id=world.officer.pk)
    every = sorted(Task.objects.filter(assignee=world.officer, status=TaskStatus.OPEN), key=lambda t: (t.due_on, t.pk))
    assert len(every) == 55
    client.force_login(world.administrator)
    url = reverse("administration:person_deactivate", args=[world.officer.pk])

    with django_assert_num_queries(11):
        page = client.get(url)

    body = page.content.decode()
    assert page.status_code == 200
    assert [task.pk for task in page.context["tasks"]] == [t.pk for t in every[:50]]
    assert "<h2>55 công việc đang mở</h2>" in body  # the page is in Vietnamese
    assert body.count("<tr><td>") == 50
    assert "Và 5 việc nữa, hạn muộn hơn: cũng được bàn giao cùng các việc trên.</p>" in body
    # the administrator supervises none of the officer's groups: no link to their tasks page
    assert reverse("organisation:officer_tasks", args=[world.officer.pk]) not in body
    assert sorted(pk for pk, _name in page.context["receivers"]) == sorted([colleague.pk, world.supervisor.pk])

    response = client.post(url, {"receiver": str(colleague.pk)})

    assert response.status_code == 302
    assert assignees(every) == [colleague.pk] * 55


def test_the_deactivation_page_links_the_tasks_page_for_a_supervisor_of_the_person(scene, officer_tasks,
                                                                                  client):
    world = scene.world
    campaign = officer_tasks[0].campaign
    for n in range(51 - len(officer_tasks)):
        campaign_services.task_add(campaign_id=campaign.pk, actor=world.officer, title=f"Việc thêm {n}",
                                   due_on=clock.today() + dt.timedelta(days=30), assignee_id=world.officer.pk)
    org.unit_role_grant(unit=world.district, user=world.administrator, role=Role.SUPERVISOR, actor=world.admin)
    client.force_login(world.administrator)

    body = client.get(reverse("administration:person_deactivate", args=[world.officer.pk])).content.decode()

    tasks_page = reverse("organisation:officer_tasks", args=[world.officer.pk])
    assert (f'Và 1 việc nữa, hạn muộn hơn: cũng được bàn giao cùng các việc trên. <a href="{tasks_page}">'
            "Xem tất cả, từng trang một</a>") in body
    assert client.get(tasks_page).status_code == 200


def test_the_deactivation_page_refuses_a_receiver_not_listed(scene, officer_tasks, client):
    world = scene.world
    client.force_login(world.administrator)
    before = snapshot()

    response = client.post(reverse("administration:person_deactivate", args=[world.officer.pk]),
                           {"receiver": str(world.other_officer.pk)})

    assert response.status_code == 400
    assert snapshot() == before


def test_the_page_does_not_offer_to_deactivate_oneself(scene, client):
    world = scene.world
    from tests.administration.staff import place as keep

    keep(world, world.administrator, world.province)
    client.force_login(world.administrator)

    page = client.get(reverse("administration:person", args=[world.administrator.pk]))
    response = client.post(reverse("administration:person_deactivate", args=[world.administrator.pk]),
                           {"receiver": "queues"})

    assert page.context["can_deactivate"] is False
    assert response.status_code == 400
    assert User.objects.get(pk=world.administrator.pk).is_active


# --- collaborators whose end date passed ------------------------------------------------------
def test_the_morning_job_deactivates_collaborators_whose_access_ended(scene, officer_tasks):
    world = scene.world
    end = clock.today() + dt.timedelta(days=3)
    org.working_group_member_add(group=world.group, user=world.officer, actor=world.administrator,
                                 access_until=end, collaborator=True)

    with clock.travel_to(end):
        on_the_last_day = jobs.collaborators_expire()
    with clock.travel_to(end + dt.timedelta(days=1)):
        first = jobs.collaborators_expire()
        again = jobs.collaborators_expire()

    officer = User.objects.get(pk=world.officer.pk)
    assert (on_the_last_day, first, again) == (0, 1, 0)
    assert not officer.is_active
    assert assignees(officer_tasks) == [None] * len(officer_tasks)
    assert not WorkingGroupUserObjectPermission.objects.filter(user=officer).exists()
    assert [row[:2] for row in history(person=officer)][-2:] == [
        (None, ChangeAction.ROLE_REVOKED), (None, ChangeAction.PERSON_DEACTIVATED)]
    events = CampaignEvent.objects.filter(kind=EventKind.TASK_REASSIGNED, actor=None)
    assert events.count() == len(officer_tasks)


def test_a_person_whose_access_ended_holds_no_role_even_before_the_job(scene):
    world = scene.world
    org.working_group_member_add(group=world.group, user=world.officer, actor=world.administrator,
                                 access_until=clock.today(), collaborator=True)

    with clock.travel_to(clock.today() + dt.timedelta(days=1)):
        scope = scope_of(User.objects.get(pk=world.officer.pk))

    assert scope.is_empty


def test_the_supervisor_roles_of_someone_who_leaves_are_revoked_too(scene):
    world = scene.world

    services.person_deactivate(person_id=world.supervisor.pk, actor=world.administrator, receiver_id=None)

    assert not UnitUserObjectPermission.objects.filter(user=world.supervisor,
                                                       permission__codename=Role.SUPERVISOR).exists()


def test_a_correction_left_by_the_submitter_waits_for_those_who_work_the_case(scene, colleague):
    world = scene.world
    campaign = submitted(world)  # by the officer
    step = waiting(campaign, "verify")
    review_services.dossier_verify(task_id=step.pk, actor=world.other_officer, complete=False,
                                   comments="Thiếu biên bản kiểm phiếu.")
    correction = waiting(campaign, "correct")
    assert correction.owner_id == world.officer.pk

    done = services.person_deactivate(person_id=world.officer.pk, actor=world.administrator, receiver_id=None)

    correction.refresh_from_db()
    assert (done.review_steps, correction.owner_id, correction.status) == (1, None, STATUS.NEW)
    # the group's other officer resubmits the dossier from its page
    review_services.dossier_submit(campaign_id=campaign.pk, actor=colleague)
    assert waiting(campaign, "verify").owner_id is None


def test_a_correction_may_be_handed_to_someone_who_works_the_case(scene, colleague):
    world = scene.world
    campaign = submitted(world)
    review_services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer,
                                   complete=False, comments="Thiếu biên bản kiểm phiếu.")

    services.person_deactivate(person_id=world.officer.pk, actor=world.administrator, receiver_id=colleague.pk)

    assert waiting(campaign, "correct").owner_id == colleague.pk
