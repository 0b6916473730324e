"""The registry over the API: search without diacritics, scope, register
and change through the services with the ETag."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories
from workflows.api.tokens import token_create
from workflows.enterprises.models import Enterprise


def client_of(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    _token, key = token_create(user=user, name="thử", scope="write", days=30)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_name_is_found_without_its_diacritics_and_only_in_scope(world):
    found = factories.EnterpriseFactory(responsible_unit=world.district, name="Công ty TNHH Đức Thịnh")
    factories.EnterpriseFactory(responsible_unit=world.other_district, name="Công ty Đức Thịnh Quế Võ")

    rows = client_of(world.supervisor).get("/api/v1/enterprises/?q=duc thinh").json()["results"]

    assert [row["id"] for row in rows] == [found.pk]
    assert client_of(world.supervisor).get(f"/api/v1/enterprises/{found.pk}/").status_code == 200
    assert client_of(world.other_supervisor).get(f"/api/v1/enterprises/{found.pk}/").status_code == 404


def test_a_supervisor_registers_an_enterprise_and_a_bad_tax_code_is_refused(world):
    client = client_of(world.supervisor)

    bad = client.post("/api/v1/enterprises/", {"tax_code": "123", "name": "Công ty Sai", "responsible_unit":
                                               world.district.pk}, format="json")
    assert bad.status_code == 400 and "tax_code" in bad.json()["errors"]
    good = client.post("/api/v1/enterprises/", {"tax_code": factories.next_tax_code(), "name": "Công ty Mới",
                                                "responsible_unit": world.district.pk, "workforce": 120},
                       format="json")
    assert good.status_code == 201, good.json()
    assert Enterprise.objects.get(pk=good.json()["id"]).workforce == 120
    # a unit out of reach reads as unknown
    far = client.post("/api/v1/enterprises/", {"tax_code": factories.next_tax_code(), "name": "Công ty Xa",
                                               "responsible_unit": world.other_district.pk}, format="json")
    assert far.status_code in (400, 404)


@pytest.mark.parametrize("role,status", [("supervisor", 200), ("officer", 404), ("manager", 404),
                                         ("other_supervisor", 404)])
def test_a_change_needs_the_etag_and_the_right(world, role, status):
    enterprise = factories.EnterpriseFactory(responsible_unit=world.district, name="Công ty Cũ")
    client = client_of(world.user(role))
    etag = client_of(world.supervisor).get(f"/api/v1/enterprises/{enterprise.pk}/")["ETag"]

    response = client.put(f"/api/v1/enterprises/{enterprise.pk}/", {"name": "Công ty Mới Đổi Tên"}, format="json",
                          HTTP_IF_MATCH=etag)

    assert response.status_code == status
    assert Enterprise.objects.get(pk=enterprise.pk).name == ("Công ty Mới Đổi Tên" if status == 200 else "Công ty Cũ")
    if status == 200:
        stale = client.put(f"/api/v1/enterprises/{enterprise.pk}/", {"name": "Lần nữa"}, format="json",
                           HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        assert Enterprise.objects.get(pk=enterprise.pk).name == "Công ty Mới Đổi Tên"
