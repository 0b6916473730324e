"""Programmes, targets and indicator figures over the API: each role reads
what the statistics pages show it, and a unit out of reach answers 404.
The writes are the planning pages': supervisors of the unit create and
change programmes (with the ETag), add milestones and set targets, with the
pages' messages; anyone else gets 404 and nothing is written."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.campaigns.test_concurrency import _race, reference_data  # noqa: F401 - the fixture, after flushes
from tests.conftest import build_world, campaign_at
from workflows.api.statistics_resources import programme_etag
from workflows.api.tokens import token_create
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.statistics import indicators, services
from workflows.statistics.engine import figures_for
from workflows.statistics.models import Metric, Milestone, Programme, ProgrammeBasis, Target, TargetSource
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


# --- writes ------------------------------------------------------------------------------------
def writer_of(user, *, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    _token, key = token_create(user=user, name="thử", scope="write", days=30)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def written():
    """What the programme and target writes could change."""
    return (sorted(Programme.objects.values_list("pk", "unit_id", "name", "basis_kind", "basis", "start", "end")),
            sorted(Milestone.objects.values_list("programme_id", "on", "label")),
            sorted(Target.objects.values_list("programme_id", "unit_id", "due_on", "metric", "source", "value",
                                              "value_max", "sector", "min_workforce", "social_insurance_only",
                                              "industrial_zone")))


PLAN = {"name": "  Kế hoạch năm 2027 ", "basis_kind": ProgrammeBasis.YEAR_PLAN, "basis": "Kế hoạch 3/KH-LĐLĐ",
        "start": "2027-01-01", "end": "31/12/2027"}


def test_a_supervisor_creates_a_programme_of_the_unit_with_its_milestones(world):
    response = writer_of(world.supervisor).post("/api/v1/programmes/", {
        **PLAN, "unit": world.district.pk, "milestones": [{"on": "2027-06-30", "label": " 6 tháng "}]},
        format="json")

    assert response.status_code == 201, response.json()
    programme = Programme.objects.get()
    assert (programme.unit, programme.name, programme.basis, programme.start, programme.end, programme.created_by) \
        == (world.district, "Kế hoạch năm 2027", "Kế hoạch 3/KH-LĐLĐ", dt.date(2027, 1, 1), dt.date(2027, 12, 31),
            world.supervisor)
    body = response.json()
    assert (body["id"], body["unit"], body["milestones"], body["targets"]) == (
        programme.pk, world.district.pk, [{"on": "2027-06-30", "label": "6 tháng"}], [])
    assert response["ETag"] == programme_etag(programme)


@pytest.mark.parametrize("role,unit", [("manager", "district"), ("other_supervisor", "district"),
                                       ("officer", "district"), ("other_officer", "district"),
                                       ("supervisor", "province"), ("supervisor", "other_district")])
def test_a_programme_of_a_unit_one_does_not_supervise_is_404_and_nothing_is_written(world, role, unit):
    before = written()

    response = writer_of(world.user(role)).post("/api/v1/programmes/", {**PLAN, "unit": getattr(world, unit).pk},
                                                format="json")

    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not found."}
    assert written() == before


def test_the_programme_pages_messages_come_back_in_vietnamese_on_their_fields_and_nothing_is_written(world):
    client = writer_of(world.supervisor, language="vi")

    bad = client.post("/api/v1/programmes/", {
        **PLAN, "unit": world.district.pk, "start": "31/02/2027", "basis_kind": "wish",
        "milestones": [{"on": "2027-06-30", "label": ""}, {"on": "2027-09-30", "label": "9 tháng"}]}, format="json")
    ruled = client.post("/api/v1/programmes/", {**PLAN, "unit": world.district.pk, "start": "2028-01-01"},
                        format="json")
    without_unit = client.post("/api/v1/programmes/", PLAN, format="json")

    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    errors = bad.json()["errors"]
    assert errors["start"] == ["Nhập ngày theo định dạng dd/mm/yyyy."]
    assert errors["milestones.0.label"] == ["Nhập tên của mốc."]
    assert sorted(errors) == ["basis_kind", "milestones.0.label", "start"]
    assert ruled.status_code == 400
    assert ruled.json()["errors"] == {"end": ["Chương trình kết thúc từ ngày bắt đầu trở đi."]}
    assert without_unit.status_code == 400
    assert without_unit.json()["errors"] == {"unit": ["Trường này là bắt buộc."]}
    assert written() == ([], [], [])


def test_a_change_with_the_etag_saves_and_moves_the_targets_due_on_the_old_end(world):
    programme = programme_of(world.district, world.supervisor, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    services.target_set_received(programme_id=programme.pk, unit_id=world.district.pk, metric=Metric.NEW_MEMBERS,
                                 value=300, actor=world.supervisor)
    client = writer_of(world.supervisor)
    etag = client.get(f"/api/v1/programmes/{programme.pk}/")["ETag"]

    response = client.put(f"/api/v1/programmes/{programme.pk}/", {
        **PLAN, "start": "2026-01-01", "end": "2027-03-31", "milestones": [{"on": "2026-12-31", "label": "Năm"}]},
        format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200, response.json()
    programme.refresh_from_db()
    assert (programme.name, programme.start, programme.end) == ("Kế hoạch năm 2027", dt.date(2026, 1, 1),
                                                                dt.date(2027, 3, 31))
    assert response["ETag"] == programme_etag(programme) != etag
    assert [m["on"] for m in response.json()["milestones"]] == ["2026-06-30", "2026-12-31"]
    assert list(Target.objects.values_list("due_on", flat=True)) == [dt.date(2027, 3, 31)]
    # the same ETag again is stale: 412 with the message, nothing written
    before = written()
    stale = client.put(f"/api/v1/programmes/{programme.pk}/", {**PLAN, "start": "2026-01-01", "end": "2026-12-31"},
                       format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["detail"] == ("Someone else changed this programme in the meantime. "
                                      "Reload the page and try again.")
    assert written() == before


def test_a_change_without_the_etag_or_outside_the_targets_dates_is_a_400_and_nothing_is_written(world):
    programme = programme_of(world.district, world.supervisor, milestones=[(dt.date(2026, 6, 30), "6 tháng")])
    client = writer_of(world.supervisor)
    before = written()

    unversioned = client.put(f"/api/v1/programmes/{programme.pk}/", PLAN, format="json")
    shrunk = client.put(f"/api/v1/programmes/{programme.pk}/", {**PLAN, "start": "2026-07-01", "end": "2026-12-31"},
                        format="json", HTTP_IF_MATCH=programme_etag(programme))

    assert unversioned.status_code == 400
    assert list(unversioned.json()["errors"]) == ["If-Match"]
    assert shrunk.status_code == 400
    assert shrunk.json()["errors"] == {
        "end": ["Targets or milestones fall due outside these dates: change them first."]}
    assert written() == before


@pytest.mark.parametrize("role", ["manager", "other_supervisor", "officer", "other_officer"])
def test_who_may_not_plan_the_programmes_unit_changes_nothing_and_gets_404(world, province_supervisor, role):
    district = programme_of(world.district, world.supervisor)
    province = programme_of(world.province, province_supervisor, name="Nghị quyết")
    client = writer_of(world.user(role))
    before = written()

    for programme in (district, province):
        changed = client.put(f"/api/v1/programmes/{programme.pk}/", PLAN, format="json",
                             HTTP_IF_MATCH=programme_etag(programme))
        added = client.post(f"/api/v1/programmes/{programme.pk}/milestones/", {"on": "2026-06-30", "label": "Mốc"},
                            format="json")
        assert (changed.status_code, added.status_code) == (404, 404)
    # the district's supervisor reads the province's programme but does not plan it
    supervisor = writer_of(world.supervisor)
    assert supervisor.put(f"/api/v1/programmes/{province.pk}/", PLAN, format="json",
                          HTTP_IF_MATCH=programme_etag(province)).status_code == 404
    assert supervisor.post(f"/api/v1/programmes/{province.pk}/milestones/", {"on": "2026-06-30", "label": "Mốc"},
                           format="json").status_code == 404
    assert written() == before


def test_a_milestone_is_added_inside_the_programmes_dates_once_a_day(world):
    programme = programme_of(world.district, world.supervisor)
    client = writer_of(world.supervisor)

    added = client.post(f"/api/v1/programmes/{programme.pk}/milestones/", {"on": "30/06/2026", "label": "6 tháng"},
                        format="json")
    again = client.post(f"/api/v1/programmes/{programme.pk}/milestones/", {"on": "2026-06-30", "label": "Nữa"},
                        format="json")
    outside = client.post(f"/api/v1/programmes/{programme.pk}/milestones/", {"on": "2027-06-30", "label": "Sau"},
                          format="json")

    assert added.status_code == 201
    assert added.json() == {"on": "2026-06-30", "label": "6 tháng"}
    assert (again.status_code, again.json()["errors"]) == (400, {
        "on": ["The programme already has a milestone on this day."]})
    assert (outside.status_code, outside.json()["errors"]) == (400, {
        "on": ["A milestone falls between the programme's start and end."]})
    assert list(Milestone.objects.values_list("on", "label")) == [(dt.date(2026, 6, 30), "6 tháng")]


def _choice(programme, **extra) -> dict:
    return {"programme": programme.pk, "metric": Metric.NEW_MEMBERS, "due_on": programme.end.isoformat(), **extra}


def test_a_supervisor_sets_what_the_unit_received_and_its_split_and_reads_the_targets_page(world,
                                                                                          province_supervisor):
    programme = programme_of(world.province, province_supervisor)

    response = writer_of(province_supervisor).post(f"/api/v1/units/{world.province.pk}/targets/", _choice(
        programme, received={"value": 1500}, allocations=[
            {"unit": world.district.pk, "value": 900}, {"unit": world.other_district.pk, "value": 600,
                                                        "value_max": 700}]), format="json")

    assert response.status_code == 200, response.json()
    assert sorted(Target.objects.values_list("unit_id", "source", "value", "value_max")) == sorted([
        (world.province.pk, TargetSource.RECEIVED, 1500, None),
        (world.district.pk, TargetSource.ALLOCATED, 900, None),
        (world.other_district.pk, TargetSource.ALLOCATED, 600, 700)])
    body = response.json()
    assert (body["unit"], body["programme"], body["due_on"], body["metric"]) == (
        world.province.pk, programme.pk, "2026-12-31", "new_members")
    assert body["received"] == {"value": 1500, "value_max": None}
    assert body["allocations"] == [
        {"unit": world.district.pk, "unit_name": world.district.name, "value": 900, "value_max": None},
        {"unit": world.other_district.pk, "unit_name": world.other_district.name, "value": 600, "value_max": 700}]
    assert (body["allocated"], body["over"], body["difference"]) == ({"value": 1500, "value_max": 1600}, False,
                                                                     "0 … +100")


def test_allocating_leaves_what_was_received_and_the_district_sets_its_own_received_target(world,
                                                                                          province_supervisor):
    programme = programme_of(world.province, province_supervisor)
    services.target_set_received(programme_id=programme.pk, unit_id=world.province.pk, metric=Metric.NEW_MEMBERS,
                                 value=1000, actor=province_supervisor)

    allocated = writer_of(province_supervisor).post(f"/api/v1/units/{world.province.pk}/allocations/", _choice(
        programme, allocations=[{"unit": world.district.pk, "value": 1200}]), format="json")
    own = writer_of(world.supervisor).post(f"/api/v1/units/{world.district.pk}/targets/", _choice(
        programme, received={"value": 1100}), format="json")

    assert allocated.status_code == 200, allocated.json()
    assert (allocated.json()["received"], allocated.json()["over"]) == ({"value": 1000, "value_max": None}, True)
    assert own.status_code == 200, own.json()
    assert (own.json()["received"], own.json()["allocations"]) == ({"value": 1100, "value_max": None}, [])
    assert sorted(Target.objects.values_list("unit_id", "source", "value")) == sorted([
        (world.province.pk, TargetSource.RECEIVED, 1000), (world.district.pk, TargetSource.ALLOCATED, 1200),
        (world.district.pk, TargetSource.RECEIVED, 1100)])


@pytest.mark.parametrize("role,unit", [("manager", "province"), ("manager", "district"),
                                       ("other_supervisor", "district"), ("officer", "district"),
                                       ("other_officer", "district"), ("supervisor", "province")])
def test_targets_of_a_unit_one_does_not_supervise_are_404_and_nothing_is_written(world, province_supervisor, role,
                                                                                  unit):
    programme = programme_of(world.province, province_supervisor)
    client = writer_of(world.user(role))
    before = written()

    for route, extra in (("targets", {"received": {"value": 5}}),
                         ("allocations", {"allocations": [{"unit": world.district.pk, "value": 5}]})):
        response = client.post(f"/api/v1/units/{getattr(world, unit).pk}/{route}/", _choice(programme, **extra),
                               format="json")
        assert response.status_code == 404, (route, response.json())
    assert written() == before


def test_the_targets_pages_checks_answer_400_on_their_fields_and_nothing_is_written(world, province_supervisor):
    programme = programme_of(world.province, province_supervisor)
    other = programme_of(world.other_district, world.other_supervisor, name="Của Quế Võ")
    client = writer_of(province_supervisor, language="vi")
    url = f"/api/v1/units/{world.province.pk}/targets/"
    before = written()

    values = client.post(url, _choice(programme, received={"value": 7000, "value_max": 6000}, allocations=[
        {"unit": world.district.pk, "value": -1}, {"unit": world.district.pk, "value": 5}]), format="json")
    strange = client.post(url, _choice(other, received={"value": 1}), format="json")
    grandchild = factories.unit(name="Công đoàn cơ sở Công ty A", code="cdcs-a", kind="grassroots",
                                parent=world.district, actor=world.admin)
    far = client.post(url, _choice(programme, allocations=[{"unit": grandchild.pk, "value": 5}]), format="json")
    coverage = client.post(url, _choice(programme, metric=Metric.COVERAGE, min_workforce=25,
                                        received={"value": 120}), format="json")
    due = client.post(url, _choice(programme, due_on="2026-06-30", received={"value": 1}), format="json")

    assert values.status_code == 400
    assert values.json()["errors"] == {
        "received.value_max": ["Cận trên của khoảng phải không nhỏ hơn cận dưới."],
        "allocations.0.value": ["Chỉ tiêu phải là số nguyên từ 0 đến 10.000.000."]}
    assert strange.status_code == 400 and list(strange.json()["errors"]) == ["programme"]
    assert far.json()["errors"] == {"allocations": ["Chỉ phân bổ cho các đơn vị trực thuộc của đơn vị."]}
    assert coverage.json()["errors"] == {"value": ["Chỉ tiêu tỷ lệ bao phủ là tỷ lệ phần trăm, tối đa 100."]}
    assert (due.status_code, list(due.json()["errors"])) == (400, ["due_on"])
    assert written() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_changes_with_the_same_etag_one_saves_the_other_is_412(reference_data):  # noqa: F811
    world = build_world()
    programme = programme_of(world.district, world.supervisor)
    keys = [token_create(user=world.supervisor, name=f"máy {i}", scope="write", days=1)[1] for i in range(2)]
    etag = programme_etag(programme)

    def change(key: str, name: str):
        def call():
            client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
            return client.put(f"/api/v1/programmes/{programme.pk}/", {**PLAN, "name": name, "start": "2026-01-01",
                                                                      "end": "2026-12-31"},
                              format="json", HTTP_IF_MATCH=etag).status_code
        return call

    statuses = _race([change(keys[0], "Tên A"), change(keys[1], "Tên B")])

    assert sorted(statuses) == [200, 412]
    programme.refresh_from_db()
    assert programme.name == ("Tên A" if statuses[0] == 200 else "Tên B")
