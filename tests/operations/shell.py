"""Running the operations guide's commands as a technician would: bash, in
the project's directory, with PostgreSQL's own programs of the server's
version (/usr/lib/postgresql/<v>/bin) and the project's Python first on the
PATH, the connection in PGHOST/PGPORT/PGUSER/PGPASSWORD (the test
database's), and the production settings for ``manage.py``."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

BASE = Path(settings.BASE_DIR)
GUIDE = BASE / "docs" / "operations.md"

#: What the app reads from the environment to find its database and broker:
#: a guide command says its own (DATABASE_URL=… in the line), never the
#: suite's; and never the suite's replica or Redis, so that nothing a command
#: does reaches another test's database or queue.
APP_ENVIRONMENT = ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "VAR_DIR")


def postgres_bin() -> Path:
    """The programs of the server's major version, as Debian installs them."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    found = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (found / "pg_dump").exists():
        pytest.skip(f"PostgreSQL {major}'s programs are not installed here ({found}): the server is elsewhere")
    return found


@dataclass
class Shell:
    """bash with the guide's environment; ``names`` are the shell variables
    the guide's lines use (SOURCE, RESTORED, DUMP, …)."""

    env: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)

    def run(self, line: str, *, check: bool = True, **names: str) -> subprocess.CompletedProcess:
        env = {**self.env, **self.names, **names}
        done = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=BASE, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        if check and done.returncode != 0:
            pytest.fail(f"`{line}` ended with {done.returncode}\n--- stdout\n{done.stdout[-3000:]}\n"
                        f"--- stderr\n{done.stderr[-3000:]}")
        return done


def shell() -> Shell:
    conf = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k not in APP_ENVIRONMENT}
    env.update(
        PATH=os.pathsep.join([str(postgres_bin()), str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        PGHOST=conf.get("HOST") or "localhost",
        PGPORT=str(conf.get("PORT") or 5432),
        PGUSER=conf.get("USER") or "postgres",
        # what /etc/cdcs/cdcs.env gives the production settings (values of no use elsewhere)
        DJANGO_SETTINGS_MODULE="project.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        PEOPLE_ID_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="cdcs.example.vn",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = conf["PASSWORD"]
    return Shell(env)


def connect(dbname: str) -> psycopg.Connection:
    """A plain connection to another database of the test's server (no
    Django alias: the suite's databases stay the suite's)."""
    conf = connection.settings_dict
    return psycopg.connect(host=conf.get("HOST") or "localhost", port=conf.get("PORT") or 5432,
                           user=conf.get("USER") or "postgres", password=conf.get("PASSWORD") or None,
                           dbname=dbname, autocommit=True)


def guide_lines() -> list[str]:
    """The guide's lines, stripped, to find its commands among."""
    return [line.strip() for line in GUIDE.read_text(encoding="utf-8").splitlines()]
