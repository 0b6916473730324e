"""The first year of a new grassroots union (issue 20): the recognition opens
its follow-up, whose milestones are ordinary tasks of stage "recognised"
(due in working days of the unit's calendar, reminded and escalated like any
task); completing them fills the follow-up's dates; a failure is recorded
with the members lost; the statistics count the first year of the unions
recognised in a period without moving that period's recognised figures.

The recognition day: Monday 25/01/2027, just before Tết 2027 (04/02–10/02,
the ``holidays`` package), so the first milestones are due after it.
"""
from __future__ import annotations

import datetime as dt

import holidays
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from tests import factories
from tests.conftest import campaign_at
from tests.notifications.helpers import days, run_on, task_reminders
from workflows.campaigns import services
from workflows.campaigns.models import (
    FailureReason,
    FollowUp,
    FollowUpStatus,
    Milestone,
    RuleSet,
    Stage,
    Task,
    TaskDueCount,
    TaskStatus,
)
from workflows.campaigns.selectors import FollowUpFilters, InboxFilters, follow_ups_for_list, tasks_for_inbox
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.statistics import engine, indicators, reconcile, services as statistics_services
from workflows.statistics.models import MemberMovement, MovementKind
from workflows.statistics.periods import Period

D = dt.date
RECOGNISED_ON = D(2027, 1, 25)  # a Monday, ten days before Tết

#: The national checklist (migration campaigns 0015): milestone, title, working days, core.
CHECKLIST = [
    (Milestone.LAUNCH, "Tổ chức lễ ra mắt công đoàn cơ sở", 22, True),
    (Milestone.COMMITTEE_TRAINED, "Tập huấn ban chấp hành công đoàn cơ sở", 44, True),
    (Milestone.DUES_SET_UP, "Mở tài khoản, tổ chức thu đoàn phí và kinh phí công đoàn", 44, True),
    (Milestone.DUES_REMITTED, "Nộp đoàn phí, kinh phí công đoàn lần đầu lên cấp trên", 66, True),
    (Milestone.CARDS, "Cấp thẻ đoàn viên", 66, False),
    (Milestone.DIALOGUE, "Tổ chức đối thoại tại nơi làm việc lần đầu", 130, True),
    (Milestone.AGREEMENT, "Thương lượng, ký kết thỏa ước lao động tập thể", 250, False),
]
CORE = [m for m, _title, _days, core in CHECKLIST if core]


def working_days_after(start: dt.date, n: int) -> dt.date:
    """Counted here, apart from the app's calendar: Monday to Friday less
    Vietnam's public holidays."""
    public = holidays.country_holidays("VN", years=range(start.year, start.year + 3))
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in public:
            counted += 1
    return day


def recognised(world, *, on: dt.date = RECOGNISED_ON, enterprise=None):
    with clock.travel_to(on):
        return campaign_at(world, Stage.RECOGNISED, enterprise=enterprise)


def milestones(campaign) -> dict[str, Task]:
    return {t.milestone: t for t in Task.objects.filter(campaign=campaign, stage=Stage.RECOGNISED)}


def complete(world, task: Task, *, on: dt.date, done_on: dt.date | None = None, actor=None, note="Biên bản"):
    with clock.travel_to(on):
        return services.task_complete(task_id=task.pk, actor=actor or world.officer, note=note,
                                      done_on=done_on or on)


def open_task_count(unit) -> int:
    return TaskDueCount.objects.filter(unit=unit).aggregate(n=Sum("open_tasks"))["n"] or 0


def status_on(world, campaign, day: dt.date) -> str:
    return follow_ups_for_list(world.supervisor, FollowUpFilters(), today=day).get(campaign=campaign).status


# --- the recognition opens the follow-up ------------------------------------------------
def test_the_launch_is_due_22_working_days_after_the_recognition_across_tet():
    # by hand: 26–29/01 (4), 01–03/02 (7), Tết 04–10/02, 11–12/02 (9), 15–19/02 (14),
    # 22–26/02 (19), 01–03/03 (22)
    assert working_days_after(RECOGNISED_ON, 22) == D(2027, 3, 3)


def test_the_recognition_opens_the_follow_up(world):
    # when
    campaign = recognised(world)

    # then: the first year, from the recognition day
    follow_up = FollowUp.objects.get(campaign=campaign)
    assert (follow_up.unit_id, follow_up.opened_on, follow_up.ends_on, follow_up.dues_due_by) == (
        campaign.recognised_unit_id, RECOGNISED_ON, D(2028, 1, 25), D(2027, 7, 25))
    assert (follow_up.launch_on, follow_up.dues_remitted_on, follow_up.agreement_on, follow_up.standing_on,
            follow_up.failed_on, follow_up.members_lost) == (None, None, None, None, None, 0)
    # seven open tasks of stage "recognised" in the founding group's queue, due in working days (Tết skipped)
    tasks = milestones(campaign)
    assert [(m, tasks[m].title, tasks[m].is_core, tasks[m].due_on) for m, *_rest in CHECKLIST] == [
        (m, title, core, working_days_after(RECOGNISED_ON, n)) for m, title, n, core in CHECKLIST]
    assert tasks[Milestone.LAUNCH].due_on == D(2027, 3, 3)
    assert {(t.status, t.working_group_id, t.assignee_id) for t in tasks.values()} == {
        (TaskStatus.OPEN, world.group.pk, None)}
    # they are real open tasks: the summary, My tasks
    assert open_task_count(world.district) == 7
    with clock.travel_to(RECOGNISED_ON):
        assert tasks_for_inbox(world.officer, InboxFilters(), today=RECOGNISED_ON).count() == 7
        assert tasks_for_inbox(world.other_officer, InboxFilters(), today=RECOGNISED_ON).count() == 0
    assert status_on(world, campaign, RECOGNISED_ON) == FollowUpStatus.ON_TRACK
    assert reconcile.drift() == []


def test_a_unit_s_own_rule_set_shortens_the_follow_up(world):
    # given: the district follows its new unions for 6 months
    RuleSet.objects.create(name="Quy định của LĐLĐ khu vực", unit=world.district, effective_from=D(2026, 1, 1),
                           follow_up_months=6)

    # when
    campaign = recognised(world)

    # then
    follow_up = FollowUp.objects.get(campaign=campaign)
    assert (follow_up.ends_on, follow_up.dues_due_by) == (D(2027, 7, 25), D(2027, 7, 25))


# --- milestones --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_the_founding_group_and_supervisors_record_a_milestone(world, role):
    campaign = recognised(world)
    launch = milestones(campaign)[Milestone.LAUNCH]

    # when: held on 15/02, recorded on 17/02
    complete(world, launch, on=D(2027, 2, 17), done_on=D(2027, 2, 15), actor=world.user(role),
             note="Lễ ra mắt với 40 đoàn viên")

    # then
    launch.refresh_from_db()
    assert (launch.status, launch.done_on, launch.closing_note, launch.closed_by) == (
        TaskStatus.DONE, D(2027, 2, 15), "Lễ ra mắt với 40 đoàn viên", world.user(role))
    assert FollowUp.objects.get(campaign=campaign).launch_on == D(2027, 2, 15)
    assert open_task_count(world.district) == 6
    assert reconcile.drift() == []


@pytest.mark.parametrize("role", ["manager", "other_officer", "other_supervisor"])
def test_others_may_not_record_a_milestone(world, role):
    campaign = recognised(world)
    launch = milestones(campaign)[Milestone.LAUNCH]

    with pytest.raises(PermissionDenied):
        complete(world, launch, on=D(2027, 2, 17), actor=world.user(role))

    launch.refresh_from_db()
    assert (launch.status, launch.done_on) == (TaskStatus.OPEN, None)
    assert FollowUp.objects.get(campaign=campaign).launch_on is None


@pytest.mark.parametrize(("note", "done_on", "field"), [
    ("", D(2027, 2, 15), "note"),
    ("   ", D(2027, 2, 15), "note"),
    ("Biên bản", D(2027, 1, 24), "done_on"),  # the day before the recognition
    ("Biên bản", D(2027, 2, 18), "done_on"),  # tomorrow
])
def test_a_milestone_needs_its_evidence_and_a_day_of_the_first_year(world, note, done_on, field):
    campaign = recognised(world)
    launch = milestones(campaign)[Milestone.LAUNCH]

    with pytest.raises(ValidationError) as error:
        complete(world, launch, on=D(2027, 2, 17), done_on=done_on, note=note)

    assert list(error.value.message_dict) == [field]
    launch.refresh_from_db()
    assert (launch.status, launch.done_on) == (TaskStatus.OPEN, None)
    assert FollowUp.objects.get(campaign=campaign).launch_on is None
    assert open_task_count(world.district) == 7


def test_the_recognition_day_itself_is_a_day_of_the_first_year(world):
    campaign = recognised(world)
    complete(world, milestones(campaign)[Milestone.LAUNCH], on=D(2027, 2, 1), done_on=RECOGNISED_ON)
    assert FollowUp.objects.get(campaign=campaign).launch_on == RECOGNISED_ON


def test_the_follow_up_moves_from_on_track_to_late_to_standing(world):
    campaign = recognised(world)
    tasks = milestones(campaign)

    # on track up to the launch's due date (03/03), late the day after
    assert status_on(world, campaign, D(2027, 3, 3)) == FollowUpStatus.ON_TRACK
    assert status_on(world, campaign, D(2027, 3, 4)) == FollowUpStatus.LATE
    # the launch held late: on track again until the next milestone is overdue
    complete(world, tasks[Milestone.LAUNCH], on=D(2027, 3, 8), done_on=D(2027, 3, 5))
    assert status_on(world, campaign, D(2027, 3, 8)) == FollowUpStatus.ON_TRACK
    # the dues remitted, the agreement signed: their days are kept
    complete(world, tasks[Milestone.DUES_REMITTED], on=D(2027, 4, 20), done_on=D(2027, 4, 19))
    complete(world, tasks[Milestone.AGREEMENT], on=D(2027, 4, 20), done_on=D(2027, 4, 20))
    follow_up = FollowUp.objects.get(campaign=campaign)
    assert (follow_up.launch_on, follow_up.dues_remitted_on, follow_up.agreement_on, follow_up.standing_on) == (
        D(2027, 3, 5), D(2027, 4, 19), D(2027, 4, 20), None)
    # the other core milestones: it stands since the last day one was done (12/05), whatever the order recorded
    complete(world, tasks[Milestone.COMMITTEE_TRAINED], on=D(2027, 5, 12), done_on=D(2027, 5, 12))
    complete(world, tasks[Milestone.DUES_SET_UP], on=D(2027, 5, 12), done_on=D(2027, 4, 2))
    assert FollowUp.objects.get(campaign=campaign).standing_on is None
    complete(world, tasks[Milestone.DIALOGUE], on=D(2027, 5, 14), done_on=D(2027, 5, 10),
             actor=world.supervisor)

    follow_up = FollowUp.objects.get(campaign=campaign)
    assert follow_up.standing_on == D(2027, 5, 12)
    # standing, though the cards (not core) are still open and overdue
    assert tasks[Milestone.CARDS].due_on < D(2027, 5, 14)
    assert status_on(world, campaign, D(2027, 5, 14)) == FollowUpStatus.STANDING
    assert follow_up.status_on(D(2027, 5, 14), late=True) == FollowUpStatus.STANDING
    assert open_task_count(world.district) == 1
    assert reconcile.drift() == []


def test_an_overdue_milestone_reminds_and_escalates_once(world, django_capture_on_commit_callbacks):
    # given: the launch due on Wednesday 03/03/2027, waiting in the group's queue
    campaign = recognised(world)
    launch = milestones(campaign)[Milestone.LAUNCH]

    # when: the job runs every day, twice on the escalation day
    for day in days(D(2027, 2, 25), D(2027, 3, 8)):
        run_on(day, django_capture_on_commit_callbacks)
    run_on(D(2027, 3, 8), django_capture_on_commit_callbacks)
    assert task_reminders(launch) == [
        (D(2027, 3, 1), "before_due", "officer"),  # Tuesday and Wednesday left
        (D(2027, 3, 3), "due_today", "officer"),
        (D(2027, 3, 8), "escalation_overdue", "supervisor"),  # Thursday, Friday, Monday late
    ]
    # then: not again the next days
    for day in days(D(2027, 3, 9), D(2027, 3, 12)):
        run_on(day, django_capture_on_commit_callbacks)
    assert task_reminders(launch) == [
        (D(2027, 3, 1), "before_due", "officer"),
        (D(2027, 3, 3), "due_today", "officer"),
        (D(2027, 3, 8), "escalation_overdue", "supervisor"),
    ]


# --- failure -------------------------------------------------------------------------------
FAILED_ON = D(2027, 6, 10)


def fail(world, campaign, *, on=FAILED_ON, actor=None, reason=FailureReason.ENTERPRISE_CLOSED,
         members_lost=12, note=""):
    with clock.travel_to(D(2027, 6, 15)):
        statistics_services.follow_up_failed(campaign_id=campaign.pk, actor=actor or world.supervisor,
                                             reason=reason, on=on, members_lost=members_lost, note=note)


def test_a_failure_is_recorded_with_the_members_lost(world):
    # given: the launch done, six milestones open
    campaign = recognised(world)
    complete(world, milestones(campaign)[Milestone.LAUNCH], on=D(2027, 3, 1))
    period = Period.year(2027)
    with clock.travel_to(D(2027, 6, 15)):
        before = engine.dashboard_for(world.district, period, today=D(2027, 6, 15)).total

    # when
    fail(world, campaign, note="Doanh nghiệp giải thể")

    # then: the follow-up keeps why, when and how many
    follow_up = FollowUp.objects.get(campaign=campaign)
    assert (follow_up.failed_on, follow_up.failure_reason, follow_up.failure_note, follow_up.members_lost) == (
        D(2027, 6, 10), FailureReason.ENTERPRISE_CLOSED, "Doanh nghiệp giải thể", 12)
    # its open milestones are cancelled (the launch stays done)
    assert sorted(Task.objects.filter(campaign=campaign, stage=Stage.RECOGNISED)
                  .values_list("milestone", "status")) == sorted(
        [(Milestone.LAUNCH, TaskStatus.DONE)] + [(m, TaskStatus.CANCELLED) for m, *_rest in CHECKLIST[1:]])
    assert open_task_count(world.district) == 0
    # the members lost, a movement of the grassroots union on that day
    assert list(MemberMovement.objects.values_list("unit", "on", "kind", "members")) == [
        (campaign.recognised_unit_id, D(2027, 6, 10), MovementKind.LOST, 12)]
    assert status_on(world, campaign, D(2027, 6, 15)) == FollowUpStatus.FAILED
    # the statistics count it, from the summaries and from the base tables
    with clock.travel_to(D(2027, 6, 15)):
        board = engine.dashboard_for(world.district, period, today=D(2027, 6, 15)).total
        base = engine.figures_for(world.district, period, today=D(2027, 6, 15), from_base=True).total
        june = engine.figures_for(world.district, Period.month(2027, 6), today=D(2027, 6, 15)).total
        january = engine.figures_for(world.district, Period.month(2027, 1), today=D(2027, 6, 15)).total
    for row in (board, base, june):
        assert (row.unions_failed, row.members_lost, indicators.value("unions_failed", row)) == (1, 12, 1)
    assert (january.unions_failed, january.members_lost) == (0, 0)
    # the recognised figures do not move
    assert (board.unions_founded, board.members_admitted, board.new_members) == (
        before.unions_founded, before.members_admitted, before.new_members) == (1, 5, 5)
    assert (before.unions_failed, before.members_lost) == (0, 0)
    assert reconcile.drift() == []


def test_a_failure_is_recorded_once(world):
    campaign = recognised(world)
    fail(world, campaign)

    with pytest.raises(Conflict):
        fail(world, campaign, on=D(2027, 6, 12), members_lost=3)

    assert FollowUp.objects.get(campaign=campaign).failed_on == D(2027, 6, 10)
    assert list(MemberMovement.objects.values_list("members", flat=True)) == [12]
    assert reconcile.drift() == []


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"reason": FailureReason.OTHER, "note": ""}, "note"),
    ({"reason": "moved_away"}, "reason"),
    ({"on": D(2027, 1, 24)}, "on"),  # before the recognition
    ({"on": D(2027, 6, 16)}, "on"),  # tomorrow
    ({"members_lost": -1}, "members_lost"),
])
def test_a_failure_needs_a_reason_and_a_day(world, kwargs, field):
    campaign = recognised(world)

    with pytest.raises(ValidationError) as error:
        fail(world, campaign, **kwargs)

    assert list(error.value.message_dict) == [field]
    assert FollowUp.objects.get(campaign=campaign).failed_on is None
    assert open_task_count(world.district) == 7
    assert MemberMovement.objects.count() == 0


def test_a_failure_for_another_reason_says_why(world):
    campaign = recognised(world)
    fail(world, campaign, reason=FailureReason.OTHER, note="Chuyển thành nghiệp đoàn", members_lost=0)

    follow_up = FollowUp.objects.get(campaign=campaign)
    assert (follow_up.failure_reason, follow_up.failure_note, follow_up.members_lost) == (
        FailureReason.OTHER, "Chuyển thành nghiệp đoàn", 0)
    assert MemberMovement.objects.count() == 0  # no members lost, no movement
    assert reconcile.drift() == []


@pytest.mark.parametrize("role", ["officer", "other_officer", "manager", "other_supervisor", "administrator"])
def test_only_supervisors_record_a_failure(world, role):
    campaign = recognised(world)

    with pytest.raises(PermissionDenied):
        fail(world, campaign, actor=world.user(role))

    assert FollowUp.objects.get(campaign=campaign).failed_on is None
    assert open_task_count(world.district) == 7
    assert MemberMovement.objects.count() == 0


def test_a_supervisor_above_records_a_failure(world, province_supervisor):
    campaign = recognised(world)
    fail(world, campaign, actor=province_supervisor)
    assert FollowUp.objects.get(campaign=campaign).failed_on == D(2027, 6, 10)


# --- the statistics ------------------------------------------------------------------------------
def test_the_recognised_figures_stay_while_the_first_year_moves(world):
    campaign = recognised(world)
    period = Period.month(2027, 1)

    def recognised_figures():
        with clock.travel_to(D(2027, 6, 1)):
            row = engine.dashboard_for(world.district, period, today=D(2027, 6, 1)).total
        return (row.new_members, row.unions_founded, row.members_admitted)

    before = recognised_figures()
    tasks = milestones(campaign)
    for milestone in CORE:
        complete(world, tasks[milestone], on=D(2027, 5, 20))

    assert recognised_figures() == before == (5, 1, 5)
    assert FollowUp.objects.get(campaign=campaign).standing_on == D(2027, 5, 20)
    assert reconcile.drift() == []


def test_the_first_year_indicators_per_unit_and_period(world):
    # given: two recognitions in the district in January 2027, none in the other district
    first = recognised(world)
    second = recognised(world, on=D(2027, 1, 27),
                        enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    # the first: launched, dues remitted within 6 months (by 25/07), an agreement, every core milestone
    one = milestones(first)
    complete(world, one[Milestone.LAUNCH], on=D(2027, 3, 1))
    complete(world, one[Milestone.DUES_REMITTED], on=D(2027, 5, 3))
    complete(world, one[Milestone.AGREEMENT], on=D(2027, 9, 1))
    for milestone in (Milestone.COMMITTEE_TRAINED, Milestone.DUES_SET_UP, Milestone.DIALOGUE):
        complete(world, one[milestone], on=D(2027, 10, 4))
    # the second: its first dues after 7 months (27/08), launched only in the next year
    two = milestones(second)
    complete(world, two[Milestone.DUES_REMITTED], on=D(2027, 8, 27))
    complete(world, two[Milestone.LAUNCH], on=D(2028, 1, 10))

    def figures(unit, period, *, from_base=False):
        with clock.travel_to(D(2028, 2, 1)):
            row = engine.figures_for(unit, period, today=D(2028, 2, 1), from_base=from_base).total
        return {code: indicators.value(code, row) for code in (
            "unions_launched", "unions_dues_in_time", "unions_agreement_in_year", "unions_standing_in_year",
            "unions_failed")} | {"unions_founded": row.unions_founded}

    codes = ["unions_launched", "unions_dues_in_time", "unions_agreement_in_year", "unions_standing_in_year",
             "unions_failed", "unions_founded"]
    # then: the year 2027, counted as it stood at its end
    assert figures(world.district, Period.year(2027)) == dict(zip(codes, [1, 1, 1, 1, 0, 2], strict=True))
    assert figures(world.district, Period.year(2027), from_base=True) == figures(world.district, Period.year(2027))
    # by the end of June: launched and dues in time, not yet the agreement nor standing
    assert figures(world.district, Period.between(D(2027, 1, 1), D(2027, 6, 30))) == dict(
        zip(codes, [1, 1, 0, 0, 0, 2], strict=True))
    # the recognitions are counted in their period (January), not in another one
    assert figures(world.district, Period.year(2028)) == dict.fromkeys(codes, 0)
    # per unit: the province sums its districts; the other district has none
    assert figures(world.province, Period.year(2027)) == figures(world.district, Period.year(2027))
    assert figures(world.other_district, Period.year(2027)) == dict.fromkeys(codes, 0)
    assert reconcile.drift() == []
