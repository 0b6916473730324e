"""The official report: one row per child unit and a total row, in the
form managers send to the level above (XLSX and CSV, Vietnamese headers)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .models import Metric, TargetHorizon, TargetSource
from .selectors import BranchFigures, Dashboard, percent_cut


@dataclass(frozen=True)
class ReportRow:
    name: str
    term_members: int | None
    term_unions: int | None
    new_members: int
    members_lost: int
    net_members: int
    percent_of_term: Decimal
    unions_founded: int
    year_allocation: int | None
    workforce: int
    workforce_social_insurance: int


def _row(name: str, figures: BranchFigures, source: str) -> ReportRow:
    term_members = figures.targets.get((TargetHorizon.TERM, Metric.NEW_MEMBERS, source))
    return ReportRow(
        name=name,
        term_members=term_members,
        term_unions=figures.targets.get((TargetHorizon.TERM, Metric.NEW_UNIONS, source)),
        new_members=figures.new_members, members_lost=figures.members_lost, net_members=figures.net_members,
        percent_of_term=percent_cut(figures.net_members, term_members or 0),
        unions_founded=figures.unions_founded,
        year_allocation=figures.targets.get((TargetHorizon.YEAR, Metric.NEW_MEMBERS, source)),
        workforce=figures.workforce, workforce_social_insurance=figures.workforce_social_insurance,
    )


def report_rows(dashboard: Dashboard) -> list[ReportRow]:
    """Child units' rows (their allocations as targets), then the total row
    (the targets the unit received)."""
    rows = [_row(f.unit.name + (" " + _("(own)") if f.own else ""), f, TargetSource.ALLOCATED)
            for f in dashboard.rows]
    rows.append(_row(_("Total"), dashboard.total, TargetSource.RECEIVED))
    return rows


def headers() -> list[str]:
    return [
        _("Unit"), _("Term target: members"), _("Term target: grassroots unions"),
        _("New members in the period"), _("Members lost"), _("Net increase"),
        # xgettext:no-python-format
        _("% of the term target"),
        _("Grassroots unions founded"), _("Year allocation: members"), _("Workforce of the enterprises"),
        _("of which known from social insurance"),
    ]


def _values(row: ReportRow) -> list:
    return [row.name, row.term_members, row.term_unions, row.new_members, row.members_lost, row.net_members,
            row.percent_of_term, row.unions_founded, row.year_allocation, row.workforce,
            row.workforce_social_insurance]


def report_csv(dashboard: Dashboard, title: str) -> str:
    """CSV as the officers read it: dot thousands, comma decimals, UTF-8 with BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([title])
    writer.writerow(headers())
    for row in report_rows(dashboard):
        writer.writerow([_text(v, percent=i == 6) for i, v in enumerate(_values(row))])
    return "\ufeff" + buffer.getvalue()


def _text(value, *, percent: bool = False) -> str:
    if value is None:
        return ""
    if percent:
        return number_format(value, 2, force_grouping=True) + "%"
    if isinstance(value, int):
        return number_format(value, 0, force_grouping=True)
    return str(value)


def report_xlsx(dashboard: Dashboard, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Report")[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in report_rows(dashboard):
        values = _values(row)
        values[6] = float(values[6]) / 100
        sheet.append(values)
    last = sheet.max_row
    for cell in sheet[last]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=3, max_row=last):
        for index, cell in enumerate(row):
            if index == 6:
                cell.number_format = "0.00%"
            elif index:
                cell.number_format = "#,##0"
    sheet.column_dimensions["A"].width = 42
    for column in range(2, 12):
        sheet.column_dimensions[get_column_letter(column)].width = 15
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
