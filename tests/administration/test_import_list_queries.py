"""The import page lists the administrator's recent imports in the same
number of queries whatever their number."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.administration.org_sheets import organisation_workbook
from workflows.administration.imports import organisation_import_upload

pytestmark = pytest.mark.django_db


def _upload(world, n: int) -> None:
    content = organisation_workbook([(f"kv-moi-{n}", f"Khu vực mới {n}", "", "district_federation")], [])
    organisation_import_upload(actor=world.administrator, unit=world.province, file_name=f"to-chuc-{n}.xlsx",
                               content=content)


def test_the_recent_imports_cost_the_same_queries_for_one_and_ten(client, world):
    client.force_login(world.administrator)
    url = reverse("administration:import_start")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries)

    _upload(world, 0)
    one = queries()
    for n in range(1, 12):
        _upload(world, n)
    many = queries()

    assert len(client.get(url).context["imports"]) == 10
    assert many == one
