"""The official report, the dashboard's figures as of a past date, targets
and movements, and the pages' query counts."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.statistics import selectors, services as statistics_services
from workflows.statistics.models import Metric, MovementKind, Target, TargetHorizon, TargetSource
from workflows.statistics.selectors import percent_cut


@pytest.mark.parametrize("net,target,printed", [(1331, 2400, "55.45"), (239, 850, "28.11"), (-182, 500, "0.00"),
                                                (0, 0, "0.00"), (850, 850, "100.00")])
def test_percentages_are_cut_not_rounded_and_zero_when_negative(net, target, printed):
    assert percent_cut(net, target) == Decimal(printed)


def set_targets(world):
    for horizon, metric, value in [(TargetHorizon.TERM, Metric.NEW_MEMBERS, 2400),
                                   (TargetHorizon.TERM, Metric.NEW_UNIONS, 12),
                                   (TargetHorizon.YEAR, Metric.NEW_MEMBERS, 500)]:
        statistics_services.target_set_received(unit_id=world.province.pk, year=2026, metric=metric, value=value,
                                                horizon=horizon, actor=world.admin_supervisor)
        statistics_services.targets_allocate(unit_id=world.province.pk, year=2026, metric=metric, horizon=horizon,
                                             allocations={world.district.pk: value, world.other_district.pk: 10},
                                             actor=world.admin_supervisor)


@pytest.fixture
def province_supervisor(world):
    from tests.factories import UserFactory, grant

    world.admin_supervisor = UserFactory(username="giamsat_tinh")
    grant(world.province, world.admin_supervisor, "supervisor", actor=world.admin)
    return world.admin_supervisor


def test_the_report_prints_the_worked_example(client, world, province_supervisor):
    set_targets(world)
    with clock.travel_to(dt.date(2026, 5, 4)):
        campaign = campaign_at(world, Stage.RECOGNISED)  # admits 5 members
    statistics_services.movement_record(unit_id=world.district.pk, month=dt.date(2026, 6, 1),
                                        kind=MovementKind.RECRUITED, members=1326, actor=world.supervisor)
    statistics_services.movement_record(unit_id=world.other_district.pk, month=dt.date(2026, 6, 1),
                                        kind=MovementKind.LOST, members=182, actor=world.other_supervisor)
    client.force_login(world.manager)

    response = client.get(reverse("statistics:report_csv"), {"year": "2026", "span": "year"})

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1].split(";")[:7] == ["Đơn vị", "Chỉ tiêu nhiệm kỳ: đoàn viên", "Chỉ tiêu nhiệm kỳ: CĐCS",
                                       "Đoàn viên mới trong kỳ", "Đoàn viên giảm", "Tăng thực",
                                       "% so với chỉ tiêu nhiệm kỳ"]
    district, other, total = (line.split(";") for line in lines[2:5])
    assert district[:8] == ["Liên đoàn Lao động khu vực Từ Sơn", "2.400", "12", "1.331", "0", "1.331", "55,45%", "1"]
    assert other[:7] == ["Liên đoàn Lao động khu vực Quế Võ", "10", "10", "0", "182", "-182", "0,00%"]
    assert total[:7] == ["Tổng cộng", "2.400", "12", "1.331", "182", "1.149", "47,87%"]
    assert district[8] == "500"
    assert district[9:] == ["250", "0"]  # the factory's enterprise has no social-insurance figure
    assert campaign.admitted_members == 5

    response = client.get(reverse("statistics:report_xlsx"), {"year": "2026"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[3]][:7] == ["Liên đoàn Lao động khu vực Từ Sơn", 2400, 12, 1331, 0, 1331, 0.5545]
    assert sheet["G3"].number_format == "0.00%"
    assert [c.value for c in sheet[5]][0] == "Tổng cộng"


def test_figures_as_of_a_past_day_equal_those_of_that_day(world):
    period = selectors.Period.year(2026)
    day_one, day_two = dt.date(2026, 3, 2), dt.date(2026, 4, 6)
    with clock.travel_to(day_one):
        first = campaign_at(world, Stage.MOBILISING_COMMITTEE)
        second = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    with clock.travel_to(day_two):
        services.campaign_transition(campaign_id=first.pk, name="hold_congress", actor=world.officer,
                                     data={"applications": 6, "congress_on": day_two})
        services.campaign_transition(campaign_id=second.pk, name="hold", actor=world.officer)
        then = selectors.dashboard_for(world.province, period, today=day_two)
    with clock.travel_to(dt.date(2026, 5, 11)):
        services.campaign_transition(campaign_id=first.pk, name="recognise", actor=world.supervisor, data={
            "decision_number": "9/QĐ", "decision_date": dt.date(2026, 5, 11), "admitted_members": 6})
        services.campaign_transition(campaign_id=second.pk, name="resume", actor=world.officer)
        campaign_at(world, Stage.EMPLOYER_CONTACTED, enterprise=EnterpriseFactory(responsible_unit=world.district))

    as_of = selectors.dashboard_as_of(world.province, period, day=day_two)

    def figures(board):
        return [(r.unit.pk, {k: v for k, v in r.stages.items() if v}, r.stalled, r.overdue_tasks,
                 {k: v for k, v in r.entered.items() if v}, r.abandoned, r.members_admitted, r.members_recruited,
                 r.members_lost) for r in board.rows]

    assert figures(as_of) == figures(then)
    assert as_of.durations == then.durations
    assert then.total.stages == {Stage.FOUNDING_CONGRESS: 1, Stage.ON_HOLD: 1}
    now = selectors.dashboard_for(world.province, period, today=dt.date(2026, 5, 11))
    assert now.total.stages == {Stage.RECOGNISED: 1, Stage.SURVEYED: 1, Stage.EMPLOYER_CONTACTED: 1}


def grow(world, campaigns):
    from workflows.campaigns.models import Campaign

    stages = [Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.RECOGNISED, Stage.ON_HOLD]
    for i in range(Campaign.objects.count(), campaigns):
        campaign_at(world, stages[i % 4], enterprise=EnterpriseFactory(responsible_unit=world.district))


def test_dashboard_and_report_queries_do_not_grow_with_the_campaigns(client, world):
    client.force_login(world.manager)
    urls = [reverse("statistics:home"), reverse("statistics:home") + "?as_of=01/06/2026",
            reverse("statistics:report_xlsx"), reverse("statistics:report_csv")]
    grow(world, 4)
    small = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        small.append(len(queries.captured_queries))
    grow(world, 60)
    large = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        large.append(len(queries.captured_queries))
    assert small == large


def test_allocating_more_than_received_is_allowed_and_shown(client, world, province_supervisor):
    client.force_login(province_supervisor)
    url = reverse("statistics:targets")
    data = {"unit": world.province.pk, "year": "2026", "horizon": "year", "metric": "new_members",
            f"value-{world.province.pk}": "1.500", f"value-{world.district.pk}": "1.600",
            f"value-{world.other_district.pk}": "1.100"}

    response = client.post(url, data)

    assert response.status_code == 302
    assert dict(Target.objects.filter(source=TargetSource.ALLOCATED).values_list("unit_id", "value")) == {
        world.district.pk: 1600, world.other_district.pk: 1100}
    assert Target.objects.get(source=TargetSource.RECEIVED).value == 1500
    page = client.get(url, {"unit": world.province.pk, "year": "2026", "horizon": "year", "metric": "new_members"})
    assert page.context["allocated_total"] == 2700
    assert page.context["over"] is True
    assert "+1.200" in page.content.decode()


@pytest.mark.parametrize("role", ["supervisor", "other_supervisor", "manager", "officer", "other_officer"])
def test_only_supervisors_of_the_unit_set_its_targets(client, world, role):
    client.force_login(world.user(role))
    response = client.post(reverse("statistics:targets"), {
        "unit": world.province.pk, "year": "2026", "horizon": "year", "metric": "new_members",
        f"value-{world.province.pk}": "900", f"value-{world.district.pk}": "100"})
    assert response.status_code == 404
    assert Target.objects.count() == 0


def test_a_movement_moves_the_dashboard(client, world):
    client.force_login(world.supervisor)
    response = client.post(reverse("statistics:movements"), {
        "unit": world.district.pk, "month": "15/10/2026", "kind": "lost", "members": "12"})
    assert response.status_code == 302
    board = selectors.dashboard_for(world.district, selectors.Period.year(2026), today=dt.date(2026, 11, 1))
    assert (board.total.members_lost, board.total.net_members) == (12, -12)


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("officer", 404), ("other_supervisor", 404),
                                         ("supervisor", 404), ("manager", 200)])
def test_the_report_of_a_unit_outside_the_scope_answers_404(client, world, role, status):
    if world.user(role):
        client.force_login(world.user(role))
    response = client.get(reverse("statistics:report_xlsx"), {"unit": world.province.pk})
    assert response.status_code == status
