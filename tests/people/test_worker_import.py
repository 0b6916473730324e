"""Importing the workers of an enterprise from a list of employees: the
check (counts, per-row errors, duplicates), nothing written before the
confirmation, the write once, no citizen ID in clear anywhere, headers in
Vietnamese and English, CSV encodings, the row limit, the jobs' progress."""
from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import Workbook, load_workbook

from tests import factories
from workflows.audit.models import AuditEntry, AuditKind
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.core.workbooks import SpreadsheetRefused
from workflows.people import identity, imports, services
from workflows.people.models import (
    EmploymentStatus,
    Gender,
    Worker,
    WorkerChange,
    WorkerImport,
    WorkerImportProgress,
    WorkerImportStatus,
    WorkerSource,
)
from workflows.people.services import WorkerData

VI_HEADERS = ["STT", "Họ và tên", "Giới tính", "Năm sinh", "Số CCCD", "Bộ phận", "Chuyền", "Ca", "Công việc",
              "Điện thoại", "Zalo", "Quê quán", "Tình trạng"]
EN_HEADERS = ["No.", "Full name", "Gender", "Date of birth", "Citizen ID", "Department", "Line", "Shift", "Job",
              "Phone", "Zalo", "Hometown", "Employment status"]

A_ID, HERE_ID, ELSEWHERE_ID = "001095000111", "001095000222", "001095000333"


def xlsx(headers, rows, *, title_rows=()) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    for line in title_rows:
        sheet.append([line])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers, rows, *, encoding="utf-8-sig", delimiter=";") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([headers, *rows])
    text = buffer.getvalue()
    if encoding == "cp1258":
        return _cp1258(text)
    return text.encode(encoding)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters with their
    hats precomposed, tone marks as combining characters."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tone = next(mark for mark in decomposed if mark in _TONES)
            base = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def six_rows():
    """1 new, 1 twice in the file, 1 bad CCCD, 1 already here (same CCCD),
    1 entered at another enterprise (same CCCD), 1 same name+year+department."""
    return [
        [1, "Nguyễn Thị Hoa", "Nữ", 1995, A_ID, "May 1", "Chuyền 3", "Ca 1", "Công nhân may", "0912345678", "",
         "Thái Bình", "Đang làm việc"],
        [2, "Nguyễn Thị Hoa", "Nữ", 1995, A_ID, "May 1", "Chuyền 3", "Ca 1", "Công nhân may", "", "", "", ""],
        [3, "Trần Văn Nam", "Nam", "12/03/1990", "98765432", "Cắt", "", "Ca 2", "", "", "", "", ""],
        [4, "Lê Thị Mai", "Nữ", 1998, HERE_ID, "Hoàn thiện", "", "", "", "", "", "", ""],
        [5, "Phạm Văn Long", "Nam", 1992, ELSEWHERE_ID, "Đóng gói", "", "", "", "", "", "", ""],
        [6, "Đỗ Thị Lan", "Nữ", 1997, "", "May 2", "", "", "", "", "", "", ""],
    ]


@pytest.fixture
def setup(world):
    """The enterprise with two workers already entered (one with a CCCD, one
    without), and another enterprise where a third person is entered."""
    here = world.enterprise
    other = factories.EnterpriseFactory(responsible_unit=world.district, name="Công ty TNHH Giày Sao Mai")
    services.worker_create(enterprise_id=here.pk, actor=world.officer,
                           data=WorkerData("Lê Thị Mai", birth_year=1998, citizen_id=HERE_ID))
    services.worker_create(enterprise_id=here.pk, actor=world.officer,
                           data=WorkerData("Đỗ Thị Lan", birth_year=1997, department="May 2"))
    services.worker_create(enterprise_id=other.pk, actor=world.officer,
                           data=WorkerData("Phạm Văn Long", birth_year=1992, citizen_id=ELSEWHERE_ID))
    return world


def upload(world, content, *, capture, name="ds.xlsx") -> WorkerImport:
    with capture(execute=True):
        run = imports.worker_import_create(enterprise_id=world.enterprise.pk, actor=world.officer,
                                           file_name=name, content=content)
    run.refresh_from_db()
    return run


def confirm(world, run, *, capture) -> WorkerImport:
    with capture(execute=True):
        imports.worker_import_confirm(import_id=run.pk, enterprise_id=world.enterprise.pk, actor=world.officer)
    run.refresh_from_db()
    return run


def test_the_check_counts_each_kind_of_row_and_writes_no_worker(setup, django_capture_on_commit_callbacks):
    # given the six rows and three workers already entered
    before = Worker.objects.count()
    # when the list is uploaded (the check runs as a job, in sync mode here)
    run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
    # then
    assert run.status == WorkerImportStatus.CHECKED
    assert (run.new, run.in_file, run.errors, run.existing, run.moved) == (1, 1, 1, 2, 1)
    assert run.rows_total == 6 and run.to_write == 2
    assert Worker.objects.count() == before
    assert bytes(run.content) == b""


def test_the_preview_shows_rows_with_their_errors_and_where_a_worker_moved_from(
        setup, django_capture_on_commit_callbacks):
    with translation.override("en"):
        run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
        rows = imports.rows_shown(run)
    assert [row.outcome for row in rows] == ["new", "in_file", "error", "existing", "moved", "existing"]
    assert rows[2].number == 4
    assert rows[2].messages == (("Citizen ID (CCCD)", "A citizen ID (CCCD) has 12 digits."),)
    assert rows[4].moved_from == "Công ty TNHH Giày Sao Mai"
    assert rows[0].id_last4 == "0111"


def test_confirm_writes_exactly_the_new_workers_once(setup, django_capture_on_commit_callbacks):
    # given a checked list
    run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
    before = Worker.objects.count()
    # when confirmed
    run = confirm(setup, run, capture=django_capture_on_commit_callbacks)
    # then the new one and the one who moved are written, imported, with their history
    assert run.status == WorkerImportStatus.WRITTEN and run.written == 2 and run.skipped == 0
    created = Worker.objects.filter(source=WorkerSource.IMPORTED).order_by("full_name")
    assert Worker.objects.count() == before + 2
    assert [(w.full_name, w.enterprise_id, w.id_last4) for w in created] == [
        ("Nguyễn Thị Hoa", setup.enterprise.pk, "0111"), ("Phạm Văn Long", setup.enterprise.pk, "0333")]
    hoa = created[0]
    assert (hoa.gender, hoa.birth_year, hoa.department, hoa.line, hoa.shift, hoa.job, hoa.phone, hoa.hometown,
            hoa.employment_status) == (Gender.FEMALE, 1995, "May 1", "Chuyền 3", "Ca 1", "Công nhân may",
                                       "0912345678", "Thái Bình", EmploymentStatus.EMPLOYED)
    assert hoa.id_hash == identity.citizen_id(A_ID).hash
    assert WorkerChange.objects.filter(kind=WorkerChange.Kind.IMPORTED).count() == 2
    entries = AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_CHANGE)
    assert entries.count() == 1 and entries.get().workers == sorted(w.pk for w in created)
    # and a second confirmation (a double click, a second tab) writes nothing
    with pytest.raises(Conflict):
        confirm(setup, run, capture=django_capture_on_commit_callbacks)
    assert Worker.objects.count() == before + 2
    assert AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_CHANGE).count() == 1


def test_the_write_job_delivered_twice_writes_once(setup, django_capture_on_commit_callbacks):
    run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
    run = confirm(setup, run, capture=django_capture_on_commit_callbacks)
    before = Worker.objects.count()
    assert imports.worker_import_write_run(import_id=run.pk) is None
    assert Worker.objects.count() == before


def test_a_worker_entered_between_check_and_confirm_is_left_out(setup, django_capture_on_commit_callbacks):
    run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
    services.worker_create(enterprise_id=setup.enterprise.pk, actor=setup.officer,
                           data=WorkerData("Nguyễn Thị Hoa", citizen_id=A_ID))
    run = confirm(setup, run, capture=django_capture_on_commit_callbacks)
    assert (run.written, run.skipped) == (1, 1)
    assert Worker.objects.filter(id_hash=identity.citizen_id(A_ID).hash).count() == 1


def test_no_citizen_id_in_clear_is_stored(setup, django_capture_on_commit_callbacks):
    run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
    confirm(setup, run, capture=django_capture_on_commit_callbacks)
    tables = [WorkerImport._meta.db_table, WorkerImportProgress._meta.db_table, Worker._meta.db_table,
              WorkerChange._meta.db_table, AuditEntry._meta.db_table]
    dump = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - model tables
            dump += [repr(row) for row in cursor.fetchall()]
    text = "\n".join(dump)
    for digits in (A_ID, HERE_ID, ELSEWHERE_ID, "98765432"):
        assert digits not in text


def test_a_cancelled_import_keeps_neither_file_nor_rows(setup, django_capture_on_commit_callbacks):
    run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
    imports.worker_import_cancel(import_id=run.pk, enterprise_id=setup.enterprise.pk, actor=setup.officer)
    run.refresh_from_db()
    assert (run.status, bytes(run.content), run.rows) == (WorkerImportStatus.CANCELLED, b"", [])
    with pytest.raises(Conflict):
        confirm(setup, run, capture=django_capture_on_commit_callbacks)


@pytest.mark.parametrize("headers", [VI_HEADERS, EN_HEADERS, [h.upper() for h in VI_HEADERS],
                                     ["STT", "Ho va ten", "Gioi tinh", "Ngay sinh", "So CCCD", "Bo phan / Phan xuong",
                                      "To", "Ca lam viec", "Chuc danh", "SĐT", "Zalo", "Que quan", "Trang thai"]])
def test_vietnamese_and_english_headers_map_to_the_same_columns(headers):
    layout = imports.layout_read(xlsx(headers, six_rows(), title_rows=["DANH SÁCH LAO ĐỘNG"]))
    assert layout.header_row == 2
    assert layout.columns == ("", "full_name", "gender", "birth", "citizen_id", "department", "line", "shift", "job",
                              "phone", "zalo", "hometown", "employment_status")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1258", "cp1252"])
def test_csv_files_in_utf8_and_windows_encodings_are_read(setup, encoding, django_capture_on_commit_callbacks):
    rows = six_rows()
    if encoding == "cp1252":  # Western Windows has no Vietnamese letters
        headers = EN_HEADERS
        rows = [[1, "Jose Muñoz", "Male", 1990, "", "Cutting", "", "", "", "", "", "", ""]]
    else:
        headers = VI_HEADERS
    run = upload(setup, csv_bytes(headers, rows, encoding=encoding), capture=django_capture_on_commit_callbacks,
                 name="ds.csv")
    assert run.status == WorkerImportStatus.CHECKED, run.failure
    shown = imports.rows_shown(run)
    assert shown[0].full_name == ("Jose Muñoz" if encoding == "cp1252" else "Nguyễn Thị Hoa")
    assert run.rows_total == len(rows)


def test_a_list_of_more_than_30000_rows_is_refused_with_a_clear_message(world):
    header = "Họ và tên;Năm sinh\n".encode()
    content = header + b"Nguyen Van A;1990\n" * 30_001
    with translation.override("en"), pytest.raises(SpreadsheetRefused) as refused:
        imports.worker_import_create(enterprise_id=world.enterprise.pk, actor=world.officer, file_name="big.csv",
                                     content=content)
    assert refused.value.message == ("The list has more than 30.000 rows: split it into files of at most 30.000 "
                                     "workers and upload them one after the other.")
    assert WorkerImport.objects.count() == 0


def test_a_list_of_30000_rows_is_taken():
    content = "Họ và tên;Năm sinh\n".encode() + b"Nguyen Van A;1990\n" * 30_000
    assert imports.layout_read(content).rows_estimate == 30_000


def test_the_check_job_reports_its_progress_up_to_the_total(setup, django_capture_on_commit_callbacks):
    rows = [[i, f"Công nhân {i}", "Nam", 1990, f"{100000000000 + i}", "May", "", "", "", "", "", "", ""]
            for i in range(1, 2_501)]
    run = upload(setup, xlsx(VI_HEADERS, rows), capture=django_capture_on_commit_callbacks)
    progress = WorkerImportProgress.objects.get(worker_import=run)
    assert (progress.done, progress.total) == (2_500, 2_500)
    assert run.new == 2_500
    run = confirm(setup, run, capture=django_capture_on_commit_callbacks)
    progress.refresh_from_db()
    assert (progress.done, progress.total, run.written) == (2_500, 2_500, 2_500)


@pytest.mark.parametrize(("cells", "column", "message"), [
    (["", "Nam", 1990, ""], "full_name", "The full name is missing."),
    (["A", "X", 1990, ""], "gender", "“X” is not a gender: write Nam or Nữ."),
    (["A", "Nam", 1900, ""], "birth", "A year of birth between 1930 and"),
    (["A", "Nam", "31/02/1990", ""], "birth", "“31/02/1990” is not a year of birth"),
    (["A", "Nam", 1990, "0123456789012"], "citizen_id", "A citizen ID (CCCD) has 12 digits."),
])
def test_a_cell_that_cannot_be_read_is_an_error_of_its_row(cells, column, message):
    with translation.override("en"):
        parsed = imports.row_parse(imports.RawRow(2, tuple(cells)), ("full_name", "gender", "birth", "citizen_id"),
                                   today=dt.date(2026, 1, 1))
    assert len(parsed.messages) == 1
    assert parsed.messages[0][0] == column and parsed.messages[0][1].startswith(message)


def test_a_citizen_id_that_lost_its_leading_zero_in_excel_is_read():
    parsed = imports.row_parse(imports.RawRow(2, ("A", 12345678901)), ("full_name", "citizen_id"),
                               today=dt.date(2026, 1, 1))
    assert parsed.messages == [] and parsed.cid == identity.citizen_id("012345678901")


def test_the_errors_file_lists_the_errors_without_the_citizen_id(setup, django_capture_on_commit_callbacks):
    with translation.override("en"):
        run = upload(setup, xlsx(VI_HEADERS, six_rows()), capture=django_capture_on_commit_callbacks)
        book = load_workbook(imports.errors_workbook(run))
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert values[0][:4] == ["Row", "Column", "Error", "Full name"]
    assert "Citizen ID (CCCD)" not in values[0][3:]
    assert values[1][:4] == [4, "Citizen ID (CCCD)", "A citizen ID (CCCD) has 12 digits.", "Trần Văn Nam"]
    assert len(values) == 2


def test_a_cell_that_looks_like_a_formula_is_neutralised_in_the_errors_file(setup,
                                                                            django_capture_on_commit_callbacks):
    rows = [[1, "=HYPERLINK(\"http://x\")", "?", 1990, "", "", "", "", "", "", "", "", ""]]
    run = upload(setup, csv_bytes(VI_HEADERS, rows), capture=django_capture_on_commit_callbacks, name="x.csv")
    book = load_workbook(imports.errors_workbook(run))
    name = list(book.active.iter_rows(values_only=True))[1][3]
    assert name == "'=HYPERLINK(\"http://x\")"


def test_an_import_forgets_the_rows_it_read_after_a_month(world):
    """Decree 13/2023: an import left unconfirmed is cancelled and its rows
    dropped 30 days after the upload; a written one keeps only its counts."""
    from workflows.campaigns import jobs

    enterprise = world.enterprise
    old = clock.now() - dt.timedelta(days=31)
    left = WorkerImport.objects.create(enterprise=enterprise, created_by=world.officer, file_name="a.csv",
                                       status=WorkerImportStatus.CHECKED, rows=[{"row": 2, "values": {}}],
                                       created_at=old, new=1)
    written = WorkerImport.objects.create(enterprise=enterprise, created_by=world.officer, file_name="b.csv",
                                          status=WorkerImportStatus.WRITTEN, rows=[{"row": 3}], created_at=old,
                                          written=4)
    recent = WorkerImport.objects.create(enterprise=enterprise, created_by=world.officer, file_name="c.csv",
                                         status=WorkerImportStatus.CHECKED, rows=[{"row": 2}])

    jobs.workers_erase_due()

    assert list(WorkerImport.objects.order_by("pk").values_list("pk", "status", "rows", "new", "written")) == [
        (left.pk, WorkerImportStatus.CANCELLED, [], 1, 0), (written.pk, WorkerImportStatus.WRITTEN, [], 0, 4),
        (recent.pk, WorkerImportStatus.CHECKED, [{"row": 2}], 0, 0)]
    assert imports.imports_forget_stale(now=clock.now()) == 0
