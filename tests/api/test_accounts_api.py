"""People (accounts) over the API, read only: the accounts of the
administration's people pages, with the fields they show — an administrator
sees the people the units they administer keep, the technical superuser
everyone, anyone else nobody (404 for one person). Never a password or a
two-step sign-in field; the phone on the person's detail only."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tests.administration.staff import ROLES, build_scene, snapshot
from tests.api.test_campaigns_api import client_of
from workflows.administration import services
from workflows.audit.models import AuditEntry, AuditKind
from workflows.core import clock
from workflows.organisation.permissions import Role

PROVINCE = ["administrator", "manager", "officer", "other_officer", "other_supervisor", "supervisor"]
SEES = {"administrator": PROVINCE, "far_administrator": ["far_administrator", "far_officer", "far_supervisor"]}
ROW = {"id", "username", "name", "email", "position", "unit", "unit_name", "status", "is_collaborator",
       "access_until"}


@pytest.fixture
def scene(world):
    return build_scene(world)


def add_person(scene, username: str = "canbo.moi", **extra):
    return services.person_add(username=username, full_name="Lê Văn Hùng", unit_id=scene.world.district.pk,
                               actor=scene.world.administrator, email=f"{username}@example.vn",
                               phone="0912 345 678", position="Cán bộ tổ chức", base_url="http://testserver/",
                               **extra).person


def usernames(response) -> list[str]:
    return sorted(row["username"] for row in response.json()["results"])


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_each_role_lists_the_people_its_pages_show(scene, role):
    client = client_of(scene.user(role))
    before = snapshot()

    listed = client.get("/api/v1/people/")
    one = client.get(f"/api/v1/people/{scene.world.officer.pk}/")

    assert listed.status_code == 200
    assert usernames(listed) == SEES.get(role, [])
    assert one.status_code == (200 if role == "administrator" else 404)
    assert snapshot() == before


def test_anonymous_gets_401(scene):
    assert client_of(None).get("/api/v1/people/").status_code == 401
    assert client_of(None).get(f"/api/v1/people/{scene.world.officer.pk}/").status_code == 401


def test_the_technical_superuser_sees_every_account(scene):
    listed = client_of(scene.world.admin).get("/api/v1/people/", {"page_size": 200})

    assert usernames(listed) == sorted(["admin", *PROVINCE, *SEES["far_administrator"]])


def test_a_row_has_the_lists_fields_and_no_secret_nor_phone(scene):
    person = add_person(scene, is_collaborator=True, access_until=clock.today() + dt.timedelta(days=30))

    rows = client_of(scene.world.administrator).get("/api/v1/people/", {"q": "canbo.moi"}).json()["results"]

    assert rows == [{"id": person.pk, "username": "canbo.moi", "name": person.get_full_name(),
                     "email": "canbo.moi@example.vn", "position": "Cán bộ tổ chức", "unit": scene.world.district.pk,
                     "unit_name": scene.world.district.name, "status": "invited", "is_collaborator": True,
                     "access_until": (clock.today() + dt.timedelta(days=30)).isoformat()}]
    assert set(rows[0]) == ROW


def test_the_detail_is_the_persons_page_with_the_phone_and_the_roles(scene):
    world = scene.world
    at = dt.datetime(2026, 9, 7, 8, 30, tzinfo=dt.UTC)
    with clock.travel_to(at):
        services.person_role_grant(person_id=world.officer.pk, actor=world.administrator, role=Role.MANAGER,
                                   unit_id=world.province.pk)
    services.person_change(person_id=world.officer.pk, actor=world.administrator, full_name="Phạm Văn Tâm",
                           email="tam@example.vn", phone="0988 111 222", position="Tổ trưởng",
                           unit_id=world.district.pk, is_collaborator=False, access_until=None)

    with translation.override("en"):
        response = client_of(world.administrator).get(f"/api/v1/people/{world.officer.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k != "roles"} == {
        "id": world.officer.pk, "username": "officer", "name": "Phạm Văn Tâm", "email": "tam@example.vn",
        "phone": "0988111222", "position": "Tổ trưởng", "unit": world.district.pk,
        "unit_name": world.district.name, "status": "active", "is_collaborator": False, "access_until": None,
        "deactivated_on": None, "open_tasks": 0, "leads": ["Tổ công tác số 1"]}
    assert [(r["role"], r["where"], r["granted_by"], r["inert"]) for r in body["roles"]] == [
        ("manager", world.province.name, "Đỗ Thị Phương", ""),
        ("officer", f"Tổ công tác số 1 — {world.district.name}", world.admin.get_full_name(), "")]
    assert body["roles"][0]["granted_at"] == "2026-09-07T15:30:00+07:00"
    assert not {"password", "has_password", "has_second_factor", "is_superuser"} & set(body)


def test_a_person_out_of_reach_answers_404_and_the_refusal_is_audited(scene):
    response = client_of(scene.world.administrator).get(f"/api/v1/people/{scene.far_officer.pk}/")
    missing = client_of(scene.world.administrator).get("/api/v1/people/999999/")

    assert (response.status_code, missing.status_code) == (404, 404)
    refusals = AuditEntry.objects.filter(kind=AuditKind.ACCESS_REFUSED)
    assert [(e.user, e.path) for e in refusals] == [(scene.world.administrator,
                                                     f"/api/v1/people/{scene.far_officer.pk}/")]


def test_the_filters_of_the_people_page(scene):
    world = scene.world
    add_person(scene)
    client = client_of(world.administrator)

    def listed(**params):
        return usernames(client.get("/api/v1/people/", params))

    assert listed(unit=world.other_district.pk) == ["other_supervisor"]
    assert listed(unit=scene.far_province.pk) == []  # a unit the caller does not administer
    assert listed(q="Hùng") == ["canbo.moi"]
    assert listed(q="hung") == []  # as typed: the page does not fold diacritics
    assert listed(status="invited") == ["canbo.moi"]
    assert listed(status="nonsense") == sorted([*PROVINCE, "canbo.moi"])


def test_the_list_costs_the_same_queries_for_few_and_many(scene, django_assert_max_num_queries):
    client = client_of(scene.world.administrator)
    client.get("/api/v1/people/")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/people/")
    for n in range(12):
        add_person(scene, username=f"canbo{n:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/people/")
    assert len(response.json()["results"]) == 6 + 12
