"""Who may take which step: verification is for the officers of the
recognising unit, the decision for its supervisors — but not for whoever
prepared or submitted the dossier or works the case (here ``officer``, of
the campaign's group, who submits); everyone else gets 404 from the pages
and a refusal from the services, and nothing changes."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask

from tests.factories import UserFactory, grant, working_group
from tests.recognition.dossiers import submitted, waiting
from workflows.campaigns.models import Campaign, CampaignEvent
from workflows.notifications.models import Notification, NotificationKind
from workflows.organisation import services as org
from workflows.recognition import services
from workflows.recognition.models import Dossier, DossierDocument
from workflows.recognition.permissions import review_tasks_for_inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    """Besides the world's roles: an officer of the other district, and a
    supervisor of the province (above the recognising unit)."""
    far_officer = UserFactory(username="far_officer")
    working_group(world.other_district, "Tổ Quế Võ", [far_officer], actor=world.admin)
    province_supervisor = UserFactory(username="province_supervisor")
    grant(world.province, province_supervisor, "supervisor", actor=world.admin)
    return {"officer": world.officer, "other_officer": world.other_officer, "supervisor": world.supervisor,
            "other_supervisor": world.other_supervisor, "manager": world.manager, "far_officer": far_officer,
            "province_supervisor": province_supervisor}


def state():
    return (sorted(FlowTask.objects.values_list("pk", "status", "owner_id")),
            sorted(Dossier.objects.values_list("pk", "status", "version")), DossierDocument.objects.count(),
            CampaignEvent.objects.count(), sorted(Campaign.objects.values_list("pk", "stage", "version")))


VERIFIERS = {"other_officer"}
DECIDERS = {"supervisor", "province_supervisor"}


@pytest.mark.parametrize("role", ["officer", "other_officer", "supervisor", "other_supervisor", "manager",
                                  "far_officer", "province_supervisor"])
def test_only_officers_of_the_recognising_unit_take_the_verification(world, people, role):
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    inbox = set(review_tasks_for_inbox(people[role]).values_list("pk", flat=True))
    if role in VERIFIERS:
        assert inbox == {task.pk}
        services.review_task_take(task_id=task.pk, actor=people[role])
        assert waiting(campaign, "verify").owner_id == people[role].pk
    else:
        assert inbox == set()
        before = state()
        with pytest.raises(PermissionDenied):
            services.review_task_take(task_id=task.pk, actor=people[role])
        with pytest.raises(PermissionDenied):
            services.dossier_verify(task_id=task.pk, actor=people[role], complete=True)
        assert state() == before


@pytest.mark.parametrize("role", ["officer", "other_officer", "supervisor", "other_supervisor", "manager",
                                  "far_officer", "province_supervisor"])
def test_only_supervisors_of_the_recognising_unit_decide(world, people, role):
    campaign = submitted(world)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    task = waiting(campaign, "decide")
    inbox = set(review_tasks_for_inbox(people[role]).values_list("pk", flat=True))
    if role in DECIDERS:
        assert inbox == {task.pk}
        services.dossier_decide(task_id=task.pk, actor=people[role], approve=True, decision_number="7/QĐ",
                                decision_date=campaign.congress_on, admitted_members=5)
        assert Campaign.objects.get(pk=campaign.pk).stage == "recognised"
    else:
        assert inbox == set()
        before = state()
        with pytest.raises(PermissionDenied):
            services.dossier_decide(task_id=task.pk, actor=people[role], approve=True, decision_number="7/QĐ",
                                    decision_date=campaign.congress_on, admitted_members=5)
        with pytest.raises(PermissionDenied):
            services.review_task_take(task_id=task.pk, actor=people[role])
        assert state() == before


@pytest.mark.parametrize("role", ["officer", "other_officer", "other_supervisor", "manager", "far_officer"])
def test_the_review_pages_answer_404_to_whoever_may_not_act(client, world, people, role):
    campaign = submitted(world)
    verify = waiting(campaign, "verify")
    client.force_login(people[role])
    before = state()
    steps = [("recognition:decide", {"approve": "yes", "decision_number": "7/QĐ", "decision_date": "01/11/2026",
                                     "admitted_members": "5", "version": "1"}),
             ("recognition:reassign", {"to_user": str(world.officer.pk)})]
    if role not in VERIFIERS:
        steps += [("recognition:take", {}), ("recognition:verify", {"complete": "yes", "version": "1"})]
    for name, data in steps:
        response = client.post(reverse(name, args=[verify.pk]), data)
        assert response.status_code == 404, (name, response.status_code)
    assert state() == before
    # the dossier page itself: seen by whoever sees the campaign or verifies for its unit
    response = client.get(reverse("recognition:dossier", args=[campaign.pk]))
    assert response.status_code == (404 if role in ("other_supervisor", "far_officer") else 200)


def test_a_supervisor_hands_a_step_to_someone_who_may_take_it(world, people):
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    services.review_task_reassign(task_id=task.pk, actor=world.supervisor, to_user_id=world.other_officer.pk)
    assert waiting(campaign, "verify").owner_id == world.other_officer.pk
    handed = Notification.objects.get(recipient=world.other_officer, kind=NotificationKind.REVIEW_WAITING,
                                      key=f"review:{task.pk}:{world.other_officer.pk}")
    assert handed.params["step"] == "verify"
    # not to someone who may not verify
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.review_task_reassign(task_id=task.pk, actor=world.supervisor, to_user_id=world.manager.pk)
    assert refused.value.message_dict == {"to_user": ["This person may not take this step."]}
    # and not by an officer
    with pytest.raises(PermissionDenied):
        services.review_task_reassign(task_id=task.pk, actor=world.officer, to_user_id=world.officer.pk)
    assert state() == before
    # back to the queue
    services.review_task_reassign(task_id=task.pk, actor=world.supervisor, to_user_id=None)
    assert waiting(campaign, "verify").owner_id is None


def test_a_step_taken_by_someone_else_is_not_theirs_to_verify(world):
    colleague = UserFactory(username="colleague")
    org.working_group_member_add(group=world.other_group, user=colleague, actor=world.admin)
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    services.review_task_take(task_id=task.pk, actor=world.other_officer)
    from workflows.core.errors import Conflict

    with pytest.raises(Conflict) as refused:
        services.review_task_take(task_id=task.pk, actor=colleague)
    assert refused.value.message == f"{world.other_officer.get_full_name()} has already taken this step."
    with pytest.raises(Conflict):
        services.dossier_verify(task_id=task.pk, actor=colleague, complete=True)
    assert waiting(campaign, "verify").owner_id == world.other_officer.pk
