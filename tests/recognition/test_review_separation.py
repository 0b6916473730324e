"""Separation of duties in the review: whoever prepared the dossier
(uploaded a document) or submitted it, and the members of the working group
that works the case, may neither verify it nor decide it, are not told to,
and do not find it in their queue; when nobody else among the recognising
unit's officers may verify, the verification goes to the unit's
supervisors, and the dossier page says so.

The campaigns are worked by ``world.group`` (``officer``); ``other_officer``
is in the district's other group; ``supervisor`` supervises the district."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask

from tests.conftest import campaign_at
from tests.factories import UserFactory, grant
from tests.recognition.dossiers import fill, pdf, submitted, waiting
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import Campaign, CampaignEvent
from workflows.notifications.models import Notification, NotificationKind
from workflows.organisation import services as org
from workflows.recognition import notices, selectors, services
from workflows.recognition.models import Dossier, DossierDocument
from workflows.recognition.permissions import review_tasks_for_inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    """Besides the world's roles: a second member of the campaign's group
    (who did not submit), and a supervisor of the province."""
    group_member = UserFactory(username="group_member")
    org.working_group_member_add(group=world.group, user=group_member, actor=world.admin)
    province_supervisor = UserFactory(username="province_supervisor")
    grant(world.province, province_supervisor, "supervisor", actor=world.admin)
    return {"submitter": world.officer, "group_member": group_member, "verifier": world.other_officer,
            "supervisor": world.supervisor, "province_supervisor": province_supervisor}


def state():
    return (sorted(FlowTask.objects.values_list("pk", "status", "owner_id")),
            sorted(Dossier.objects.values_list("pk", "status", "version")), DossierDocument.objects.count(),
            CampaignEvent.objects.count(), sorted(Campaign.objects.values_list("pk", "stage", "version")),
            Notification.objects.count())


def invited(task) -> set[int]:
    return set(Notification.objects.filter(kind=NotificationKind.REVIEW_WAITING, key__startswith=f"review:{task.pk}:")
               .values_list("recipient_id", flat=True))


def inbox(user) -> set[int]:
    return set(review_tasks_for_inbox(user).values_list("pk", flat=True))


# --- verification ------------------------------------------------------------------
@pytest.mark.parametrize("role", ["submitter", "group_member"])
def test_who_submitted_or_works_the_case_may_not_verify(world, people, role):
    # given a dossier the officer of the campaign's group submitted
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    person = people[role]
    # then only the officer of the other group is invited and finds it in her queue
    assert invited(task) == {world.other_officer.pk}
    assert inbox(person) == set()
    assert inbox(world.other_officer) == {task.pk}
    # and the services refuse the submitter and her group, writing nothing
    before = state()
    with pytest.raises(PermissionDenied):
        services.review_task_take(task_id=task.pk, actor=person)
    with pytest.raises(PermissionDenied):
        services.dossier_verify(task_id=task.pk, actor=person, complete=True)
    with pytest.raises(ValidationError) as refused:
        services.review_task_reassign(task_id=task.pk, actor=world.supervisor, to_user_id=person.pk)
    assert refused.value.message_dict == {"to_user": ["This person may not take this step."]}
    assert state() == before


@pytest.mark.parametrize("role", ["submitter", "group_member"])
def test_the_pages_refuse_the_verification_to_who_submitted_or_works_the_case(client, world, people, role):
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    client.cookies["django_language"] = "en"
    client.force_login(people[role])
    # the page offers neither the step nor its form, and says why
    page = client.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode()
    assert 'id="verify-form"' not in page and reverse("recognition:take", args=[task.pk]) not in page
    assert 'id="separation-of-duties"' in page
    assert "you may neither verify it nor decide on it" in page
    # and a forged request is answered 404, writing nothing
    before = state()
    version = Dossier.objects.get(campaign=campaign).version
    assert client.post(reverse("recognition:take", args=[task.pk])).status_code == 404
    assert client.post(reverse("recognition:verify", args=[task.pk]),
                       {"complete": "yes", "version": version}).status_code == 404
    assert state() == before


def test_the_verifier_of_another_group_verifies(client, world, people):
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    client.force_login(world.other_officer)
    page = client.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode()
    assert 'id="verify-form"' in page and 'id="separation-of-duties"' not in page
    assert 'id="verified-by-supervisors"' not in page
    response = client.post(reverse("recognition:verify", args=[task.pk]),
                           {"complete": "yes", "version": Dossier.objects.get(campaign=campaign).version})
    assert response.status_code == 302
    assert waiting(campaign, "decide").owner_id is None


# --- nobody else in the unit: the supervisors verify --------------------------------------
@pytest.fixture
def alone(world, people):
    """The officer of the other group joined the campaign's group: nobody
    else in the district may verify."""
    org.working_group_member_add(group=world.group, user=world.other_officer, actor=world.admin)
    return submitted(world)


@pytest.mark.parametrize("role", ["submitter", "group_member", "verifier", "supervisor", "province_supervisor"])
def test_when_nobody_else_in_the_unit_may_verify_the_supervisors_do(world, people, alone, role):
    campaign, person = alone, people[role]
    task = waiting(campaign, "verify")
    assert invited(task) == {world.supervisor.pk, people["province_supervisor"].pk}
    if role in ("supervisor", "province_supervisor"):
        assert inbox(person) == {task.pk}
        services.review_task_take(task_id=task.pk, actor=person)
        services.dossier_verify(task_id=task.pk, actor=person, complete=True)
        assert waiting(campaign, "decide").owner_id is None
    else:
        assert inbox(person) == set()
        before = state()
        with pytest.raises(PermissionDenied):
            services.review_task_take(task_id=task.pk, actor=person)
        with pytest.raises(PermissionDenied):
            services.dossier_verify(task_id=task.pk, actor=person, complete=True)
        assert state() == before


def test_the_dossier_page_says_the_verification_went_to_the_supervisors(client, world, people, alone):
    task = waiting(alone, "verify")
    client.cookies["django_language"] = "en"
    client.force_login(world.supervisor)
    page = client.get(reverse("recognition:dossier", args=[alone.pk])).content.decode()
    assert 'id="verified-by-supervisors"' in page
    assert (f"Nobody else in {world.district.name} may verify this dossier: those who prepared or submitted it "
            "and the members of the working group that works the case may not. "
            "The verification goes to the unit's supervisors.") in page
    assert reverse("recognition:take", args=[task.pk]) in page
    # the hand-over offers the supervisors only
    assert selectors.people_for_step("verify", alone) == sorted(
        [(world.supervisor.pk, world.supervisor.get_full_name()),
         (people["province_supervisor"].pk, people["province_supervisor"].get_full_name())], key=lambda c: c[1])


# --- decision -----------------------------------------------------------------------
@pytest.fixture
def prepared_by_supervisor(world, people):
    """The district's supervisor replaced a document of the dossier and
    submitted it; the other group's officer verified it."""
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer)
    services.document_upload(campaign_id=campaign.pk, actor=world.supervisor, kind=DocumentKind.MEMBER_LIST,
                             upload=pdf("danh-sach.pdf"))
    services.dossier_submit(campaign_id=campaign.pk, actor=world.supervisor)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    return campaign


@pytest.mark.parametrize("role", ["supervisor", "province_supervisor"])
def test_who_prepared_the_dossier_may_not_decide(client, world, people, prepared_by_supervisor, role):
    campaign, person = prepared_by_supervisor, people[role]
    task = waiting(campaign, "decide")
    assert invited(task) == {people["province_supervisor"].pk}
    client.force_login(person)
    page = client.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode()
    if role == "province_supervisor":
        assert inbox(person) == {task.pk} and 'id="decide-form"' in page
        services.dossier_decide(task_id=task.pk, actor=person, approve=True, decision_number="7/QĐ",
                                decision_date=campaign.congress_on, admitted_members=5)
        assert Campaign.objects.get(pk=campaign.pk).stage == Stage.RECOGNISED
        return
    assert inbox(person) == set() and 'id="decide-form"' not in page and 'id="separation-of-duties"' in page
    before = state()
    with pytest.raises(PermissionDenied):
        services.dossier_decide(task_id=task.pk, actor=person, approve=True, decision_number="7/QĐ",
                                decision_date=campaign.congress_on, admitted_members=5)
    with pytest.raises(PermissionDenied):
        services.review_task_take(task_id=task.pk, actor=person)
    response = client.post(reverse("recognition:decide", args=[task.pk]), {
        "approve": "yes", "decision_number": "7/QĐ", "decision_date": campaign.congress_on.strftime("%d/%m/%Y"),
        "admitted_members": "5", "version": Dossier.objects.get(campaign=campaign).version})
    assert response.status_code == 404
    assert client.post(reverse("recognition:take", args=[task.pk])).status_code == 404
    assert state() == before


def test_an_escalation_is_not_sent_to_who_prepared_the_dossier(world, people, prepared_by_supervisor):
    task = waiting(prepared_by_supervisor, "decide")
    notices.review_escalate(dossier=Dossier.objects.get(campaign=prepared_by_supervisor), step_task=task)
    assert list(Notification.objects.filter(kind=NotificationKind.REVIEW_ESCALATED)
                .values_list("recipient_id", flat=True)) == [people["province_supervisor"].pk]
