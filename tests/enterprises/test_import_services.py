"""Importing a registry list through the services: the preview says what
each row will do and why; the commit writes exactly the valid rows, all of
them or none, once; the rejected rows come back as a spreadsheet."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tests.conftest import ROLES
from tests.enterprises.sheets import (
    DAMAGE_HERE,
    DAMAGES,
    VI_HEADERS,
    csv_bytes,
    xlsx_bytes,
    xlsx_damaged,
    xlsx_rows,
    xlsx_with_text,
)
from tests.factories import EnterpriseFactory, next_tax_code
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.enterprises import exports, services
from workflows.enterprises.imports import ImportFileError
from workflows.enterprises.models import (
    Enterprise,
    ImportBatch,
    ImportProgress,
    ImportRow,
    ImportStatus,
    OwnershipSector,
    WorkforceSource,
)
from workflows.enterprises.services import EnterpriseData, enterprise_create
from workflows.statistics import reconcile

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def on_a_working_day():
    with clock.travel_to(TODAY), translation.override("en"):
        yield


def registry() -> list[tuple]:
    return list(Enterprise.objects.order_by("tax_code").values_list(
        "tax_code", "name", "address", "commune", "province", "industrial_zone", "ownership_sector", "industry",
        "workforce", "workforce_as_of", "workforce_source", "responsible_unit_id", "has_union", "updated_at"))


def counter_gaps() -> dict:
    """How far each summary row is from its base tables (the factories write
    enterprises without the counters, so the gap is not zero; the import
    must leave it as it finds it)."""
    return {(d.table, d.key): {c: d.expected.get(c, 0) - d.stored.get(c, 0) for c in {*d.expected, *d.stored}}
            for d in reconcile.drift()}


def upload(world, rows, *, actor="supervisor", unit=None, file_name="danh-sach.csv", **options) -> ImportBatch:
    content = rows if isinstance(rows, bytes) else csv_bytes(rows)
    return services.import_upload(actor=world.user(actor) if isinstance(actor, str) else actor,
                                  unit=unit or world.district, file_name=file_name, content=content, **options)


def outcomes(batch) -> dict[int, tuple]:
    return {row.row_number: (row.outcome, [tuple(m) for m in row.messages])
            for row in ImportRow.objects.filter(batch=batch)}


def line(name, code, workforce="", as_of="", source="", sector="", address=""):
    return ["", name, code, address, "", "", sector, "", workforce, as_of, source]


@pytest.fixture
def mixed(world):
    """A registry and a list mixing every kind of row."""
    newer = EnterpriseFactory(responsible_unit=world.district, workforce=100, workforce_as_of=dt.date(2025, 1, 1),
                              workforce_source=WorkforceSource.SURVEY)
    newest = EnterpriseFactory(responsible_unit=world.district, workforce=500, workforce_as_of=dt.date(2025, 12, 31))
    foreign = EnterpriseFactory(responsible_unit=world.other_district, workforce=80)
    new_a, new_b, twice = next_tax_code(), next_tax_code(), next_tax_code()
    rows = [
        VI_HEADERS,
        line("Công ty TNHH Điện tử Ánh Dương", new_a, "6.500", "31/12/2025", "BHXH", "FDI", "Lô CN-05, KCN VSIP"),
        line("Hợp tác xã Mây tre Phú Vinh", new_b, "45", "", "", "HTX"),
        line(newer.name, newer.tax_code, "300", "01/06/2025", "Thuế"),
        line(newest.name, newest.tax_code, "400", "01/06/2025", "BHXH"),
        line(world.enterprise.name, world.enterprise.tax_code),
        line("Công ty Sai Mã", "0300588560", "10"),
        line("", next_tax_code(), "10"),
        line("Công ty Âm", next_tax_code(), "-3"),
        line("Công ty Chữ", next_tax_code(), "nhiều"),
        line("Công ty Ngày Lạ", next_tax_code(), "12", "31/02/2025"),
        line("Công ty Trùng 1", twice, "20"),
        line("Công ty Trùng 2", twice, "25"),
        line(foreign.name, foreign.tax_code, "90", "01/06/2025"),
    ]
    return world, rows, {"new_a": new_a, "new_b": new_b, "twice": twice, "newer": newer, "newest": newest,
                         "foreign": foreign}


EXPECTED_ERRORS = {
    7: ("error", [("Mã số thuế", "“0300588560” is not a valid tax code: its check digit is wrong.")]),
    8: ("error", [("Tên doanh nghiệp", "The enterprise name is missing.")]),
    9: ("error", [("Số lao động", "The workforce cannot be negative.")]),
    10: ("error", [("Số lao động", "“nhiều” is not a number of workers.")]),
    11: ("error", [("Ngày số liệu", "“31/02/2025” is not a date: write it as dd/mm/yyyy.")]),
    14: ("error", [("Mã số thuế", "This enterprise is in the registry of another unit: ask that unit to update it.")]),
}


def test_the_preview_lists_every_row_with_its_outcome_and_reasons_and_writes_nothing(mixed):
    world, rows, e = mixed
    before = registry()

    batch = upload(world, rows)

    twice = (f"The tax code {e['twice']} comes more than once in the file (rows 12, 13): keep one row.")
    assert outcomes(batch) == {
        2: ("create", []), 3: ("create", []), 4: ("update", []),
        5: ("older", [("Ngày số liệu", "The registry has a newer figure (500 workers as of 31/12/2025) than this "
                                       "row (400 workers as of 01/06/2025): the row is left out.")]),
        6: ("unchanged", []), **EXPECTED_ERRORS,
        12: ("error", [("Mã số thuế", twice)]), 13: ("error", [("Mã số thuế", twice)])}
    assert ImportRow.objects.get(batch=batch, row_number=4).changes == [
        ["workforce", 100, 300], ["workforce_as_of", "2025-01-01", "2025-06-01"],
        ["workforce_source", "survey", "tax"]]
    assert (batch.status, batch.rows_total, batch.created, batch.updated, batch.unchanged, batch.older,
            batch.errors) == (ImportStatus.PREVIEWED, 13, 2, 1, 1, 1, 8)
    assert registry() == before


def test_the_commit_writes_exactly_the_valid_rows(mixed):
    world, rows, e = mixed
    batch = upload(world, rows)
    before = {row[0]: row for row in registry()}
    gaps = counter_gaps()

    batch = services.import_commit(batch_id=batch.pk, actor=world.supervisor)

    after = {row[0]: row for row in registry()}
    assert (batch.status, batch.created, batch.updated, batch.errors) == (ImportStatus.COMMITTED, 2, 1, 8)
    assert sorted(set(after) - set(before)) == sorted([e["new_a"], e["new_b"]])
    changed = sorted(code for code in before if after[code] != before[code])
    assert changed == [e["newer"].tax_code]
    a = Enterprise.objects.get(tax_code=e["new_a"])
    assert (a.name, a.search_name, a.address, a.ownership_sector, a.workforce, a.workforce_as_of,
            a.workforce_source, a.responsible_unit_id, a.created_at) == (
        "Công ty TNHH Điện tử Ánh Dương", "cong ty tnhh dien tu anh duong", "Lô CN-05, KCN VSIP",
        OwnershipSector.FDI, 6500, dt.date(2025, 12, 31), WorkforceSource.SOCIAL_INSURANCE, world.district.pk,
        clock.now())
    b = Enterprise.objects.get(tax_code=e["new_b"])
    assert (b.ownership_sector, b.workforce, b.workforce_as_of, b.workforce_source) == (
        OwnershipSector.COOPERATIVE, 45, None, "")
    e["newer"].refresh_from_db()
    assert (e["newer"].workforce, e["newer"].workforce_as_of, e["newer"].workforce_source, e["newer"].updated_at) == (
        300, dt.date(2025, 6, 1), WorkforceSource.TAX, clock.now())
    assert counter_gaps() == gaps  # the summary counters moved with the rows
    assert ImportBatch.objects.get(pk=batch.pk).content == b""  # the file is not kept once committed


def test_the_file_of_rejected_rows_holds_exactly_the_bad_rows_with_their_reasons(mixed):
    world, rows, e = mixed
    batch = upload(world, rows)

    sheet = xlsx_rows(exports.rejected_rows_workbook(batch))

    assert sheet[0] == ("STT", "Enterprise name", "Tax code", "Address", "Commune or ward", "Industrial zone",
                        "Ownership sector", "Industry", "Workforce", "Workforce as of", "Workforce source", "Errors")
    assert [row[2] for row in sheet[1:]] == [rows[n - 1][2] for n in (7, 8, 9, 10, 11, 12, 13, 14)]
    assert [row[:11] for row in sheet[1:]] == [tuple(cell or None for cell in rows[n - 1])
                                               for n in (7, 8, 9, 10, 11, 12, 13, 14)]
    assert sheet[1][11] == "Mã số thuế: “0300588560” is not a valid tax code: its check digit is wrong."
    assert sheet[5][11] == "Ngày số liệu: “31/02/2025” is not a date: write it as dd/mm/yyyy."


def test_the_fixed_rejected_rows_import_again_without_a_mapping(mixed):
    world, rows, e = mixed
    batch = services.import_commit(batch_id=upload(world, rows).pk, actor=world.supervisor)
    sheet = [list(row) for row in xlsx_rows(exports.rejected_rows_workbook(batch))]
    fixed = [sheet[0]] + [row for row in sheet[1:] if row[2] != e["foreign"].tax_code and row[2] != e["twice"]]
    for row in fixed[1:]:
        row[1] = row[1] or "Công ty Có Tên"
        row[2] = next_tax_code() if row[2] == "0300588560" else row[2]
        row[8] = "12" if row[8] in ("-3", "nhiều") else row[8]
        row[9] = "28/02/2025" if row[9] == "31/02/2025" else row[9]

    again = upload(world, xlsx_bytes(fixed), file_name="sua.xlsx")

    assert (again.status, again.created, again.errors, again.rows_total) == (ImportStatus.PREVIEWED, 5, 0, 5)


def test_importing_the_same_file_again_changes_nothing(mixed):
    world, rows, e = mixed
    services.import_commit(batch_id=upload(world, rows).pk, actor=world.supervisor)
    before = registry()

    again = upload(world, rows)
    again = services.import_commit(batch_id=again.pk, actor=world.supervisor)

    assert (again.created, again.updated, again.unchanged, again.older, again.errors) == (0, 0, 4, 1, 8)
    assert registry() == before


def test_a_batch_commits_once(mixed):
    world, rows, e = mixed
    batch = upload(world, rows)
    services.import_commit(batch_id=batch.pk, actor=world.supervisor)
    before = registry()

    with pytest.raises(Conflict, match="already committed"):
        services.import_commit(batch_id=batch.pk, actor=world.supervisor)
    services.import_commit_run(batch_id=batch.pk)  # a job delivered twice

    assert registry() == before
    assert ImportBatch.objects.get(pk=batch.pk).created == 2


def test_the_commit_checks_the_rows_again_against_the_registry_as_it_is_then(world):
    code = next_tax_code()
    batch = upload(world, [VI_HEADERS, line("Công ty Mới", code, "50", "01/01/2026")])
    assert batch.created == 1
    enterprise_create(tax_code=code, data=EnterpriseData(name="Công ty Mới", workforce=20,
                                                         workforce_as_of=dt.date(2025, 1, 1)),
                      responsible_unit=world.district, actor=world.supervisor)

    batch = services.import_commit(batch_id=batch.pk, actor=world.supervisor)

    assert (batch.status, batch.created, batch.updated) == (ImportStatus.COMMITTED, 0, 1)
    assert Enterprise.objects.filter(tax_code=code).values_list("workforce", "workforce_as_of").get() == (
        50, dt.date(2026, 1, 1))
    assert ImportRow.objects.get(batch=batch).changes == [["workforce", 20, 50],
                                                          ["workforce_as_of", "2025-01-01", "2026-01-01"]]


def test_the_commit_writes_all_or_nothing(world, monkeypatch):
    rows = [VI_HEADERS] + [line(f"Công ty {i}", next_tax_code(), str(i)) for i in range(1, 8)]
    batch = upload(world, rows)
    monkeypatch.setattr(services, "CHUNK", 3)
    before = registry()
    real = services.figures.enterprises_changed
    calls = []

    def fail_on_the_third_chunk(changes):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        real(changes)

    monkeypatch.setattr(services.figures, "enterprises_changed", fail_on_the_third_chunk)

    with pytest.raises(RuntimeError):
        services.import_commit(batch_id=batch.pk, actor=world.supervisor)

    assert registry() == before
    batch.refresh_from_db()
    assert (batch.status, batch.failure) == (ImportStatus.FAILED, "The commit stopped on an unexpected error: nothing "
                                             "was written to the registry. Try again; if it fails again, tell the "
                                             "administrator.")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "supervisor"])
def test_only_supervisors_of_the_unit_import_into_it(world, role):
    before = registry()

    with pytest.raises(PermissionDenied):
        upload(world, [VI_HEADERS, line("Công ty A", next_tax_code())], actor=role)

    assert ImportBatch.objects.count() == 0
    assert registry() == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("supervisor", "anonymous")])
def test_only_who_uploaded_a_batch_checks_maps_and_commits_it(world, role):
    batch = upload(world, [VI_HEADERS, line("Công ty A", next_tax_code())])
    before = registry()

    for call in (lambda: services.import_commit(batch_id=batch.pk, actor=world.user(role)),
                 lambda: services.import_preview(batch_id=batch.pk, actor=world.user(role)),
                 lambda: services.import_map_columns(batch_id=batch.pk, actor=world.user(role), mapping={})):
        with pytest.raises(PermissionDenied):
            call()

    assert registry() == before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PREVIEWED


def test_new_enterprises_go_to_an_active_unit_that_is_not_a_grassroots_union(world):
    from tests.factories import unit

    cdcs = unit(name="CĐCS Công ty A", code="cdcs-a", kind="grassroots", parent=world.district,
                actor=world.admin)

    with pytest.raises(PermissionDenied):
        upload(world, [VI_HEADERS, line("Công ty A", next_tax_code())], unit=cdcs)


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04\x14\x00 a damaged workbook", "The file is not a spreadsheet we can read: save it as XLSX, or "
                                               "as CSV UTF-8, and upload it again."),
    (b"\x89PNG\r\n\x1a\n\x00", "The file is not UTF-8: save it as CSV UTF-8 or XLSX."),
    (b"", "The file is empty."),
    (xlsx_bytes([[], []]), "The file is empty."),
    (csv_bytes([["0300588569", "Công ty A", "250"]]), "No header row found: the first row must name the columns, "
                                                      "e.g. “Mã số thuế”, “Tên doanh nghiệp”, “Số lao động”."),
    (csv_bytes([VI_HEADERS]), "The file has column headers but no rows under them."),
    (csv_bytes([VI_HEADERS, line("x" * 33_000, "0300588569")]),
     "Row 2 has a cell longer than 32.767 characters: this is not a registry list."),
    (b"T\xean doanh nghi\xea\xf2p;M\xe3 s\xf4\xec thu\xea\xec\nC\xf4ng ty A;0300588569\n",
     "The file is not UTF-8: save it as CSV UTF-8 or XLSX."),
])
def test_a_file_that_is_not_a_list_is_refused_and_nothing_is_written(world, content, message):
    before = registry()

    with pytest.raises(ImportFileError) as error:
        upload(world, content)

    assert error.value.message == message
    assert (ImportBatch.objects.count(), ImportRow.objects.count()) == (0, 0)
    assert registry() == before


def test_a_bad_row_far_down_a_small_file_refuses_the_upload_and_writes_nothing(world):
    rows = [VI_HEADERS] + [line(f"Công ty {i}", next_tax_code()) for i in range(30)] + [line("HUGE", next_tax_code())]
    before = registry()

    with pytest.raises(ImportFileError) as error:
        upload(world, xlsx_with_text(rows, "HUGE", "x" * 40_000), file_name="ds.xlsx")

    assert error.value.message == "Row 32 has a cell longer than 32.767 characters: this is not a registry list."
    assert (ImportBatch.objects.count(), ImportRow.objects.count()) == (0, 0)
    assert registry() == before


def test_a_bad_file_found_only_by_the_job_fails_the_batch_and_writes_nothing(world, monkeypatch, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"  # the job's language
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 5)
    rows = [VI_HEADERS] + [line(f"Công ty {i}", next_tax_code()) for i in range(30)] + [line("HUGE", next_tax_code())]
    before = registry()
    with django_capture_on_commit_callbacks() as queued:
        batch = upload(world, xlsx_with_text(rows, "HUGE", "x" * 40_000), file_name="ds.xlsx")

    queued[0]()  # the job

    batch.refresh_from_db()
    assert (batch.status, batch.failure) == (
        ImportStatus.FAILED, "Row 32 has a cell longer than 32.767 characters: this is not a registry list.")
    assert ImportRow.objects.filter(batch=batch).count() == 0
    assert registry() == before


def test_unrecognised_columns_wait_for_a_mapping(world):
    code = next_tax_code()
    rows = [["Doanh nghiệp", "MST", "Số LĐ BHXH", "Ghi chú nội bộ"], ["Công ty A", code, "1.234", "gọi lại"]]

    batch = upload(world, rows)
    assert (batch.status, batch.mapping) == (ImportStatus.UPLOADED, {"0": "name", "1": "tax_code"})
    with pytest.raises(ValidationError) as error:
        services.import_map_columns(batch_id=batch.pk, actor=world.supervisor,
                                    mapping={"0": "name", "1": "", "2": "workforce", "3": ""})
    assert error.value.messages == ["Choose the column that holds the “Tax code”."]
    batch = services.import_map_columns(batch_id=batch.pk, actor=world.supervisor,
                                        mapping={"0": "name", "1": "tax_code", "2": "workforce", "3": ""})

    assert (batch.status, batch.created) == (ImportStatus.PREVIEWED, 1)
    assert ImportRow.objects.get(batch=batch).values == {"name": "Công ty A", "workforce": 1234}


def test_the_uploaders_date_and_source_apply_to_rows_without_them(world):
    code = next_tax_code()
    batch = upload(world, [["Tên", "Mã số thuế", "Số lao động"], ["Công ty A", code, "70"]],
                   default_as_of=dt.date(2025, 12, 31), default_source=WorkforceSource.SOCIAL_INSURANCE)

    services.import_commit(batch_id=batch.pk, actor=world.supervisor)

    assert Enterprise.objects.filter(tax_code=code).values_list(
        "workforce", "workforce_as_of", "workforce_source").get() == (70, dt.date(2025, 12, 31), "social_insurance")


def test_large_files_are_checked_and_committed_by_jobs_with_progress(world, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 5)
    monkeypatch.setattr(services, "CHUNK", 4)
    rows = [VI_HEADERS] + [line(f"Công ty {i}", next_tax_code(), str(i)) for i in range(1, 11)]

    with django_capture_on_commit_callbacks() as queued:
        batch = upload(world, rows)
    assert (batch.status, len(queued)) == (ImportStatus.PREVIEWING, 1)
    queued[0]()  # the job (django-q runs it at once in the tests: sync)
    batch.refresh_from_db()
    assert (batch.status, batch.created) == (ImportStatus.PREVIEWED, 10)
    assert ImportProgress.objects.filter(batch=batch).values_list("done", "total").get() == (10, 10)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        services.import_commit(batch_id=batch.pk, actor=world.supervisor)

    batch.refresh_from_db()
    assert (len(queued), batch.status) == (1, ImportStatus.COMMITTED)
    assert Enterprise.objects.filter(tax_code__in=[r[2] for r in rows[1:]]).count() == 10


def test_a_newer_check_makes_an_older_queued_one_do_nothing(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    with django_capture_on_commit_callbacks() as first:
        batch = upload(world, [VI_HEADERS, line("Công ty A", next_tax_code())])
    with django_capture_on_commit_callbacks() as second:
        services.import_preview(batch_id=batch.pk, actor=world.supervisor)

    first[0]()
    batch.refresh_from_db()
    assert (batch.status, ImportRow.objects.filter(batch=batch).count()) == (ImportStatus.PREVIEWING, 0)
    second[0]()
    batch.refresh_from_db()
    assert (batch.status, ImportRow.objects.filter(batch=batch).count()) == (ImportStatus.PREVIEWED, 1)


def test_a_commit_under_way_refuses_a_new_check(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(world, [VI_HEADERS, line("Công ty A", next_tax_code())])
    with django_capture_on_commit_callbacks():  # the commit job is queued, not run
        services.import_commit(batch_id=batch.pk, actor=world.supervisor)

    with pytest.raises(Conflict, match="“Committing” at the moment"):
        services.import_preview(batch_id=batch.pk, actor=world.supervisor)
    with pytest.raises(Conflict):
        services.import_map_columns(batch_id=batch.pk, actor=world.supervisor, mapping={})


# --- damaged spreadsheets ----------------------------------------------------------------
DAMAGED = ("The spreadsheet is damaged: its rows cannot be read from row {row} on. Open it in Excel, save it again "
           "as XLSX (or as CSV UTF-8) and upload that.")
ENTITIES = ("The spreadsheet defines XML entities, which we refuse for safety: open it in Excel, save it again as "
            "XLSX (or as CSV UTF-8) and upload that.")
DAMAGE_MESSAGES = {"missing shared string": DAMAGED, "sheet cut short": DAMAGED, "text in a number cell": DAMAGED,
                   "entity bomb": ENTITIES, "entity bomb in the sheet": ENTITIES, "external entity": ENTITIES}


def damaged_list(damage: str, *, at: int, rows: int = 40) -> bytes:
    """A list of ``rows`` good rows under the header whose row ``at`` is damaged."""
    lines = [VI_HEADERS] + [line(f"Công ty {number}", next_tax_code(), "25") for number in range(2, rows + 2)]
    lines[at - 1][8] = DAMAGE_HERE
    return xlsx_damaged(lines, damage)


@pytest.mark.parametrize("at", [3, 30], ids=["among the top rows", "below them"])
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_spreadsheet_is_refused_with_a_reason_and_nothing_is_written(world, damage, at):
    before = registry()

    with pytest.raises(ImportFileError) as error:
        upload(world, damaged_list(damage, at=at), file_name="ds.xlsx")

    assert error.value.message == DAMAGE_MESSAGES[damage].format(row=at)
    assert (ImportBatch.objects.count(), ImportProgress.objects.count(), ImportRow.objects.count()) == (0, 0, 0)
    assert registry() == before


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_large_damaged_spreadsheet_fails_its_job_with_the_reason_and_writes_nothing(
        world, monkeypatch, settings, django_capture_on_commit_callbacks, damage):
    """A file too large to read in the upload's request is read by the job,
    which stops on the damage with the same reason."""
    settings.LANGUAGE_CODE = "en"  # the job's language
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 5)
    monkeypatch.setattr(services, "CHUNK", 4)
    content = damaged_list(damage, at=30)
    before = registry()
    if DAMAGE_MESSAGES[damage] is ENTITIES:
        # Entities are refused on opening the file: no job starts.
        with pytest.raises(ImportFileError, match="XML entities"):
            upload(world, content, file_name="ds.xlsx")
        assert ImportBatch.objects.count() == 0
        return
    with django_capture_on_commit_callbacks() as queued:
        batch = upload(world, content, file_name="ds.xlsx")

    queued[0]()  # the job

    batch.refresh_from_db()
    assert (batch.status, batch.failure) == (ImportStatus.FAILED, DAMAGED.format(row=30))
    assert ImportRow.objects.filter(batch=batch).count() == 0
    assert registry() == before
