"""Reading and checking the organisation template: units, people, working
groups and roles in an XLSX workbook.

Everything here is pure: bytes and facts in, rows and verdicts out, no
database. ``imports`` reads the facts (the units, accounts, groups and
grants the file names), stores the verdicts and writes through the
organisation services.

- ``layout_read`` finds the two sheets, "Đơn vị" (units) and "Cán bộ"
  (people), by their title or their header row (Vietnamese or English
  headers, accent- and case-insensitive), and refuses a file that is not the
  template with a message that says what to do; ``rows_read`` then reads
  their rows (``workflows.core.workbooks``: the file's hostile forms are
  refused there).
- ``unit_row_parse`` and ``person_row_parse`` turn a row into values and
  per-cell errors (a formula is an error: a value is typed, not computed).
- ``plan_make`` decides, against the facts, what each row does — create,
  update, unchanged, or an error with its reason — and what the write will
  call, in order: units (parents first), working groups, accounts, roles.
- ``template_workbook`` and ``errors_workbook`` write the template and the
  file of rows with their errors (``workflows.core.spreadsheets``: no text
  is ever taken for a formula).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _, pgettext_lazy

from workflows.core import workbooks
from workflows.core.spreadsheets import Spreadsheet
from workflows.core.text import fold
from workflows.core.workbooks import SpreadsheetRefused, cell_stored, cell_text, header_key
from workflows.organisation.permissions import Role

from .models import RowOutcome

MAX_FILE_BYTES = 10 * 1024 * 1024
#: Rows a sheet may hold: a federation's whole organisation, with room to spare.
MAX_ROWS = 20_000
#: A row numbered beyond this (rows far below, or declared empty rows) means the file is not a template.
MAX_ROW_NUMBER = 50_000
#: Sheets looked at for the two tables (a workbook of a thousand sheets is not a template).
MAX_SHEETS = 12
HEADER_SEARCH_ROWS = 20
#: The unit tree's materialised path: 4 characters a level, 255 in all (treebeard's MP_Node).
STEP_LENGTH = 4
MAX_DEPTH = 255 // STEP_LENGTH
#: Columns read while the header row is looked for.
HEADER_WIDTH = 40
UNITS, PEOPLE = "units", "people"


class ImportRole(StrEnum):
    ADMINISTRATOR = "administrator"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    OFFICER = "officer"
    LEADER = "leader"
    COLLABORATOR = "collaborator"


ROLE_LABELS = {
    ImportRole.ADMINISTRATOR: pgettext_lazy("organisation import role", "administrator"),
    ImportRole.SUPERVISOR: pgettext_lazy("organisation import role", "supervisor"),
    ImportRole.MANAGER: pgettext_lazy("organisation import role", "manager"),
    ImportRole.OFFICER: pgettext_lazy("organisation import role", "officer"),
    ImportRole.LEADER: pgettext_lazy("organisation import role", "leader"),
    ImportRole.COLLABORATOR: pgettext_lazy("organisation import role", "collaborator"),
}
#: The roles granted on the row's unit, and the grant each is.
UNIT_ROLE_OF = {ImportRole.ADMINISTRATOR: Role.ADMINISTRATOR, ImportRole.SUPERVISOR: Role.SUPERVISOR,
                ImportRole.MANAGER: Role.MANAGER}
#: The roles held in a working group (each makes the person a member, an officer).
GROUP_ROLES = (ImportRole.OFFICER, ImportRole.LEADER, ImportRole.COLLABORATOR)
_ROLE_ALIASES = {
    ImportRole.ADMINISTRATOR: ("quan tri", "quan tri vien", "admin", "administrator"),
    ImportRole.SUPERVISOR: ("giam sat", "supervisor"),
    ImportRole.MANAGER: ("lanh dao", "manager"),
    ImportRole.OFFICER: ("can bo", "thanh vien", "officer", "member"),
    ImportRole.LEADER: ("to truong", "leader", "group leader"),
    ImportRole.COLLABORATOR: ("cong tac vien", "ctv", "collaborator"),
}


# --- columns ------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy translation
    aliases: tuple[str, ...]
    width: float = 18


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", pgettext_lazy("organisation import column", "Unit code"), (
        "ma don vi", "ma", "ma dv", "code", "unit code"), 22),
    Column("name", pgettext_lazy("organisation import column", "Unit name"), (
        "ten don vi", "ten", "ten dv", "don vi", "name", "unit name", "unit"), 44),
    Column("parent", pgettext_lazy("organisation import column", "Parent unit code"), (
        "ma don vi cap tren", "ma cap tren", "don vi cap tren", "cap tren", "ma don vi cha", "parent",
        "parent code", "parent unit", "parent unit code"), 22),
    Column("kind", pgettext_lazy("organisation import column", "Unit kind"), (
        "loai don vi", "loai", "cap don vi", "kind", "unit kind", "type"), 36),
)
PEOPLE_COLUMNS: tuple[Column, ...] = (
    Column("username", pgettext_lazy("organisation import column", "User name"), (
        "ten dang nhap", "tai khoan", "ten tai khoan", "username", "user name", "login"), 18),
    Column("full_name", pgettext_lazy("organisation import column", "Full name"), (
        "ho va ten", "ho ten", "ten can bo", "full name", "name"), 26),
    Column("email", pgettext_lazy("organisation import column", "E-mail"), (
        "e-mail", "email", "thu dien tu", "dia chi e-mail", "dia chi email", "mail"), 28),
    Column("phone", pgettext_lazy("organisation import column", "Phone"), (
        "dien thoai", "so dien thoai", "sdt", "dt", "phone", "phone number", "mobile"), 14),
    Column("position", pgettext_lazy("organisation import column", "Position"), (
        "chuc vu", "position", "title", "job title"), 22),
    Column("unit", pgettext_lazy("organisation import column", "Unit code"), (
        "ma don vi", "don vi", "unit code", "unit"), 22),
    Column("group", pgettext_lazy("organisation import column", "Working group"), (
        "to cong tac", "to", "working group", "group"), 24),
    Column("role", pgettext_lazy("organisation import column", "Role"), ("vai tro", "role"), 16),
    Column("until", pgettext_lazy("organisation import column", "Until"), (
        "den ngay", "ngay ket thuc", "han", "until", "end date", "access until"), 13),
)
COLUMNS = {UNITS: UNIT_COLUMNS, PEOPLE: PEOPLE_COLUMNS}
REQUIRED = {UNITS: ("code", "name"), PEOPLE: ("username", "unit")}
SHEET_TITLES = {UNITS: pgettext_lazy("organisation import sheet", "Units"),
                PEOPLE: pgettext_lazy("organisation import sheet", "People")}
INSTRUCTIONS_TITLE = pgettext_lazy("organisation import sheet", "Instructions")
ERROR_LABEL = pgettext_lazy("organisation import column", "Errors")
_TITLE_ALIASES = {UNITS: ("don vi", "units", "unit"), PEOPLE: ("can bo", "nhan su", "people", "persons", "staff")}
_INSTRUCTION_ALIASES = ("huong dan", "instructions", "guide")
#: Columns a filled-in template may carry that the import leaves out (a row
#: number, notes, the error column of the file of rows with errors).
_IGNORED = ("stt", "tt", "so tt", "no", "no.", "#", "ghi chu", "note", "notes", "loi", "error", "errors")


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@lru_cache(maxsize=4)
def _alias_tables(language: str) -> dict[str, dict[str, str]]:
    """sheet kind → folded header → column key ("" for a column left out);
    the template's labels in every language are recognised too."""
    tables: dict[str, dict[str, str]] = {}
    for kind, columns in COLUMNS.items():
        table: dict[str, str] = {}
        for column in columns:
            for alias in column.aliases:
                table.setdefault(header_key(alias), column.key)
        for alias in _IGNORED:
            table.setdefault(header_key(alias), "")
        for code in _languages():
            with translation.override(code):
                for column in columns:
                    table.setdefault(header_key(column.label), column.key)
                table.setdefault(header_key(ERROR_LABEL), "")
        tables[kind] = table
    return tables


def alias_tables() -> dict[str, dict[str, str]]:
    return _alias_tables(translation.get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=4)
def _title_table(language: str) -> dict[str, str]:
    table = {alias: kind for kind, aliases in _TITLE_ALIASES.items() for alias in aliases}
    table.update(dict.fromkeys(_INSTRUCTION_ALIASES, ""))
    for code in _languages():
        with translation.override(code):
            for kind, title in SHEET_TITLES.items():
                table.setdefault(fold(str(title)), kind)
            table.setdefault(fold(str(INSTRUCTIONS_TITLE)), "")
    return table


@lru_cache(maxsize=4)
def _role_table(language: str) -> dict[str, ImportRole]:
    table = {alias: role for role, aliases in _ROLE_ALIASES.items() for alias in aliases}
    for code in _languages():
        with translation.override(code):
            for role, label in ROLE_LABELS.items():
                table.setdefault(fold(str(label)), role)
    return table


def column_label(kind: str, key: str) -> str:
    return next((str(c.label) for c in COLUMNS[kind] if c.key == key), "")


def sheet_title(kind: str) -> str:
    return str(SHEET_TITLES[kind])


# --- the workbook's layout ------------------------------------------------------------
@dataclass(frozen=True)
class SheetLayout:
    kind: str  # UNITS or PEOPLE
    index: int
    title: str
    header_row: int
    headers: tuple[str, ...]
    keys: tuple[str, ...]  # per header cell: the column key, "" for a column left out
    rows_estimate: int


@dataclass(frozen=True)
class Layout:
    units: SheetLayout | None
    people: SheetLayout | None

    @property
    def sheets(self) -> tuple[SheetLayout, ...]:
        return tuple(s for s in (self.units, self.people) if s is not None)

    @property
    def rows_estimate(self) -> int:
        return sum(s.rows_estimate for s in self.sheets)


def _not_the_template() -> SpreadsheetRefused:
    return SpreadsheetRefused(_("This is not the organisation template: it has no sheet “%(units)s” or “%(people)s” "
                                "with the template's column headers. Download the template, fill it in and upload "
                                "it.") % {"units": sheet_title(UNITS), "people": sheet_title(PEOPLE)})


def _recognised(row: workbooks.RawRow) -> dict[str, dict[int, str]]:
    """sheet kind → {cell index: column key} for the header cells of ``row`` each table knows."""
    found: dict[str, dict[int, str]] = {}
    for kind, table in alias_tables().items():
        found[kind] = {index: table[header_key(cell)] for index, cell in enumerate(row.cells)
                       if cell_text(cell) and header_key(cell) in table}
    return found


def _header_of(book, index: int) -> tuple[workbooks.RawRow, dict[str, dict[int, str]]] | None:
    """The sheet's header row (the first of the top rows that names two columns of a table) and what it names."""
    seen = 0
    for row in workbooks.xlsx_rows(book, index, refusals=workbooks.XLSX_ONLY, width=HEADER_WIDTH):
        if workbooks.is_blank(row.cells):
            continue
        seen += 1
        found = _recognised(row)
        if any(len({k for k in keys.values() if k}) >= 2 for keys in found.values()):
            return row, found
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def _sheet_kind(title: str, found: dict[str, dict[int, str]]) -> str:
    by_title = _title_table(translation.get_language() or "").get(fold(title))
    if by_title:
        return by_title
    named = {kind: {k for k in keys.values() if k} for kind, keys in found.items()}
    if named[PEOPLE] & {"username", "role", "full_name", "email"}:
        return PEOPLE
    return UNITS if len(named[UNITS]) >= len(named[PEOPLE]) else PEOPLE


def _layout_of(kind: str, index: int, title: str, header: workbooks.RawRow, keys: dict[int, str],
               declared_rows) -> SheetLayout:
    headers = [cell_text(c)[:200] for c in header.cells]
    while headers and not headers[-1]:
        headers.pop()
    problems = []
    named = [keys.get(i) for i in range(len(headers))]
    unknown = [text for text, key in zip(headers, named, strict=True) if text and key is None]
    if unknown:
        problems.append(_("The sheet “%(sheet)s” has columns the template does not have: %(columns)s. Use the "
                          "template's column headers, or delete these columns.") % {
            "sheet": title, "columns": ", ".join(f"“{text}”" for text in unknown)})
    chosen = [key for key in named if key]
    for key in sorted({k for k in chosen if chosen.count(k) > 1}):
        problems.append(_("The sheet “%(sheet)s” has the column “%(column)s” more than once: keep one.") % {
            "sheet": title, "column": column_label(kind, key)})
    for key in REQUIRED[kind]:
        if key not in chosen:
            problems.append(_("The sheet “%(sheet)s” lacks the column “%(column)s”.") % {
                "sheet": title, "column": column_label(kind, key)})
    if problems:
        raise SpreadsheetRefused(*problems)
    declared = declared_rows if isinstance(declared_rows, int) else 0
    estimate = min(max(declared - header.number, 0), MAX_ROWS)
    return SheetLayout(kind, index, title, header.number, tuple(headers), tuple(k or "" for k in named), estimate)


def layout_read(content: bytes) -> Layout:
    """Where the units and the people are in an uploaded file, or
    ``SpreadsheetRefused`` with what to do. Reads the top rows only."""
    if not content:
        raise SpreadsheetRefused(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetRefused(_("The file is larger than %(size)d MB: split it into smaller files.") % {
            "size": MAX_FILE_BYTES // 2**20})
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetRefused(_("This is an old Excel file (.xls): open it in Excel, save it as .xlsx and "
                                   "upload that."))
    if not content.startswith(b"PK\x03\x04"):
        raise SpreadsheetRefused(_("The file is not an Excel workbook (.xlsx): download the template, fill it in "
                                   "and upload it as .xlsx."))
    book = workbooks.xlsx_open(content, refusals=workbooks.XLSX_ONLY, formulas=True)
    try:
        sheets: dict[str, SheetLayout] = {}
        for index, worksheet in enumerate(book.worksheets[:MAX_SHEETS]):
            if _title_table(translation.get_language() or "").get(fold(worksheet.title)) == "":
                continue  # the instructions
            found = _header_of(book, index)
            if found is None:
                continue
            header, recognised = found
            kind = _sheet_kind(worksheet.title, recognised)
            if kind in sheets:
                raise SpreadsheetRefused(_("The workbook has two sheets of %(what)s: “%(first)s” and “%(second)s”. "
                                           "Put their rows in one sheet.") % {
                    "what": sheet_title(kind), "first": sheets[kind].title, "second": worksheet.title})
            sheets[kind] = _layout_of(kind, index, worksheet.title, header, recognised[kind], worksheet.max_row)
    finally:
        book.close()
    if not sheets:
        raise _not_the_template()
    return Layout(sheets.get(UNITS), sheets.get(PEOPLE))


def rows_read(content: bytes, layout: Layout) -> Iterator[tuple[SheetLayout, workbooks.RawRow]]:
    """The data rows of both sheets (units first), blank rows left out."""
    book = workbooks.xlsx_open(content, refusals=workbooks.XLSX_ONLY, formulas=True)
    try:
        for sheet in layout.sheets:
            count = 0
            width = len(sheet.headers)
            for row in workbooks.xlsx_rows(book, sheet.index, sheet.header_row + 1, refusals=workbooks.XLSX_ONLY,
                                           width=width):
                if row.number > MAX_ROW_NUMBER:
                    raise SpreadsheetRefused(_("The sheet “%(sheet)s” has rows beyond row %(limit)s: this is not a "
                                               "template we can import. Delete the rows below your data.") % {
                        "sheet": sheet.title, "limit": _grouped(MAX_ROW_NUMBER)})
                if workbooks.is_blank(row.cells):
                    continue
                count += 1
                if count > MAX_ROWS:
                    raise SpreadsheetRefused(_("The sheet “%(sheet)s” has more than %(rows)s rows: split the file.")
                                             % {"sheet": sheet.title, "rows": _grouped(MAX_ROWS)})
                yield sheet, row
    finally:
        book.close()


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", ".")


# --- rows -----------------------------------------------------------------------------
@dataclass
class UnitRow:
    number: int
    code: str = ""  # as the database spells it: letters, digits and hyphens, no accents
    code_alt: str = ""  # as an older unit's code may spell it (accents dropped, not folded)
    parent: str = ""  # "" : the unit imported under
    parent_alt: str = ""
    parent_text: str = ""
    name: str = ""
    kind: str = ""  # as written
    cells: tuple = ()
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column key, reason)


@dataclass
class PersonRow:
    number: int
    username: str = ""
    full_name: str = ""
    email: str = ""
    phone: str = ""
    position: str = ""
    unit: str = ""
    unit_alt: str = ""
    unit_text: str = ""
    group: str = ""
    role: ImportRole | None = None
    until: dt.date | None = None
    cells: tuple = ()
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.username.casefold()


_PLAIN = (str, int, float, bool, dt.date, dt.datetime, dt.time)


def _values(sheet: SheetLayout, row: workbooks.RawRow, errors: list) -> dict[str, object]:
    """column key → the row's cell; a formula is an error, not a value."""
    values: dict[str, object] = {}
    for index, key in enumerate(sheet.keys):
        if not key or index >= len(row.cells):
            continue
        value = row.cells[index]
        # A formula cell reads as "=…" (the workbook is opened with its formulas); so does
        # text our own files wrote with a quote in front: neither is a value typed in.
        if (value is not None and not isinstance(value, _PLAIN)) or (isinstance(value, str)
                                                                      and cell_text(value).startswith("=")):
            shown = (cell_text(value) if isinstance(value, str) else str(getattr(value, "text", value)))[:40]
            errors.append((key, _("The cell holds a formula (“%(formula)s”): type the value itself.") % {
                "formula": shown}))
            continue
        values[key] = value
    return values


def _text(value, *, limit: int, key: str, errors: list) -> str:
    text = " ".join(cell_text(value).split())
    if len(text) > limit:
        errors.append((key, _("At most %(limit)d characters (this cell has %(length)d).") % {
            "limit": limit, "length": len(text)}))
        return ""
    return text


def unit_code(text: str) -> tuple[str, str]:
    """A code as the database spells it ("LĐLĐ Từ Sơn" → "ldld-tu-son"),
    and as an older unit's code may (accents dropped, "đ" lost)."""
    return slugify(fold(text)), slugify(text)


def _code(value, key: str, errors: list) -> tuple[str, str, str]:
    text = cell_text(value)
    if not text:
        return "", "", ""
    code, alt = unit_code(text)
    if not code:
        errors.append((key, _("“%(value)s” is not a unit code: use letters, digits and hyphens.") % {
            "value": text[:60]}))
    elif len(code) > 60:
        errors.append((key, _("A unit code has at most 60 characters.")))
        code = ""
    return code, alt, text


def unit_row_parse(sheet: SheetLayout, row: workbooks.RawRow) -> UnitRow:
    parsed = UnitRow(row.number, cells=tuple(cell_stored(c) for c in row.cells))
    values = _values(sheet, row, parsed.errors)
    parsed.code, parsed.code_alt, code_text = _code(values.get("code"), "code", parsed.errors)
    if not code_text and not any(key == "code" for key, _m in parsed.errors):
        parsed.errors.append(("code", _("The unit code is missing.")))
    parsed.name = _text(values.get("name"), limit=255, key="name", errors=parsed.errors)
    if not parsed.name and not any(key == "name" for key, _m in parsed.errors):
        parsed.errors.append(("name", _("The unit name is missing.")))
    parsed.parent, parsed.parent_alt, parsed.parent_text = _code(values.get("parent"), "parent", parsed.errors)
    parsed.kind = _text(values.get("kind"), limit=120, key="kind", errors=parsed.errors)
    return parsed


_USERNAME = UnicodeUsernameValidator()


def parse_role(text: str) -> ImportRole:
    role = _role_table(translation.get_language() or "").get(fold(text))
    if role is None:
        raise ValueError(_("“%(value)s” is not a role: write one of %(roles)s.") % {
            "value": text[:60], "roles": ", ".join(str(label) for label in ROLE_LABELS.values())})
    return role


def parse_phone(value) -> str:
    """Digits (and a leading +); a number cell that lost its leading zero in Excel (912345678) gets it back."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return "0" + text if len(text) == 9 else text
    text = re.sub(r"[\s.\-()]", "", cell_text(value))
    if not text.lstrip("+").isdigit() or not text.isascii() or "+" in text[1:]:
        raise ValueError(_("“%(value)s” is not a phone number: digits only (and a leading +).") % {
            "value": cell_text(value)[:40]})
    if len(text) > 20:
        raise ValueError(_("A phone number has at most 20 digits."))
    return text


def person_row_parse(sheet: SheetLayout, row: workbooks.RawRow, *, today: dt.date) -> PersonRow:
    parsed = PersonRow(row.number, cells=tuple(cell_stored(c) for c in row.cells))
    errors = parsed.errors
    values = _values(sheet, row, errors)
    username = cell_text(values.get("username"))
    if not username:
        if not any(key == "username" for key, _m in errors):
            errors.append(("username", _("The user name is missing.")))
    elif len(username) > 150:
        errors.append(("username", _("A user name has at most 150 characters.")))
    else:
        try:
            _USERNAME(username)
            parsed.username = username
        except ValidationError:
            errors.append(("username", _("“%(value)s” is not a user name: letters, digits and @ . + - _ only, no "
                                         "spaces.") % {"value": username[:60]}))
    parsed.full_name = _text(values.get("full_name"), limit=150, key="full_name", errors=errors)
    email = cell_text(values.get("email")).lower()
    if email:
        try:
            validate_email(email)
            parsed.email = email
        except ValidationError:
            errors.append(("email", _("“%(value)s” is not an e-mail address.") % {"value": email[:80]}))
    if cell_text(values.get("phone")):
        try:
            parsed.phone = parse_phone(values.get("phone"))
        except ValueError as error:
            errors.append(("phone", str(error)))
    parsed.position = _text(values.get("position"), limit=120, key="position", errors=errors)
    parsed.unit, parsed.unit_alt, parsed.unit_text = _code(values.get("unit"), "unit", errors)
    if not parsed.unit_text and not any(key == "unit" for key, _m in errors):
        errors.append(("unit", _("The unit code is missing.")))
    parsed.group = _text(values.get("group"), limit=255, key="group", errors=errors)
    role_text = cell_text(values.get("role"))
    if role_text:
        try:
            parsed.role = parse_role(role_text)
        except ValueError as error:
            errors.append(("role", str(error)))
    elif parsed.group:
        parsed.role = ImportRole.OFFICER  # a group without a role: a member of it
    if cell_text(values.get("until")):
        try:
            parsed.until = workbooks.date_read(values.get("until"))
        except ValueError as error:
            errors.append(("until", str(error)))
        else:
            if parsed.until < today:
                errors.append(("until", _("The end date %(day)s has passed.") % {"day": f"{parsed.until:%d/%m/%Y}"}))
    if parsed.role in UNIT_ROLE_OF and parsed.group:
        errors.append(("group", _("A %(role)s holds the role on the unit: leave the working group empty (give the "
                                  "person another row to make them a member of a group).") % {
            "role": ROLE_LABELS[parsed.role]}))
    if parsed.role in GROUP_ROLES and not parsed.group and not any(k == "group" for k, _m in errors):
        errors.append(("group", _("Name the working group of this %(role)s.") % {"role": ROLE_LABELS[parsed.role]}))
    if parsed.role == ImportRole.COLLABORATOR and parsed.until is None and not any(k == "until" for k, _m in errors):
        errors.append(("until", _("A collaborator needs the date their access ends (dd/mm/yyyy).")))
    if parsed.until is not None and parsed.role != ImportRole.COLLABORATOR:
        errors.append(("until", _("Only a collaborator has an end date: leave it empty for this role.")))
    return parsed


# --- facts (what the database holds), read by ``imports`` -----------------------------
@dataclass(frozen=True)
class UnitFact:
    pk: int
    code: str
    name: str
    kind_id: int
    path: str
    parent_code: str
    is_active: bool


@dataclass(frozen=True)
class KindFact:
    pk: int
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class PersonFact:
    pk: int
    username: str
    full_name: str
    email: str
    phone: str
    position: str
    unit_code: str  # "" : no unit
    is_active: bool
    is_collaborator: bool
    access_until: dt.date | None
    administered: bool  # may the importing administrator keep this account?


@dataclass(frozen=True)
class GroupFact:
    pk: int
    unit_code: str
    name: str
    leader_id: int | None
    is_active: bool


@dataclass(frozen=True)
class Facts:
    import_unit: UnitFact
    units: dict[str, UnitFact]  # code → unit
    kinds: tuple[KindFact, ...]
    people: dict[str, PersonFact]  # user name, case-folded → account
    emails: dict[str, PersonFact]  # e-mail, lower case → account
    groups: dict[tuple[str, str], GroupFact]  # (unit code, name case-folded) → group
    unit_grants: frozenset[tuple[int, str, str]]  # (user, unit code, role codename)
    group_members: frozenset[tuple[int, int]]  # (user, group)

    def inside(self, unit: UnitFact) -> bool:
        return unit.path.startswith(self.import_unit.path)


def names_wanted(units: list[UnitRow], people: list[PersonRow]) -> tuple[set[str], set[str], set[str]]:
    """The unit codes, user names (case-folded) and e-mails the facts must cover."""
    codes = {c for u in units for c in (u.code, u.code_alt, u.parent, u.parent_alt) if c}
    codes |= {c for p in people for c in (p.unit, p.unit_alt) if c}
    return codes, {p.key for p in people if p.username}, {p.email for p in people if p.email}


# --- verdicts and the plan ------------------------------------------------------------
@dataclass
class Verdict:
    sheet: str
    number: int
    key: str
    name: str
    cells: tuple
    messages: list[tuple[str, str]] = field(default_factory=list)  # (column key, reason)
    notes: list[str] = field(default_factory=list)  # what the row does
    creates: bool = False
    updates: bool = False

    @property
    def outcome(self) -> str:
        if self.messages:
            return RowOutcome.ERROR
        if self.creates:
            return RowOutcome.CREATE
        return RowOutcome.UPDATE if self.updates else RowOutcome.UNCHANGED

    def error(self, key: str, text: str) -> None:
        self.messages.append((key, text))

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "row": self.number, "key": self.key, "name": self.name,
                "outcome": str(self.outcome), "messages": [[column_label(self.sheet, k) if k else "", t]
                                                          for k, t in self.messages],
                "notes": list(self.notes), "cells": list(self.cells)}


@dataclass(frozen=True)
class Where:
    """The row an action comes from, to say which row a refusal at write time is about."""

    sheet: str
    number: int


@dataclass(frozen=True)
class UnitCreate:
    where: Where
    code: str
    name: str
    kind_id: int
    parent: str


@dataclass(frozen=True)
class UnitUpdate:
    where: Where
    pk: int
    name: str
    kind_id: int | None


@dataclass(frozen=True)
class PersonValues:
    where: Where
    username: str
    pk: int | None  # None: a new account
    full_name: str
    email: str
    phone: str
    position: str
    unit: str
    is_collaborator: bool
    access_until: dt.date | None


@dataclass(frozen=True)
class GroupKey:
    unit: str
    name: str


@dataclass(frozen=True)
class Grant:
    where: Where
    username: str
    role: ImportRole
    unit: str
    group: GroupKey | None = None
    access_until: dt.date | None = None


@dataclass
class Plan:
    verdicts: list[Verdict] = field(default_factory=list)
    units_create: list[UnitCreate] = field(default_factory=list)  # parents first
    units_update: list[UnitUpdate] = field(default_factory=list)
    groups_create: list[tuple[Where, GroupKey]] = field(default_factory=list)
    people_create: list[PersonValues] = field(default_factory=list)
    people_update: list[PersonValues] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)  # unit roles and group memberships
    leaders: list[Grant] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for v in self.verdicts if v.messages)

    def outcomes(self) -> dict[str, int]:
        counts = dict.fromkeys(RowOutcome.values, 0)
        for verdict in self.verdicts:
            counts[verdict.outcome] += 1
        return counts

    def counts(self) -> dict[str, int]:
        """What the write does, by kind (the page's summary and the history's)."""
        return {"units_created": len(self.units_create), "units_updated": len(self.units_update),
                "groups_created": len(self.groups_create), "people_created": len(self.people_create),
                "people_updated": len(self.people_update),
                "roles_granted": sum(1 for g in self.grants if g.role in UNIT_ROLE_OF),
                "members_added": sum(1 for g in self.grants if g.role in GROUP_ROLES),
                "leaders_set": len(self.leaders),
                "invitable": sum(1 for p in self.people_create if p.email)}

    @property
    def actions(self) -> int:
        return (len(self.units_create) + len(self.units_update) + len(self.groups_create) + len(self.people_create)
                + len(self.people_update) + len(self.grants) + len(self.leaders))


#: The example rows the template carries: a row equal to one of them was left in by mistake.
EXAMPLE_UNITS = (("vd-ldld-khu-vuc-1", "Liên đoàn Lao động khu vực 1 (ví dụ)", "district_federation"),
                 ("vd-cd-kcn", "Công đoàn các Khu công nghiệp (ví dụ)", "industrial_zone_union"))
EXAMPLE_PEOPLE = (
    ("vd.nguyenvana", "Nguyễn Văn A (ví dụ)", "vd.nguyenvana@example.vn", "0912345678", "Trưởng ban Tổ chức",
     "vd-ldld-khu-vuc-1", "", ImportRole.SUPERVISOR, None),
    ("vd.tranthib", "Trần Thị B (ví dụ)", "vd.tranthib@example.vn", "0912345679", "Cán bộ Ban Tổ chức",
     "vd-ldld-khu-vuc-1", "Tổ công tác số 1 (ví dụ)", ImportRole.LEADER, None),
    ("vd.lethic", "Lê Thị C (ví dụ)", "vd.lethic@example.vn", "", "Cán bộ", "vd-ldld-khu-vuc-1",
     "Tổ công tác số 1 (ví dụ)", ImportRole.OFFICER, None),
    ("vd.phamvand", "Phạm Văn D (ví dụ)", "", "0987654321", "Cán bộ hưu trí", "vd-ldld-khu-vuc-1",
     "Tổ công tác số 1 (ví dụ)", ImportRole.COLLABORATOR, "end of next year"),
)
_EXAMPLE_UNIT_KEYS = {(code, name) for code, name, _kind in EXAMPLE_UNITS}
_EXAMPLE_PERSON_KEYS = {(row[0], row[1]) for row in EXAMPLE_PEOPLE}


def _example_left(verdict: Verdict) -> None:
    verdict.error("", _("This is an example row of the template: delete it, or write your own data over it."))


class _Checker:
    """The checks of one file against the facts: ``plan_make``."""

    def __init__(self, units: list[UnitRow], people: list[PersonRow], facts: Facts):
        self.units, self.people, self.facts = units, people, facts
        self.plan = Plan()
        self.top = facts.import_unit
        # The file's units by code; a code given twice is nobody's.
        seen: dict[str, list[int]] = {}
        for row in units:
            if row.code:
                row.code = self._canonical(row.code, row.code_alt, file_codes=set())
                seen.setdefault(row.code, []).append(row.number)
        self.repeated = {code: numbers for code, numbers in seen.items() if len(numbers) > 1}
        self.in_file = {row.code: row for row in units if row.code and row.code not in self.repeated}
        self.unit_verdicts: dict[int, Verdict] = {}

    def _canonical(self, code: str, alt: str, *, file_codes) -> str:
        """The code a reference means: the file's or the database's, as either spells it."""
        for candidate in (code, alt):
            if candidate and (candidate in file_codes or candidate in self.facts.units):
                return candidate
        return code

    def _unit_label(self, code: str) -> str:
        if code in self.in_file:
            return self.in_file[code].name or code
        fact = self.facts.units.get(code)
        return fact.name if fact else code

    # --- units
    def _kind(self, text: str) -> KindFact | None:
        folded = fold(text)
        for kind in self.facts.kinds:
            if folded in (fold(kind.code), fold(kind.name), fold(kind.name_en)) and folded:
                return kind
        return None

    def _kinds_list(self) -> str:
        return "; ".join(f"{k.name} ({k.code})" for k in self.facts.kinds)

    def check_units(self) -> None:
        parents: dict[str, str] = {}
        for row in self.units:
            verdict = Verdict(UNITS, row.number, row.code, row.name, row.cells, list(row.errors))
            self.unit_verdicts[row.number] = verdict
            self.plan.verdicts.append(verdict)
            if (row.code, row.name) in _EXAMPLE_UNIT_KEYS:
                _example_left(verdict)
            if row.code in self.repeated:
                verdict.error("code", _("The code “%(code)s” comes more than once in the sheet (rows %(rows)s): keep "
                                        "one row.") % {"code": row.code,
                                                      "rows": ", ".join(map(str, self.repeated[row.code]))})
            if not row.code:
                continue
            existing = self.facts.units.get(row.code)
            if row.code == self.top.code:
                self._check_top(row, verdict)
                continue
            parent = self._canonical(row.parent, row.parent_alt, file_codes=self.in_file) if row.parent \
                else self.top.code
            parents[row.code] = parent
            kind = self._kind(row.kind) if row.kind else None
            if row.kind and kind is None:
                verdict.error("kind", _("“%(value)s” is not a unit kind. Write one of: %(kinds)s.") % {
                    "value": row.kind[:60], "kinds": self._kinds_list()})
            if existing is not None:
                self._check_existing_unit(row, verdict, existing, parent, kind)
            else:
                if not row.kind:
                    verdict.error("kind", _("A new unit needs its kind. Write one of: %(kinds)s.") % {
                        "kinds": self._kinds_list()})
                self._check_parent(row, verdict, parent)
                if not verdict.messages:
                    verdict.creates = True
                    verdict.notes.append(_("New unit under “%(parent)s”") % {"parent": self._unit_label(parent)})
        self._check_tree(parents)
        self._units_planned(parents)

    def _check_top(self, row: UnitRow, verdict: Verdict) -> None:
        """The unit imported under, listed in its own file: its name and kind may change, not its place."""
        top = self.top
        if row.parent and self._canonical(row.parent, row.parent_alt, file_codes=set()) != top.parent_code:
            verdict.error("parent", _("“%(name)s” is the unit you import under: the import does not move it. Leave "
                                      "its parent empty.") % {"name": top.name})
            return
        self._rename(row, verdict, top, self._kind(row.kind) if row.kind else None)

    def _check_existing_unit(self, row: UnitRow, verdict: Verdict, existing: UnitFact, parent: str,
                             kind: KindFact | None) -> None:
        if not self.facts.inside(existing):
            verdict.error("code", _("The code “%(code)s” is already used by a unit outside “%(unit)s”: choose "
                                    "another code.") % {"code": row.code, "unit": self.top.name})
            return
        if not existing.is_active:
            verdict.error("code", _("The unit “%(name)s” is closed (merged or dissolved): take its row out of the "
                                    "file.") % {"name": existing.name})
            return
        if parent != existing.parent_code:
            verdict.error("parent", _("“%(name)s” is under “%(parent)s” today: the import does not move units. "
                                      "Write “%(code)s” as its parent, or move it on its page first.") % {
                "name": existing.name, "parent": self._unit_label(existing.parent_code),
                "code": existing.parent_code})
            return
        self._rename(row, verdict, existing, kind)

    def _rename(self, row: UnitRow, verdict: Verdict, existing: UnitFact, kind: KindFact | None) -> None:
        if verdict.messages:
            return
        new_kind = kind.pk if kind is not None and kind.pk != existing.kind_id else None
        if row.name != existing.name:
            verdict.notes.append(_("Name: %(before)s → %(after)s") % {"before": existing.name, "after": row.name})
        if new_kind is not None:
            before = next((k.name for k in self.facts.kinds if k.pk == existing.kind_id), "")
            verdict.notes.append(_("Kind: %(before)s → %(after)s") % {"before": before, "after": kind.name})
        if verdict.notes:
            verdict.updates = True
            self.plan.units_update.append(UnitUpdate(Where(UNITS, row.number), existing.pk, row.name, new_kind))

    def _check_parent(self, row: UnitRow, verdict: Verdict, parent: str) -> None:
        if parent in self.in_file:
            return
        if parent in self.repeated:
            return  # its rows say so
        fact = self.facts.units.get(parent)
        if fact is None:
            verdict.error("parent", _("No unit has the code “%(code)s”: add it to the sheet “%(sheet)s”, or correct "
                                      "the code.") % {"code": row.parent_text or parent, "sheet": sheet_title(UNITS)})
        elif not self.facts.inside(fact):
            verdict.error("parent", _("The unit “%(name)s” is not inside “%(unit)s”, the unit you import under.") % {
                "name": fact.name, "unit": self.top.name})
        elif not fact.is_active:
            verdict.error("parent", _("The unit “%(name)s” is closed: choose an open unit.") % {"name": fact.name})

    def _check_tree(self, parents: dict[str, str]) -> None:
        """Every unit of the file reaches a unit of the database through its
        parents: a cycle (A under B under A) never does."""
        state: dict[str, str] = {}  # code → "ok" | "cycle" | "into-cycle"
        for start in parents:
            if start in state or start not in self.in_file:
                continue
            chain: list[str] = []
            code = start
            while code in parents and code in self.in_file and code not in state and code not in chain:
                chain.append(code)
                code = parents[code]
            if code in chain:  # a cycle: its members, then what leads into it
                loop = chain[chain.index(code):]
                for member in loop:
                    state[member] = "cycle"
                    shown = " → ".join(loop[loop.index(member):] + loop[:loop.index(member)] + [member])
                    self.unit_verdicts[self.in_file[member].number].error("parent", (
                        _("A unit cannot be its own parent.") if len(loop) == 1 else
                        _("The units' parents go round in a circle: %(chain)s. One of them must be under a unit "
                          "outside the circle.") % {"chain": shown}))
                end = "into-cycle"
                chain = chain[:chain.index(code)]
            else:
                end = state.get(code, "ok")
                if end == "cycle":
                    end = "into-cycle"
            for member in chain:
                state[member] = end
                if end == "into-cycle":
                    self.unit_verdicts[self.in_file[member].number].error("parent", _(
                        "The unit's parents lead into a circle of units: see the rows with that error."))

    def _units_planned(self, parents: dict[str, str]) -> None:
        """New units, parents first; none deeper than the tree can hold."""
        new = {v.key for v in self.unit_verdicts.values() if v.creates and not v.messages}
        depth: dict[str, int] = {}
        for verdict in self.unit_verdicts.values():
            chain, code = [], verdict.key
            while code in new and code not in depth:
                chain.append(code)
                code = parents[code]
            level = depth.get(code, (len(self.facts.units[code].path) // STEP_LENGTH) if code in self.facts.units
                              else 0)
            for code in reversed(chain):
                level += 1
                depth[code] = level
                row = self.in_file[code]
                if level > MAX_DEPTH:
                    self.unit_verdicts[row.number].error("parent", _(
                        "The unit would be more than %(levels)d levels below the top of the tree: attach it "
                        "higher.") % {"levels": MAX_DEPTH})
                    continue
                self.plan.units_create.append(UnitCreate(Where(UNITS, row.number), code, row.name,
                                                         self._kind(row.kind).pk, parents[code]))

    def unit_usable(self, code: str, verdict: Verdict, key: str, text: str) -> bool:
        """May a person row name ``code`` as its unit?"""
        if code in self.in_file or code in self.repeated:
            return True
        fact = self.facts.units.get(code)
        if fact is None:
            verdict.error(key, _("No unit has the code “%(code)s”: add it to the sheet “%(sheet)s”, or correct the "
                                 "code.") % {"code": text or code, "sheet": sheet_title(UNITS)})
        elif not self.facts.inside(fact):
            verdict.error(key, _("The unit “%(name)s” is not inside “%(unit)s”, the unit you import under.") % {
                "name": fact.name, "unit": self.top.name})
        elif not fact.is_active:
            verdict.error(key, _("The unit “%(name)s” is closed: choose an open unit.") % {"name": fact.name})
        else:
            return True
        return False

    # --- people
    def check_people(self) -> None:
        first_rows: dict[str, PersonRow] = {}
        email_owner: dict[str, PersonRow] = {}
        person_of: dict[str, PersonFact | None] = {}
        collaborators: dict[str, list[PersonRow]] = {}
        group_leaders: dict[GroupKey, list[PersonRow]] = {}
        new_groups: dict[GroupKey, int] = {}
        grants_seen: dict[tuple, int] = {}
        verdicts: dict[int, Verdict] = {}
        for row in self.people:
            verdict = Verdict(PEOPLE, row.number, row.username, row.full_name, row.cells, list(row.errors))
            verdicts[row.number] = verdict
            self.plan.verdicts.append(verdict)
            if (row.username, row.full_name) in _EXAMPLE_PERSON_KEYS:
                _example_left(verdict)
            if row.unit:
                row.unit = self._canonical(row.unit, row.unit_alt, file_codes=self.in_file)
                self.unit_usable(row.unit, verdict, "unit", row.unit_text)
            if not row.username:
                continue
            first = first_rows.setdefault(row.key, row)
            if first is row:
                person_of[row.key] = self._check_account(row, verdict, email_owner)
            else:
                self._check_same_details(row, first, verdict)
            if row.role == ImportRole.COLLABORATOR:
                collaborators.setdefault(row.key, []).append(row)
            if row.role in GROUP_ROLES and row.group and row.unit:
                group = GroupKey(row.unit, row.group)
                if row.role == ImportRole.LEADER:
                    group_leaders.setdefault(self._group_id(group), []).append(row)
        # Person-level decisions (their first row carries them), then each row's role.
        for key, first in first_rows.items():
            self._person_planned(first, verdicts[first.number], person_of[key], collaborators.get(key, []), verdicts)
        for rows in group_leaders.values():
            if len({r.key for r in rows}) > 1:
                numbers = ", ".join(str(r.number) for r in rows)
                for r in rows:
                    verdicts[r.number].error("role", _("The working group “%(group)s” has more than one leader in the "
                                                       "file (rows %(rows)s): keep one.") % {
                        "group": r.group, "rows": numbers})
        for row in self.people:
            verdict = verdicts[row.number]
            if row.username and row.role is not None and not verdict.messages:
                self._role_planned(row, verdict, person_of.get(row.key), new_groups, grants_seen)

    def _group_id(self, group: GroupKey) -> GroupKey:
        return GroupKey(group.unit, group.name.casefold())

    def _check_account(self, row: PersonRow, verdict: Verdict, email_owner: dict[str, PersonRow]) -> PersonFact | None:
        existing = self.facts.people.get(row.key)
        if row.email:
            other = email_owner.setdefault(row.email, row)
            if other is not row:
                verdict.error("email", _("The e-mail address %(email)s is also given to “%(username)s” (row %(row)d): "
                                         "one address, one account.") % {
                    "email": row.email, "username": other.username, "row": other.number})
            holder = self.facts.emails.get(row.email)
            if holder is not None and (existing is None or holder.pk != existing.pk):
                if holder.administered:
                    verdict.error("email", _("The e-mail address %(email)s belongs to the account “%(username)s”: "
                                             "write that user name, or another address.") % {
                        "email": row.email, "username": holder.username})
                else:
                    verdict.error("email", _("The e-mail address %(email)s belongs to another account: write "
                                             "another address.") % {"email": row.email})
        if existing is None:
            if not row.full_name:
                verdict.error("full_name", _("A new account needs the person's full name."))
            return None
        if not existing.administered:
            verdict.error("username", _("The user name “%(username)s” is taken by an account you do not "
                                        "administer: choose another user name.") % {"username": row.username})
        elif not existing.is_active:
            verdict.error("username", _("The account “%(username)s” is deactivated: reactivate it on the person's "
                                        "page first, or take its rows out.") % {"username": existing.username})
        return existing

    def _check_same_details(self, row: PersonRow, first: PersonRow, verdict: Verdict) -> None:
        for key in ("full_name", "email", "phone", "position"):
            value = getattr(row, key)
            if value and value != getattr(first, key):
                verdict.error(key, _("Differs from row %(row)d, which gives this person's details: leave it empty "
                                     "here, or give the same.") % {"row": first.number})

    def _person_planned(self, first: PersonRow, verdict: Verdict, existing: PersonFact | None,
                        collaborator_rows: list[PersonRow], verdicts: dict[int, Verdict]) -> None:
        until_values = {r.until for r in collaborator_rows if r.until}
        if len(until_values) > 1:
            for r in collaborator_rows:
                verdicts[r.number].error("until", _("The person's rows give different end dates: give one."))
            return
        if verdict.messages or not first.unit:
            return
        is_collaborator = bool(collaborator_rows)
        until = next(iter(until_values), None)
        where = Where(PEOPLE, first.number)
        if existing is None:
            verdict.creates = True
            verdict.notes.append(_("New account in “%(unit)s”") % {"unit": self._unit_label(first.unit)})
            self.plan.people_create.append(PersonValues(
                where, first.username, None, first.full_name, first.email, first.phone, first.position, first.unit,
                is_collaborator, until))
            return
        after = PersonValues(
            where, existing.username, existing.pk, first.full_name or existing.full_name, first.email or existing.email,
            first.phone or existing.phone, first.position or existing.position, first.unit,
            existing.is_collaborator or is_collaborator, until if until is not None else existing.access_until)
        changes = [
            (_("Full name"), existing.full_name, after.full_name), (_("E-mail"), existing.email, after.email),
            (_("Phone"), existing.phone, after.phone), (_("Position"), existing.position, after.position),
            (_("Unit"), self._unit_label(existing.unit_code) if existing.unit_code else "—",
             self._unit_label(after.unit)),
            (_("Collaborator"), _("yes") if existing.is_collaborator else _("no"),
             _("yes") if after.is_collaborator else _("no")),
            (_("Access until"), f"{existing.access_until:%d/%m/%Y}" if existing.access_until else "—",
             f"{after.access_until:%d/%m/%Y}" if after.access_until else "—"),
        ]
        if existing.unit_code == after.unit:
            changes[4] = (None, None, None)
        for label, before, now in changes:
            if label is not None and before != now:
                verdict.notes.append(_("%(field)s: %(before)s → %(after)s") % {
                    "field": label, "before": before or "—", "after": now or "—"})
        if verdict.notes:
            verdict.updates = True
            self.plan.people_update.append(after)

    def _role_planned(self, row: PersonRow, verdict: Verdict, existing: PersonFact | None,
                      new_groups: dict[GroupKey, int], grants_seen: dict[tuple, int]) -> None:
        where = Where(PEOPLE, row.number)
        user_pk = existing.pk if existing else None
        if row.role in UNIT_ROLE_OF:
            codename = UNIT_ROLE_OF[row.role].value
            seen_key = (row.key, row.unit, codename)
            if seen_key in grants_seen:
                verdict.notes.append(_("Same role as row %(row)d") % {"row": grants_seen[seen_key]})
                return
            grants_seen[seen_key] = row.number
            label = _("%(role)s of “%(unit)s”") % {"role": ROLE_LABELS[row.role], "unit": self._unit_label(row.unit)}
            if user_pk is not None and (user_pk, row.unit, codename) in self.facts.unit_grants:
                verdict.notes.append(_("Already %(role)s") % {"role": label})
                return
            verdict.creates = True
            verdict.notes.append(label)
            self.plan.grants.append(Grant(where, row.username, row.role, row.unit))
            return
        group = GroupKey(row.unit, row.group)
        group_id = self._group_id(group)
        fact = self.facts.groups.get((group_id.unit, group_id.name))
        if fact is not None:
            group = GroupKey(row.unit, fact.name)
            if not fact.is_active:
                verdict.error("group", _("The working group “%(group)s” of “%(unit)s” is closed: name another "
                                         "group.") % {"group": fact.name, "unit": self._unit_label(row.unit)})
                return
        elif group_id not in new_groups:
            new_groups[group_id] = row.number
            verdict.creates = True
            verdict.notes.append(_("New working group “%(group)s” in “%(unit)s”") % {
                "group": row.group, "unit": self._unit_label(row.unit)})
            self.plan.groups_create.append((where, group))
        else:
            group = next(g for _w, g in self.plan.groups_create if self._group_id(g) == group_id)
        seen_key = (row.key, group_id)
        if seen_key in grants_seen and row.role != ImportRole.LEADER:
            verdict.notes.append(_("Same group as row %(row)d") % {"row": grants_seen[seen_key]})
            return
        member = fact is not None and user_pk is not None and (user_pk, fact.pk) in self.facts.group_members
        if seen_key not in grants_seen:
            grants_seen[seen_key] = row.number
            if member:
                verdict.notes.append(_("Already a member of “%(group)s”") % {"group": group.name})
            else:
                verdict.creates = True
                verdict.notes.append(_("%(role)s of “%(group)s”") % {"role": ROLE_LABELS[row.role],
                                                                     "group": group.name})
                self.plan.grants.append(Grant(where, row.username, row.role, row.unit, group, row.until))
        if row.role == ImportRole.LEADER:
            if fact is not None and user_pk is not None and fact.leader_id == user_pk:
                verdict.notes.append(_("Already the leader of “%(group)s”") % {"group": group.name})
                return
            if fact is not None and fact.leader_id is not None:
                verdict.updates = True
            else:
                verdict.creates = True
            verdict.notes.append(_("Leader of “%(group)s”") % {"group": group.name})
            self.plan.leaders.append(Grant(where, row.username, row.role, row.unit, group))


def plan_make(units: list[UnitRow], people: list[PersonRow], facts: Facts) -> Plan:
    """What each row does, and what the write calls, in order. A plan with
    an error is not written at all."""
    checker = _Checker(units, people, facts)
    checker.check_units()
    checker.check_people()
    return checker.plan


# --- the template and the file of rows with their errors ------------------------------
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ERROR_COLOR = "9C0006"


def template_workbook(*, kinds: Iterable[KindFact], parent_code: str, today: dt.date):
    """The organisation template (an XLSX file object): the instructions,
    then the sheets of units and of people with their headers and example
    rows that hang under ``parent_code`` (the administrator's unit)."""
    kinds = list(kinds)
    kind_name = {k.code: k.name for k in kinds}
    book = Spreadsheet()
    guide = book.sheet(INSTRUCTIONS_TITLE, widths=(24, 100))
    guide.append([_("How to fill in the organisation template")], bold=True, size=14)
    for number, line in enumerate((
        _("Fill in the sheet “%(units)s” (one row a unit) and the sheet “%(people)s” (one row a role of a person), "
          "then upload the file on the page “Import the organisation”. Nothing is written before you have seen the "
          "check and confirmed it; a file with an error is not written at all.") % {
            "units": sheet_title(UNITS), "people": sheet_title(PEOPLE)},
        _("The rows marked “(ví dụ)” are examples: delete them, or write your own data over them."),
        _("Importing the same file again changes nothing: rows that match what is already there are left as "
          "they are; a new name for an existing unit code renames the unit; empty cells keep what is there."),
    ), start=1):
        guide.append([f"{number}.", line], wrap=True)
    guide.append([])
    guide.append([sheet_title(UNITS)], bold=True)
    for key, text in (
        ("code", _("Required. A short code of letters, digits and hyphens, unique in the whole system, e.g. "
                   "ldld-tu-son. Accents are dropped.")),
        ("name", _("Required. The unit's full name.")),
        ("parent", _("The code of the unit above: a unit of this sheet, or one that already exists inside your "
                     "unit (%(code)s). Empty: directly under the unit you import under.") % {"code": parent_code}),
        ("kind", _("Required for a new unit: the code or the name of a unit kind (the list below).")),
    ):
        guide.append([column_label(UNITS, key), text], wrap=True)
    guide.append([])
    guide.append([sheet_title(PEOPLE)], bold=True)
    roles = ", ".join(str(label) for label in ROLE_LABELS.values())
    for key, text in (
        ("username", _("Required. The name the person signs in with: letters, digits and @ . + - _ , no spaces. An "
                       "existing user name means that person's account.")),
        ("full_name", _("Required for a new account, e.g. Nguyễn Văn An.")),
        ("email", _("Where the invitation to choose a password is sent. An address belongs to one account.")),
        ("phone", _("Digits only, e.g. 0912345678.")),
        ("position", _("The person's position, e.g. Phó Trưởng ban Tổ chức.")),
        ("unit", _("Required. The code of the person's unit (in either sheet's units). The role of the row "
                   "applies to that unit.")),
        ("group", _("For an officer, a leader or a collaborator: the working group of the unit; it is created if "
                    "the unit has none of that name.")),
        ("role", _("One of: %(roles)s. A person with several roles gets one row for each; the details (name, "
                   "e-mail, phone, position) are given on their first row.") % {"roles": roles}),
        ("until", _("For a collaborator only: the day their access ends, dd/mm/yyyy.")),
    ):
        guide.append([column_label(PEOPLE, key), text], wrap=True)
    guide.append([])
    guide.append([_("Roles")], bold=True)
    for role, text in (
        (ImportRole.ADMINISTRATOR, _("keeps the unit's organisation: units, people, working groups, roles.")),
        (ImportRole.SUPERVISOR, _("sees and runs every campaign of the unit and the units below it.")),
        (ImportRole.MANAGER, _("reads the dashboards and reports of the unit and the units below it.")),
        (ImportRole.OFFICER, _("a member of the working group: works its campaigns.")),
        (ImportRole.LEADER, _("the working group's leader (a member too).")),
        (ImportRole.COLLABORATOR, _("a retired officer who helps the working group until the end date.")),
    ):
        guide.append([str(ROLE_LABELS[role]), text], wrap=True)
    guide.append([])
    guide.append([_("Unit kinds")], bold=True)
    for kind in kinds:
        guide.append([kind.code, kind.name])

    units = book.sheet(SHEET_TITLES[UNITS], widths=[c.width for c in UNIT_COLUMNS])
    units.append([str(c.label) for c in UNIT_COLUMNS], bold=True)
    for code, name, kind in EXAMPLE_UNITS:
        units.append([code, name, parent_code, kind_name.get(kind, kind)])
    people = book.sheet(SHEET_TITLES[PEOPLE], widths=[c.width for c in PEOPLE_COLUMNS])
    people.append([str(c.label) for c in PEOPLE_COLUMNS], bold=True)
    for username, name, email, phone, position, unit, group, role, until in EXAMPLE_PEOPLE:
        end = f"31/12/{today.year + 1}" if until else ""
        people.append([username, name, email, phone, position, unit, group, str(ROLE_LABELS[role]), end])
    return book.file()


def errors_workbook(rows: Iterable[dict], *, headers: dict[str, list[str]]):
    """Every row of the file as read, with an error column (the rows with an
    error in red), as an XLSX file object: fixed, it imports again.
    ``headers``: sheet kind → the column keys of the file's sheet, in order."""
    book = Spreadsheet()
    sheets = {}
    for kind in (UNITS, PEOPLE):
        if kind not in headers:
            continue
        columns = headers[kind]
        kept = [key for key in columns if key]
        sheet = book.sheet(SHEET_TITLES[kind], widths=[next(c.width for c in COLUMNS[kind] if c.key == key)
                                                       for key in kept] + [80])
        sheet.append([column_label(kind, key) for key in kept] + [str(ERROR_LABEL)], bold=True)
        sheets[kind] = (sheet, columns)
    for row in rows:
        sheet, columns = sheets[row["sheet"]]
        cells = list(row["cells"]) + [None] * (len(columns) - len(row["cells"]))
        kept = [cell for cell, key in zip(cells, columns, strict=False) if key]
        reasons = " ".join(f"{column}: {text}" if column else text for column, text in row["messages"])
        sheet.append(kept + [reasons], color=_ERROR_COLOR if reasons else None)
    return book.file()


def error_headers(layout: Layout) -> dict[str, list[str]]:
    """sheet kind → the keys of the file's columns the errors file keeps (in the file's order)."""
    return {sheet.kind: list(sheet.keys) for sheet in layout.sheets}


def rows_parse(content: bytes, layout: Layout, *, today: dt.date,
               report: Callable[[int], None] | None = None, every: int = 500) -> tuple[list[UnitRow], list[PersonRow]]:
    """Every row of the file, parsed; ``report(rows read)`` every ``every`` rows."""
    units: list[UnitRow] = []
    people: list[PersonRow] = []
    for count, (sheet, row) in enumerate(rows_read(content, layout), start=1):
        if sheet.kind == UNITS:
            units.append(unit_row_parse(sheet, row))
        else:
            people.append(person_row_parse(sheet, row, today=today))
        if report and count % every == 0:
            report(count)
    return units, people
