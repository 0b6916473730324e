"""Working groups (issue 14, item 4): supervisors manage the groups of their
units, administrators every group of their subtree: create, rename, close
(the open campaigns go to another group of the unit, or to none), members,
leader, collaborators with an end date."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.administration.staff import ROLES, build_scene, history, place, snapshot
from tests.conftest import campaign_at
from workflows.administration import services
from workflows.campaigns import services as campaign_services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Task, TaskStatus
from workflows.core import clock
from workflows.organisation import services as org
from workflows.organisation.models import ChangeAction, Profile, WorkingGroup, WorkingGroupUserObjectPermission
from workflows.organisation.permissions import scope_of

#: Who manages the groups of the district: its supervisor and the province's administrator.
MANAGERS = {"supervisor", "administrator"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def scene(world):
    return build_scene(world)


def newcomer(world, username="newcomer"):
    person = factories.UserFactory(username=username, first_name="Vũ Thị", last_name="Mai")
    place(world, person, world.district)
    return person


# --- permissions ---------------------------------------------------------------------------------
def _calls(world, actor, person):
    return [
        lambda: services.working_group_add(unit_id=world.district.pk, name="Tổ công tác số 3", actor=actor),
        lambda: org.working_group_rename(group_id=world.group.pk, name="Tổ công tác Từ Sơn", actor=actor),
        lambda: services.working_group_member_join(group_id=world.group.pk, person_id=person.pk, actor=actor),
        lambda: services.working_group_leader_choose(group_id=world.group.pk, leader_id=None, actor=actor),
        lambda: services.working_group_member_leave(group_id=world.group.pk, person_id=world.officer.pk,
                                                    actor=actor),
        lambda: services.working_group_close(group_id=world.other_group.pk, actor=actor, to_group_id=None),
    ]


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_supervisors_of_the_unit_and_its_administrators_manage_its_groups(scene, role):
    world, actor = scene.world, scene.user(role)
    person = newcomer(world)
    before = snapshot()

    for call in _calls(world, actor, person):
        if role in MANAGERS:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()

    assert (snapshot() == before) is (role not in MANAGERS)


def test_creating_a_group_with_its_leader_is_in_the_history(scene):
    world = scene.world
    person = newcomer(world)

    group = services.working_group_add(unit_id=world.district.pk, name="Tổ công tác số 3", actor=world.supervisor,
                                       leader_id=person.pk)

    assert (group.unit, group.leader, group.is_active) == (world.district, person, True)
    assert WorkingGroupUserObjectPermission.objects.filter(content_object=group, user=person).exists()
    assert history(working_group=group) == [
        ("supervisor", ChangeAction.GROUP_CREATED, "Working group “Tổ công tác số 3” created", {},
         {"name": "Tổ công tác số 3"}),
        ("supervisor", ChangeAction.ROLE_GRANTED, "Vũ Thị Mai: officer of “Tổ công tác số 3”", {},
         {"role": "work_in_group", "working_group": "Tổ công tác số 3"})]


def test_a_name_taken_in_the_unit_is_refused(scene):
    world = scene.world
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.working_group_add(unit_id=world.district.pk, name="Tổ công tác số 2", actor=world.supervisor)

    assert refused.value.messages == ["The unit already has a working group named “Tổ công tác số 2”."]
    assert snapshot() == before


def test_a_collaborator_joins_with_an_end_date_and_loses_access_after_it(scene):
    world = scene.world
    person = newcomer(world)
    end = clock.today() + dt.timedelta(days=30)

    services.working_group_member_join(group_id=world.group.pk, person_id=person.pk, actor=world.supervisor,
                                       collaborator=True, access_until=end)

    profile = Profile.objects.get(user=person)
    assert (profile.is_collaborator, profile.access_until) == (True, end)
    assert [row[1:] for row in history(person=person)][-3:] == [
        (ChangeAction.ROLE_GRANTED, "Vũ Thị Mai: officer of “Tổ công tác số 1”", {},
         {"role": "work_in_group", "working_group": "Tổ công tác số 1"}),
        (ChangeAction.PERSON_CHANGED, "Vũ Thị Mai is a collaborator", {"collaborator": False},
         {"collaborator": True}),
        (ChangeAction.PERSON_CHANGED, f"Access until {end:%d/%m/%Y}", {"access_until": None},
         {"access_until": end.isoformat()})]
    assert scope_of(person, fresh=True).groups == {world.group.pk}
    with clock.travel_to(end + dt.timedelta(days=1)):
        assert scope_of(person, fresh=True).groups == frozenset()


def test_a_collaborator_needs_an_end_date_not_in_the_past(scene):
    world = scene.world
    person = newcomer(world)
    before = snapshot()

    with pytest.raises(ValidationError) as missing:
        services.working_group_member_join(group_id=world.group.pk, person_id=person.pk, actor=world.supervisor,
                                           collaborator=True)
    with pytest.raises(ValidationError) as past:
        services.working_group_member_join(group_id=world.group.pk, person_id=person.pk, actor=world.supervisor,
                                           collaborator=True, access_until=clock.today() - dt.timedelta(days=1))

    assert missing.value.message_dict == {"access_until": ["A collaborator needs an end date."]}
    assert past.value.message_dict == {"access_until": ["The end date cannot be in the past."]}
    assert snapshot() == before


def test_the_leader_is_a_member(scene):
    world = scene.world
    before = snapshot()

    with pytest.raises(ValidationError):
        services.working_group_leader_choose(group_id=world.group.pk, leader_id=world.other_officer.pk,
                                             actor=world.supervisor)
    assert snapshot() == before

    services.working_group_member_join(group_id=world.group.pk, person_id=world.other_officer.pk,
                                       actor=world.supervisor)
    services.working_group_leader_choose(group_id=world.group.pk, leader_id=world.other_officer.pk,
                                         actor=world.supervisor)
    assert WorkingGroup.objects.get(pk=world.group.pk).leader == world.other_officer
    assert history(working_group=world.group)[-1][:3] == (
        "supervisor", ChangeAction.GROUP_LEADER, f"Leader of “Tổ công tác số 1”: {world.other_officer.get_full_name()}")


# --- closing a group ----------------------------------------------------------------------------------
@pytest.fixture
def group_work(scene):
    """Two open campaigns of ``group`` (one on hold) and an abandoned one;
    the officer holds one task, the rest wait in the queue."""
    world = scene.world
    first = campaign_at(world, Stage.SURVEYED)
    held = campaign_at(world, Stage.ON_HOLD, enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    ended = campaign_at(world, Stage.ABANDONED,
                        enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    taken = Task.objects.filter(campaign=first, status=TaskStatus.OPEN).order_by("pk").first()
    campaign_services.task_claim(task_id=taken.pk, actor=world.officer)
    return first, held, ended, taken


def test_closing_a_group_hands_its_open_campaigns_to_another_group_of_the_unit(scene, group_work):
    world = scene.world
    first, held, ended, taken = group_work
    versions = dict(Campaign.objects.values_list("pk", "version"))
    events = CampaignEvent.objects.count()

    closed = services.working_group_close(group_id=world.group.pk, actor=world.supervisor,
                                          to_group_id=world.other_group.pk)

    assert (closed.campaigns, closed.to_group, closed.group.is_active) == (2, world.other_group, False)
    groups = dict(Campaign.objects.values_list("pk", "working_group_id"))
    assert (groups[first.pk], groups[held.pk], groups[ended.pk]) == (
        world.other_group.pk, world.other_group.pk, world.group.pk)
    assert Campaign.objects.get(pk=first.pk).version == versions[first.pk] + 1
    open_tasks = Task.objects.filter(campaign__in=[first, held], status=TaskStatus.OPEN)
    assert set(open_tasks.values_list("working_group_id", flat=True)) == {world.other_group.pk}
    # the officer of the closed group may no longer hold the task: back to the new group's queue
    taken.refresh_from_db()
    assert taken.assignee_id is None
    assert list(CampaignEvent.objects.order_by("pk")[events:].values_list("campaign_id", "kind", "data")) == [
        (c.pk, EventKind.ASSIGNED, {"from_group": "Tổ công tác số 1", "to_group": "Tổ công tác số 2",
                                    "to_group_id": world.other_group.pk}) for c in sorted([first, held],
                                                                                        key=lambda c: c.pk)]
    assert history(working_group=world.group)[-1][:3] == (
        "supervisor", ChangeAction.GROUP_CLOSED, "Working group “Tổ công tác số 1” closed")
    assert scope_of(world.officer, fresh=True).groups == frozenset()


def test_closing_a_group_without_a_successor_group_leaves_the_campaigns_to_the_supervisors(scene, group_work):
    world = scene.world
    first, held, _ended, taken = group_work

    closed = services.working_group_close(group_id=world.group.pk, actor=world.administrator, to_group_id=None)

    assert closed.campaigns == 2
    assert list(Campaign.objects.filter(pk__in=[first.pk, held.pk]).values_list("working_group_id", flat=True)) == [
        None, None]
    assert set(Task.objects.filter(campaign__in=[first, held], status=TaskStatus.OPEN)
               .values_list("working_group_id", "assignee_id")) == {(None, None)}


def test_a_group_of_another_unit_does_not_take_the_campaigns(scene, group_work):
    world = scene.world
    elsewhere = factories.working_group(world.other_district, "Tổ Quế Võ", [], actor=world.admin)
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.working_group_close(group_id=world.group.pk, actor=world.administrator, to_group_id=elsewhere.pk)

    assert list(refused.value.message_dict) == ["to_group"]
    assert snapshot() == before


# --- pages ------------------------------------------------------------------------------------
def test_the_workload_page_links_to_the_groups_the_supervisor_manages(scene, client):
    world = scene.world
    client.force_login(world.supervisor)

    response = client.get(reverse("organisation:groups"))

    html = response.content.decode()
    assert reverse("administration:group", args=[world.group.pk]) in html
    assert reverse("administration:group", args=[world.other_group.pk]) in html


def test_the_groups_list_is_a_few_queries(scene, client, django_assert_max_num_queries):
    world = scene.world
    for n in range(3, 23):
        services.working_group_add(unit_id=world.district.pk, name=f"Tổ công tác số {n}", actor=world.administrator,
                                   leader_id=world.officer.pk)
    client.force_login(world.administrator)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("administration:groups"))

    assert response.status_code == 200
    assert len(response.context["page"]) == 22
    assert "Tổ Cà Mau" not in response.content.decode()


def test_the_group_page_adds_a_collaborator(scene, client):
    world = scene.world
    person = newcomer(world)
    client.force_login(world.supervisor)
    end = clock.today() + dt.timedelta(days=10)

    page = client.get(reverse("administration:group", args=[world.group.pk]))
    response = client.post(reverse("administration:member_add", args=[world.group.pk]), {
        "person": person.pk, "collaborator": "on", "access_until": end.strftime("%d/%m/%Y")})

    assert person.pk in [pk for pk, _label in page.context["candidates"]]
    assert response.status_code == 302
    assert Profile.objects.get(user=person).access_until == end
    members = client.get(reverse("administration:group", args=[world.group.pk])).context["members"]
    assert [(m.name, m.collaborator, m.access_until) for m in members if m.user_id == person.pk] == [
        ("Vũ Thị Mai", True, end)]


def test_the_close_page_offers_the_units_other_groups(scene, group_work, client):
    world = scene.world
    client.force_login(world.supervisor)

    page = client.get(reverse("administration:group_close", args=[world.group.pk]))
    response = client.post(reverse("administration:group_close", args=[world.group.pk]),
                           {"to_group": str(world.other_group.pk)})

    assert page.context["form"].fields["to_group"].choices == [
        (str(world.other_group.pk), "Tổ công tác số 2"), ("none", "Không tổ công tác nào (giám sát của đơn vị sẽ "
                                                                   "giao lại)")]
    assert response.status_code == 302
    assert not WorkingGroup.objects.get(pk=world.group.pk).is_active
