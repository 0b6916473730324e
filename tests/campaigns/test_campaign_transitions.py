"""Every transition of the campaign state machine, through the services.

Legal transitions with their guard met succeed and write exactly one "stage"
event; illegal ones raise IllegalTransition, unmet guards raise GuardNotMet
saying why, a stale ``expected_stage`` raises Conflict, and none of the
refusals writes anything.

The rule set seeded by migration is in force: a committee of at least 3 and at
least 5 members (applications before the congress, admitted at recognition).
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import campaign_at
from workflows.campaigns import flows, services
from workflows.campaigns.flows import AbandonReason, MeetingOutcome, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Task
from workflows.core import clock
from workflows.core.errors import Conflict, GuardNotMet, IllegalTransition
from workflows.enterprises.models import Enterprise
from workflows.organisation.models import Unit

ALL_STAGES = list(Stage)
FORWARD = {
    Stage.SURVEYED: Stage.EMPLOYER_CONTACTED,
    Stage.EMPLOYER_CONTACTED: Stage.MOBILISING_COMMITTEE,
    Stage.MOBILISING_COMMITTEE: Stage.FOUNDING_CONGRESS,
}
#: The forward step into each stage (the other stages have none: no such transition).
ADVANCE_INTO = {
    Stage.EMPLOYER_CONTACTED: "contact_employer",
    Stage.MOBILISING_COMMITTEE: "form_committee",
    Stage.FOUNDING_CONGRESS: "hold_congress",
}


def advance(world, campaign, to, *, actor=None, expected_stage=None, congress_on=None):
    """Take the forward step into ``to`` with the guard data recorded before
    (and the congress date, for the congress)."""
    services.campaign_transition(campaign_id=campaign.pk, name=ADVANCE_INTO.get(to, f"advance_to_{to}"),
                                 actor=actor or world.officer, expected_stage=expected_stage,
                                 data={"congress_on": congress_on} if to == Stage.FOUNDING_CONGRESS else {})


def recognise(world, campaign, *, expected_stage=None, **decision):
    services.campaign_transition(campaign_id=campaign.pk, name="recognise", actor=world.supervisor,
                                 data=decision, expected_stage=expected_stage)


def abandon(world, campaign, *, expected_stage=None, **data):
    services.campaign_transition(campaign_id=campaign.pk, name="abandon", actor=world.supervisor, data=data,
                                 expected_stage=expected_stage)


# --- helpers ---------------------------------------------------------------------
def written(campaign_id: int) -> dict:
    """Everything a transition could write, re-read from the database."""
    campaign = Campaign.objects.get(pk=campaign_id)
    return {
        "stage": campaign.stage,
        "held_stage": campaign.held_stage,
        "version": campaign.version,
        "stage_entered_at": campaign.stage_entered_at,
        "closed_at": campaign.closed_at,
        "recognised_unit": campaign.recognised_unit_id,
        "abandon_reason": campaign.abandon_reason,
        "congress_on": campaign.congress_on,
        "decision_number": campaign.decision_number,
        "events": CampaignEvent.objects.filter(campaign_id=campaign_id).count(),
        "tasks": sorted(Task.objects.filter(campaign_id=campaign_id).values_list("pk", "status", "closing_note")),
        "units": Unit.objects.count(),
        "has_union": Enterprise.objects.get(pk=campaign.enterprise_id).has_union,
    }


def numbers_in(error) -> list[int]:
    """The numbers a refusal's messages mention, whatever the language."""
    return sorted(int(n) for n in re.findall(r"\d+", " ".join(error.messages)))


def meet_forward_guard(world, campaign) -> None:
    """Record what the forward step out of the campaign's stage needs."""
    if campaign.stage == Stage.SURVEYED:
        services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                         outcome=MeetingOutcome.SUPPORTIVE)
    elif campaign.stage == Stage.EMPLOYER_CONTACTED:
        services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
            services.CommitteeMemberData(f"Công nhân {i}") for i in range(3)])
    elif campaign.stage == Stage.MOBILISING_COMMITTEE:
        services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=5)


def campaign_held_at(world, stage: str) -> Campaign:
    campaign = campaign_at(world, stage)
    services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)
    campaign.refresh_from_db()
    return campaign


def stage_events(campaign) -> list[tuple[str, str]]:
    return list(CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.STAGE)
                .order_by("pk").values_list("from_stage", "to_stage"))


# --- legal transitions -----------------------------------------------------------
@pytest.mark.parametrize("source", list(FORWARD), ids=str)
def test_advance_with_guard_met_moves_one_stage_and_records_one_event(world, source):
    # given
    campaign = campaign_at(world, source)
    meet_forward_guard(world, campaign)
    before = written(campaign.pk)
    stage_events_before = stage_events(campaign)

    # when
    advance(world, campaign, FORWARD[source], expected_stage=source, congress_on=clock.today())

    # then
    after = written(campaign.pk)
    assert after["stage"] == FORWARD[source]
    assert after["version"] == before["version"] + 1
    assert after["events"] == before["events"] + 1
    assert stage_events(campaign) == stage_events_before + [(source, FORWARD[source])]
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.kind, event.actor) == (EventKind.STAGE, world.officer)


def test_advance_to_the_congress_records_the_congress_date(world):
    # given
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    meet_forward_guard(world, campaign)
    yesterday = clock.today() - dt.timedelta(days=1)

    # when
    advance(world, campaign, Stage.FOUNDING_CONGRESS, congress_on=yesterday)

    # then
    campaign.refresh_from_db()
    assert campaign.congress_on == yesterday
    event = CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.STAGE).latest("pk")
    assert event.data == {"congress_on": yesterday.isoformat(), "days_in_stage": 0}


def test_recognise_closes_the_campaign_and_creates_the_grassroots_union_once(world):
    # given
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    before = written(campaign.pk)

    # when
    recognise(world, campaign, decision_number=" 45/QĐ-LĐLĐ ", decision_date=clock.today(), admitted_members=6,
              expected_stage=Stage.FOUNDING_CONGRESS)

    # then
    after = written(campaign.pk)
    campaign.refresh_from_db()
    assert after["stage"] == Stage.RECOGNISED
    assert after["version"] == before["version"] + 1
    assert after["events"] == before["events"] + 1
    assert stage_events(campaign)[-1] == (Stage.FOUNDING_CONGRESS, Stage.RECOGNISED)
    assert campaign.closed_at == campaign.stage_entered_at
    assert (campaign.decision_number, campaign.decision_date, campaign.admitted_members) == (
        "45/QĐ-LĐLĐ", clock.today(), 6)
    assert after["units"] == before["units"] + 1
    union = campaign.recognised_unit
    assert Unit.objects.get_parent(union) == world.district
    assert union.kind.is_grassroots is True
    enterprise = Enterprise.objects.get(pk=campaign.enterprise_id)
    assert (enterprise.has_union, enterprise.union_unit) == (True, union)

    # and a second recognition is refused without creating another unit
    with pytest.raises(IllegalTransition):
        recognise(world, campaign, decision_number="46/QĐ-LĐLĐ", decision_date=clock.today(), admitted_members=6)
    assert written(campaign.pk) == after


@pytest.mark.parametrize("source", flows.WORKING_STAGES, ids=str)
def test_hold_from_a_working_stage_remembers_the_stage(world, source):
    # given
    campaign = campaign_at(world, source)
    before = written(campaign.pk)

    # when
    services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer, expected_stage=source,
                                 data={"note": "Tạm dừng"})

    # then
    after = written(campaign.pk)
    assert (after["stage"], after["held_stage"]) == (Stage.ON_HOLD, source)
    assert after["version"] == before["version"] + 1
    assert after["events"] == before["events"] + 1
    assert after["closed_at"] is None
    assert stage_events(campaign)[-1] == (source, Stage.ON_HOLD)


@pytest.mark.parametrize("held", flows.WORKING_STAGES, ids=str)
def test_resume_returns_to_the_held_stage(world, held):
    # given
    campaign = campaign_held_at(world, held)
    before = written(campaign.pk)

    # when
    services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=world.officer,
                                 expected_stage=Stage.ON_HOLD)

    # then
    after = written(campaign.pk)
    assert (after["stage"], after["held_stage"]) == (held, "")
    assert after["version"] == before["version"] + 1
    assert after["events"] == before["events"] + 1
    assert stage_events(campaign)[-1] == (Stage.ON_HOLD, held)


@pytest.mark.parametrize("source", flows.OPEN_STAGES, ids=str)
def test_abandon_from_an_open_stage_closes_the_campaign(world, source):
    # given
    campaign = campaign_at(world, source)
    before = written(campaign.pk)

    # when
    abandon(world, campaign, reason=AbandonReason.ENTERPRISE_DISSOLVED, expected_stage=source)

    # then
    after = written(campaign.pk)
    campaign.refresh_from_db()
    assert (after["stage"], after["held_stage"]) == (Stage.ABANDONED, "")
    assert after["abandon_reason"] == AbandonReason.ENTERPRISE_DISSOLVED
    assert after["version"] == before["version"] + 1
    assert after["events"] == before["events"] + 1
    assert campaign.closed_at == campaign.stage_entered_at
    assert stage_events(campaign)[-1] == (source, Stage.ABANDONED)


def test_abandon_for_another_reason_with_a_note(world):
    # given
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    # when
    abandon(world, campaign, reason=AbandonReason.OTHER, note="  Doanh nghiệp chuyển địa điểm ra tỉnh khác  ")

    # then
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.abandon_reason, campaign.abandon_note) == (
        Stage.ABANDONED, AbandonReason.OTHER, "Doanh nghiệp chuyển địa điểm ra tỉnh khác")
    assert stage_events(campaign)[-1] == (Stage.EMPLOYER_CONTACTED, Stage.ABANDONED)


# --- illegal transitions ---------------------------------------------------------
def _advance(to):
    def call(world, campaign):
        advance(world, campaign, to, actor=world.supervisor, congress_on=clock.today())
    call.__name__ = f"advance_to_{to}"
    return call


def _hold(world, campaign):
    services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.supervisor)


def _resume(world, campaign):
    services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=world.supervisor)


def _abandon(world, campaign):
    abandon(world, campaign, reason=AbandonReason.EMPLOYER_REFUSED)


def _recognise(world, campaign):
    recognise(world, campaign, decision_number="7/QĐ-LĐLĐ", decision_date=clock.today(), admitted_members=5)


ILLEGAL = (
    [(source, _advance(to)) for source in ALL_STAGES for to in ALL_STAGES if FORWARD.get(source) != to]
    + [(source, _hold) for source in (Stage.ON_HOLD, Stage.RECOGNISED, Stage.ABANDONED)]
    + [(source, _resume) for source in flows.WORKING_STAGES + flows.CLOSED_STAGES]
    + [(source, _abandon) for source in flows.CLOSED_STAGES]
    + [(source, _recognise) for source in ALL_STAGES if source != Stage.FOUNDING_CONGRESS]
)


@pytest.mark.parametrize(("source", "move"), ILLEGAL, ids=[f"{s}-{m.__name__.strip('_')}" for s, m in ILLEGAL])
def test_illegal_transition_is_refused_and_writes_nothing(world, source, move):
    # given: a campaign at ``source`` whose forward guard is met, so that only legality refuses
    campaign = campaign_at(world, source)
    meet_forward_guard(world, campaign)
    before = written(campaign.pk)

    # when / then
    with pytest.raises(IllegalTransition):
        move(world, campaign)
    assert written(campaign.pk) == before


# --- guards not met --------------------------------------------------------------
def test_contacting_the_employer_needs_a_recorded_meeting(world):
    # given
    campaign = campaign_at(world, Stage.SURVEYED)
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        advance(world, campaign, Stage.EMPLOYER_CONTACTED)

    # then
    assert refused.value.messages == [flows.employer_meeting_recorded(campaign, flows.Rules())]
    assert written(campaign.pk) == before


@pytest.mark.parametrize("members", [0, 2])
def test_forming_the_committee_needs_the_minimum_committee(world, members):
    # given
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    if members:
        services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
            services.CommitteeMemberData(f"Công nhân {i}") for i in range(members)])
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        advance(world, campaign, Stage.MOBILISING_COMMITTEE)

    # then: the message gives the 3 needed and the number there is
    assert len(refused.value.messages) == 1
    assert numbers_in(refused.value) == sorted([3, members])
    assert written(campaign.pk) == before


def test_the_congress_needs_the_minimum_applications(world):
    # given
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=4)
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        advance(world, campaign, Stage.FOUNDING_CONGRESS, congress_on=clock.today())

    # then
    assert len(refused.value.messages) == 1
    assert numbers_in(refused.value) == [4, 5]
    assert written(campaign.pk) == before


def test_the_congress_needs_its_date(world):
    # given
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    meet_forward_guard(world, campaign)
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        advance(world, campaign, Stage.FOUNDING_CONGRESS, congress_on=None)

    # then
    assert refused.value.messages == [flows.congress_date_recorded(campaign, flows.Rules())]
    assert written(campaign.pk) == before


def test_the_congress_refused_lists_every_unmet_guard(world):
    # given: 2 applications and no date
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=2)
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        advance(world, campaign, Stage.FOUNDING_CONGRESS)

    # then
    assert len(refused.value.messages) == 2
    assert refused.value.messages[1] == flows.congress_date_recorded(campaign, flows.Rules())
    assert numbers_in(refused.value) == [2, 5]
    assert written(campaign.pk) == before


def test_the_congress_cannot_be_dated_in_the_future(world):
    # given
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    meet_forward_guard(world, campaign)
    before = written(campaign.pk)

    # when / then: a date still to come is an input error, not a guard
    with pytest.raises(ValidationError):
        advance(world, campaign, Stage.FOUNDING_CONGRESS, congress_on=clock.today() + dt.timedelta(days=1))
    assert written(campaign.pk) == before


def test_recognition_needs_the_minimum_admitted_members(world):
    # given
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        recognise(world, campaign, decision_number="8/QĐ-LĐLĐ", decision_date=clock.today(), admitted_members=4)

    # then: no grassroots union, the enterprise still has none
    assert len(refused.value.messages) == 1
    assert numbers_in(refused.value) == [4, 5]
    assert written(campaign.pk) == before


@pytest.mark.parametrize(("decision_number", "has_date"), [("", True), ("   ", True), ("9/QĐ-LĐLĐ", False)],
                         ids=["no-number", "blank-number", "no-date"])
def test_recognition_needs_the_decision_number_and_date(world, decision_number, has_date):
    # given
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        recognise(world, campaign, decision_number=decision_number,
                  decision_date=clock.today() if has_date else None, admitted_members=5)

    # then
    campaign.decision_number, campaign.decision_date = "", None
    assert refused.value.messages == [flows.decision_recorded(campaign, flows.Rules())]
    assert written(campaign.pk) == before


@pytest.mark.parametrize(("reason", "note"), [("", ""), ("bored", ""), (AbandonReason.OTHER, ""),
                                              (AbandonReason.OTHER, "   ")],
                         ids=["no-reason", "unknown-reason", "other-without-note", "other-blank-note"])
def test_abandon_needs_a_reason_and_a_note_for_other(world, reason, note):
    # given
    campaign = campaign_at(world, Stage.SURVEYED)
    before = written(campaign.pk)

    # when
    with pytest.raises(GuardNotMet) as refused:
        abandon(world, campaign, reason=reason, note=note)

    # then
    campaign.abandon_reason, campaign.abandon_note = reason, note
    assert refused.value.messages == [flows.abandon_reason_given(campaign, flows.Rules())]
    assert written(campaign.pk) == before


# --- stale reads -----------------------------------------------------------------
def _advance_expecting(world, campaign, expected):
    advance(world, campaign, FORWARD.get(expected, Stage.EMPLOYER_CONTACTED), expected_stage=expected)


def _hold_expecting(world, campaign, expected):
    services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer, expected_stage=expected)


def _resume_expecting(world, campaign, expected):
    services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=world.officer,
                                 expected_stage=expected)


def _abandon_expecting(world, campaign, expected):
    abandon(world, campaign, reason=AbandonReason.WORKERS_DECLINED, expected_stage=expected)


def _recognise_expecting(world, campaign, expected):
    recognise(world, campaign, decision_number="10/QĐ-LĐLĐ", decision_date=clock.today(), admitted_members=5,
              expected_stage=expected)


STALE = [
    # (the stage the campaign is at, the service, the stage the actor last saw)
    (Stage.EMPLOYER_CONTACTED, _advance_expecting, Stage.SURVEYED),
    (Stage.ON_HOLD, _hold_expecting, Stage.SURVEYED),
    (Stage.SURVEYED, _resume_expecting, Stage.ON_HOLD),
    (Stage.MOBILISING_COMMITTEE, _abandon_expecting, Stage.EMPLOYER_CONTACTED),
    (Stage.ABANDONED, _recognise_expecting, Stage.FOUNDING_CONGRESS),
]


@pytest.mark.parametrize(("stage", "move", "expected"), STALE, ids=[m.__name__.strip("_") for _s, m, _e in STALE])
def test_a_stale_expected_stage_is_a_conflict_and_writes_nothing(world, stage, move, expected):
    # given: someone moved the campaign since the actor read it
    campaign = campaign_at(world, stage)
    meet_forward_guard(world, campaign)
    before = written(campaign.pk)

    # when / then
    with pytest.raises(Conflict):
        move(world, campaign, expected)
    assert written(campaign.pk) == before
