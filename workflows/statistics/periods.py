"""The period a figure is asked for: any range of days, with an optional
"entered by" cut-off, and the presets the pages offer.

Figures are counted by the day they happened (a recognition by its decision's
date, a movement by the day it gives); ``entered_by`` keeps only what had been
entered by the end of that day — what was known at a reporting deadline
(15/5, 20/11).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    entered_by: dt.date | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    # --- presets ---------------------------------------------------------------------
    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), label=_("year %(year)s") % {"year": year})

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        if half == 1:
            return cls(dt.date(year, 1, 1), dt.date(year, 6, 30),
                       label=_("first half of %(year)s") % {"year": year})
        return cls(dt.date(year, 7, 1), dt.date(year, 12, 31), label=_("second half of %(year)s") % {"year": year})

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last),
                   label=_("month %(month)02d/%(year)s") % {"month": month, "year": year})

    @classmethod
    def first_months(cls, year: int, months: int) -> Period:
        """The first ``months`` months of the year (the first five months)."""
        months = max(1, min(12, months))
        last = calendar.monthrange(year, months)[1]
        return cls(dt.date(year, 1, 1), dt.date(year, months, last),
                   label=_("first %(months)s months of %(year)s") % {"months": months, "year": year})

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Period:
        return cls(start, end, label=_("from %(start)s to %(end)s") % {
            "start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")})

    @classmethod
    def programme_to_date(cls, programme, day: dt.date) -> Period:
        """From the start of a programme (a congress term) to ``day`` (at most its end)."""
        end = max(programme.start, min(programme.end, day))
        return cls(programme.start, end, label=_("from %(start)s to %(end)s (%(programme)s)") % {
            "start": programme.start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y"),
            "programme": programme.name})

    def cut(self, entered_by: dt.date | None) -> Period:
        """The same days, counting only what was entered by the end of ``entered_by``."""
        return Period(self.start, self.end, entered_by, self.label)

    # --- what the engine reads -------------------------------------------------------
    @property
    def months(self) -> tuple[dt.date, dt.date]:
        return self.start.replace(day=1), self.end.replace(day=1)

    @property
    def whole_months(self) -> bool:
        """Does the period start on a month's first day and end on a month's last?"""
        return self.start.day == 1 and self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]

    def entered_before(self) -> dt.datetime | None:
        """The moment before which an entry counts (the end of ``entered_by``), or None."""
        if self.entered_by is None:
            return None
        return timezone.make_aware(dt.datetime.combine(self.entered_by + dt.timedelta(days=1), dt.time.min))

    @property
    def title(self) -> str:
        """The period as a report's title names it, with its cut-off."""
        text = self.label or Period.between(self.start, self.end).label
        if self.entered_by:
            text += " " + _("(entered by %(day)s)") % {"day": self.entered_by.strftime("%d/%m/%Y")}
        return text
