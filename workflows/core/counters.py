"""Adding deltas to a summary table, inside the caller's transaction.

One ``INSERT … ON CONFLICT … DO UPDATE SET x = x + EXCLUDED.x`` statement per
call (PostgreSQL and SQLite both speak it): no read-modify-write, so
concurrent transactions add up instead of overwriting each other, and rows
are touched in key order so that two transactions cannot deadlock on them.
The apps that own summary tables (``campaigns.figures``,
``enterprises.figures``) say which rows move.
"""
from __future__ import annotations

from collections import defaultdict

from django.db import connection


def add(model, keys: tuple[str, ...], deltas: dict[tuple, dict[str, int]]) -> None:
    """Add ``deltas`` (key values → {column: delta}) to ``model``'s rows,
    whose unique key is the fields ``keys``."""
    deltas = {key: columns for key, columns in deltas.items() if any(columns.values())}
    if not deltas:
        return
    columns = sorted({column for values in deltas.values() for column in values})
    table = connection.ops.quote_name(model._meta.db_table)
    key_columns = [model._meta.get_field(k).column for k in keys]
    names = ", ".join(connection.ops.quote_name(c) for c in key_columns + columns)
    row = "(" + ", ".join(["%s"] * (len(key_columns) + len(columns))) + ")"
    params: list = []
    for key in sorted(deltas):
        params += [*key, *(deltas[key].get(column, 0) for column in columns)]
    updates = ", ".join(f"{connection.ops.quote_name(c)} = {table}.{connection.ops.quote_name(c)} + "
                        f"EXCLUDED.{connection.ops.quote_name(c)}" for c in columns)
    conflict = ", ".join(connection.ops.quote_name(c) for c in key_columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(deltas))} "
                       f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}", params)


def table(default_factory=int):
    """Deltas to fill: ``table()[key][column] += n``."""
    return defaultdict(lambda: defaultdict(default_factory))
