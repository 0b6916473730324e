"""The one writer of every spreadsheet the product hands out (XLSX and CSV).

Whatever people typed (an enterprise's name, a committee member's phone, a
unit's name, the cells of an imported file) may begin with what a
spreadsheet program reads as a formula: ``=HYPERLINK("http://…"&D5, …)``
sends the neighbouring cells away when clicked, ``=cmd|…`` runs a program.
So, as OWASP advises against CSV injection, text that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is written with a single
quote in front, as text; numbers and dates stay numbers and dates (a
negative number is a number, not text), and so does text that is a plain
number ("-3" in an imported list). The importer reads the quote away
again (``text_restored``), so that an exported file imports unchanged.

XLSX files are written in openpyxl's write-only mode, row by row, into a
spooled temporary file: 50,000 rows never sit in memory as a workbook.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import number_format
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

#: What a spreadsheet program may take for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Number formats (Excel's codes; the CSV writes the same figures as Vietnamese text).
INTEGER = "#,##0"
PERCENT = "0.00%"
DATE = "DD/MM/YYYY"
DATE_TIME = "DD/MM/YYYY HH:MM"
_SPOOL_BYTES = 8 * 1024 * 1024
_NUMBERS = (int, float, Decimal)
#: Text that is a plain number ("-3", "+84912345678", "-1.234,5"): a program
#: reads it as a number, never as a formula, so it is left as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*%?", re.ASCII)


def _is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def text_neutralised(text: str) -> str:
    """Text as a cell may hold it: never read as a formula, without the
    control characters XLSX cannot hold."""
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if _is_formula_like(text) else text


def text_restored(text: str) -> str:
    """Text read from a spreadsheet this module wrote: the quote in front of
    what would be a formula is taken away again."""
    return text[1:] if text.startswith("'") and _is_formula_like(text[1:]) else text


# --- XLSX ----------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _font(bold: bool, size: float | None, color: str | None) -> Font:
    return Font(bold=bold, size=size, color=color)


_WRAP = Alignment(wrap_text=True, vertical="top")


class Sheet:
    """A sheet being written, row by row."""

    def __init__(self, sheet, widths: Sequence[float]):
        self._sheet = sheet
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width

    def append(self, values: Iterable, *, bold: bool = False, size: float | None = None, color: str | None = None,
               wrap: bool = False, formats: Sequence[str | None] = ()) -> None:
        """One row. ``formats``: a number format per column, for the numbers
        in it (dates are shown as dd/mm/yyyy without one)."""
        font = _font(bold, size, color) if (bold or size or color) else None
        whole_row = font is not None or wrap
        row = []
        # openpyxl writes a row's plain values through one cell object, which
        # takes on the style of a styled cell before it: after one, numbers
        # are styled cells too (text may keep a number format: it shows as text).
        styled = False
        for index, value in enumerate(values):
            if value is None:
                row.append(None)
                continue
            if type(value) is not str and isinstance(value, (*_NUMBERS, dt.date)):
                number_format = formats[index] if index < len(formats) else None
                if isinstance(value, dt.datetime):
                    if timezone.is_aware(value):  # XLSX has no time zones: the local time
                        value = timezone.make_naive(value)
                    number_format = DATE_TIME if value.time() != dt.time(0) else DATE
                elif isinstance(value, dt.date):
                    number_format = DATE
                elif isinstance(value, bool):
                    number_format = None
                if whole_row or styled or number_format:
                    value = self._cell(value, number_format, font, wrap)
                    styled = True
            else:
                value = text_neutralised(str(value))
                if whole_row or (value[:1] == "#" and value in ERROR_CODES):
                    value = self._cell(value, None, font, wrap)
                    value.data_type = "s"  # "#N/A" is a name here, not an error
                    styled = True
            row.append(value)
        self._sheet.append(row)

    def append_text(self, cells: Iterable[tuple[str, Font | None]], *, alignment: Alignment | None = None) -> None:
        """A row of text cells, each with its own font and all aligned alike
        (a heading block, a table's header rows)."""
        row = []
        for text, font in cells:
            cell = WriteOnlyCell(self._sheet, value=text_neutralised(text) if text else None)
            if font is not None:
                cell.font = font
            if alignment is not None:
                cell.alignment = alignment
            row.append(cell)
        self._sheet.append(row)

    def _cell(self, value, number_format: str | None, font: Font | None, wrap: bool) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet, value=value)
        if number_format:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if wrap:
            cell.alignment = _WRAP
        return cell


class Spreadsheet:
    """An XLSX file being written: ``sheet()`` for each sheet, then
    ``file()`` (a file object to stream) or ``content()`` (bytes)."""

    def __init__(self):
        self._book = Workbook(write_only=True)

    def sheet(self, title: str, *, widths: Sequence[float] = ()) -> Sheet:
        # Column widths are written before the rows in write-only mode.
        return Sheet(self._book.create_sheet(str(title)[:31]), widths)

    def file(self):
        file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 — returned; the response closes it
        self._book.save(file)
        file.seek(0)
        return file

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


# --- CSV -----------------------------------------------------------------------------
def csv_cell(value, number_format: str | None = None) -> str:
    """A value as the CSV's text: numbers and dates as officers read them
    (6.500; 55,45%; 31/12/2025), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, _NUMBERS):
        if number_format == PERCENT:
            return _grouped(Decimal(str(value)) * 100, 2) + "%"
        if isinstance(value, int) or number_format == INTEGER:
            return _grouped(value, 0)
        return _grouped(value, None)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y" if value.time() == dt.time(0) else "%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return text_neutralised(str(value))


def _grouped(value, decimals: int | None) -> str:
    return number_format(value, decimals, force_grouping=True)


def csv_text(rows: Iterable[Iterable], *, formats: Sequence[str | None] = (), delimiter: str = ";") -> str:
    """The rows as CSV text, with a BOM so that Excel reads it as UTF-8.
    ``formats``: a number format per column, for the numbers in it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for values in rows:
        writer.writerow([csv_cell(value, formats[index] if index < len(formats) else None)
                         for index, value in enumerate(values)])
    return "\ufeff" + buffer.getvalue()
