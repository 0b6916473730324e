"""Spreadsheets made from the registry: the registry itself (with the list's
filters) and the rows an import rejected.

Both are written with openpyxl's write-only mode into a spooled temporary
file, so that 50,000 rows never sit in memory as a workbook. The registry's
columns are the ones the importer recognises, so an exported file imports
again unchanged; the rejected rows keep the file's own cells, with an error
column the importer leaves out, to be fixed and imported again.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from . import imports
from .models import Enterprise, ImportBatch, ImportOutcome, ImportRow, OwnershipSector, WorkforceSource

#: The registry's columns in the export, in order.
EXPORT_FIELDS = ("tax_code", "name", "address", "commune", "province", "industrial_zone", "ownership_sector",
                 "industry", "workforce", "workforce_as_of", "workforce_source")
_SPOOL_BYTES = 8 * 1024 * 1024
_DATE_FORMAT = "DD/MM/YYYY"


def _cell(sheet, value, *, bold: bool = False):
    """A cell whose text is never taken for a formula (a name that starts
    with "=" stays a name in Excel), dates shown as dd/mm/yyyy. Other values
    go in as they are (a cell object each would triple the time)."""
    if not bold and not isinstance(value, dt.date) and not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    elif isinstance(value, dt.date):
        cell.number_format = _DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _save(book: Workbook):
    file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)
    book.save(file)
    file.seek(0)
    return file


def registry_workbook(enterprises: QuerySet[Enterprise]):
    """The enterprises as an XLSX file object (to stream to the user)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Enterprises")[:31])
    for column, width in zip("ABCDEFGHIJKLM", (14, 44, 40, 20, 18, 24, 22, 24, 12, 14, 18, 30, 12)):
        sheet.column_dimensions[column].width = width
    headers = [str(imports.FIELDS[key].label) for key in EXPORT_FIELDS]
    headers += [str(label) for label in imports.EXPORT_ONLY_LABELS]
    sheet.append([_cell(sheet, text, bold=True) for text in headers])
    sectors = dict(OwnershipSector.choices)
    sources = dict(WorkforceSource.choices)
    yes = _("yes")
    rows = enterprises.values_list(*EXPORT_FIELDS, "responsible_unit__name", "has_union")
    for row in rows.iterator(chunk_size=2000):
        values = dict(zip(EXPORT_FIELDS, row))
        values["ownership_sector"] = str(sectors.get(values["ownership_sector"], values["ownership_sector"]))
        values["workforce_source"] = str(sources.get(values["workforce_source"], values["workforce_source"]))
        cells = [values[key] for key in EXPORT_FIELDS] + [row[-2], yes if row[-1] else ""]
        sheet.append([_cell(sheet, value) for value in cells])
    return _save(book)


def rejected_rows_workbook(batch: ImportBatch, rows: Iterable[ImportRow] | None = None):
    """The rows of ``batch`` the import rejects, with their cells as read and
    an error column, as an XLSX file object. Columns the import recognised
    get their standard names, so the fixed file imports without a mapping."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Rejected rows")[:31])
    headers = []
    for index, text in enumerate(batch.headers):
        key = batch.mapping.get(str(index))
        headers.append(str(imports.FIELDS[key].label) if key else text)
    sheet.column_dimensions["A"].width = 14
    sheet.append([_cell(sheet, text, bold=True) for text in [*headers, str(imports.ERROR_LABEL)]])
    if rows is None:
        rows = _error_rows(batch)
    for row in rows:
        cells = list(row.cells) + [None] * (len(headers) - len(row.cells))
        reasons = " ".join(f"{column}: {text}" if column else text for column, text in row.messages)
        sheet.append([_cell(sheet, value) for value in cells[:len(headers)]] + [_cell(sheet, reasons)])
    return _save(book)


def _error_rows(batch: ImportBatch) -> Iterable[ImportRow]:
    last = 0
    while chunk := list(ImportRow.objects.filter(batch=batch, outcome=ImportOutcome.ERROR, row_number__gt=last)
                        .only("row_number", "cells", "messages").order_by("row_number")[:2000]):
        yield from chunk
        last = chunk[-1].row_number
