"""The dashboard's figures, counted once and shown for a moment to everyone
who opens the same page (``DASHBOARD_SHARED_SECONDS``, 60 by default).

A dashboard at national scale counts in 20–100 ms (18 queries on the
summary tables, the targets, the trend, a page of 20–50 KB), and the same
unit's page is opened again and again by its managers, supervisors and
officers while its figures change every few seconds somewhere in its
subtree. So the figures part of the page (what ``statistics/_overview_*.html``
render) is counted once and kept in the ``figures`` cache (each worker's
memory; Redis shared by every worker when ``REDIS_URL`` is set), under what
decides it: the unit, the period asked, the day, the language and whether the
user may plan the unit (a link). The page says when its figures were counted
and offers to count them again (``?again=1``). What a user may see is decided
on every request before the cache is asked: the unit picked among those the
user may pick (else 404), the picker itself, the unit above.

Read your own writes: a client that wrote after the figures were counted
(the cookie of its last write, ``core.replica.last_write``) gets them counted
again — and leaves them counted for the others.

``DASHBOARD_SHARED_SECONDS = 0`` never keeps them (the test suite's setting;
the tests of this module switch it on).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from workflows.core import replica

#: Bumped when what is kept changes shape (a cache shared by workers of two releases during a deploy).
VERSION = 1
CACHE = "figures"


@dataclass(frozen=True)
class Shown:
    """The figures part of a dashboard, rendered: its heading (the period and
    day), the notes on where the figures come from and the figures."""

    at: dt.datetime  # when their counting started
    as_of: dt.date | None  # the past day shown (None: now, or a day too long to count on a page)
    heading: SafeString
    notes: SafeString
    figures: SafeString
    shared: bool = False  # taken from the cache, counted for an earlier request

    @property
    def seconds(self) -> int:
        return settings.DASHBOARD_SHARED_SECONDS


def key(*parts) -> str:
    """The cache key of the figures decided by ``parts`` (ids, dates, choices) in the active language."""
    return ":".join(["overview", str(VERSION), translation.get_language() or "", *map(str, parts)])


def shown(parts: tuple, *, again: bool, count: Callable[[], Shown]) -> Shown:
    """The figures of ``parts`` (``key``): those counted less than
    ``DASHBOARD_SHARED_SECONDS`` ago, unless ``again`` is asked or this
    client wrote since; else ``count()``, kept for the others."""
    seconds = settings.DASHBOARD_SHARED_SECONDS
    if seconds <= 0:
        return count()
    cache, name = caches[CACHE], key(*parts)
    if not again:
        kept = cache.get(name)
        wrote = replica.last_write()
        if kept is not None and (wrote is None or kept.at.timestamp() > wrote):
            return replace(kept, shared=True)
    counted = count()
    cache.set(name, counted, timeout=seconds)
    return counted


def now() -> dt.datetime:
    return timezone.now()
