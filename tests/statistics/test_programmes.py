"""The planning pages of issue 15: programmes with their legal basis and
milestones, targets (values or ranges, filters, received against own
allocation, due at the end or at a milestone), member counts, estimates,
member movements by the day."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import unit as unit_create
from workflows.administration import closing
from workflows.core.clock import travel_to
from workflows.organisation.models import Unit
from workflows.statistics import services
from workflows.statistics.models import (
    Estimate,
    MemberCensus,
    MemberMovement,
    Metric,
    Milestone,
    Programme,
    ProgrammeBasis,
    Target,
)

TODAY = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def today():
    with travel_to(TODAY):
        yield


def _programme(world, actor, *, unit=None, name="Kế hoạch năm 2026", milestones=()):
    return services.programme_create(unit_id=(unit or world.province).pk, name=name,
                                     basis_kind=ProgrammeBasis.YEAR_PLAN, basis="Kế hoạch 12/KH-LĐLĐ",
                                     start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), actor=actor,
                                     milestones=list(milestones))


def _targets(**filters):
    return sorted(Target.objects.filter(**filters).values_list(
        "unit_id", "source", "due_on", "metric", "value", "value_max", "sector", "min_workforce",
        "social_insurance_only", "industrial_zone"))


PAGES = ["statistics:programmes", "statistics:programme_create", "statistics:targets", "statistics:member_counts",
         "statistics:estimates", "statistics:movements"]


@pytest.mark.parametrize("name", PAGES)
def test_every_planning_page_opens_for_a_province_supervisor_and_sends_the_anonymous_to_sign_in(
        client, world, province_supervisor, name):
    _programme(world, province_supervisor)
    url = reverse(name)

    assert client.get(url).status_code == 302
    assert "/login" in client.get(url)["Location"] or "next=" in client.get(url)["Location"]
    client.force_login(province_supervisor)
    response = client.get(url, {"unit": world.province.pk})
    assert response.status_code == 200
    assert response.context["can_plan"] is True


@pytest.mark.parametrize(("name", "status"), [
    ("statistics:programmes", 200), ("statistics:programme_create", 404), ("statistics:targets", 404),
    ("statistics:member_counts", 404), ("statistics:estimates", 404), ("statistics:movements", 404)])
def test_a_manager_reads_the_programmes_and_may_not_plan(client, world, name, status):
    client.force_login(world.manager)

    response = client.get(reverse(name), {"unit": world.province.pk})

    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert reverse("statistics:programme_create") not in html
        assert reverse("statistics:targets") not in html


@pytest.mark.parametrize("name", PAGES)
def test_a_unit_outside_the_scope_answers_404(client, world, name):
    client.force_login(world.supervisor)  # the district's supervisor

    assert client.get(reverse(name), {"unit": world.other_district.pk}).status_code == 404
    assert client.get(reverse(name), {"unit": world.province.pk}).status_code == 404


def test_a_supervisor_creates_a_programme_with_its_milestones(client, world, province_supervisor):
    client.force_login(province_supervisor)

    response = client.post(reverse("statistics:programme_create"), {
        "unit": world.province.pk, "name": "Nghị quyết Đại hội XII", "basis_kind": ProgrammeBasis.CONGRESS_RESOLUTION,
        "basis": "Nghị quyết số 01-NQ/ĐH ngày 20/10/2023", "start": "01/01/2023", "end": "31/12/2028",
        "milestone_1_on": "31/12/2025", "milestone_1_label": "Giữa nhiệm kỳ", "milestone_2_on": "",
        "milestone_2_label": ""})

    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('statistics:programme', args=[programme.pk])}?unit={world.province.pk}"
    assert (programme.unit, programme.name, programme.basis_kind, programme.basis, programme.start, programme.end) == (
        world.province, "Nghị quyết Đại hội XII", "congress", "Nghị quyết số 01-NQ/ĐH ngày 20/10/2023",
        dt.date(2023, 1, 1), dt.date(2028, 12, 31))
    assert list(Milestone.objects.values_list("on", "label")) == [(dt.date(2025, 12, 31), "Giữa nhiệm kỳ")]


@pytest.mark.parametrize(("change", "field"), [
    ({"end": "31/12/2020"}, "end"),
    ({"start": "2026-13-01"}, "start"),
    ({"milestone_1_on": "01/01/2030", "milestone_1_label": "Sau khi kết thúc"}, None),
    ({"milestone_1_label": "Không có ngày"}, "milestone_1_on"),
    ({"basis_kind": "nghi_quyet"}, "basis_kind"),
])
def test_a_bad_programme_answers_400_and_writes_nothing(client, world, province_supervisor, change, field):
    client.force_login(province_supervisor)
    data = {"unit": world.province.pk, "name": "Kế hoạch", "basis_kind": ProgrammeBasis.YEAR_PLAN,
            "start": "01/01/2026", "end": "31/12/2026", **change}

    with translation.override("en"):
        response = client.post(reverse("statistics:programme_create"), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert (field in form.errors) if field else bool(form.non_field_errors())
    assert (Programme.objects.count(), Milestone.objects.count()) == (0, 0)


@pytest.mark.parametrize("role", ["manager", "supervisor", "other_supervisor", "officer"])
def test_only_supervisors_of_the_unit_create_or_edit_its_programmes(client, world, province_supervisor, role):
    programme = _programme(world, province_supervisor)
    client.force_login(world.user(role))
    data = {"unit": world.province.pk, "name": "Khác", "basis_kind": ProgrammeBasis.OTHER, "start": "01/01/2026",
            "end": "31/12/2026"}

    assert client.post(reverse("statistics:programme_create"), data).status_code == 404
    assert client.post(reverse("statistics:programme_edit", args=[programme.pk]), data).status_code == 404
    assert list(Programme.objects.values_list("name", "basis_kind")) == [("Kế hoạch năm 2026", "year_plan")]


def test_editing_a_programme_moves_its_end_targets_and_adds_a_milestone(client, world, province_supervisor):
    programme = _programme(world, province_supervisor)
    services.target_set_received(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                                 value=1500, actor=province_supervisor)
    client.force_login(province_supervisor)

    response = client.post(reverse("statistics:programme_edit", args=[programme.pk]), {
        "name": "Kế hoạch năm 2026 (sửa)", "basis_kind": ProgrammeBasis.YEAR_PLAN, "basis": "",
        "start": "01/01/2026", "end": "31/01/2027", "milestone_1_on": "30/06/2026", "milestone_1_label": "6 tháng"})

    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.name, programme.end) == ("Kế hoạch năm 2026 (sửa)", dt.date(2027, 1, 31))
    assert list(Target.objects.values_list("due_on", flat=True)) == [dt.date(2027, 1, 31)]
    assert list(programme.milestones.values_list("on", "label")) == [(dt.date(2026, 6, 30), "6 tháng")]


def test_a_bad_edit_writes_nothing_not_even_the_milestone(client, world, province_supervisor):
    programme = _programme(world, province_supervisor)
    client.force_login(province_supervisor)

    response = client.post(reverse("statistics:programme_edit", args=[programme.pk]), {
        "name": "Đổi tên", "basis_kind": ProgrammeBasis.YEAR_PLAN, "start": "01/01/2026", "end": "31/12/2026",
        "milestone_1_on": "30/06/2026", "milestone_1_label": "6 tháng",
        "milestone_2_on": "30/06/2026", "milestone_2_label": "Trùng ngày"})

    assert response.status_code == 400
    programme.refresh_from_db()
    assert (programme.name, programme.milestones.count()) == ("Kế hoạch năm 2026", 0)


def test_an_end_moved_onto_a_milestone_with_the_same_targets_is_refused_not_a_500(client, world,
                                                                                 province_supervisor):
    # given: the same target due on a milestone (30/06) and on the end (31/12)
    programme = _programme(world, province_supervisor, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    for due_on, value in ((dt.date(2026, 6, 30), 700), (None, 1500)):
        services.target_set_received(programme_id=programme.pk, unit_id=world.province.pk,
                                     metric=Metric.NEW_MEMBERS, value=value, actor=province_supervisor, due_on=due_on)
    client.force_login(province_supervisor)

    # when: the end is moved onto the milestone
    response = client.post(reverse("statistics:programme_edit", args=[programme.pk]), {
        "name": "Kế hoạch năm 2026", "basis_kind": ProgrammeBasis.YEAR_PLAN, "basis": "",
        "start": "01/01/2026", "end": "30/06/2026"})

    # then: refused with the reason (in Vietnamese, the pages' language), nothing changed
    assert response.status_code == 400
    assert "không chuyển sang đó được" in response.content.decode()
    programme.refresh_from_db()
    assert programme.end == dt.date(2026, 12, 31)
    assert sorted(Target.objects.values_list("due_on", "value")) == [(dt.date(2026, 6, 30), 700),
                                                                     (dt.date(2026, 12, 31), 1500)]


def test_the_programmes_list_shows_the_programmes_of_the_unit_and_its_ancestors(client, world, province_supervisor):
    own = _programme(world, province_supervisor, name="Của tỉnh", milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    district = _programme(world, world.supervisor, unit=world.district, name="Của huyện")
    _programme(world, world.other_supervisor, unit=world.other_district, name="Của huyện khác")
    client.force_login(world.supervisor)

    response = client.get(reverse("statistics:programmes"), {"unit": world.district.pk})

    assert [p.pk for p in response.context["programmes"]] == [district.pk, own.pk]  # same dates: by name
    assert response.context["editable"] == frozenset({district.pk})
    html = response.content.decode()
    assert reverse("statistics:programme_edit", args=[district.pk]) in html
    assert reverse("statistics:programme_edit", args=[own.pk]) not in html
    assert "30/06/2026" in html


def _count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries.captured_queries)


def test_the_programmes_list_costs_the_same_queries_for_one_and_four_programmes(client, world, province_supervisor):
    _programme(world, province_supervisor, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    client.force_login(province_supervisor)
    url, params = reverse("statistics:programmes"), {"unit": world.province.pk}
    one = _count_queries(client, url, params)
    for i in range(3):
        _programme(world, province_supervisor, name=f"Chương trình {i}",
                   milestones=[(dt.date(2026, 3 + i, 1), "Mốc"), (dt.date(2026, 9, 1 + i), "Mốc 2")])

    assert _count_queries(client, url, params) == one


def _post_targets(client, world, programme, values, **choice):
    data = {"unit": world.province.pk, "programme": programme.pk, "metric": Metric.NEW_MEMBERS,
            "due_on": "31/12/2026", "min_workforce": "0", **choice}
    data.update({f"value-{unit.pk}": typed for unit, typed in values.items()})
    return client.post(reverse("statistics:targets"), data)


def test_the_targets_page_saves_values_and_ranges_as_typed(client, world, province_supervisor):
    programme = _programme(world, province_supervisor)
    client.force_login(province_supervisor)

    response = _post_targets(client, world, programme, {
        world.province: "6.000–7.000", world.district: "6500", world.other_district: "1.000 - 1.200"})

    assert response.status_code == 302
    end = dt.date(2026, 12, 31)
    assert _targets() == [
        (world.province.pk, "received", end, "new_members", 6000, 7000, "", 0, False, ""),
        (world.district.pk, "allocated", end, "new_members", 6500, None, "", 0, False, ""),
        (world.other_district.pk, "allocated", end, "new_members", 1000, 1200, "", 0, False, ""),
    ]
    page = client.get(response["Location"])
    assert str(page.context["balance"].allocated) == "7.500–7.700"
    assert (page.context["balance"].over, page.context["balance"].difference) == (True, "+1.500 … +700")
    assert page.context["received_typed"] == "6.000–7.000"


def test_targets_keep_their_filters_and_milestone_due_date(client, world, province_supervisor):
    programme = _programme(world, province_supervisor, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    client.force_login(province_supervisor)

    response = _post_targets(client, world, programme, {world.province: "80", world.district: "75"},
                             metric=Metric.COVERAGE, due_on="30/06/2026", sector="fdi", min_workforce="100",
                             social_insurance_only="1", industrial_zone="KCN Quế Võ")

    assert response.status_code == 302
    due = dt.date(2026, 6, 30)
    assert _targets() == [
        (world.province.pk, "received", due, "coverage", 80, None, "fdi", 100, True, "KCN Quế Võ"),
        (world.district.pk, "allocated", due, "coverage", 75, None, "fdi", 100, True, "KCN Quế Võ"),
    ]
    page = client.get(response["Location"])
    assert page.context["due_on"] == due and page.context["filters"].min_workforce == 100
    assert str(page.context["received"]) == "80"


@pytest.mark.parametrize(("values", "choice", "named"), [
    ({"province": "1.500", "district": "abc"}, {}, "district"),  # named with its unit
    ({"province": "7.000–6.000"}, {}, "province"),
    ({"province": "1.500"}, {"due_on": "01/05/2026"}, "due_on"),  # not a milestone: the service refuses
    ({"province": "120"}, {"metric": "coverage", "min_workforce": "100"}, "__all__"),  # a percentage, at most 100
    ({"province": "10"}, {"min_workforce": "7"}, "min_workforce"),  # not a floor of the list
])
def test_bad_targets_answer_400_name_the_error_and_save_nothing(client, world, province_supervisor, values,
                                                                 choice, named):
    programme = _programme(world, province_supervisor)
    client.force_login(province_supervisor)
    units = {"province": world.province, "district": world.district}

    response = _post_targets(client, world, programme, {units[k]: v for k, v in values.items()}, **choice)

    assert response.status_code == 400
    errors = response.context["errors"]
    assert len(errors) == 1
    if named in units:
        assert units[named].name in errors[0] and values[named] in errors[0]
    else:
        assert list(response.context["choice"].errors) == [named]
    assert 'role="alert"' in response.content.decode()
    assert Target.objects.count() == 0


def test_the_targets_page_costs_the_same_queries_for_one_and_four_programmes_and_child_targets(
        client, world, province_supervisor):
    programme = _programme(world, province_supervisor)
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                         received=100, allocations={world.district.pk: 60}, actor=province_supervisor)
    client.force_login(province_supervisor)
    url, params = reverse("statistics:targets"), {"unit": world.province.pk, "programme": programme.pk}
    one = _count_queries(client, url, params)
    for i in range(3):
        _programme(world, province_supervisor, name=f"Chương trình {i}", milestones=[(dt.date(2026, 6, 1), "Mốc")])
        unit_create(name=f"LĐLĐ khu vực {i}", code=f"kv-{i}", kind="district_federation", parent=world.province,
                    actor=world.admin)
    children = {child.pk: 10 for child in Unit.objects.filter(path__startswith=world.province.path,
                                                              depth=world.province.depth + 1)}
    services.targets_allocate(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                              allocations=children, actor=province_supervisor)

    assert _count_queries(client, url, params) == one


def test_the_programme_page_sums_the_allocations_against_what_was_received(client, world, province_supervisor):
    programme = _programme(world, province_supervisor, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                         received=1500, allocations={world.district.pk: 1600, world.other_district.pk: 1100},
                         actor=province_supervisor)
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_UNIONS,
                         received=(10, 12), allocations={world.district.pk: 5}, actor=province_supervisor,
                         due_on=dt.date(2026, 6, 30))
    client.force_login(province_supervisor)

    response = client.get(reverse("statistics:programme", args=[programme.pk]), {"unit": world.province.pk})

    groups = response.context["groups"]
    assert [(g.due_on, g.metric, str(g.balance.received), str(g.balance.allocated), g.balance.over,
             g.balance.difference) for g in groups] == [
        (dt.date(2026, 6, 30), "new_unions", "10–12", "5", False, "−5 … −7"),
        (dt.date(2026, 12, 31), "new_members", "1.500", "2.700", True, "+1.200"),
    ]
    assert [(u.pk, str(v)) for u, v in groups[1].lines] == [(world.district.pk, "1.600"),
                                                            (world.other_district.pk, "1.100")]
    assert reverse("statistics:programme_edit", args=[programme.pk]) in response.content.decode()
    assert groups[1].url.startswith(reverse("statistics:targets") + "?")


def test_the_programme_page_of_a_district_shows_what_the_province_allocated_to_it(client, world, province_supervisor):
    programme = _programme(world, province_supervisor)
    services.targets_allocate(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                              allocations={world.district.pk: 600}, actor=province_supervisor)
    client.force_login(world.supervisor)

    response = client.get(reverse("statistics:programme", args=[programme.pk]))

    assert response.context["unit"] == world.district
    assert [(str(g.balance.received), g.balance.allocated) for g in response.context["groups"]] == [("600", None)]
    html = response.content.decode()
    assert reverse("statistics:programme_edit", args=[programme.pk]) not in html  # the province's programme


@pytest.mark.parametrize(("role", "status"), [("anonymous", 302), ("other_supervisor", 404), ("officer", 404),
                                              ("manager", 200), ("supervisor", 200)])
def test_a_district_programme_is_read_in_its_subtree_only(client, world, role, status):
    programme = _programme(world, world.supervisor, unit=world.district)
    if world.user(role):
        client.force_login(world.user(role))

    assert client.get(reverse("statistics:programme", args=[programme.pk])).status_code == status
    assert client.get(reverse("statistics:programme_edit", args=[programme.pk])).status_code == (
        {"manager": 404, "supervisor": 200}.get(role, status))


def test_a_member_count_is_recorded_with_its_date_and_source(client, world):
    client.force_login(world.supervisor)

    response = client.post(reverse("statistics:member_counts"), {
        "unit": world.district.pk, "as_of": "30/06/2026", "members": "12500", "source": "Tổng điều tra 2026"})

    assert response.status_code == 302
    assert list(MemberCensus.objects.values_list("unit_id", "as_of", "members", "source")) == [
        (world.district.pk, dt.date(2026, 6, 30), 12500, "Tổng điều tra 2026")]
    page = client.get(reverse("statistics:member_counts"))
    assert [c.members for c in page.context["recent"]] == [12500]


@pytest.mark.parametrize("change", [{"as_of": "01/01/2027"}, {"members": "-1"}, {"source": ""}])
def test_a_bad_member_count_answers_400_and_writes_nothing(client, world, change):
    client.force_login(world.supervisor)
    data = {"unit": world.district.pk, "as_of": "30/06/2026", "members": "100", "source": "Sổ theo dõi", **change}

    response = client.post(reverse("statistics:member_counts"), data)

    assert response.status_code == 400
    assert MemberCensus.objects.count() == 0


def test_an_estimate_is_recorded_for_a_year(client, world):
    client.force_login(world.supervisor)

    response = client.post(reverse("statistics:estimates"), {
        "unit": world.district.pk, "year": "2027", "value": "3.000".replace(".", ""), "source": "Ban quản lý KCN",
        "as_of": "15/10/2026"})

    assert response.status_code == 302
    assert list(Estimate.objects.values_list("unit_id", "kind", "year", "value", "source", "as_of")) == [
        (world.district.pk, "workforce_increase", 2027, 3000, "Ban quản lý KCN", dt.date(2026, 10, 15))]
    assert client.post(reverse("statistics:estimates"), {
        "unit": world.district.pk, "year": "1999", "value": "1", "source": "x"}).status_code == 400
    assert Estimate.objects.count() == 1


def test_a_movement_is_recorded_on_its_day(client, world):
    client.force_login(world.supervisor)

    response = client.post(reverse("statistics:movements"), {
        "unit": world.district.pk, "on": "15/10/2026", "kind": "recruited", "members": "12"})

    assert response.status_code == 302
    assert list(MemberMovement.objects.values_list("unit_id", "on", "month", "kind", "members")) == [
        (world.district.pk, dt.date(2026, 10, 15), dt.date(2026, 10, 1), "recruited", 12)]
    assert client.post(reverse("statistics:movements"), {
        "unit": world.district.pk, "on": "02/11/2026", "kind": "lost", "members": "3"}).status_code == 400
    assert MemberMovement.objects.count() == 1


def test_the_subnavigation_links_the_planning_pages_only_for_planners(client, world, province_supervisor):
    client.force_login(world.manager)
    html = client.get(reverse("statistics:programmes")).content.decode()
    assert reverse("statistics:report") in html and reverse("statistics:member_counts") not in html

    client.force_login(province_supervisor)
    html = client.get(reverse("statistics:programmes")).content.decode()
    for name in ("home", "report", "programmes", "targets", "member_counts", "estimates", "movements"):
        assert reverse(f"statistics:{name}") in html


def _entries(world, days) -> None:
    """A member count, an estimate and a movement of the district for each day (by its supervisor)."""
    for day in days:
        services.member_count_record(unit_id=world.district.pk, as_of=day, members=100 + day.day,
                                     source="Sổ theo dõi", actor=world.supervisor)
        services.estimate_record(unit_id=world.district.pk, kind="workforce_increase", year=2020 + day.day,
                                 value=10 + day.day, source="Ước tính", actor=world.supervisor)
        services.movement_record(unit_id=world.district.pk, on=day, kind="recruited", members=day.day,
                                 actor=world.supervisor)


@pytest.mark.parametrize("name", ["statistics:member_counts", "statistics:estimates", "statistics:movements"])
def test_the_lists_of_counts_estimates_and_movements_cost_the_same_queries_for_one_and_four(client, world, name):
    _entries(world, [dt.date(2026, 6, 1)])
    client.force_login(world.supervisor)
    url, params = reverse(name), {"unit": world.district.pk}
    one = _count_queries(client, url, params)
    _entries(world, [dt.date(2026, 6, day) for day in (2, 3, 4)])

    assert _count_queries(client, url, params) == one

def test_the_programme_page_costs_the_same_queries_for_one_and_four_child_allocations(
        client, world, province_supervisor):
    programme = _programme(world, province_supervisor)
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                         received=900, allocations={world.district.pk: 500}, actor=province_supervisor)
    client.force_login(province_supervisor)
    url, params = reverse("statistics:programme", args=[programme.pk]), {"unit": world.province.pk}
    one = _count_queries(client, url, params)
    extra = [unit_create(name=f"LĐLĐ khu vực mới {i}", code=f"kvm-{i}", kind="district_federation",
                         parent=world.province, actor=world.admin) for i in range(3)]
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                         received=900, allocations={u.pk: 100 for u in [world.district, world.other_district, *extra]},
                         actor=province_supervisor)
    services.targets_set(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_UNIONS,
                         received=9, allocations={u.pk: (1, 2) for u in extra}, actor=province_supervisor)

    assert _count_queries(client, url, params) == one


# --- the unit recorded for: the shared picker, and the posted unit checked ------------------------
RECORDING = {
    "statistics:member_counts": ({"as_of": "30/06/2026", "members": "12500", "source": "Tổng điều tra 2026"},
                                 MemberCensus),
    "statistics:estimates": ({"year": "2027", "value": "3000", "source": "Ban quản lý KCN"}, Estimate),
    "statistics:movements": ({"on": "15/10/2026", "kind": "recruited", "members": "12"}, MemberMovement),
}


def _options(html: str) -> list[str]:
    """The values of the unit picker's <select>, in order."""
    select = re.search(r'<select name="unit"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def _below(world, parent, count: int, prefix: str) -> list[Unit]:
    return [unit_create(name=f"LĐLĐ khu vực {prefix} {n:02d}", code=f"{prefix}-{n:02d}", kind="district_federation",
                        parent=parent, actor=world.admin) for n in range(count)]


@pytest.mark.parametrize("name", sorted(RECORDING))
def test_a_recording_page_offers_the_unit_and_its_children_with_the_picker(client, world, province_supervisor, name):
    _below(world, world.district, 3, "duoi")  # below the district: not offered at the province
    client.force_login(province_supervisor)

    province = client.get(reverse(name))
    district = client.get(reverse(name), {"unit": world.district.pk})

    html = province.content.decode()
    # the province (the user's top unit), then its districts by name (Quế Võ, Từ Sơn); the search of the units they plan
    assert _options(html) == [str(u.pk) for u in (world.province, world.other_district, world.district)]
    assert province.context["picker"].reach == "supervised" and '"for": "supervised"' in html
    assert "LĐLĐ khu vực duoi" not in html
    # the form posts the unit shown
    assert f'<input type="hidden" name="unit" value="{world.province.pk}"' in html
    assert district.context["unit"] == world.district
    assert f'<input type="hidden" name="unit" value="{world.district.pk}"' in district.content.decode()


@pytest.mark.parametrize("name", sorted(RECORDING))
def test_a_recording_page_costs_the_same_queries_and_bytes_whatever_the_number_of_units(
        client, world, province_supervisor, name):
    client.force_login(province_supervisor)
    url, params = reverse(name), {"unit": world.province.pk}
    client.get(url, params)  # warm the per-process caches
    with CaptureQueriesContext(connection) as before:
        size = len(client.get(url, params).content)

    _below(world, world.district, 40, "duoi")  # the subtree grows: nothing of it is listed
    deeper = client.get(url, params)
    _below(world, world.province, 40, "moi")  # forty more children: the picker lists them, in as many queries
    with CaptureQueriesContext(connection) as after:
        wider = client.get(url, params)

    assert len(deeper.content) == size
    assert len(after) == len(before)
    assert len(_options(wider.content.decode())) == 3 + 40


@pytest.mark.parametrize("name", sorted(RECORDING))
@pytest.mark.parametrize("posted", ["other_district", "province", "grassroots", "closed", "unknown", "word", "none"])
def test_a_unit_the_user_may_not_record_for_is_refused_with_a_message(client, world, name, posted):
    fields, model = RECORDING[name]
    units = {"other_district": world.other_district, "province": world.province,
             "grassroots": unit_create(name="Công đoàn cơ sở Công ty May Bí Mật", code="cdcs-bi-mat",
                                       kind="grassroots", parent=world.district, actor=world.admin),
             "closed": _below(world, world.district, 1, "dong")[0]}
    closing.unit_close(unit_id=units["closed"].pk, successor_id=world.district.pk, actor=world.admin)
    unit = {"unknown": 2**31 - 1, "word": "Từ Sơn", "none": ""}[posted] if posted not in units else units[posted].pk
    client.force_login(world.supervisor)  # the district's
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse(name), {"unit": unit, **fields})

    html = response.content.decode()
    assert response.status_code == 400
    assert re.findall(r'<ul class="errorlist" role="alert"><li>([^<]*)</li></ul>', html) == [
        "You may not record figures for that unit: record them for one of your units."]
    assert model.objects.count() == 0
    # never shown: the unit's name, nor its id posted back
    for other in units.values():
        assert other.name not in html
    assert re.findall(r'<input type="hidden" name="unit" value="(\d+)"', html) == [str(world.district.pk)]


@pytest.mark.parametrize("name", sorted(RECORDING))
def test_a_unit_the_user_plans_is_recorded_from_its_page(client, world, province_supervisor, name):
    fields, model = RECORDING[name]
    client.force_login(province_supervisor)
    page = client.get(reverse(name), {"unit": world.other_district.pk})
    assert page.context["unit"] == world.other_district

    response = client.post(f"{reverse(name)}?unit={world.other_district.pk}", {"unit": world.other_district.pk,
                                                                                 **fields})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse(name)}?unit={world.other_district.pk}"
    assert list(model.objects.values_list("unit_id", "entered_by")) == [(world.other_district.pk,
                                                                         province_supervisor.pk)]
