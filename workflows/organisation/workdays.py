"""Working days: Monday to Friday, less Vietnamese public holidays (from the
``holidays`` package, Tết included) and the administrators' extra days off,
plus make-up working days: the package's (the weekend half of a day-off swap)
and the administrators'.

The administrators' exceptions (``CalendarDay``) are national (no unit) or
a unit's, for its subtree: a unit's calendar applies the national ones, then
each ancestor's down to its own — the nearest unit's exception for a day wins.

Build one ``WorkingCalendar`` per service call (one query) and ask it as many
questions as needed; ``WorkingCalendar.load_many`` builds the calendars of
many units with one query; a campaign's move takes its unit's calendar from
this process's cache (``calendar_cached``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import holidays
from django.db.models import Q

from workflows.core import clock

from .models import CalendarDay, Unit
from .reference_stamp import StampedCache, deepest

_ONE_DAY = dt.timedelta(days=1)


@functools.cache
def _vietnam() -> type[holidays.HolidayBase]:
    """holidays' calendar of Vietnam, loaded alone: ``country_holidays("VN")``
    imports the package of every country's calendar (~250 modules, +5,6 MiB
    in each worker). Its module is loaded from its file under a name of our
    own; if a release moves it, ``country_holidays`` as before."""
    path = Path(holidays.__file__).parent / "countries" / "vietnam.py"
    spec = importlib.util.spec_from_file_location("workflows.organisation._holidays_vietnam", path)
    if spec is None or spec.loader is None or not path.is_file():
        return type(holidays.country_holidays("VN"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Vietnam


@functools.lru_cache(maxsize=64)
def public_calendar(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """Vietnam's public holidays of ``year`` (Tết by the lunar calendar) and
    the weekend days worked to bridge them, computed once per process."""
    public = _vietnam()(years=year)
    return frozenset(public), frozenset(getattr(public, "weekend_workdays", ()))


def chain_paths(unit_path: str) -> list[str]:
    """The paths of the unit at ``unit_path`` and of every unit above it,
    the top first ("": none, the national calendar only)."""
    step = Unit.steplen
    return [unit_path[:end] for end in range(step, len(unit_path) + 1, step)]


def exceptions_between(start: dt.date, end: dt.date, paths: Iterable[str] | None = None
                       ) -> list[tuple[str, dt.date, bool]]:
    """(unit path, "" for national; date; working day) of the exceptions
    kept nationally or by the units at ``paths`` (None: by every unit), from
    ``start`` to ``end``: one query."""
    days = CalendarDay.objects.filter(date__range=(start, end))
    if paths is not None:
        paths = sorted(set(paths))
        days = days.filter(Q(unit__isnull=True) | Q(unit__path__in=paths) if paths else Q(unit__isnull=True))
    return [(path or "", date, working)
            for path, date, working in days.values_list("unit__path", "date", "is_working_day")]


@dataclass
class WorkingCalendar:
    start: dt.date
    end: dt.date
    days_off: frozenset[dt.date] = frozenset()
    make_up_days: frozenset[dt.date] = frozenset()
    #: the unit whose calendar this is ("": the national calendar)
    unit_path: str = ""

    @classmethod
    def load(cls, start: dt.date, end: dt.date, unit: Unit | None = None) -> WorkingCalendar:
        """The calendar of ``unit`` (None: the national one) from ``start``
        to ``end``: one query."""
        calendar = cls(start=start, end=end, unit_path=unit.path if unit is not None else "")
        calendar._load(start, end)
        return calendar

    @classmethod
    def load_many(cls, start: dt.date, end: dt.date, unit_paths: Iterable[str],
                  rows: Iterable[tuple[str, dt.date, bool]] | None = None) -> dict[str, WorkingCalendar]:
        """The calendars of the units at ``unit_paths`` ("": national), by
        path, from ``start`` to ``end``: one query for all of them (none
        when the caller read the exceptions, ``rows`` of ``exceptions_between``)."""
        unit_paths = set(unit_paths)
        if rows is None:
            rows = exceptions_between(start, end, {p for path in unit_paths for p in chain_paths(path)})
        rows = list(rows)
        calendars = {}
        for path in unit_paths:
            calendar = calendars[path] = cls(start=start, end=end, unit_path=path)
            calendar._apply(start, end, rows)
        return calendars

    def _load(self, start: dt.date, end: dt.date) -> None:
        self._apply(start, end, exceptions_between(start, end, chain_paths(self.unit_path)))

    def _apply(self, start: dt.date, end: dt.date, rows: Iterable[tuple[str, dt.date, bool]]) -> None:
        days_off, make_up_days = set(), set()
        for year in range(start.year, end.year + 1):
            off, worked = public_calendar(year)
            days_off.update(d for d in off if start <= d <= end)
            # A swap in the package gives a weekday off *and* works a weekend
            # day: take both halves, not only the day off.
            make_up_days.update(d for d in worked if start <= d <= end)
        chain = set(chain_paths(self.unit_path))
        # national first, then from the top unit down: the nearest unit's exception wins
        for _path, day, working in sorted((row for row in rows if not row[0] or row[0] in chain),
                                          key=lambda row: len(row[0])):
            if not start <= day <= end:
                continue
            if working:
                make_up_days.add(day)
                days_off.discard(day)
            else:
                days_off.add(day)
                make_up_days.discard(day)
        self.start, self.end = start, end
        self.days_off, self.make_up_days = frozenset(days_off), frozenset(make_up_days)

    def is_working_day(self, day: dt.date) -> bool:
        if not self.start <= day <= self.end:
            # Outside what was loaded: load a wider window (one more query).
            self._load(min(self.start, day), max(self.end, day + dt.timedelta(days=90)))
        if day in self.make_up_days:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def add(self, start: dt.date, working_days: int) -> dt.date:
        """The day ``working_days`` working days after ``start`` (``start`` not
        counted). Zero means ``start`` itself if it is a working day, else the
        next working day."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        day = start
        if working_days == 0:
            while not self.is_working_day(day):
                day += _ONE_DAY
            return day
        counted = 0
        while counted < working_days:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def window_start(self, end: dt.date, working_days: int) -> dt.date:
        """The earliest day D with at most ``working_days`` working days after
        D up to ``end``: something that started before D has taken longer."""
        day, counted = end, 0
        while counted + self.is_working_day(day) <= working_days:
            counted += self.is_working_day(day)
            day -= _ONE_DAY
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


def calendar_from(start: dt.date, horizon_days: int = 120, unit: Unit | None = None) -> WorkingCalendar:
    return WorkingCalendar.load(start, start + dt.timedelta(days=horizon_days), unit)


def add_working_days(start: dt.date, working_days: int, unit: Unit | None = None) -> dt.date:
    return calendar_from(start, horizon_days=working_days * 2 + 30, unit=unit).add(start, working_days)


def working_days_between(start: dt.date, end: dt.date, unit: Unit | None = None) -> int:
    return WorkingCalendar.load(start, max(start, end), unit).between(start, end)


def is_working_day(day: dt.date, unit: Unit | None = None) -> bool:
    return WorkingCalendar.load(day, day, unit).is_working_day(day)


# --- this process's calendars, for the reference stamp -------------------------------------
_CALENDARS = StampedCache("calendars", maxsize=128)

#: How far back and ahead of today a cached calendar reaches when it is read
#: (a campaign's days in its stage, a checklist's due dates); a question
#: outside it reads more, once.
CACHED_BEFORE, CACHED_AFTER = dt.timedelta(days=400), dt.timedelta(days=800)


def _keeping_days() -> frozenset[str]:
    return frozenset(CalendarDay.objects.filter(unit__isnull=False).order_by().values_list("unit__path", flat=True)
                     .distinct())


def calendar_cached(*, stamp: int | None, unit: Unit | None, start: dt.date, end: dt.date) -> WorkingCalendar:
    """The calendar of ``unit`` from ``start`` to ``end`` at least, as
    ``WorkingCalendar.load`` gives it, kept in this process for the
    reference stamp ``stamp`` (None: read afresh). Units share a calendar
    down from the nearest unit that keeps calendar days of its own (or the
    national one), so the cache holds one per such unit. Zero queries when
    kept; else one or two. The caller gets its own copy (it may read more)."""
    if stamp is None:
        return WorkingCalendar.load(start, end, unit)
    keeping = _CALENDARS.get(stamp, ("keeping",), _keeping_days)
    zone = deepest(unit.path, keeping) if unit is not None else ""
    kept = _CALENDARS.peek(stamp, ("calendar", zone))
    if kept is None or not (kept.start <= start and end <= kept.end):
        today = clock.today()
        low = min(start, today - CACHED_BEFORE, kept.start if kept else start)
        high = max(end, today + CACHED_AFTER, kept.end if kept else end)
        kept = WorkingCalendar(start=low, end=high, unit_path=zone)
        kept._load(low, high)
        _CALENDARS.put(stamp, ("calendar", zone), kept)
    return dataclasses.replace(kept)
