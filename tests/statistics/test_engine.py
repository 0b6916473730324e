"""The figures engine (``workflows.statistics.engine``), with exact
expectations, over data built through the services: periods of days and
their "entered by" cut-off, filters on the enterprises, the stocks at a
period's end, and the three ways to the same figures agreeing on every
indicator of the registry."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import selectors as campaign_selectors
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.organisation.selectors import unit_picker
from workflows.statistics import indicators, services
from workflows.statistics.engine import STAGES, Filters, dashboard_as_of, dashboard_for, figures_for
from workflows.statistics.models import EstimateKind, MovementKind, ProgrammeBasis
from workflows.statistics.periods import Period


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0)


def recognise(world, day: dt.date, **enterprise):
    """A campaign in the district recognised on ``day`` (5 members admitted)."""
    with clock.travel_to(at(day)):
        target = EnterpriseFactory(responsible_unit=world.district, **enterprise) if enterprise else None
        return campaign_at(world, Stage.RECOGNISED, enterprise=target)


def move(world, unit, day: dt.date, members: int, kind=MovementKind.RECRUITED, entered: dt.date | None = None):
    with clock.travel_to(at(entered or day, 10)):
        actor = world.other_supervisor if unit == world.other_district else world.supervisor
        return services.movement_record(unit_id=unit.pk, kind=kind, members=members, actor=actor, on=day)


def row_of(board, unit):
    return next(r for r in board.rows if r.unit == unit)


# --- periods of days ----------------------------------------------------------------------------
def test_a_term_to_date_ending_mid_month_counts_recognitions_by_the_decision_day(world, province_supervisor):
    # given a congress term, and recognitions decided on the 20th and the 21st of May
    with clock.travel_to(at(dt.date(2026, 1, 5))):
        term = services.programme_create(unit_id=world.province.pk, name="Nhiệm kỳ 2023–2028",
                                         basis_kind=ProgrammeBasis.CONGRESS_RESOLUTION, start=dt.date(2023, 10, 1),
                                         end=dt.date(2028, 9, 30), actor=province_supervisor)
    recognise(world, dt.date(2026, 5, 20), workforce=100)
    recognise(world, dt.date(2026, 5, 21), workforce=100)
    move(world, world.district, dt.date(2026, 5, 20), 7)
    move(world, world.district, dt.date(2026, 5, 21), 11)

    # when the term to the 20th is asked for
    period = Period.programme_to_date(term, dt.date(2026, 5, 20))
    board = figures_for(world.province, period, today=dt.date(2026, 5, 25))

    # then the 20th is in, the 21st out
    assert (period.start, period.end, period.whole_months) == (dt.date(2023, 10, 1), dt.date(2026, 5, 20), False)
    assert (board.total.unions_founded, board.total.members_admitted, board.total.members_recruited) == (1, 5, 7)
    assert (row_of(board, world.district).unions_founded, row_of(board, world.other_district).unions_founded) == (1, 0)
    # and to the 21st both are
    later = figures_for(world.province, Period.programme_to_date(term, dt.date(2026, 5, 21)),
                        today=dt.date(2026, 5, 25))
    assert (later.total.unions_founded, later.total.new_members) == (2, 10 + 18)


def test_filters_on_the_enterprises(world):
    # given unions founded at an FDI enterprise of 300 workers paying social insurance, a private one of
    # 30 declared to the tax office, and a state-owned one of 8
    day = dt.date(2026, 4, 14)
    recognise(world, day, ownership_sector="fdi", workforce=300, workforce_source="social_insurance")
    recognise(world, day, ownership_sector="domestic_private", workforce=30, workforce_source="tax")
    recognise(world, day, ownership_sector="state", workforce=8, workforce_source="social_insurance")
    april = Period.month(2026, 4)

    def founded(filters: Filters) -> tuple[int, int]:
        total = figures_for(world.province, april, today=dt.date(2026, 4, 30), filters=filters).total
        return total.unions_founded, total.members_admitted

    # then each filter keeps its enterprises only
    assert founded(Filters()) == (3, 15)
    assert founded(Filters(sector="fdi")) == (1, 5)
    assert founded(Filters(sector="cooperative")) == (0, 0)
    assert founded(Filters(min_workforce=25)) == (2, 10)
    assert founded(Filters(min_workforce=100)) == (1, 5)
    assert founded(Filters(social_insurance_only=True)) == (2, 10)
    assert founded(Filters(sector="fdi", min_workforce=500)) == (0, 0)
    # and the registry's figures follow the same filter (world.enterprise: 250 workers, private, no source)
    board = figures_for(world.province, april, today=dt.date(2026, 4, 30), filters=Filters(min_workforce=25))
    assert (board.total.enterprises, board.total.workforce) == (3, 300 + 30 + 250)


def test_the_entered_by_cut_off_leaves_out_what_was_entered_later(world):
    # given a movement for 10/05 entered on 20/05, and one for 12/05 entered on the day
    move(world, world.district, dt.date(2026, 5, 10), 9, entered=dt.date(2026, 5, 20))
    move(world, world.district, dt.date(2026, 5, 12), 4)
    may = Period.month(2026, 5)
    today = dt.date(2026, 5, 31)

    # then with entered_by=15/05 only the one known by then counts
    assert figures_for(world.province, may.cut(dt.date(2026, 5, 15)), today=today).total.members_recruited == 4
    assert figures_for(world.province, may.cut(dt.date(2026, 5, 20)), today=today).total.members_recruited == 13
    assert figures_for(world.province, may, today=today).total.members_recruited == 13
    assert figures_for(world.province, may, today=today, from_base=True).total.members_recruited == 13


# --- stocks at the period's end -------------------------------------------------------------------
def test_members_of_grassroots_unions_from_recognition_and_movements(world):
    # given a union recognised with 5 members, 7 recruited and 2 lost since, and 3 recruited after the period
    campaign = recognise(world, dt.date(2026, 3, 2), workforce=120)
    union = campaign.recognised_unit
    move(world, union, dt.date(2026, 3, 20), 7)
    move(world, union, dt.date(2026, 4, 3), 2, MovementKind.LOST)
    move(world, union, dt.date(2026, 5, 3), 3)

    board = figures_for(world.province, Period.between(dt.date(2026, 1, 1), dt.date(2026, 4, 30)),
                        today=dt.date(2026, 5, 10))

    assert (row_of(board, world.district).union_members, board.total.union_members) == (10, 10)
    assert row_of(board, world.other_district).union_members == 0
    assert (board.total.new_members, board.total.members_lost, board.total.net_members) == (12, 2, 10)
    assert indicators.value("union_members", board.total) == 10


def test_members_of_a_grassroots_union_from_a_census_plus_later_movements(world):
    # given a union recognised with 5, 20 recruited before a census of 40 on 01/06, then 3 recruited and 1 lost
    campaign = recognise(world, dt.date(2026, 3, 2), workforce=120)
    union = campaign.recognised_unit
    move(world, union, dt.date(2026, 5, 15), 20)
    with clock.travel_to(at(dt.date(2026, 6, 2))):
        services.member_count_record(unit_id=union.pk, as_of=dt.date(2026, 6, 1), members=40,
                                     source="Sổ đoàn viên", actor=world.supervisor)
    move(world, union, dt.date(2026, 6, 10), 3)
    move(world, union, dt.date(2026, 6, 12), 1, MovementKind.LOST)

    board = figures_for(world.province, Period.between(dt.date(2026, 6, 1), dt.date(2026, 6, 20)),
                        today=dt.date(2026, 6, 25))
    before = figures_for(world.province, Period.between(dt.date(2026, 5, 1), dt.date(2026, 5, 31)),
                         today=dt.date(2026, 6, 25), from_base=True)

    assert board.total.union_members == 40 + 3 - 1
    assert row_of(board, world.district).union_members == 42
    assert row_of(board, world.district).members_source == (
        "số liệu của 1 đơn vị đến 01/06/2026, cộng công nhận và biến động sau đó")
    assert before.total.union_members == 25  # before the census: recognition plus movements


def test_workforce_not_yet_unionised_per_branch(world):
    # given (besides world.enterprise: 250 workers, no union) a union of 5 at an enterprise of 300
    # and 12 recruited there; at the other district an enterprise of 40 without a union
    campaign = recognise(world, dt.date(2026, 2, 2), workforce=300)
    move(world, campaign.recognised_unit, dt.date(2026, 2, 20), 12)
    EnterpriseFactory(responsible_unit=world.other_district, workforce=40)

    board = figures_for(world.province, Period.month(2026, 2), today=dt.date(2026, 2, 28))

    district, other = row_of(board, world.district), row_of(board, world.other_district)
    assert (district.workforce, district.workforce_in_unions, district.not_unionised) == (550, 300, 250 + 283)
    assert (other.workforce, other.workforce_in_unions, other.not_unionised) == (40, 0, 40)
    assert board.total.not_unionised == 573
    assert indicators.value("unionisation_rate", board.total) == indicators.ratio(17, 590)


def test_estimates_are_summed_from_the_child_units_unless_the_unit_has_its_own(world, province_supervisor):
    with clock.travel_to(at(dt.date(2026, 10, 1))):
        for unit, value, actor in [(world.district, 1000, world.supervisor),
                                   (world.other_district, 500, world.other_supervisor)]:
            services.estimate_record(unit_id=unit.pk, kind=EstimateKind.WORKFORCE_INCREASE, year=2027, value=value,
                                     source="Kế hoạch", actor=actor)
    year = Period.year(2026)

    board = figures_for(world.province, year, today=dt.date(2026, 10, 2))
    assert board.total.estimates == {EstimateKind.WORKFORCE_INCREASE: 1500}
    assert [row.estimates for row in board.rows] == [{EstimateKind.WORKFORCE_INCREASE: 1000},
                                                     {EstimateKind.WORKFORCE_INCREASE: 500}]
    assert board.total.estimates_source == "Kế hoạch, 01/10/2026"

    with clock.travel_to(at(dt.date(2026, 10, 1))):
        services.estimate_record(unit_id=world.province.pk, kind=EstimateKind.WORKFORCE_INCREASE, year=2027,
                                 value=2000, source="Tỉnh ước tính", actor=province_supervisor)
    board = figures_for(world.province, year, today=dt.date(2026, 10, 2))
    assert indicators.value(EstimateKind.WORKFORCE_INCREASE, board.total) == 2000


def test_an_upper_units_census_is_the_start_of_its_ledger(world, province_supervisor):
    # given a count of the province's members on 31/03, then a union founded and members lost in April
    with clock.travel_to(at(dt.date(2026, 4, 1))):
        services.member_count_record(unit_id=world.province.pk, as_of=dt.date(2026, 3, 31), members=1000,
                                     source="Điều tra", actor=province_supervisor)
    recognise(world, dt.date(2026, 4, 8), workforce=60)
    move(world, world.district, dt.date(2026, 4, 10), 20, MovementKind.LOST)
    move(world, world.district, dt.date(2026, 3, 10), 30)  # before the count: in it already

    board = figures_for(world.province, Period.month(2026, 4), today=dt.date(2026, 4, 30))

    assert board.total.union_members == 1000 + 5 - 20
    assert board.total.members_source == "Điều tra, 31/03/2026"
    # the district has no count: its recognitions and movements, all of them
    assert row_of(board, world.district).union_members == 30 + 5 - 20


# --- the three ways agree --------------------------------------------------------------------------
def build_month(world) -> None:
    """May 2026 in both districts: campaigns at every stage, unions, movements, counts, estimates."""
    for day, stage in [(1, Stage.SURVEYED), (4, Stage.EMPLOYER_CONTACTED), (5, Stage.MOBILISING_COMMITTEE),
                       (6, Stage.FOUNDING_CONGRESS), (7, Stage.ON_HOLD), (8, Stage.ABANDONED)]:
        with clock.travel_to(at(dt.date(2026, 5, day))):
            campaign_at(world, stage, enterprise=EnterpriseFactory(responsible_unit=world.district, workforce=30))
    union = recognise(world, dt.date(2026, 5, 11), workforce=80).recognised_unit
    recognise(world, dt.date(2026, 5, 12), workforce=40, ownership_sector="fdi")
    move(world, union, dt.date(2026, 5, 13), 6)
    move(world, world.district, dt.date(2026, 5, 14), 3, MovementKind.LOST)
    move(world, world.other_district, dt.date(2026, 5, 15), 8)
    with clock.travel_to(at(dt.date(2026, 5, 20))):
        services.member_count_record(unit_id=world.other_district.pk, as_of=dt.date(2026, 5, 1), members=200,
                                     source="Điều tra", actor=world.other_supervisor)
        services.estimate_record(unit_id=world.district.pk, kind=EstimateKind.WORKFORCE_INCREASE, year=2027,
                                 value=700, source="Kế hoạch", actor=world.supervisor)


def values(board) -> dict:
    return {(row.unit.pk, row.own, code): indicators.value(code, row, workforce_floor=25)
            for row in [*board.rows, board.total] for code in indicators.REGISTRY}


def test_dashboard_and_reports_agree_on_every_indicator(world):
    # given a month of work, read at its last day
    build_month(world)
    may, today = Period.month(2026, 5), dt.date(2026, 5, 31)

    with clock.travel_to(at(today, 18)):
        summary = dashboard_for(world.province, may, today=today)
        base = figures_for(world.province, may, today=today, from_base=True)
        history = dashboard_as_of(world.province, may, day=today)

    # then every indicator of the registry reads the same from the three
    assert values(summary) == values(base) == values(history)
    assert len(values(summary)) == 3 * len(indicators.REGISTRY)
    # and the figures are those of the month (not all zeros)
    total = summary.total
    assert (total.unions_founded, total.new_members, total.members_lost, total.abandoned) == (2, 10 + 14, 3, 1)
    assert (total.union_members, total.estimates) == (5 + 6 + 5 + 200 + 8 - 3, {EstimateKind.WORKFORCE_INCREASE: 700})
    assert total.campaigns == 8


# --- query counts ------------------------------------------------------------------------------------
def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


@pytest.mark.parametrize("period", [Period.between(dt.date(2026, 1, 1), dt.date(2026, 5, 20)),
                                    Period.month(2026, 5)])
def test_figures_for_runs_a_constant_number_of_queries(world, province_supervisor, period, monkeypatch):
    # the reference data read every time (a process keeps it per value of the reference stamp, which the
    # data written below may create: not what this test counts)
    monkeypatch.setattr(campaign_selectors, "stamp_now", lambda: None)

    def read():
        figures_for(world.province, period, today=dt.date(2026, 5, 25), filters=Filters(min_workforce=10))
        figures_for(world.province, period, today=dt.date(2026, 5, 25), from_base=True)

    recognise(world, dt.date(2026, 5, 4), workforce=60)
    with clock.travel_to(at(dt.date(2026, 5, 5))):
        services.member_count_record(unit_id=world.district.pk, as_of=dt.date(2026, 5, 1), members=100,
                                     source="Điều tra", actor=world.supervisor)
    small = queries_of(read)

    for day in range(5, 9):
        recognise(world, dt.date(2026, 5, day), workforce=60 + day)
    with clock.travel_to(at(dt.date(2026, 5, 12))):
        for day in (2, 3):
            services.member_count_record(unit_id=world.other_district.pk, as_of=dt.date(2026, 5, day), members=50,
                                         source="Điều tra", actor=world.other_supervisor)
        services.member_count_record(unit_id=world.province.pk, as_of=dt.date(2026, 5, 4), members=900,
                                     source="Điều tra", actor=province_supervisor)
    large = queries_of(read)

    assert large == small


def test_the_overview_runs_a_constant_number_of_queries(client, world, province_supervisor):
    with clock.travel_to(at(dt.date(2026, 1, 2))):
        plan = services.programme_create(unit_id=world.province.pk, name="Kế hoạch năm 2026",
                                         basis_kind=ProgrammeBasis.YEAR_PLAN, start=dt.date(2026, 1, 1),
                                         end=dt.date(2026, 12, 31), actor=province_supervisor)
        services.targets_set(programme_id=plan.pk, unit_id=world.province.pk, metric="new_members", received=100,
                             allocations={world.district.pk: 70, world.other_district.pk: 40},
                             actor=province_supervisor)
    recognise(world, dt.date(2026, 5, 4), workforce=60)
    client.force_login(world.manager)
    url = reverse("statistics:home") + f"?unit={world.province.pk}&year=2026&span=first_months&months=5"

    def read():
        with clock.travel_to(at(dt.date(2026, 5, 25))):
            assert client.get(url).status_code == 200

    read()  # the reference data (the stalled cut-offs) read once, as a server process keeps it
    small = queries_of(read)
    for day in range(5, 9):
        recognise(world, dt.date(2026, 5, day), workforce=60 + day)
    large = queries_of(read)

    assert large == small


# --- the overview: programmes' targets, periods and charts -----------------------------------------
def plan_and_term(world, province_supervisor):
    with clock.travel_to(at(dt.date(2026, 1, 2))):
        term = services.programme_create(unit_id=world.province.pk, name="Nghị quyết Đại hội nhiệm kỳ 2023–2028",
                                         basis_kind=ProgrammeBasis.CONGRESS_RESOLUTION, start=dt.date(2023, 10, 1),
                                         end=dt.date(2028, 9, 30), actor=province_supervisor)
        services.targets_set(programme_id=term.pk, unit_id=world.province.pk, metric="net_members", received=1000,
                             allocations={world.district.pk: 600}, actor=province_supervisor)
        plan = services.programme_create(unit_id=world.province.pk, name="Kế hoạch năm 2026",
                                         basis_kind=ProgrammeBasis.YEAR_PLAN, start=dt.date(2026, 1, 1),
                                         end=dt.date(2026, 12, 31), actor=province_supervisor)
        services.targets_set(programme_id=plan.pk, unit_id=world.province.pk, metric="new_members", received=100,
                             allocations={world.district.pk: 70, world.other_district.pk: 40},
                             actor=province_supervisor)
    return term, plan


def cells(group) -> list[tuple]:
    return [(row.figures.unit.name if not row.is_total else "total",
             [(c.value, c.received and c.received.low, c.received_pct, c.allocation and c.allocation.low,
               c.allocation_pct) for c in row.cells]) for row in group.rows]


def test_the_overview_shows_each_programme_with_its_own_indicator_against_its_target(world, province_supervisor):
    from decimal import Decimal as D

    from workflows.statistics import selectors

    # given a congress term (net increase) and the year's plan (new members), and work in May
    term, plan = plan_and_term(world, province_supervisor)
    recognise(world, dt.date(2026, 5, 4), workforce=60)
    recognise(world, dt.date(2026, 5, 6), workforce=70)
    move(world, world.district, dt.date(2026, 5, 7), 3, MovementKind.LOST)
    move(world, world.other_district, dt.date(2026, 5, 8), 8)

    # when the overview of the first five months is read
    with clock.travel_to(at(dt.date(2026, 5, 25))):
        page = selectors.overview_page(province_supervisor, world.province,
                                       unit_picker(province_supervisor, world.province.pk, all_units=False),
                                       span="first_months",
                                       year=2026, as_of=None, today=dt.date(2026, 5, 25), months=5)

    # then the period is January to May, and each programme is a group of its own
    assert (page.board.period.start, page.board.period.end) == (dt.date(2026, 1, 1), dt.date(2026, 5, 31))
    assert [(g.programme, g.period.start, g.period.end, [c.metric for c in g.columns]) for g in page.programmes] == [
        (term, dt.date(2023, 10, 1), dt.date(2026, 5, 31), ["net_members"]),
        (plan, dt.date(2026, 1, 1), dt.date(2026, 5, 31), ["new_members"])]
    district, other = world.district.name, world.other_district.name
    # net increase against the term's net target: % of received and of the province's own allocation
    assert cells(page.programmes[0]) == [
        (district, [(7, 600, D("1.16"), None, None)]),
        (other, [(8, None, None, None, None)]),
        ("total", [(15, 1000, D("1.50"), 600, D("2.50"))])]
    # new members against the year's new-members target
    assert cells(page.programmes[1]) == [
        (district, [(10, 70, D("14.28"), None, None)]),
        (other, [(8, 40, D("20.00"), None, None)]),
        ("total", [(18, 100, D("18.00"), 110, D("16.36"))])]
    # the results chart: new members against each child unit's target, on one scale (the largest: 70)
    assert [(b.label, b.value, b.target, b.pct, b.width, b.target_x) for b in page.results.bars] == [
        (district, 10, 70, D("14.28"), D("31.4"), D("220.0")), (other, 8, 40, D("20.00"), D("25.1"), D("125.7"))]
    # the trend: cumulated by month to May, against 100 spread over 12 months
    assert [(p.month, p.new_members, p.cumulative, p.path) for p in page.trend.points] == [
        (1, 0, 0, 8), (2, 0, 0, 16), (3, 0, 0, 25), (4, 0, 0, 33), (5, 18, 18, 41), (6, None, None, 50),
        (7, None, None, 58), (8, None, None, 66), (9, None, None, 75), (10, None, None, 83), (11, None, None, 91),
        (12, None, None, 100)]
    assert page.trend.top == 100


@pytest.mark.parametrize("query,start,end", [
    ("span=month&month=5", dt.date(2026, 5, 1), dt.date(2026, 5, 31)),
    ("span=first_months&months=5", dt.date(2026, 1, 1), dt.date(2026, 5, 31)),
    ("span=h2", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
    ("span=month&month=13", dt.date(2026, 5, 1), dt.date(2026, 5, 31)),  # garbage: this month
    ("span=bogus", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
])
def test_the_overview_periods(client, world, province_supervisor, query, start, end):
    plan_and_term(world, province_supervisor)
    recognise(world, dt.date(2026, 5, 4), workforce=60)
    client.force_login(world.manager)

    with clock.travel_to(at(dt.date(2026, 5, 25))):
        response = client.get(reverse("statistics:home") + f"?unit={world.province.pk}&year=2026&{query}")

    assert response.status_code == 200
    period = response.context["board"].period
    assert (period.start, period.end) == (start, end)
    html = response.content.decode()
    assert html.count('class="compact programme-targets"') == 2
    assert 'id="results-chart"' in html and 'id="trend-chart"' in html and "<title>" in html


def test_the_overview_as_of_a_past_day_of_a_subtree_too_big_for_a_page_offers_the_report_file(
        client, world, settings):
    # given a subtree with more campaigns than a page may count from the history
    recognise(world, dt.date(2026, 5, 4), workforce=60)
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 0
    client.force_login(world.manager)
    with clock.travel_to(at(dt.date(2026, 5, 25))), CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("statistics:home"), {"unit": world.province.pk, "year": 2026,
                                                           "as_of": "15/05/2026"})
    # then the page shows the figures of now, says why, and links to the report of the year to that day
    assert response.status_code == 200
    assert response.context["as_of"] is None and response.context["as_of_too_long"] == (dt.date(2026, 5, 15), 1)
    html = response.content.decode()
    assert 'id="as-of-as-file"' in html and "15/05/2026" in html
    assert (f'{reverse("statistics:report")}?unit={world.province.pk}&amp;span=range&amp;start=2026-01-01'
            f'&amp;end=2026-05-15') in html
    # no campaign's history was read for the past day
    assert not any("campaigns_campaignevent" in q["sql"] and '"at" <' in q["sql"] for q in captured.captured_queries)
    # and that link opens the report's page (a file only past the same bound)
    report = client.get(html.split('id="as-of-report" href="')[1].split('"')[0].replace("&amp;", "&"))
    assert report.status_code == 200 and 'id="report-as-file"' in report.content.decode()
    # under the bound, the past day's figures are on the page
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 20000
    with clock.travel_to(at(dt.date(2026, 5, 25))):
        response = client.get(reverse("statistics:home"), {"unit": world.province.pk, "year": 2026,
                                                           "as_of": "15/05/2026"})
    assert response.context["as_of"] == dt.date(2026, 5, 15) and response.context["as_of_too_long"] is None
    assert 'id="as-of-as-file"' not in response.content.decode()


def test_the_overview_as_of_a_past_day_counts_what_was_entered_by_then(client, world, province_supervisor):
    plan_and_term(world, province_supervisor)
    recognise(world, dt.date(2026, 5, 4), workforce=60)
    move(world, world.district, dt.date(2026, 5, 5), 9, entered=dt.date(2026, 5, 20))
    client.force_login(world.manager)

    with clock.travel_to(at(dt.date(2026, 5, 25))):
        response = client.get(reverse("statistics:home") + f"?unit={world.province.pk}&year=2026&as_of=15/05/2026")

    assert response.status_code == 200
    assert response.context["as_of"] == dt.date(2026, 5, 15)
    plan_group = response.context["programmes"][1]
    assert [c.value for c in plan_group.rows[-1].cells] == [5]  # the 9 entered on 20/05 are not known yet
    # the trend's months stop at the past day, read from the summary tables (which keep no entry dates)
    assert [p.cumulative for p in response.context["trend"].points][:6] == [0, 0, 0, 0, 5 + 9, None]


def test_the_table_by_unit_totals_each_stage(client, world):
    # given three campaigns of the district: two surveyed, one at its founding congress
    for stage in (Stage.SURVEYED, Stage.SURVEYED, Stage.FOUNDING_CONGRESS):
        campaign_at(world, stage, enterprise=EnterpriseFactory(responsible_unit=world.district))
    client.force_login(world.manager)

    html = client.get(reverse("statistics:home"), {"unit": world.province.pk}).content.decode()

    # then the table's last row has each stage's total, in the stages' order, none left out
    totals = re.findall(r'<th data-total="(\w+)">([\d.]+)</th>', html)
    assert totals == [(str(stage), {"surveyed": "2", "founding_congress": "1"}.get(str(stage), "0"))
                      for stage in STAGES]
