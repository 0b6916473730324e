"""Every unit's stocks kept in ``UnitStock`` (``workflows.statistics.stocks``):
the dashboard reads them only while nothing they come from has changed, and
then gives exactly what the engine computes from the base tables."""
import datetime as dt
import threading
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import build_world, campaign_at
from tests.factories import EnterpriseFactory
from tests.statistics.test_engine import at, build_month, move, recognise, values
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.enterprises.models import Enterprise
from workflows.organisation.models import Unit
from workflows.statistics import engine, jobs, services, stocks
from workflows.statistics.engine import dashboard_for, figures_for
from workflows.statistics.models import EstimateKind, MemberMovement, MovementKind, StockRun, UnitStock
from workflows.statistics.periods import Period
from workflows.statistics.report_files import report_for

pytestmark = pytest.mark.postgres

MAY, TODAY = Period.month(2026, 5), dt.date(2026, 5, 31)
STOCKS = ("union_members", "members_source", "workforce_in_unions", "not_unionised", "workforce_source", "estimates",
          "estimates_source")


def grassroots_under(unit):
    return Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1,
                               kind__is_grassroots=True).order_by("path").first()


def refresh(today=TODAY, **options):
    with clock.travel_to(at(today, 18)):
        return stocks.refresh(engine.stock_values, today=today, **options)


def stock_figures(board) -> dict:
    return {(row.unit.pk, row.own): tuple(getattr(row, name) for name in STOCKS) for row in [*board.rows, board.total]}


def read(unit, period=MAY, today=TODAY):
    """The dashboard of ``unit``, and whether it read the stored stocks."""
    with CaptureQueriesContext(connection) as captured, clock.travel_to(at(today, 19)):
        board = dashboard_for(unit, period, today=today)
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    return board, "statistics_unitstock" in sql and "statistics_membercensus" not in sql


def computed(unit, period=MAY, today=TODAY, settings=None):
    settings.SUMMARY_ROLLUPS_READ = False
    try:
        with clock.travel_to(at(today, 19)):
            return dashboard_for(unit, period, today=today)
    finally:
        settings.SUMMARY_ROLLUPS_READ = True


@pytest.fixture
def month(world, province_supervisor):
    """May 2026 (``build_month``) with a count of the province's members and its own estimate."""
    build_month(world)
    with clock.travel_to(at(dt.date(2026, 5, 21))):
        services.member_count_record(unit_id=world.province.pk, as_of=dt.date(2026, 5, 2), members=900,
                                     source="Điều tra", actor=province_supervisor)
        services.estimate_record(unit_id=world.other_district.pk, kind=EstimateKind.WORKFORCE_INCREASE, year=2027,
                                 value=300, source="Dự báo", actor=world.other_supervisor)
    return world


def test_the_stored_stocks_are_what_the_engine_computes_at_every_level(month, settings):
    world = month
    union = grassroots_under(world.district)
    run = refresh()
    assert (run.day, run.generation) == (TODAY, stocks.generation())

    for unit in (world.province, world.district, world.other_district, union):
        board, stored = read(unit)
        assert stored, unit
        expected = computed(unit, settings=settings)
        assert stock_figures(board) == stock_figures(expected)
        assert values(board) == values(expected)
    board, _stored = read(world.province)
    # the figures themselves (build_month's, plus the province's count of 900 on 02/05)
    assert (board.total.union_members, board.total.members_source) == (900 + 6 + 5 - 3 + 8 + 5, "Điều tra, 02/05/2026")
    assert board.total.estimates == {EstimateKind.WORKFORCE_INCREASE: 1000}
    assert UnitStock.objects.count() == 5  # the province, its two districts, two grassroots unions


@pytest.mark.parametrize("change", ["movement", "count", "estimate", "recognition", "workforce",
                                    "union of an enterprise", "unit"])
def test_any_change_of_what_the_stocks_come_from_sends_the_dashboard_back_to_the_base_tables(month, change,
                                                                                             settings):
    world = month
    refresh()
    assert read(world.province)[1]
    union = grassroots_under(world.district)

    if change == "movement":
        move(world, union, dt.date(2026, 5, 25), 4)
    elif change == "count":
        with clock.travel_to(at(dt.date(2026, 5, 26))):
            services.member_count_record(unit_id=union.pk, as_of=dt.date(2026, 5, 25), members=33, source="Sổ",
                                         actor=world.supervisor)
    elif change == "estimate":
        with clock.travel_to(at(dt.date(2026, 5, 26))):
            services.estimate_record(unit_id=world.district.pk, kind=EstimateKind.WORKFORCE_INCREASE, year=2027,
                                     value=800, source="Kế hoạch mới", actor=world.supervisor)
    elif change == "recognition":
        recognise(world, dt.date(2026, 5, 27), workforce=90)
    elif change == "workforce":  # any writer, not only the services: an operator's UPDATE
        Enterprise.objects.filter(union_unit=union).update(workforce=500)
    elif change == "union of an enterprise":
        Enterprise.objects.filter(union_unit=union).update(has_union=False, union_unit=None)
    else:
        factories.unit(name="Công đoàn khu công nghiệp", code="kcn", kind="district_federation",
                       parent=world.province, actor=world.admin)

    board, stored = read(world.province)
    assert not stored
    assert stock_figures(board) == stock_figures(computed(world.province, settings=settings))
    # the next refresh takes the change, and the stored stocks are exact again
    refresh()
    board, stored = read(world.province)
    assert stored
    assert stock_figures(board) == stock_figures(computed(world.province, settings=settings))


def refreshed_then_recruited(world):
    """Stocks refreshed at 18:00 on TODAY, then 4 members recruited in a CĐCS of the district at 18:05."""
    refresh()
    union = grassroots_under(world.district)
    with clock.travel_to(at(TODAY, 18).replace(minute=5)):
        services.movement_record(unit_id=union.pk, kind=MovementKind.RECRUITED, members=4, actor=world.supervisor,
                                 on=TODAY)
    return world


def test_the_dashboard_page_shows_stocks_a_few_minutes_old_and_says_from_when(month, client, settings):
    # given stocks refreshed at 18:00, then a movement entered at 18:05 that no refresh has taken yet
    world = refreshed_then_recruited(month)
    exact = computed(world.province, settings=settings)
    client.force_login(world.manager)

    def page(minute):
        with CaptureQueriesContext(connection) as captured, clock.travel_to(at(TODAY, 18).replace(minute=minute)):
            html = client.get(reverse("statistics:home"), {"unit": world.province.pk, "span": "month",
                                                           "month": 5, "year": 2026}).content.decode()
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        return html, "statistics_membercensus" not in sql

    # then at 18:07 the page reads the stored rows, without the 4 members, and says they are those of 18:00
    html, stored = page(7)
    assert stored and 'id="stocks-taken-at"' in html and "18:00" in html
    # while a report (no lag allowed) computes them from the base tables
    assert read(world.province)[1] is False
    with clock.travel_to(at(TODAY, 18).replace(minute=7)):
        lagged = dashboard_for(world.province, MAY, today=TODAY, stocks_lag=True)
    assert lagged.stocks_taken_at == timezone.make_aware(at(TODAY, 18))
    assert lagged.total.union_members == exact.total.union_members - 4
    # past the longest lag allowed (10 minutes), the page computes them and says nothing
    html, stored = page(11)
    assert not stored and 'id="stocks-taken-at"' not in html
    # and once refreshed, the figures are exact with no note
    refresh()
    html, stored = page(12)
    assert stored and 'id="stocks-taken-at"' not in html


def test_the_report_page_shows_stocks_a_few_minutes_old_and_says_so_while_its_file_is_exact(month, client):
    # given stocks refreshed at 18:00, then 4 members recruited at 18:05 that no refresh has taken yet
    world = refreshed_then_recruited(month)
    client.force_login(world.manager)
    query = {"unit": world.province.pk, "span": "month", "month": 5, "year": 2026}

    def counted(on_screen):
        with CaptureQueriesContext(connection) as captured, clock.travel_to(at(TODAY, 18).replace(minute=7)):
            if on_screen:
                response = client.get(reverse("statistics:report"), query)
                table, html = response.context["table"], response.content.decode()
            else:
                table, html = report_for(world.manager, QueryDict(urlencode(query)), today=TODAY).table, ""
        return table, html, "statistics_membercensus" in " ".join(q["sql"] for q in captured.captured_queries)

    # the page at 18:07 reads the stored rows and says they are those of 18:00
    page, html, from_history = counted(on_screen=True)
    assert not from_history and page.stocks_taken_at == timezone.make_aware(at(TODAY, 18))
    assert 'id="stocks-taken-at"' in html and "18:00" in html
    # the file (a job) counts them from the history: exact, with the 4 members
    exact, _html, from_history = counted(on_screen=False)
    assert from_history and exact.stocks_taken_at is None
    assert page.total != exact.total
    # once refreshed, the page is exact too and says nothing
    refresh()
    page, html, from_history = counted(on_screen=True)
    assert not from_history and page.stocks_taken_at is None and 'id="stocks-taken-at"' not in html
    assert page.total == exact.total


def test_moves_and_other_columns_do_not_count_as_changes(month):
    world = month
    refresh()
    counted = stocks.generation()

    with clock.travel_to(at(dt.date(2026, 5, 28))):
        campaign_at(world, Stage.FOUNDING_CONGRESS, enterprise=EnterpriseFactory(responsible_unit=world.district))
    assert stocks.generation() == counted + 1  # the new enterprise (its workforce counts); the moves did not
    refresh()
    Enterprise.objects.filter(responsible_unit=world.district).update(name="Công ty đổi tên")

    assert stocks.generation() == counted + 1
    assert read(world.province)[1]


def test_a_refresh_with_nothing_changed_writes_nothing(month):
    first = refresh()
    with CaptureQueriesContext(connection) as captured:
        again = refresh()
    assert (again.pk, again.generation, again.taken_at) == (first.pk, first.generation, first.taken_at)
    assert not [q for q in captured.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    # a new day is a new refresh (the stocks are at a day's end)
    assert refresh(dt.date(2026, 6, 1)).day == dt.date(2026, 6, 1)


def test_the_stored_stocks_are_used_for_the_current_year_only(month):
    world = month
    refresh()
    assert read(world.province, Period.year(2026))[1]
    assert not read(world.province, Period.month(2026, 4))[1]  # a past period: its end is before today
    assert not read(world.province, today=dt.date(2026, 6, 1), period=Period.month(2026, 6))[1]  # yesterday's
    # something dated after the refresh's day (the forms refuse it; an operator's row): only a period
    # ending that day may use them
    MemberMovement.objects.create(unit=world.district, kind=MovementKind.RECRUITED, members=2,
                                  entered_by=world.supervisor, entered_at=timezone.make_aware(at(TODAY)),
                                  on=dt.date(2026, 6, 3), month=dt.date(2026, 6, 1))
    run = refresh()
    assert run.future_inputs
    assert read(world.province)[1]
    assert not read(world.province, Period.year(2026))[1]


def test_the_dashboard_reads_a_constant_number_of_queries_from_the_stored_stocks(month):
    world = month
    refresh()
    read(world.province)  # the reference data read once, as a server process keeps it
    with CaptureQueriesContext(connection) as small:
        read(world.province)
    for day in range(22, 26):
        recognise(world, dt.date(2026, 5, day), workforce=50 + day)
    refresh()
    with CaptureQueriesContext(connection) as large:
        board, stored = read(world.province)
    assert stored
    assert len(large.captured_queries) == len(small.captured_queries)
    assert board.total.union_members == 900 + 6 + 5 - 3 + 8 + 5 + 4 * 5


def test_the_nightly_check_finds_and_repairs_stored_stocks_that_drifted(month):
    world = month
    refresh()
    with clock.travel_to(at(TODAY, 20)):
        assert jobs.stocks_check() == []
        UnitStock.objects.filter(unit=world.district).update(members=1)
        StockRun.objects.update(generation=stocks.generation())  # the operator's UPDATE counted as no change
        assert jobs.stocks_check(fix=True) == [world.district.pk]
        assert jobs.stocks_check() == []
    assert UnitStock.objects.get(unit=world.district).members != 1


@pytest.mark.django_db(transaction=True)
def test_a_refresh_waits_for_a_writer_between_its_change_and_its_commit(reference_data):
    # given a writer that recorded a movement and has not committed yet
    world = build_world()
    campaign = recognise(world, dt.date(2026, 5, 4), workforce=60)
    refresh()
    changed, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic(), clock.travel_to(at(dt.date(2026, 5, 20))):
                services.movement_record(unit_id=campaign.recognised_unit_id, kind=MovementKind.RECRUITED,
                                         members=7, actor=world.supervisor, on=dt.date(2026, 5, 20))
                changed.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert changed.wait(10)
        # then a refresh does not take a counter its snapshot could miss
        assert refresh(wait=0.3) is None
    finally:
        release.set()
        thread.join(10)
    run = refresh()
    board, stored = read(world.province)
    assert stored and run.generation == stocks.generation()
    assert board.total.union_members == 5 + 7


def test_a_refresh_while_another_runs_writes_nothing_and_the_next_one_does(month):
    # given another refresh running (its lock held by another connection)
    held, release = threading.Event(), threading.Event()

    def other_refresh():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [stocks.RUN_LOCK])
                held.set()
                release.wait(10)
                cursor.execute("SELECT pg_advisory_unlock(%s)", [stocks.RUN_LOCK])
        finally:
            connection.close()

    thread = threading.Thread(target=other_refresh)
    thread.start()
    try:
        assert held.wait(10)
        # then a second one neither waits nor writes
        assert refresh() is None
        assert not StockRun.objects.exists() and not UnitStock.objects.exists()
    finally:
        release.set()
        thread.join(10)
    # and once it is over, the next refresh puts every unit's stocks in place
    run = refresh()
    assert run.generation == stocks.generation()
    assert UnitStock.objects.filter(unit=month.province).exists()
    assert read(month.province)[1] is True


def test_reports_with_filters_or_a_cut_off_compute_the_stocks(month):
    world = month
    refresh()
    with CaptureQueriesContext(connection) as captured, clock.travel_to(at(TODAY, 19)):
        figures_for(world.province, MAY, today=TODAY, filters=engine.Filters(min_workforce=10))
    assert "statistics_unitstock" not in " ".join(q["sql"] for q in captured.captured_queries)
