"""The official report's worked example, the figures as of a past day, and
member movements moving the figures. (The layouts, their files and pages in
detail: ``test_layouts``.)"""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import campaign_at
from tests.exports.helpers import ask, prepared
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.exports.models import ExportRun
from workflows.statistics import engine, indicators, services as statistics_services
from workflows.statistics.models import Metric, MovementKind, ProgrammeBasis
from workflows.statistics.periods import Period


@pytest.mark.parametrize("net,target,printed", [(1331, 2400, "55.45"), (239, 850, "28.11"), (-182, 500, "0.00"),
                                                (0, 0, "0.00"), (850, 850, "100.00")])
def test_percentages_are_cut_not_rounded_and_zero_when_negative(net, target, printed):
    assert indicators.ratio(net, target) == Decimal(printed)
    assert indicators.get(Metric.NET_MEMBERS).achievement(net, indicators.TargetValue(target)) == Decimal(printed)


def set_targets(world, boss):
    term = statistics_services.programme_create(
        unit_id=world.province.pk, name="Nhiệm kỳ 2023–2028", basis_kind=ProgrammeBasis.CONGRESS_RESOLUTION,
        start=dt.date(2023, 10, 1), end=dt.date(2028, 9, 30), actor=boss)
    plan = statistics_services.programme_create(
        unit_id=world.province.pk, name="Kế hoạch 2027", basis_kind=ProgrammeBasis.YEAR_PLAN,
        start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31), actor=boss)
    for programme, metric, value in [(term, Metric.NET_MEMBERS, 2400), (term, Metric.NEW_UNIONS, 12),
                                     (plan, Metric.NEW_MEMBERS, 500)]:
        statistics_services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=metric,
                                        received=value, allocations={world.district.pk: value,
                                                                     world.other_district.pk: 10}, actor=boss)


def test_the_report_prints_the_worked_example(client, world, province_supervisor, django_capture_on_commit_callbacks):
    with clock.travel_to(dt.date(2026, 5, 4)):
        set_targets(world, province_supervisor)
        campaign = campaign_at(world, Stage.RECOGNISED)  # admits 5 members
    with clock.travel_to(dt.date(2026, 7, 1)):
        statistics_services.movement_record(unit_id=world.district.pk, month=dt.date(2026, 6, 1),
                                            kind=MovementKind.RECRUITED, members=1326, actor=world.supervisor)
        statistics_services.movement_record(unit_id=world.other_district.pk, month=dt.date(2026, 6, 1),
                                            kind=MovementKind.LOST, members=182, actor=world.other_supervisor)
    client.force_login(world.manager)

    with clock.travel_to(dt.date(2026, 12, 31)):
        _response, csv = prepared(client, django_capture_on_commit_callbacks, "report_csv",
                                  {"year": "2026", "span": "year", "layout": "term"})
        _response, xlsx = prepared(client, django_capture_on_commit_callbacks, "report_xlsx",
                                   {"year": "2026", "layout": "term"})

    lines = csv.decode("utf-8-sig").splitlines()
    district, other, total = (line.split(";") for line in lines[4:7])
    # STT, unit, term: members, unions, results: new, lost, net, unions, % of the term, allocation 2027
    assert district[:11] == ["1", "Liên đoàn Lao động khu vực Từ Sơn", "2.400", "12", "1.331", "0", "1.331", "1",
                             "55,45%", "500", "245"]
    assert other[:10] == ["2", "Liên đoàn Lao động khu vực Quế Võ", "10", "10", "0", "182", "-182", "0", "0,00%",
                          "10"]
    assert total[2:10] == ["2.400", "12", "1.331", "182", "1.149", "1", "47,87%", "510"]
    assert campaign.admitted_members == 5
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in sheet[9]][2:9] == [2400, 12, 1331, 0, 1331, 1, 0.5545]
    assert sheet["I9"].number_format == "0.00%"


def test_figures_as_of_a_past_day_equal_those_of_that_day(world):
    period = Period.year(2026)
    day_one, day_two = dt.date(2026, 3, 2), dt.date(2026, 4, 6)
    with clock.travel_to(day_one):
        first = campaign_at(world, Stage.MOBILISING_COMMITTEE)
        second = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    with clock.travel_to(day_two):
        services.campaign_transition(campaign_id=first.pk, name="hold_congress", actor=world.officer,
                                     data={"applications": 6, "congress_on": day_two})
        services.campaign_transition(campaign_id=second.pk, name="hold", actor=world.officer)
        then = engine.dashboard_for(world.province, period, today=day_two)
    with clock.travel_to(dt.date(2026, 5, 11)):
        services.campaign_transition(campaign_id=first.pk, name="recognise", actor=world.supervisor, data={
            "decision_number": "9/QĐ", "decision_date": dt.date(2026, 5, 11), "admitted_members": 6})
        services.campaign_transition(campaign_id=second.pk, name="resume", actor=world.officer)
        campaign_at(world, Stage.EMPLOYER_CONTACTED, enterprise=EnterpriseFactory(responsible_unit=world.district))

    as_of = engine.dashboard_as_of(world.province, period, day=day_two)

    def figures(board):
        return [(r.unit.pk, {k: v for k, v in r.stages.items() if v}, r.stalled, r.overdue_tasks,
                 {k: v for k, v in r.entered.items() if v}, r.abandoned, r.members_admitted, r.members_recruited,
                 r.members_lost) for r in board.rows]

    assert figures(as_of) == figures(then)
    assert as_of.durations == then.durations
    assert then.total.stages == {Stage.FOUNDING_CONGRESS: 1, Stage.ON_HOLD: 1}
    now = engine.dashboard_for(world.province, period, today=dt.date(2026, 5, 11))
    assert now.total.stages == {Stage.RECOGNISED: 1, Stage.SURVEYED: 1, Stage.EMPLOYER_CONTACTED: 1}


def test_a_movement_moves_the_figures(world):
    with clock.travel_to(dt.date(2026, 10, 20)):
        statistics_services.movement_record(unit_id=world.district.pk, on=dt.date(2026, 10, 15),
                                            kind=MovementKind.LOST, members=12, actor=world.supervisor)
    board = engine.figures_for(world.district, Period.year(2026), today=dt.date(2026, 11, 1))
    assert (board.total.members_lost, board.total.net_members) == (12, -12)


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("officer", 404), ("other_supervisor", 404),
                                         ("supervisor", 404), ("manager", 302)])
def test_the_report_file_of_a_unit_outside_the_scope_answers_404(client, world, role, status,
                                                                  django_capture_on_commit_callbacks):
    if world.user(role):
        client.force_login(world.user(role))
    response, run = ask(client, django_capture_on_commit_callbacks, "report_xlsx", {"unit": world.province.pk})
    assert response.status_code == status
    assert ExportRun.objects.count() == (1 if role == "manager" else 0)
    if role == "manager":
        assert response["Location"] == reverse("exports:detail", args=[run.pk])
