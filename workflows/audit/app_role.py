"""The application's own PostgreSQL role: it owns nothing, reads and writes
what the app needs, and may not UPDATE, DELETE or TRUNCATE the append-only
tables (campaign history, audit log).

The migrations run as the owner of the tables (``DATABASE_URL`` of the
deploy step); the web tier and the job worker connect as this role. The
append-only tables are those that carry an ``*_append_only*`` trigger (the
migrations that install the triggers are the one list of them), so a table
made append-only later is covered by running ``create_app_role`` again,
which every deploy does after ``migrate``.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection as default_connection, transaction
from psycopg import sql

APPEND_ONLY_TRIGGER = "%append_only%"


@dataclass(frozen=True)
class AppRoleReport:
    role: str
    created: bool
    tables: int
    append_only: tuple[str, ...]


def append_only_tables(connection=default_connection) -> tuple[str, ...]:
    """The tables of the current schema that refuse rewriting, by trigger."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE %s AND c.relnamespace = current_schema()::regnamespace "
            "ORDER BY c.relname", [APPEND_ONLY_TRIGGER])
        return tuple(name for (name,) in cursor.fetchall())


def app_role_statements(*, role: str, password: str | None, exists: bool, append_only: tuple[str, ...],
                        connection=default_connection) -> list[str]:
    """The SQL that creates (or brings up to date) ``role``. Idempotent: it
    first takes back every table right, then grants what the app needs."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
    name, schema, database = sql.Identifier(role), sql.Identifier(schema), sql.Identifier(database)
    password_clause = sql.SQL(" PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("")
    statements = [
        sql.SQL("{} {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS{}").format(
            sql.SQL("ALTER ROLE") if exists else sql.SQL("CREATE ROLE"), name, password_clause),
        # JIT costs 7–24 ms on the plans it misjudges and saves nothing on this
        # application's short queries (docs/operations.md, bench/RESULTS.md).
        sql.SQL("ALTER ROLE {} SET jit = off").format(name),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, name),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, name),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(schema, name),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, name),
        # Tables a later migration creates are usable at once; running this
        # again after each migrate takes the rights back from a new
        # append-only table (its triggers refuse meanwhile).
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}").format(
            schema, name),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE, SELECT ON SEQUENCES TO {}").format(schema, name),
        *(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {}.{} FROM {}").format(schema, sql.Identifier(table), name)
          for table in append_only),
    ]
    return [statement.as_string(connection.connection) for statement in statements]


def role_exists(role: str, connection=default_connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [role])
        return cursor.fetchone()[0]


def app_role_create(*, role: str, password: str, connection=default_connection) -> AppRoleReport:
    """Create ``role`` (or update its password and rights) as the owner of
    the tables, in one transaction. PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The application role is a PostgreSQL feature.")
    with transaction.atomic(using=connection.alias):
        exists = role_exists(role, connection)
        append_only = append_only_tables(connection)
        statements = app_role_statements(role=role, password=password, exists=exists, append_only=append_only,
                                         connection=connection)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
            tables = cursor.fetchone()[0]
    return AppRoleReport(role=role, created=not exists, tables=tables, append_only=append_only)
