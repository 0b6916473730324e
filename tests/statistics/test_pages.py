"""The statistics pages read their context from selectors that return frozen
dataclasses (issue 13, #3): the targets page (``statistics.planning``), the
overview; their forms live in ``statistics.forms``, not in the views."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import translation

from tests.factories import UserFactory, grant
from workflows.organisation.selectors import Reach, unit_picker
from workflows.statistics import planning, selectors, services, views as statistics_views
from workflows.statistics.engine import NO_FILTERS, Filters
from workflows.statistics.forms import AllocationForm, TargetChoiceForm, parse_amount
from workflows.statistics.indicators import TargetValue
from workflows.statistics.models import Metric, ProgrammeBasis, Target
from workflows.statistics.planning import TargetsChoice

TODAY = dt.date(2026, 11, 1)


@pytest.fixture
def planner(world):
    user = UserFactory(username="giamsat_tinh")
    grant(world.province, user, "supervisor", actor=world.admin)
    return user


def _programme(world, actor, milestones=()):
    return services.programme_create(unit_id=world.province.pk, name="Kế hoạch năm 2026",
                                     basis_kind=ProgrammeBasis.YEAR_PLAN, start=dt.date(2026, 1, 1),
                                     end=dt.date(2026, 12, 31), actor=actor, milestones=list(milestones))


def test_which_targets_are_shown_comes_from_the_query_and_garbage_means_the_defaults(world, planner):
    first = _programme(world, planner, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    latest = _programme(world, planner)
    programmes = [first, latest]
    end = dt.date(2026, 12, 31)

    assert TargetChoiceForm.shown(QueryDict(""), programmes) == TargetsChoice(
        latest, end, Metric.NEW_MEMBERS, NO_FILTERS)
    assert TargetChoiceForm.shown(QueryDict(
        f"programme={first.pk}&due_on=30/06/2026&metric=coverage&min_workforce=100&sector=fdi"
        "&social_insurance_only=1&industrial_zone=KCN%20Qu%E1%BA%BF%20V%C3%B5"), programmes) == TargetsChoice(
        first, dt.date(2026, 6, 30), Metric.COVERAGE, Filters("fdi", 100, True, "KCN Quế Võ"))
    assert TargetChoiceForm.shown(QueryDict("programme=999&due_on=31/12/2031&metric=%00&min_workforce=7&sector=x"),
                                  programmes) == TargetsChoice(latest, end, Metric.NEW_MEMBERS, NO_FILTERS)
    assert TargetChoiceForm.shown(QueryDict("metric=coverage&min_workforce=²"), programmes) == TargetsChoice(
        latest, end, Metric.COVERAGE, Filters(min_workforce=25))  # a coverage target counts from 25 by default
    assert TargetChoiceForm.shown(QueryDict(""), []) == TargetsChoice(None, None, Metric.NEW_MEMBERS, NO_FILTERS)


@pytest.mark.parametrize(("typed", "amount"), [
    ("6500", 6500), ("6.500", 6500), (" 1.600 ", 1600), ("6.000–7.000", (6000, 7000)), ("6000-7000", (6000, 7000)),
    ("6.000 — 7.000", (6000, 7000)), ("500-500", 500), ("", None), ("  ", None),
])
def test_a_target_is_typed_as_a_whole_number_or_a_range(typed, amount):
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["²", "-5", "7.000–6.000", "1-2-3", "6,5", "1234567890", "abc"])
def test_anything_else_is_not_a_target(typed):
    with pytest.raises(ValueError):
        parse_amount(typed)


def test_typed_values_are_numbers_or_ranges_and_a_bad_one_is_named_with_its_unit(world):
    # given the values typed for the province and its two districts
    data = {f"value-{world.province.pk}": "6.000–7.000", f"value-{world.district.pk}": " 1.600 ",
            f"value-{world.other_district.pk}": ""}

    form = AllocationForm(data, unit=world.province, children=[world.district, world.other_district])

    assert form.is_valid()
    assert (form.received, form.allocations) == ((6000, 7000), {world.district.pk: 1600})

    # when one is not a whole number
    form = AllocationForm({**data, f"value-{world.district.pk}": "²"}, unit=world.province,
                          children=[world.district, world.other_district])

    with translation.override("en"):
        assert not form.is_valid()
        assert form.non_field_errors() == [
            f"“²” for {world.district.name} is not a whole number or a range (6.000–7.000)."]


def test_the_targets_page_is_one_frozen_dataclass_with_the_sum_against_the_received_target(world, planner):
    # given a received target of 1.500 split as 1.600 + 1.100
    programme = _programme(world, planner)
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                         received=1500, allocations={world.district.pk: 1600, world.other_district.pk: 1100},
                         actor=planner)
    children = selectors.units_allocated_to(world.province)

    # when
    picker = unit_picker(planner, world.province.pk, all_units=False, reach=Reach.SUPERVISED)
    page = planning.targets_page(planner, world.province, picker, [programme], children,
                                 TargetsChoice(programme, programme.end, Metric.NEW_MEMBERS, NO_FILTERS))

    # then
    assert dataclasses.is_dataclass(page) and page.__dataclass_params__.frozen
    assert children == [world.district, world.other_district]
    assert page.picker.chosen == world.province
    assert [(o.unit, o.level) for o in page.picker.options] == [
        (world.province, 0), (world.other_district, 1), (world.district, 1)]  # the children by name
    assert (page.received, page.balance.allocated, page.balance.over, page.balance.difference) == (
        TargetValue(1500), TargetValue(2700), True, "+1.200")
    assert page.allocated == ((world.district, TargetValue(1600)), (world.other_district, TargetValue(1100)))


def test_the_overview_is_one_frozen_dataclass(world, planner):
    page = selectors.overview_page(planner, world.province, unit_picker(planner, None, all_units=False), span="h1",
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
    programme = _programme(world, planner)
    common = {"programme_id": programme.pk, "metric": Metric.NEW_MEMBERS, "actor": planner}
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
