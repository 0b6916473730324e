"""Spreadsheets made from the registry: the registry itself (with the list's
filters) and the rows an import rejected, written by the one spreadsheet
writer (``workflows.core.spreadsheets``: row by row, into a spooled file, no
text ever taken for a formula). The registry's columns are the ones the
importer recognises, so an exported file imports again unchanged; the
rejected rows keep the file's own cells, with an error column the importer
leaves out, to be fixed and imported again.

The registry's export runs as a job (``workflows.exports``): its producer is
the campaigns app's (the list's campaign filter is theirs), and it reads the
list's filters with ``registry_filters`` and writes with ``registry_workbook``.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from workflows.core.params import param_choice, param_str
from workflows.core.spreadsheets import Spreadsheet
from workflows.exports.producers import PROGRESS_EVERY, ExportJob, with_progress

from . import imports
from .models import WORKFORCE_BANDS, Enterprise, ImportBatch, ImportOutcome, ImportRow, OwnershipSector, WorkforceSource
from .selectors import EnterpriseFilters

#: The registry's columns in the export, in order.
EXPORT_FIELDS = ("tax_code", "name", "address", "commune", "province", "industrial_zone", "ownership_sector",
                 "industry", "workforce", "workforce_as_of", "workforce_source")


def registry_filters(params, unit_path: str) -> EnterpriseFilters:
    """The registry list's filters from its query (``params``: the page's
    GET, or the query an export keeps); ``unit_path``: the subtree of the
    query's unit if the user may pick it (the picker's rule: a unit outside
    the user's is no filter), else ""."""
    return EnterpriseFilters(
        q=param_str(params, "q", 100),
        unit_path=unit_path,
        sector=param_choice(params, "sector", OwnershipSector.values),
        band=param_choice(params, "band", list(WORKFORCE_BANDS)),
        union=param_choice(params, "union", ["yes", "no"]),
        campaign=param_choice(params, "campaign", ["open", "none"]),
    )


def registry_file_name(today) -> str:
    return f"{_('enterprises')}-{today:%Y-%m-%d}.xlsx"


def registry_workbook(enterprises: QuerySet[Enterprise], *, job: ExportJob | None = None, total: int = 0):
    """The enterprises as an XLSX file object, written row by row from rows
    read in batches (its memory does not grow with the registry); with
    ``job``, the progress is reported to it (``total``: the rows expected)."""
    book = Spreadsheet()
    sheet = book.sheet(_("Enterprises"), widths=(14, 44, 40, 20, 18, 24, 22, 24, 12, 14, 18, 30, 12))
    headers = [str(imports.FIELDS[key].label) for key in EXPORT_FIELDS]
    headers += [str(label) for label in imports.EXPORT_ONLY_LABELS]
    sheet.append(headers, bold=True)
    sectors = dict(OwnershipSector.choices)
    sources = dict(WorkforceSource.choices)
    yes = _("yes")
    rows = enterprises.values_list(*EXPORT_FIELDS, "responsible_unit__name", "has_union").iterator(
        chunk_size=PROGRESS_EVERY)
    if job is not None:
        rows = with_progress(rows, job, total)
    for row in rows:
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
