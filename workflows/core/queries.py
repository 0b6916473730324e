"""Ways of reading a long list that follow its index instead of sorting or
counting every row."""
from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet


class PagesByIds:
    """A list's rows for a Paginator, with the count known beforehand (from
    a figure the page reads anyway): a page is its ids first — the ordered
    walk of an index, a few narrow columns, stopping at the page's end —
    then its rows by id with what they show. Not the count of every row,
    nor every row joined to its campaign and enterprise and sorted to keep
    a hundred. A Paginator takes it like a queryset (``count()`` and slices).

    ``rows``: ordered, with its ``select_related``; the ids are read from it
    without them.

    ``walk`` (optional): the same rows in the same order without the
    conditions that need a join (a scope over the campaigns' units), given
    when it holds exactly ``count`` rows too — then every row of it is one of
    ``rows``, and a page's ids are read from its index alone. The page's
    rows are still read through ``rows``: an id that is not among them (a
    row changed in between) makes the page read its ids from ``rows``."""

    ordered = True

    def __init__(self, rows: QuerySet, *, count: int, walk: QuerySet | None = None) -> None:
        self.rows, self.known, self.walk = rows, count, walk

    def count(self) -> int:
        return self.known

    def __len__(self) -> int:
        return self.known

    def __iter__(self):
        """Every row, in order (what iterating the queryset gives: a test, a caller that wants them all)."""
        return iter(self.rows)

    def __getitem__(self, item: slice | int):
        if isinstance(item, int):
            return self.rows[item]
        if self.walk is not None:
            ids = list(self.walk.select_related(None).values_list("pk", flat=True)[item])
            found = self._rows(ids)
            if len(found) == len(ids):
                return [found[pk] for pk in ids]
        ids = list(self.rows.select_related(None).values_list("pk", flat=True)[item])
        found = self._rows(ids)
        return [found[pk] for pk in ids if pk in found]

    def _rows(self, ids: list) -> dict:
        return {row.pk: row for row in self.rows.order_by().filter(pk__in=ids)} if ids else {}


def first_of_each(parts: Sequence[QuerySet], *, order: Sequence[str], limit: int) -> QuerySet:
    """The ids of the first ``limit`` rows of each of ``parts`` in ``order``
    (a stage's latest moved campaigns, a group's queue in due order), side by
    side in one ``UNION ALL``: each part walks its own index and stops at
    ``limit``, instead of every row sorted to find a page. Use it in
    ``pk__in``; only where ``connection.features.supports_slicing_ordering_in_compound``
    (PostgreSQL; SQLite has no ``LIMIT`` inside a ``UNION``)."""
    heads = [part.order_by(*order).values("pk")[:limit] for part in parts]
    return heads[0].union(*heads[1:], all=True) if len(heads) > 1 else heads[0]
