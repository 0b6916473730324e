"""``core.queries.PagesByIds``: a page is its ids, then its rows through the
list's own query; with a ``walk`` (the same rows without the scope's join,
given when it counts as many) the ids come from the walk unless one of them
is not among the list's rows, and then from the list."""
from __future__ import annotations

import pytest

from tests.factories import EnterpriseFactory
from workflows.core.queries import PagesByIds
from workflows.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprises(world):
    for i in range(6):
        EnterpriseFactory(responsible_unit=world.district if i % 3 else world.other_district, name=f"DN {i}")
    return Enterprise.objects.order_by("pk")


def test_a_walk_that_holds_the_same_rows_gives_the_page(world, enterprises):
    mine = enterprises.filter(responsible_unit=world.district)
    pages = PagesByIds(mine, count=mine.count(), walk=mine.filter(pk__gt=0))
    assert [e.pk for e in pages[0:2]] == list(mine.values_list("pk", flat=True)[0:2])


def test_a_walk_with_a_row_the_list_has_not_falls_back_to_the_list(world, enterprises):
    # the walk counted as many rows when asked, but one has moved out of the list since
    mine = enterprises.filter(responsible_unit=world.district)
    pages = PagesByIds(mine, count=mine.count(), walk=enterprises)
    walked = set(enterprises.values_list("pk", flat=True)[0:3])
    assert walked - set(mine.values_list("pk", flat=True))  # the walk's page holds a row the list has not
    assert [e.pk for e in pages[0:3]] == list(mine.values_list("pk", flat=True)[0:3])
    assert all(e.responsible_unit_id == world.district.pk for e in pages[0:4])


def test_it_iterates_and_indexes_as_the_list_does(world, enterprises):
    mine = enterprises.filter(responsible_unit=world.district)
    pages = PagesByIds(mine, count=mine.count(), walk=mine.filter(pk__gt=0))
    assert [e.pk for e in pages] == list(mine.values_list("pk", flat=True))
    assert pages[1].pk == list(mine.values_list("pk", flat=True))[1]
