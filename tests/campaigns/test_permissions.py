"""Who may call which service: every campaign and task service over the six
roles, then the enterprise registry and the organisation services.

The policy (``workflows.campaigns.permissions``): officers of the campaign's
working group work the case, advance it up to the founding congress, hold and
resume it, complete their group's tasks and claim from its queue; supervisors
of the responsible unit or any unit above do all that, and open, assign,
reassign (one task or in bulk), abandon, recognise and step back; managers only read;
everyone else nothing. A refusal raises ``PermissionDenied`` and writes nothing.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count

from tests import factories
from tests.conftest import ROLES, World, campaign_at
from workflows.campaigns import services
from workflows.campaigns.flows import TRANSITIONS, AbandonReason, MeetingOutcome, Stage
from workflows.campaigns.models import (
    Campaign,
    CampaignEvent,
    CommitteeMember,
    EventKind,
    FailureReason,
    FollowUp,
    Milestone,
    Task,
    TaskStatus,
)
from workflows.core import clock
from workflows.core.errors import GuardNotMet
from workflows.enterprises import services as registry
from workflows.enterprises.models import Enterprise
from workflows.organisation import services as org
from workflows.organisation.models import (
    Unit,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import Role, scope_of

User = get_user_model()

WORKERS = frozenset({"officer", "supervisor"})
SUPERVISORS = frozenset({"supervisor"})

Act = Callable[[object], object]  # calls the service as the given actor
Then = Callable[[object], None]  # checks what an allowed call wrote


def _actor(world: World, role: str):
    return world.user(role) or AnonymousUser()


def _committee(size: int = 3) -> list[services.CommitteeMemberData]:
    return [services.CommitteeMemberData(f"Nguyễn Thị Công nhân {i}") for i in range(size)]


def _queue_task(world: World, campaign: Campaign) -> Task:
    """An ad-hoc task waiting in the working group's queue."""
    return services.task_add(campaign_id=campaign.pk, actor=world.officer, title="Gặp tổ trưởng dây chuyền may",
                             due_on=clock.today() + dt.timedelta(days=7))


def _fresh(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_related("enterprise", "recognised_unit").get(pk=campaign.pk)


# --- the cases: each prepares its world and returns (act, then) -------------------
def open_campaign(world: World) -> tuple[Act, Then]:
    enterprise = world.enterprise

    def act(actor):
        return services.campaign_open(enterprise_id=enterprise.pk, actor=actor, working_group_id=world.group.pk)

    def then(actor):
        assert list(Campaign.objects.filter(enterprise=enterprise).values_list("stage", "working_group_id")) == [
            (Stage.SURVEYED, world.group.pk)]
    return act, then


def open_campaign_from_visit(world: World) -> tuple[Act, Then]:
    from workflows.people.surveys import VisitData, survey_visit_record

    enterprise = world.enterprise
    visit = survey_visit_record(enterprise_id=enterprise.pk, actor=world.supervisor,
                                data=VisitData(visited_on=clock.today(), workforce=enterprise.workforce + 40))

    def act(actor):
        return services.campaign_open_from_visit(visit_id=visit.pk, actor=actor, working_group_id=world.group.pk)

    def then(actor):
        assert list(Campaign.objects.filter(enterprise=enterprise).values_list(
            "stage", "working_group_id", "workforce", "register")) == [
            (Stage.SURVEYED, world.group.pk, enterprise.workforce + 40, "names")]
    return act, then


def assign_campaign(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaign_assign(campaign_id=campaign.pk, working_group_id=world.other_group.pk, actor=actor,
                                        expected_version=campaign.version)

    def then(actor):
        assert _fresh(campaign).working_group_id == world.other_group.pk
        assert Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN,
                                   working_group=world.other_group).count() == 3
    return act, then


def record_meeting(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaign_meeting_record(campaign_id=campaign.pk, actor=actor, held_on=clock.today(),
                                                outcome=MeetingOutcome.SUPPORTIVE)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.employer_met_on, fresh.employer_meeting_outcome) == (clock.today(), MeetingOutcome.SUPPORTIVE)
    return act, then


def record_committee(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    def act(actor):
        return services.campaign_committee_record(campaign_id=campaign.pk, actor=actor, members=_committee(4))

    def then(actor):
        assert _fresh(campaign).committee_size == 4
        assert CommitteeMember.objects.filter(campaign=campaign).count() == 4
    return act, then


def record_counts(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaign_counts_record(campaign_id=campaign.pk, actor=actor, core_group=4, applications=2)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.core_group, fresh.applications) == (4, 2)
    return act, then


def advance_to_employer_contacted(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                     outcome=MeetingOutcome.NEUTRAL)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=actor,
                                            expected_stage=Stage.SURVEYED)

    def then(actor):
        assert _fresh(campaign).stage == Stage.EMPLOYER_CONTACTED
    return act, then


def advance_to_mobilising_committee(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=_committee(3))

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="form_committee", actor=actor,
                                            expected_stage=Stage.EMPLOYER_CONTACTED)

    def then(actor):
        assert _fresh(campaign).stage == Stage.MOBILISING_COMMITTEE
    return act, then


def advance_to_founding_congress(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=5)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=actor,
                                            expected_stage=Stage.MOBILISING_COMMITTEE,
                                            data={"congress_on": clock.today()})

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.congress_on) == (Stage.FOUNDING_CONGRESS, clock.today())
    return act, then


def committee_fell_apart(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="committee_fell_apart", actor=actor,
                                            data={"note": "Hai công nhân nòng cốt bị cho thôi việc"},
                                            expected_stage=Stage.MOBILISING_COMMITTEE)

    def then(actor):
        assert _fresh(campaign).stage == Stage.EMPLOYER_CONTACTED
    return act, then


def congress_called_off(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="congress_called_off", actor=actor,
                                            data={"note": "Chủ doanh nghiệp không cho mượn hội trường"},
                                            expected_stage=Stage.FOUNDING_CONGRESS)

    def then(actor):
        assert _fresh(campaign).stage == Stage.MOBILISING_COMMITTEE
    return act, then


def contact_employer(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=actor, data={
            "held_on": clock.today(), "outcome": MeetingOutcome.SUPPORTIVE}, expected_stage=Stage.SURVEYED)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.employer_met_on) == (Stage.EMPLOYER_CONTACTED, clock.today())
    return act, then


def form_committee(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="form_committee", actor=actor, data={
            "members": _committee(3), "formed_on": clock.today()}, expected_stage=Stage.EMPLOYER_CONTACTED)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.committee_size) == (Stage.MOBILISING_COMMITTEE, 3)
    return act, then


def hold_congress(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=actor, data={
            "applications": 6, "congress_on": clock.today()}, expected_stage=Stage.MOBILISING_COMMITTEE)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.applications, fresh.congress_on) == (Stage.FOUNDING_CONGRESS, 6, clock.today())
    return act, then


def hold_campaign(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=actor,
                                            expected_stage=Stage.SURVEYED)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.held_stage) == (Stage.ON_HOLD, Stage.SURVEYED)
    return act, then


def resume_campaign(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.ON_HOLD)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=actor,
                                            expected_stage=Stage.ON_HOLD)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.held_stage) == (Stage.SURVEYED, "")
    return act, then


def abandon_campaign(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="abandon", actor=actor, data={
            "reason": AbandonReason.WORKERS_DECLINED}, expected_stage=Stage.EMPLOYER_CONTACTED)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.abandon_reason) == (Stage.ABANDONED, AbandonReason.WORKERS_DECLINED)
    return act, then


def recognise_campaign(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)

    def act(actor):
        return services.campaign_transition(campaign_id=campaign.pk, name="recognise", actor=actor, data={
            "decision_number": "15/QĐ-LĐLĐ", "decision_date": clock.today(), "admitted_members": 7},
            expected_stage=Stage.FOUNDING_CONGRESS)

    def then(actor):
        fresh = _fresh(campaign)
        assert (fresh.stage, fresh.admitted_members) == (Stage.RECOGNISED, 7)
        assert Unit.objects.get_parent(fresh.recognised_unit) == world.district
        assert Enterprise.objects.get(pk=world.enterprise.pk).has_union is True
    return act, then


def add_note(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaign_note_add(campaign_id=campaign.pk, actor=actor, text="Chủ doanh nghiệp hẹn gặp lại.")

    def then(actor):
        notes = CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.NOTE).values_list("note", flat=True)
        assert list(notes) == ["Chủ doanh nghiệp hẹn gặp lại."]
    return act, then


def add_task(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.task_add(campaign_id=campaign.pk, actor=actor, title="Phát tờ rơi Luật Công đoàn",
                                 due_on=clock.today() + dt.timedelta(days=3))

    def then(actor):
        assert list(Task.objects.filter(campaign=campaign, title="Phát tờ rơi Luật Công đoàn")
                    .values_list("stage", "working_group_id", "assignee_id", "created_by_id")) == [
            (Stage.SURVEYED, world.group.pk, None, actor.pk)]
    return act, then


def complete_task(world: World) -> tuple[Act, Then]:
    task = _queue_task(world, campaign_at(world, Stage.SURVEYED))

    def act(actor):
        return services.task_complete(task_id=task.pk, actor=actor, note="Đã gặp.")

    def then(actor):
        closed = Task.objects.filter(pk=task.pk).values_list("status", "closed_by_id").get()
        assert closed == (TaskStatus.DONE, actor.pk)
    return act, then


def reopen_task(world: World) -> tuple[Act, Then]:
    """Undo one's own completion (issue 18): the actor completes the task and
    takes it back at once. Who may not complete it never reaches the undo;
    someone else who may is refused by the service itself
    (tests/campaigns/test_task_reopen.py)."""
    task = _queue_task(world, campaign_at(world, Stage.SURVEYED))

    def act(actor):
        services.task_complete(task_id=task.pk, actor=actor, note="Nhầm.")
        return services.task_reopen(task_id=task.pk, actor=actor)

    def then(actor):
        assert Task.objects.filter(pk=task.pk).values_list("status", "closed_by_id").get() == (TaskStatus.OPEN, None)
    return act, then


def complete_milestone(world: World) -> tuple[Act, Then]:
    """A milestone of the first year after recognition (issue 20): the founding
    group's officers and supervisors record it, with its evidence."""
    campaign = campaign_at(world, Stage.RECOGNISED)
    task = Task.objects.get(campaign=campaign, milestone=Milestone.LAUNCH)

    def act(actor):
        return services.task_complete(task_id=task.pk, actor=actor, note="Biên bản lễ ra mắt.")

    def then(actor):
        assert Task.objects.filter(pk=task.pk).values_list("status", "closed_by_id", "done_on").get() == (
            TaskStatus.DONE, actor.pk, clock.today())
        assert FollowUp.objects.get(campaign=campaign).launch_on == clock.today()
    return act, then


def fail_follow_up(world: World) -> tuple[Act, Then]:
    """A new grassroots union failed in its first year (issue 20): supervisors."""
    campaign = campaign_at(world, Stage.RECOGNISED)

    def act(actor):
        return services.follow_up_fail(campaign_id=campaign.pk, actor=actor, reason=FailureReason.DISSOLVED,
                                       on=clock.today(), members_lost=5)

    def then(actor):
        assert FollowUp.objects.filter(campaign=campaign).values_list("failed_on", "members_lost").get() == (
            clock.today(), 5)
        assert Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).count() == 0
    return act, then


def claim_task(world: World) -> tuple[Act, Then]:
    task = _queue_task(world, campaign_at(world, Stage.SURVEYED))

    def act(actor):
        return services.task_claim(task_id=task.pk, actor=actor)

    def then(actor):
        assert Task.objects.get(pk=task.pk).assignee_id == actor.pk
    return act, then


def reassign_task(world: World) -> tuple[Act, Then]:
    task = _queue_task(world, campaign_at(world, Stage.SURVEYED))

    def act(actor):
        return services.task_reassign(task_id=task.pk, actor=actor, assignee_id=world.officer.pk)

    def then(actor):
        assert Task.objects.get(pk=task.pk).assignee_id == world.officer.pk
    return act, then


def bulk_reassign_tasks(world: World) -> tuple[Act, Then]:
    campaign = campaign_at(world, Stage.SURVEYED)
    tasks = [_queue_task(world, campaign), _queue_task(world, campaign)]

    def act(actor):
        return services.tasks_bulk_reassign(actor=actor, to_user_id=world.officer.pk, task_ids=[t.pk for t in tasks])

    def then(actor):
        assert list(Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("assignee_id", flat=True)) == [
            world.officer.pk, world.officer.pk]
    return act, then


def release_tasks(world: World) -> tuple[Act, Then]:
    """The officer leaves: their open task goes back to the group's queue
    (an administrator of the officer's unit, issue 14)."""
    org.person_update(person_id=world.officer.pk, actor=world.admin, full_name="Nguyễn Văn Cán bộ",
                      email=world.officer.email, phone="", unit=world.district)
    task = _queue_task(world, campaign_at(world, Stage.SURVEYED))
    services.task_claim(task_id=task.pk, actor=world.officer)

    def act(actor):
        return services.tasks_release_of(person_id=world.officer.pk, actor=actor, to_user_id=None)

    def then(actor):
        assert Task.objects.get(pk=task.pk).assignee_id is None
    return act, then


def regroup_campaigns(world: World) -> tuple[Act, Then]:
    """A working group closes: its open campaigns go to another group of the
    unit (those who manage the unit's groups, issue 14)."""
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaigns_regroup(from_group_id=world.group.pk, to_group_id=world.other_group.pk,
                                          actor=actor)

    def then(actor):
        assert Campaign.objects.get(pk=campaign.pk).working_group_id == world.other_group.pk
    return act, then


def transfer_campaigns(world: World) -> tuple[Act, Then]:
    """A unit closes: its open campaigns go to the successor (administrators
    of both units, issue 14)."""
    campaign = campaign_at(world, Stage.SURVEYED)

    def act(actor):
        return services.campaigns_transfer(from_unit_id=world.district.pk, to_unit_id=world.other_district.pk,
                                           actor=actor, on=clock.today())

    def then(actor):
        assert Campaign.objects.get(pk=campaign.pk).responsible_unit_id == world.other_district.pk
    return act, then


@dataclass(frozen=True)
class Case:
    service: str
    prepare: Callable[[World], tuple[Act, Then]]
    allowed: frozenset[str]
    #: The events an allowed call writes, in order.
    events: tuple[str, ...]
    #: for campaign_transition: the transition taken
    transition: str = ""

    @property
    def name(self) -> str:
        return self.prepare.__name__


CASES = [
    Case("campaign_open", open_campaign, SUPERVISORS, (EventKind.OPENED,)),
    Case("campaign_open_from_visit", open_campaign_from_visit, SUPERVISORS, (EventKind.OPENED, EventKind.COUNTS)),
    Case("campaign_assign", assign_campaign, SUPERVISORS, (EventKind.ASSIGNED,)),
    Case("campaign_meeting_record", record_meeting, WORKERS, (EventKind.MEETING,)),
    Case("campaign_committee_record", record_committee, WORKERS, (EventKind.COMMITTEE,)),
    Case("campaign_counts_record", record_counts, WORKERS, (EventKind.COUNTS,)),
    # the forward steps with the guard data recorded before, then with the data their forms collect
    Case("campaign_transition", advance_to_employer_contacted, WORKERS, (EventKind.STAGE,), "contact_employer"),
    Case("campaign_transition", advance_to_mobilising_committee, WORKERS, (EventKind.STAGE,), "form_committee"),
    Case("campaign_transition", advance_to_founding_congress, WORKERS, (EventKind.STAGE,), "hold_congress"),
    Case("campaign_transition", contact_employer, WORKERS, (EventKind.MEETING, EventKind.STAGE), "contact_employer"),
    Case("campaign_transition", form_committee, WORKERS, (EventKind.COMMITTEE, EventKind.STAGE), "form_committee"),
    Case("campaign_transition", hold_congress, WORKERS, (EventKind.COUNTS, EventKind.STAGE), "hold_congress"),
    Case("campaign_transition", hold_campaign, WORKERS, (EventKind.STAGE,), "hold"),
    Case("campaign_transition", resume_campaign, WORKERS, (EventKind.STAGE,), "resume"),
    Case("campaign_transition", abandon_campaign, SUPERVISORS, (EventKind.STAGE,), "abandon"),
    Case("campaign_transition", recognise_campaign, SUPERVISORS, (EventKind.STAGE,), "recognise"),
    Case("campaign_transition", committee_fell_apart, SUPERVISORS, (EventKind.STAGE,), "committee_fell_apart"),
    Case("campaign_transition", congress_called_off, SUPERVISORS, (EventKind.STAGE,), "congress_called_off"),
    Case("campaign_note_add", add_note, WORKERS, (EventKind.NOTE,)),
    Case("task_add", add_task, WORKERS, (EventKind.TASK_ADDED,)),
    Case("task_complete", complete_task, WORKERS, (EventKind.TASK_DONE,)),
    Case("task_complete", complete_milestone, WORKERS, (EventKind.TASK_DONE,)),
    Case("task_reopen", reopen_task, WORKERS, (EventKind.TASK_DONE, EventKind.TASK_REOPENED)),
    Case("task_claim", claim_task, WORKERS, (EventKind.TASK_REASSIGNED,)),
    Case("follow_up_fail", fail_follow_up, SUPERVISORS, (EventKind.FOLLOW_UP_FAILED,)),
    Case("task_reassign", reassign_task, SUPERVISORS, (EventKind.TASK_REASSIGNED,)),
    Case("tasks_bulk_reassign", bulk_reassign_tasks, SUPERVISORS,
         (EventKind.TASK_REASSIGNED, EventKind.TASK_REASSIGNED)),
    Case("tasks_release_of", release_tasks, frozenset({"administrator"}), (EventKind.TASK_REASSIGNED,)),
    Case("campaigns_regroup", regroup_campaigns, frozenset({"supervisor", "administrator"}), (EventKind.ASSIGNED,)),
    Case("campaigns_transfer", transfer_campaigns, frozenset({"administrator"}), (EventKind.TRANSFERRED,)),
]

ALLOWED = [pytest.param(case, role, id=f"{case.name}-{role}") for case in CASES for role in ROLES
           if role in case.allowed]
REFUSED = [pytest.param(case, role, id=f"{case.name}-{role}") for case in CASES for role in ROLES
           if role not in case.allowed]


def _snapshot() -> dict:
    """Everything a campaign or task service could write."""
    return {
        "campaigns": list(Campaign.objects.order_by("pk").values_list(
            "pk", "stage", "version", "working_group_id", "held_stage", "recognised_unit_id", "responsible_unit_id")),
        "events": dict(CampaignEvent.objects.values_list("kind").annotate(n=Count("pk")).order_by("kind")),
        "tasks by status": dict(Task.objects.values_list("status").annotate(n=Count("pk")).order_by("status")),
        "task assignments": list(Task.objects.order_by("pk").values_list("pk", "assignee_id", "working_group_id")),
        "committee members": CommitteeMember.objects.count(),
        "follow-ups": list(FollowUp.objects.order_by("pk").values_list(
            "pk", "launch_on", "standing_on", "failed_on", "members_lost")),
        "units": Unit.objects.count(),
        "enterprises with a union": list(Enterprise.objects.filter(has_union=True).values_list("pk", flat=True)),
    }


def test_every_service_is_in_the_table():
    # given the public functions of the campaign services
    public = {name for name, value in vars(services).items()
              if callable(value) and getattr(value, "__module__", "") == services.__name__
              and not name.startswith("_") and name[0].islower()}

    # then each has a case, and campaign_transition one per declared transition
    # (the forward steps twice: with and without the data their forms collect)
    assert {case.service for case in CASES} == public
    assert {case.transition for case in CASES if case.service == "campaign_transition"} == set(TRANSITIONS)


@pytest.mark.parametrize("case,role", ALLOWED)
def test_allowed_role_succeeds(world, case, role):
    # given the case's campaign or task
    act, then = case.prepare(world)
    actor = _actor(world, role)
    last_event = CampaignEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # when the role calls the service
    act(actor)

    # then the change is made, and recorded in the history under the actor's name
    then(actor)
    written = list(CampaignEvent.objects.filter(pk__gt=last_event).order_by("pk").values_list("kind", "actor_id"))
    assert written == [(kind, actor.pk) for kind in case.events]


@pytest.mark.parametrize("case,role", REFUSED)
def test_refused_role_is_denied_and_nothing_is_written(world, case, role):
    # given the case's campaign or task
    act, _then = case.prepare(world)
    before = _snapshot()

    # when the role calls the service, then it is refused
    with pytest.raises(PermissionDenied):
        act(_actor(world, role))

    # and nothing was written
    assert _snapshot() == before


@pytest.mark.parametrize("case", [c for c in CASES if "supervisor" in c.allowed], ids=lambda case: case.name)
def test_supervisor_of_a_unit_above_may_do_everything(world, case):
    # given a supervisor of the province, above the campaign's district
    chief = factories.UserFactory(username="chief")
    factories.grant(world.province, chief, "supervisor", actor=world.admin)
    act, then = case.prepare(world)

    # when he calls the service
    act(chief)

    # then it is done
    then(chief)


@pytest.mark.parametrize("role,error", [("officer", PermissionDenied), ("supervisor", GuardNotMet)])
def test_advance_does_not_recognise(world, role, error):
    # given a campaign whose founding congress was held
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    before = _snapshot()

    # when an officer or a supervisor asks to recognise it without the decision
    with pytest.raises(error):
        services.campaign_transition(campaign_id=campaign.pk, name="recognise", actor=_actor(world, role),
                                     data={"admitted_members": 6})

    # then the officer is refused, the supervisor is asked for the decision, and nothing changed
    assert _snapshot() == before


def test_bulk_reassign_of_a_users_tasks_skips_those_outside_the_supervised_subtree(world):
    # given the officer holds a task in the district, and the other
    # supervisor asks to move "all the officer's tasks" to himself
    task = _queue_task(world, campaign_at(world, Stage.SURVEYED))
    services.task_claim(task_id=task.pk, actor=world.officer)
    before = _snapshot()

    # when he does
    result = services.tasks_bulk_reassign(actor=world.other_supervisor, to_user_id=world.other_supervisor.pk,
                                          from_user_id=world.officer.pk)

    # then none of the district's tasks moved
    assert result.moved == 0
    assert _snapshot() == before


@pytest.mark.parametrize("role", ["anonymous", "other_officer", "officer", "manager"])
def test_bulk_reassign_refuses_before_looking_up_the_receiver(world, role):
    # given a task, and a receiver id that matches no account
    task = _queue_task(world, campaign_at(world, Stage.SURVEYED))
    nobody = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    before = _snapshot()

    # when a role that supervises nothing asks to move the task to that account,
    # then it is refused as such, without learning whether the account exists
    with pytest.raises(PermissionDenied):
        services.tasks_bulk_reassign(actor=_actor(world, role), to_user_id=nobody, task_ids=[task.pk])
    assert _snapshot() == before


def test_an_officer_who_left_the_group_is_refused(world):
    # given the officer was removed from the working group
    campaign = campaign_at(world, Stage.SURVEYED)
    org.working_group_member_remove(group=world.group, user=world.officer, actor=world.admin)
    before = _snapshot()

    # when he records a note, then he is refused and nothing is written
    with pytest.raises(PermissionDenied):
        services.campaign_note_add(campaign_id=campaign.pk, actor=world.officer, text="Ghi chú")
    assert _snapshot() == before


# --- the enterprise registry -------------------------------------------------------
def register_enterprise(world: World) -> tuple[Act, Then]:
    tax_code = factories.next_tax_code()

    def act(actor):
        return registry.enterprise_create(tax_code=tax_code, responsible_unit=world.district, actor=actor,
                                          data=registry.EnterpriseData(name="Công ty TNHH Giày da Phù Chẩn",
                                                                       workforce=420))

    def then(actor):
        assert list(Enterprise.objects.filter(tax_code=tax_code).values_list(
            "responsible_unit_id", "search_name", "workforce")) == [
            (world.district.pk, "cong ty tnhh giay da phu chan", 420)]
    return act, then


def edit_enterprise(world: World) -> tuple[Act, Then]:
    def act(actor):
        return registry.enterprise_update(enterprise_id=world.enterprise.pk, actor=actor,
                                          data=registry.EnterpriseData(name="Công ty TNHH May mặc Đổi tên",
                                                                       workforce=300))

    def then(actor):
        assert Enterprise.objects.filter(pk=world.enterprise.pk).values_list("name", "workforce").get() == (
            "Công ty TNHH May mặc Đổi tên", 300)
    return act, then


REGISTRY_CASES = [register_enterprise, edit_enterprise]


def _registry_snapshot() -> list:
    return list(Enterprise.objects.order_by("pk").values_list(
        "pk", "tax_code", "name", "workforce", "responsible_unit_id", "updated_at"))


@pytest.mark.parametrize("prepare", REGISTRY_CASES, ids=lambda f: f.__name__)
def test_registry_service_is_for_supervisors(world, prepare):
    # given the registry of the district
    act, then = prepare(world)

    # when its supervisor registers or edits an enterprise, then it is done
    act(world.supervisor)
    then(world.supervisor)


@pytest.mark.parametrize("role", [role for role in ROLES if role != "supervisor"])
@pytest.mark.parametrize("prepare", REGISTRY_CASES, ids=lambda f: f.__name__)
def test_registry_service_refuses_other_roles(world, prepare, role):
    # given the registry of the district
    act, _then = prepare(world)
    before = _registry_snapshot()

    # when anyone else registers or edits an enterprise, then they are refused and nothing is written
    with pytest.raises(PermissionDenied):
        act(_actor(world, role))
    assert _registry_snapshot() == before


# --- the organisation ---------------------------------------------------------------
ORGANISATION_ROLES = ROLES + ["admin"]
ORGANISERS = {"supervisor", "admin", "administrator"}


def _organisation_snapshot() -> dict:
    return {
        "groups": list(WorkingGroup.objects.order_by("pk").values_list("pk", "unit_id", "name", "leader_id")),
        "unit grants": list(UnitUserObjectPermission.objects.order_by("pk")
                            .values_list("user_id", "permission__codename", "content_object_id")),
        "group grants": list(WorkingGroupUserObjectPermission.objects.order_by("pk")
                             .values_list("user_id", "permission__codename", "content_object_id")),
    }


def create_group(world: World, newcomer) -> tuple[Act, Then]:
    def act(actor):
        return org.working_group_create(unit=world.district, name="Tổ công tác số 3", actor=actor, leader=newcomer)

    def then(actor):
        group = WorkingGroup.objects.get(unit=world.district, name="Tổ công tác số 3")
        assert scope_of(newcomer, fresh=True).groups == frozenset({group.pk})
    return act, then


def add_member(world: World, newcomer) -> tuple[Act, Then]:
    def act(actor):
        return org.working_group_member_add(group=world.group, user=newcomer, actor=actor)

    def then(actor):
        assert scope_of(newcomer, fresh=True).groups == frozenset({world.group.pk})
    return act, then


def grant_role(world: World, newcomer) -> tuple[Act, Then]:
    def act(actor):
        return org.unit_role_grant(unit=world.district, user=newcomer, role=Role.MANAGER, actor=actor)

    def then(actor):
        scope = scope_of(newcomer, fresh=True)
        assert (scope.overseen, scope.supervised) == ((world.district.path,), ())
    return act, then


ORGANISATION_CASES = [create_group, add_member, grant_role]
#: Who may act in each case: unit roles are granted by administrators alone
#: (the unit administrator, or the technical superuser).
MAY_ACT = {create_group: ORGANISERS, add_member: ORGANISERS, grant_role: {"admin", "administrator"}}
ALLOWED = [(prepare, role) for prepare in ORGANISATION_CASES for role in sorted(MAY_ACT[prepare])]
REFUSED = [(prepare, role) for prepare in ORGANISATION_CASES
           for role in sorted(set(ORGANISATION_ROLES) - MAY_ACT[prepare])]


@pytest.mark.parametrize(("prepare", "role"), ALLOWED, ids=lambda v: getattr(v, "__name__", v))
def test_organisation_service_is_for_the_unit_supervisor_and_the_administrator(world, prepare, role):
    # given a newcomer to the district
    newcomer = factories.UserFactory(username="newcomer")
    act, then = prepare(world, newcomer)

    # when the supervisor or the administrator acts
    act(_actor(world, role))

    # then the newcomer has the grant
    then(_actor(world, role))


@pytest.mark.parametrize(("prepare", "role"), REFUSED, ids=lambda v: getattr(v, "__name__", v))
def test_organisation_service_refuses_other_roles(world, prepare, role):
    # given a newcomer to the district
    newcomer = factories.UserFactory(username="newcomer")
    act, _then = prepare(world, newcomer)
    before = _organisation_snapshot()

    # when anyone else acts, then they are refused and nothing is written
    with pytest.raises(PermissionDenied):
        act(_actor(world, role))
    assert _organisation_snapshot() == before
