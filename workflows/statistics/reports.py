"""The official report: a ``layouts.Table`` printed as the federations send
it to the level above — on screen, in XLSX, CSV and PDF — under the official
heading block (the issuing unit on the left; the nation's name and motto,
the number and the place and date on the right), with a signature block.

The heading's texts are those of Vietnamese administrative documents and are
not translated.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font

from workflows.core import spreadsheets

from .indicators import TargetValue
from .layouts import Format, Table, percent_of

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
BLANK_NUMBER = "   /BC-"
PREPARED_BY = "NGƯỜI LẬP BIỂU"
ON_BEHALF = "TM. BAN THƯỜNG VỤ"
SIGNATURE_NOTE = "(Ký, ghi rõ họ tên)"
SEAL_NOTE = "(Ký tên, đóng dấu)"


@dataclass(frozen=True)
class Heading:
    upper_unit: str
    unit: str
    number: str  # "Số: 12/BC-LĐLĐ"
    place_date: str  # "Bắc Ninh, ngày 20 tháng 11 năm 2026"


def heading(table: Table, *, number: str, place: str, day: dt.date) -> Heading:
    dated = f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"
    return Heading(table.upper_unit_name.upper(), table.unit_name.upper(), f"Số: {number or BLANK_NUMBER}",
                   f"{place}, {dated}" if place else dated.capitalize())


# --- cells ------------------------------------------------------------------------------------
def cell_text(value, fmt: str) -> str:
    """A cell as the screen and the PDF print it (6.500; 55,45%; 6.000–7.000)."""
    if value is None:
        return ""
    if isinstance(value, TargetValue):
        return str(value)
    if fmt == Format.PERCENT:
        return spreadsheets.csv_cell(percent_of(value), spreadsheets.PERCENT)
    if fmt in (Format.INTEGER, Format.TARGET):
        return spreadsheets.csv_cell(value, spreadsheets.INTEGER)
    return str(value)


def _stored(value, fmt: str):
    """A cell as the spreadsheets hold it: a percentage as a fraction, a
    single target as a number, a range as its text."""
    if isinstance(value, TargetValue):
        return str(value) if value.is_range else value.low
    if fmt == Format.PERCENT:
        return percent_of(value)
    return value


_NUMBER_FORMATS = {Format.INTEGER: spreadsheets.INTEGER, Format.TARGET: spreadsheets.INTEGER,
                   Format.PERCENT: spreadsheets.PERCENT}


def _formats(table: Table) -> tuple[str | None, ...]:
    return tuple(_NUMBER_FORMATS.get(fmt) for fmt in table.formats)


def _header_lines(table: Table) -> list[list[str]]:
    """The two header rows as a grid: a group's name over its first column."""
    top, bottom = [], []
    cells = iter(table.header_rows[1])
    for cell in table.header_rows[0]:
        if cell.rowspan == 2:
            top.append(cell.text)
            bottom.append("")
        else:
            top.extend([cell.text] + [""] * (cell.colspan - 1))
            bottom.extend(next(cells).text for _i in range(cell.colspan))
    return [top, bottom]


def body_text(table: Table) -> list[list[str]]:
    """The body rows and the total row as text (screen, PDF)."""
    return [[cell_text(value, fmt) for value, fmt in zip(row, table.formats, strict=True)]
            for row in (*table.rows, table.total)]


# --- CSV --------------------------------------------------------------------------------------
def report_csv(table: Table) -> str:
    """CSV as the officers read it: semicolons, dot thousands, comma
    decimals, UTF-8 with a BOM for Excel."""
    formats = _formats(table)
    rows = [[table.title], [table.period], *_header_lines(table),
            *([_stored(v, f) for v, f in zip(row, table.formats, strict=True)] for row in (*table.rows, table.total))]
    return spreadsheets.csv_text(rows, formats=formats)


# --- XLSX -------------------------------------------------------------------------------------
_CENTRE = Alignment(horizontal="centerContinuous", vertical="center", wrap_text=False)
_HEADER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _styled(sheet: spreadsheets.Sheet, cells: list[tuple[str, bool, bool]], width: int) -> None:
    """A heading row: text cells, each (text, bold, italic), centred across
    the empty cells after it (no merged cells in a streamed sheet)."""
    sheet.append_text([(text, Font(bold=bold, italic=italic)) for text, bold, italic in cells[:width]],
                      alignment=_CENTRE)


def report_xlsx(table: Table, head: Heading) -> bytes:
    book = spreadsheets.Spreadsheet()
    width = table.width
    widths = [6 if fmt == Format.INTEGER and i == 0 else (36 if i == 1 else 14)
              for i, fmt in enumerate(table.formats)]
    sheet = book.sheet(_("Report"), widths=widths)
    left = max(2, width // 2 - 1)  # the issuing unit's columns; the motto takes the rest
    right = width - left

    def split(a: tuple[str, bool, bool], b: tuple[str, bool, bool]) -> list[tuple[str, bool, bool]]:
        return [a, *[("", a[1], a[2])] * (left - 1), b, *[("", b[1], b[2])] * (right - 1)]

    _styled(sheet, split((head.upper_unit, False, False), (NATION, True, False)), width)
    _styled(sheet, split((head.unit, True, False), (MOTTO, True, False)), width)
    _styled(sheet, split((head.number, False, False), (head.place_date, False, True)), width)
    _styled(sheet, [("", False, False)], width)
    _styled(sheet, [(table.title.upper(), True, False), *[("", True, False)] * (width - 1)], width)
    _styled(sheet, [(table.period, False, True), *[("", False, True)] * (width - 1)], width)
    for line in _header_lines(table):
        sheet.append_text([(text, Font(bold=True)) for text in line], alignment=_HEADER)
    formats = _formats(table)
    for row in table.rows:
        sheet.append([_stored(v, f) for v, f in zip(row, table.formats, strict=True)], formats=formats)
    sheet.append([_stored(v, f) for v, f in zip(table.total, table.formats, strict=True)], bold=True,
                 formats=formats)
    return book.content()


# --- PDF --------------------------------------------------------------------------------------
def report_html(table: Table, head: Heading, *, template: str = "statistics/report_pdf.html") -> str:
    return render_to_string(template, {
        "table": table, "head": head, "body": body_text(table), "nation": NATION, "motto": MOTTO,
        "prepared_by": PREPARED_BY, "on_behalf": ON_BEHALF, "signature_note": SIGNATURE_NOTE,
        "seal_note": SEAL_NOTE})


def report_pdf(table: Table, head: Heading) -> bytes:
    from weasyprint import HTML  # heavy: loaded only when a PDF is asked for

    return HTML(string=report_html(table, head)).write_pdf()
