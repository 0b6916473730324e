"""New rows of several tables written in one statement.

A campaign's move writes its events, the tasks of the stage it enters and,
for a recognition, the new union's follow-up: on PostgreSQL one
``WITH … INSERT … RETURNING`` statement for all of them (each table's part
is Django's own bulk INSERT, so field defaults, ``pre_save`` and JSON are
as ``bulk_create`` makes them), elsewhere one ``bulk_create`` per table.
Either way every row gets its primary key, in the order given.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
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
    if connection.vendor != "postgresql" or len(by_model) == 1:
        for model, objs in by_model.items():
            model._default_manager.bulk_create(objs)
        return
    parts, params, selects = [], [], []
    for i, (model, objs) in enumerate(by_model.items()):
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="insert")
        fields = [f for f in model._meta.concrete_fields if not f.generated and f is not model._meta.pk]
        query = InsertQuery(model)
        query.insert_values(fields, objs, raw=False)
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [model._meta.pk]
        ((sql, part_params),) = compiler.as_sql()
        parts.append(f"rows{i} AS ({sql})")
        params += part_params
        selects.append(f"SELECT {i}, * FROM rows{i}")
    with prepared.cursor() as cursor:  # the same few shapes on every move: planned once per connection
        cursor.execute(f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params)
        returned = cursor.fetchall()
    lists = list(by_model.values())
    seen = [0] * len(lists)
    for part, pk in returned:
        obj = lists[part][seen[part]]
        seen[part] += 1
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
