"""The dashboard read from the rollups (``SubtreeEntries``,
``SubtreeMonthFigures``, ``SubtreeDuration``, ``SubtreeBand``, issue 19):
the rows of the unit and of its children, by year for whole years, give
exactly the figures summed over the whole subtree — at every level, for any
period, after units moved in the tree, campaigns recognised, abandoned and
transferred, an enterprise's workforce and union changed — in the same
number of queries; a corrupted rollup is seen and rebuilt."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from tests.statistics.test_engine import at, build_month, move, recognise, values
from workflows.campaigns import rollups, services
from workflows.campaigns.flows import AbandonReason, Stage
from workflows.campaigns.models import SubtreeDuration, SubtreeEntries, SubtreeMonthFigures
from workflows.core import clock
from workflows.enterprises import services as enterprise_services
from workflows.enterprises.models import Enterprise, SubtreeBand
from workflows.organisation import services as org
from workflows.organisation.models import Unit
from workflows.statistics import reconcile
from workflows.statistics.engine import dashboard_for
from workflows.statistics.periods import Period

pytestmark = pytest.mark.postgres

TODAY = dt.date(2026, 5, 31)
PERIODS = [Period.year(2026), Period.month(2026, 5), Period.first_months(2026, 4),
           Period.between(dt.date(2025, 7, 1), dt.date(2026, 5, 31))]
#: The tables of the period's figures each way reads (one query each).
ROLLUP_TABLES = ("statistics_subtreeentries", "statistics_subtreemonthfigures", "statistics_subtreeband",
                 "statistics_subtreeduration")
SOURCE_TABLES = ("campaigns_stageentries", "statistics_monthfigures", "statistics_enterpriseband",
                 "statistics_stageduration")


def read_from(queries, tables) -> list[tuple[str, ...]]:
    """The tables of ``tables`` each query reads (quoted by the ORM or not), in order."""
    found = []
    for q in queries:
        read = tuple(t for t in tables if re.search(rf'\b{t}\b', q["sql"]))
        if read:
            found.append(read)
    return found


def figures(board) -> tuple:
    """Every indicator of every row, and what the indicators do not show (a
    stage or a band without campaigns nor enterprises is left out: a summary
    row at zero, left by a transfer, gives it on one side only)."""
    return (values(board), board.durations,
            sorted((row.unit.pk, row.own, sorted((k, n) for k, n in row.entered.items() if n),
                    sorted((k, n) for k, n in row.coverage.items() if n != (0, 0)))
                   for row in [*board.rows, board.total]))


def both_ways(unit, period, settings, today=TODAY) -> tuple:
    """The dashboard from the rollups and summed over the subtree, with the queries each ran."""
    found = []
    for read in (True, False):
        settings.SUMMARY_ROLLUPS_READ = read
        with CaptureQueriesContext(connection) as captured, clock.travel_to(at(today, 19)):
            board = dashboard_for(unit, period, today=today)
        found.append((board, captured.captured_queries))
    settings.SUMMARY_ROLLUPS_READ = True
    return found


def assert_same_everywhere(world, settings) -> None:
    for unit in Unit.objects.filter(path__startswith=world.province.path).order_by("path"):
        for period in PERIODS:
            (rolled, rolled_queries), (summed, summed_queries) = both_ways(unit, period, settings)
            assert figures(rolled) == figures(summed), (unit.code, period)
            # the period's figures: the rollups in one statement, or one query per source table
            assert read_from(rolled_queries, ROLLUP_TABLES + SOURCE_TABLES) == [ROLLUP_TABLES]
            assert read_from(summed_queries, ROLLUP_TABLES + SOURCE_TABLES) == [(t,) for t in SOURCE_TABLES]


@pytest.fixture
def history(world):
    """May 2026 (``build_month``), a recognition in March and work in 2025."""
    build_month(world)
    recognise(world, dt.date(2026, 3, 10), workforce=120)
    with clock.travel_to(at(dt.date(2025, 9, 15))):
        campaign_at(world, Stage.FOUNDING_CONGRESS, enterprise=EnterpriseFactory(responsible_unit=world.district))
        campaign_at(world, Stage.ABANDONED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    move(world, world.other_district, dt.date(2025, 11, 3), 12)
    return world


def test_both_ways_give_the_same_figures_at_every_level_and_period(history, settings):
    world = history
    assert_same_everywhere(world, settings)
    # and they are figures, not zeros: the year 2026 of the province
    (board, _queries), _summed = both_ways(world.province, Period.between(dt.date(2025, 7, 1), TODAY), settings)
    assert (board.total.unions_founded, board.total.abandoned, board.total.entered[Stage.RECOGNISED]) == (3, 2, 3)
    assert board.total.enterprises == Enterprise.objects.count()
    assert board.durations


def test_they_stay_the_same_through_moves_transfers_and_the_registry(history, settings):
    world = history
    with clock.travel_to(at(dt.date(2026, 5, 20))):
        # a campaign recognised, one abandoned, the other district's campaigns and enterprises transferred
        recognise(world, dt.date(2026, 5, 20), workforce=70)
        opened = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
        services.campaign_transition(campaign_id=opened.pk, name="abandon", actor=world.supervisor,
                                     data={"reason": AbandonReason.MERGED})
        other = EnterpriseFactory(responsible_unit=world.other_district, workforce=300)
        services.campaign_open(enterprise_id=other.pk, actor=world.other_supervisor)
    with clock.travel_to(at(dt.date(2026, 5, 21))):
        services.campaigns_transfer(from_unit_id=world.other_district.pk, to_unit_id=world.district.pk,
                                    actor=world.admin, on=clock.today())
        enterprise_services.enterprises_transfer(from_unit_id=world.other_district.pk, to_unit_id=world.district.pk,
                                                 actor=world.admin, on=clock.today())
    assert_same_everywhere(world, settings)

    # a unit moved under another: its rows go from its old ancestors to its new ones
    move(world, world.other_district, dt.date(2026, 5, 22), 4)
    org.unit_move(unit_id=world.other_district.pk, parent_id=world.district.pk, actor=world.admin)
    world.other_district.refresh_from_db()
    assert_same_everywhere(world, settings)

    # an enterprise's workforce changes band, another gets its union
    with clock.travel_to(at(dt.date(2026, 5, 23))):
        enterprise = Enterprise.objects.filter(has_union=False, responsible_unit=world.district).order_by("pk").first()
        enterprise_services.enterprise_update(
            enterprise_id=enterprise.pk, actor=world.supervisor, data=enterprise_services.EnterpriseData(
                name=enterprise.name, workforce=1500, workforce_source="social_insurance",
                workforce_as_of=dt.date(2026, 5, 1)))
        campaign_at(world, Stage.RECOGNISED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    assert_same_everywhere(world, settings)
    assert reconcile.drift() == []


def test_the_dashboard_reads_the_rows_of_the_unit_and_its_children(history, settings):
    world = history
    org.unit_move(unit_id=world.other_district.pk, parent_id=world.district.pk, actor=world.admin)
    (_board, queries), _summed = both_ways(world.province, Period.year(2026), settings)
    # the pipeline, the funnel, the month figures, the bands and the durations in one statement; no source
    assert read_from(queries, ("statistics_subtreestage", *ROLLUP_TABLES, *SOURCE_TABLES)) == [
        ("statistics_subtreestage", *ROLLUP_TABLES)]
    # the year's rows, not the months'
    assert SubtreeEntries.objects.filter(unit=world.province, whole_year=True, month=dt.date(2026, 1, 1)).exists()


@pytest.mark.parametrize(("first", "last", "years", "months"), [
    (dt.date(2026, 1, 1), dt.date(2026, 12, 1), [2026], []),
    (dt.date(2026, 1, 1), dt.date(2026, 5, 1), [2026], []),  # this year to this month: the rest is empty
    (dt.date(2026, 1, 1), dt.date(2026, 4, 1), [], [(dt.date(2026, 1, 1), dt.date(2026, 4, 1))]),
    (dt.date(2025, 7, 1), dt.date(2026, 6, 1), [2026], [(dt.date(2025, 7, 1), dt.date(2025, 12, 1))]),
    (dt.date(2024, 1, 1), dt.date(2025, 2, 1), [2024], [(dt.date(2025, 1, 1), dt.date(2025, 2, 1))]),
])
def test_a_period_reads_the_years_it_covers_and_the_months_left(first, last, years, months):
    assert rollups.spans(first, last, today=TODAY) == ([dt.date(y, 1, 1) for y in years], months)


@pytest.mark.parametrize("model", [SubtreeEntries, SubtreeMonthFigures, SubtreeDuration, SubtreeBand])
def test_a_corrupted_rollup_is_seen_and_rebuilt(history, model):
    world = history
    row = model.objects.filter(unit=world.province).order_by("pk").first()
    column = {SubtreeEntries: "campaigns", SubtreeMonthFigures: "members_recruited", SubtreeDuration: "stints",
              SubtreeBand: "workforce"}[model]
    model.objects.filter(pk=row.pk).update(**{column: getattr(row, column) + 7})
    assert {d.table for d in reconcile.drift()} == {model.__name__}

    with CaptureQueriesContext(connection) as rebuilt:
        reconcile.rebuild()

    assert reconcile.drift() == []
    # one statement fills each rollup
    table = model._meta.db_table
    assert sum(f"INSERT INTO {table} " in q["sql"] for q in rebuilt.captured_queries) == 1


def test_a_unit_s_cdcs_are_not_read_but_for_the_month_figures(history, settings):
    """The pipeline, funnel and registry rollups are read for the unit and its
    upper-level children by id (a district's thousands of CĐCS hold no rows
    there); the month figures, where a CĐCS reports members, for every child."""
    world = history
    district = world.district
    cdcs = set(Unit.objects.filter(path__startswith=district.path, depth=district.depth + 1,
                                   kind__is_grassroots=True).values_list("pk", flat=True))
    upper = set(Unit.objects.filter(path__startswith=district.path, depth=district.depth + 1,
                                    kind__is_grassroots=False).values_list("pk", flat=True))
    assert cdcs  # the recognitions founded them

    executed = []

    def keep(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        (_board, queries), _summed = both_ways(district, PERIODS[0], settings)

    # the pipeline, the day counters, the funnel, the month figures, the bands and the durations: one statement
    assert not [q for q in queries if 'FROM "statistics_subtreestage"' in q["sql"]]
    [(sql, params)] = [(sql, params) for sql, params in executed if "statistics_subtreeentries" in sql]
    parts = {re.search(r"FROM (statistics_subtree\w+)", chunk).group(1): chunk
             for chunk in sql.split("\n (SELECT COALESCE")[1:]}
    assert set(parts) == {"statistics_subtreeentries", "statistics_subtreemonthfigures", "statistics_subtreeband",
                          "statistics_subtreeduration", "statistics_subtreestage", "statistics_subtreestalled"}
    for table in ("statistics_subtreeentries", "statistics_subtreeband", "statistics_subtreestage",
                  "statistics_subtreestalled"):
        assert "organisation_unit" not in parts[table] and "unit_id = ANY(%(units)s)" in parts[table], table
    assert set(params["units"]) == {district.pk} | upper
    assert "ANY(ARRAY(SELECT c.id FROM organisation_unit c" in parts["statistics_subtreemonthfigures"]
    assert (params["depth"], params["under"]) == (district.depth + 1, f"{district.path}%")
    assert "unit_id = %(unit)s" in parts["statistics_subtreeduration"] and params["unit"] == district.pk
