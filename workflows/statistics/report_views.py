"""The official reports (``layouts``): on screen, and as XLSX, PDF and CSV
files, for a unit the user oversees, a layout, a period and the programmes
chosen.

Query: ``unit`` (id), ``layout`` (term, review, coverage), ``span`` (year,
h1, h2, month, first_months, range, programme) with ``year``, ``month``,
``months``, ``start``/``end`` (dd/mm/yyyy or yyyy-mm-dd), ``programme_to``
and ``day`` (a programme to a day); ``entered_by`` (a cut-off day);
``programme`` (repeated: the programmes shown); ``number`` and ``place`` of
the document. Garbage means the defaults.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from workflows.core import clock
from workflows.core.params import param_choice, param_date, param_int, param_str
from workflows.organisation.models import Unit

from . import layouts, permissions, reports, targets
from .periods import Period
from .views import _chosen_unit

SPANS = ("year", "h1", "h2", "month", "first_months", "range", "programme")


def _day(params, name: str) -> dt.date | None:
    day = param_date(params, name)
    return day if day and 2000 <= day.year <= 2100 else None


@dataclass(frozen=True)
class Asked:
    """What the query asks for, parsed (garbage: the defaults)."""
    span: str
    year: int
    month: int
    months: int
    start: dt.date | None
    end: dt.date | None
    programme_to: int | None
    day: dt.date | None
    entered_by: dt.date | None
    layout: layouts.Layout
    programme_ids: list[int]
    number: str
    place: str | None


def _asked(params, today: dt.date) -> Asked:
    year = param_int(params, "year") or today.year
    month = param_int(params, "month") or today.month
    ids = [int(v) for v in params.getlist("programme") if v.isascii() and v.isdigit() and len(v) < 10]
    return Asked(
        span=param_choice(params, "span", SPANS) or "year",
        year=year if 2000 <= year <= 2100 else today.year,
        month=month if 1 <= month <= 12 else today.month,
        months=min(12, param_int(params, "months") or 12),
        start=_day(params, "start"), end=_day(params, "end"),
        programme_to=param_int(params, "programme_to"), day=_day(params, "day"),
        entered_by=_day(params, "entered_by"),
        layout=layouts.LAYOUTS.get(param_choice(params, "layout", layouts.LAYOUTS), layouts.TERM),
        programme_ids=ids, number=param_str(params, "number", 40),
        place=param_str(params, "place", 80) if "place" in params else None,
    )


def _period(asked: Asked, unit: Unit, today: dt.date) -> Period:
    if asked.span == "h1":
        period = Period.half(asked.year, 1)
    elif asked.span == "h2":
        period = Period.half(asked.year, 2)
    elif asked.span == "month":
        period = Period.month(asked.year, asked.month)
    elif asked.span == "first_months":
        period = Period.first_months(asked.year, asked.months)
    elif asked.span == "range" and asked.start and asked.end and asked.start <= asked.end:
        period = Period.between(asked.start, asked.end)
    elif asked.span == "programme" and asked.programme_to and (
            programme := targets.programmes_for(unit).filter(pk=asked.programme_to).first()):
        period = Period.programme_to_date(programme, asked.day or today)
    else:
        period = Period.year(asked.year)
    return period.cut(asked.entered_by) if asked.entered_by else period


@dataclass(frozen=True)
class Report:
    unit: Unit
    units: list[Unit]
    asked: Asked
    period: Period
    choice: layouts.Choice
    table: layouts.Table
    head: reports.Heading

    @property
    def body(self) -> list[list[str]]:
        return reports.body_text(self.table)


def _report(request) -> Report:
    today = clock.today()
    unit, units = _chosen_unit(request)
    permissions.require(permissions.can_read(request.user, unit))
    asked = _asked(request.GET, today)
    period = _period(asked, unit, today)
    choice = layouts.programmes_chosen(asked.layout, unit, period, asked.programme_ids)
    upper = layouts.upper_unit_name(unit)
    table = layouts.build(asked.layout, unit, period, today=today, programmes=choice.chosen,
                          next_year_programme=choice.next_year, upper_unit_name=upper)
    place = asked.place if asked.place is not None else layouts.place_of(unit.name, upper)
    return Report(unit, units, asked, period, choice, table,
                  reports.heading(table, number=asked.number, place=place, day=today))


@login_required
@require_GET
def report_page(request):
    report = _report(request)
    programmes = list(targets.programmes_for(report.unit))
    return render(request, "statistics/report.html", {
        "nav_active": "overview", "report": report, "table": report.table, "head": report.head,
        "body": report.body, "query": request.GET.urlencode(), "layouts": list(layouts.LAYOUTS.values()),
        "spans": [(span, span_label(span)) for span in SPANS],
        "programmes": programmes, "nation": reports.NATION, "motto": reports.MOTTO})


_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


@login_required
@require_GET
def report_file(request, fmt: str):
    report = _report(request)
    if fmt == "csv":
        content = reports.report_csv(report.table)
    elif fmt == "pdf":
        content = reports.report_pdf(report.table, report.head)
    else:
        fmt = "xlsx"
        content = reports.report_xlsx(report.table, report.head)
    period = report.period
    name = f"bao-cao-{report.table.layout}-{report.unit.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    response = HttpResponse(content, content_type=_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def span_label(span: str) -> str:
    return {"year": _("Whole year"), "h1": _("First half"), "h2": _("Second half"), "month": _("Month"),
            "first_months": _("First months of the year"), "range": _("From a day to a day"),
            "programme": _("A programme to a day")}[span]
