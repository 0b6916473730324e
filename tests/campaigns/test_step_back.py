"""Stepping a campaign back: the mobilising committee fell apart (workers
dismissed or resigned) → back to "employer contacted"; the founding congress
was called off → back to "mobilising committee". Supervisors only, with the
reason; declared once in ``flows.TRANSITIONS`` like every transition.

The funnel counts a campaign once per stage it reached; each stay in a stage
is a stint of its own for the time in stage; the summary tables stay equal
to their recomputation.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from tests.conftest import ROLES, campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import flows, services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import (
    Campaign,
    CampaignEvent,
    EventKind,
    StageCohort,
    StageDuration,
    StageEntries,
    Task,
    TaskStatus,
)
from workflows.campaigns.selectors import stage_templates
from workflows.core import clock
from workflows.core.errors import GuardNotMet, IllegalTransition
from workflows.organisation.workdays import add_working_days
from workflows.statistics import reconcile, selectors as statistics

STEPS_BACK = {
    # name: (the stage it leaves, the stage it goes back to)
    "committee_fell_apart": (Stage.MOBILISING_COMMITTEE, Stage.EMPLOYER_CONTACTED),
    "congress_called_off": (Stage.FOUNDING_CONGRESS, Stage.MOBILISING_COMMITTEE),
}
REASON = "Hai công nhân nòng cốt bị cho thôi việc, một người nghỉ việc"


def written(campaign_id: int) -> dict:
    """Everything a transition could write, re-read from the database."""
    campaign = Campaign.objects.get(pk=campaign_id)
    return {
        "campaign": (campaign.stage, campaign.version, campaign.stage_entered_at, campaign.held_stage),
        "events": list(CampaignEvent.objects.filter(campaign_id=campaign_id).values_list("pk", flat=True)),
        "tasks": sorted(Task.objects.filter(campaign_id=campaign_id).values_list("pk", "status", "closing_note")),
        "cohorts": sorted(StageCohort.objects.values_list("stage", "entered_on", "campaigns")),
        "entries": sorted(StageEntries.objects.values_list("stage", "month", "campaigns")),
        "durations": sorted(StageDuration.objects.values_list("stage", "working_days", "stints")),
    }


def step_back(world, campaign, name: str, *, actor=None, note: str = REASON, expected_stage=None):
    return services.campaign_transition(campaign_id=campaign.pk, name=name, actor=actor or world.supervisor,
                                        data={"note": note}, expected_stage=expected_stage)


# --- declared once ------------------------------------------------------------------
def test_the_steps_back_are_declared_for_supervisors_with_a_reason():
    for name, (source, target) in STEPS_BACK.items():
        declared = flows.TRANSITIONS[name]
        assert (declared.sources, declared.target, declared.action) == ((source,), target, flows.Action.STEP_BACK)
        assert declared.reason_missing("  ") == [str(declared.reason_required)]
        assert declared.reason_missing(REASON) == []


# --- who may ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(STEPS_BACK))
@pytest.mark.parametrize("role", ROLES)
def test_only_a_supervisor_of_the_unit_steps_back_and_a_refusal_writes_nothing(world, name, role):
    # given a campaign at the stage the step leaves
    source, target = STEPS_BACK[name]
    campaign = campaign_at(world, source)
    before = written(campaign.pk)
    actor = world.user(role)

    # when the role asks for the step back
    if role == "supervisor":
        step_back(world, campaign, name, actor=actor, expected_stage=source)

        # then the campaign is back one stage
        assert written(campaign.pk)["campaign"][0] == target
        return
    with pytest.raises(PermissionDenied):
        step_back(world, campaign, name, actor=actor or AnonymousUser(), expected_stage=source)

    # then, refused, nothing was written
    assert written(campaign.pk) == before


@pytest.mark.parametrize("role", ROLES)
def test_the_step_back_page_answers_only_the_supervisor(client, world, role):
    # given a campaign whose committee fell apart
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    url = reverse("campaigns:transition", args=[campaign.pk, "committee_fell_apart"])
    if world.user(role):
        client.force_login(world.user(role))
    before = written(campaign.pk)

    # when the role opens the form and posts it
    form = client.get(url)
    response = client.post(url, {"expected_stage": Stage.MOBILISING_COMMITTEE, "note": REASON})

    # then the supervisor moves it back; the others find no such page and nothing is written
    if role == "anonymous":
        assert (form.status_code, response.status_code) == (302, 302)
        assert "/accounts/login/" in response["Location"]
        assert written(campaign.pk) == before
    elif role == "supervisor":
        assert (form.status_code, response.status_code) == (200, 302)
        assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
        assert Campaign.objects.get(pk=campaign.pk).stage == Stage.EMPLOYER_CONTACTED
    else:
        assert (form.status_code, response.status_code) == (404, 404)
        assert written(campaign.pk) == before


def test_the_detail_page_tells_the_officer_who_may_step_back(client, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)

    client.force_login(world.officer)
    officer_options = {o.name: o for o in client.get(reverse("campaigns:detail", args=[campaign.pk]))
                       .context["options"]}
    client.force_login(world.supervisor)
    supervisor_options = {o.name: o for o in client.get(reverse("campaigns:detail", args=[campaign.pk]))
                          .context["options"]}

    assert officer_options["congress_called_off"].allowed is False
    assert officer_options["congress_called_off"].refusal
    assert (supervisor_options["congress_called_off"].allowed,
            supervisor_options["congress_called_off"].target) == (True, Stage.MOBILISING_COMMITTEE)


# --- guards -------------------------------------------------------------------------
@pytest.mark.parametrize("note", ["", "   "], ids=["no-reason", "blank-reason"])
@pytest.mark.parametrize("name", sorted(STEPS_BACK))
def test_a_step_back_needs_its_reason(world, name, note):
    # given
    campaign = campaign_at(world, STEPS_BACK[name][0])
    before = written(campaign.pk)

    # when / then
    with pytest.raises(GuardNotMet) as refused:
        step_back(world, campaign, name, note=note)
    assert refused.value.messages == [str(flows.TRANSITIONS[name].reason_required)]
    assert written(campaign.pk) == before


def test_the_form_puts_the_missing_reason_on_its_field(client, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    client.force_login(world.supervisor)
    before = written(campaign.pk)

    with translation.override("en"):
        response = client.post(reverse("campaigns:transition", args=[campaign.pk, "congress_called_off"]),
                               {"expected_stage": Stage.FOUNDING_CONGRESS, "note": "  "},
                               headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["note"]
    assert written(campaign.pk) == before


ILLEGAL = [(name, stage) for name, (source, _target) in STEPS_BACK.items() for stage in Stage if stage != source]


@pytest.mark.parametrize(("name", "stage"), ILLEGAL, ids=[f"{n}-from-{s}" for n, s in ILLEGAL])
def test_a_step_back_leaves_only_its_own_stage(world, name, stage):
    # given a campaign at another stage
    campaign = campaign_at(world, stage)
    before = written(campaign.pk)

    # when / then
    with pytest.raises(IllegalTransition):
        step_back(world, campaign, name)
    assert written(campaign.pk) == before


# --- what it writes -----------------------------------------------------------------
def test_stepping_back_cancels_the_stage_s_tasks_creates_the_earlier_stage_s_and_records_why(world):
    # given a campaign at the mobilising committee, with its template tasks and an ad-hoc one
    with clock.travel_to(dt.date(2026, 3, 2)):
        campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
        services.task_add(campaign_id=campaign.pk, actor=world.officer, title="Gặp lại tổ trưởng chuyền may",
                          due_on=dt.date(2026, 3, 20))
    leaving = sorted(Task.objects.filter(campaign=campaign, stage=Stage.MOBILISING_COMMITTEE,
                                         status=TaskStatus.OPEN).values_list("pk", flat=True))
    version = campaign.version

    # when, a week later, the supervisor says the committee fell apart
    with clock.travel_to(dt.date(2026, 3, 9)), translation.override("en"):
        step_back(world, campaign, "committee_fell_apart", expected_stage=Stage.MOBILISING_COMMITTEE)

    # then its open tasks are cancelled with a note that says why
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.version) == (Stage.EMPLOYER_CONTACTED, version + 1)
    assert len(leaving) == 5
    assert set(Task.objects.filter(pk__in=leaving).values_list("status", "closing_note", "closed_by")) == {
        (TaskStatus.CANCELLED, "Cancelled: the campaign moved from “Mobilising committee” to “Employer contacted”.",
         world.supervisor.pk)}
    # and the tasks of "employer contacted" are there again, due from today in working days
    templates = list(stage_templates(Stage.EMPLOYER_CONTACTED))
    again = list(Task.objects.filter(campaign=campaign, stage=Stage.EMPLOYER_CONTACTED, status=TaskStatus.OPEN)
                 .order_by("pk").values_list("title", "due_on"))
    assert again == [(t.title, add_working_days(dt.date(2026, 3, 9), t.due_in_working_days)) for t in templates]
    assert len(again) == 3
    # and the history says who stepped back, from where to where, and why
    event = CampaignEvent.objects.filter(campaign=campaign).latest("pk")
    assert (event.kind, event.actor, event.from_stage, event.to_stage, event.note, event.data) == (
        EventKind.STAGE, world.supervisor, Stage.MOBILISING_COMMITTEE, Stage.EMPLOYER_CONTACTED, REASON,
        {"days_in_stage": 5})


# --- the figures --------------------------------------------------------------------
def test_time_in_stage_and_the_funnel_stay_right_back_and_forward_again(world):
    """Mon 02/03/2026 opened; Wed 04/03 employer contacted; Mon 09/03
    committee formed; Fri 13/03 it fell apart; Wed 18/03 formed again; Mon
    23/03 congress held; Thu 26/03 called off; Tue 31/03 held again."""
    off, sup = world.officer, world.supervisor
    members = [services.CommitteeMemberData(f"Công nhân {i}") for i in range(3)]

    def on(day: dt.date, name: str, actor=off, **data):
        with clock.travel_to(day):
            services.campaign_transition(campaign_id=campaign.pk, name=name, actor=actor, data=data)

    with clock.travel_to(dt.date(2026, 3, 2)):
        campaign = services.campaign_open(enterprise_id=world.enterprise.pk, actor=sup, working_group_id=world.group.pk)
    on(dt.date(2026, 3, 4), "contact_employer", held_on=dt.date(2026, 3, 4), outcome="supportive")
    on(dt.date(2026, 3, 9), "form_committee", members=members)
    on(dt.date(2026, 3, 13), "committee_fell_apart", sup, note=REASON)
    on(dt.date(2026, 3, 18), "form_committee", members=members)
    on(dt.date(2026, 3, 23), "hold_congress", applications=6, congress_on=dt.date(2026, 3, 23))
    on(dt.date(2026, 3, 26), "congress_called_off", sup, note="Chủ doanh nghiệp không cho mượn hội trường")
    on(dt.date(2026, 3, 31), "hold_congress", applications=6, congress_on=dt.date(2026, 3, 31))

    # then the funnel counts the campaign once in each stage it reached
    march = dt.date(2026, 3, 1)
    assert sorted(StageEntries.objects.filter(unit=world.district).values_list("month", "stage", "campaigns")) == [
        (march, Stage.EMPLOYER_CONTACTED, 1), (march, Stage.FOUNDING_CONGRESS, 1),
        (march, Stage.MOBILISING_COMMITTEE, 1), (march, Stage.SURVEYED, 1)]
    # and every stay in a stage is a stint, in working days
    durations = {Stage.SURVEYED: {2: 1}, Stage.EMPLOYER_CONTACTED: {3: 2}, Stage.MOBILISING_COMMITTEE: {4: 1, 3: 2},
                 Stage.FOUNDING_CONGRESS: {3: 1}}
    stored: dict = {}
    for stage, days, stints in StageDuration.objects.filter(unit=world.district).values_list(
            "stage", "working_days", "stints"):
        stored.setdefault(stage, {})[days] = stints
    assert stored == durations
    # and the campaign sits at the congress since the 31st
    assert list(StageCohort.objects.exclude(campaigns=0).values_list("stage", "entered_on", "campaigns")) == [
        (Stage.FOUNDING_CONGRESS, dt.date(2026, 3, 31), 1)]
    # and the summary tables equal their recomputation from the history
    assert reconcile.drift() == []
    # and the dashboard reads the same, now and as of the last day
    period = statistics.Period.year(2026)
    for board in (statistics.dashboard_for(world.province, period, today=dt.date(2026, 3, 31)),
                  statistics.dashboard_as_of(world.province, period, day=dt.date(2026, 3, 31))):
        assert [(stage, n) for stage, _label, n, _share in board.funnel] == [
            (Stage.SURVEYED, 1), (Stage.EMPLOYER_CONTACTED, 1), (Stage.MOBILISING_COMMITTEE, 1),
            (Stage.FOUNDING_CONGRESS, 1), (Stage.RECOGNISED, 0)]
        assert board.durations == durations
        assert board.total.stages == {Stage.FOUNDING_CONGRESS: 1}


def test_the_history_before_the_step_back_is_recounted_the_same(world):
    # given campaigns stepped back, resumed and abandoned in the same month
    first = campaign_at(world, Stage.FOUNDING_CONGRESS)
    step_back(world, first, "congress_called_off")
    step_back(world, first, "committee_fell_apart")
    second = campaign_at(world, Stage.MOBILISING_COMMITTEE,
                         enterprise=EnterpriseFactory(responsible_unit=world.district))
    services.campaign_transition(campaign_id=second.pk, name="hold", actor=world.officer)
    services.campaign_transition(campaign_id=second.pk, name="resume", actor=world.officer)
    step_back(world, second, "committee_fell_apart")
    services.campaign_transition(campaign_id=second.pk, name="abandon", actor=world.supervisor,
                                 data={"reason": flows.AbandonReason.WORKERS_DECLINED})

    # then every stage reached is counted once per campaign, and reconcile finds no drift
    month = clock.today().replace(day=1)
    assert sorted(StageEntries.objects.values_list("stage", "campaigns").filter(month=month)) == [
        (Stage.EMPLOYER_CONTACTED, 2), (Stage.FOUNDING_CONGRESS, 1), (Stage.MOBILISING_COMMITTEE, 2),
        (Stage.SURVEYED, 2)]
    assert reconcile.drift() == []
