"""Guards read the rule set in force on the day of the transition.

The migration seeds a rule set from 01/07/2025 (committee of 3, 5 members).
Here the administrator adds one from 01/03/2027 (``CHANGE``) raising a value:
the change applies from that day, not the day before, and not retroactively
to a campaign that was prepared before it.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, CampaignEvent, RuleSet
from workflows.campaigns.selectors import rules_in_force
from workflows.core import clock
from workflows.core.errors import GuardNotMet

CHANGE = dt.date(2027, 3, 1)
DAY_BEFORE = CHANGE - dt.timedelta(days=1)


@pytest.fixture
def stricter_members(db):
    return RuleSet.objects.create(name="Điều lệ sửa đổi", effective_from=CHANGE, min_members=7)


@pytest.fixture
def stricter_committee(db):
    return RuleSet.objects.create(name="Điều lệ sửa đổi", effective_from=CHANGE, min_committee=4)


def numbers_in(error) -> list[int]:
    return sorted(int(n) for n in re.findall(r"\d+", " ".join(error.messages)))


def with_applications(world, count: int) -> Campaign:
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE,
                           enterprise=EnterpriseFactory(responsible_unit=world.district))
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=count)
    return campaign


def with_committee(world, size: int) -> Campaign:
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED,
                           enterprise=EnterpriseFactory(responsible_unit=world.district))
    services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
        services.CommitteeMemberData(f"Công nhân {i}") for i in range(size)])
    return campaign


def hold_congress(world, campaign) -> Campaign:
    return services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=world.officer,
                                        data={"congress_on": clock.today()})


def form_committee(world, campaign) -> Campaign:
    return services.campaign_transition(campaign_id=campaign.pk, name="form_committee", actor=world.officer)


def test_the_rule_set_in_force_changes_on_its_effective_date(stricter_members):
    # when / then
    assert rules_in_force(on=DAY_BEFORE).min_members == 5
    assert rules_in_force(on=CHANGE).min_members == 7
    assert rules_in_force(on=CHANGE + dt.timedelta(days=400)).min_members == 7


def test_five_applications_pass_the_day_before_the_change(world, stricter_members):
    # given / when
    with clock.travel_to(DAY_BEFORE):
        campaign = with_applications(world, 5)
        hold_congress(world, campaign)

    # then
    campaign.refresh_from_db()
    assert campaign.stage == Stage.FOUNDING_CONGRESS


def test_five_applications_fail_from_the_change(world, stricter_members):
    # given
    with clock.travel_to(CHANGE):
        campaign = with_applications(world, 5)
        events = CampaignEvent.objects.filter(campaign=campaign).count()

        # when
        with pytest.raises(GuardNotMet) as refused:
            hold_congress(world, campaign)

    # then: the message gives the 7 needed and the 5 there are
    assert numbers_in(refused.value) == [5, 7]
    campaign.refresh_from_db()
    assert campaign.stage == Stage.MOBILISING_COMMITTEE
    assert CampaignEvent.objects.filter(campaign=campaign).count() == events


def test_seven_applications_pass_from_the_change(world, stricter_members):
    # given / when
    with clock.travel_to(CHANGE):
        campaign = with_applications(world, 7)
        hold_congress(world, campaign)

    # then
    campaign.refresh_from_db()
    assert campaign.stage == Stage.FOUNDING_CONGRESS


def test_a_campaign_prepared_before_the_change_meets_the_new_rule_when_it_moves(world, stricter_members):
    # given: five applications were enough when they were recorded
    with clock.travel_to(DAY_BEFORE):
        campaign = with_applications(world, 5)

    # when: the congress is recorded on the day the rule changes
    with clock.travel_to(CHANGE), pytest.raises(GuardNotMet) as refused:
        hold_congress(world, campaign)

    # then
    assert numbers_in(refused.value) == [5, 7]
    campaign.refresh_from_db()
    assert campaign.stage == Stage.MOBILISING_COMMITTEE


def test_recognition_reads_the_new_minimum_from_the_change(world, stricter_members):
    # given: a congress held with seven applications
    with clock.travel_to(CHANGE):
        campaign = with_applications(world, 7)
        hold_congress(world, campaign)

        # when
        with pytest.raises(GuardNotMet) as refused:
            services.campaign_transition(campaign_id=campaign.pk, name="recognise", actor=world.supervisor, data={
                "decision_number": "3/QĐ-LĐLĐ", "decision_date": CHANGE, "admitted_members": 6})

    # then
    assert numbers_in(refused.value) == [6, 7]
    campaign.refresh_from_db()
    assert campaign.stage == Stage.FOUNDING_CONGRESS


def test_a_committee_of_three_passes_the_day_before_the_change(world, stricter_committee):
    # given / when
    with clock.travel_to(DAY_BEFORE):
        campaign = with_committee(world, 3)
        form_committee(world, campaign)

    # then
    campaign.refresh_from_db()
    assert campaign.stage == Stage.MOBILISING_COMMITTEE


def test_a_committee_of_three_fails_from_the_change(world, stricter_committee):
    # given
    with clock.travel_to(CHANGE):
        campaign = with_committee(world, 3)
        events = CampaignEvent.objects.filter(campaign=campaign).count()

        # when
        with pytest.raises(GuardNotMet) as refused:
            form_committee(world, campaign)

    # then
    assert numbers_in(refused.value) == [3, 4]
    campaign.refresh_from_db()
    assert campaign.stage == Stage.EMPLOYER_CONTACTED
    assert CampaignEvent.objects.filter(campaign=campaign).count() == events


def test_a_committee_of_four_passes_from_the_change(world, stricter_committee):
    # given / when
    with clock.travel_to(CHANGE):
        campaign = with_committee(world, 4)
        form_committee(world, campaign)

    # then
    campaign.refresh_from_db()
    assert campaign.stage == Stage.MOBILISING_COMMITTEE
