"""Stage tasks: entering a stage creates its template tasks (seeded by
migration) due in working days; leaving it cancels its open ones with a note.

Seeded templates (working days): surveyed 5, 10, 10; employer contacted 5, 15, 20.
March 2027 has no public holiday; Tết 2027 is 04/02–10/02/2027.
"""
from __future__ import annotations

import datetime as dt

import holidays
import pytest
from django.utils.translation import gettext

from workflows.campaigns import services
from workflows.campaigns.flows import AbandonReason, MeetingOutcome, Stage
from workflows.campaigns.models import StageTaskTemplate, Task, TaskStatus
from workflows.core import clock
from workflows.organisation.models import CalendarDay

MONDAY = dt.date(2027, 3, 1)


def cancelled_note(from_stage: str, to_stage: str) -> str:
    return gettext("Cancelled: the campaign moved from “%(from)s” to “%(to)s”.") % {
        "from": Stage(from_stage).label, "to": Stage(to_stage).label}


def open_campaign(world):
    return services.campaign_open(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                                  working_group_id=world.group.pk)


def contact_employer(world, campaign):
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                     outcome=MeetingOutcome.SUPPORTIVE)
    services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)


def tasks_of(campaign, stage: str, status: str = TaskStatus.OPEN) -> list[Task]:
    return list(Task.objects.filter(campaign=campaign, stage=stage, status=status).order_by("template__order", "pk"))


def due_dates(campaign, stage: str) -> list[dt.date]:
    return [t.due_on for t in tasks_of(campaign, stage)]


def test_entering_a_stage_creates_its_template_tasks_due_in_working_days(world):
    # given
    with clock.travel_to(MONDAY):
        campaign = open_campaign(world)

    # when: the employer is contacted on Wednesday 03/03/2027
    with clock.travel_to(dt.date(2027, 3, 3)):
        contact_employer(world, campaign)

    # then
    templates = list(StageTaskTemplate.objects.filter(stage=Stage.EMPLOYER_CONTACTED).order_by("order"))
    tasks = tasks_of(campaign, Stage.EMPLOYER_CONTACTED)
    assert [(t.template, t.title, t.working_group, t.assignee, t.created_by) for t in tasks] == [
        (tpl, tpl.title, world.group, None, world.officer) for tpl in templates]
    assert [t.due_on for t in tasks] == [dt.date(2027, 3, 10), dt.date(2027, 3, 24), dt.date(2027, 3, 31)]


def test_tet_2027_is_what_the_holidays_package_says():
    # then: the due dates below rest on these days off
    tet = [day for day, name in holidays.country_holidays("VN", years=2027).items()
           if dt.date(2027, 2, 1) <= day <= dt.date(2027, 2, 28)]
    assert sorted(tet) == [dt.date(2027, 2, d) for d in range(4, 11)]


def test_due_dates_skip_tet(world):
    # given
    with clock.travel_to(dt.date(2027, 1, 29)):
        campaign = open_campaign(world)

    # when: the stage is entered on Wednesday 03/02/2027, the day before Tết
    with clock.travel_to(dt.date(2027, 2, 3)):
        contact_employer(world, campaign)

    # then: 04/02–10/02 are days off, the count starts on Thursday 11/02
    assert due_dates(campaign, Stage.EMPLOYER_CONTACTED) == [
        dt.date(2027, 2, 17), dt.date(2027, 3, 3), dt.date(2027, 3, 10)]


def test_a_campaign_opened_on_the_eve_of_tet(world):
    # when
    with clock.travel_to(dt.date(2027, 2, 3)):
        campaign = open_campaign(world)

    # then
    assert due_dates(campaign, Stage.SURVEYED) == [dt.date(2027, 2, 17), dt.date(2027, 2, 24), dt.date(2027, 2, 24)]


def test_leaving_a_stage_cancels_its_open_tasks_and_keeps_done_ones(world):
    # given: the first surveyed task is done
    with clock.travel_to(MONDAY):
        campaign = open_campaign(world)
    first, second, third = tasks_of(campaign, Stage.SURVEYED)
    with clock.travel_to(dt.date(2027, 3, 2)):
        services.task_complete(task_id=first.pk, actor=world.officer, note="Đã có danh sách lao động")

    # when
    with clock.travel_to(dt.date(2027, 3, 3)):
        contact_employer(world, campaign)
        left_at = clock.now()

    # then
    first.refresh_from_db()
    assert (first.status, first.closing_note, first.closed_at.date()) == (
        TaskStatus.DONE, "Đã có danh sách lao động", dt.date(2027, 3, 2))
    note = cancelled_note(Stage.SURVEYED, Stage.EMPLOYER_CONTACTED)
    assert str(Stage.SURVEYED.label) in note and str(Stage.EMPLOYER_CONTACTED.label) in note
    cancelled = tasks_of(campaign, Stage.SURVEYED, TaskStatus.CANCELLED)
    assert [(t.pk, t.closing_note, t.closed_by, t.closed_at) for t in cancelled] == [
        (second.pk, note, world.officer, left_at), (third.pk, note, world.officer, left_at)]
    assert tasks_of(campaign, Stage.SURVEYED) == []
    assert len(tasks_of(campaign, Stage.EMPLOYER_CONTACTED)) == 3


def test_hold_cancels_the_tasks_and_resume_recreates_them_with_new_due_dates(world):
    # given
    with clock.travel_to(MONDAY):
        campaign = open_campaign(world)
    originals = tasks_of(campaign, Stage.SURVEYED)

    # when: held on Tuesday
    with clock.travel_to(dt.date(2027, 3, 2)):
        services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)

    # then: no open task while on hold
    assert Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).count() == 0
    assert list(Task.objects.filter(campaign=campaign).order_by("pk").values_list("pk", "status", "closing_note")) == [
        (t.pk, TaskStatus.CANCELLED, cancelled_note(Stage.SURVEYED, Stage.ON_HOLD)) for t in originals]

    # when: resumed the next Monday
    with clock.travel_to(dt.date(2027, 3, 8)):
        services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=world.officer)

    # then: the stage's tasks again, due from the day of the resumption
    resumed = tasks_of(campaign, Stage.SURVEYED)
    assert [t.title for t in resumed] == [t.title for t in originals]
    assert {t.pk for t in resumed}.isdisjoint({t.pk for t in originals})
    assert [t.due_on for t in resumed] == [dt.date(2027, 3, 15), dt.date(2027, 3, 22), dt.date(2027, 3, 22)]
    assert Task.objects.filter(campaign=campaign).count() == 6


@pytest.mark.parametrize("close", ["abandon", "recognise"])
def test_closing_cancels_the_open_tasks(world, close):
    # given
    with clock.travel_to(MONDAY):
        campaign = open_campaign(world)
        contact_employer(world, campaign)
        services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
            services.CommitteeMemberData(f"Công nhân {i}") for i in range(3)])
        services.campaign_transition(campaign_id=campaign.pk, name="form_committee", actor=world.officer)
        services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=5)
        services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=world.officer,
                                     data={"congress_on": MONDAY})
    open_before = [t.pk for t in tasks_of(campaign, Stage.FOUNDING_CONGRESS)]
    total_before = Task.objects.filter(campaign=campaign).count()

    # when
    with clock.travel_to(dt.date(2027, 3, 5)):
        if close == "abandon":
            services.campaign_transition(campaign_id=campaign.pk, name="abandon", actor=world.supervisor,
                                         data={"reason": AbandonReason.WORKERS_DECLINED})
            target = Stage.ABANDONED
        else:
            services.campaign_transition(campaign_id=campaign.pk, name="recognise", actor=world.supervisor, data={
                "decision_number": "21/QĐ-LĐLĐ", "decision_date": dt.date(2027, 3, 5), "admitted_members": 5})
            target = Stage.RECOGNISED

    # then: the stage's open tasks cancelled; a recognition opens the first
    # year's seven milestones (tests/campaigns/test_follow_up.py), an abandon nothing
    opened = 7 if close == "recognise" else 0
    assert len(open_before) == 2
    assert Task.objects.filter(campaign=campaign).count() == total_before + opened
    assert Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).count() == opened
    assert Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN, stage=Stage.RECOGNISED).count() == opened
    assert list(Task.objects.filter(pk__in=open_before).values_list("status", "closing_note")) == [
        (TaskStatus.CANCELLED, cancelled_note(Stage.FOUNDING_CONGRESS, target))] * 2


def test_a_make_up_working_saturday_brings_due_dates_forward(world):
    # given: Saturday 06/03/2027 is worked
    CalendarDay.objects.create(date=dt.date(2027, 3, 6), is_working_day=True, name="Làm bù")

    # when
    with clock.travel_to(MONDAY):
        campaign = open_campaign(world)

    # then: without it, 08/03 and 15/03
    assert due_dates(campaign, Stage.SURVEYED) == [dt.date(2027, 3, 6), dt.date(2027, 3, 12), dt.date(2027, 3, 12)]


def test_an_extra_day_off_pushes_due_dates_back(world):
    # given: Wednesday 03/03/2027 is an extra day off
    CalendarDay.objects.create(date=dt.date(2027, 3, 3), is_working_day=False, name="Nghỉ bổ sung")

    # when
    with clock.travel_to(MONDAY):
        campaign = open_campaign(world)

    # then: without it, 08/03 and 15/03
    assert due_dates(campaign, Stage.SURVEYED) == [dt.date(2027, 3, 9), dt.date(2027, 3, 16), dt.date(2027, 3, 16)]


def test_an_inactive_template_creates_no_task(world):
    # given
    StageTaskTemplate.objects.filter(stage=Stage.SURVEYED, order=1).update(is_active=False)

    # when
    with clock.travel_to(MONDAY):
        campaign = open_campaign(world)

    # then
    assert due_dates(campaign, Stage.SURVEYED) == [dt.date(2027, 3, 15), dt.date(2027, 3, 15)]
