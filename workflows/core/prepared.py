"""Statements that a campaign's move runs on every move, prepared once.

- ``PreparedGet``: a queryset's ``get(pk=…)`` compiled once per database
  connection. Building a queryset and compiling it to SQL costs a move more
  than a millisecond of Python for its row lock (``select_for_update`` with
  three joined rows and the reference stamp): more than PostgreSQL takes to
  run it. It compiles the queryset once (per thread's connection) with a
  stand-in primary key, and afterwards only runs the SQL and builds the
  instances as Django's ``ModelIterable`` does — the same columns,
  converters, joined instances and annotations.
- ``PreparedRows``: the same for a ``values_list`` queryset of a few
  arguments (the user's grants, read on every page).
- ``cursor()``: a cursor whose statements PostgreSQL prepares once per
  connection (server-side binding, ``prepare=True``): Django binds the
  parameters on the client, so PostgreSQL parses and plans every statement
  every time — for a move's lock, its events and tasks, its figures, the
  tasks it cancels and the campaign's UPDATE, half a millisecond of
  planning a move (EXPLAIN ANALYZE at national scale; the lock's plan alone
  0,22 ms). Used for those few statements,
  whose SQL has the same few shapes on every move (psycopg keeps the 100
  most recent prepared statements of a connection). Behind a connection
  pooler in transaction mode (PgBouncer) prepared statements need
  PgBouncer 1.21 or later with ``max_prepared_statements`` set, or
  ``PREPARED_STATEMENTS=0``.
  Its cursor also keeps psycopg's conversion of each statement's text
  (where the placeholders are, what they are): psycopg keeps it only for
  statements of at most 4.096 characters and 50 parameters, and a move's
  INSERT of its events and tasks, or its figures, is longer.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

#: The primary key the queryset is compiled with, found again among the SQL's parameters.
_STAND_IN = -7_654_321_987


class PreparedGet:
    """``queryset_for(pk).get()``, compiled once: ``queryset_for`` returns the
    queryset of the row whose primary key it is given (it is called once
    per connection, with a stand-in)."""

    def __init__(self, queryset_for: Callable[[int], QuerySet]) -> None:
        self._queryset_for = queryset_for
        self._local = threading.local()

    def get(self, pk: int) -> Model:
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled.connection is not connections[compiled.alias]:
            compiled = self._local.compiled = _Compiled(self._queryset_for(_STAND_IN))
        return compiled.get(pk)


class _Compiled:
    def __init__(self, queryset: QuerySet) -> None:
        self.alias = queryset.db
        self.connection = connections[self.alias]
        self.locks = queryset.query.select_for_update and self.connection.features.has_select_for_update
        compiler = queryset.query.get_compiler(using=self.alias)
        sql, params = compiler.as_sql()
        self.sql, self.params = sql, list(params)
        (self.at,) = [i for i, p in enumerate(self.params) if p == _STAND_IN]
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start:self.end]]
        self.populators = get_related_populators(klass_info, select, self.alias)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = compiler.get_converters([s[0] for s in select[0:compiler.col_count]])
        self.compiler = compiler

    def get(self, pk: int) -> Model:
        if self.locks and self.connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(self.params)
        params[self.at] = pk
        with cursor(self.connection) as prepared:
            prepared.execute(self.sql, params)
            row = prepared.fetchone()
        if row is None:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        if self.converters:
            row = next(self.compiler.apply_converters([row], self.converters))
        obj = self.model.from_db(self.alias, self.init_list, row[self.start:self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.annotations:
            setattr(obj, name, row[position])
        return obj


class PreparedRows:
    """The rows of ``queryset_for(*stand_ins)`` (a ``values_list`` queryset:
    tuples), compiled once per connection and prepared on the server, for a
    query that a request runs on every page (who the user is allowed to see):
    its ORM building and PostgreSQL's planning cost more than running it.
    ``stand_ins`` are values of the right types that no real argument takes;
    each is found among the compiled SQL's parameters (as given, or as the
    database takes a date, or as ``startswith``'s pattern) and replaced by
    the argument given to ``rows`` at that place, taken the same way (a
    lookup that changes its value otherwise cannot take one: ``ValueError``).
    Read from ``using`` if given, else where the router sends the model's
    reads at the time (the read replica inside a block that reads it), each
    database with its own compiled statement."""

    def __init__(self, queryset_for: Callable[..., QuerySet], *stand_ins, using: str | None = None) -> None:
        self._queryset_for, self._stand_ins, self._using = queryset_for, stand_ins, using
        self._model = None
        self._local = threading.local()

    def alias(self) -> str:
        """The database the rows are read from now: ``using``, else where the router sends the model's reads."""
        if self._using is not None:
            return self._using
        if self._model is None:
            self._model = self._built().model
        return router.db_for_read(self._model)

    def rows(self, *values) -> list[tuple]:
        alias = self.alias()
        compiled = getattr(self._local, "compiled", None)
        if compiled is None:
            compiled = self._local.compiled = {}
        found = compiled.get(alias)
        if found is None or found.connection is not connections[alias]:
            found = compiled[alias] = _CompiledRows(self._built(), self._stand_ins, alias)
        return found.rows(values)

    def _built(self) -> QuerySet:
        """The queryset with the stand-ins (built once per thread; compiling it leaves it unchanged)."""
        built = getattr(self._local, "built", None)
        if built is None:
            built = self._local.built = self._queryset_for(*self._stand_ins)
        return built


class _CompiledRows:
    def __init__(self, queryset: QuerySet, stand_ins: tuple, using: str) -> None:
        self.connection = connection = connections[using]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        self.sql, self.params = sql, list(params)
        self.places: list[tuple[int, int, Callable]] = []  # (parameter, argument, how the database takes it)
        for argument, stand_in in enumerate(stand_ins):
            found = False
            for adapt in _adapters(connection, stand_in):
                taken = adapt(stand_in)
                for i, param in enumerate(self.params):
                    if param != taken:
                        continue
                    if type(param) is type(taken):
                        self.places.append((i, argument, adapt))
                    elif isinstance(param, int) and isinstance(taken, int):  # Django's psycopg Int4/Int8 wrapping
                        self.places.append((i, argument, _wrapped(adapt, type(param))))
                    else:
                        continue
                    found = True
            if not found:
                raise ValueError(f"the stand-in {stand_in!r} is not among the compiled query's parameters")
        self.converters = compiler.get_converters([s[0] for s in compiler.select[0:compiler.col_count]])
        self.compiler = compiler

    def rows(self, values: tuple) -> list[tuple]:
        params = list(self.params)
        for i, argument, adapt in self.places:
            params[i] = adapt(values[argument])
        with cursor(self.connection) as prepared:
            prepared.execute(self.sql, params)
            rows = prepared.fetchall()
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows


def _adapters(connection, value) -> list[Callable]:
    """How a lookup's value may reach the compiled parameters: as it is, as
    the database takes a date, or as ``startswith``'s pattern."""
    if isinstance(value, dt.datetime):
        return [_same, connection.ops.adapt_datetimefield_value]
    if isinstance(value, dt.date):
        return [_same, connection.ops.adapt_datefield_value]
    if isinstance(value, str):
        return [_same, lambda text: f"{connection.ops.prep_for_like_query(text)}%"]
    return [_same]


def _wrapped(adapt: Callable, wrap: type) -> Callable:
    return lambda value: wrap(adapt(value))


def _same(value):
    return value


def cursor(connection=None):
    """A cursor of ``connection`` (the default database's by default) whose
    statements are prepared on the server (see the module); Django's
    wrapper around it logs and counts them as any other. Elsewhere than on
    PostgreSQL with psycopg 3, or with ``PREPARED_STATEMENTS`` off, the
    connection's usual cursor."""
    connection = connection or connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy
    if connection.vendor != "postgresql" or not getattr(settings, "PREPARED_STATEMENTS", True):
        return connection.cursor()
    from django.db.backends.postgresql.base import is_psycopg3

    if not is_psycopg3:
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    if connection.connection.prepare_threshold is None:
        # Django turns psycopg's preparation off (None: not even on request); this threshold is never
        # reached by a statement not asked to be prepared (Django's own cursors bind on the client)
        connection.connection.prepare_threshold = ON_REQUEST_ONLY
    raw = _preparing_class()(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


#: psycopg's threshold of executions before it prepares a statement by itself: never, in effect.
ON_REQUEST_ONLY = 2**62

_PREPARING: list[type] = []


def _preparing_class() -> type:
    """Django's server-binding cursor class, preparing every statement it runs."""
    if not _PREPARING:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class Preparing(ServerBindingCursor):
            def execute(self, query, params=None, *, prepare=None, binary=None):
                return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

            def _send_query_prepared(self, name, pgq, *, binary=None):
                # psycopg (3.3) keeps the statement it ran for a plain execution only; Django's query log
                # reads it from there (``last_executed_query``): a prepared one would be logged as None
                self._query = pgq
                return super()._send_query_prepared(name, pgq, binary=binary)

        _PREPARING.append(Preparing)
        Preparing._query_cls = _converted_query_class()
    return _PREPARING[0]


def _converted_query_class() -> type:
    """psycopg's query of a server-binding cursor, the conversion of each
    text kept in ``_CONVERTED`` (psycopg's own cache leaves long statements
    out: see the module)."""
    from psycopg._queries import PostgresQuery, _query2pg_nocache

    class Converted(PostgresQuery):
        def convert(self, query, vars):
            if vars is None or not isinstance(query, str):
                return super().convert(query, vars)
            encoding = self._tx.encoding
            parts = _CONVERTED.get((query, encoding))
            if parts is None:
                if len(_CONVERTED) >= _CONVERTED_MAX:  # a bound, never reached by the moves' few shapes
                    _CONVERTED.clear()
                parts = _CONVERTED[query, encoding] = _query2pg_nocache(query.encode(encoding), encoding)
            self.query, self._want_formats, self._order, self._parts = parts
            self.dump(vars)

    return Converted


#: The conversions kept (statement text and encoding → psycopg's parts), at most ``_CONVERTED_MAX``.
_CONVERTED: dict[tuple[str, str], tuple] = {}
_CONVERTED_MAX = 512
