"""Programmes, targets and indicator figures over the API: each role reads
what the statistics pages show it, and a unit out of reach answers 404."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.conftest import campaign_at
from workflows.api.tokens import token_create
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.statistics import indicators, services
from workflows.statistics.engine import figures_for
from workflows.statistics.models import Metric, ProgrammeBasis
from workflows.statistics.periods import Period


def client_of(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    _token, key = token_create(user=user, name="thử", scope="read", days=30)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def programme_of(unit, actor, *, name: str = "Kế hoạch năm 2026", milestones=()):
    return services.programme_create(unit_id=unit.pk, name=name, basis_kind=ProgrammeBasis.YEAR_PLAN,
                                     basis="Kế hoạch 12/KH-LĐLĐ", start=dt.date(2026, 1, 1),
                                     end=dt.date(2026, 12, 31), actor=actor, milestones=list(milestones))


@pytest.mark.parametrize("role,sees", [
    ("manager", {"province", "district"}), ("supervisor", {"province", "district"}),
    ("other_supervisor", {"province"}), ("officer", set()), ("other_officer", set())])
def test_each_role_lists_the_programmes_whose_page_opens_for_it(world, province_supervisor, role, sees):
    made = {"province": programme_of(world.province, province_supervisor, name="Nghị quyết Đại hội"),
            "district": programme_of(world.district, world.supervisor, name="Kế hoạch khu vực Từ Sơn")}
    client = client_of(world.user(role))

    rows = client.get("/api/v1/programmes/").json()["results"]

    assert sorted(row["id"] for row in rows) == sorted(made[name].pk for name in sees)
    for name, programme in made.items():
        assert client.get(f"/api/v1/programmes/{programme.pk}/").status_code == (200 if name in sees else 404)


@pytest.mark.parametrize("role,units", [("manager", ["province", "district", "other_district"]),
                                        ("supervisor", ["district"]), ("other_supervisor", ["other_district"])])
def test_a_programme_answers_its_milestones_and_the_targets_of_the_units_one_oversees(
        world, province_supervisor, role, units):
    programme = programme_of(world.province, province_supervisor, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                         received=1500, allocations={world.district.pk: 900, world.other_district.pk: 700},
                         actor=province_supervisor)

    body = client_of(world.user(role)).get(f"/api/v1/programmes/{programme.pk}/").json()

    assert body["milestones"] == [{"on": "2026-06-30", "label": "6 tháng"}]
    values = {"province": 1500, "district": 900, "other_district": 700}
    assert sorted((row["unit"], row["value"]) for row in body["targets"]) == sorted(
        (getattr(world, name).pk, values[name]) for name in units)


def test_the_programmes_list_costs_the_same_queries_for_few_and_many(world, province_supervisor,
                                                                      django_assert_max_num_queries):
    programme_of(world.province, province_supervisor)
    client = client_of(world.manager)
    client.get("/api/v1/programmes/")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/programmes/")
    for i in range(5):
        programme_of(world.district, world.supervisor, name=f"Chương trình {i}",
                     milestones=[(dt.date(2026, 6, 1), "Mốc")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/programmes/")
    assert len(response.json()["results"]) == 6


def _year() -> tuple[dt.date, dt.date]:
    today = clock.today()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


@pytest.mark.parametrize("role,status", [("supervisor", 200), ("manager", 200), ("other_supervisor", 404),
                                         ("officer", 404), ("other_officer", 404)])
def test_the_figures_of_a_unit_are_read_by_who_oversees_it(world, role, status):
    campaign_at(world, Stage.RECOGNISED)
    start, end = _year()

    response = client_of(world.user(role)).get("/api/v1/figures/", {
        "unit": world.district.pk, "from": start.strftime("%d/%m/%Y"), "to": end.isoformat()})

    assert response.status_code == status
    if status == 200:
        body = response.json()
        figures = {row["code"]: row["value"] for row in body["indicators"]}
        assert (body["unit"], body["start"], body["end"]) == (world.district.pk, start.isoformat(), end.isoformat())
        assert (figures["new_unions"], figures["new_members"], figures["enterprises"]) == (1, 5, 1)
        assert list(figures) == list(indicators.REGISTRY)


def test_the_figures_are_the_registrys_values_of_the_engines_total(world):
    campaign_at(world, Stage.RECOGNISED)
    campaign_at(world, Stage.SURVEYED, enterprise=factories.EnterpriseFactory(responsible_unit=world.district,
                                                                                workforce=300))
    start, end = _year()
    total = figures_for(world.province, Period.between(start, end), today=clock.today()).total

    body = client_of(world.manager).get("/api/v1/figures/", {"unit": world.province.pk}).json()

    expected = {code: indicators.value(code, total) for code in indicators.REGISTRY}
    assert {row["code"]: Decimal(str(row["value"])) if row["percent"] else row["value"]
            for row in body["indicators"]} == expected


def test_a_wrong_period_is_a_400_and_without_a_unit_the_first_one_overseen_is_read(world):
    client = client_of(world.supervisor)

    assert client.get("/api/v1/figures/", {"unit": world.district.pk, "from": "31/02/2026"}).status_code == 400
    assert client.get("/api/v1/figures/", {"unit": world.district.pk, "from": "2026-06-01",
                                           "to": "2026-05-01"}).status_code == 400
    assert client.get("/api/v1/figures/").json()["unit"] == world.district.pk
    assert client_of(world.officer).get("/api/v1/figures/").status_code == 404
    assert client.get("/api/v1/figures/", {"unit": world.other_district.pk}).status_code == 404
