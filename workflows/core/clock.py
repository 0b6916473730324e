"""The application's clock.

Every service reads the time here rather than from ``timezone.now()`` so that
the demo-data builder can write a believable past (a campaign opened in March,
advanced in May) through the real services, and so that tests can stand on a
given day. ``travel_to`` is a context-local override, not a global patch.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar

from django.utils import timezone

_fixed: ContextVar[dt.datetime | None] = ContextVar("workflows_clock", default=None)


def now() -> dt.datetime:
    return _fixed.get() or timezone.now()


def today() -> dt.date:
    return timezone.localtime(now()).date()


@contextlib.contextmanager
def travel_to(when: dt.datetime | dt.date) -> Iterator[None]:
    """Run the block as if it were ``when`` (a date means 09:00 local time)."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time(9, 0))
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    token = _fixed.set(when)
    try:
        yield
    finally:
        _fixed.reset(token)
