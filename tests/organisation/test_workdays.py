"""The working-day calendar: Monday to Friday, less the Vietnamese public
holidays of the ``holidays`` package and the administrator's extra days off,
plus make-up working days (the package's and the administrator's)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workflows.organisation.models import CalendarDay
from workflows.organisation.workdays import (
    WorkingCalendar,
    add_working_days,
    calendar_from,
    is_working_day,
    working_days_between,
)

D = dt.date

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("day", "working"), [
    (D(2027, 3, 5), True),     # Friday
    (D(2027, 3, 6), False),    # Saturday
    (D(2027, 3, 7), False),    # Sunday
    (D(2027, 3, 8), True),     # Monday
    (D(2027, 2, 3), True),     # the Wednesday before Tết
    (D(2027, 2, 4), False),    # 29 Tết
    (D(2027, 2, 8), False),    # Monday, third day of Tết
    (D(2027, 2, 10), False),   # Wednesday, fifth day of Tết
    (D(2027, 2, 11), True),    # back to work
    (D(2027, 4, 16), False),   # Hùng Kings' day
    (D(2027, 4, 30), False),   # Reunification Day (Friday)
    (D(2027, 5, 3), False),    # Labour Day falls on Saturday: Monday off instead
    (D(2027, 5, 4), True),
    (D(2027, 9, 2), False),    # National Day
    (D(2027, 9, 3), False),
    (D(2027, 1, 1), False),    # New Year's Day
], ids=str)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_add_skips_the_weekend():
    # Friday + 1 is Monday
    assert add_working_days(D(2027, 3, 5), 1) == D(2027, 3, 8)
    # a Saturday start: the count begins on Monday
    assert add_working_days(D(2027, 3, 6), 1) == D(2027, 3, 8)


def test_add_across_tet_2027():
    # Wednesday 03/02: Tết runs Thursday 04/02 to Wednesday 10/02
    assert add_working_days(D(2027, 2, 3), 1) == D(2027, 2, 11)
    assert add_working_days(D(2027, 2, 3), 5) == D(2027, 2, 17)
    assert add_working_days(D(2027, 2, 3), 20) == D(2027, 3, 10)


def test_add_across_30_april_and_1_may():
    # 2027: 30/04 Friday, 01/05 Saturday observed on Monday 03/05
    assert add_working_days(D(2027, 4, 29), 1) == D(2027, 5, 4)
    # 2026: 30/04 Thursday, 01/05 Friday
    assert add_working_days(D(2026, 4, 29), 1) == D(2026, 5, 4)


def test_add_across_a_year_boundary():
    # Wednesday 30/12/2026: 31/12, (01/01 off, weekend), 04/01, 05/01
    assert add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert working_days_between(D(2026, 12, 30), D(2027, 1, 5)) == 3


def test_add_zero_is_the_day_itself_or_the_next_working_day():
    assert add_working_days(D(2027, 3, 3), 0) == D(2027, 3, 3)
    assert add_working_days(D(2027, 3, 6), 0) == D(2027, 3, 8)
    # on a holiday: the first working day after Tết
    assert add_working_days(D(2027, 2, 5), 0) == D(2027, 2, 11)


def test_add_refuses_a_negative_offset():
    with pytest.raises(ValueError):
        calendar_from(D(2027, 3, 1)).add(D(2027, 3, 1), -1)


def test_working_days_between():
    # after the start, up to and including the end
    assert working_days_between(D(2027, 3, 1), D(2027, 3, 8)) == 5
    assert working_days_between(D(2027, 2, 1), D(2027, 2, 28)) == 14  # 19 weekdays after 01/02, 5 of them Tết
    assert working_days_between(D(2027, 3, 1), D(2027, 3, 1)) == 0
    assert working_days_between(D(2027, 3, 8), D(2027, 3, 1)) == 0


def test_an_extra_day_off_is_not_worked():
    # given
    CalendarDay.objects.create(date=D(2027, 3, 3), is_working_day=False, name="Nghỉ bổ sung")

    # then
    assert is_working_day(D(2027, 3, 3)) is False
    assert add_working_days(D(2027, 3, 2), 1) == D(2027, 3, 4)
    assert working_days_between(D(2027, 3, 1), D(2027, 3, 8)) == 4


def test_a_make_up_saturday_is_worked():
    # given
    CalendarDay.objects.create(date=D(2027, 3, 6), is_working_day=True, name="Làm bù")

    # then
    assert is_working_day(D(2027, 3, 6)) is True
    assert add_working_days(D(2027, 3, 5), 1) == D(2027, 3, 6)
    assert working_days_between(D(2027, 3, 1), D(2027, 3, 8)) == 6


def test_the_administrator_may_make_a_public_holiday_a_working_day():
    # given
    CalendarDay.objects.create(date=D(2027, 9, 3), is_working_day=True, name="Đi làm")

    # then
    assert is_working_day(D(2027, 9, 3)) is True
    assert is_working_day(D(2027, 9, 2)) is False


def test_the_make_up_saturday_of_the_holidays_package_is_worked():
    # given: 2026 swaps Saturday 22/08 (worked) for Monday 31/08 (off)
    # then
    assert is_working_day(D(2026, 8, 22)) is True
    assert is_working_day(D(2026, 8, 31)) is False
    assert add_working_days(D(2026, 8, 21), 1) == D(2026, 8, 22)


def test_the_administrator_may_give_the_package_make_up_saturday_off():
    # given
    CalendarDay.objects.create(date=D(2026, 8, 22), is_working_day=False, name="Không làm bù")

    # then
    assert is_working_day(D(2026, 8, 22)) is False


def test_one_calendar_answers_many_questions_with_one_query(django_assert_num_queries):
    # given
    with django_assert_num_queries(1):
        calendar = WorkingCalendar.load(D(2027, 1, 1), D(2027, 3, 31))

    # then
    with django_assert_num_queries(0):
        assert calendar.add(D(2027, 2, 3), 20) == D(2027, 3, 10)
        assert calendar.between(D(2027, 2, 1), D(2027, 3, 1)) == 15


def test_a_day_far_outside_the_loaded_window_loads_a_wider_one(django_assert_num_queries):
    # given: a calendar loaded for one week of January 2027, and extra days off far from it
    CalendarDay.objects.create(date=D(2027, 9, 6), is_working_day=False, name="Nghỉ bổ sung")
    CalendarDay.objects.create(date=D(2026, 2, 23), is_working_day=False, name="Nghỉ bổ sung")
    calendar = WorkingCalendar.load(D(2027, 1, 4), D(2027, 1, 10))

    # then: each question outside the window reads the calendar once more
    with django_assert_num_queries(1):
        assert calendar.is_working_day(D(2027, 9, 2)) is False  # National Day
    with django_assert_num_queries(0):
        assert calendar.is_working_day(D(2027, 9, 6)) is False  # the extra day off, now loaded
        assert calendar.is_working_day(D(2027, 9, 7)) is True
        assert calendar.is_working_day(D(2027, 1, 5)) is True
    with django_assert_num_queries(1):
        assert calendar.is_working_day(D(2026, 2, 17)) is False  # Tết 2026, before the window
    with django_assert_num_queries(0):
        assert calendar.is_working_day(D(2026, 2, 23)) is False
        assert calendar.is_working_day(D(2026, 2, 24)) is True


def test_the_public_calendar_is_holidays_calendar_of_vietnam_loaded_alone():
    # Loaded alone (not through country_holidays, which imports every country's
    # calendar into each worker): the same days, and the same bridging weekends.
    import holidays

    from workflows.organisation.workdays import public_calendar

    for year in range(2024, 2031):
        expected = holidays.country_holidays("VN", years=year)
        assert public_calendar(year) == (frozenset(expected), frozenset(expected.weekend_workdays))
    assert dt.date(2026, 2, 17) in public_calendar(2026)[0]  # Tết


def test_a_process_that_counts_working_days_does_not_import_every_countrys_calendar():
    code = ("import sys, django; django.setup(); from workflows.organisation.workdays import public_calendar; "
            "public_calendar(2026); print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.test"}).stdout
    assert out.strip() == "[]"
