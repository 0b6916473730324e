"""The official reports (``layouts``) as the report page asks for them, and
their files (XLSX, PDF, CSV) prepared by a job (``workflows.exports`` runs
them by the names in its ``kinds``) — for any unit, the country's too: one
way for every file, and a PDF's rendering (seconds, whatever the unit)
never holds a web worker.

Query: ``unit`` (id), ``layout`` (term, review, coverage), ``span`` (year,
h1, h2, month, first_months, range, programme) with ``year``, ``month``,
``months``, ``start``/``end`` (dd/mm/yyyy or yyyy-mm-dd), ``programme_to``
and ``day`` (a programme to a day); ``entered_by`` (a cut-off day);
``programme`` (repeated: the programmes shown); ``number`` and ``place`` of
the document. Garbage means the defaults.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy

from workflows.core.params import param_choice, param_date, param_int, param_str
from workflows.exports.producers import CSV, PDF, XLSX, ExportFile, ExportJob, Producer
from workflows.organisation.models import Unit
from workflows.organisation.selectors import UnitPicker, unit_picker

from . import layouts, permissions, reports, targets
from .engine import campaigns_under
from .periods import Period

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


def asked_of(params, today: dt.date) -> Asked:
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


def period_of(asked: Asked, unit: Unit, today: dt.date) -> Period:
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


def unit_chosen(user, params) -> tuple[Unit, UnitPicker]:
    """The unit the query names among those ``user`` oversees (their first
    top unit when it names none) and the page's unit picker; none, or a unit
    outside them: PermissionDenied (a 404, never another unit instead)."""
    unit_id = param_int(params, "unit")
    picker = unit_picker(user, unit_id, all_units=False, params=params, query=param_str(params, "unit_q", 100))
    if picker.chosen is None or (unit_id is not None and picker.chosen.pk != unit_id):
        raise PermissionDenied
    return picker.chosen, picker


@dataclass(frozen=True)
class Report:
    unit: Unit
    picker: UnitPicker
    asked: Asked
    period: Period
    choice: layouts.Choice
    table: layouts.Table | None  # None: too long to count on screen (``as_file_only``)
    head: reports.Heading | None
    campaigns: int = 0  # in the unit's subtree, when the report is a file only

    @property
    def body(self) -> list[list[str]]:
        return reports.body_text(self.table) if self.table else []

    def file_stem(self) -> str:
        return (f"bao-cao-{self.table.layout}-{self.unit.code}-{self.period.start:%Y%m%d}-"
                f"{self.period.end:%Y%m%d}")


def parameters_of(unit: Unit, asked: Asked, today: dt.date) -> list[tuple[str, object]]:
    """The query that asks for the report of ``unit`` and ``asked`` on
    ``today``, normalised (what ``asked_of`` reads back; the programmes in
    order, once each): two queries asking for the same report give the same."""
    def iso(day: dt.date | None) -> str:
        return day.isoformat() if day else ""

    return [("unit", unit.pk), ("layout", asked.layout.code), ("span", asked.span), ("year", asked.year),
            ("month", asked.month), ("months", asked.months), ("start", iso(asked.start)), ("end", iso(asked.end)),
            ("programme_to", asked.programme_to or ""), ("day", iso(asked.day)),
            ("entered_by", iso(asked.entered_by)), *[("programme", pk) for pk in sorted(set(asked.programme_ids))],
            ("number", asked.number), *([("place", asked.place)] if asked.place is not None else []),
            ("today", today.isoformat())]


def table_context(report: Report) -> dict:
    """What ``statistics/_report_table.html`` shows: the official heading and the table."""
    return {"report": report, "table": report.table, "head": report.head, "body": report.body,
            "nation": reports.NATION, "motto": reports.MOTTO}


def report_for(user, params, *, today: dt.date, on_screen: bool = False) -> Report:
    """The report ``params`` asks for, for ``user`` (a unit outside their
    scope: PermissionDenied). ``on_screen``: for the page, which counts from
    the history only for a subtree of at most ``REPORT_ON_SCREEN_MAX_CAMPAIGNS``
    campaigns (a request must stay short); past that the report has no table
    and is prepared as a file by a job. On screen the members and workforce
    may be those of the latest stocks refresh (at most
    ``STOCKS_MAX_LAG_SECONDS`` old, and the page says of when: at national
    scale something changes every few seconds, and counting them from the
    history takes seconds for the country); a file's are exact."""
    unit, picker = unit_chosen(user, params)
    permissions.require(permissions.can_read(user, unit))
    asked = asked_of(params, today)
    period = period_of(asked, unit, today)
    choice = layouts.programmes_chosen(asked.layout, unit, period, asked.programme_ids)
    if on_screen and layouts.reads_history(asked.layout, period, programmes=choice.chosen,
                                           next_year_programme=choice.next_year):
        campaigns = campaigns_under(unit)
        if campaigns > settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS:
            return Report(unit, picker, asked, period, choice, None, None, campaigns)
    upper = layouts.upper_unit_name(unit)
    table = layouts.build(asked.layout, unit, period, today=today, programmes=choice.chosen,
                          next_year_programme=choice.next_year, upper_unit_name=upper, stocks_lag=on_screen)
    place = asked.place if asked.place is not None else layouts.place_of(unit.name, upper)
    return Report(unit, picker, asked, period, choice, table,
                  reports.heading(table, number=asked.number, place=place, day=today))


# --- the files, as export jobs -------------------------------------------------------
def _check(actor, params) -> None:
    unit, _picker = unit_chosen(actor, params)
    permissions.require(permissions.can_read(actor, unit))


def _write(fmt: str, job: ExportJob) -> ExportFile:
    job.progress(0, 1)
    report = report_for(job.actor, job.parameters, today=job.today)
    if fmt == "csv":
        content, content_type = reports.report_csv(report.table).encode("utf-8"), CSV
    elif fmt == "pdf":
        content, content_type = reports.report_pdf(report.table, report.head), PDF
    else:
        content, content_type = reports.report_xlsx(report.table, report.head), XLSX
    job.progress(1, 1)
    return ExportFile(io.BytesIO(content), f"{report.file_stem()}.{fmt}", content_type)


REPORT_XLSX = Producer(title=gettext_lazy("Report (XLSX)"), write=functools.partial(_write, "xlsx"),
                       list_url="statistics:report", check=_check)
REPORT_PDF = Producer(title=gettext_lazy("Report (PDF)"), write=functools.partial(_write, "pdf"),
                      list_url="statistics:report", check=_check)
REPORT_CSV = Producer(title=gettext_lazy("Report (CSV)"), write=functools.partial(_write, "csv"),
                      list_url="statistics:report", check=_check)
