"""The workers of a large enterprise (issue 16), on a throwaway database:

(a) a list of 30.000 employees imported: a realistic XLSX (departments,
    lines, shifts, 12-digit citizen IDs, rows twice in the file, rows with a
    bad ID, workers already entered here and at another enterprise), then
    the check and the write run directly (``people.imports``), timed, with
    the process's peak memory; target: check + write within 60 s;
(b) the wall chart (``people.selectors.wall_chart``) of that enterprise once
    its workers are assessed: queries (target ≤ 10) and the median of 20
    runs (target < 100 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench .venv/bin/python bench/people_bench.py [--rows 30000]

The bench settings (production behaviour), on a test database created and
dropped by the script. A script, not a test: no time is asserted.
"""
from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database_url, report, setup  # noqa: E402

DEPARTMENTS = ["May 1", "May 2", "May 3", "Cắt", "Là", "Hoàn thiện", "Đóng gói", "Kho", "Cơ điện", "QC", "Văn phòng",
               "Thêu"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Thị Thu", "Thị Thanh", "Văn Minh", "Đức", "Thị Ngọc", "Hữu"]
GIVEN = ["Hoa", "Lan", "Mai", "Hương", "Hường", "Nam", "Long", "Tuấn", "Hằng", "Thảo", "Linh", "Trang", "Dũng", "Hải",
         "Yến", "Nga", "Phương", "Quỳnh", "Sơn", "Bình"]
PROVINCES = ["Thái Bình", "Nam Định", "Thanh Hóa", "Nghệ An", "Bắc Giang", "Hà Nam", "Hải Dương", "Phú Thọ"]
HEADERS = ["STT", "Họ và tên", "Giới tính", "Ngày sinh", "Số CCCD", "Bộ phận", "Chuyền", "Ca", "Công việc",
           "Điện thoại", "Zalo", "Quê quán", "Tình trạng"]


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux: kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def citizen(i: int) -> str:
    return f"0{(i * 7919) % 10**11:011d}"


def employees_file(rows: int, *, here: list[str], elsewhere: list[str], rng: random.Random) -> tuple[bytes, dict]:
    """The list: mostly new people; 1 % twice in the file, 0,5 % with a bad
    citizen ID, the IDs of ``here`` (entered at this enterprise) and of
    ``elsewhere`` (entered at another) among them."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách lao động")
    sheet.append(["DANH SÁCH LAO ĐỘNG THAM GIA BHXH"])
    sheet.append(HEADERS)
    expected = {"in_file": 0, "errors": 0, "existing": len(here), "moved": len(elsewhere)}
    ids = [*here, *elsewhere]
    written: list[list] = []
    for number in range(1, rows + 1):
        kind = rng.random()
        if written and kind < 0.01:
            row = list(written[rng.randrange(len(written))])
            row[0] = number
            expected["in_file"] += 1
        else:
            department = rng.choice(DEPARTMENTS)
            cid = ids.pop() if ids else citizen(10**6 + number)
            if kind > 0.995:
                cid = cid[:9]
                expected["errors"] += 1
            row = [number, f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                   rng.choice(["Nam", "Nữ", "Nữ"]), f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/"
                   f"{rng.randint(1970, 2006)}", cid, department, f"Chuyền {rng.randint(1, 30)}",
                   rng.choice(["Ca 1", "Ca 2", "Ca 3", "Hành chính"]), "Công nhân",
                   f"09{rng.randint(0, 10**8 - 1):08d}",
                   "", rng.choice(PROVINCES), rng.choice(["Đang làm việc"] * 9 + ["Thử việc"])]
            written.append(row)
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), expected


def main(rows: int) -> None:
    from unittest import mock

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EnterpriseFactory
    from workflows.organisation import services as org
    from workflows.organisation.models import UnitKind
    from workflows.people import imports, services
    from workflows.people.models import Assessment, Worker, WorkerImport, WorkerImportStatus
    from workflows.people.selectors import wall_chart

    rng = random.Random(16)
    user_model = get_user_model()
    admin = user_model.objects.create(username="bench-admin", is_superuser=True)
    officer = user_model.objects.create(username="bench-officer")
    unit = org.unit_create(name="LĐLĐ tỉnh", code="bench", kind=UnitKind.objects.get(code="provincial_federation"),
                           parent=None, actor=admin)
    enterprise = EnterpriseFactory(responsible_unit=unit, name="Công ty TNHH May Bench")
    other = EnterpriseFactory(responsible_unit=unit, name="Công ty TNHH Giày Bench")
    here_ids = [citizen(i) for i in range(1, 301)]
    elsewhere_ids = [citizen(i) for i in range(301, 801)]
    for cid in here_ids:
        services.worker_create(enterprise_id=enterprise.pk, actor=officer,
                               data=services.WorkerData("Người đã nhập", citizen_id=cid))
    for cid in elsewhere_ids:
        services.worker_create(enterprise_id=other.pk, actor=officer,
                               data=services.WorkerData("Người ở nơi khác", citizen_id=cid))

    started = time.perf_counter()
    content, expected = employees_file(rows, here=here_ids, elsewhere=elsewhere_ids, rng=rng)
    generated = time.perf_counter() - started
    print(f"{connection.vendor}, {rows} rows, XLSX of {len(content) / 2**20:.1f} MB generated in {generated:.1f} s")

    figures = {}
    with mock.patch("workflows.people.imports.async_task"):  # the jobs' work is called directly below
        t0 = time.perf_counter()
        run = imports.worker_import_create(enterprise_id=enterprise.pk, actor=officer, file_name="bench.xlsx",
                                           content=content)
        figures["upload_s"] = round(time.perf_counter() - t0, 2)
        token = WorkerImport.objects.filter(pk=run.pk).values_list("run_token", flat=True)[0]
        del content
        t0 = time.perf_counter()
        imports.worker_import_check_run(import_id=run.pk, token=token)
        figures["check_s"] = round(time.perf_counter() - t0, 2)
        figures["peak_mb_after_check"] = peak_mb()
        run.refresh_from_db()
        assert run.status == WorkerImportStatus.CHECKED, run.failure
        counts = {"new": run.new, "moved": run.moved, "existing": run.existing, "in_file": run.in_file,
                  "errors": run.errors}
        print("checked:", counts, "expected at least:", expected)
        imports.worker_import_confirm(import_id=run.pk, enterprise_id=enterprise.pk, actor=officer)
        t0 = time.perf_counter()
        run = imports.worker_import_write_run(import_id=run.pk)
        figures["write_s"] = round(time.perf_counter() - t0, 2)
    figures["peak_mb_after_write"] = peak_mb()
    figures["total_s"] = round(figures["upload_s"] + figures["check_s"] + figures["write_s"], 2)
    report("people_import", [{"rows": rows, **counts, "written": run.written, **figures}])

    # (b) the wall chart: the enterprise's workers assessed (levels 1–5 and some not yet), leaders among them.
    workers = list(Worker.objects.filter(enterprise=enterprise).values_list("pk", flat=True))
    today = time.strftime("%Y-%m-%d")
    assessments, levels = [], {}
    for pk in workers:
        if rng.random() < 0.8:
            level = rng.choices([1, 2, 3, 4, 5], weights=[5, 20, 45, 20, 10])[0]
            levels.setdefault(level, []).append(pk)
            assessments.append(Assessment(worker_id=pk, level=level, assessed_on=today, assessed_by=officer))
    Assessment.objects.bulk_create(assessments, batch_size=5_000)
    for level, pks in levels.items():
        for start in range(0, len(pks), 5_000):
            Worker.objects.filter(pk__in=pks[start:start + 5_000]).update(
                support_level=level, support_assessed_on=today, version=F("version") + 1,
                is_leader=(level == 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_worker")
    samples, queries = [], 0
    for _ in range(20):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            chart = wall_chart(enterprise.pk, workforce=rows)
            samples.append(time.perf_counter() - t0)
        queries = len(captured.captured_queries)
    report("people_wall_chart", [{
        "workers": len(workers), "assessed": len(assessments), "departments": len(chart.rows), "queries": queries,
        "median_ms": round(statistics.median(samples) * 1000, 2), "max_ms": round(max(samples) * 1000, 2)}])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30_000)
    args = parser.parse_args()
    database_url()
    setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main(args.rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
