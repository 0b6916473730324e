"""Create or update the application's own database role (PostgreSQL): it
owns nothing, may read and write what the app needs, and may not UPDATE,
DELETE or TRUNCATE the append-only tables. Run it as the owner of the tables
after every ``migrate``; idempotent."""
import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from workflows.audit.app_role import app_role_create, app_role_statements, append_only_tables, role_exists

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class Command(BaseCommand):
    help = ("Create or update the application's database role: no ownership, no UPDATE/DELETE/TRUNCATE on the "
            "append-only tables. Run as the tables' owner after every migrate.")

    def add_arguments(self, parser):
        parser.add_argument("--name", default="cdcs_app", help="the role's name (default cdcs_app)")
        parser.add_argument("--password-env", metavar="VARIABLE",
                            help="the environment variable that holds the role's password")
        parser.add_argument("--print", action="store_true", dest="print_only",
                            help="print the SQL instead of running it (without the password)")

    def handle(self, *args, name, password_env, print_only, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The application role needs PostgreSQL (DATABASE_URL=postgres://…).")
        if not ROLE_NAME.fullmatch(name):
            raise CommandError(f"{name!r} is not a role name: lower-case letters, digits and _, at most 63.")
        if print_only:
            statements = app_role_statements(role=name, password=None, exists=role_exists(name),
                                             append_only=append_only_tables())
            self.stdout.write(";\n".join(statements) + ";")
            return
        if not password_env:
            raise CommandError("Give --password-env VARIABLE: the environment variable that holds the password.")
        password = os.environ.get(password_env, "")
        if len(password) < 16:
            raise CommandError(f"${password_env} must hold the role's password (at least 16 characters).")
        report = app_role_create(role=name, password=password)
        self.stdout.write(f"{'created' if report.created else 'updated'}: role {report.role}, rights on "
                          f"{report.tables} tables; append-only (no UPDATE, DELETE, TRUNCATE): "
                          f"{', '.join(report.append_only) or 'none'}")
