"""Opening a campaign: one open campaign per enterprise, none for an
enterprise that already has its grassroots union."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import AbandonReason, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, StageTaskTemplate, Task, TaskStatus
from workflows.core import clock
from workflows.core.errors import DomainError

OPEN_CAMPAIGN_MESSAGE = Campaign._meta.constraints[0].violation_error_message


def counts() -> tuple[int, int, int]:
    return Campaign.objects.count(), CampaignEvent.objects.count(), Task.objects.count()


def test_opening_starts_at_surveyed_with_one_event_and_the_surveyed_tasks(world):
    # given: a Monday
    monday = dt.date(2027, 3, 1)

    # when
    with clock.travel_to(monday):
        campaign = services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                                          working_group_id=world.group.pk, note="Khảo sát ban đầu")

    # then
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert (campaign.stage, campaign.version, campaign.held_stage) == (Stage.SURVEYED, 0, "")
    assert (campaign.responsible_unit, campaign.working_group) == (world.district, world.group)
    assert campaign.workforce == world.enterprise.workforce
    assert campaign.opened_at == campaign.stage_entered_at
    assert campaign.closed_at is None
    events = list(CampaignEvent.objects.filter(campaign=campaign).values_list("kind", "from_stage", "to_stage",
                                                                              "actor", "note"))
    assert events == [(EventKind.OPENED, "", Stage.SURVEYED, world.supervisor.pk, "Khảo sát ban đầu")]
    templates = StageTaskTemplate.objects.filter(stage=Stage.SURVEYED).order_by("order")
    tasks = list(Task.objects.filter(campaign=campaign).order_by("template__order"))
    assert [(t.template_id, t.title, t.stage, t.status, t.working_group_id, t.assignee_id) for t in tasks] == [
        (tpl.pk, tpl.title, Stage.SURVEYED, TaskStatus.OPEN, world.group.pk, None) for tpl in templates]
    # 5 and 10 working days after Monday 01/03/2027
    assert [t.due_on for t in tasks] == [dt.date(2027, 3, 8), dt.date(2027, 3, 15), dt.date(2027, 3, 15)]


def test_opening_without_a_working_group_leaves_the_tasks_unassigned(world):
    # when
    campaign = services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor)

    # then
    assert campaign.working_group is None
    assert list(Task.objects.filter(campaign=campaign).values_list("working_group", flat=True)) == [None] * 3


@pytest.mark.parametrize("stage", [Stage.SURVEYED, Stage.FOUNDING_CONGRESS, Stage.ON_HOLD], ids=str)
def test_a_second_open_campaign_for_the_enterprise_is_refused(world, stage):
    # given
    campaign_at(world, stage)
    before = counts()

    # when
    with pytest.raises(DomainError) as refused:
        services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                               working_group_id=world.group.pk)

    # then: the same message the database constraint gives, and nothing written
    assert refused.value.messages == [str(OPEN_CAMPAIGN_MESSAGE)]
    assert counts() == before


def test_after_the_campaign_is_abandoned_a_new_one_may_open(world):
    # given
    first = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    services.campaign_transition(campaign_id=first.pk, name="abandon", actor=world.supervisor,
                                 data={"reason": AbandonReason.EMPLOYER_REFUSED})

    # when
    second = services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                                    working_group_id=world.group.pk)

    # then
    assert second.pk != first.pk
    assert list(Campaign.objects.filter(enterprise=world.enterprise).order_by("pk").values_list("stage", flat=True)) \
        == [Stage.ABANDONED, Stage.SURVEYED]


def test_an_enterprise_with_a_union_is_refused(world):
    # given
    enterprise = EnterpriseFactory(responsible_unit=world.district, has_union=True, name="Công ty TNHH Hải Hà")
    before = counts()

    # when
    with pytest.raises(DomainError) as refused:
        services.campaign_open(enterprise_id=enterprise.pk, actor=world.supervisor)

    # then
    assert "Công ty TNHH Hải Hà" in refused.value.message
    assert counts() == before


def test_an_enterprise_whose_campaign_was_recognised_is_refused(world):
    # given
    campaign_at(world, Stage.RECOGNISED)
    before = counts()

    # when
    with pytest.raises(DomainError) as refused:
        services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor)

    # then
    assert world.enterprise.name in refused.value.message
    assert counts() == before


def test_the_database_refuses_a_second_open_campaign_row(world):
    # given
    first = campaign_at(world, Stage.ON_HOLD)
    before = counts()

    # when: a raw row bypasses the service (only to test the constraint itself)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(enterprise=world.enterprise, responsible_unit=world.district,
                                opened_at=clock.now(), stage_entered_at=clock.now())

    # then
    assert counts() == before
    assert list(Campaign.objects.filter(enterprise=world.enterprise).values_list("pk", flat=True)) == [first.pk]
