"""New rows of several tables written in one statement.

A campaign's move writes its events, the tasks of the stage it enters and,
for a recognition, the new union's follow-up: on PostgreSQL one
``WITH … INSERT … RETURNING`` statement for all of them, elsewhere one
``bulk_create`` per table. Either way every row gets its primary key, in the
order given.

The statement's text depends only on its shape (which tables, how many rows
of each): it is built once per shape and process, and prepared on the
server once per shape and connection (``core.prepared``). Each row's values
are those Django's own INSERT would send — each field's ``pre_save`` (its
default, ``auto_now_add``) then ``get_db_prep_save`` (JSON adapted, dates
and times as the backend wants them); a value that is an expression (a
``db_default`` left to the database) makes that part Django's compiled
INSERT instead.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.sql import InsertQuery

from workflows.core import prepared


def insert(rows: Sequence[Model]) -> None:
    """Write the unsaved ``rows`` (models without multi-table inheritance,
    with an auto primary key), setting each one's primary key; the rows of
    one model are written in the order given."""
    by_model: dict[type[Model], list[Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    if not by_model:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy
    if connection.vendor != "postgresql":
        for model, objs in by_model.items():
            model._default_manager.bulk_create(objs)
        return
    single = len(by_model) == 1  # one table: its INSERT … RETURNING alone, no WITH around it
    parts, params, selects = [], [], []
    for i, (model, objs) in enumerate(by_model.items()):
        sql, part_params = _part(connection, model, objs)
        parts.append(sql if single else f"rows{i} AS ({sql})")
        params += part_params
        selects.append(f"SELECT {i}, * FROM rows{i}")
    with prepared.cursor(connection) as cursor:  # the same few shapes on every move: planned once per connection
        cursor.execute(parts[0] if single else f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params)
        returned = [(0, pk) for (pk,) in cursor.fetchall()] if single else cursor.fetchall()
    lists = list(by_model.values())
    seen = [0] * len(lists)
    for part, pk in returned:
        obj = lists[part][seen[part]]
        seen[part] += 1
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def _fields(model: type[Model]) -> list:
    fields = _FIELDS.get(model)
    if fields is None:
        fields = _FIELDS[model] = [f for f in model._meta.concrete_fields
                                   if not f.generated and f is not model._meta.pk]
    return fields


def _part(connection, model: type[Model], objs: list[Model]) -> tuple[str, list]:
    """The INSERT … RETURNING of one model's rows, and its parameters."""
    fields = _fields(model)
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")
        params += [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in params):
        return _compiled(connection, model, objs, fields)
    key = (model, len(objs))
    sql = _SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = _SQL[key] = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                           f"VALUES {', '.join([row] * len(objs))} RETURNING {quote(model._meta.pk.column)}")
    return sql, params


def _compiled(connection, model: type[Model], objs: list[Model], fields: list) -> tuple[str, list]:
    """Django's own bulk INSERT of ``objs`` (where a value is an expression)."""
    query = InsertQuery(model)
    query.insert_values(fields, objs, raw=False)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [model._meta.pk]
    ((sql, params),) = compiler.as_sql()
    return sql, list(params)


#: Per model: the fields an INSERT writes; per (model, number of rows): its statement's text.
_FIELDS: dict[type[Model], list] = {}
_SQL: dict[tuple[type[Model], int], str] = {}
