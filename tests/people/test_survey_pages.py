"""The survey pages: the roll-up of the figures per child unit, the round's
page, the rounds list, the campaign page's survey figures, and their
query counts."""
from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests import factories
from workflows.core import clock
from workflows.people import survey_pages, surveys
from workflows.people.models import EmployerAttitude, Issue

TODAY = clock.today()


def _visit(world, enterprise, *, actor=None, days_ago: int = 0, round_id=None, **figures):
    data = surveys.VisitData(visited_on=TODAY - dt.timedelta(days=days_ago), round_id=round_id, **figures)
    actor = actor or (world.other_supervisor if enterprise.responsible_unit_id == world.other_district.pk
                      else world.officer)
    return surveys.survey_visit_record(enterprise_id=enterprise.pk, actor=actor, data=data)


@pytest.fixture
def surveyed(world):
    """A province round listing three enterprises of the district and two of
    the other district; two of the district's and one of the other's visited
    (one of them twice: the latest visit counts)."""
    wages = Issue.objects.create(code="t-wages", name="Lương thấp", name_en="Low wages", order=1)
    overtime = Issue.objects.create(code="t-overtime", name="Tăng ca", name_en="Overtime", order=2)
    province_supervisor = factories.UserFactory(username="province_supervisor")
    factories.grant(world.province, province_supervisor, "supervisor", actor=world.admin)
    d1, d2 = world.enterprise, factories.EnterpriseFactory(responsible_unit=world.district)
    d3 = factories.EnterpriseFactory(responsible_unit=world.district)
    o1, o2 = (factories.EnterpriseFactory(responsible_unit=world.other_district) for _ in range(2))
    survey_round = surveys.survey_round_create(actor=province_supervisor, data=surveys.RoundData(
        unit_id=world.province.pk, name="Khảo sát toàn tỉnh", starts_on=TODAY - dt.timedelta(days=30),
        ends_on=TODAY, enterprise_ids=(d1.pk, d2.pk, d3.pk, o1.pk, o2.pk),
        team_ids=(world.group.pk, world.other_group.pk)))
    r = survey_round.pk
    _visit(world, d1, round_id=r, days_ago=20, workforce=999, women=999)  # superseded by the next one
    _visit(world, d1, round_id=r, days_ago=2, workforce=500, women=300, migrants=100, aged_under_30=200,
           aged_30_to_45=200, aged_over_45=100, wage_min=5_000_000, wage_max=8_000_000, team_id=world.group.pk,
           employer_attitude=EmployerAttitude.SUPPORTIVE, issue_ids=(wages.pk, overtime.pk))
    _visit(world, d2, actor=world.other_officer, round_id=r, days_ago=1, workforce=1000, women=600, migrants=400,
           aged_under_30=500, aged_30_to_45=300, aged_over_45=200, wage_min=6_000_000, wage_max=10_000_000,
           team_id=world.other_group.pk, employer_attitude=EmployerAttitude.OPPOSED, issue_ids=(wages.pk,))
    _visit(world, o1, round_id=r, days_ago=1, workforce=6000, women=4000, migrants=3000, aged_under_30=3000,
           aged_30_to_45=2000, aged_over_45=1000, employer_attitude=EmployerAttitude.NEUTRAL,
           issue_ids=(overtime.pk,))
    return survey_round


def test_the_figures_roll_up_per_district_and_into_the_province(world, surveyed):
    # when the province's summary is read
    summary = survey_pages.survey_summary(world.province, survey_pages.SummaryFilters())

    # then one row per district, and the province's total
    district, other = summary.rows
    assert district.unit == world.district and other.unit == world.other_district
    assert (district.on_list, district.visited, district.workforce, district.women, district.migrants) == (
        3, 2, 1500, 900, 500)
    assert (district.aged_under_30, district.aged_30_to_45, district.aged_over_45) == (700, 500, 300)
    assert (district.wage_min_avg, district.wage_max_avg) == (5_500_000, 9_000_000)
    assert (district.supportive, district.neutral, district.opposed, district.not_met) == (1, 0, 1, 0)
    assert [(i.label, i.count) for i in district.issues] == [("Lương thấp", 2), ("Tăng ca", 1)]
    assert (other.on_list, other.visited, other.workforce, other.women, other.migrants) == (2, 1, 6000, 4000, 3000)
    assert (other.wage_min_avg, other.neutral, [(i.label, i.count) for i in other.issues]) == (
        None, 1, [("Tăng ca", 1)])
    total = summary.total
    assert (total.on_list, total.visited, total.workforce, total.women, total.migrants) == (5, 3, 7500, 4900, 3500)
    assert (total.aged_under_30, total.aged_30_to_45, total.aged_over_45) == (3700, 2500, 1300)
    assert (total.wage_min_avg, total.supportive, total.neutral, total.opposed) == (5_500_000, 1, 1, 1)
    assert [(i.label, i.count) for i in total.issues] == [("Lương thấp", 2), ("Tăng ca", 2)]


def test_the_period_narrows_the_visits(world, surveyed):
    # when only the visits of the last day count
    summary = survey_pages.survey_summary(world.province, survey_pages.SummaryFilters(
        start=TODAY - dt.timedelta(days=1), end=TODAY))

    # then the district's visit of two days ago is left out (its earlier one too)
    assert (summary.total.visited, summary.total.workforce) == (2, 7000)


def test_the_summary_page_shows_numbers_and_a_bar_per_district(world, surveyed, client):
    client.force_login(world.manager)

    response = client.get(reverse("people:summary"), {"unit": world.province.pk, "round": surveyed.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="survey-bar"') == 2
    assert "7.500" in html and "6.000" in html  # numbers as Vietnamese write them
    assert "style=" not in html.split("<main", 1)[1]


@pytest.mark.parametrize("districts", [0, 4])
def test_the_summary_is_a_constant_number_of_queries(world, surveyed, client, django_assert_max_num_queries,
                                                     districts):
    # given 2 or 6 child units, each with a listed, visited enterprise
    province_supervisor = factories.UserFactory(username="province_supervisor")
    for index in range(districts):
        unit = factories.unit(name=f"Khu vực {index}", code=f"kv-{index}", kind="district_federation",
                              parent=world.province, actor=world.admin)
        enterprise = factories.EnterpriseFactory(responsible_unit=unit)
        surveyed.enterprises.add(enterprise)
        surveys.survey_visit_record(enterprise_id=enterprise.pk, actor=province_supervisor, data=surveys.VisitData(
            visited_on=TODAY, workforce=100, round_id=surveyed.pk))
    client.force_login(world.manager)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:summary"), {"unit": world.province.pk})

    assert len(response.context["rows"]) == 2 + districts


@pytest.mark.parametrize("rounds", [1, 6])
def test_the_rounds_list_is_a_constant_number_of_queries(world, client, django_assert_max_num_queries, rounds):
    for index in range(rounds):
        surveys.survey_round_create(actor=world.supervisor, data=surveys.RoundData(
            unit_id=world.district.pk, name=f"Đợt {index}", starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 2, 1), enterprise_ids=(world.enterprise.pk,)))
    client.force_login(world.supervisor)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("people:rounds"))

    assert len(response.context["rows"]) == rounds


def test_the_rounds_list_counts_visited_and_listed(world, surveyed, client):
    client.force_login(world.manager)

    response = client.get(reverse("people:rounds"))

    row, = response.context["rows"]
    assert (row.visited, row.total) == (3, 5)
    assert f"{surveyed.starts_on:%d/%m/%Y} – {surveyed.ends_on:%d/%m/%Y}" in response.content.decode()


def test_the_round_page_shows_progress_the_last_visits_and_the_teams(world, surveyed, client,
                                                                     django_assert_max_num_queries):
    client.force_login(world.manager)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("people:round", args=[surveyed.pk]))

    assert (response.context["visited"], response.context["total"], response.context["percent"]) == (3, 5, 60)
    by_enterprise = {row.enterprise.pk: row.last_visit for row in response.context["rows"]}
    assert by_enterprise[world.enterprise.pk].workforce == 500
    assert sorted((t.name, t.visits) for t in response.context["teams"]) == [
        ("Tổ công tác số 1", 1), ("Tổ công tác số 2", 1), ("—", 2)]
    assert all(not row.may_record for row in response.context["rows"])  # a manager records no visit


def test_the_campaign_page_figures_come_from_the_latest_visit(world, surveyed):
    latest = survey_pages.latest_visit_of(world.enterprise.pk)

    html = render_to_string("people/_visit_summary.html", {"visit": latest})

    assert latest.workforce == 500
    assert reverse("people:visit", args=[latest.pk]) in html
    assert survey_pages.latest_visit_of(factories.EnterpriseFactory(responsible_unit=world.district).pk) is None


def test_the_menu_shows_the_survey_rounds_to_who_may_see_them(world, client):
    client.force_login(world.officer)
    officer_menu = client.get(reverse("people:rounds")).context["nav_items"]
    client.force_login(world.administrator)
    admin_menu = client.get(reverse("people:rounds")).context["nav_items"]

    assert [i.key for i in officer_menu].count("surveys") == 1
    assert [i.key for i in admin_menu].count("surveys") == 1


def test_the_forms_open_for_the_supervisor(world, surveyed, client):
    visit = survey_pages.latest_visit_of(world.enterprise.pk)
    client.force_login(world.supervisor)

    statuses = [client.get(url).status_code for url in (
        reverse("people:round_add"), reverse("people:round_add") + "?band=100-499&q=may",
        reverse("people:visit_add", args=[world.enterprise.pk]) + f"?round={surveyed.pk}",
        reverse("people:visit", args=[visit.pk]), reverse("people:visit_edit", args=[visit.pk]),
        reverse("people:summary"))]
    edit_by_district = client.get(reverse("people:round_edit", args=[surveyed.pk])).status_code

    assert statuses == [200] * 6
    assert edit_by_district == 404  # a province round is planned by the province


def test_an_administrator_opens_the_visits_the_round_page_shows_them(client, world):
    """The crawler's find: the province's administrator reads its rounds,
    so the visits their pages link to must open for them too."""
    today = clock.today()
    survey_round = surveys.survey_round_create(actor=world.supervisor, data=surveys.RoundData(
        unit_id=world.district.pk, name="Khảo sát quý IV", starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5), enterprise_ids=(world.enterprise.pk,)))
    visit = _visit(world, world.enterprise, round_id=survey_round.pk, workforce=150)
    client.force_login(world.administrator)

    page = client.get(reverse("people:round", args=[survey_round.pk])).content.decode()

    assert reverse("people:visit", args=[visit.pk]) in page
    assert client.get(reverse("people:visit", args=[visit.pk])).status_code == 200
