"""The backup scripts of deploy/backup that the guide installs on the
database server: the nightly dump (run for real on the test database) and
the weekly base backup (its keeping and pruning, with a stand-in for
pg_basebackup: a real one needs a replication connection that the test
server does not offer)."""
from __future__ import annotations

import os
import stat
import time

import pytest
from django.db import connection

from .shell import BASE, shell

BACKUP = BASE / "deploy" / "backup" / "cdcs-backup"
BASEBACKUP = BASE / "deploy" / "backup" / "cdcs-basebackup"
FINGERPRINT_SQL = "deploy/postgresql/history_fingerprint.sql"

pytestmark = pytest.mark.postgres


def aged(path, days: float) -> None:
    path.write_bytes(b"old")
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_the_nightly_dump_is_whole_private_fingerprinted_and_kept_so_many_days(db, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the dump of the roles (pg_dumpall --roles-only) needs a superuser, as on the server")
    database = connection.settings_dict["NAME"]
    # given the backups of other nights, and a file that is none of them
    for night, days in (("2000-01-01", 3.5), ("2000-01-03", 1.5)):
        for name in (f"{database}-{night}.dump", f"{database}-{night}.fingerprint", f"roles-{night}.sql"):
            aged(tmp_path / name, days)
    aged(tmp_path / "notes.txt", 30)

    # when the night's backup runs, keeping 3 days
    run = shell()
    done = run.run(f'{BACKUP} "$SOURCE" "$DIR" 3', SOURCE=database, DIR=str(tmp_path))

    # then tonight's dump is there, readable by pg_restore, with its fingerprint and the roles
    [dump] = (path for path in tmp_path.glob(f"{database}-*.dump") if "2000" not in path.name)
    fingerprint, roles = dump.with_suffix(".fingerprint"), tmp_path / f"roles-{dump.stem[-10:]}.sql"
    assert done.stdout.startswith(f"cdcs-backup: {dump} (") and done.stdout.endswith(f"), {fingerprint}, {roles}\n")
    listed = run.run(f'pg_restore --list "{dump}"').stdout
    assert "TABLE public campaigns_campaignevent" in listed and "TRIGGER public campaigns_campaignevent " in listed
    assert fingerprint.read_text() == run.run(
        f'psql --no-psqlrc --tuples-only --dbname="$SOURCE" --file={FINGERPRINT_SQL}', SOURCE=database).stdout
    assert "CREATE ROLE" in roles.read_text()
    # by its owner only
    assert {stat.S_IMODE(path.stat().st_mode) for path in (dump, fingerprint, roles)} == {0o600}
    # the nights older than 3 days are gone, the others and what is not a backup stay
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([
        dump.name, fingerprint.name, roles.name, f"{database}-2000-01-03.dump",
        f"{database}-2000-01-03.fingerprint", "roles-2000-01-03.sql", "notes.txt"])


def test_a_failed_dump_leaves_no_dump_and_fails_the_service(db, tmp_path):
    # given a pg_dump that fails half-way (it has written part of its file)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pg_dump").write_text('#!/bin/sh\nfor a; do case $a in --file=*) echo half > "${a#--file=}";; '
                                     'esac; done\necho "pg_dump: error: connection lost" >&2\nexit 1\n')
    (bin_dir / "pg_dump").chmod(0o755)
    run = shell()
    run.env["PATH"] = f"{bin_dir}:{run.env['PATH']}"

    done = run.run(f'{BACKUP} "$SOURCE" "$DIR" 3', check=False, SOURCE=connection.settings_dict["NAME"],
                   DIR=str(tmp_path / "dumps"))

    assert done.returncode == 1
    assert "cdcs-backup: pg_dump failed" in done.stderr
    # nothing has a backup's final name
    assert [p.name for p in (tmp_path / "dumps").iterdir() if p.suffix in (".dump", ".fingerprint", ".sql")] == []


@pytest.mark.parametrize("days", ["0", "-1", "two", ""])
def test_the_nightly_dump_refuses_a_wrong_number_of_days_and_writes_nothing(db, tmp_path, days):
    done = shell().run(f'{BACKUP} "$SOURCE" "$DIR" "{days}"', check=False,
                       SOURCE=connection.settings_dict["NAME"], DIR=str(tmp_path / "dumps"))
    assert done.returncode != 0
    assert not (tmp_path / "dumps").exists()


#: pg_basebackup as the script calls it, without a server: it writes the
#: backup's files and archives its backup history file, as PostgreSQL does
#: when a base backup ends, named after the next WAL segment.
FAKE_PG_BASEBACKUP = """#!/usr/bin/env bash
set -eu
for arg in "$@"; do
    case $arg in --pgdata=*) target=${arg#--pgdata=} ;; --label=*) label=${arg#--label=} ;; esac
done
mkdir -p "$target"; echo base > "$target/base.tar.gz"; echo wal > "$target/pg_wal.tar.gz"
n=$(cat "$WAL_COUNTER"); echo $((n + 2)) > "$WAL_COUNTER"
segment=$(printf '0000000100000000000000%02X' "$n")
touch "$WAL/$segment" "$WAL/$(printf '0000000100000000000000%02X' $((n + 1)))"
printf 'START WAL LOCATION: 0/%X000028 (file %s)\\nLABEL: %s\\n' "$n" "$segment" "$label" \
    > "$WAL/$segment.00000028.backup"
"""


def test_the_weekly_base_backup_keeps_the_newest_and_the_wal_they_need(db, tmp_path):
    # given a backup volume with archived WAL, and pg_basebackup's stand-in
    bin_dir, wal = tmp_path / "bin", tmp_path / "backup" / "wal"
    bin_dir.mkdir()
    wal.mkdir(parents=True)
    (bin_dir / "pg_basebackup").write_text(FAKE_PG_BASEBACKUP)
    (bin_dir / "pg_basebackup").chmod(0o755)
    (tmp_path / "counter").write_text("3")
    for n in (1, 2):
        (wal / f"0000000100000000000000{n:02X}").touch()
    run = shell()
    run.env["PATH"] = f"{bin_dir}:{run.env['PATH']}"
    run.names = {"WAL": str(wal), "WAL_COUNTER": str(tmp_path / "counter"), "DIR": str(tmp_path / "backup")}

    # when it runs three weeks in a row, keeping 2
    for _ in range(3):
        run.run(f'{BASEBACKUP} "$DIR" 2')
        time.sleep(1.1)  # a base backup is named after the second it started

    # then the 2 newest base backups stay, whole
    kept = sorted((tmp_path / "backup" / "base").iterdir())
    assert len(kept) == 2
    assert all(sorted(p.name for p in backup.iterdir()) == ["base.tar.gz", "pg_wal.tar.gz"] for backup in kept)
    # and the WAL from the oldest kept one on: segments 5 to 8 (the first week's, 1 to 4, are gone)
    segments = sorted(p.name for p in wal.iterdir() if len(p.name) == 24)
    assert segments == [f"0000000100000000000000{n:02X}" for n in (5, 6, 7, 8)]


@pytest.mark.parametrize("keep", ["0", "x"])
def test_the_base_backup_refuses_a_wrong_number_to_keep(db, tmp_path, keep):
    done = shell().run(f'{BASEBACKUP} "$DIR" "{keep}"', check=False, DIR=str(tmp_path / "backup"))
    assert done.returncode == 2
    assert not (tmp_path / "backup").exists()
