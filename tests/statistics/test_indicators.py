"""The indicators' registry: every entry is described, and achievement
against a target is computed one way."""
from decimal import Decimal

import pytest

from workflows.statistics import indicators
from workflows.statistics.engine import BranchFigures
from workflows.statistics.indicators import REGISTRY, TargetValue
from workflows.statistics.models import Metric


@pytest.mark.parametrize("code", list(REGISTRY))
def test_every_indicator_has_a_label_a_definition_and_a_unit(code):
    indicator = REGISTRY[code]
    assert indicator.code == code
    assert str(indicator.label).strip()
    assert str(indicator.definition).strip()
    assert str(indicator.unit).strip()
    assert indicator.kind in (indicators.Kind.FLOW, indicators.Kind.STOCK)
    assert indicator.rollup in (indicators.Rollup.SUM, indicators.Rollup.RATIO, indicators.Rollup.COUNT_AT_END)


def test_every_metric_a_target_can_be_set_for_is_a_targetable_indicator():
    assert {indicator.code for indicator in indicators.TARGETABLE} == set(Metric.values)


def test_achievement_is_none_without_a_target():
    row = BranchFigures(unit=None, members_admitted=30)
    assert indicators.achievement(Metric.NEW_MEMBERS, row, None) is None


@pytest.mark.parametrize("done,target,expected", [(1331, 2400, "55.45"), (239, 850, "28.11"), (2, 3, "66.66"),
                                                  (850, 850, "100.00"), (900, 850, "105.88"), (5, 0, "0.00")])
def test_achievement_is_cut_to_two_decimals(done, target, expected):
    row = BranchFigures(unit=None, members_recruited=done)
    assert indicators.achievement(Metric.NEW_MEMBERS, row, TargetValue(target)) == Decimal(expected)


def test_achievement_is_zero_when_the_value_is_negative():
    row = BranchFigures(unit=None, members_recruited=10, members_lost=192)
    assert row.net_members == -182
    assert indicators.achievement(Metric.NET_MEMBERS, row, TargetValue(500)) == Decimal("0.00")


def test_a_range_is_achieved_against_its_lower_bound():
    row = BranchFigures(unit=None, members_recruited=6600)
    target = TargetValue(6000, 7000)
    assert target.is_range and str(target) == "6.000–7.000"
    assert indicators.achievement(Metric.NEW_MEMBERS, row, target) == Decimal("110.00")


def test_each_target_is_achieved_by_its_own_indicator():
    row = BranchFigures(unit=None, members_admitted=40, members_recruited=60, members_lost=50, unions_founded=3)
    assert indicators.achievement(Metric.NEW_MEMBERS, row, TargetValue(200)) == Decimal("50.00")
    assert indicators.achievement(Metric.NET_MEMBERS, row, TargetValue(200)) == Decimal("25.00")
    assert indicators.achievement(Metric.NEW_UNIONS, row, TargetValue(4)) == Decimal("75.00")


def test_coverage_reads_the_floor_asked_for():
    row = BranchFigures(unit=None, coverage={25: (3, 8), 100: (1, 2)})
    assert indicators.value(Metric.COVERAGE, row) == Decimal("37.50")
    assert indicators.value(Metric.COVERAGE, row, workforce_floor=100) == Decimal("50.00")
    assert indicators.achievement(Metric.COVERAGE, row, TargetValue(75), workforce_floor=100) == Decimal("66.66")


def test_ratio_is_cut_and_zero_when_negative():
    assert indicators.ratio(1, 3) == Decimal("33.33")
    assert indicators.ratio(-1, 3) == Decimal("0.00")
    assert indicators.ratio(1, 0) == Decimal("0.00")
