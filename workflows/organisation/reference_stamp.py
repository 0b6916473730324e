"""Reference data cached per process, invalidated across processes by the
reference stamp (``models.ReferenceStamp``).

A campaign's move reads reference data that changes a few times a year —
the rule set in force, a stage's checklist, the working-day calendar, who
listens to webhooks — and writes a handful of rows. Reading the reference
data afresh cost half of a move's statements. Instead the move reads the
stamp in the statement that locks its row (``stamp_expression``, zero
statements more), and each process keeps what it read in
``StampedCache``s, good for one value of the stamp: the first move after an
administrator's change, in whichever process, sees another value and reads
the reference data again.

The stamp is set by triggers (migration ``0005_reference_stamp``) in the
writer's transaction, so a move that sees the old value read its row before
the change committed, and one that sees the new value reads the new data.
Without a stamp (``None``: SQLite, or a database emptied by a test) nothing
is cached.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection
from django.db.models import BigIntegerField, Subquery, Value

from .models import ReferenceStamp, Unit

T = TypeVar("T")
_MISSING = object()


def stamp_expression():
    """The stamp's value as an expression to annotate a query with (the
    move's row lock): NULL where no trigger keeps it (not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return Value(None, output_field=BigIntegerField())
    return Subquery(ReferenceStamp.objects.filter(pk=1).values("value")[:1], output_field=BigIntegerField())


def stamp_now() -> int | None:
    """The stamp's value (one query), for a caller that has no statement to
    carry it; None where there is no stamp."""
    if connection.vendor != "postgresql":
        return None
    return ReferenceStamp.objects.filter(pk=1).values_list("value", flat=True).first()


class StampedCache:
    """Values computed from reference data, kept in this process for one
    value of the stamp (at most ``maxsize`` of them, the least recently
    used go first). Safe to share between threads: a value computed while
    another thread saw a newer stamp is not kept."""

    def __init__(self, name: str, *, maxsize: int = 256) -> None:
        self.name, self.maxsize = name, maxsize
        self._lock = threading.Lock()
        self._stamp: int | None = None
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        _CACHES.append(self)

    def get(self, stamp: int | None, key: Hashable, load: Callable[[], T]) -> T:
        """The value of ``key`` for ``stamp``: kept, or ``load()``-ed and
        kept. Without a stamp, ``load()`` every time."""
        if stamp is None:
            return load()
        value = self._kept(stamp, key)
        if value is _MISSING:
            value = load()
            self.put(stamp, key, value)
        return value

    def peek(self, stamp: int | None, key: Hashable):
        """The value kept for ``key`` and ``stamp``, or None."""
        if stamp is None:
            return None
        value = self._kept(stamp, key)
        return None if value is _MISSING else value

    def _kept(self, stamp: int, key: Hashable):
        with self._lock:
            if stamp != self._stamp:
                self._values.clear()
                self._stamp = stamp
            value = self._values.get(key, _MISSING)
            if value is not _MISSING:
                self._values.move_to_end(key)
            return value

    def put(self, stamp: int | None, key: Hashable, value: object) -> None:
        """Keep ``value`` for ``key`` (replacing it), if ``stamp`` is still the one kept."""
        with self._lock:
            if stamp is None or stamp != self._stamp:
                return
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.maxsize:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._stamp = None


_CACHES: list[StampedCache] = []


def caches_clear() -> None:
    """Forget every cached value of this process (as a process that just started)."""
    for cache in _CACHES:
        cache.clear()


def deepest(unit_path: str, keeping: frozenset[str]) -> str:
    """Of the unit at ``unit_path`` and the units above it, the path of the
    deepest one among ``keeping`` (the units that keep some reference data
    of their own), "" if none: every unit under it, down to the next one
    that keeps its own, reads the same reference data."""
    step = Unit.steplen
    for end in range(len(unit_path), 0, -step):
        if unit_path[:end] in keeping:
            return unit_path[:end]
    return ""
