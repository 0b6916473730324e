"""The report layouts: the federations' own tables, declared as data.

A ``Layout`` is a title and groups of ``Column``s. A column says what it
shows (its ``kind``): the row number (STT), the unit, an indicator's value
(``indicators.REGISTRY``), a target (received, or the unit's own allocation
to its child units), the achievement of an indicator against a target, the
allocation the unit gave each row (next year's plan), the source of a stock
figure, an estimate, the share of one indicator in another — with the enterprises it counts (``engine.Filters``).
A group marked ``per_programme`` is repeated for each programme chosen at
run time, headed by its name: any number of programmes overlap.

``build`` reads the figures once per distinct filters (``engine.figures_for``),
attaches the programmes' targets once (``targets.attach``) and returns a
``Table`` the renderers (``reports``) print on screen, in XLSX, CSV and PDF.
Every percentage comes from ``indicators``; none is computed here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _, gettext_lazy

from workflows.enterprises.models import OwnershipSector
from workflows.organisation.models import Unit

from . import indicators, targets
from .engine import NO_FILTERS, BranchFigures, Dashboard, Filters, figures_for
from .indicators import TargetValue
from .models import EstimateKind, Metric, Programme, ProgrammeBasis, Target, TargetSource
from .periods import Period


class Kind:
    STT = "stt"
    UNIT = "unit"
    INDICATOR = "indicator"
    TARGET = "target"
    ACHIEVEMENT = "achievement"
    ALLOCATION = "allocation"
    SOURCE = "source"
    ESTIMATE = "estimate"
    RATIO = "ratio"  # one indicator's share of another (``indicators.ratio``)


class Source:
    RECEIVED = "received"  # what the row's unit received (the total row: what the unit received)
    ALLOCATION = "allocation"  # the sum of the row's unit's allocations to its child units


class Format:
    TEXT = "text"
    INTEGER = "integer"
    PERCENT = "percent"  # a Decimal in percent (55.45)
    TARGET = "target"  # an indicators.TargetValue (a range prints 6.000–7.000)


#: Where a stock figure's source is read.
_SOURCES = {
    "not_unionised": "workforce_source",
    "workforce": "workforce_source",
    "union_members": "members_source",
    EstimateKind.WORKFORCE_INCREASE: "estimates_source",
}


@dataclass(frozen=True)
class Column:
    kind: str
    header: str | Promise = ""
    indicator: str = ""  # an indicators.REGISTRY code
    metric: str = ""  # the target's metric (target, achievement, allocation)
    source: str = Source.RECEIVED
    filters: Filters = NO_FILTERS
    workforce_floor: int = 25
    #: whose programme: "chosen" (the group's programme) or "next_year" (the year plan of the next year)
    programme: str = "chosen"
    #: a ratio's whole: the indicator ``indicator`` is a share of
    of: str = ""

    @property
    def format(self) -> str:
        if self.kind in (Kind.STT, Kind.INDICATOR, Kind.ESTIMATE):
            if self.kind == Kind.INDICATOR and self.indicator in indicators.REGISTRY:
                return Format.PERCENT if indicators.get(self.indicator).percent else Format.INTEGER
            return Format.INTEGER
        if self.kind in (Kind.ACHIEVEMENT, Kind.RATIO):
            return Format.PERCENT
        if self.kind in (Kind.TARGET, Kind.ALLOCATION):
            return Format.TARGET
        return Format.TEXT

    @property
    def figures_filters(self) -> Filters:
        """The filters of the figures the column reads (an estimate counts no enterprise)."""
        if self.kind in (Kind.INDICATOR, Kind.ACHIEVEMENT, Kind.SOURCE, Kind.ESTIMATE, Kind.RATIO):
            return self.filters
        return NO_FILTERS


@dataclass(frozen=True)
class Group:
    header: str | Promise
    columns: tuple[Column, ...]
    per_programme: bool = False


@dataclass(frozen=True)
class Layout:
    code: str
    title: str | Promise
    groups: tuple[Group, ...]
    #: the programmes shown by default (the user may choose others): these kinds of basis, or all
    default_bases: tuple[str, ...] = ()
    needs_next_year: bool = False


# --- the layouts -------------------------------------------------------------------------
_STT = Column(Kind.STT, gettext_lazy("No."))
_UNIT = Column(Kind.UNIT, gettext_lazy("Unit"))
_LEAD = Group("", (_STT, _UNIT))

TERM = Layout(
    "term", gettext_lazy("Results of developing members and founding grassroots unions over the term"),
    (
        _LEAD,
        Group("", (
            Column(Kind.TARGET, gettext_lazy("Target: net increase in members"), metric=Metric.NET_MEMBERS),
            Column(Kind.TARGET, gettext_lazy("Target: grassroots unions"), metric=Metric.NEW_UNIONS),
        ), per_programme=True),
        Group(gettext_lazy("Results in the period"), (
            Column(Kind.INDICATOR, gettext_lazy("New members"), indicator=Metric.NEW_MEMBERS),
            Column(Kind.INDICATOR, gettext_lazy("Members lost"), indicator="members_lost"),
            Column(Kind.INDICATOR, gettext_lazy("Net increase"), indicator=Metric.NET_MEMBERS),
            Column(Kind.INDICATOR, gettext_lazy("New grassroots unions"), indicator=Metric.NEW_UNIONS),
        )),
        Group("", (
            # xgettext:no-python-format
            Column(Kind.ACHIEVEMENT, gettext_lazy("% of the target"), indicator=Metric.NET_MEMBERS,
                   metric=Metric.NET_MEMBERS),
        ), per_programme=True),
        Group(gettext_lazy("Plan of %(next_year)s"), (
            Column(Kind.ALLOCATION, gettext_lazy("Allocation: new members"), metric=Metric.NEW_MEMBERS,
                   programme="next_year"),
        )),
        Group(gettext_lazy("Workforce"), (
            Column(Kind.INDICATOR, gettext_lazy("Workforce not yet unionised"), indicator="not_unionised"),
            Column(Kind.SOURCE, gettext_lazy("Source"), indicator="not_unionised"),
            Column(Kind.ESTIMATE, gettext_lazy("Expected increase in %(next_year)s"),
                   indicator=EstimateKind.WORKFORCE_INCREASE),
            Column(Kind.SOURCE, gettext_lazy("Source"), indicator=EstimateKind.WORKFORCE_INCREASE),
        )),
    ),
    default_bases=(ProgrammeBasis.CONGRESS_RESOLUTION, ProgrammeBasis.RESOLUTION_PLAN),
    needs_next_year=True,
)

_FDI = Filters(sector=OwnershipSector.FDI)

REVIEW = Layout(
    "review", gettext_lazy("Review of developing members and founding grassroots unions against the targets"),
    (
        _LEAD,
        Group(gettext_lazy("Results in the period"), (
            Column(Kind.INDICATOR, gettext_lazy("New members"), indicator=Metric.NEW_MEMBERS),
            Column(Kind.INDICATOR, gettext_lazy("New grassroots unions"), indicator=Metric.NEW_UNIONS),
            Column(Kind.INDICATOR, gettext_lazy("of which in FDI enterprises"),
                   indicator=Metric.NEW_UNIONS, filters=_FDI),
        )),
        Group("", (
            Column(Kind.TARGET, gettext_lazy("Members: target received"), metric=Metric.NEW_MEMBERS),
            # xgettext:no-python-format
            Column(Kind.ACHIEVEMENT, gettext_lazy("% of received"),
                   indicator=Metric.NEW_MEMBERS, metric=Metric.NEW_MEMBERS),
            Column(Kind.TARGET, gettext_lazy("Members: own allocation"),
                   metric=Metric.NEW_MEMBERS, source=Source.ALLOCATION),
            # xgettext:no-python-format
            Column(Kind.ACHIEVEMENT, gettext_lazy("% of own allocation"), indicator=Metric.NEW_MEMBERS,
                   metric=Metric.NEW_MEMBERS, source=Source.ALLOCATION),
            Column(Kind.TARGET, gettext_lazy("Grassroots unions: target received"), metric=Metric.NEW_UNIONS),
            # xgettext:no-python-format
            Column(Kind.ACHIEVEMENT, gettext_lazy("% of received"),
                   indicator=Metric.NEW_UNIONS, metric=Metric.NEW_UNIONS),
            Column(Kind.TARGET, gettext_lazy("Grassroots unions: own allocation"), metric=Metric.NEW_UNIONS,
                   source=Source.ALLOCATION),
            # xgettext:no-python-format
            Column(Kind.ACHIEVEMENT, gettext_lazy("% of own allocation"), indicator=Metric.NEW_UNIONS,
                   metric=Metric.NEW_UNIONS, source=Source.ALLOCATION),
            Column(Kind.TARGET, gettext_lazy("FDI grassroots unions: target received"), metric=Metric.NEW_UNIONS,
                   filters=_FDI),
            # xgettext:no-python-format
            Column(Kind.ACHIEVEMENT, gettext_lazy("% of received"),
                   indicator=Metric.NEW_UNIONS, metric=Metric.NEW_UNIONS,
                   filters=_FDI),
        ), per_programme=True),
    ),
)


def _coverage_group(header, filters: Filters, floor: int) -> Group:
    return Group(header, (
        Column(Kind.INDICATOR, gettext_lazy("Enterprises"), indicator="enterprises_at_floor", filters=filters,
               workforce_floor=floor),
        Column(Kind.INDICATOR, gettext_lazy("with a grassroots union"), indicator="unionised_at_floor", filters=filters,
               workforce_floor=floor),
        Column(Kind.INDICATOR, gettext_lazy("Coverage (%)"), indicator=Metric.COVERAGE, filters=filters,
               workforce_floor=floor),
    ))


COVERAGE = Layout(
    "coverage", gettext_lazy("Coverage of enterprises by grassroots unions"),
    (
        _LEAD,
        _coverage_group(gettext_lazy("20 workers and more"), NO_FILTERS, 20),
        _coverage_group(gettext_lazy("25 workers and more"), NO_FILTERS, 25),
        _coverage_group(gettext_lazy("25 workers and more, paying social insurance"),
                        Filters(social_insurance_only=True), 25),
        *[_coverage_group(sector.label, Filters(sector=sector.value), 25)
          for sector in (OwnershipSector.STATE, OwnershipSector.DOMESTIC_PRIVATE, OwnershipSector.FDI,
                         OwnershipSector.COOPERATIVE, OwnershipSector.OTHER)],
    ),
)


def _first_year_pair(header, indicator: str) -> tuple[Column, Column]:
    """A count among the new grassroots unions of the period and its share of them."""
    return (Column(Kind.INDICATOR, header, indicator=indicator),
            # xgettext:no-python-format
            Column(Kind.RATIO, gettext_lazy("% of the new"), indicator=indicator, of=Metric.NEW_UNIONS))


FIRST_YEAR = Layout(
    "first_year", gettext_lazy("The first year of the new grassroots unions"),
    (
        _LEAD,
        Group("", (Column(Kind.INDICATOR, gettext_lazy("New grassroots unions in the period"),
                          indicator=Metric.NEW_UNIONS),)),
        Group(gettext_lazy("Launch held"), _first_year_pair(gettext_lazy("Unions"), "unions_launched")),
        Group(gettext_lazy("Dues collected in time"), _first_year_pair(gettext_lazy("Unions"), "unions_dues_in_time")),
        Group(gettext_lazy("Collective agreement in the first year"), _first_year_pair(gettext_lazy("Unions"),
                                                                             "unions_agreement_in_year")),
        Group(gettext_lazy("Standing on their own in the first year"), _first_year_pair(gettext_lazy("Unions"),
                                                                              "unions_standing_in_year")),
        # failures are counted by the day they happened, of any year's new unions: no share of this period's
        Group("", (Column(Kind.INDICATOR, gettext_lazy("Failed or dissolved in the period"),
                          indicator="unions_failed"),)),
    ),
)

LAYOUTS: dict[str, Layout] = {layout.code: layout for layout in (TERM, REVIEW, COVERAGE, FIRST_YEAR)}


# --- the table -----------------------------------------------------------------------------
@dataclass(frozen=True)
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Table:
    layout: str
    title: str
    period: str  # the period as the title names it
    unit_name: str
    upper_unit_name: str
    #: the group row and the column row (a column outside any group spans both)
    header_rows: tuple[tuple[HeaderCell, ...], ...]
    headers: tuple[str, ...]  # one per column
    formats: tuple[str, ...]  # one per column (``Format``)
    rows: tuple[tuple, ...]
    total: tuple
    programmes: tuple[Programme, ...] = ()
    next_year_programme: Programme | None = None
    #: the members and workforce are a stocks refresh's of this time, which may miss the latest
    #: changes (a report on screen, ``build(stocks_lag=True)``); None: exact
    stocks_taken_at: dt.datetime | None = None

    @property
    def width(self) -> int:
        return len(self.headers)


@dataclass
class _Placed:
    """A column placed in the table, with its programme."""
    column: Column
    programme: Programme | None
    header: str
    group: str = ""
    group_start: bool = False
    group_width: int = 1


def _text(header, context: dict) -> str:
    text = str(header)
    return text % context if "%(" in text else text


def _placed(layout: Layout, programmes, next_year_programme, context) -> list[_Placed]:
    placed = []
    for group in layout.groups:
        for programme in (programmes if group.per_programme else [None]):
            header = programme.name if programme is not None else _text(group.header, context)
            start = len(placed)
            for column in group.columns:
                chosen = next_year_programme if column.programme == "next_year" else programme
                placed.append(_Placed(column, chosen, _text(column.header, context), header))
            if header:
                placed[start].group_start = True
                placed[start].group_width = len(placed) - start
    return placed


def _header_rows(placed: list[_Placed]) -> tuple[tuple[HeaderCell, ...], ...]:
    top, bottom = [], []
    for item in placed:
        if not item.group:
            top.append(HeaderCell(item.header, rowspan=2))
        else:
            if item.group_start:
                top.append(HeaderCell(item.group, colspan=item.group_width))
            bottom.append(HeaderCell(item.header))
    return tuple(top), tuple(bottom)


def _row_key(row: BranchFigures) -> tuple[bool, int]:
    return row.own, row.unit.pk


class _Reader:
    """The cells of the rows: the boards of each filters, the targets, the
    unit's allocations to its child units."""

    def __init__(self, boards: dict[Filters, Dashboard], allocated: dict[tuple[int, int, str, Filters], list]):
        self.boards = boards
        self.main = boards[NO_FILTERS]
        self.by_key = {filters: {_row_key(r): r for r in board.rows} for filters, board in boards.items()}
        self.allocated = allocated
        self._due: dict[tuple, dt.date | None] = {}

    def figures(self, filters: Filters, key, total: bool) -> BranchFigures:
        if total:
            return self.boards[filters].total
        return self.by_key[filters].get(key) or BranchFigures(self.main.total.unit)

    def due_on(self, programme: Programme, metric: str, filters: Filters) -> dt.date | None:
        """The day the programme's target for the column falls due: the first
        on or after the period's end, else the last."""
        token = (programme.pk, metric, filters)
        if token not in self._due:
            days = sorted({k.due_on for r in [*self.main.rows, self.main.total] for k in r.targets
                           if k.programme_id == programme.pk and k.metric == metric and k.filters == filters})
            later = [d for d in days if d >= self.main.period.end]
            self._due[token] = (later[0] if later else days[-1]) if days else None
        return self._due[token]

    def target(self, column: Column, programme: Programme | None, row: BranchFigures) -> TargetValue | None:
        if programme is None:
            return None
        due = self.due_on(programme, column.metric, column.filters)
        if due is None:
            return None
        found = row.targets.get(targets.TargetKey(programme.pk, due, column.metric, column.filters))
        if found is None:
            return None
        return found.allocation if column.source == Source.ALLOCATION else found.received

    def allocation(self, column: Column, programme: Programme | None, main_row: BranchFigures,
                   total: bool) -> TargetValue | None:
        """What the unit allocated to a child row; on the total row, the sum of its allocations."""
        if programme is None:
            return None
        if total:
            return self.target(Column(Kind.TARGET, metric=column.metric, source=Source.ALLOCATION,
                                      filters=column.filters), programme, main_row)
        values = self.allocated.get((programme.pk, main_row.unit.pk, column.metric, column.filters), [])
        due = self.due_on(programme, column.metric, column.filters)
        chosen = [value for day, value in values if day == due] if due else []
        return chosen[0] if chosen else None

    def cell(self, item: _Placed, number: int | None, key, total: bool):
        column, programme = item.column, item.programme
        main_row = self.main.total if total else self.by_key[NO_FILTERS][key]
        if column.kind == Kind.STT:
            return number
        if column.kind == Kind.UNIT:
            if total:
                return _("Total")
            return main_row.unit.name + (" " + _("(own)") if main_row.own else "")
        if column.kind == Kind.TARGET:
            return self.target(column, programme, main_row)
        if column.kind == Kind.ALLOCATION:
            return self.allocation(column, programme, main_row, total)
        row = self.figures(column.figures_filters, key, total)
        if column.kind == Kind.ACHIEVEMENT:
            return indicators.achievement(column.indicator, row, self.target(column, programme, main_row),
                                          workforce_floor=column.workforce_floor)
        if column.kind == Kind.SOURCE:
            return getattr(row, _SOURCES.get(column.indicator, "workforce_source"))
        if column.kind == Kind.RATIO:
            return indicators.ratio(indicators.value(column.indicator, row, workforce_floor=column.workforce_floor),
                                    indicators.value(column.of, row, workforce_floor=column.workforce_floor))
        return indicators.value(column.indicator, row, workforce_floor=column.workforce_floor)


def _allocations(unit: Unit, programmes) -> dict[tuple[int, int, str, Filters], list]:
    """The unit's allocations to its child units (one query)."""
    found: dict[tuple[int, int, str, Filters], list] = {}
    ids = [p.pk for p in programmes if p is not None]
    if not ids:
        return found
    for target in (Target.objects.filter(programme_id__in=ids, source=TargetSource.ALLOCATED,
                                         unit__path__startswith=unit.path, unit__depth=unit.depth + 1)
                   .order_by("due_on", "pk")):
        key = (target.programme_id, target.unit_id, target.metric, Filters.of(target))
        found.setdefault(key, []).append((target.due_on, TargetValue(target.value, target.value_max)))
    return found


def _wanted(layout: Layout, period: Period, programmes: list, next_year_programme) -> tuple[list, list[Filters]]:
    """The columns of the table and the filters each set of figures needs."""
    context = {"year": period.end.year, "next_year": period.end.year + 1}
    placed = _placed(layout, programmes, next_year_programme, context)
    return placed, [NO_FILTERS, *dict.fromkeys(item.column.figures_filters for item in placed)]


def reads_history(layout: Layout, period: Period, *, programmes, next_year_programme=None) -> bool:
    """Does ``build`` count from the history and the base tables (a period
    not in whole months, an "entered by" day, or a column that filters the
    enterprises) rather than from the summary tables?"""
    _placed_columns, wanted = _wanted(layout, period, list(programmes), next_year_programme)
    return not (period.whole_months and period.entered_by is None) or any(f.any for f in wanted)


def build(layout: Layout, unit: Unit, period: Period, *, today: dt.date, programmes,
          next_year_programme: Programme | None = None, upper_unit_name: str = "",
          stocks_lag: bool = False) -> Table:
    """The table of ``layout`` for ``unit``'s child units over ``period``:
    one group of columns per programme in ``programmes``; the next year's
    allocations from ``next_year_programme``. ``stocks_lag`` (the page, which
    says so; never a file): the members and workforce may be those of the
    latest stocks refresh, at most ``STOCKS_MAX_LAG_SECONDS`` old
    (``engine.dashboard_for``)."""
    programmes = list(programmes)
    placed, wanted = _wanted(layout, period, programmes, next_year_programme)
    boards = {filters: figures_for(unit, period, today=today, filters=filters, stocks_lag=stocks_lag)
              for filters in dict.fromkeys(wanted)}
    targets.attach(boards[NO_FILTERS], [*programmes, *([next_year_programme] if next_year_programme else [])])
    reader = _Reader(boards, _allocations(unit, [next_year_programme] if layout.needs_next_year else []))
    keys = list(dict.fromkeys([_row_key(r) for r in boards[NO_FILTERS].rows]))
    rows = tuple(tuple(reader.cell(item, number, key, False) for item in placed)
                 for number, key in enumerate(keys, start=1))
    total = tuple(reader.cell(item, None, None, True) for item in placed)
    return Table(
        layout=layout.code, title=str(layout.title), period=period.title, unit_name=unit.name,
        upper_unit_name=upper_unit_name, header_rows=_header_rows(placed),
        headers=tuple(item.header for item in placed), formats=tuple(item.column.format for item in placed),
        rows=rows, total=total, programmes=tuple(programmes), next_year_programme=next_year_programme,
        stocks_taken_at=boards[NO_FILTERS].stocks_taken_at)


# --- what a report page asks for -------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    """The programmes a report may show and those chosen."""
    available: tuple[Programme, ...]
    chosen: tuple[Programme, ...]
    next_year: Programme | None = None
    chosen_ids: frozenset = field(default_factory=frozenset)


def programmes_chosen(layout: Layout, unit: Unit, period: Period, ids: list[int]) -> Choice:
    """The programmes of ``unit`` overlapping ``period`` (one query), those
    picked by ``ids`` (by default the layout's kinds of basis, or all), and
    the year plan of the next year for a layout that shows it."""
    next_year = period.end.year + 1
    last = dt.date(next_year, 12, 31) if layout.needs_next_year else period.end
    found = list(targets.programmes_for(unit, start=period.start, end=last))
    available = tuple(p for p in found if p.start <= period.end)
    plans = [p for p in found if p.basis_kind == ProgrammeBasis.YEAR_PLAN and p.start.year == next_year
             and p.end.year == next_year]
    if ids:
        chosen = tuple(p for p in available if p.pk in set(ids))
    else:
        chosen = tuple(p for p in available if not layout.default_bases or p.basis_kind in layout.default_bases)
    return Choice(available, chosen, plans[0] if layout.needs_next_year and plans else None,
                  frozenset(p.pk for p in chosen))


def upper_unit_name(unit: Unit) -> str:
    parent = Unit.objects.filter(path=unit.path[:-Unit.steplen]).only("name").first() if unit.depth > 1 else None
    return parent.name if parent else ""


_PROVINCE_WORDS = ("thành phố ", "tỉnh ")


def place_of(*names: str) -> str:
    """The province in a unit's name ("Liên đoàn Lao động tỉnh Bắc Ninh": Bắc Ninh), or ""."""
    for name in names:
        lowered = name.lower()
        for word in _PROVINCE_WORDS:
            at = lowered.rfind(word)
            if at >= 0:
                return name[at + len(word):].strip()
    return ""


def percent_of(value) -> Decimal | None:
    """A percentage cell as a fraction (55,45% is 0,5545), for spreadsheets."""
    return None if value is None else Decimal(value) / 100

