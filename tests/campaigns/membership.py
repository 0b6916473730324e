"""Helpers of the membership tests: a campaign whose workers are entered by
name, driven through the services (``campaigns.register``) as an officer
would."""
from __future__ import annotations

import datetime as dt

from workflows.campaigns import register, services
from workflows.campaigns.flows import AbandonReason
from workflows.campaigns.models import Register
from workflows.core import clock
from workflows.people.services import WorkerData


def names_campaign(world, *, enterprise=None, workers: int = 0, prefix: str = "Công nhân"):
    """An open campaign (surveyed) with its workers by name; ``workers``
    entered, named ``{prefix} 01``… (returned in that order)."""
    enterprise = enterprise or world.enterprise
    campaign = services.campaign_open(enterprise_id=enterprise.pk, actor=world.supervisor,
                                      working_group_id=world.group.pk)
    register.register_set(campaign_id=campaign.pk, actor=world.officer, register=Register.NAMES)
    people = [add_worker(world, campaign, f"{prefix} {i:02d}", department="Tổ may 1" if i % 2 else "Tổ cắt")
              for i in range(1, workers + 1)]
    campaign.refresh_from_db()
    return campaign, people


def add_worker(world, campaign, name: str, *, department: str = "Tổ may 1", **fields):
    return register.worker_add(campaign_id=campaign.pk, actor=world.officer, data=WorkerData(
        full_name=name, department=department, birth_year=1995, gender="female", job="Công nhân may", **fields))


def apply(world, campaign, workers, *, on: dt.date | None = None):
    for worker in workers:
        register.application_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                                 applied_on=on or clock.today())


def to_committee(world, campaign, committee):
    """Meet the employer, choose the committee, form it."""
    today = clock.today()
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=today,
                                     outcome="supportive")
    services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer, data={})
    register.committee_choose(campaign_id=campaign.pk, actor=world.officer, worker_ids=[w.pk for w in committee],
                              head_id=committee[0].pk)
    services.campaign_transition(campaign_id=campaign.pk, name="form_committee", actor=world.officer, data={})


def to_congress(world, campaign, committee, applicants):
    """The committee formed, the applications made, the congress held (it
    admits every standing application)."""
    to_committee(world, campaign, committee)
    apply(world, campaign, applicants)
    services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=world.officer,
                                 data={"congress_on": clock.today()})
    campaign.refresh_from_db()
    return campaign


def recognise(world, campaign):
    services.campaign_transition(campaign_id=campaign.pk, name="recognise", actor=world.supervisor, data={
        "decision_number": "12/QĐ-LĐLĐ", "decision_date": clock.today()})
    campaign.refresh_from_db()
    return campaign


def abandon(world, campaign):
    services.campaign_transition(campaign_id=campaign.pk, name="abandon", actor=world.supervisor,
                                 data={"reason": AbandonReason.EMPLOYER_REFUSED})
    campaign.refresh_from_db()
    return campaign
