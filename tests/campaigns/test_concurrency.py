"""Races on one campaign: real threads, one database connection each, on
PostgreSQL (SQLite has no row locks).

Every transition locks the campaign row and re-reads its stage under the lock,
so of several actors who read the same stage exactly one wins and the others
get a clear error; no update is lost and the history records one transition.

Transactional tests flush the database when they end, and the reference data
that migrations wrote (unit kinds, stage task templates, the rule set) goes
with it; ``reference_data`` writes it again, with the migrations' own code,
when a previous transactional test left the database empty.
"""
from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connections

from tests import factories
from tests.conftest import World, build_world, campaign_at
from workflows.campaigns import services
from workflows.campaigns.flows import AbandonReason, MeetingOutcome, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, StageTaskTemplate, Task, TaskStatus
from workflows.core import clock
from workflows.core.errors import Conflict, DomainError, IllegalTransition
from workflows.organisation import services as org
from workflows.organisation.models import UnitKind

User = get_user_model()

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ACTORS = 8
#: Template tasks created on entering "employer contacted" (reference data).
EMPLOYER_CONTACTED_TASKS = 3

_DATA_MIGRATIONS = [
    "workflows.organisation.migrations.0002_unit_kinds",
    "workflows.campaigns.migrations.0004_reference_data",
]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The migrations' reference data, written again (idempotently, by the
    migrations' own functions) if an earlier transactional test flushed it."""
    if not UnitKind.objects.exists():
        for module in _DATA_MIGRATIONS:
            importlib.import_module(module).create(apps, None)
    assert UnitKind.objects.filter(is_grassroots=True).count() == 1
    assert StageTaskTemplate.objects.filter(stage=Stage.EMPLOYER_CONTACTED).count() == EMPLOYER_CONTACTED_TASKS


def _race(calls: list[Callable[[], object]]) -> list[object]:
    """Run each call in its own thread, all released at once; return what
    each returned or raised, in the order of ``calls``."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _as(user_id: int, service: Callable, **kwargs) -> Callable[[], object]:
    """A call of ``service`` by the user, read afresh in the calling thread."""
    return lambda: service(actor=User.objects.get(pk=user_id), **kwargs)


def _stage_events(campaign: Campaign) -> list[tuple[str, str]]:
    return list(CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.STAGE).order_by("at", "pk")
                .values_list("from_stage", "to_stage"))


def _ready_to_contact(world: World) -> Campaign:
    """A surveyed campaign whose employer meeting is recorded."""
    campaign = campaign_at(world, Stage.SURVEYED)
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                     outcome=MeetingOutcome.SUPPORTIVE)
    campaign.refresh_from_db()
    return campaign


def _winners(outcomes: list[object]) -> list[Campaign]:
    return [o for o in outcomes if isinstance(o, Campaign)]


def test_eight_officers_advance_from_the_same_stage_one_wins():
    # given a campaign ready to leave "surveyed", read by eight actors
    world = build_world()
    campaign = _ready_to_contact(world)
    version, stage_events = campaign.version, _stage_events(campaign)
    actors = [world.officer.pk, world.supervisor.pk] * (ACTORS // 2)

    # when all eight advance it at once, each from the stage they read
    outcomes = _race([_as(actor, services.campaign_transition, campaign_id=campaign.pk, name="contact_employer",
                          expected_stage=Stage.SURVEYED) for actor in actors])

    # then one wins, seven are told the case changed under them
    assert len(_winners(outcomes)) == 1
    assert [type(o) for o in outcomes].count(Conflict) == ACTORS - 1
    # and the campaign moved once: one version, one stage event, one set of tasks
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.version) == (Stage.EMPLOYER_CONTACTED, version + 1)
    assert _stage_events(campaign) == stage_events + [(Stage.SURVEYED, Stage.EMPLOYER_CONTACTED)]
    assert Task.objects.filter(campaign=campaign, stage=Stage.EMPLOYER_CONTACTED,
                               status=TaskStatus.OPEN).count() == EMPLOYER_CONTACTED_TASKS


def test_four_advance_and_four_abandon_at_once_one_wins():
    # given a campaign ready to leave "surveyed"
    world = build_world()
    campaign = _ready_to_contact(world)
    version, stage_events = campaign.version, _stage_events(campaign)
    advance = _as(world.officer.pk, services.campaign_transition, campaign_id=campaign.pk, name="contact_employer",
                  expected_stage=Stage.SURVEYED)
    abandon = _as(world.supervisor.pk, services.campaign_transition, campaign_id=campaign.pk, name="abandon",
                  data={"reason": AbandonReason.EMPLOYER_REFUSED}, expected_stage=Stage.SURVEYED)

    # when four officers advance it and four supervisors abandon it, all at once
    outcomes = _race([advance, abandon] * (ACTORS // 2))

    # then one wins and seven get a conflict
    (winner,) = _winners(outcomes)
    assert [type(o) for o in outcomes].count(Conflict) == ACTORS - 1
    # and the campaign is where the winner put it, with one version and one event more
    campaign.refresh_from_db()
    assert winner.stage in (Stage.EMPLOYER_CONTACTED, Stage.ABANDONED)
    assert (campaign.stage, campaign.version) == (winner.stage, version + 1)
    assert _stage_events(campaign) == stage_events + [(Stage.SURVEYED, winner.stage)]
    assert _stage_events(campaign)[-1][1] == campaign.stage


def test_eight_advance_without_expected_stage_one_wins_the_others_find_the_move_illegal():
    # given a campaign ready to leave "surveyed"
    world = build_world()
    campaign = _ready_to_contact(world)
    version, stage_events = campaign.version, _stage_events(campaign)

    # when eight actors ask to move it to "employer contacted" at once, without saying what they read
    outcomes = _race([_as(actor, services.campaign_transition, campaign_id=campaign.pk, name="contact_employer")
                      for actor in [world.officer.pk, world.supervisor.pk] * (ACTORS // 2)])

    # then one wins; the others, reading the stage under the lock after him,
    # find that "employer contacted" is no longer a step forward
    assert len(_winners(outcomes)) == 1
    assert [type(o) for o in outcomes].count(IllegalTransition) == ACTORS - 1
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.version) == (Stage.EMPLOYER_CONTACTED, version + 1)
    assert _stage_events(campaign) == stage_events + [(Stage.SURVEYED, Stage.EMPLOYER_CONTACTED)]
    assert Task.objects.filter(campaign=campaign, stage=Stage.EMPLOYER_CONTACTED).count() == EMPLOYER_CONTACTED_TASKS


def test_two_officers_claim_the_same_queue_task_one_wins():
    # given a task in the group's queue and a second officer in the group
    world = build_world()
    colleague = factories.UserFactory(username="colleague")
    org.working_group_member_add(group=world.group, user=colleague, actor=world.admin)
    campaign = campaign_at(world, Stage.SURVEYED)
    task = services.task_add(campaign_id=campaign.pk, actor=world.supervisor, title="Khảo sát nhà trọ công nhân",
                             due_on=clock.today())
    reassignments = CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.TASK_REASSIGNED).count()

    # when both claim it at once
    outcomes = _race([_as(world.officer.pk, services.task_claim, task_id=task.pk),
                      _as(colleague.pk, services.task_claim, task_id=task.pk)])

    # then one has it, the other is told it was taken
    (winner,) = [o for o in outcomes if isinstance(o, Task)]
    assert [type(o) for o in outcomes].count(Conflict) == 1
    task.refresh_from_db()
    assert task.assignee_id == winner.assignee_id
    assert task.assignee_id in (world.officer.pk, colleague.pk)
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.TASK_REASSIGNED).count() == reassignments + 1


def test_task_work_and_transitions_on_one_campaign_never_deadlock():
    """Officers complete and add tasks while the case is put on hold and
    resumed: every call ends in success or a clear refusal, never in a
    database deadlock (a campaign is always locked before its tasks)."""
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    officer_id, campaign_id = world.officer.pk, campaign.pk

    def hold_and_resume():
        actor = User.objects.get(pk=officer_id)
        for _ in range(6):
            for name in ("hold", "resume"):
                with contextlib.suppress(Conflict, IllegalTransition):
                    services.campaign_transition(campaign_id=campaign_id, name=name, actor=actor)

    def work_tasks():
        actor = User.objects.get(pk=officer_id)
        for n in range(6):
            try:
                services.task_add(campaign_id=campaign_id, actor=actor, title=f"Việc {n}",
                                  due_on=clock.today(), assignee_id=officer_id)
                task = Task.objects.filter(campaign_id=campaign_id, status=TaskStatus.OPEN).order_by("pk").first()
                if task is not None:
                    services.task_complete(task_id=task.pk, actor=actor)
            except (Conflict, DomainError):
                pass

    outcomes = _race([hold_and_resume, hold_and_resume, work_tasks, work_tasks, work_tasks, work_tasks])
    assert [o for o in outcomes if o is not None] == []


def test_four_recognitions_under_one_unit_at_once_get_consecutive_paths():
    """Each recognition adds its grassroots unit as the last child of the
    responsible unit, its path computed in SQL: the move locks the unit's
    row with the campaign's, so concurrent recognitions under one unit take
    the next paths in turn (without that lock two of them compute the same
    path and all but one fail)."""
    # given four campaigns of one unit at the founding congress, the unit without children
    world = build_world()
    campaigns = [campaign_at(world, Stage.FOUNDING_CONGRESS, enterprise=factories.EnterpriseFactory(
        responsible_unit=world.district)) for _ in range(4)]
    district = type(world.district).objects.get(pk=world.district.pk)
    assert district.numchild == 0

    # when its supervisor recognises all four at once
    outcomes = _race([_as(world.supervisor.pk, services.campaign_transition, campaign_id=c.pk, name="recognise",
                          data={"decision_number": f"{n}/QĐ-LĐLĐ", "decision_date": clock.today(),
                                "admitted_members": 5}, expected_stage=Stage.FOUNDING_CONGRESS)
                      for n, c in enumerate(campaigns, start=1)])

    # then all four succeed, with the next four paths under the unit, one each
    assert len(_winners(outcomes)) == 4, outcomes
    paths = sorted(Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
                   .values_list("recognised_unit__path", flat=True))
    assert paths == [district.path + step for step in ("0001", "0002", "0003", "0004")]
    district.refresh_from_db()
    assert district.numchild == 4 == district.get_children().count()
    assert {u.depth for u in district.get_children()} == {district.depth + 1}
