"""The day counters (issue 19): the dashboard's stalled campaigns and
overdue tasks per branch read a row per child unit (``SubtreeStalled``,
``SubtreeOverdue``) when they are today's and the reference data has not
changed since they were counted; else the fine rows, as before. Either way
the figures are those of the fine rows (``SUMMARY_ROLLUPS_READ`` off).

    province
    ├── district          national rules (surveyed: 20 working days); tasks due in working days
    │   └── commune       a unit below, to show the ancestors' rows
    └── other_district    its own rule set: surveyed 5 working days, employer contacted none
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import build_world, campaign_at
from workflows.campaigns import day_counters, jobs, services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import (
    DayCounters,
    RuleSet,
    RuleSetLimit,
    SubtreeOverdue,
    SubtreeStalled,
    Task,
    TaskStatus,
)
from workflows.core import clock
from workflows.organisation import services as org
from workflows.statistics import engine, reconcile
from workflows.statistics.periods import Period

pytestmark = pytest.mark.django_db
postgres = pytest.mark.postgres

START = dt.date(2026, 3, 2)  # a Monday
TODAY = dt.date(2026, 4, 13)  # six weeks later, a Monday: 30 working days


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def shown(unit, today: dt.date) -> tuple[bool, dict]:
    """(whether the fine rows were read, {branch: (stalled, overdue tasks)}) of the dashboard."""
    with CaptureQueriesContext(connection) as queries:
        board = engine.dashboard_for(unit, Period.month(today.year, today.month), today=today)
    fine = any("statistics_stagecohort" in q["sql"] or "statistics_taskduecount" in q["sql"]
               for q in queries.captured_queries)
    figures = {(row.unit.code, row.own): (row.stalled, row.overdue_tasks) for row in board.rows}
    return fine, {**figures, "total": (board.total.stalled, board.total.overdue_tasks)}


def fine_figures(unit, today: dt.date) -> dict:
    with override_settings(SUMMARY_ROLLUPS_READ=False):
        return shown(unit, today)[1]


def counted(unit, today: dt.date) -> dict:
    """The dashboard's figures, read from the counters and equal to the fine rows'."""
    fine, figures = shown(unit, today)
    assert fine is False
    assert figures == fine_figures(unit, today)
    return figures


def fallen_back(unit, today: dt.date) -> dict:
    """The dashboard's figures, read from the fine rows (the counters are not current)."""
    fine, figures = shown(unit, today)
    assert fine is True
    assert figures == fine_figures(unit, today)
    return figures


def open_at(unit, actor, day: dt.date, **group):
    with clock.travel_to(at(day)):
        return services.campaign_open(enterprise_id=factories.EnterpriseFactory(responsible_unit=unit).pk,
                                      actor=actor, **group)


def overdue_in(unit, today: dt.date) -> int:
    return Task.objects.filter(status=TaskStatus.OPEN, due_on__lt=today,
                               campaign__responsible_unit__path__startswith=unit.path).count()


@pytest.fixture
def tree(world):
    """Campaigns opened over six weeks in three units of two zones (see the module's docstring)."""
    world.commune = factories.unit(name="Công đoàn phường Đồng Nguyên", code="dong-nguyen",
                                   kind="district_federation", parent=world.district, actor=world.admin)
    own = RuleSet.objects.create(name="Hướng dẫn Quế Võ", unit=world.other_district, effective_from=START)
    RuleSetLimit.objects.bulk_create([RuleSetLimit(rule_set=own, stage=Stage.SURVEYED, working_days=5),
                                      RuleSetLimit(rule_set=own, stage=Stage.MOBILISING_COMMITTEE, working_days=10)])
    world.own_rules = own
    sup, other = world.supervisor, world.other_supervisor
    world.old = open_at(world.district, sup, START, working_group_id=world.group.pk)  # stalled
    with clock.travel_to(at(START)):
        world.contacted = campaign_at(world, Stage.EMPLOYER_CONTACTED)  # 30 working days: not yet stalled
    open_at(world.commune, sup, START)  # stalled, in the commune
    open_at(world.district, sup, TODAY - dt.timedelta(days=14))  # 10 working days: not stalled nationally
    open_at(world.other_district, other, START)  # stalled
    world.recent = open_at(world.other_district, other, TODAY - dt.timedelta(days=14))  # stalled there (5 days)
    return world


@postgres
def test_the_dashboard_reads_the_counters_once_counted_and_they_stay_exact(tree):
    world = tree
    district, other, commune = world.district.code, world.other_district.code, world.commune.code
    province_overdue = overdue_in(world.province, TODAY)
    with clock.travel_to(at(TODAY)):
        # given the counters not counted yet: the fine rows
        before = fallen_back(world.province, TODAY)
        assert before["total"] == (4, province_overdue)
        assert (before[(district, False)][0], before[(other, False)][0]) == (2, 2)

        # when the job counts them
        assert day_counters.refresh(today=TODAY) is True

        # then the dashboard reads them, with the same figures, at every level
        assert counted(world.province, TODAY) == before
        assert counted(world.district, TODAY)[(commune, False)] == (1, overdue_in(world.commune, TODAY))
        assert counted(world.commune, TODAY)["total"] == (1, overdue_in(world.commune, TODAY))
        assert reconcile.drift() == []

        # and every write of the day keeps them exact: a stalled campaign moves on, its tasks cancelled
        services.campaign_meeting_record(campaign_id=world.old.pk, actor=world.officer, held_on=TODAY,
                                         outcome="supportive")
        services.campaign_transition(campaign_id=world.old.pk, name="contact_employer", actor=world.officer)
        assert counted(world.province, TODAY)[(district, False)] == (1, overdue_in(world.district, TODAY))
        # an opening (tasks due later: not overdue)
        open_at(world.district, world.supervisor, TODAY, working_group_id=world.group.pk)
        # an overdue task done, then undone
        task = Task.objects.filter(status=TaskStatus.OPEN, due_on__lt=TODAY,
                                   campaign__responsible_unit=world.other_district).first()
        overdue = overdue_in(world.other_district, TODAY)
        services.task_complete(task_id=task.pk, actor=world.other_supervisor)
        assert counted(world.province, TODAY)[(other, False)] == (2, overdue - 1)
        services.task_reopen(task_id=task.pk, actor=world.other_supervisor)
        assert counted(world.province, TODAY)[(other, False)] == (2, overdue)
        # the other district's campaigns given to the district: stalled by the district's rules now
        moved = services.campaigns_transfer(from_unit_id=world.other_district.pk, to_unit_id=world.district.pk,
                                            actor=world.admin, on=TODAY)
        assert moved == 2
        after = counted(world.province, TODAY)
        assert after[(district, False)] == (2, overdue_in(world.province, TODAY))  # the recent one is in time here
        assert after[(other, False)] == (0, 0)
        assert after["total"] == (2, overdue_in(world.province, TODAY))
        assert reconcile.drift() == []


@postgres
def test_a_new_day_reads_the_fine_rows_until_the_job_counts_again(tree):
    world = tree
    with clock.travel_to(at(TODAY)):
        day_counters.refresh(today=TODAY)
    tomorrow = TODAY + dt.timedelta(days=1)
    with clock.travel_to(at(tomorrow)):
        # the campaign in its 31st working day with the employer is stalled, and tasks due today overdue:
        # the counters of yesterday would miss them
        assert fallen_back(world.province, tomorrow)["total"] == (5, overdue_in(world.province, tomorrow))
        assert overdue_in(world.province, tomorrow) > overdue_in(world.province, TODAY)
        assert reconcile.drift() == []  # not current: not checked

        assert jobs.day_counters_refresh() is True  # the job, on the clock's day
        assert DayCounters.objects.get().day == tomorrow
        assert counted(world.province, tomorrow)["total"] == (5, overdue_in(world.province, tomorrow))
        assert reconcile.drift() == []

        # and the check costs one query when there is nothing to do
        with CaptureQueriesContext(connection) as checked:
            assert jobs.day_counters_refresh() is False
        assert len(checked.captured_queries) == 1


@postgres
def test_a_change_of_the_limits_reads_the_fine_rows_until_the_job_counts_again(tree):
    world = tree
    other = world.other_district.code
    with clock.travel_to(at(TODAY)):
        day_counters.refresh(today=TODAY)
        assert counted(world.province, TODAY)[(other, False)][0] == 2

        # when the other district allows 15 working days in the survey (the recent campaign is in time)
        RuleSetLimit.objects.filter(rule_set=world.own_rules, stage=Stage.SURVEYED).update(working_days=15)

        # then the stamp changed: the fine rows, by the new limits
        assert fallen_back(world.province, TODAY)[(other, False)][0] == 1
        assert reconcile.drift() == []
        # and a write meanwhile is counted with the rest by the job
        services.campaign_meeting_record(campaign_id=world.recent.pk, actor=world.other_supervisor,
                                         held_on=TODAY, outcome="supportive")
        assert day_counters.refresh(today=TODAY) is True
        assert counted(world.province, TODAY)[(other, False)][0] == 1
        assert counted(world.province, TODAY)["total"][0] == 3
        assert reconcile.drift() == []


@postgres
def test_a_unit_moved_reads_the_fine_rows_until_the_job_counts_again(tree):
    world = tree
    district = world.district.code
    with clock.travel_to(at(TODAY)):
        day_counters.refresh(today=TODAY)
        before = counted(world.province, TODAY)

        # when the other district (a zone of its own) moves under the district, and the commune
        # (national rules) under the other district: the commune's campaign is stalled by 5 days now
        org.unit_move(unit_id=world.other_district.pk, parent_id=world.district.pk, actor=world.admin)
        org.unit_move(unit_id=world.commune.pk, parent_id=world.other_district.pk, actor=world.admin)

        # then the fine rows, until the job
        moved = fallen_back(world.province, TODAY)
        assert moved[(district, False)] == before["total"]
        open_at(world.commune, world.supervisor, TODAY)
        assert day_counters.refresh(today=TODAY) is True
        assert counted(world.province, TODAY) == moved
        world.other_district.refresh_from_db()
        assert counted(world.other_district, TODAY)["total"][0] == 3
        assert reconcile.drift() == []


@postgres
def test_reconcile_finds_and_repairs_drift_in_the_counters(tree):
    world = tree
    with clock.travel_to(at(TODAY)):
        day_counters.refresh(today=TODAY)
        right = counted(world.province, TODAY)
        stalled = SubtreeStalled.objects.get(unit=world.province, stage=Stage.SURVEYED)
        overdue = SubtreeOverdue.objects.get(unit=world.district)

        # given drift injected by hand (the triggers do not run on these tables)
        SubtreeStalled.objects.filter(pk=stalled.pk).update(campaigns=stalled.campaigns + 5)
        SubtreeOverdue.objects.filter(pk=overdue.pk).update(open_tasks=0)

        # then the drift check names both rows
        found = reconcile.drift()
        assert [(d.table, d.key, d.stored, d.expected) for d in found] == [
            ("SubtreeStalled", (world.province.pk, Stage.SURVEYED.value), {"campaigns": stalled.campaigns + 5},
             {"campaigns": stalled.campaigns}),
            ("SubtreeOverdue", (world.district.pk,), {}, {"open_tasks": overdue.open_tasks}),
        ]
        # and the repair puts them right, still current
        assert len(reconcile.reconcile(fix=True)) == 2
        assert reconcile.drift() == []
        assert counted(world.province, TODAY) == right


@postgres
def test_the_dashboard_reads_the_counters_in_a_constant_number_of_queries(tree, province_supervisor):
    world = tree

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            engine.dashboard_for(world.province, Period.month(2026, 4), today=TODAY)
        counters = [q for q in captured.captured_queries if "statistics_subtreestalled" in q["sql"]]
        return len(captured.captured_queries), len(counters)

    with clock.travel_to(at(TODAY)):
        day_counters.refresh(today=TODAY)
        small = queries()
        for n in range(3):
            unit = factories.unit(name=f"Công đoàn khu công nghiệp {n}", code=f"kcn-{n}",
                                  kind="district_federation", parent=world.province, actor=world.admin)
            open_at(unit, province_supervisor, START)  # stalled: counted by the triggers
        large = queries()
        assert counted(world.province, TODAY)["total"][0] == 7
    assert small == large
    assert small[1] == 1  # stalled and overdue, and whether they are current: one query


@postgres
def test_the_job_counts_each_unit_with_every_unit_below_it(tree):
    world = tree
    with clock.travel_to(at(TODAY)):
        day_counters.refresh(today=TODAY)
        assert DayCounters.objects.get().day == TODAY
        rows = dict(SubtreeOverdue.objects.values_list("unit__code", "open_tasks"))
        assert rows == {world.province.code: overdue_in(world.province, TODAY),
                        world.district.code: overdue_in(world.district, TODAY),
                        world.commune.code: overdue_in(world.commune, TODAY),
                        world.other_district.code: overdue_in(world.other_district, TODAY)}
        assert dict(SubtreeStalled.objects.filter(stage=Stage.SURVEYED).values_list("unit__code", "campaigns")) == {
            world.province.code: 4, world.district.code: 2, world.commune.code: 1, world.other_district.code: 2}


def test_sqlite_keeps_no_counters_and_the_dashboard_sums_the_fine_rows(tree):
    world = tree
    kept = connection.vendor == "postgresql"
    with clock.travel_to(at(TODAY)):
        assert jobs.day_counters_refresh() is kept
        fine, figures = shown(world.province, TODAY)
    assert fine is not kept
    assert figures["total"] == (4, overdue_in(world.province, TODAY))
    assert SubtreeStalled.objects.exists() is kept


@postgres
@pytest.mark.django_db(transaction=True)
def test_a_move_in_flight_when_the_job_counts_is_counted_once(reference_data):
    """The job holds the fine rows against writers while it counts: a move
    written before it (its trigger read the old day) and committed after it
    started is in the figures the job reads, not lost between the two."""
    world = build_world()
    campaign = open_at(world.district, world.supervisor, START, working_group_id=world.group.pk)
    open_at(world.district, world.supervisor, START, working_group_id=world.group.pk)
    day_before, day = dt.date(2026, 3, 30), dt.date(2026, 3, 31)  # their 20th and 21st working day in the survey
    assert day_counters.refresh(today=day_before) is True
    assert not SubtreeStalled.objects.exists()
    with clock.travel_to(at(day)):
        services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=day,
                                         outcome="supportive")
        for task in Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN):  # the move writes no counter
            services.task_complete(task_id=task.pk, actor=world.officer)
    written, release, outcomes = threading.Event(), threading.Event(), {}

    def move() -> None:  # one campaign leaves the survey, in a transaction held open
        try:
            with clock.travel_to(at(day)), transaction.atomic():
                services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)
                written.set()
                assert release.wait(timeout=30)
        finally:
            connections.close_all()

    def count() -> None:
        try:
            outcomes["counted"] = day_counters.refresh(today=day)
        finally:
            connections.close_all()

    mover, counter = threading.Thread(target=move), threading.Thread(target=count)
    mover.start()
    assert written.wait(timeout=30)
    counter.start()
    counter.join(timeout=1)
    assert counter.is_alive()  # it waits for the move to commit
    release.set()
    mover.join(timeout=30)
    counter.join(timeout=30)
    assert not mover.is_alive() and not counter.is_alive()
    assert outcomes == {"counted": True}
    # the other campaign alone is stalled, in the district and the province
    assert dict(SubtreeStalled.objects.exclude(campaigns=0).values_list("unit__code", "campaigns")) == {
        world.province.code: 1, world.district.code: 1}
    with clock.travel_to(at(day)):
        assert reconcile.drift() == []
