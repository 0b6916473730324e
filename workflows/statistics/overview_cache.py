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

Past that minute they are still shown at once for a while
(``DASHBOARD_STALE_SECONDS``, an hour by default), saying when they were
counted, and counted again after the page is sent (``core.after_response``,
by the process that sent it): the next visitor gets them fresh, and the page
asks a moment later whether they are (``fresh_since``) and reloads itself
when they are. So no visitor waits for a count but the first of an hour (or
of the day: the day is in the key), one who asks for it ("Count again now")
and one who just wrote.

``DASHBOARD_SHARED_SECONDS = DASHBOARD_STALE_SECONDS = 0`` never keeps them
(the test suite's setting; the tests of this module switch it on).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from workflows.core import after_response, replica

#: Bumped when what is kept changes shape (a cache shared by workers of two releases during a deploy).
VERSION = 1
CACHE = "figures"
#: A count left for after a page is longer than this when its process died meanwhile: another may start.
COUNTING_SECONDS = 60


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
    stale: bool = False  # shared past DASHBOARD_SHARED_SECONDS: being counted again after this page is sent

    @property
    def seconds(self) -> int:
        return settings.DASHBOARD_SHARED_SECONDS

    @property
    def stamp(self) -> str:
        """When they were counted, as the page asks whether newer ones are kept (``fresh_since``)."""
        return f"{self.at.timestamp():.6f}"


def key(*parts) -> str:
    """The cache key of the figures decided by ``parts`` (ids, dates, choices) in the active language."""
    return ":".join(["overview", str(VERSION), translation.get_language() or "", *map(str, parts)])


def _kept_seconds() -> int:
    return max(settings.DASHBOARD_SHARED_SECONDS, settings.DASHBOARD_STALE_SECONDS)


def shown(parts: tuple, *, again: bool, count: Callable[[], Shown]) -> Shown:
    """The figures of ``parts`` (``key``): those counted less than
    ``DASHBOARD_SHARED_SECONDS`` ago; those counted less than
    ``DASHBOARD_STALE_SECONDS`` ago, counted again after the page is sent;
    else, or when ``again`` is asked or this client wrote since, ``count()``
    now. What is counted is kept for the others."""
    kept_for = _kept_seconds()
    if kept_for <= 0:
        return count()
    cache, name = caches[CACHE], key(*parts)
    if not again:
        kept = cache.get(name)
        wrote = replica.last_write()
        if kept is not None and (wrote is None or kept.at.timestamp() > wrote):
            age = (now() - kept.at).total_seconds()
            if age < settings.DASHBOARD_SHARED_SECONDS:
                return replace(kept, shared=True)
            if age < kept_for:
                _count_later(cache, name, count)
                return replace(kept, shared=True, stale=True)
    counted = count()
    cache.set(name, counted, timeout=kept_for)
    return counted


def _count_later(cache, name: str, count: Callable[[], Shown]) -> None:
    """Count the figures of ``name`` again once the page is sent, unless a
    request in progress already does (in this process; in every one with
    Redis): in the request's language, kept for the others."""
    if not cache.add(_counting(name), 1, timeout=COUNTING_SECONDS):
        return
    language = translation.get_language()

    def again() -> None:
        try:
            with translation.override(language):
                cache.set(name, count(), timeout=_kept_seconds())
        finally:
            cache.delete(_counting(name))

    after_response.defer(again)


def fresh_since(parts: tuple, stamp: str) -> bool | None:
    """Whether the figures of ``parts`` kept now were counted after
    ``stamp`` (a page showed those of ``stamp``): True; False while they are
    being counted; None when asking is no use (``stamp`` is not a time,
    nothing is kept, or nobody counts them: the count failed, or — without
    Redis — it runs in another worker; the page counts them when reloaded)."""
    try:
        since = float(stamp)
    except ValueError:
        return None
    if not math.isfinite(since) or _kept_seconds() <= 0:
        return None
    cache, name = caches[CACHE], key(*parts)
    kept = cache.get(name)
    if kept is not None and kept.at.timestamp() > since:
        return True
    return False if cache.get(_counting(name)) is not None else None


def _counting(name: str) -> str:
    """The mark of a count of ``name``'s figures under way."""
    return f"{name}:counting"


def now() -> dt.datetime:
    return timezone.now()
