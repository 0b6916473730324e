"""The progress of a job that writes in one long transaction (an import's
commit), made visible while the transaction runs.

The transaction's own writes show only when it commits, and it holds a lock
on the row of what it commits (so that a second delivery of the job waits,
then finds the work done). So the progress goes to a row of its own, through
a second connection (PostgreSQL; autocommit, a short lock timeout, best
effort). SQLite has one writer at a time: there the bar shows no figure.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from . import clock


class LiveProgress:
    """``progress(done)`` sets ``done`` and ``updated_at`` of the row of
    ``table`` whose ``key_column`` is ``key``; ``close()`` when the work ends.
    ``report(done, total)``: a callback as well (a command's output, tests)."""

    def __init__(self, *, table: str, key_column: str, key: int, total: int, live: bool,
                 report: Callable[[int, int], None] | None = None):
        self.table, self.key_column, self.key = table, key_column, key
        self.total, self.report, self.side = total, report, None
        if live and connection.vendor == "postgresql":
            try:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '500ms'")
            except DatabaseError:
                self.side = None

    def __call__(self, done: int) -> None:
        if self.report:
            self.report(done, self.total)
        if self.side is None:
            return
        try:
            with self.side.cursor() as cursor:
                cursor.execute(f"UPDATE {self.table} SET done = %s, updated_at = %s "  # noqa: S608 - names from models
                               f"WHERE {self.key_column} = %s", [done, clock.now(), self.key])
        except DatabaseError:
            self.close()

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None
