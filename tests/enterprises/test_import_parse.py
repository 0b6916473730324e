"""Reading registry lists: headers in Vietnamese and English, the values
officials type, the verdict on each row, and files that are not lists at
all. Pure functions: no database."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tests.enterprises.sheets import VI_HEADERS, csv_bytes, xlsx_bytes, xlsx_with_text
from workflows.enterprises import imports
from workflows.enterprises.imports import Defaults, Existing, ImportFileError, ParsedRow, RawRow
from workflows.enterprises.models import ImportOutcome, OwnershipSector, WorkforceSource

TODAY = dt.date(2026, 6, 1)
#: Tax codes with valid check digits.
CODE_A, CODE_B = "0300588569", "0100109106"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- headers ------------------------------------------------------------------------
def test_vietnamese_headers_are_recognised_whatever_their_accents_case_and_notes():
    headers = ["STT", "TÊN DOANH NGHIỆP", "Mã số thuế (MST)", "Dia chi", "Xã / Phường", "Tỉnh/Thành phố", "KCN",
               "Loại hình doanh nghiệp", "Ngành nghề", "Tổng số lao động (người)", "Ngày số liệu:", "Nguồn số liệu"]

    assert imports.columns_recognise(headers) == {
        "0": "", "1": "name", "2": "tax_code", "3": "address", "4": "commune", "5": "province",
        "6": "industrial_zone", "7": "ownership_sector", "8": "industry", "9": "workforce",
        "10": "workforce_as_of", "11": "workforce_source"}


def test_english_headers_are_recognised():
    headers = ["Company name", "Tax code", "Address", "Ward", "Province", "Industrial zone", "Ownership",
               "Industry", "Workforce", "As of", "Source"]

    assert imports.columns_recognise(headers) == {
        "0": "name", "1": "tax_code", "2": "address", "3": "commune", "4": "province", "5": "industrial_zone",
        "6": "ownership_sector", "7": "industry", "8": "workforce", "9": "workforce_as_of",
        "10": "workforce_source"}


def test_a_field_named_twice_goes_to_its_first_column_and_unknown_headers_must_be_decided():
    headers = ["Mã số thuế", "Tên DN", "Số lao động", "Lao động", "Số LĐ nữ"]

    mapping = imports.columns_recognise(headers)

    assert mapping == {"0": "tax_code", "1": "name", "2": "workforce"}
    assert imports.mapping_problems(headers, mapping) == [
        "Say what these columns hold, or leave them out: “Lao động”, “Số LĐ nữ”."]


def test_mapping_problems_name_the_missing_required_fields_and_the_doubled_ones():
    headers = ["Tên", "A", "B"]

    problems = imports.mapping_problems(headers, {"0": "name", "1": "workforce", "2": "workforce"})

    assert problems == ["“Workforce” is chosen for more than one column.",
                        "Choose the column that holds the “Tax code”."]


def test_the_header_row_is_found_below_title_lines():
    content = xlsx_bytes([["DANH SÁCH DOANH NGHIỆP THEO SỐ LIỆU BHXH"], ["Tính đến ngày 31/12/2025"], [],
                          VI_HEADERS, [1, "Công ty A", CODE_A]])

    sheet = imports.sheet_open(content)

    assert (sheet.file_format, sheet.header_row, sheet.headers) == ("xlsx", 4, tuple(VI_HEADERS))


def test_a_first_row_of_unknown_words_is_a_header_to_map_by_hand():
    sheet = imports.sheet_open(csv_bytes([["Doanh nghiep", "MS", "LD"], ["Công ty A", CODE_A, "5"]]))

    assert sheet.headers == ("Doanh nghiep", "MS", "LD")
    assert imports.columns_recognise(list(sheet.headers)) == {"0": "name"}


# --- CSV flavours -------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_with_or_without_bom_and_any_delimiter_reads_the_same(delimiter, bom):
    content = csv_bytes([["Tên doanh nghiệp", "Mã số thuế", "Số lao động"],
                         ["Công ty A, chi nhánh; 1", CODE_A, "6.500"]], delimiter=delimiter, bom=bom)

    sheet = imports.sheet_open(content)
    rows = list(imports.rows_read(content, sheet))

    assert sheet.headers == ("Tên doanh nghiệp", "Mã số thuế", "Số lao động")
    assert rows == [RawRow(2, ("Công ty A, chi nhánh; 1", CODE_A, "6.500"))]


def test_blank_rows_are_left_out_and_short_rows_padded():
    content = csv_bytes([["Tên", "Mã số thuế", "Số lao động"], ["", "", ""], ["Công ty A", CODE_A], [" ", "\t"]])

    assert list(imports.rows_read(content, imports.sheet_open(content))) == [RawRow(3, ("Công ty A", CODE_A, None))]


def test_xlsx_cells_keep_their_types():
    content = xlsx_bytes([VI_HEADERS, [1, "Công ty A", 300588569, "Lô 1", "", "", "FDI", "", 6500,
                                       dt.datetime(2025, 12, 31), "BHXH"]])

    [row] = imports.rows_read(content, imports.sheet_open(content))
    parsed = imports.row_parse(row, imports.columns_recognise(VI_HEADERS), defaults=Defaults(), today=TODAY)

    assert parsed.errors == []
    assert parsed.tax_code == CODE_A  # the leading zero Excel dropped is back
    assert parsed.values == {"name": "Công ty A", "address": "Lô 1", "ownership_sector": OwnershipSector.FDI,
                             "workforce": 6500, "workforce_as_of": dt.date(2025, 12, 31),
                             "workforce_source": WorkforceSource.SOCIAL_INSURANCE}


# --- values -------------------------------------------------------------------------
@pytest.mark.parametrize("cell, number", [
    ("6.500", 6500), ("6,500", 6500), (" 6 500 ", 6500), ("1.234.567", None), ("250", 250), (250, 250),
    (250.0, 250), ("0", 0), ("+12", 12), ("1.000.000", 1000000)])
def test_workforce_figures_as_officials_type_them(cell, number):
    if number is None:
        with pytest.raises(ValueError, match="more than any enterprise has"):
            imports.parse_workforce(cell)
    else:
        assert imports.parse_workforce(cell) == number


@pytest.mark.parametrize("cell, message", [
    ("-5", "The workforce cannot be negative."), (-5, "The workforce cannot be negative."),
    ("12,5", "“12,5” is not a number of workers."), (12.5, "The workforce must be a whole number of workers."),
    ("abc", "“abc” is not a number of workers."), ("５", "“５” is not a number of workers."),
    (True, "The workforce must be a whole number of workers."), ("1e3", "“1e3” is not a number of workers.")])
def test_workforce_that_is_not_a_head_count_is_refused(cell, message):
    with pytest.raises(ValueError) as error:
        imports.parse_workforce(cell)
    assert str(error.value) == message


@pytest.mark.parametrize("cell, day", [
    ("31/12/2025", dt.date(2025, 12, 31)), ("1/2/2025", dt.date(2025, 2, 1)), ("31-12-2025", dt.date(2025, 12, 31)),
    ("31.12.2025", dt.date(2025, 12, 31)), ("2025-12-31", dt.date(2025, 12, 31)),
    (dt.datetime(2025, 12, 31, 0, 0), dt.date(2025, 12, 31)), (dt.date(2025, 1, 5), dt.date(2025, 1, 5)),
    (45657, dt.date(2024, 12, 31)), ("45657", dt.date(2024, 12, 31)), ("31/12/2025 00:00:00", dt.date(2025, 12, 31))])
def test_dates_as_lists_hold_them(cell, day):
    assert imports.parse_date(cell, today=TODAY) == day


@pytest.mark.parametrize("cell, message", [
    ("31/02/2025", "“31/02/2025” is not a date: write it as dd/mm/yyyy."),
    ("12/31/2025", "“12/31/2025” is not a date: write it as dd/mm/yyyy."),
    ("2025", "“2025” is not a date: write it as dd/mm/yyyy."),
    (2025, "2025 is not a date: write it as dd/mm/yyyy."),
    ("hôm qua", "“hôm qua” is not a date: write it as dd/mm/yyyy."),
    ("02/06/2026", "The date 02/06/2026 is in the future."),
    ("01/01/1899", "01/01/1899 is too long ago for a workforce figure.")])
def test_dates_that_are_not_dates_are_refused(cell, message):
    with pytest.raises(ValueError) as error:
        imports.parse_date(cell, today=TODAY)
    assert str(error.value) == message


@pytest.mark.parametrize("cell, sector", [
    ("FDI", OwnershipSector.FDI), ("Có vốn đầu tư nước ngoài", OwnershipSector.FDI),
    ("DN có vốn ĐTNN - 100% vốn nước ngoài", OwnershipSector.FDI), ("Liên doanh", OwnershipSector.FDI),
    ("Tư nhân", OwnershipSector.DOMESTIC_PRIVATE), ("TNHH", OwnershipSector.DOMESTIC_PRIVATE),
    ("Công ty cổ phần", OwnershipSector.DOMESTIC_PRIVATE), ("Ngoài nhà nước", OwnershipSector.DOMESTIC_PRIVATE),
    ("Nhà nước", OwnershipSector.STATE), ("DNNN", OwnershipSector.STATE),
    ("Hợp tác xã", OwnershipSector.COOPERATIVE), ("HTX", OwnershipSector.COOPERATIVE),
    ("Khác", OwnershipSector.OTHER), ("Foreign-invested (FDI)", OwnershipSector.FDI),
    ("Domestic private", OwnershipSector.DOMESTIC_PRIVATE), ("State-owned", OwnershipSector.STATE)])
def test_ownership_sector_words(cell, sector):
    assert imports.parse_sector(cell) == sector


@pytest.mark.parametrize("cell, source", [
    ("BHXH", WorkforceSource.SOCIAL_INSURANCE), ("Bảo hiểm xã hội", WorkforceSource.SOCIAL_INSURANCE),
    ("Thuế", WorkforceSource.TAX), ("Cục Thuế tỉnh", WorkforceSource.TAX), ("Khảo sát", WorkforceSource.SURVEY),
    ("Social insurance", WorkforceSource.SOCIAL_INSURANCE), ("Tax office", WorkforceSource.TAX)])
def test_source_words(cell, source):
    assert imports.parse_source(cell) == source


def test_unknown_sector_and_source_words_are_refused_with_the_words_to_use():
    with pytest.raises(ValueError) as sector:
        imports.parse_sector("Doanh nghiệp lạ")
    with pytest.raises(ValueError) as source:
        imports.parse_source("Hàng xóm kể")
    assert str(sector.value) == ("“Doanh nghiệp lạ” is not an ownership sector we know: write FDI, Tư nhân (or TNHH, "
                                 "Cổ phần), Nhà nước, Hợp tác xã or Khác.")
    assert str(source.value) == ("“Hàng xóm kể” is not a source we know: write BHXH (social insurance), Thuế (tax "
                                 "office) or Khảo sát (survey).")


@pytest.mark.parametrize("cell, code", [
    (" 0300.588.569 ", CODE_A), (300588569, CODE_A), (300588569.0, CODE_A), ("300588569", CODE_A),
    ("0300588569–001", "0300588569-001"), ("123", "123")])
def test_tax_codes_are_cleaned(cell, code):
    assert imports.parse_tax_code(cell) == code


def test_a_row_reports_every_bad_cell_with_its_reason():
    mapping = imports.columns_recognise(VI_HEADERS)
    row = RawRow(7, (1, "", "0300588560", "x" * 256, "", "", "Lạ", "", "-4", "31/02/2025", "Ai đó"))

    parsed = imports.row_parse(row, mapping, defaults=Defaults(), today=TODAY)

    assert parsed.errors == [
        ("tax_code", "“0300588560” is not a valid tax code: its check digit is wrong."),
        ("name", "The enterprise name is missing."),
        ("address", "At most 255 characters (this cell has 256)."),
        ("ownership_sector", "“Lạ” is not an ownership sector we know: write FDI, Tư nhân (or TNHH, Cổ phần), "
                             "Nhà nước, Hợp tác xã or Khác."),
        ("workforce", "The workforce cannot be negative."),
        ("workforce_as_of", "“31/02/2025” is not a date: write it as dd/mm/yyyy."),
        ("workforce_source", "“Ai đó” is not a source we know: write BHXH (social insurance), Thuế (tax office) or "
                             "Khảo sát (survey).")]


def test_control_characters_become_spaces_and_the_name_is_tidied():
    mapping = {"0": "name", "1": "tax_code"}

    parsed = imports.row_parse(RawRow(2, ("  Công ty\x00TNHH \n May  ", CODE_A)), mapping, defaults=Defaults(),
                               today=TODAY)

    assert parsed.values == {"name": "Công ty TNHH May"}


def test_the_uploaders_date_and_source_fill_rows_with_a_figure_only():
    mapping = {"0": "name", "1": "tax_code", "2": "workforce"}
    defaults = Defaults(dt.date(2025, 12, 31), WorkforceSource.TAX)

    with_figure = imports.row_parse(RawRow(2, ("A", CODE_A, "10")), mapping, defaults=defaults, today=TODAY)
    without = imports.row_parse(RawRow(3, ("B", CODE_B, "")), mapping, defaults=defaults, today=TODAY)

    assert with_figure.values == {"name": "A", "workforce": 10, "workforce_as_of": dt.date(2025, 12, 31),
                                  "workforce_source": WorkforceSource.TAX}
    assert without.values == {"name": "B"}


# --- verdicts -----------------------------------------------------------------------
def held(**values) -> Existing:
    facts = {"name": "Công ty A", "address": "Lô 1", "commune": "", "province": "", "industrial_zone": "",
             "ownership_sector": OwnershipSector.FDI, "industry": "", "workforce": 300,
             "workforce_as_of": dt.date(2025, 6, 30), "workforce_source": WorkforceSource.SOCIAL_INSURANCE}
    return Existing(pk=1, unit_path="00010001", values={**facts, **values})


def row(**values) -> ParsedRow:
    return ParsedRow(2, CODE_A, values={"name": "Công ty A", **values})


def test_a_new_tax_code_creates():
    assert imports.row_classify(row(), None, may_edit=True).outcome == ImportOutcome.CREATE


def test_a_newer_figure_updates_with_its_date_and_source():
    verdict = imports.row_classify(row(workforce=350, workforce_as_of=dt.date(2025, 12, 31)), held(),
                                   may_edit=True)

    assert verdict.outcome == ImportOutcome.UPDATE
    assert verdict.changes == (("workforce", 300, 350),
                               ("workforce_as_of", dt.date(2025, 6, 30), dt.date(2025, 12, 31)),
                               ("workforce_source", WorkforceSource.SOCIAL_INSURANCE, ""))


def test_an_older_figure_never_overwrites_a_newer_one():
    verdict = imports.row_classify(row(workforce=100, workforce_as_of=dt.date(2024, 12, 31), address="Lô 9"),
                                   held(), may_edit=True)

    assert verdict.outcome == ImportOutcome.OLDER
    assert verdict.messages == (("workforce_as_of", "The registry has a newer figure (300 workers as of 30/06/2025) "
                                 "than this row (100 workers as of 31/12/2024): the row is left out."),)


def test_an_undated_figure_never_overwrites_a_dated_one():
    verdict = imports.row_classify(row(workforce=100), held(), may_edit=True)

    assert verdict.outcome == ImportOutcome.OLDER


def test_the_same_facts_are_unchanged_and_empty_cells_erase_nothing():
    same = row(workforce=300, workforce_as_of=dt.date(2025, 6, 30))  # no source, address or sector given

    assert imports.row_classify(same, held(), may_edit=True) == imports.Verdict(ImportOutcome.UNCHANGED)


def test_the_same_figure_with_other_facts_updates_those_facts_only():
    verdict = imports.row_classify(row(workforce=300, workforce_as_of=dt.date(2025, 6, 30), address="Lô 2"),
                                   held(), may_edit=True)

    assert verdict.changes == (("address", "Lô 1", "Lô 2"),)


def test_an_enterprise_of_another_unit_is_an_error_never_an_update():
    verdict = imports.row_classify(row(workforce=999, workforce_as_of=dt.date(2026, 1, 1)), held(), may_edit=False)

    assert verdict == imports.Verdict(ImportOutcome.ERROR, (
        ("tax_code", "This enterprise is in the registry of another unit: ask that unit to update it."),))


# --- files that are not lists -------------------------------------------------------
def _refusal(content: bytes) -> str:
    with pytest.raises(ImportFileError) as error:
        sheet = imports.sheet_open(content)
        list(imports.rows_read(content, sheet))
    return error.value.message


NOT_A_SPREADSHEET = ("The file is not a spreadsheet we can read: save it as XLSX, or as CSV UTF-8, and upload it "
                     "again.")
NOT_UTF8 = "The file is not UTF-8: save it as CSV UTF-8 or XLSX."
NO_HEADER = ("No header row found: the first row must name the columns, e.g. “Mã số thuế”, “Tên doanh nghiệp”, "
             "“Số lao động”.")
HEADER_ONLY = "The file has column headers but no rows under them."


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b" \r\n\r\n", "The file is empty."),
    (b"\xef\xbb\xbf", "The file is empty."),
    (csv_bytes([[""], ["", ""]]), "The file is empty."),
    (xlsx_bytes([]), "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_UTF8),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", NOT_UTF8),
    (b"PK\x03\x04 not really a zip", NOT_A_SPREADSHEET),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "This is an old Excel file (.xls): open it in Excel, save it as .xlsx (or "
                                          "CSV UTF-8) and upload that."),
    (b"T\xean doanh nghi\xea\xf2p;M\xe3 s\xf4\xec thu\xea\xec\nC\xf4ng ty A;0300588569\n", NOT_UTF8),  # Windows-1258
    ("Tên doanh nghiệp,Mã số thuế\n".encode("utf-16"), "The file is not UTF-8 (it is UTF-16): save it as CSV "
                                                       "UTF-8 or XLSX."),
    (b"name,tax code\x00\n", NOT_A_SPREADSHEET),
    (csv_bytes([[CODE_A, "Công ty A", "250"], [CODE_B, "Công ty B", "30"]]), NO_HEADER),
    (xlsx_bytes([[CODE_A, "Công ty A", 250]]), NO_HEADER),
    (csv_bytes([["Cong ty"]] * 3), NO_HEADER),
    (csv_bytes([["Tên doanh nghiệp", "Mã số thuế"]]), HEADER_ONLY),
    (csv_bytes([["Tên doanh nghiệp", "Mã số thuế"], ["", ""], []]), HEADER_ONLY),
    (xlsx_bytes([["DANH SÁCH"], ["Tên doanh nghiệp", "Mã số thuế"]]), HEADER_ONLY),
    (csv_bytes([["Tên doanh nghiệp", "Mã số thuế"], ["x" * 40_000, CODE_A]]),
     "Row 2 has a cell longer than 32.767 characters: this is not a registry list."),
    (csv_bytes([["Tên doanh nghiệp", "Mã số thuế"], ["x" * 200_000, CODE_A]]),
     "Row 2 cannot be read (a cell too long, or quotes that do not close): this is not a registry list we can "
     "read."),
    (xlsx_with_text([["Tên doanh nghiệp", "Mã số thuế"], ["A", CODE_A], ["HUGE", CODE_B]], "HUGE", "x" * 40_000),
     "Row 3 has a cell longer than 32.767 characters: this is not a registry list."),
])
def test_files_that_are_not_registry_lists_are_refused_with_a_clear_message(content, message):
    assert _refusal(content) == message


def test_a_file_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 2**20)

    assert _refusal(csv_bytes([["Tên", "Mã số thuế"]] + [["Công ty TNHH Một Thành Viên", CODE_A]] * 40_000)) == (
        "The file is larger than 1 MB: split it into smaller files.")


def test_a_file_with_more_rows_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)

    assert _refusal(csv_bytes([["Tên", "Mã số thuế"]] + [["Công ty", CODE_A]] * 4)) == (
        "The file has more than 3 rows: split it into smaller files.")
