"""Reading registry lists: the spreadsheets of enterprises and workers that
social insurance (BHXH) and the tax office hand to a federation.

Everything here is pure: bytes in, rows and verdicts out, no database. The
services (``services.import_*``) store the results and write the registry.

- ``sheet_open`` finds the format (XLSX by content, else CSV in UTF-8 with or
  without BOM, comma, semicolon or tab), the sheet and the header row (the
  first of the top rows that names known columns: official lists start with
  title lines), and refuses what is not a registry list with a message that
  says what to do.
- ``columns_recognise`` maps header cells to Enterprise fields through a table
  of Vietnamese and English aliases, accent- and case-insensitive.
- ``rows_read`` streams the data rows (openpyxl read-only; csv over a
  decoding stream), ``row_parse`` turns one into values and per-cell errors,
  and ``row_classify`` decides create / update / unchanged / older / error
  against the registry's current facts.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy

from workflows.core import workbooks
from workflows.core.text import fold
from workflows.core.workbooks import (  # noqa: F401 - cell_stored, header_key, MAX_* are this module's API too
    MAX_CELL,
    MAX_UNPACKED_BYTES,
    RawRow,
    cell_stored,
    cell_text,
    header_key,
)

from .models import ImportOutcome, OwnershipSector, WorkforceSource
from .validation import normalise_tax_code, validate_tax_code

MAX_FILE_BYTES = 30 * 1024 * 1024
#: Twice a large province's registry; a larger file is split by the user (and
#: its check stays well inside the job worker's time limit, Q_CLUSTER timeout).
MAX_ROWS = 100_000
#: How many top rows may hold titles before the header row.
HEADER_SEARCH_ROWS = 20
MAX_WORKFORCE = 10**6


#: The file cannot be imported at all; the message says why and what to do.
#: (The reading of XLSX files is core's, shared with the organisation import.)
ImportFileError = workbooks.SpreadsheetRefused
#: What a registry list that cannot be read is told: XLSX or CSV.
REFUSALS = workbooks.Refusals(
    unreadable=gettext_lazy("The file is not a spreadsheet we can read: save it as XLSX, or as CSV UTF-8, and "
                            "upload it again."),
    damaged=gettext_lazy("The spreadsheet is damaged: its rows cannot be read from row %(row)d on. Open it in "
                         "Excel, save it again as XLSX (or as CSV UTF-8) and upload that."),
    entities=gettext_lazy("The spreadsheet defines XML entities, which we refuse for safety: open it in Excel, "
                          "save it again as XLSX (or as CSV UTF-8) and upload that."),
    cell_too_long=gettext_lazy("Row %(row)d has a cell longer than %(limit)s characters: this is not a registry "
                               "list."),
)


# --- columns ------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy translation
    aliases: tuple[str, ...]
    max_length: int | None = None


#: Header text → Enterprise field. Aliases are folded (no accents, lower
#: case); "(…)" notes in headers and spaces around "/" are ignored.
COLUMNS: tuple[Column, ...] = (
    Column("tax_code", gettext_lazy("Tax code"), (
        "ma so thue", "mst", "ma so doanh nghiep", "ma so dn", "ma dn", "ma so thue doanh nghiep",
        "ma so thue/ma so doanh nghiep", "tax code", "tax id", "tax number", "tin")),
    Column("name", gettext_lazy("Enterprise name"), (
        "ten doanh nghiep", "ten dn", "ten don vi", "ten cong ty", "ten don vi/doanh nghiep", "doanh nghiep",
        "ten", "name", "company name", "company", "enterprise", "enterprise name"), 255),
    Column("address", gettext_lazy("Address"), (
        "dia chi", "dia chi tru so", "dia chi tru so chinh", "tru so", "address"), 255),
    Column("commune", gettext_lazy("Commune or ward"), (
        "xa/phuong", "phuong/xa", "xa", "phuong", "xa phuong", "phuong xa", "xa/phuong/thi tran",
        "phuong/xa/thi tran", "commune", "ward", "commune/ward", "ward/commune", "commune or ward"), 80),
    Column("province", gettext_lazy("Province"), (
        "tinh", "tinh/thanh pho", "tinh/tp", "tinh thanh", "tinh/thanh", "thanh pho", "province", "city",
        "province/city"), 80),
    Column("industrial_zone", gettext_lazy("Industrial zone"), (
        "khu cong nghiep", "kcn", "khu cn", "kcn/ccn", "khu cong nghiep/cum cong nghiep", "industrial zone",
        "industrial park"), 120),
    Column("ownership_sector", gettext_lazy("Ownership sector"), (
        "loai hinh", "loai hinh doanh nghiep", "loai hinh dn", "thanh phan kinh te", "khu vuc kinh te",
        "ownership", "ownership sector", "sector")),
    Column("industry", gettext_lazy("Industry"), (
        "nganh nghe", "nganh", "nganh nghe kinh doanh", "nganh kinh te", "nganh nghe san xuat kinh doanh",
        "linh vuc", "industry"), 120),
    Column("workforce", gettext_lazy("Workforce"), (
        "so lao dong", "tong so lao dong", "lao dong", "so ld", "tong so ld", "tong ld", "so cong nhan",
        "so lao dong tham gia bhxh", "so lao dong dong bhxh", "workforce", "workers", "employees",
        "number of workers", "headcount")),
    Column("workforce_as_of", gettext_lazy("Workforce as of"), (
        "ngay so lieu", "ngay", "thoi diem", "thoi diem so lieu", "so lieu den ngay", "tinh den ngay",
        "ngay cap nhat", "as of", "date", "workforce as of")),
    Column("workforce_source", gettext_lazy("Workforce source"), (
        "nguon", "nguon so lieu", "source", "workforce source")),
)
FIELDS = {column.key: column for column in COLUMNS}
REQUIRED = ("tax_code", "name")
TEXT_FIELDS = ("name", "address", "province", "commune", "industrial_zone", "industry")
#: The facts an import may write, in the order of the export's columns.
IMPORT_FIELDS = ("name", "address", "commune", "province", "industrial_zone", "ownership_sector", "industry",
                 "workforce", "workforce_as_of", "workforce_source")
FIGURE = ("workforce", "workforce_as_of", "workforce_source")

#: Columns that lists carry and the registry does not take: left out
#: without asking. The export's own extra columns and the error column of
#: the file of rejected rows are among them, so both import again as they are.
EXPORT_ONLY_LABELS = (gettext_lazy("Responsible unit"), gettext_lazy("Grassroots union"))
ERROR_LABEL = gettext_lazy("Errors")
IGNORED_ALIASES = (
    "stt", "tt", "so tt", "so thu tu", "no", "no.", "#", "ghi chu", "notes", "note", "loi", "ly do", "errors",
    "error", "don vi phu trach", "responsible unit", "co cdcs", "cdcs", "cong doan co so", "grassroots union",
    "has union",
)


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@lru_cache(maxsize=8)
def _alias_table(language: str) -> dict[str, str]:
    """folded header → field key ("" for a column left out). The labels the
    export writes, in every language, are recognised too, so that an
    exported file imports again whatever the language of either user."""
    table: dict[str, str] = {}
    for column in COLUMNS:
        for alias in column.aliases:
            table.setdefault(header_key(alias), column.key)
    for alias in IGNORED_ALIASES:
        table.setdefault(header_key(alias), "")
    for code in _languages():
        with translation.override(code):
            for column in COLUMNS:
                table.setdefault(header_key(column.label), column.key)
            for label in (*EXPORT_ONLY_LABELS, ERROR_LABEL):
                table.setdefault(header_key(label), "")
    return table


def alias_table() -> dict[str, str]:
    return _alias_table(translation.get_language() or settings.LANGUAGE_CODE)


def columns_recognise(headers: list[str]) -> dict[str, str]:
    """column index (as text) → field key or "" (left out) for each header
    cell recognised; a field claimed twice goes to its first column only."""
    table = alias_table()
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, text in enumerate(headers):
        key = table.get(header_key(text))
        if key is None or (key and key in taken):
            continue
        mapping[str(index)] = key
        if key:
            taken.add(key)
    return mapping


def mapping_problems(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """Why ``mapping`` cannot be used: a required field not mapped, a field
    mapped twice, a named column not decided."""
    problems = []
    chosen = [key for key in mapping.values() if key]
    for key in sorted({k for k in chosen if chosen.count(k) > 1}):
        problems.append(_("“%(field)s” is chosen for more than one column.") % {"field": FIELDS[key].label})
    for key in REQUIRED:
        if key not in chosen:
            problems.append(_("Choose the column that holds the “%(field)s”.") % {"field": FIELDS[key].label})
    undecided = [text for index, text in enumerate(headers) if str(text).strip() and str(index) not in mapping]
    if undecided:
        problems.append(_("Say what these columns hold, or leave them out: %(columns)s.") % {
            "columns": ", ".join(f"“{text}”" for text in undecided)})
    return problems


# --- cells --------------------------------------------------------------------------
# --- values -------------------------------------------------------------------------
#: Words of official lists → ownership sector; the first rule a folded cell
#: matches wins (so "ngoài nhà nước" is private, not state).
_SECTOR_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(fdi|nuoc ngoai|foreign|lien doanh|100% von)\b", OwnershipSector.FDI),
    (r"\b(ngoai nha nuoc|ngoai quoc doanh|dan doanh)\b", OwnershipSector.DOMESTIC_PRIVATE),
    (r"\b(nha nuoc|dnnn|quoc doanh|state)\b", OwnershipSector.STATE),
    (r"\b(hop tac xa|htx|cooperative)\b", OwnershipSector.COOPERATIVE),
    (r"\b(tu nhan|dntn|tnhh|co phan|ctcp|cty cp|private|domestic|llc|joint stock|ho kinh doanh)\b",
     OwnershipSector.DOMESTIC_PRIVATE),
    (r"^(khac|other|khac/other)$", OwnershipSector.OTHER),
)
_SOURCE_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(bhxh|bao hiem xa hoi|bao hiem|social insurance|insurance)\b", WorkforceSource.SOCIAL_INSURANCE),
    (r"\b(thue|co quan thue|cuc thue|chi cuc thue|tax|tax office)\b", WorkforceSource.TAX),
    (r"\b(khao sat|dieu tra|survey)\b", WorkforceSource.SURVEY),
)


@lru_cache(maxsize=8)
def _choice_labels(language: str) -> tuple[dict[str, str], dict[str, str]]:
    """Folded choice labels in every language → value (what the export writes)."""
    sectors: dict[str, str] = {}
    sources: dict[str, str] = {}
    for code in _languages():
        with translation.override(code):
            for value, label in OwnershipSector.choices:
                sectors.setdefault(fold(str(label)), value)
            for value, label in WorkforceSource.choices:
                sources.setdefault(fold(str(label)), value)
    for value in OwnershipSector.values:
        sectors.setdefault(value, value)
    for value in WorkforceSource.values:
        sources.setdefault(value, value)
    return sectors, sources


@lru_cache(maxsize=4096)
def _by_rules(text: str, kind: int, language: str) -> str | None:
    """The choice a word of a list means (lists repeat a handful of words: cached)."""
    folded = fold(text)
    labels = _choice_labels(language)[kind]
    if folded in labels:
        return labels[folded]
    for pattern, value in (_SECTOR_RULES, _SOURCE_RULES)[kind]:
        if re.search(pattern, folded):
            return value
    return None


def parse_sector(text: str) -> str:
    value = _by_rules(text[:200], 0, translation.get_language() or "")
    if value is None:
        raise ValueError(_("“%(value)s” is not an ownership sector we know: write FDI, Tư nhân (or TNHH, Cổ "
                           "phần), Nhà nước, Hợp tác xã or Khác.") % {"value": text[:60]})
    return value


def parse_source(text: str) -> str:
    value = _by_rules(text[:200], 1, translation.get_language() or "")
    if value is None:
        raise ValueError(_("“%(value)s” is not a source we know: write BHXH (social insurance), Thuế (tax "
                           "office) or Khảo sát (survey).") % {"value": text[:60]})
    return value


_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def parse_workforce(value) -> int:
    """A head count: 6500, "6.500", "6 500", "6,500"; not negative, not a fraction."""
    if isinstance(value, bool):
        raise ValueError(_("The workforce must be a whole number of workers."))
    if isinstance(value, float):
        if value != value or not value.is_integer():
            raise ValueError(_("The workforce must be a whole number of workers."))
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", cell_text(value))
        negative = text.startswith(("-", "−"))
        digits = text.lstrip("-−+")
        if _THOUSANDS.match(digits):
            digits = re.sub(r"[.,]", "", digits)
        if not digits.isascii() or not digits.isdigit():
            raise ValueError(_("“%(value)s” is not a number of workers.") % {"value": cell_text(value)[:60]})
        number = -int(digits) if negative else int(digits)
    if number < 0:
        raise ValueError(_("The workforce cannot be negative."))
    if number > MAX_WORKFORCE:
        raise ValueError(_("%(value)s workers is more than any enterprise has: check the figure.") % {
            "value": number})
    return number


def parse_date(value, *, today: dt.date) -> dt.date:
    """dd/mm/yyyy (also with "-" or "."), ISO, an Excel date cell or an Excel
    day number; not in the future, not before 1900."""
    day = workbooks.date_read(value)
    if day.year < 1900:
        raise ValueError(_("%(value)s is too long ago for a workforce figure.") % {"value": f"{day:%d/%m/%Y}"})
    if day > today:
        raise ValueError(_("The date %(value)s is in the future.") % {"value": f"{day:%d/%m/%Y}"})
    return day


def parse_tax_code(value) -> str:
    """The tax code of a cell: spaces and dots dropped; a number that lost
    its leading zero in Excel (300588569) gets it back."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise_tax_code(cell_text(value)).replace("–", "-").replace("—", "-")
    if re.fullmatch(r"\d{9}(-\d{3})?", text):
        padded = "0" + text
        try:
            validate_tax_code(padded)
            return padded
        except ValidationError:
            pass
    return text


# --- rows ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """The structure of an uploaded file."""

    file_format: str  # "xlsx" or "csv"
    sheet: int
    header_row: int  # 1-based
    headers: tuple[str, ...]
    rows_estimate: int
    delimiter: str = ","


@dataclass
class ParsedRow:
    number: int
    tax_code: str
    values: dict[str, object] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field key, reason)
    cells: tuple = ()


@dataclass(frozen=True)
class Defaults:
    """What the uploader said about the whole file."""

    as_of: dt.date | None = None
    source: str = ""


_is_blank = workbooks.is_blank


def _check_cells(number: int, cells) -> None:
    workbooks.cells_check(number, cells, refusals=REFUSALS)


def _looks_like_data(cells) -> bool:
    for cell in cells:
        if isinstance(cell, (int, float, dt.date)) and not isinstance(cell, bool):
            return True
        text = cell_text(cell)
        if re.fullmatch(r"[\d .,/-]+", text) and any(ch.isdigit() for ch in text):
            return True
    return False


def _find_header(rows: Iterator[RawRow]) -> RawRow | None:
    """The header row among the first rows: the first naming at least two
    known fields; failing that, a first row of plain words (its columns are
    then mapped by hand). A first row that holds data means no header."""
    table = alias_table()
    first_words: RawRow | None = None
    seen = 0
    for row in rows:
        if _is_blank(row.cells):
            continue
        seen += 1
        known = {table.get(header_key(c)) for c in row.cells if cell_text(c)} - {None, ""}
        if len(known) >= 2:
            return row
        if seen == 1 and not _looks_like_data(row.cells) and sum(1 for c in row.cells if cell_text(c)) >= 2:
            first_words = row
        if seen >= HEADER_SEARCH_ROWS:
            break
    return first_words


def _has_rows(rows: Iterator[RawRow]) -> bool:
    return any(not _is_blank(row.cells) for row in rows)


def _xlsx_book(content: bytes):
    return workbooks.xlsx_open(content, refusals=REFUSALS)


def _xlsx_rows(book, sheet: int, start: int = 1, width: int | None = None) -> Iterator[RawRow]:
    return workbooks.xlsx_rows(book, sheet, start, refusals=REFUSALS, width=width)


def _check_utf8(content: bytes) -> None:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(_("The file is not UTF-8 (it is UTF-16): save it as CSV UTF-8 or XLSX."))
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(content), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8: save it as CSV UTF-8 or XLSX.")) from None
    if b"\x00" in content:
        raise ImportFileError(_("The file is not a spreadsheet we can read: save it as XLSX, or as CSV UTF-8, "
                                "and upload it again."))


def _csv_rows(content: bytes, delimiter: str, start: int = 1) -> Iterator[RawRow]:
    stream = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    number = 0
    try:
        for cells in reader:
            number += 1
            if number < start:
                continue
            _check_cells(number, cells)
            yield RawRow(number, tuple(cells))
    except csv.Error:
        raise ImportFileError(_("Row %(row)d cannot be read (a cell too long, or quotes that do not close): "
                                "this is not a registry list we can read.") % {"row": number + 1}) from None


def _csv_delimiter(content: bytes) -> str:
    """The delimiter under which the top rows name the most known columns
    (then: split into the most cells)."""
    head = content[:64 * 1024].decode("utf-8-sig", errors="ignore")
    lines = head.splitlines()[:HEADER_SEARCH_ROWS]
    table = alias_table()
    best, best_score = ",", (-1, -1)
    for delimiter in (";", ",", "\t"):
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        known = max((len({table.get(header_key(c)) for c in row} - {None, ""}) for row in rows), default=0)
        cells = max((len(row) for row in rows), default=0)
        if (known, cells) > best_score:
            best, best_score = delimiter, (known, cells)
    return best


def sheet_open(content: bytes, *, read_whole_up_to: int = 0) -> Sheet:
    """Find the format, sheet and header of an uploaded file, or refuse it
    with a clear message. Reads the top rows only, and then, for a sheet of
    at most ``read_whole_up_to`` rows, every row: a file damaged further down
    is refused before anything is stored (a larger one is read by a job,
    which marks its import failed with the same message)."""
    sheet = _sheet_find(content)
    if sheet.rows_estimate <= read_whole_up_to:
        for _row in rows_read(content, sheet):
            pass
    return sheet


def _sheet_find(content: bytes) -> Sheet:
    if not content or not content.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB: split it into smaller files.") % {
            "size": MAX_FILE_BYTES // 2**20})
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("This is an old Excel file (.xls): open it in Excel, save it as .xlsx (or CSV "
                                "UTF-8) and upload that."))
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_sheet(content)
    _check_utf8(content)
    delimiter = _csv_delimiter(content)
    header = _find_header(_csv_rows(content, delimiter))
    if header is None:
        if not _has_rows(_csv_rows(content, delimiter)):
            raise ImportFileError(_("The file is empty."))
        raise _no_header()
    if not _has_rows(_csv_rows(content, delimiter, header.number + 1)):
        raise ImportFileError(_("The file has column headers but no rows under them."))
    lines = content.count(b"\n") + (not content.endswith(b"\n"))
    return Sheet("csv", 0, header.number, _headers(header.cells), lines - header.number, delimiter)


def _xlsx_sheet(content: bytes) -> Sheet:
    book = _xlsx_book(content)
    try:
        anything = False
        for index, worksheet in enumerate(book.worksheets):
            header = _find_header(_xlsx_rows(book, index))
            if header is None:
                anything = anything or _has_rows(_xlsx_rows(book, index))
                continue
            if not _has_rows(_xlsx_rows(book, index, header.number + 1)):
                raise ImportFileError(_("The file has column headers but no rows under them."))
            rows = worksheet.max_row if isinstance(worksheet.max_row, int) else 0
            return Sheet("xlsx", index, header.number, _headers(header.cells),
                         max(rows - header.number, 0) or len(content) // 50)
    finally:
        book.close()
    if not anything:
        raise ImportFileError(_("The file is empty."))
    raise _no_header()


def _no_header() -> ImportFileError:
    return ImportFileError(_("No header row found: the first row must name the columns, e.g. “Mã số thuế”, "
                             "“Tên doanh nghiệp”, “Số lao động”."))


def _headers(cells) -> tuple[str, ...]:
    headers = [cell_text(c)[:200] for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    return tuple(headers)


def rows_read(content: bytes, sheet: Sheet) -> Iterator[RawRow]:
    """The data rows under the header, blank rows left out; at most MAX_ROWS."""
    width = len(sheet.headers)
    if sheet.file_format == "xlsx":
        book = _xlsx_book(content)
        source = _xlsx_rows(book, sheet.sheet, sheet.header_row + 1, width)
    else:
        book = None
        source = _csv_rows(content, sheet.delimiter, sheet.header_row + 1)
    try:
        count = 0
        for row in source:
            cells = tuple(row.cells[:width]) + (None,) * (width - len(row.cells))
            if _is_blank(cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(rows)s rows: split it into smaller files.") % {
                    "rows": f"{MAX_ROWS:,}".replace(",", ".")})
            yield RawRow(row.number, cells)
    finally:
        if book is not None:
            book.close()


def row_parse(row: RawRow, mapping: dict[str, str], *, defaults: Defaults, today: dt.date) -> ParsedRow:
    """The values of one row and what is wrong with each cell."""
    parsed = ParsedRow(row.number, "", cells=tuple(cell_stored(c) for c in row.cells))
    raw: dict[str, object] = {}
    for index, key in mapping.items():
        if key and int(index) < len(row.cells):
            raw[key] = row.cells[int(index)]
    code = parse_tax_code(raw.get("tax_code"))
    parsed.tax_code = code[:40]
    if not code:
        parsed.errors.append(("tax_code", _("The tax code is missing.")))
    else:
        try:
            validate_tax_code(code)
        except ValidationError as error:
            parsed.errors.append(("tax_code", error.messages[0]))
    for key in TEXT_FIELDS:
        text = cell_text(raw.get(key))
        if key == "name":
            text = " ".join(text.split())
        if not text:
            if key == "name":
                parsed.errors.append(("name", _("The enterprise name is missing.")))
            continue
        if len(text) > FIELDS[key].max_length:
            parsed.errors.append((key, _("At most %(limit)d characters (this cell has %(length)d).") % {
                "limit": FIELDS[key].max_length, "length": len(text)}))
            continue
        parsed.values[key] = text
    for key, parse in (("ownership_sector", parse_sector), ("workforce", parse_workforce),
                       ("workforce_as_of", lambda v: parse_date(v, today=today)),
                       ("workforce_source", parse_source)):
        value = raw.get(key)
        if cell_text(value) == "":
            continue
        try:
            parsed.values[key] = parse(value if key in ("workforce", "workforce_as_of") else cell_text(value))
        except ValueError as error:
            parsed.errors.append((key, str(error)))
    if "workforce" in parsed.values:
        if "workforce_as_of" not in parsed.values and defaults.as_of:
            parsed.values["workforce_as_of"] = defaults.as_of
        if "workforce_source" not in parsed.values and defaults.source:
            parsed.values["workforce_source"] = defaults.source
    else:
        # A date or source without a figure says nothing.
        parsed.values.pop("workforce_as_of", None)
        parsed.values.pop("workforce_source", None)
    return parsed


# --- verdicts -----------------------------------------------------------------------
@dataclass(frozen=True)
class Existing:
    """What the registry holds for a tax code."""

    pk: int
    unit_path: str
    values: dict  # IMPORT_FIELDS → value
    unit_id: int | None = None
    has_union: bool = False


@dataclass(frozen=True)
class Verdict:
    outcome: str
    messages: tuple[tuple[str, str], ...] = ()  # (field key or "", reason)
    changes: tuple[tuple[str, object, object], ...] = ()  # (field, before, after)

    def new_values(self) -> dict:
        return {key: after for key, _before, after in self.changes}


def _date_text(day) -> str:
    return f"{day:%d/%m/%Y}" if day else "—"


def row_classify(row: ParsedRow, existing: Existing | None, *, may_edit: bool) -> Verdict:
    """What the import does with a parsed row. Empty cells never erase what
    the registry holds; a figure older than the registry's is never written
    (and the rest of that row, as old, neither)."""
    if row.errors:
        return Verdict(ImportOutcome.ERROR, tuple(row.errors))
    given = row.values
    if existing is None:
        return Verdict(ImportOutcome.CREATE)
    if not may_edit:
        return Verdict(ImportOutcome.ERROR, (("tax_code", _(
            "This enterprise is in the registry of another unit: ask that unit to update it.")),))
    held = existing.values
    if "workforce" in given:
        row_as_of, held_as_of = given.get("workforce_as_of"), held["workforce_as_of"]
        if held_as_of and (row_as_of is None or row_as_of < held_as_of):
            reason = (_("The registry has a newer figure (%(held)s workers as of %(held_date)s) than this row "
                        "(%(row)s workers as of %(row_date)s): the row is left out.") % {
                "held": held["workforce"], "held_date": _date_text(held_as_of), "row": given["workforce"],
                "row_date": _date_text(row_as_of)})
            return Verdict(ImportOutcome.OLDER, (("workforce_as_of", reason),))
        if (given["workforce"], row_as_of) != (held["workforce"], held_as_of):
            # A new figure: its date and source replace the old ones, even empty.
            given = {**given, "workforce_as_of": row_as_of, "workforce_source": given.get("workforce_source", "")}
    changes = tuple((key, held[key], given[key]) for key in IMPORT_FIELDS
                    if key in given and given[key] != held[key])
    if not changes:
        return Verdict(ImportOutcome.UNCHANGED)
    return Verdict(ImportOutcome.UPDATE, changes=changes)


def create_values(row: ParsedRow) -> dict:
    """The facts of a new enterprise from a row (defaults for what it leaves empty)."""
    values = {"address": "", "province": "", "commune": "", "industrial_zone": "", "industry": "",
              "ownership_sector": OwnershipSector.DOMESTIC_PRIVATE, "workforce": 0, "workforce_as_of": None,
              "workforce_source": ""}
    values.update(row.values)
    return values
