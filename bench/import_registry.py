"""How fast a registry list imports: upload, check, commit, re-import (all
unchanged) and export of N rows, on a throwaway test database.

    DATABASE_URL=postgres://…/cdcs python bench/import_registry.py 20000
    python bench/import_registry.py 20000 --csv        # SQLite, a CSV file

Not run by the tests (STYLE.md: no timed assertions in the suite).
"""
from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def registry_file(rows: int, *, as_csv: bool) -> bytes:
    from openpyxl import Workbook

    from tests.factories import next_tax_code

    header = ["STT", "Tên doanh nghiệp", "Mã số thuế", "Địa chỉ", "Xã/Phường", "Khu công nghiệp", "Loại hình",
              "Ngành nghề", "Số lao động", "Ngày số liệu", "Nguồn"]
    sectors = ["FDI", "TNHH", "Cổ phần", "Nhà nước", "Hợp tác xã"]
    data = [[i, f"Công ty TNHH Sản xuất Thương mại Số {i}", next_tax_code(), f"Lô {i}, đường số {i % 40}",
             f"Phường {i % 25}", f"KCN {i % 7}", sectors[i % 5], "Dệt may", str(20 + i % 3000),
             "31/12/2025", "BHXH"] for i in range(1, rows + 1)]
    if as_csv:
        import csv
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows([header, *data])
        return buffer.getvalue().encode("utf-8-sig")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    sheet.append(["DANH SÁCH DOANH NGHIỆP THEO SỐ LIỆU BHXH"])
    sheet.append(header)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def province_with_supervisor():
    """A province of its own and its supervisor, who imports into it."""
    from django.contrib.auth import get_user_model

    from workflows.organisation import services as org
    from workflows.organisation.models import UnitKind
    from workflows.organisation.permissions import Role

    User = get_user_model()
    admin = User.objects.create(username="bench-admin", is_superuser=True)
    supervisor = User.objects.create(username="bench-supervisor")
    province = org.unit_create(name="LĐLĐ tỉnh", code="bench", kind=UnitKind.objects.get(code="provincial_federation"),
                               parent=None, actor=admin)
    org.unit_role_grant(unit=province, user=supervisor, role=Role.SUPERVISOR, actor=admin)
    return supervisor, province


def main(rows: int, as_csv: bool) -> None:
    from workflows.enterprises import exports, services
    from workflows.enterprises.models import Enterprise, ImportStatus
    from workflows.enterprises.selectors import EnterpriseFilters, enterprises_for_list

    supervisor, province = province_with_supervisor()
    content = registry_file(rows, as_csv=as_csv)
    print(f"{connection.vendor}, {rows} rows, {'CSV' if as_csv else 'XLSX'} of {len(content) / 2**20:.1f} MB")

    def timed(label, call):
        started = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - started
        print(f"  {label:<28} {elapsed:6.1f} s  ({rows / elapsed:,.0f} rows/s)")
        return result

    batch = timed("upload (header only)", lambda: services.import_upload(
        actor=supervisor, unit=province, file_name="bench", content=content, check=False))
    batch = timed("check (preview)", lambda: services.import_preview(batch_id=batch.pk, actor=supervisor,
                                                                     background=False))
    assert batch.status == ImportStatus.PREVIEWED and batch.created == rows, (batch.status, batch.failure)
    batch = timed("commit", lambda: services.import_commit(batch_id=batch.pk, actor=supervisor, background=False))
    assert batch.status == ImportStatus.COMMITTED and Enterprise.objects.count() == rows
    again = timed("re-import: upload + check", lambda: services.import_upload(
        actor=supervisor, unit=province, file_name="bench", content=content))
    assert again.unchanged == rows, (again.status, again.failure, again.unchanged)
    timed("export", lambda: exports.registry_workbook(enterprises_for_list(supervisor, EnterpriseFilters())).read())


if __name__ == "__main__":
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "20000"))
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main(count, "--csv" in sys.argv)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
