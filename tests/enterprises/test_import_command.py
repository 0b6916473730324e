"""``manage.py import_enterprises``: the same import as the web page, for
administrators, with progress printed; it checks only unless --commit."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.enterprises.sheets import VI_HEADERS, csv_bytes, xlsx_rows
from tests.factories import next_tax_code
from workflows.core import clock
from workflows.enterprises import services
from workflows.enterprises.models import Enterprise, ImportBatch, ImportStatus


@pytest.fixture(autouse=True)
def on_a_known_day():
    with clock.travel_to(dt.date(2026, 6, 1)), translation.override("en"):
        yield


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_enterprises", *args, stdout=out)
    return out.getvalue()


def test_it_checks_then_commits_with_progress(world, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)
    codes = [next_tax_code() for _ in range(3)]
    path = tmp_path / "bhxh.csv"
    path.write_bytes(csv_bytes([VI_HEADERS] + [["", f"Công ty {i}", code, "", "", "", "FDI", "", "10", "", ""]
                                               for i, code in enumerate(codes)] +
                               [["", "Công ty Sai", "123", "", "", "", "", "", "", "", ""]]))
    rejected = tmp_path / "loi.xlsx"

    output = run(str(path), "--unit", world.district.code, "--user", "supervisor", "--commit",
                 "--as-of", "31/12/2025", "--source", "social_insurance", "--rejected", str(rejected))

    batch = ImportBatch.objects.get()
    assert output.splitlines() == [
        f"batch {batch.pk}: bhxh.csv, header on row 1",
        "checked: 2/4 rows", "checked: 4/4 rows",
        "4 rows: 3 to create, 0 to update, 0 unchanged, 0 older figures, 1 rejected",
        "  row 5: Mã số thuế: “123” is not a tax code: it must be 10 digits, or 10 digits, “-” and 3 digits for a "
        "branch.",
        "committed: 2/3 rows", "committed: 3/3 rows",
        "committed: 3 created, 0 updated, 0 unchanged, 0 older figures left out, 1 rejected",
        f"rejected rows written to {rejected}"]
    assert sorted(Enterprise.objects.filter(tax_code__in=codes).values_list("workforce_as_of", flat=True)) == [
        dt.date(2025, 12, 31)] * 3
    assert [row[2] for row in xlsx_rows(rejected.read_bytes())[1:]] == ["123"]


def test_without_commit_it_writes_nothing_to_the_registry(world, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes([VI_HEADERS, ["", "Công ty A", next_tax_code()] + [""] * 8]))

    run(str(path), "--unit", world.district.code, "--user", "supervisor")

    assert (ImportBatch.objects.get().status, Enterprise.objects.count()) == (ImportStatus.PREVIEWED, 1)


def test_unrecognised_columns_are_mapped_on_the_command_line(world, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes([["Tên DN", "MST", "LĐ cuối kỳ", "Ghi chú riêng"],
                                ["Công ty A", next_tax_code(), "9", "x"]]))

    with pytest.raises(CommandError, match="Say what these columns hold"):
        run(str(path), "--unit", world.district.code, "--user", "supervisor")
    run(str(path), "--unit", world.district.code, "--user", "supervisor", "--commit",
        "--map", "LĐ cuối kỳ=workforce", "--map", "Ghi chú riêng=")

    assert Enterprise.objects.filter(name="Công ty A").values_list("workforce", flat=True).get() == 9


@pytest.mark.parametrize("args, message", [
    (["--unit", "tu-son", "--user", "officer"], "officer does not supervise"),
    (["--unit", "khong-co", "--user", "supervisor"], "no unit with code 'khong-co'"),
    (["--unit", "tu-son", "--user", "ai-do"], "no active user 'ai-do'"),
    (["--unit", "tu-son", "--user", "supervisor", "--as-of", "2025-12-31"], "--as-of must be a date as dd/mm/yyyy"),
])
def test_it_refuses_what_it_cannot_do(world, tmp_path, args, message):
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes([VI_HEADERS, ["", "Công ty A", next_tax_code()] + [""] * 8]))

    with pytest.raises(CommandError, match=message):
        run(str(path), *args)

    assert ImportBatch.objects.count() == 0


def test_a_file_that_is_not_a_list_is_refused(world, tmp_path):
    path = tmp_path / "anh.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")

    with pytest.raises(CommandError, match="The file is not UTF-8"):
        run(str(path), "--unit", world.district.code, "--user", "supervisor")
