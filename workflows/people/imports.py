"""Importing the workers of an enterprise from a list of employees: the
employer's list, or social insurance's (danh sách lao động), as XLSX or CSV.

People-level building blocks, WITHOUT permission checks: the campaign
services (``workflows.campaigns.worker_imports``) check ``Action.PEOPLE``
on the case worked at the enterprise, then call these.

The pattern is the registry's and the organisation's import: the file is
stored, a job (``jobs.worker_import_check``) reads every row, compares it
with the workers entered here and elsewhere, and stores the checked rows —
the citizen ID (CCCD) only as its keyed hash and last four digits
(``identity``) — and then DROPS the file, which holds the IDs in clear.
Nothing is written to ``Worker`` until the uploader confirms; a second job
(``jobs.worker_import_write``) then creates the new workers in batches, in
one transaction, with their history and one audit entry.

What a row is:

- *error*: a cell that cannot be read (no name, a citizen ID that is not 12
  digits, a year of birth out of range…); not written;
- *twice in the file*: the same citizen ID as an earlier row, or — when
  either has no citizen ID — the same name, year of birth and department;
- *already entered here*: a worker of this enterprise with the same citizen
  ID, or with the same name, year of birth and department (unless both have
  a citizen ID and they differ); skipped;
- *entered at another enterprise*: the same citizen ID at another
  enterprise: the person moved; entered here as a new worker and shown as
  "moved from";
- *new*.

Reading XLSX safely is ``workflows.core.workbooks``; writing the errors file
``workflows.core.spreadsheets`` (no text is taken for a formula); the
write's progress goes through ``workflows.core.progress``. The CSV reader
here (UTF-8 with or without BOM, else Windows-1258 / 1252) is generic and
may be folded into ``core.workbooks`` later.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.core import clock, jobs, workbooks
from workflows.core.errors import Conflict
from workflows.core.progress import LiveProgress
from workflows.core.spreadsheets import Spreadsheet
from workflows.core.text import fold
from workflows.core.workbooks import RawRow, SpreadsheetRefused, cell_text, header_key
from workflows.enterprises.models import Enterprise
from workflows.webhooks.services import import_finished

from . import identity
from .models import (
    EmploymentStatus,
    Gender,
    Worker,
    WorkerChange,
    WorkerImport,
    WorkerImportOutcome as Outcome,
    WorkerImportProgress,
    WorkerImportStatus as Status,
    WorkerSource,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
#: The largest list taken at once: the workforce of a very large factory.
MAX_ROWS = 30_000
HEADER_SEARCH_ROWS = 20
#: Rows read between two progress reports of a check.
CHECK_REPORT_EVERY = 1_000
#: Workers inserted by one statement of the write.
WRITE_BATCH = 2_000
#: How many rows the preview shows.
PREVIEW_ROWS = 100
#: A job that has not reported for this long has probably died.
STALLED_AFTER_SECONDS = 180
#: The write job's own time limit (the cluster's is 120 s).
WRITE_TIMEOUT_SECONDS = 15 * 60
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: An import may be cancelled, and a check started, while nothing is being written.
OPEN = (Status.UPLOADED, Status.CHECKING, Status.CHECKED, Status.FAILED)

REFUSALS = workbooks.Refusals(
    unreadable=gettext_lazy("The file is not a spreadsheet we can read: save it as XLSX, or as CSV UTF-8, and "
                            "upload it again."),
    damaged=gettext_lazy("The spreadsheet is damaged: its rows cannot be read from row %(row)d on. Open it in "
                         "Excel, save it again as XLSX and upload that."),
    entities=gettext_lazy("The spreadsheet defines XML entities, which we refuse for safety: open it in Excel, "
                          "save it again as XLSX and upload that."),
    cell_too_long=gettext_lazy("Row %(row)d has a cell longer than %(limit)s characters: this is not a list of "
                               "employees."),
)


# --- columns ------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy translation: the template's header and the errors file's
    aliases: tuple[str, ...]


#: Header text → field. Aliases are folded (no accents, lower case); "(…)"
#: notes in headers and spaces around "/" are ignored (``header_key``).
COLUMNS: tuple[Column, ...] = (
    Column("full_name", gettext_lazy("Full name"), (
        "ho va ten", "ho ten", "ho va ten nguoi lao dong", "ho ten nguoi lao dong", "ten nguoi lao dong",
        "ten lao dong", "ten", "full name", "name", "employee name", "worker name")),
    Column("gender", gettext_lazy("Gender"), ("gioi tinh", "gioi", "nam/nu", "gender", "sex")),
    Column("birth", gettext_lazy("Year of birth"), (
        "nam sinh", "ngay sinh", "ngay thang nam sinh", "ngay/thang/nam sinh", "sinh nam", "year of birth",
        "birth year", "date of birth", "birth date", "dob")),
    Column("citizen_id", gettext_lazy("Citizen ID (CCCD)"), (
        "so cccd", "cccd", "so can cuoc", "so can cuoc cong dan", "can cuoc cong dan", "can cuoc", "so cmnd/cccd",
        "cmnd/cccd", "so dinh danh", "so dinh danh ca nhan", "ma dinh danh", "citizen id", "id number",
        "national id", "id card")),
    Column("department", gettext_lazy("Department / workshop"), (
        "bo phan", "phan xuong", "bo phan/phan xuong", "phan xuong/bo phan", "phong ban", "phong/ban",
        "don vi", "xuong", "department", "workshop", "department/workshop")),
    Column("line", gettext_lazy("Line or team"), (
        "chuyen", "to", "chuyen/to", "to/chuyen", "to/doi", "day chuyen", "line", "team", "line/team")),
    Column("shift", gettext_lazy("Shift"), ("ca", "ca lam viec", "ca lam", "shift")),
    Column("job", gettext_lazy("Job"), (
        "cong viec", "chuc danh", "cong viec/chuc danh", "chuc danh/cong viec", "chuc vu", "vi tri",
        "vi tri cong viec", "nghe", "job", "job title", "position", "title")),
    Column("phone", gettext_lazy("Phone"), (
        "dien thoai", "so dien thoai", "sdt", "so dt", "dt", "dien thoai di dong", "phone", "phone number",
        "mobile")),
    Column("zalo", gettext_lazy("Zalo"), ("zalo", "so zalo", "zalo id")),
    Column("hometown", gettext_lazy("Hometown"), ("que quan", "que", "nguyen quan", "hometown", "home town")),
    Column("employment_status", gettext_lazy("Employment status"), (
        "tinh trang", "trang thai", "tinh trang lao dong", "tinh trang lam viec", "trang thai lam viec",
        "employment status", "status")),
)
FIELDS = {column.key: column for column in COLUMNS}
ERROR_LABEL = gettext_lazy("Errors")
IGNORED_ALIASES = ("stt", "tt", "so tt", "so thu tu", "no", "no.", "#", "ma nv", "ma nhan vien", "ma so nhan vien",
                   "ma so bhxh", "so so bhxh", "employee id", "ghi chu", "note", "notes", "loi", "errors", "error")
#: The text fields of a row, with the Worker field they go to.
TEXT_FIELDS = ("full_name", "department", "line", "shift", "job", "zalo", "hometown")


@lru_cache(maxsize=8)
def _alias_table(language: str) -> dict[str, str]:
    """folded header → field key ("" for a column left out); the labels of
    the template, in every language, are recognised too."""
    table: dict[str, str] = {}
    for column in COLUMNS:
        for alias in column.aliases:
            table.setdefault(header_key(alias), column.key)
    for alias in IGNORED_ALIASES:
        table.setdefault(header_key(alias), "")
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for column in COLUMNS:
                table.setdefault(header_key(column.label), column.key)
            table.setdefault(header_key(ERROR_LABEL), "")
    return table


def alias_table() -> dict[str, str]:
    return _alias_table(translation.get_language() or settings.LANGUAGE_CODE)


def columns_recognise(headers: Iterable) -> list[str]:
    """The field key of each header cell ("" for one not recognised or
    claimed by an earlier column)."""
    table = alias_table()
    keys, taken = [], set()
    for text in headers:
        key = table.get(header_key(cell_text(text))) or ""
        if key in taken:
            key = ""
        keys.append(key)
        if key:
            taken.add(key)
    return keys


# --- reading the file ---------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Where the list is in an uploaded file."""

    file_format: str  # "xlsx" or "csv"
    sheet: int
    header_row: int  # 1-based
    columns: tuple[str, ...]  # the field key of each column ("" left out)
    rows_estimate: int
    delimiter: str = ","


def csv_text(content: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with its
    BOM, else Windows-1258 (Vietnamese Windows) or Windows-1252; composed
    (NFC) so that "ễ" typed in either form compares equal."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = content.decode("utf-16")
    else:
        for encoding in ("utf-8-sig", "cp1258", "cp1252"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SpreadsheetRefused(_("The file is not UTF-8: save it as CSV UTF-8 or XLSX."))
    if "\x00" in text:
        raise SpreadsheetRefused(str(REFUSALS.unreadable))
    return unicodedata.normalize("NFC", text)


def _csv_rows(text: str, delimiter: str, start: int = 1) -> Iterator[RawRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for cells in reader:
            number += 1
            if number < start:
                continue
            workbooks.cells_check(number, cells, refusals=REFUSALS)
            yield RawRow(number, tuple(cells))
    except csv.Error:
        raise SpreadsheetRefused(_("Row %(row)d cannot be read (quotes that do not close): save the list again as "
                                   "CSV UTF-8 or XLSX.") % {"row": number + 1}) from None


def _csv_delimiter(text: str) -> str:
    """The delimiter under which the top rows name the most known columns."""
    lines = text[:64 * 1024].splitlines()[:HEADER_SEARCH_ROWS]
    best, best_score = ",", (-1, -1)
    for delimiter in (";", ",", "\t"):
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        known = max((sum(1 for key in columns_recognise(row) if key) for row in rows), default=0)
        cells = max((len(row) for row in rows), default=0)
        if (known, cells) > best_score:
            best, best_score = delimiter, (known, cells)
    return best


def _header_of(rows: Iterator[RawRow]) -> tuple[RawRow, list[str]] | None:
    """The header row among the top rows: the first naming the full name and
    at least one more known column (official lists start with title lines)."""
    seen = 0
    for row in rows:
        if workbooks.is_blank(row.cells):
            continue
        keys = columns_recognise(row.cells)
        if "full_name" in keys and sum(1 for key in keys if key) >= 2:
            return row, keys
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def _no_header() -> SpreadsheetRefused:
    return SpreadsheetRefused(_("No header row found: a row at the top must name the columns, at least “Họ và tên” "
                                "and one more, e.g. “Năm sinh”, “Số CCCD”, “Bộ phận”. Download the template to "
                                "see them."))


def _too_many() -> SpreadsheetRefused:
    return SpreadsheetRefused(_("The list has more than %(rows)s rows: split it into files of at most %(rows)s "
                                "workers and upload them one after the other.") % {
        "rows": f"{MAX_ROWS:,}".replace(",", ".")})


def layout_read(content: bytes) -> Layout:
    """Find the format, sheet and header row of an uploaded file, or refuse
    it (``SpreadsheetRefused``) with a sentence that says what to do. A CSV
    file's rows are counted here; an XLSX file's from its declared size
    (the check counts them again)."""
    if not content or not content.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SpreadsheetRefused(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetRefused(_("The file is larger than %(size)d MB: split it into smaller files.") % {
            "size": MAX_FILE_BYTES // 2**20})
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetRefused(_("This is an old Excel file (.xls): open it in Excel, save it as .xlsx (or CSV "
                                   "UTF-8) and upload that."))
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_layout(content)
    text = csv_text(content)
    delimiter = _csv_delimiter(text)
    found = _header_of(_csv_rows(text, delimiter))
    if found is None:
        raise _no_header()
    header, keys = found
    rows = sum(1 for row in _csv_rows(text, delimiter, header.number + 1) if not workbooks.is_blank(row.cells))
    if not rows:
        raise SpreadsheetRefused(_("The file has column headers but no rows under them."))
    if rows > MAX_ROWS:
        raise _too_many()
    return Layout("csv", 0, header.number, tuple(keys), rows, delimiter)


def _xlsx_layout(content: bytes) -> Layout:
    book = workbooks.xlsx_open(content, refusals=REFUSALS)
    try:
        for index, worksheet in enumerate(book.worksheets):
            found = _header_of(workbooks.xlsx_rows(book, index, refusals=REFUSALS, width=workbooks.MAX_COLUMNS))
            if found is None:
                continue
            header, keys = found
            declared = worksheet.max_row if isinstance(worksheet.max_row, int) else 0
            estimate = max(declared - header.number, 0)
            if estimate > MAX_ROWS + 1_000:  # a few blank rows at the bottom are common; the check counts exactly
                raise _too_many()
            while keys and not keys[-1]:
                keys.pop()
            return Layout("xlsx", index, header.number, tuple(keys), estimate or 1)
    finally:
        book.close()
    raise _no_header()


def rows_read(content: bytes, layout: Layout) -> Iterator[RawRow]:
    """The data rows under the header, ``len(columns)`` cells each, blank rows
    left out; more than ``MAX_ROWS`` is refused."""
    width = len(layout.columns)
    book = None
    if layout.file_format == "xlsx":
        book = workbooks.xlsx_open(content, refusals=REFUSALS)
        source = workbooks.xlsx_rows(book, layout.sheet, layout.header_row + 1, refusals=REFUSALS, width=width)
    else:
        source = _csv_rows(csv_text(content), layout.delimiter, layout.header_row + 1)
    try:
        count = 0
        for row in source:
            cells = tuple(row.cells[:width]) + (None,) * (width - len(row.cells))
            if workbooks.is_blank(cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise _too_many()
            yield RawRow(row.number, cells)
    finally:
        if book is not None:
            book.close()


# --- one row ------------------------------------------------------------------------
@dataclass
class ParsedRow:
    number: int
    values: dict = field(default_factory=dict)  # Worker fields
    cid: identity.CitizenId | None = None
    #: (field key, message); the field's cell text as read (never the citizen ID's).
    messages: list[tuple[str, str]] = field(default_factory=list)
    cells: dict = field(default_factory=dict)

    @property
    def name_key(self) -> tuple:
        return name_key(self.values.get("full_name", ""), self.values.get("birth_year"),
                        self.values.get("department", ""))


def name_key(full_name: str, birth_year: int | None, department: str) -> tuple:
    """Who a worker is without a citizen ID: name, year of birth and
    department, case- and space-insensitive (accents count: Hương is not Hường)."""
    return (" ".join((full_name or "").casefold().split()), birth_year or 0,
            " ".join((department or "").casefold().split()))


@lru_cache(maxsize=1)
def _choice_words() -> tuple[dict[str, str], dict[str, str]]:
    genders = {"nam": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE, "trai": Gender.MALE,
               "nu": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE, "gai": Gender.FEMALE,
               "khac": Gender.OTHER, "other": Gender.OTHER}
    statuses = {"dang lam viec": EmploymentStatus.EMPLOYED, "dang lam": EmploymentStatus.EMPLOYED,
                "lam viec": EmploymentStatus.EMPLOYED, "chinh thuc": EmploymentStatus.EMPLOYED,
                "employed": EmploymentStatus.EMPLOYED, "active": EmploymentStatus.EMPLOYED,
                "working": EmploymentStatus.EMPLOYED, "thu viec": EmploymentStatus.PROBATION,
                "dang thu viec": EmploymentStatus.PROBATION, "probation": EmploymentStatus.PROBATION,
                "nghi phep": EmploymentStatus.LEAVE, "nghi thai san": EmploymentStatus.LEAVE,
                "thai san": EmploymentStatus.LEAVE, "tam nghi": EmploymentStatus.LEAVE,
                "nghi om": EmploymentStatus.LEAVE, "leave": EmploymentStatus.LEAVE,
                "on leave": EmploymentStatus.LEAVE, "da nghi viec": EmploymentStatus.LEFT,
                "nghi viec": EmploymentStatus.LEFT, "da nghi": EmploymentStatus.LEFT,
                "thoi viec": EmploymentStatus.LEFT, "left": EmploymentStatus.LEFT}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in Gender.choices:
                genders.setdefault(fold(str(label)), value)
            for value, label in EmploymentStatus.choices:
                statuses.setdefault(fold(str(label)), value)
    return genders, statuses


_PHONE = re.compile(r"\+?\d{8,15}")


def _phone(value) -> str:
    """A phone number as typed; a number cell that lost its leading zero
    (912345678) gets it back."""
    text = re.sub(r"[\s.\-()]", "", cell_text(value))
    if not _PHONE.fullmatch(text):
        raise ValueError(_("“%(value)s” is not a phone number.") % {"value": cell_text(value)[:30]})
    if len(text) == 9 and text[0] in "35789":
        text = "0" + text
    return text


def _birth_year(value, *, today: dt.date) -> int:
    """A year (1990, "1990"), or a date of birth (dd/mm/yyyy, a date cell) → its year."""
    year = None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == int(value) \
            and 1000 <= value <= 9999:
        year = int(value)
    else:
        text = cell_text(value)
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
        else:
            try:
                year = workbooks.date_read(value).year
            except ValueError:
                raise ValueError(_("“%(value)s” is not a year of birth: write 1990, or the date of birth as "
                                   "dd/mm/yyyy.") % {"value": text[:30]}) from None
    last = today.year - 14
    if not 1930 <= year <= last:
        raise ValueError(_("A year of birth between 1930 and %(last)d.") % {"last": last})
    return year


def _citizen_id(value) -> identity.CitizenId:
    """The hash and last digits; a number cell that lost its leading zero
    (11 digits) gets it back. The message never repeats the digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else cell_text(value)
    if isinstance(value, int) and len(text) == 11:
        text = "0" + text
    return identity.citizen_id(text)


@lru_cache(maxsize=1)
def _limits() -> dict[str, int]:
    return {key: Worker._meta.get_field(key).max_length for key in TEXT_FIELDS}


@lru_cache(maxsize=1024)
def _choice_of(kind: int, text: str) -> str | None:
    """The choice a word of a list means (lists repeat a handful of words: cached)."""
    return _choice_words()[kind].get(fold(text))


def row_parse(row: RawRow, columns: tuple[str, ...], *, today: dt.date) -> ParsedRow:
    """The values of one row and what is wrong with its cells."""
    parsed = ParsedRow(row.number)
    raw = {key: row.cells[index] for index, key in enumerate(columns) if key and index < len(row.cells)}
    texts = {key: cell_text(value) for key, value in raw.items()}
    parsed.cells = {key: text[:200] for key, text in texts.items() if key != "citizen_id"}
    limits = _limits()
    for key in TEXT_FIELDS:
        text = " ".join(texts.get(key, "").split())
        if len(text) > limits[key]:
            parsed.messages.append((key, _("At most %(limit)d characters (this cell has %(length)d).") % {
                "limit": limits[key], "length": len(text)}))
        elif text:
            parsed.values[key] = text
    if not parsed.values.get("full_name") and not any(key == "full_name" for key, _m in parsed.messages):
        parsed.messages.append(("full_name", _("The full name is missing.")))
    if texts.get("gender"):
        value = _choice_of(0, texts["gender"])
        if value is None:
            parsed.messages.append(("gender", _("“%(value)s” is not a gender: write Nam or Nữ.") % {
                "value": texts["gender"][:40]}))
        else:
            parsed.values["gender"] = value
    if texts.get("employment_status"):
        value = _choice_of(1, texts["employment_status"])
        if value is None:
            parsed.messages.append(("employment_status", _(
                "“%(value)s” is not an employment status we know: write Đang làm việc, Thử việc, Nghỉ phép or Đã "
                "nghỉ việc.") % {"value": texts["employment_status"][:40]}))
        else:
            parsed.values["employment_status"] = value
    for key, parse in (("birth", lambda v: _birth_year(v, today=today)), ("phone", _phone)):
        if not texts.get(key):
            continue
        try:
            parsed.values["birth_year" if key == "birth" else key] = parse(raw[key])
        except ValueError as error:
            parsed.messages.append((key, str(error)))
    if texts.get("citizen_id"):
        try:
            parsed.cid = _citizen_id(raw["citizen_id"])
        except ValidationError as error:
            parsed.messages.append(("citizen_id", error.messages[0]))
    return parsed


# --- what each row is -----------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """What the database holds about the people of a file."""

    here_by_hash: dict[str, int]  # hash → worker id at this enterprise
    here_by_name: dict[tuple, list[tuple[int, str]]]  # name key → [(worker id, hash)]
    elsewhere: dict[str, str]  # hash → the name of another enterprise where it is entered


_IN_CHUNK = 5_000


def facts_read(enterprise_id: int, hashes: Iterable[str], *, elsewhere: bool = True) -> Facts:
    """The enterprise's workers (one query) and the other enterprises where
    the file's citizen IDs are entered (a query per 5.000 IDs)."""
    by_hash: dict[str, int] = {}
    by_name: dict[tuple, list[tuple[int, str]]] = {}
    for pk, id_hash, full_name, birth_year, department in Worker.objects.filter(
            enterprise_id=enterprise_id, anonymised_at__isnull=True).values_list(
            "pk", "id_hash", "full_name", "birth_year", "department").order_by("pk").iterator(chunk_size=5_000):
        if id_hash:
            by_hash.setdefault(id_hash, pk)
        by_name.setdefault(name_key(full_name, birth_year, department), []).append((pk, id_hash))
    other: dict[str, str] = {}
    if elsewhere:
        wanted = sorted(set(hashes) - set(by_hash))
        for start in range(0, len(wanted), _IN_CHUNK):
            for id_hash, name in (Worker.objects.filter(id_hash__in=wanted[start:start + _IN_CHUNK])
                                  .exclude(enterprise_id=enterprise_id).order_by("-created_at", "-pk")
                                  .values_list("id_hash", "enterprise__name")):
                other.setdefault(id_hash, name)
    return Facts(by_hash, by_name, other)


def _entered_here(row: ParsedRow, facts: Facts) -> int | None:
    id_hash = row.cid.hash if row.cid else ""
    if id_hash and id_hash in facts.here_by_hash:
        return facts.here_by_hash[id_hash]
    for pk, held in facts.here_by_name.get(row.name_key, ()):
        if not (id_hash and held and held != id_hash):
            return pk
    return None


def rows_classify(rows: Iterable[ParsedRow], facts: Facts) -> list[dict]:
    """Each row as stored: its outcome, its values (the citizen ID as hash and
    last four digits), its messages, the worker it matches, where it moved from."""
    seen_hash: set[str] = set()
    seen_name: dict[tuple, set[str]] = {}
    stored = []
    for row in rows:
        entry = {"row": row.number, "outcome": Outcome.ERROR.value, "values": {}, "id_hash": "", "id_last4": "",
                 "messages": [list(message) for message in row.messages], "match": None, "from": ""}
        stored.append(entry)
        if row.messages:
            entry["values"] = row.cells
            continue
        entry["values"] = row.values
        id_hash = row.cid.hash if row.cid else ""
        if row.cid:
            entry["id_hash"], entry["id_last4"] = row.cid.hash, row.cid.last4
        key = row.name_key
        earlier = seen_name.get(key, set())
        twice = (id_hash in seen_hash) if id_hash else bool(earlier)
        twice = twice or (bool(id_hash) and "" in earlier)
        seen_name.setdefault(key, set()).add(id_hash)
        if id_hash:
            seen_hash.add(id_hash)
        if twice:
            entry["outcome"] = Outcome.IN_FILE.value
            continue
        match = _entered_here(row, facts)
        if match is not None:
            entry["outcome"], entry["match"] = Outcome.EXISTING.value, match
        elif id_hash and id_hash in facts.elsewhere:
            entry["outcome"], entry["from"] = Outcome.MOVED.value, facts.elsewhere[id_hash]
        else:
            entry["outcome"] = Outcome.NEW.value
    return stored


# --- the import: upload, check ---------------------------------------------------------
def count_field(outcome: str) -> str:
    """The field of ``WorkerImport`` that counts the rows of ``outcome``."""
    return "errors" if outcome == Outcome.ERROR else outcome


def _locked(import_id: int, enterprise_id: int | None = None) -> WorkerImport:
    run = (WorkerImport.objects.select_for_update(of=("self",)).defer("content", "rows")
           .filter(pk=import_id).first())
    if run is None or (enterprise_id is not None and run.enterprise_id != enterprise_id):
        raise WorkerImport.DoesNotExist
    return run


@transaction.atomic
def worker_import_create(*, enterprise_id: int, actor, file_name: str, content: bytes) -> WorkerImport:
    """Take a list of employees for the enterprise: a file that is not one
    is refused (``SpreadsheetRefused``, saying what to do) and nothing is
    stored; otherwise a job checks its rows after this commits."""
    layout = layout_read(content)
    run = WorkerImport.objects.create(
        enterprise_id=enterprise_id, created_by=actor, file_name=(file_name or "workers.xlsx")[:255],
        content=content, language=translation.get_language() or "", columns=list(layout.columns),
        layout={"file_format": layout.file_format, "sheet": layout.sheet, "header_row": layout.header_row,
                "delimiter": layout.delimiter},
        rows_estimate=layout.rows_estimate, created_at=clock.now())
    WorkerImportProgress.objects.create(worker_import=run, total=run.rows_estimate, updated_at=run.created_at)
    _check_queue(run)
    return run


def _check_queue(run: WorkerImport) -> None:
    """Start a check of ``run`` (inside the caller's transaction): a new run
    token makes a check still under way stop; the job starts after commit."""
    token = uuid.uuid4().hex
    WorkerImport.objects.filter(pk=run.pk).update(status=Status.CHECKING, run_token=token, failure="")
    WorkerImportProgress.objects.filter(worker_import_id=run.pk).update(done=0, total=run.rows_estimate,
                                                                        updated_at=clock.now())
    run_id = run.pk
    jobs.after_commit("workflows.people.jobs.worker_import_check", run_id, token,
                                             task_name=f"worker-import-check-{run_id}-{token[:8]}")


class _Superseded(Exception):
    """The import was cancelled, or a newer check took it over: this one stops."""


def _owns(import_id: int, token: str) -> WorkerImport | None:
    run = _locked(import_id)
    return run if run.status == Status.CHECKING and run.run_token == token else None


def worker_import_check_run(*, import_id: int, token: str, report: Callable[[int, int], None] | None = None
                            ) -> None:
    """The work of a check (a job): read and check every row, compare them
    with the workers entered (a few queries for the whole file), store the
    checked rows and the counts, and drop the file. Writes no worker."""
    with transaction.atomic():
        run = _owns(import_id, token)
        if run is None:
            return
        content = bytes(WorkerImport.objects.filter(pk=import_id).values_list("content", flat=True)[0])

    total = run.rows_estimate

    def progress(done: int) -> None:
        nonlocal total
        total = max(total, done)
        with transaction.atomic():
            if _owns(import_id, token) is None:
                raise _Superseded
            WorkerImportProgress.objects.filter(worker_import_id=import_id).update(
                done=done, total=total, updated_at=clock.now())
        if report:
            report(done, total)

    try:
        layout = Layout(columns=tuple(run.columns), rows_estimate=run.rows_estimate, **run.layout) \
            if run.layout else layout_read(content)
        today = clock.today()
        parsed = []
        for row in rows_read(content, layout):
            parsed.append(row_parse(row, layout.columns, today=today))
            if len(parsed) % CHECK_REPORT_EVERY == 0:
                progress(len(parsed))
        del content
        facts = facts_read(run.enterprise_id, (row.cid.hash for row in parsed if row.cid and not row.messages))
        stored = rows_classify(parsed, facts)
        counts = {count_field(value): 0 for value in Outcome.values}
        for entry in stored:
            counts[count_field(entry["outcome"])] += 1
        with transaction.atomic():
            if _owns(import_id, token) is None:
                return
            WorkerImport.objects.filter(pk=import_id).update(
                status=Status.CHECKED, checked_at=clock.now(), content=b"", rows=stored, rows_total=len(stored),
                columns=list(layout.columns), **counts)
            WorkerImportProgress.objects.filter(worker_import_id=import_id).update(
                done=len(stored), total=len(stored), updated_at=clock.now())
        if report:
            report(len(stored), len(stored))
    except _Superseded:
        return
    except SpreadsheetRefused as error:
        _fail(import_id, token, error.message)
    except Exception:
        _fail(import_id, token, _("The check stopped on an unexpected error: nothing was written. Upload the file "
                                  "again; if it fails again, tell the technical administrator."))
        raise


def _fail(import_id: int, token: str | None, message: str) -> None:
    """Mark the import failed with ``message``; the file is dropped (it holds
    citizen IDs in clear) and so are the rows of a check."""
    with transaction.atomic():
        query = WorkerImport.objects.filter(pk=import_id).exclude(status__in=(Status.WRITTEN, Status.CANCELLED))
        if token is not None:
            query = query.filter(run_token=token, status=Status.CHECKING)
        query.update(status=Status.FAILED, failure=message[:2000], content=b"")


# --- confirm, cancel, write -------------------------------------------------------------
def _busy(run: WorkerImport) -> Conflict:
    if run.status == Status.WRITTEN:
        return Conflict(_("This list is already imported."))
    if run.status == Status.CANCELLED:
        return Conflict(_("This import was cancelled: upload the file again."))
    return Conflict(_("This import is “%(status)s” at the moment: wait until it is done, then reload the page.") % {
        "status": run.get_status_display()})


@transaction.atomic
def worker_import_confirm(*, import_id: int, enterprise_id: int, actor) -> WorkerImport:
    """Write the checked list: under the import's row lock, only once (a
    second confirmation — a double click, a second tab — is refused with a
    conflict). The write is a job queued after this commits."""
    run = _locked(import_id, enterprise_id)
    if run.status != Status.CHECKED:
        raise _busy(run)
    if not run.to_write:
        raise ValidationError(_("Every worker of the list is already entered here (or the rows have errors): "
                                "there is nothing to write."))
    now = clock.now()
    WorkerImport.objects.filter(pk=run.pk).update(status=Status.WRITING, confirmed_by=actor, confirmed_at=now)
    WorkerImportProgress.objects.filter(worker_import_id=run.pk).update(done=0, total=run.to_write, updated_at=now)
    run_id = run.pk
    jobs.after_commit("workflows.people.jobs.worker_import_write", run_id,
                                             task_name=f"worker-import-write-{run_id}",
                                             timeout=WRITE_TIMEOUT_SECONDS)
    run.refresh_from_db(fields=["status", "confirmed_by", "confirmed_at"])
    return run


@transaction.atomic
def worker_import_cancel(*, import_id: int, enterprise_id: int, actor) -> WorkerImport:
    """Cancel an import not confirmed yet: its file and checked rows are
    dropped (a check under way stops at its next report)."""
    run = _locked(import_id, enterprise_id)
    if run.status not in OPEN:
        raise _busy(run)
    WorkerImport.objects.filter(pk=run.pk).update(status=Status.CANCELLED, content=b"", rows=[], run_token="")
    run.refresh_from_db(fields=["status"])
    return run


def worker_import_write_run(*, import_id: int, live_progress: bool = False,
                            report: Callable[[int, int], None] | None = None) -> WorkerImport | None:
    """The work of a write (a job), in ONE transaction: lock the import and
    go on only if it is confirmed and not written (a job delivered twice
    finds it written and does nothing); skip the rows entered meanwhile;
    create the workers in batches (``bulk_create``), source "imported", with
    their history; write one audit entry naming them; mark it written. The
    checked rows are dropped but those with errors (for the errors file)."""
    progress = None
    try:
        with transaction.atomic():
            run = _locked(import_id)
            if run.status != Status.WRITING:
                return None
            stored = WorkerImport.objects.filter(pk=import_id).values_list("rows", flat=True)[0]
            wanted = [row for row in stored if row["outcome"] in (Outcome.NEW, Outcome.MOVED)]
            facts = facts_read(run.enterprise_id, (), elsewhere=False)
            actor_id = run.confirmed_by_id or run.created_by_id
            now = clock.now()
            workers, skipped = [], 0
            for row in wanted:
                values = row["values"]
                parsed = ParsedRow(row["row"], values=values,
                                   cid=identity.CitizenId(row["id_hash"], row["id_last4"]) if row["id_hash"] else None)
                if _entered_here(parsed, facts) is not None:
                    skipped += 1
                    continue
                workers.append(Worker(
                    enterprise_id=run.enterprise_id, source=WorkerSource.IMPORTED, created_by_id=actor_id,
                    created_at=now, id_hash=row["id_hash"], id_last4=row["id_last4"],
                    employment_status=values.get("employment_status") or EmploymentStatus.EMPLOYED,
                    **{key: values.get(key, "") for key in (*TEXT_FIELDS, "gender", "phone")},
                    birth_year=values.get("birth_year")))
            progress = LiveProgress(table=WorkerImportProgress._meta.db_table, key_column="worker_import_id",
                                    key=import_id, total=len(workers), live=live_progress, report=report)
            ids: list[int] = []
            for start in range(0, len(workers), WRITE_BATCH):
                batch = Worker.objects.bulk_create(workers[start:start + WRITE_BATCH])
                ids += [worker.pk for worker in batch]
                progress(len(ids))
            WorkerChange.objects.bulk_create(
                [WorkerChange(worker_id=pk, at=now, actor_id=actor_id, kind=WorkerChange.Kind.IMPORTED)
                 for pk in ids], batch_size=WRITE_BATCH)
            audit_record(kind=AuditKind.PERSONAL_DATA_CHANGE, user=run.confirmed_by or run.created_by,
                         detail=f"worker import {run.pk} “{run.file_name}” into enterprise {run.enterprise_id}: "
                                f"{len(ids)} workers created, {skipped} already entered meanwhile",
                         workers=ids)
            WorkerImport.objects.filter(pk=import_id).update(
                status=Status.WRITTEN, written=len(ids), skipped=skipped, written_at=clock.now(),
                rows=[row for row in stored if row["outcome"] == Outcome.ERROR])
            enterprise = Enterprise.objects.select_related("responsible_unit").get(pk=run.enterprise_id)
            import_finished(what="workers", import_id=run.pk, unit=enterprise.responsible_unit,
                            file_name=run.file_name, counts={"written": len(ids), "skipped": skipped})
    except Exception:
        _fail(import_id, None, _("The write stopped on an unexpected error: nothing was written. Upload the file "
                                 "again; if it fails again, tell the technical administrator."))
        raise
    finally:
        if progress is not None:
            progress.close()
    WorkerImportProgress.objects.filter(worker_import_id=import_id).update(
        done=len(ids), total=len(ids), updated_at=clock.now())
    run.refresh_from_db()
    return run


# --- reads ------------------------------------------------------------------------------
def imports_of(enterprise_id: int, *, limit: int = 10) -> list[WorkerImport]:
    """The enterprise's latest imports, without the file and the rows."""
    return list(WorkerImport.objects.filter(enterprise_id=enterprise_id).select_related("created_by")
                .defer("content", "rows")[:limit])


def import_of(enterprise_id: int, import_id: int) -> WorkerImport | None:
    return (WorkerImport.objects.filter(enterprise_id=enterprise_id, pk=import_id)
            .select_related("created_by", "confirmed_by").defer("content", "rows").first())


@dataclass(frozen=True)
class ProgressShown:
    done: int
    total: int
    stalled: bool

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress_of(run: WorkerImport, *, now) -> ProgressShown:
    row = WorkerImportProgress.objects.filter(worker_import_id=run.pk).first()
    if row is None:
        return ProgressShown(0, 0, False)
    quiet = (now - row.updated_at).total_seconds() if row.updated_at else 0
    return ProgressShown(row.done, max(row.total, row.done), quiet > STALLED_AFTER_SECONDS)


@dataclass(frozen=True)
class RowShown:
    number: int
    outcome: str
    outcome_label: str
    full_name: str
    birth_year: object
    department: str
    id_last4: str
    moved_from: str
    match: int | None
    messages: tuple[tuple[str, str], ...]  # (column label, message)


def column_label(key: str) -> str:
    return str(FIELDS[key].label) if key in FIELDS else key


def rows_shown(run: WorkerImport, *, outcome: str = "", limit: int = PREVIEW_ROWS) -> list[RowShown]:
    """The first ``limit`` checked rows (of one outcome, when given)."""
    stored = WorkerImport.objects.filter(pk=run.pk).values_list("rows", flat=True)[0]
    shown = []
    for row in stored:
        if outcome and row["outcome"] != outcome:
            continue
        values = row["values"]
        shown.append(RowShown(
            row["row"], row["outcome"], str(Outcome(row["outcome"]).label), values.get("full_name", ""),
            values.get("birth_year") or values.get("birth", ""), values.get("department", ""), row["id_last4"],
            row["from"], row["match"], tuple((column_label(key), text) for key, text in row["messages"])))
        if len(shown) >= limit:
            break
    return shown


def errors_workbook(run: WorkerImport):
    """The rows with errors (an XLSX file object): row number, column,
    message, and the row's cells — but the citizen ID, which is not kept."""
    stored = WorkerImport.objects.filter(pk=run.pk).values_list("rows", flat=True)[0]
    keys = [key for key in (run.columns or []) if key and key != "citizen_id"]
    book = Spreadsheet()
    sheet = book.sheet(_("Errors"), widths=[8, 22, 60] + [18] * len(keys))
    sheet.append([_("Row"), _("Column"), _("Error")] + [column_label(key) for key in keys], bold=True)
    for row in stored:
        if row["outcome"] != Outcome.ERROR:
            continue
        cells = [row["values"].get(key, "") for key in keys]
        for key, text in row["messages"]:
            sheet.append([row["row"], column_label(key), text, *cells])
    return book.file()


def template_workbook():
    """An empty list to fill in (an XLSX file object): the headers only."""
    book = Spreadsheet()
    sheet = book.sheet(_("Workers"), widths=[28, 10, 14, 16, 22, 14, 10, 20, 14, 14, 20, 18])
    with translation.override("vi"):
        headers = [str(column.label) for column in COLUMNS]
    sheet.append(headers, bold=True)
    return book.file()


#: How long an import keeps the rows it checked (names, the hash of citizen IDs) once uploaded.
IMPORT_KEPT_DAYS = 30


def imports_forget_stale(*, now) -> int:
    """Decree 13/2023: an import keeps the personal data it read only as long
    as it is needed. ``IMPORT_KEPT_DAYS`` after its upload, an import left
    unconfirmed (checked, failed, or never checked) is cancelled, and every
    import's stored rows and file are dropped (the counts stay). Returns how
    many imports it cleared; a second run clears none."""
    stale = WorkerImport.objects.filter(created_at__lt=now - dt.timedelta(days=IMPORT_KEPT_DAYS)) \
        .exclude(rows=[], content=b"")
    cleared = 0
    with transaction.atomic():  # a thousand a run (a daily job): bounded work, an import being written is skipped
        for run in stale.select_for_update(skip_locked=True).only("pk", "status").order_by("pk")[:1000]:
            fields = {"rows": [], "content": b""}
            if run.status not in (Status.WRITTEN, Status.CANCELLED, Status.WRITING):
                fields["status"] = Status.CANCELLED
            WorkerImport.objects.filter(pk=run.pk).update(**fields)
            cleared += 1
    return cleared
