"""The official report: one row per child unit and a total row, in the
form managers send to the level above (XLSX and CSV, Vietnamese headers)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from workflows.core import spreadsheets

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
    """A row's cells; the percentage as a fraction (0,5545 shows as 55,45%)."""
    return [row.name, row.term_members, row.term_unions, row.new_members, row.members_lost, row.net_members,
            row.percent_of_term / 100, row.unions_founded, row.year_allocation, row.workforce,
            row.workforce_social_insurance]


#: The number format of each column (the first holds names).
FORMATS = (None, *[spreadsheets.INTEGER] * 5, spreadsheets.PERCENT, *[spreadsheets.INTEGER] * 4)


def report_csv(dashboard: Dashboard, title: str) -> str:
    """CSV as the officers read it: dot thousands, comma decimals, UTF-8 with BOM for Excel."""
    return spreadsheets.csv_text([[title], headers(), *(_values(row) for row in report_rows(dashboard))],
                                 formats=FORMATS)


def report_xlsx(dashboard: Dashboard, title: str) -> bytes:
    book = spreadsheets.Spreadsheet()
    sheet = book.sheet(_("Report"), widths=(42, *[15] * 10))
    sheet.append([title], bold=True, size=13)
    sheet.append(headers(), bold=True, wrap=True)
    rows = report_rows(dashboard)
    for index, row in enumerate(rows, start=1):
        sheet.append(_values(row), bold=index == len(rows), formats=FORMATS)
    return book.content()
