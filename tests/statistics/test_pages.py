"""The statistics pages read their context from selectors that return frozen
dataclasses (issue 13, #3): the targets page (was one view of radon E35),
the overview; their forms live in ``statistics.forms``, not in the views."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import translation

from tests.factories import UserFactory, grant
from workflows.statistics import selectors, services, views as statistics_views
from workflows.statistics.forms import AllocationForm, TargetChoiceForm
from workflows.statistics.models import Metric, Target, TargetHorizon
from workflows.statistics.selectors import TargetChoice

TODAY = dt.date(2026, 11, 1)


@pytest.fixture
def planner(world):
    user = UserFactory(username="giamsat_tinh")
    grant(world.province, user, "supervisor", actor=world.admin)
    return user


@pytest.mark.parametrize(("query", "shown"), [
    ("", TargetChoice(2026, TargetHorizon.YEAR, Metric.NEW_MEMBERS, 25)),
    ("year=2027&horizon=term&metric=coverage&min_workforce=100", TargetChoice(2027, "term", "coverage", 100)),
    ("year=1999&horizon=x&metric=%00&min_workforce=7", TargetChoice(2026, TargetHorizon.YEAR, Metric.NEW_MEMBERS, 25)),
    ("year=²&min_workforce=0", TargetChoice(2026, TargetHorizon.YEAR, Metric.NEW_MEMBERS, 25)),
])
def test_which_targets_are_shown_comes_from_the_query_and_garbage_means_the_defaults(query, shown):
    assert TargetChoiceForm.shown(QueryDict(query), today=TODAY) == shown


def test_typed_values_are_whole_numbers_with_thousands_dots_and_a_bad_one_is_named_with_its_unit(world):
    # given the values typed for the province and its two districts
    data = {f"value-{world.province.pk}": "6.500", f"value-{world.district.pk}": " 1.600 ",
            f"value-{world.other_district.pk}": ""}

    form = AllocationForm(data, unit=world.province, children=[world.district, world.other_district])

    assert form.is_valid()
    assert (form.received, form.allocations) == (6500, {world.district.pk: 1600})

    # when one is not a whole number
    form = AllocationForm({**data, f"value-{world.district.pk}": "²"}, unit=world.province,
                          children=[world.district, world.other_district])

    with translation.override("en"):
        assert not form.is_valid()
    assert form.non_field_errors() == [f"“²” for {world.district.name} is not a whole number."]


def test_the_targets_page_is_one_frozen_dataclass_with_the_sum_against_the_received_target(world, planner):
    # given a received target of 1.500 split as 1.600 + 1.100
    common = {"year": 2026, "metric": Metric.NEW_MEMBERS, "horizon": TargetHorizon.YEAR, "actor": planner}
    services.target_set_received(unit_id=world.province.pk, value=1500, **common)
    services.targets_allocate(unit_id=world.province.pk, allocations={world.district.pk: 1600,
                                                                      world.other_district.pk: 1100}, **common)
    children = selectors.units_allocated_to(world.province)

    # when
    page = selectors.targets_page(planner, world.province, [world.province, world.district], children,
                                  TargetChoice(2026, TargetHorizon.YEAR, Metric.NEW_MEMBERS, 25))

    # then
    assert dataclasses.is_dataclass(page) and page.__dataclass_params__.frozen
    assert children == [world.district, world.other_district]
    assert page.units == (world.province, world.district)
    assert (page.received, page.allocated_total, page.over, page.difference) == (1500, 2700, True, 1200)
    assert page.allocated == ((world.district, 1600), (world.other_district, 1100))


def test_the_overview_is_one_frozen_dataclass(world, planner):
    page = selectors.overview_page(planner, world.province, [world.province, world.district], span="h1",
                                   year=2026, as_of=None, today=TODAY)

    assert dataclasses.is_dataclass(page) and page.__dataclass_params__.frozen
    assert page.board.period == selectors.Period.half(2026, 1)
    assert page.parent is None and page.can_plan is True
    assert [(row.is_total, row.members, row.bar, row.coverage_done) for row in page.targets][-1] == (
        True, None, 0, Decimal("0"))


def test_no_form_is_declared_in_the_statistics_views():
    assert not [name for name, value in vars(statistics_views).items()
                if isinstance(value, type) and value.__module__ == statistics_views.__name__]


def test_saving_the_targets_page_is_all_or_nothing(world, planner):
    # given: 1.500 received, split over the two districts
    common = {"year": 2026, "metric": Metric.NEW_MEMBERS, "horizon": TargetHorizon.YEAR, "actor": planner}
    services.targets_set(unit_id=world.province.pk, received=1500,
                         allocations={world.district.pk: 900, world.other_district.pk: 600}, **common)
    before = sorted(Target.objects.values_list("unit_id", "source", "value"))

    # when: a new received figure comes with a split the service refuses (not a child unit)
    with pytest.raises(ValidationError):
        services.targets_set(unit_id=world.province.pk, received=2000,
                             allocations={world.province.pk: 2000}, **common)

    # then: the received target is still 1.500, nothing else changed
    assert sorted(Target.objects.values_list("unit_id", "source", "value")) == before
    assert len(before) == 3
