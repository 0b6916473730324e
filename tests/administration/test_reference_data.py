"""Reference data per subtree (issue 14, #7): a province keeps its own stage
checklists, rule sets and days off; the nearest unit's apply to the
campaigns of its subtree, the national ones elsewhere; the screens say where
what is in force comes from.

    P1  Liên đoàn Lao động tỉnh Bắc Ninh (``world.province``)  administrator p1_admin
    ├── D   LĐLĐ khu vực Từ Sơn (``world.district``)           the world's campaigns
    └── D'  LĐLĐ khu vực Quế Võ (``world.other_district``)
    P2  Liên đoàn Lao động tỉnh Hải Dương                       administrator p2_admin
    └── D2  LĐLĐ khu vực Chí Linh                               its own supervisor, group, officer

Monday 01/03/2027 starts a month without a public holiday.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from tests import factories
from tests.conftest import campaign_at
from tests.notifications.helpers import days, run_on, task_reminders
from workflows.administration import reference
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import RuleSet, StageTaskTemplate, Task, TaskStatus
from workflows.campaigns.selectors import (
    reference_zones,
    rules_in_force,
    stage_templates,
    stalled_cutoffs,
    stalled_cutoffs_by_unit,
)
from workflows.core import clock
from workflows.core.errors import DomainError, GuardNotMet, InvalidInput
from workflows.organisation import services as org
from workflows.organisation.models import CalendarDay, ChangeAction, ChangeRecord
from workflows.organisation.permissions import Role
from workflows.organisation.workdays import WorkingCalendar, add_working_days

D = dt.date
MONDAY = D(2027, 3, 1)
NATIONAL_SURVEYED = ["Thu thập thông tin doanh nghiệp: lao động, ngành nghề, chủ sử dụng lao động",
                     "Xác định người lao động nòng cốt", "Lập kế hoạch tiếp cận chủ doanh nghiệp"]


@dataclass
class Province:
    province: object
    district: object
    supervisor: object
    officer: object
    group: object
    admin: object


def administrator(unit, username: str, *, actor):
    user = factories.UserFactory(username=username)
    org.unit_role_grant(unit=unit, user=user, role=Role.ADMINISTRATOR, actor=actor)
    return user


@pytest.fixture
def p1_admin(world):
    return administrator(world.province, "p1_admin", actor=world.admin)


@pytest.fixture
def p2(world) -> Province:
    province = factories.unit(name="Liên đoàn Lao động tỉnh Hải Dương", code="lđlđ-hai-duong",
                              kind="provincial_federation", actor=world.admin)
    district = factories.unit(name="Liên đoàn Lao động khu vực Chí Linh", code="chi-linh",
                              kind="district_federation", parent=province, actor=world.admin)
    supervisor, officer = factories.UserFactory(username="p2_supervisor"), factories.UserFactory(username="p2_officer")
    factories.grant(district, supervisor, "supervisor", actor=world.admin)
    group = factories.working_group(district, "Tổ công tác Chí Linh", [officer], actor=world.admin)
    return Province(province, district, supervisor, officer, group,
                    administrator(province, "p2_admin", actor=world.admin))


def open_in(province_or_world, *, group=None):
    """A campaign opened in the district of ``province_or_world`` (the world's D or P2's D2)."""
    unit = province_or_world.district
    supervisor = province_or_world.supervisor
    group = group or province_or_world.group
    enterprise = factories.EnterpriseFactory(responsible_unit=unit)
    return services.campaign_open(enterprise_id=enterprise.pk, actor=supervisor, working_group_id=group.pk)


def open_titles(campaign, stage=Stage.SURVEYED) -> list[str]:
    return list(Task.objects.filter(campaign=campaign, stage=stage, status=TaskStatus.OPEN)
                .order_by("template__order", "pk").values_list("title", flat=True))


def open_due_dates(campaign, stage=Stage.SURVEYED) -> list[dt.date]:
    return list(Task.objects.filter(campaign=campaign, stage=stage, status=TaskStatus.OPEN)
                .order_by("template__order", "pk").values_list("due_on", flat=True))


def p1_checklist(world, p1_admin, stage=Stage.SURVEYED, titles=("Khảo sát theo mẫu của tỉnh", "Báo cáo tỉnh")):
    return [reference.task_template_create(actor=p1_admin, unit_id=world.province.pk, values=reference.TemplateValues(
        stage=stage, title=title, due_in_working_days=3 + 2 * i, order=i + 1)) for i, title in enumerate(titles)]


# --- stage task templates -------------------------------------------------------------------
def test_p1s_checklist_replaces_the_national_one_for_ds_campaigns_and_not_for_p2s(world, p1_admin, p2):
    # given: P1 keeps its own checklist of the surveyed stage
    with clock.travel_to(MONDAY):
        p1_checklist(world, p1_admin)

        # when: campaigns enter the stage (they are opened) in D and in P2
        in_d, in_p2 = open_in(world), open_in(p2)

    # then
    assert open_titles(in_d) == ["Khảo sát theo mẫu của tỉnh", "Báo cáo tỉnh"]
    assert open_due_dates(in_d) == [D(2027, 3, 4), D(2027, 3, 8)]
    assert open_titles(in_p2) == NATIONAL_SURVEYED
    # and the other stages, for which P1 keeps nothing, stay national for D
    assert list(stage_templates(Stage.EMPLOYER_CONTACTED, unit=world.district)) == list(
        stage_templates(Stage.EMPLOYER_CONTACTED))


def test_the_nearest_unit_with_active_templates_wins_and_deactivating_them_all_restores_the_inherited(
        world, p1_admin, p2):
    # given: P1's checklist, and D's own one of a single task
    with clock.travel_to(MONDAY):
        p1_checklist(world, p1_admin)
        d_task = reference.task_template_create(
            actor=p1_admin, unit_id=world.district.pk,
            values=reference.TemplateValues(stage=Stage.SURVEYED, title="Việc riêng của Từ Sơn", due_in_working_days=1))

        # when / then: D's, then P1's once D's only template is deactivated
        assert open_titles(open_in(world)) == ["Việc riêng của Từ Sơn"]
        assert [t.title for t in stage_templates(Stage.SURVEYED, unit=world.other_district)] == [
            "Khảo sát theo mẫu của tỉnh", "Báo cáo tỉnh"]
        reference.task_template_deactivate(actor=p1_admin, template_id=d_task.pk)
        assert open_titles(open_in(world)) == ["Khảo sát theo mẫu của tỉnh", "Báo cáo tỉnh"]


def test_stage_templates_is_one_query(world, p1_admin, django_assert_num_queries):
    p1_checklist(world, p1_admin)

    with django_assert_num_queries(1):
        titles = [t.title for t in stage_templates(Stage.SURVEYED, unit=world.district)]

    assert titles == ["Khảo sát theo mẫu của tỉnh", "Báo cáo tỉnh"]


def test_copying_the_inherited_checklist_gives_the_unit_its_own_copy(world, p1_admin):
    # when
    copies = reference.task_templates_copy(actor=p1_admin, unit_id=world.province.pk, stage=Stage.SURVEYED)

    # then: P1's own copies of the national checklist are now in force for D
    assert [(t.unit, t.title, t.due_in_working_days) for t in copies] == [
        (world.province, title, days) for title, days in zip(NATIONAL_SURVEYED, [5, 10, 10], strict=True)]
    assert [t.pk for t in stage_templates(Stage.SURVEYED, unit=world.district)] == [t.pk for t in copies]
    assert StageTaskTemplate.objects.filter(unit=None, stage=Stage.SURVEYED).count() == 3  # untouched
    record = ChangeRecord.objects.get(action=ChangeAction.REFERENCE_CHANGED)
    assert (record.action, record.unit, record.actor, len(record.after["templates"])) == (
        ChangeAction.REFERENCE_CHANGED, world.province, p1_admin, 3)
    # and a second copy is refused: the unit keeps its own already
    with pytest.raises(DomainError):
        reference.task_templates_copy(actor=p1_admin, unit_id=world.province.pk, stage=Stage.SURVEYED)


# --- rule sets ---------------------------------------------------------------------------------
CHANGE = D(2027, 4, 1)


def p1_rule_set(world, p1_admin, **values):
    with clock.travel_to(MONDAY):
        return reference.rule_set_create(actor=p1_admin, unit_id=world.province.pk, values=reference.RuleSetValues(
            name="Quy định của tỉnh", effective_from=CHANGE, **{"min_committee": 5, **values}))


def committee_of_three(campaign, officer):
    services.campaign_committee_record(campaign_id=campaign.pk, actor=officer, members=[
        services.CommitteeMemberData(f"Công nhân {i}") for i in range(3)])


def test_p1s_rule_set_applies_to_ds_campaigns_from_its_effective_date_and_not_to_p2s(world, p1_admin, p2):
    # given: P1 requires a committee of 5 from 01/04/2027
    p1_rule_set(world, p1_admin)

    # then: the rule set in force, by unit and day
    assert [rules_in_force(on=day, unit=unit).min_committee for unit, day in [
        (world.district, CHANGE - dt.timedelta(days=1)), (world.district, CHANGE), (world.province, CHANGE),
        (world.other_district, CHANGE), (p2.district, CHANGE), (None, CHANGE)]] == [3, 5, 5, 5, 3, 3]


def test_the_guard_of_ds_campaigns_follows_p1s_rule_set_from_its_date(world, p1_admin, p2):
    # given
    p1_rule_set(world, p1_admin)
    with clock.travel_to(MONDAY):
        before, after = campaign_at(world, Stage.EMPLOYER_CONTACTED), None
        after = campaign_at(world, Stage.EMPLOYER_CONTACTED, enterprise=factories.EnterpriseFactory(
            responsible_unit=world.district))
        in_p2 = open_in(p2)
        services.campaign_meeting_record(campaign_id=in_p2.pk, actor=p2.officer, held_on=MONDAY, outcome="supportive")
        services.campaign_transition(campaign_id=in_p2.pk, name="contact_employer", actor=p2.officer)
        for campaign, officer in ((before, world.officer), (after, world.officer), (in_p2, p2.officer)):
            committee_of_three(campaign, officer)

    # when: a committee of three is formed the day before the change in D, on the day in D and in P2
    with clock.travel_to(CHANGE - dt.timedelta(days=1)):
        services.campaign_transition(campaign_id=before.pk, name="form_committee", actor=world.officer)
    with clock.travel_to(CHANGE):
        with pytest.raises(GuardNotMet) as refused:
            services.campaign_transition(campaign_id=after.pk, name="form_committee", actor=world.officer)
        services.campaign_transition(campaign_id=in_p2.pk, name="form_committee", actor=p2.officer)

    # then
    before.refresh_from_db(), after.refresh_from_db(), in_p2.refresh_from_db()
    assert (before.stage, after.stage, in_p2.stage) == (
        Stage.MOBILISING_COMMITTEE, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE)
    assert "5" in refused.value.message


def test_a_unit_rule_set_effective_later_does_not_hide_the_one_above_until_then(world, p1_admin):
    # given: P1's rule set from 01/04, D's own from 01/05
    p1_rule_set(world, p1_admin)
    with clock.travel_to(MONDAY):
        reference.rule_set_create(actor=p1_admin, unit_id=world.district.pk, values=reference.RuleSetValues(
            name="Quy định của Từ Sơn", effective_from=D(2027, 5, 1), min_committee=4))

    # then
    assert [rules_in_force(on=day, unit=world.district).min_committee
            for day in (D(2027, 3, 31), D(2027, 4, 30), D(2027, 5, 1))] == [3, 5, 4]


def test_the_rule_set_in_force_is_one_query_and_its_limits(world, p1_admin, django_assert_num_queries):
    p1_rule_set(world, p1_admin)

    with django_assert_num_queries(2):
        rules = rules_in_force(on=CHANGE, unit=world.district)

    assert rules.min_committee == 5


def test_a_rule_set_in_force_is_history_and_a_new_one_starts_today_or_later(world, p1_admin):
    rule_set = p1_rule_set(world, p1_admin)
    values = reference.RuleSetValues(name="Sửa", effective_from=CHANGE, min_committee=6)

    with clock.travel_to(CHANGE + dt.timedelta(days=1)):
        with pytest.raises(DomainError):
            reference.rule_set_update(actor=p1_admin, rule_set_id=rule_set.pk, values=values)
        with pytest.raises(DomainError):
            reference.rule_set_withdraw(actor=p1_admin, rule_set_id=rule_set.pk)
        with pytest.raises(InvalidInput) as refused:
            reference.rule_set_create(actor=p1_admin, unit_id=world.province.pk, values=values)

    assert list(refused.value.fields) == ["effective_from"]
    assert RuleSet.objects.get(pk=rule_set.pk).min_committee == 5


# --- the working calendar ----------------------------------------------------------------------
P1_DAY_OFF = D(2027, 3, 3)


def p1_day_off(world, p1_admin, day=P1_DAY_OFF):
    with clock.travel_to(MONDAY - dt.timedelta(days=7)):
        return reference.calendar_day_create(actor=p1_admin, unit_id=world.province.pk, values=reference.DayValues(
            date=day, is_working_day=False, name="Nghỉ kỷ niệm ngày tái lập tỉnh"))


def test_an_extra_day_off_of_p1_moves_the_due_dates_of_ds_campaigns_and_not_p2s(world, p1_admin, p2):
    # given: Wednesday 03/03/2027 is a day off in P1
    p1_day_off(world, p1_admin)

    # when: campaigns are opened on Monday 01/03 (the surveyed tasks: 5, 10 and 10 working days)
    with clock.travel_to(MONDAY):
        in_d, in_p2 = open_in(world), open_in(p2)

    # then
    assert open_due_dates(in_d) == [D(2027, 3, 9), D(2027, 3, 16), D(2027, 3, 16)]
    assert open_due_dates(in_p2) == [D(2027, 3, 8), D(2027, 3, 15), D(2027, 3, 15)]


def test_the_nearest_units_exception_wins_for_a_day(world, p1_admin):
    # given: P1's day off on Wednesday 03/03, which D works (a make-up working day of its own)
    p1_day_off(world, p1_admin)
    with clock.travel_to(MONDAY - dt.timedelta(days=7)):
        reference.calendar_day_create(actor=p1_admin, unit_id=world.district.pk, values=reference.DayValues(
            date=D(2027, 3, 3), is_working_day=True, name="Từ Sơn làm việc"))

    # when / then
    assert [add_working_days(MONDAY, 5, unit) for unit in (None, world.province, world.district,
                                                          world.other_district)] == [
        D(2027, 3, 8), D(2027, 3, 9), D(2027, 3, 8), D(2027, 3, 9)]
    calendars = WorkingCalendar.load_many(MONDAY, D(2027, 3, 31), [world.district.path, world.other_district.path])
    assert [calendars[u.path].is_working_day(D(2027, 3, 3)) for u in (world.district, world.other_district)] == [
        True, False]


def test_the_zones_cut_the_tree_where_units_keep_their_own_data(world, p1_admin, p2):
    # given: P1 keeps a day off, D a rule set
    p1_day_off(world, p1_admin)
    with clock.travel_to(MONDAY - dt.timedelta(days=7)):
        reference.rule_set_create(actor=p1_admin, unit_id=world.district.pk, values=reference.RuleSetValues(
            name="Quy định của Từ Sơn", effective_from=MONDAY, remind_before_due=1))

    # when
    zones = reference_zones(on=MONDAY, start=MONDAY, end=D(2027, 3, 31))

    # then: D, P1 (less D), the nation (less P1)
    assert [(z.path, z.below) for z in zones] == [(world.district.path, ()), (world.province.path,
                                                  (world.district.path,)), ("", (world.province.path,))]
    assert [zones.of(u.path).path for u in (world.district, world.other_district, p2.district)] == [
        world.district.path, world.province.path, ""]
    assert [z.reminder_rules_on(MONDAY).days_before for z in zones] == [1, 2, 2]
    assert [z.calendar.is_working_day(D(2027, 3, 3)) for z in zones] == [False, False, True]


def test_stalled_cutoffs_count_each_units_working_days(world, p1_admin, p2):
    # given: P1's day off on 03/03
    p1_day_off(world, p1_admin)

    # when
    today = D(2027, 3, 31)
    everywhere = stalled_cutoffs_by_unit(today=today)

    # then: the surveyed stage's 20 working days reach one day further back in P1
    assert everywhere.of(world.district.path) == stalled_cutoffs(today=today, unit=world.district)
    assert everywhere.of(p2.district.path) == stalled_cutoffs(today=today)
    assert (stalled_cutoffs(today=today)[Stage.SURVEYED] - everywhere.of(world.district.path)[Stage.SURVEYED]
            ) == dt.timedelta(days=1)


# --- reminders -------------------------------------------------------------------------------------
def quiet_in(province_or_world, *, on: dt.date):
    """A campaign opened on ``on`` with its template tasks done, and one task
    due on Monday 08/03/2027 for its officer."""
    officer = province_or_world.officer
    with clock.travel_to(on):
        campaign = open_in(province_or_world)
        for task in Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN):
            services.task_complete(task_id=task.pk, actor=officer)
        return services.task_add(campaign_id=campaign.pk, actor=province_or_world.supervisor, title="Gặp tổ trưởng",
                                 due_on=D(2027, 3, 8), assignee_id=officer.pk)


def test_reminders_count_the_working_days_of_the_tasks_unit(world, p1_admin, p2, django_capture_on_commit_callbacks):
    # given: Friday 05/03 is a day off in P1; tasks due on Monday 08/03 in D and in P2
    p1_day_off(world, p1_admin, day=D(2027, 3, 5))
    in_d, in_p2 = quiet_in(world, on=MONDAY), quiet_in(p2, on=MONDAY)

    # when: the job runs every day of the week
    for day in days(MONDAY, D(2027, 3, 8)):
        run_on(day, django_capture_on_commit_callbacks)

    # then: two working days before (Thursday and Monday are left in D), nothing on P1's day off
    assert task_reminders(in_d) == [(D(2027, 3, 3), "before_due", "officer"), (D(2027, 3, 8), "due_today", "officer")]
    assert task_reminders(in_p2) == [(D(2027, 3, 4), "before_due", "p2_officer"),
                                     (D(2027, 3, 8), "due_today", "p2_officer")]


def test_escalations_follow_the_rule_set_of_the_tasks_unit(world, p1_admin, p2, django_capture_on_commit_callbacks):
    # given: P1 escalates a task one working day overdue (the nation: three)
    with clock.travel_to(MONDAY - dt.timedelta(days=7)):
        reference.rule_set_create(actor=p1_admin, unit_id=world.province.pk, values=reference.RuleSetValues(
            name="Quy định của tỉnh", effective_from=MONDAY, escalate_overdue_after=1))
    in_d, in_p2 = quiet_in(world, on=MONDAY), quiet_in(p2, on=MONDAY)

    # when
    for day in days(D(2027, 3, 9), D(2027, 3, 12)):
        run_on(day, django_capture_on_commit_callbacks)

    # then
    assert [r for r in task_reminders(in_d) if r[1] == "escalation_overdue"] == [
        (D(2027, 3, 9), "escalation_overdue", "supervisor")]
    assert [r for r in task_reminders(in_p2) if r[1] == "escalation_overdue"] == [
        (D(2027, 3, 11), "escalation_overdue", "p2_supervisor")]


def test_on_a_day_off_of_p1_its_people_get_no_overdue_digest_and_p2s_do(world, p1_admin, p2,
                                                                        django_capture_on_commit_callbacks):
    # given: tasks overdue since Monday 08/03; Wednesday 10/03 is a day off in P1
    p1_day_off(world, p1_admin, day=D(2027, 3, 10))
    quiet_in(world, on=MONDAY), quiet_in(p2, on=MONDAY)

    # when
    run = run_on(D(2027, 3, 10), django_capture_on_commit_callbacks)

    # then
    from workflows.notifications.models import Reminder
    assert run.working_day is True
    assert list(Reminder.objects.filter(kind="overdue_digest").values_list("recipient__username", flat=True)) == [
        "p2_officer"]


# --- the screens ---------------------------------------------------------------------------------------
def unit_url(unit) -> str:
    return reverse("administration:reference:unit", args=[unit.pk])


def test_the_unit_page_says_where_what_is_in_force_comes_from(client, world, p1_admin):
    # given: P1's checklist of the surveyed stage and its rule set; a national day off and D's make-up day
    p1_checklist(world, p1_admin)
    p1_rule_set(world, p1_admin)
    with clock.travel_to(MONDAY - dt.timedelta(days=7)):
        CalendarDay.objects.create(date=D(2027, 3, 2), is_working_day=False, name="Nghỉ toàn quốc")
        reference.calendar_day_create(actor=p1_admin, unit_id=world.district.pk, values=reference.DayValues(
            date=D(2027, 3, 2), is_working_day=True, name="Từ Sơn làm bù"))
    client.force_login(p1_admin)

    # when
    with clock.travel_to(MONDAY):
        response = client.get(unit_url(world.district) + "?year=2027")

    # then
    assert response.status_code == 200
    page = response.context["page"]
    national, this_unit = gettext("National"), gettext("This unit")
    assert [(row.rule_set.name, row.origin.label, row.start, row.end, row.current) for row in page.rule_sets] == [
        ("Luật Công đoàn 2024 và Điều lệ Công đoàn Việt Nam", national, D(2025, 7, 1), D(2027, 3, 31), True),
        ("Quy định của tỉnh", world.province.name, CHANGE, None, False)]
    assert [(c.stage, c.origin.label, len(c.templates), c.may_copy) for c in page.checklists] == [
        (Stage.SURVEYED, world.province.name, 2, True), (Stage.EMPLOYER_CONTACTED, national, 3, True),
        (Stage.MOBILISING_COMMITTEE, national, 4, True), (Stage.FOUNDING_CONGRESS, national, 2, True),
        (Stage.RECOGNISED, national, 7, True)]
    march = [(row.day, row.is_working_day, row.origin.label if row.origin else None, row.editable)
             for row in page.calendar if row.day.month == 3]
    assert march == [(D(2027, 3, 2), True, this_unit, True)]
    html = response.content.decode()
    assert html.count(f'<td class="origin">{world.province.name}</td>') == 1
    assert "Từ Sơn làm bù" in html


def test_the_province_page_shows_its_own_items_as_this_units(client, world, p1_admin):
    p1_checklist(world, p1_admin)
    client.force_login(p1_admin)

    response = client.get(unit_url(world.province))

    checklist = response.context["page"].checklists[0]
    assert (checklist.origin.label, checklist.may_copy, [t.title for t in checklist.own]) == (
        gettext("This unit"), False, ["Khảo sát theo mẫu của tỉnh", "Báo cáo tỉnh"])


def test_the_administrator_adds_changes_and_deactivates_a_template_through_the_screens(client, world, p1_admin):
    client.force_login(p1_admin)
    add = reverse("administration:reference:template_add", args=[world.province.pk])

    # when: added
    with clock.travel_to(MONDAY):
        added = client.post(add, {"stage": Stage.SURVEYED, "title": "Khảo sát", "description": "",
                                  "due_in_working_days": "4", "order": "1", "is_active": "on"})
    template = StageTaskTemplate.objects.get(unit=world.province)
    # and changed, then deactivated
    changed = client.post(reverse("administration:reference:template_edit", args=[world.province.pk, template.pk]),
                          {"stage": Stage.SURVEYED, "title": "Khảo sát kỹ", "description": "",
                           "due_in_working_days": "6", "order": "1", "is_active": "on"})
    deactivated = client.post(reverse("administration:reference:template_deactivate",
                                      args=[world.province.pk, template.pk]))

    # then
    assert [r.status_code for r in (added, changed, deactivated)] == [302, 302, 302]
    template.refresh_from_db()
    assert (template.title, template.due_in_working_days, template.is_active) == ("Khảo sát kỹ", 6, False)
    records = list(ChangeRecord.objects.filter(action=ChangeAction.REFERENCE_CHANGED).order_by("pk")
                   .values_list("action", "unit", "actor", "before", "after"))
    assert [(a, u, who) for a, u, who, _b, _a in records] == [(ChangeAction.REFERENCE_CHANGED, world.province.pk,
                                                              p1_admin.pk)] * 3
    assert [(b.get("title"), a.get("title"), a.get("is_active")) for *_, b, a in records] == [
        (None, "Khảo sát", True), ("Khảo sát", "Khảo sát kỹ", True), ("Khảo sát kỹ", "Khảo sát kỹ", False)]


def test_the_administrator_adds_a_rule_set_with_its_limits_and_a_day_through_the_screens(client, world, p1_admin):
    client.force_login(p1_admin)

    with clock.travel_to(MONDAY):
        rules = client.post(reverse("administration:reference:rule_set_add", args=[world.province.pk]), {
            "name": "Quy định của tỉnh", "effective_from": "01/04/2027", "min_committee": "5", "min_members": "7",
            "remind_before_due": "2", "escalate_overdue_after": "3", "verification_days": "5", "decision_days": "5",
            "required_documents": ["member_list", "congress_minutes"], "note": "Nghị quyết 12",
            "limit_surveyed": "15", "limit_employer_contacted": ""})
        day = client.post(reverse("administration:reference:day_add", args=[world.province.pk]), {
            "date": "05/03/2027", "kind": "off", "name": "Nghỉ kỷ niệm"})
        refused = client.post(reverse("administration:reference:day_add", args=[world.province.pk]), {
            "date": "05/03/2027", "kind": "working", "name": ""})

    assert [rules.status_code, day.status_code, refused.status_code] == [302, 302, 400]
    rule_set = RuleSet.objects.get(unit=world.province)
    assert (rule_set.effective_from, rule_set.min_members, rule_set.required_documents,
            list(rule_set.limits.values_list("stage", "working_days"))) == (
        CHANGE, 7, ["member_list", "congress_minutes"], [("surveyed", 15)])
    assert list(CalendarDay.objects.filter(unit=world.province).values_list("date", "is_working_day")) == [
        (D(2027, 3, 5), False)]
    assert ChangeRecord.objects.filter(unit=world.province, action=ChangeAction.REFERENCE_CHANGED).count() == 2


def test_the_picker_lists_the_units_the_user_administers(client, world, p1_admin, p2):
    client.force_login(p1_admin)

    response = client.get(reverse("administration:reference:home"))

    assert [label for _pk, label in response.context["units"]] == [
        world.province.name, "— " + world.district.name, "— " + world.other_district.name]


# --- who may -----------------------------------------------------------------------------------------------
WHO = ["p1_admin", "p2_admin", "province_supervisor", "officer", "manager", "d_admin"]


def who(name, world, p2):
    if name == "p1_admin":
        return administrator(world.province, "p1_admin", actor=world.admin)
    if name == "p2_admin":
        return p2.admin
    if name == "province_supervisor":
        user = factories.UserFactory(username="province_supervisor")
        factories.grant(world.province, user, "supervisor", actor=world.admin)
        return user
    if name == "d_admin":  # the district's administrator, on the province above it
        return administrator(world.district, "d_admin", actor=world.admin)
    return world.user(name)


def written() -> tuple[int, int, int, int]:
    return (StageTaskTemplate.objects.count(), RuleSet.objects.count(), CalendarDay.objects.count(),
            ChangeRecord.objects.filter(action=ChangeAction.REFERENCE_CHANGED).count())


POSTS = {
    "template_add": {"stage": Stage.SURVEYED, "title": "Khảo sát", "due_in_working_days": "4", "order": "1",
                     "is_active": "on"},
    "checklist_copy": {"stage": Stage.SURVEYED},
    "rule_set_add": {"name": "Quy định", "effective_from": "01/04/2027", "min_committee": "5", "min_members": "5",
                     "remind_before_due": "2", "escalate_overdue_after": "3", "verification_days": "5",
                     "decision_days": "5"},
    "day_add": {"date": "05/03/2027", "kind": "off", "name": "Nghỉ"},
}


@pytest.mark.parametrize("role", WHO)
@pytest.mark.parametrize("action", list(POSTS))
def test_only_an_administrator_of_the_unit_or_above_keeps_its_reference_data(client, world, p2, role, action):
    # given
    user = who(role, world, p2)
    client.force_login(user)
    before = written()

    # when
    with clock.travel_to(MONDAY):
        page = client.get(unit_url(world.province))
        response = client.post(reverse(f"administration:reference:{action}", args=[world.province.pk]), POSTS[action])

    # then
    if role == "p1_admin":
        assert (page.status_code, response.status_code) == (200, 302)
        assert written() != before
    else:
        assert (page.status_code, response.status_code) == (404, 404)
        assert written() == before


@pytest.mark.parametrize("role", ["p2_admin", "province_supervisor", "officer", "manager", "d_admin"])
def test_nobody_else_changes_or_withdraws_p1s_items(client, world, p2, p1_admin, role):
    # given: P1's template, rule set and day
    template = p1_checklist(world, p1_admin)[0]
    rule_set = p1_rule_set(world, p1_admin)
    day = p1_day_off(world, p1_admin)
    user = who(role, world, p2)
    client.force_login(user)
    before = written()

    # when
    with clock.travel_to(MONDAY):
        answers = [client.post(reverse(f"administration:reference:{name}", args=[world.province.pk, pk]),
                               data).status_code
                   for name, pk, data in [
                       ("template_edit", template.pk, POSTS["template_add"]),
                       ("template_deactivate", template.pk, {}),
                       ("rule_set_edit", rule_set.pk, POSTS["rule_set_add"]),
                       ("rule_set_withdraw", rule_set.pk, {}),
                       ("day_edit", day.pk, POSTS["day_add"]),
                       ("day_withdraw", day.pk, {})]]

    # then
    assert answers == [404] * 6
    assert written() == before
    template.refresh_from_db()
    assert template.is_active is True


@pytest.mark.parametrize("role", ["p2_admin", "province_supervisor", "officer", "d_admin"])
def test_the_services_refuse_whoever_does_not_administer_the_unit(world, p2, role):
    from django.core.exceptions import PermissionDenied

    user = who(role, world, p2)
    before = written()

    with clock.travel_to(MONDAY), pytest.raises(PermissionDenied):
        reference.task_templates_copy(actor=user, unit_id=world.province.pk, stage=Stage.SURVEYED)

    assert written() == before


def test_national_items_are_not_kept_through_the_screens_services(world, p1_admin):
    from django.core.exceptions import PermissionDenied

    national = StageTaskTemplate.objects.filter(unit=None).first()

    with pytest.raises(PermissionDenied):
        reference.task_template_deactivate(actor=p1_admin, template_id=national.pk)
    with pytest.raises(PermissionDenied):  # not even by the superuser: Django admin keeps them
        reference.task_template_deactivate(actor=world.admin, template_id=national.pk)

    national.refresh_from_db()
    assert national.is_active is True


# --- Django admin (the superuser's, for the national items) ---------------------------------------------
def test_django_admin_shows_the_unit_column_and_records_the_superusers_changes(client, world):
    client.force_login(world.admin)
    national = StageTaskTemplate.objects.filter(unit=None).order_by("pk").first()

    pages = [client.get(reverse(f"admin:{name}")).status_code for name in (
        "campaigns_ruleset_changelist", "campaigns_stagetasktemplate_changelist", "organisation_calendarday_changelist",
        "campaigns_ruleset_add", "organisation_calendarday_add")]
    change_url = reverse("admin:campaigns_stagetasktemplate_change", args=[national.pk])
    form = client.get(change_url)
    response = client.post(change_url, {"unit": "", "stage": national.stage, "title": "Thu thập thông tin (sửa)",
                                        "description": "", "due_in_working_days": "6", "order": str(national.order),
                                        "is_active": "on"})

    assert pages == [200] * 5
    assert form.status_code == 200 and b'name="unit"' in form.content
    assert response.status_code == 302
    record = ChangeRecord.objects.get(action=ChangeAction.REFERENCE_CHANGED)
    assert (record.unit, record.actor, record.before["title"], record.after["title"]) == (
        None, world.admin, NATIONAL_SURVEYED[0], "Thu thập thông tin (sửa)")


def test_in_django_admin_only_the_superuser_changes_a_national_item(client, world):
    from django.contrib.auth.models import Permission

    clerk = factories.UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_stagetasktemplate",
                                                                       "change_stagetasktemplate"]))
    client.force_login(clerk)
    national = StageTaskTemplate.objects.filter(unit=None).order_by("pk").first()
    change_url = reverse("admin:campaigns_stagetasktemplate_change", args=[national.pk])

    client.post(change_url, {"unit": "", "stage": national.stage, "title": "Sửa trộm", "description": "",
                             "due_in_working_days": "6", "order": "1", "is_active": "on"})

    national.refresh_from_db()
    assert national.title == NATIONAL_SURVEYED[0]
    assert ChangeRecord.objects.filter(action=ChangeAction.REFERENCE_CHANGED).count() == 0


def test_every_reference_screen_renders_for_the_administrator(client, world, p1_admin):
    template = p1_checklist(world, p1_admin)[0]
    rule_set = p1_rule_set(world, p1_admin)
    day = p1_day_off(world, p1_admin, day=D(2027, 3, 10))
    client.force_login(p1_admin)
    unit = world.province.pk

    with clock.travel_to(MONDAY):
        answers = {name: client.get(reverse(f"administration:reference:{name}", args=args)).status_code
                   for name, args in [("unit", [unit]), ("template_add", [unit]),
                                      ("template_edit", [unit, template.pk]),
                                      ("rule_set_add", [unit]), ("rule_set_edit", [unit, rule_set.pk]),
                                      ("day_add", [unit]), ("day_edit", [unit, day.pk])]}
        # an item of the unit, asked for under another unit's address, is missing there
        elsewhere = client.get(reverse("administration:reference:template_edit", args=[world.district.pk, template.pk]))

    assert answers == dict.fromkeys(answers, 200)
    assert elsewhere.status_code == 404


# --- the first year after recognition (issue 20) ----------------------------------------------
FIRST_YEAR_POST = {"stage": Stage.RECOGNISED, "description": "", "order": "1", "is_active": "on"}
RULES_POST = {"name": "Quy định theo dõi năm đầu", "effective_from": "01/03/2027", "min_committee": "3",
              "min_members": "5", "remind_before_due": "2", "escalate_overdue_after": "3", "verification_days": "5",
              "decision_days": "5", "required_documents": ["member_list", "congress_minutes"], "note": ""}


def test_the_administrators_first_year_checklist_and_months_apply_to_the_next_recognition(client, world, p1_admin):
    from workflows.campaigns.models import FollowUp

    client.force_login(p1_admin)
    add = reverse("administration:reference:template_add", args=[world.province.pk])

    # given: the province's own checklist of the first year and its rule set's months
    with clock.travel_to(MONDAY):
        answers = [
            client.post(add, {**FIRST_YEAR_POST, "title": "Ra mắt", "milestone": "launch", "is_core": "on",
                              "due_in_working_days": "10", "order": "1"}),
            client.post(add, {**FIRST_YEAR_POST, "title": "Nộp đoàn phí", "milestone": "dues_remitted",
                              "is_core": "on", "due_in_working_days": "30", "order": "2"}),
            client.post(add, {**FIRST_YEAR_POST, "title": "Thỏa ước", "milestone": "agreement",
                              "due_in_working_days": "120", "order": "3"}),
            client.post(reverse("administration:reference:rule_set_add", args=[world.province.pk]), {
                **RULES_POST, "follow_up_months": "18", "dues_within_months": "3"}),
        ]
        page = client.get(reverse("administration:reference:unit", args=[world.province.pk]))
        # when: the next recognition in the district
        campaign = campaign_at(world, Stage.RECOGNISED)

    # then
    assert [a.status_code for a in answers] == [302, 302, 302, 302]
    assert list(StageTaskTemplate.objects.filter(unit=world.province).order_by("order").values_list(
        "stage", "milestone", "is_core")) == [("recognised", "launch", True), ("recognised", "dues_remitted", True),
                                               ("recognised", "agreement", False)]
    html = page.content.decode()
    assert html.count('data-milestone="launch"') == 1 and html.count('data-milestone="cards"') == 0
    tasks = Task.objects.filter(campaign=campaign, stage=Stage.RECOGNISED).order_by("template__order")
    assert [(t.title, t.milestone, t.is_core, t.due_on) for t in tasks] == [
        ("Ra mắt", "launch", True, D(2027, 3, 15)), ("Nộp đoàn phí", "dues_remitted", True, D(2027, 4, 12)),
        ("Thỏa ước", "agreement", False, D(2027, 8, 19))]
    follow_up = FollowUp.objects.get(campaign=campaign)
    assert (follow_up.opened_on, follow_up.ends_on, follow_up.dues_due_by) == (MONDAY, D(2028, 9, 1), D(2027, 6, 1))


@pytest.mark.parametrize("post", [
    {"title": "Ra mắt", "milestone": ""},  # the first year's task is a milestone
    {"title": "Ra mắt", "milestone": "no_such"},
    {"title": "Ra mắt lần hai", "milestone": "launch"},  # already kept, active
    {"title": "Khảo sát", "milestone": "launch", "stage": Stage.SURVEYED},  # a working stage has no milestone
])
def test_a_bad_first_year_template_answers_400_and_writes_nothing(client, world, p1_admin, post):
    client.force_login(p1_admin)
    add = reverse("administration:reference:template_add", args=[world.province.pk])
    with clock.travel_to(MONDAY):
        client.post(add, {**FIRST_YEAR_POST, "title": "Ra mắt", "milestone": "launch", "due_in_working_days": "10"})
        before = ChangeRecord.objects.count()

        response = client.post(add, {**FIRST_YEAR_POST, "due_in_working_days": "10", **post})

    assert response.status_code == 400
    assert StageTaskTemplate.objects.filter(unit=world.province).count() == 1
    assert ChangeRecord.objects.count() == before


@pytest.mark.parametrize(("follow_up", "dues"), [("0", "6"), ("37", "6"), ("12", "0"), ("12", "25"), ("x", "6")])
def test_bad_first_year_months_answer_400_and_write_nothing(client, world, p1_admin, follow_up, dues):
    client.force_login(p1_admin)
    with clock.travel_to(MONDAY):
        response = client.post(reverse("administration:reference:rule_set_add", args=[world.province.pk]), {
            **RULES_POST, "follow_up_months": follow_up, "dues_within_months": dues})

    assert response.status_code == 400
    assert RuleSet.objects.filter(unit=world.province).count() == 0
    assert ChangeRecord.objects.filter(action=ChangeAction.REFERENCE_CHANGED).count() == 0


def test_the_services_check_the_months_and_the_milestone(world, p1_admin):
    values = reference.RuleSetValues(name="Quy định", effective_from=MONDAY, follow_up_months=40,
                                     dues_within_months=0)
    with clock.travel_to(MONDAY), pytest.raises(InvalidInput) as refused:
        reference.rule_set_create(actor=p1_admin, unit_id=world.province.pk, values=values)
    with clock.travel_to(MONDAY), pytest.raises(InvalidInput) as no_milestone:
        reference.task_template_create(actor=p1_admin, unit_id=world.province.pk, values=reference.TemplateValues(
            stage=Stage.RECOGNISED, title="Ra mắt"))

    assert sorted(refused.value.fields) == ["dues_within_months", "follow_up_months"]
    assert list(no_milestone.value.fields) == ["milestone"]
    assert RuleSet.objects.filter(unit=world.province).count() == 0
    assert StageTaskTemplate.objects.filter(unit=world.province).count() == 0


def test_copying_the_national_first_year_checklist_keeps_milestones_and_core(world, p1_admin):
    with clock.travel_to(MONDAY):
        copies = reference.task_templates_copy(actor=p1_admin, unit_id=world.province.pk, stage=Stage.RECOGNISED)

    assert [(c.milestone, c.is_core) for c in copies] == [
        ("launch", True), ("committee_trained", True), ("dues_set_up", True), ("dues_remitted", True),
        ("cards", False), ("dialogue", True), ("agreement", False)]
