"""The registry list at national scale (issue 19: 1,0 s for the country):
its count comes from the registry's rollup (``SubtreeBand``) when no filter
but the union status is set and the user sees the whole subtree chosen, and
a page from the name order's index; otherwise the rows are counted. Either
way the count and the rows are those of the list."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import EnterpriseFactory
from workflows.enterprises.models import Enterprise

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def registry(world):
    for i in range(30):
        EnterpriseFactory(responsible_unit=world.district if i % 3 else world.other_district, name=f"Công ty {i:02d}",
                          has_union=i % 4 == 0)
    return Enterprise.objects.all()


def listed(client, **query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("enterprises:list"), query)
    assert response.status_code == 200
    page = response.context["page"]
    counted = [q["sql"] for q in captured.captured_queries
               if "COUNT(" in q["sql"] and "enterprises_enterprise" in q["sql"]]
    return page.paginator.count, [e.pk for e in page.object_list], counted


@pytest.mark.parametrize("query", [{}, {"union": "yes"}, {"union": "no"}, {"unit": "district"}])
def test_the_count_comes_from_the_rollup_and_matches_the_rows(client, world, registry, query):
    if query.get("unit") == "district":
        query = {"unit": world.district.pk}
    client.force_login(world.manager)
    count, ids, counted = listed(client, **query)
    rows = Enterprise.objects.filter(responsible_unit__path__startswith=world.province.path)
    if "unit" in query:
        rows = rows.filter(responsible_unit=world.district)
    if query.get("union"):
        rows = rows.filter(has_union=query["union"] == "yes")
    assert count == rows.count() and counted == []
    assert ids == list(rows.order_by("search_name", "pk").values_list("pk", flat=True)[:25])


def test_a_supervisor_of_one_district_counts_only_it(client, world, registry):
    client.force_login(world.supervisor)
    count, ids, counted = listed(client)
    assert count == Enterprise.objects.filter(responsible_unit=world.district).count() and counted == []
    assert set(ids) <= set(Enterprise.objects.filter(responsible_unit=world.district).values_list("pk", flat=True))


@pytest.mark.parametrize("query", [{"q": "công ty 1"}, {"sector": "fdi"}, {"campaign": "none"}])
def test_other_filters_count_the_rows(client, world, registry, query):
    client.force_login(world.manager)
    count, ids, counted = listed(client, **query)
    assert len(counted) == 1
    assert count >= len(ids)
