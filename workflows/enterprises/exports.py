"""Spreadsheets made from the registry: the registry itself (with the list's
filters) and the rows an import rejected, written by the one spreadsheet
writer (``workflows.core.spreadsheets``: row by row, into a spooled file, no
text ever taken for a formula). The registry's columns are the ones the
importer recognises, so an exported file imports again unchanged; the
rejected rows keep the file's own cells, with an error column the importer
leaves out, to be fixed and imported again.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from workflows.core.spreadsheets import Spreadsheet

from . import imports
from .models import Enterprise, ImportBatch, ImportOutcome, ImportRow, OwnershipSector, WorkforceSource

#: The registry's columns in the export, in order.
EXPORT_FIELDS = ("tax_code", "name", "address", "commune", "province", "industrial_zone", "ownership_sector",
                 "industry", "workforce", "workforce_as_of", "workforce_source")


def registry_workbook(enterprises: QuerySet[Enterprise]):
    """The enterprises as an XLSX file object (to stream to the user)."""
    book = Spreadsheet()
    sheet = book.sheet(_("Enterprises"), widths=(14, 44, 40, 20, 18, 24, 22, 24, 12, 14, 18, 30, 12))
    headers = [str(imports.FIELDS[key].label) for key in EXPORT_FIELDS]
    headers += [str(label) for label in imports.EXPORT_ONLY_LABELS]
    sheet.append(headers, bold=True)
    sectors = dict(OwnershipSector.choices)
    sources = dict(WorkforceSource.choices)
    yes = _("yes")
    rows = enterprises.values_list(*EXPORT_FIELDS, "responsible_unit__name", "has_union")
    for row in rows.iterator(chunk_size=2000):
        values = dict(zip(EXPORT_FIELDS, row, strict=False))  # the unit and union status follow
        values["ownership_sector"] = str(sectors.get(values["ownership_sector"], values["ownership_sector"]))
        values["workforce_source"] = str(sources.get(values["workforce_source"], values["workforce_source"]))
        sheet.append([values[key] for key in EXPORT_FIELDS] + [row[-2], yes if row[-1] else ""])
    return book.file()


def rejected_rows_workbook(batch: ImportBatch, rows: Iterable[ImportRow] | None = None):
    """The rows of ``batch`` the import rejects, with their cells as read and
    an error column, as an XLSX file object. Columns the import recognised
    get their standard names, so the fixed file imports without a mapping."""
    book = Spreadsheet()
    sheet = book.sheet(_("Rejected rows"), widths=(14,))
    headers = []
    for index, text in enumerate(batch.headers):
        key = batch.mapping.get(str(index))
        headers.append(str(imports.FIELDS[key].label) if key else text)
    sheet.append([*headers, str(imports.ERROR_LABEL)], bold=True)
    if rows is None:
        rows = _error_rows(batch)
    for row in rows:
        cells = list(row.cells) + [None] * (len(headers) - len(row.cells))
        reasons = " ".join(f"{column}: {text}" if column else text for column, text in row.messages)
        sheet.append(cells[:len(headers)] + [reasons])
    return book.file()


def _error_rows(batch: ImportBatch) -> Iterable[ImportRow]:
    last = 0
    while chunk := list(ImportRow.objects.filter(batch=batch, outcome=ImportOutcome.ERROR, row_number__gt=last)
                        .only("row_number", "cells", "messages").order_by("row_number")[:2000]):
        yield from chunk
        last = chunk[-1].row_number
