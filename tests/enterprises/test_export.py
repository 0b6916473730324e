"""Exporting the registry to XLSX: the columns the importer reads, the
list's filters, the user's scope; and the round trip — export, import the
same file, nothing changes. The file is prepared by a job
(``workflows.exports``; tests/exports test the job itself)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from tests.enterprises.sheets import xlsx_rows
from tests.exports.helpers import prepared
from tests.factories import EnterpriseFactory
from workflows.core import clock
from workflows.enterprises import exports, services
from workflows.enterprises.models import Enterprise, ImportStatus, OwnershipSector, WorkforceSource
from workflows.enterprises.selectors import EnterpriseFilters, enterprises_for_list

HEADERS_EN = ("Tax code", "Enterprise name", "Address", "Commune or ward", "Province", "Industrial zone",
              "Ownership sector", "Industry", "Workforce", "Workforce as of", "Workforce source", "Responsible unit",
              "Grassroots union")


def registry() -> list[tuple]:
    return list(Enterprise.objects.order_by("pk").values_list(
        "pk", "tax_code", "name", "address", "commune", "province", "industrial_zone", "ownership_sector",
        "industry", "workforce", "workforce_as_of", "workforce_source", "responsible_unit_id", "has_union",
        "created_at", "updated_at"))


@pytest.fixture
def varied(world):
    """Enterprises with every kind of value the registry holds."""
    EnterpriseFactory(responsible_unit=world.district, name="=HYPERLINK(\"http://x\")", address="",
                      commune="", province="", workforce=0)
    EnterpriseFactory(responsible_unit=world.district, name="Công ty TNHH Điện tử Ánh Dương", tax_code="0300588569-001",
                      industrial_zone="KCN VSIP", ownership_sector=OwnershipSector.FDI, industry="Điện tử",
                      workforce=6500, workforce_as_of=dt.date(2025, 12, 31),
                      workforce_source=WorkforceSource.SOCIAL_INSURANCE)
    EnterpriseFactory(responsible_unit=world.district, name="HTX Mây tre", ownership_sector=OwnershipSector.COOPERATIVE,
                      workforce=12, workforce_as_of=dt.date(2024, 3, 1), workforce_source=WorkforceSource.SURVEY,
                      has_union=True)
    EnterpriseFactory(responsible_unit=world.district, name="Cty Nhà nước", ownership_sector=OwnershipSector.STATE,
                      workforce=300, workforce_source=WorkforceSource.TAX)
    EnterpriseFactory(responsible_unit=world.district, name="Cty Khác", ownership_sector=OwnershipSector.OTHER)
    EnterpriseFactory(responsible_unit=world.other_district, name="Công ty Quế Võ")
    return world


def test_the_export_has_the_importers_columns_and_the_users_scope(varied):
    world = varied
    with translation.override("en"):
        sheet = xlsx_rows(exports.registry_workbook(enterprises_for_list(world.supervisor, EnterpriseFilters())))

    assert sheet[0] == HEADERS_EN
    assert len(sheet) == 1 + Enterprise.objects.filter(responsible_unit=world.district).count() == 7
    anh_duong = next(row for row in sheet if row[1] == "Công ty TNHH Điện tử Ánh Dương")
    assert anh_duong == ("0300588569-001", "Công ty TNHH Điện tử Ánh Dương", "Lô A2, KCN VSIP Bắc Ninh",
                         "Phường Từ Sơn", "Bắc Ninh", "KCN VSIP", "Foreign-invested (FDI)", "Điện tử", 6500,
                         dt.datetime(2025, 12, 31), "Social insurance", world.district.name, None)
    assert next(row for row in sheet if row[1] == "HTX Mây tre")[12] == "yes"
    assert "Công ty Quế Võ" not in {row[1] for row in sheet}


@pytest.mark.parametrize("params, names", [
    ({"sector": "fdi"}, ["Công ty TNHH Điện tử Ánh Dương"]),
    ({"q": "htx may"}, ["HTX Mây tre"]),
    ({"union": "yes"}, ["HTX Mây tre"]),
    ({"band": "0-24"}, ["'=HYPERLINK(\"http://x\")", "HTX Mây tre"]),  # the quote keeps it from being a formula
])
def test_the_prepared_file_keeps_the_lists_filters(client, varied, params, names, django_capture_on_commit_callbacks):
    client.force_login(varied.supervisor)

    response, body = prepared(client, django_capture_on_commit_callbacks, "registry", params)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    assert [row[1] for row in xlsx_rows(body)[1:]] == names


def test_the_list_asks_for_the_file_with_its_filters(client, varied):
    client.force_login(varied.officer)

    page = client.get(reverse("enterprises:list"), {"sector": "fdi", "page": "2"}).content.decode()

    assert f'action="{reverse("exports:start")}?sector=fdi"' in page
    assert 'name="kind" value="registry"' in page


@pytest.mark.parametrize("export_language, import_language", [("vi", "vi"), ("en", "vi"), ("vi", "en")])
def test_round_trip_export_then_import_the_same_file_changes_nothing(varied, export_language, import_language):
    world = varied
    with translation.override(export_language):
        data = exports.registry_workbook(enterprises_for_list(world.supervisor, EnterpriseFilters())).read()
    before = registry()

    with translation.override(import_language), clock.travel_to(dt.date(2026, 6, 1)):
        batch = services.import_upload(actor=world.supervisor, unit=world.district, file_name="xuat.xlsx",
                                       content=data)
        assert (batch.status, batch.rows_total, batch.unchanged) == (ImportStatus.PREVIEWED, 6, 6)
        assert (batch.created, batch.updated, batch.older, batch.errors) == (0, 0, 0, 0)
        services.import_commit(batch_id=batch.pk, actor=world.supervisor)

    assert registry() == before


def test_a_large_registry_is_exported_from_one_query(world, django_assert_num_queries):
    Enterprise.objects.bulk_create([EnterpriseFactory.build(responsible_unit=world.district) for _ in range(3000)])
    query = enterprises_for_list(world.supervisor, EnterpriseFilters())

    with django_assert_num_queries(1):
        rows = xlsx_rows(exports.registry_workbook(query))

    assert len(rows) == 1 + 3001
