"""Random files and random rows never crash the import: a file is refused
with a message, or every row gets a verdict; the commit writes exactly the
rows counted as new or updated. Each example runs in a savepoint that is
rolled back, so every example meets the same registry."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.enterprises.sheets import VI_HEADERS, csv_bytes, xlsx_bytes
from tests.factories import EnterpriseFactory, next_tax_code
from workflows.core import clock
from workflows.enterprises import imports, services
from workflows.enterprises.models import Enterprise, ImportBatch, ImportRow, ImportStatus
from workflows.enterprises.validation import make_tax_code, tax_code_check_digit

EXAMPLES = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CODES = [next_tax_code() for _ in range(6)]
WORDS = ["FDI", "TNHH", "Nhà nước", "HTX", "BHXH", "Thuế", "Khảo sát", "6.500", "-1", "31/12/2025",
         "31/02/2025", "2025-06-30", "0300588560", "", " ", "Công ty TNHH May Việt Tiến", "=1+1", "NaN"]


def cell(*, printable: bool):
    text = st.text(st.characters(blacklist_categories=("Cs", "Cc") if printable else ("Cs",)), max_size=30)
    return st.one_of(
        st.none(), text, st.sampled_from(WORDS + CODES), st.integers(-10**7, 10**12),
        st.floats(allow_nan=not printable, allow_infinity=not printable, width=32),
        st.dates(dt.date(1890, 1, 1), dt.date(2030, 12, 31)))


def tax_codes():
    fresh = (st.integers(100_000_000, 999_999_999).map(lambda n: f"{n:09d}")
             .filter(lambda nine: tax_code_check_digit(nine) is not None).map(make_tax_code))
    return st.one_of(fresh, st.sampled_from(CODES), fresh.map(lambda code: code + "-001"))


def row(*, printable: bool):
    """A row of the eleven columns, each mostly plausible, one time in eight anything at all."""
    anything = cell(printable=printable)

    def mostly(valid):
        return st.integers(0, 7).flatmap(lambda n: anything if n == 0 else valid)

    columns = [
        st.one_of(st.none(), st.integers(1, 999)),  # STT
        mostly(st.sampled_from(["Công ty TNHH May Việt Tiến", "Cty CP Thép Hòa Phát", "HTX Mây tre"])),
        mostly(tax_codes()),
        mostly(st.just("Lô A2, KCN VSIP")),
        mostly(st.sampled_from(["Phường Từ Sơn", "Xã Yên Phong", ""])),
        mostly(st.sampled_from(["KCN Quế Võ", ""])),
        mostly(st.sampled_from(["FDI", "Tư nhân", "TNHH", "Nhà nước", "Hợp tác xã", "Khác", ""])),
        mostly(st.just("Điện tử")),
        mostly(st.one_of(st.integers(0, 10**6), st.sampled_from(["6.500", "1,200", " 45 ", ""]))),
        mostly(st.one_of(st.dates(dt.date(2020, 1, 1), dt.date(2026, 5, 31)),
                         st.sampled_from(["31/12/2025", "2025-06-30", ""]))),
        mostly(st.sampled_from(["BHXH", "Thuế", "Khảo sát", "Bảo hiểm xã hội", ""])),
    ]
    return st.tuples(*columns).map(list)


def rows(*, printable: bool):
    return st.lists(st.one_of(row(printable=printable),
                              st.lists(cell(printable=printable), max_size=len(VI_HEADERS) + 2)),
                    min_size=0, max_size=12)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def registry(world):
    for code in CODES[:3]:
        EnterpriseFactory(tax_code=code, responsible_unit=world.district, workforce=40,
                          workforce_as_of=dt.date(2025, 6, 30))
    EnterpriseFactory(tax_code=CODES[3], responsible_unit=world.other_district)
    return world


def _check(world, content: bytes) -> None:
    before = Enterprise.objects.count()
    try:
        batch = services.import_upload(actor=world.supervisor, unit=world.district, file_name="ngẫu nhiên",
                                       content=content)
    except imports.ImportFileError as error:
        assert error.message
        assert (ImportBatch.objects.count(), Enterprise.objects.count()) == (0, before)
        return
    if batch.status == ImportStatus.UPLOADED:  # columns to map: map them as recognised, leave the rest out
        mapping = {str(i): batch.mapping.get(str(i), "") for i in range(len(batch.headers))}
        if "tax_code" not in mapping.values() or "name" not in mapping.values():
            return
        batch = services.import_map_columns(batch_id=batch.pk, actor=world.supervisor, mapping=mapping)
    assert batch.status in (ImportStatus.PREVIEWED, ImportStatus.FAILED), batch.status
    if batch.status == ImportStatus.FAILED:
        assert batch.failure and Enterprise.objects.count() == before
        return
    assert batch.rows_total == ImportRow.objects.filter(batch=batch).count()
    assert batch.created + batch.updated + batch.unchanged + batch.older + batch.errors == batch.rows_total
    batch = services.import_commit(batch_id=batch.pk, actor=world.supervisor) if batch.created + batch.updated \
        else batch
    assert Enterprise.objects.count() == before + batch.created


@EXAMPLES
@given(data=rows(printable=False), delimiter=st.sampled_from([",", ";", "\t"]), bom=st.booleans())
def test_random_csv_rows_never_crash(registry, data, delimiter, bom):
    content = csv_bytes([VI_HEADERS] + [["" if c is None else str(c) for c in row] for row in data],
                        delimiter=delimiter, bom=bom)
    with clock.travel_to(dt.date(2026, 6, 1)), rolled_back():
        _check(registry, content)


@EXAMPLES
@given(data=rows(printable=True), title=st.booleans())
def test_random_xlsx_rows_never_crash(registry, data, title):
    content = xlsx_bytes(([["DANH SÁCH DOANH NGHIỆP"]] if title else []) + [VI_HEADERS] + data)
    with clock.travel_to(dt.date(2026, 6, 1)), rolled_back():
        _check(registry, content)


@settings(max_examples=200, deadline=None, database=None)
@given(content=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(lambda t: t.encode("utf-8")),
                         st.builds(lambda head, body: head + body,
                                   st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0",
                                                    "Tên doanh nghiệp,Mã số thuế\n".encode()]),
                                   st.binary(max_size=300))))
def test_random_bytes_are_read_or_refused_with_a_message(content):
    try:
        sheet = imports.sheet_open(content)
        for row in imports.rows_read(content, sheet):
            imports.row_parse(row, imports.columns_recognise(list(sheet.headers)),
                              defaults=imports.Defaults(), today=dt.date(2026, 6, 1))
    except imports.ImportFileError as error:
        assert error.message
