"""Reading the spreadsheets people upload (the registry lists, the
organisation template): safely, row by row, with a message that says what to
do when a file cannot be read. The writer is ``workflows.core.spreadsheets``.

A file may be damaged or hostile: a zip that unpacks to gigabytes, XML that
defines entities (a billion laughs, a file of the server), a sheet whose XML
is cut short, a cell longer than Excel allows, or a sheet that *declares*
16,384 columns and a million rows (openpyxl's read-only mode would pad every
row to the declared width: rows are read here at the width the caller
needs). Each is refused with ``SpreadsheetRefused`` and a sentence the user
can act on; nothing here touches the database.

``cell_text`` reads a cell the way people typed it (numbers without ".0",
dates as dd/mm/yyyy, the quote our exports put before a would-be formula
taken away), ``header_key`` folds a header cell for alias tables, and
``date_read`` takes the dates officers write.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _, gettext_lazy
from openpyxl import load_workbook

from .errors import DomainError
from .spreadsheets import text_restored
from .text import fold

#: Excel's own limit for one cell; a longer cell means the file is not a list.
MAX_CELL = 32_767
#: What an XLSX may unpack to (a zip bomb is refused before it is opened).
MAX_UNPACKED_BYTES = 600 * 1024 * 1024
#: How many columns are read when the width is not known yet (the header row):
#: a sheet declaring Excel's 16,384 columns is read at this width.
MAX_COLUMNS = 200


class SpreadsheetRefused(DomainError):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass(frozen=True)
class Refusals:
    """What to tell the user when a file cannot be read: the advice names the
    formats the importer at hand takes."""

    unreadable: object
    damaged: object  # %(row)d
    entities: object
    cell_too_long: object  # %(row)d, %(limit)s


#: For an importer that takes XLSX only (the organisation template).
XLSX_ONLY = Refusals(
    unreadable=gettext_lazy("The file is not an Excel workbook we can read: save it as .xlsx and upload it "
                            "again."),
    damaged=gettext_lazy("The workbook is damaged: the sheet “%(sheet)s” cannot be read from row %(row)d on. "
                         "Open it in Excel, save it again as .xlsx and upload that."),
    entities=gettext_lazy("The workbook defines XML entities, which we refuse for safety: open it in Excel, "
                          "save it again as .xlsx and upload that."),
    cell_too_long=gettext_lazy("The sheet “%(sheet)s”, row %(row)d, has a cell longer than %(limit)s "
                               "characters: this is not a file we can import."),
)


@dataclass(frozen=True)
class RawRow:
    number: int  # the row's number in the sheet (1-based, header included)
    cells: tuple


# --- cells --------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value) -> str:
    """A cell as text: numbers without ".0", dates as dd/mm/yyyy, control
    characters (NUL and the like, which PostgreSQL refuses) as spaces, the
    quote that keeps text from being a formula taken away."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == dt.time(0) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    # The quote our exports put in front of what would be a formula is read away.
    text = text_restored(str(value))
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    return text.strip()


def cell_stored(value):
    """A cell as JSON keeps it (for a file of rejected rows)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    return cell_text(value)


def header_key(text) -> str:
    """A header cell as an alias table spells it: folded, notes in brackets
    dropped, "Xã / Phường" → "xa/phuong"."""
    value = fold(str(text or ""))
    value = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", value)
    value = value.replace("_", " ").replace("\\", "/")
    value = re.sub(r"\s*/\s*", "/", value)
    value = value.strip(" :*.-–")
    return " ".join(value.split())


def is_blank(cells) -> bool:
    for cell in cells:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if isinstance(cell, str) and not cell_text(cell):
            continue
        return False
    return True


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def date_read(value) -> dt.date:
    """dd/mm/yyyy (also with "-" or "."), ISO, an Excel date cell or an Excel
    day number; ``ValueError`` with a message otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (10_000 <= value < 2_958_466) or value != int(value):
            raise ValueError(_("%(value)s is not a date: write it as dd/mm/yyyy.") % {"value": cell_text(value)})
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = cell_text(value).split(" ")[0].split("T")[0]
    match = _DAY_FIRST.match(text) or _YEAR_FIRST.match(text)
    if match:
        parts = [int(part) for part in match.groups()]
        year, month, number = (parts[2], parts[1], parts[0]) if match.re is _DAY_FIRST else parts
        try:
            return dt.date(year, month, number)
        except ValueError:
            pass
    if text.isdigit() and len(text) == 5:
        return date_read(int(text))
    raise ValueError(_("“%(value)s” is not a date: write it as dd/mm/yyyy.") % {"value": cell_text(value)[:60]})


# --- XLSX ---------------------------------------------------------------------------
def declares_entities(error: BaseException | None) -> bool:
    """Whether openpyxl stopped because defusedxml refused XML entities
    (a billion laughs, a file of the server): openpyxl wraps the refusal."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def xlsx_open(content: bytes, *, refusals: Refusals, formulas: bool = False):
    """The workbook (openpyxl, read-only: close it), or ``SpreadsheetRefused``.
    ``formulas``: read a formula cell as its formula ("=A1+1", so that the
    caller can refuse it) instead of the value Excel last computed."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise SpreadsheetRefused(_("The spreadsheet unpacks to more than %(size)d MB: split it into "
                                           "smaller files.") % {"size": MAX_UNPACKED_BYTES // 2**20})
        return load_workbook(io.BytesIO(content), read_only=True, data_only=not formulas)
    except SpreadsheetRefused:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        if declares_entities(error):
            raise SpreadsheetRefused(str(refusals.entities)) from None
        raise SpreadsheetRefused(str(refusals.unreadable)) from None


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def cells_check(number: int, cells, *, refusals: Refusals, sheet: str = "") -> None:
    """Refuse a row holding a cell longer than Excel allows."""
    for cell in cells:
        if isinstance(cell, str) and len(cell) > MAX_CELL:
            raise SpreadsheetRefused(str(refusals.cell_too_long) % {
                "row": number, "limit": _grouped(MAX_CELL), "sheet": sheet})


def xlsx_rows(book, sheet: int, start: int = 1, *, refusals: Refusals, width: int | None = None) -> Iterator[RawRow]:
    """The sheet's rows from ``start``, ``width`` cells each (at most
    ``MAX_COLUMNS`` when not given). openpyxl parses a sheet while it is
    read, not when the file is opened: a damaged row (a shared string the
    file lacks, text in a number cell, XML cut short or declaring entities)
    fails here, and is refused like a file that cannot be opened."""
    worksheet = book.worksheets[sheet]
    rows = worksheet.iter_rows(min_row=start, max_col=width or MAX_COLUMNS, values_only=True)
    number = start
    while True:
        try:
            cells = next(rows, None)
        except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
            if declares_entities(error):
                raise SpreadsheetRefused(str(refusals.entities)) from None
            raise SpreadsheetRefused(str(refusals.damaged) % {"row": number, "sheet": worksheet.title}) from None
        if cells is None:
            return
        cells_check(number, cells, refusals=refusals, sheet=worksheet.title)
        yield RawRow(number, tuple(cells))
        number += 1
