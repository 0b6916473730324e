"""Working days: Monday to Friday, less Vietnamese public holidays (from the
``holidays`` package, Tết included) and the administrator's extra days off,
plus make-up working days: the package's (the weekend half of a day-off swap)
and the administrator's.

Build one ``WorkingCalendar`` per service call (one query) and ask it as many
questions as needed.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import holidays

from .models import CalendarDay

_ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=64)
def public_calendar(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """Vietnam's public holidays of ``year`` (Tết by the lunar calendar) and
    the weekend days worked to bridge them, computed once per process."""
    public = holidays.country_holidays("VN", years=year)
    return frozenset(public), frozenset(getattr(public, "weekend_workdays", ()))


@dataclass
class WorkingCalendar:
    start: dt.date
    end: dt.date
    days_off: frozenset[dt.date] = frozenset()
    make_up_days: frozenset[dt.date] = frozenset()

    @classmethod
    def load(cls, start: dt.date, end: dt.date) -> WorkingCalendar:
        calendar = cls(start=start, end=end)
        calendar._load(start, end)
        return calendar

    def _load(self, start: dt.date, end: dt.date) -> None:
        days_off, make_up_days = set(), set()
        for year in range(start.year, end.year + 1):
            off, worked = public_calendar(year)
            days_off.update(d for d in off if start <= d <= end)
            # A swap in the package gives a weekday off *and* works a weekend
            # day: take both halves, not only the day off.
            make_up_days.update(d for d in worked if start <= d <= end)
        for day in CalendarDay.objects.filter(date__range=(start, end)).values("date", "is_working_day"):
            if day["is_working_day"]:
                make_up_days.add(day["date"])
                days_off.discard(day["date"])
            else:
                days_off.add(day["date"])
                make_up_days.discard(day["date"])
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


def calendar_from(start: dt.date, horizon_days: int = 120) -> WorkingCalendar:
    return WorkingCalendar.load(start, start + dt.timedelta(days=horizon_days))


def add_working_days(start: dt.date, working_days: int) -> dt.date:
    return calendar_from(start, horizon_days=working_days * 2 + 30).add(start, working_days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkingCalendar.load(start, max(start, end)).between(start, end)


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar.load(day, day).is_working_day(day)
