"""The restore drill of docs/operations.md, run by the suite as the guide
writes it.

Given a history built through the services (a federation, campaigns moved
through every stage, one recognised and one abandoned, their tasks, one
done, the organisation's history and the audit log), the drill takes the
nightly backup (deploy/backup/cdcs-backup: ``pg_dump --format=custom`` and
the fingerprint of the history in the dump's own snapshot), restores the
dump into a new database (created and dropped here) and shows, on the
restored database: ``manage.py statistics_reconcile`` finds drift 0; the
three append-only tables hold the same rows as the dump was taken from
(deploy/postgresql/history_fingerprint.sql prints the lines the backup
wrote); their triggers still refuse UPDATE, DELETE and TRUNCATE
(history_refuses_rewrite.sql: nine refusals), and the rows are the same
afterwards.

The second test partitions the restored campaign history by year
(partition_campaign_history.sql) and shows the same, plus a transition
written through the services into the new year's partition, and the
refusals on each partition directly.
"""
from __future__ import annotations

import re
import textwrap
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests import factories
from tests.conftest import build_world, campaign_at
from workflows.audit.models import AuditEntry, AuditKind
from workflows.audit.services import audit_record
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, CampaignEvent, Task, TaskStatus
from workflows.core import clock
from workflows.organisation.models import ChangeRecord

from .shell import connect, guide_lines, shell

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

#: The drill, line by line, as docs/operations.md prints it ("The restore
#: drill"). The guide sets SOURCE, RESTORED and BACKUPS, and the connection
#: in PGHOST, PGPORT, PGUSER (the password in ~/.pgpass), just above.
BACKUP = 'deploy/backup/cdcs-backup "$SOURCE" "$BACKUPS" 1'
DUMP = 'DUMP="$BACKUPS/$SOURCE-$(date +%F)"'
CREATE = 'createdb --template=template0 "$RESTORED"'
RESTORE = 'pg_restore --exit-on-error --dbname="$RESTORED" "$DUMP.dump"'
RECONCILE = 'DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$RESTORED" python manage.py statistics_reconcile'
SAME_HISTORY = ('psql --no-psqlrc --tuples-only --dbname="$RESTORED" '
                '--file=deploy/postgresql/history_fingerprint.sql | diff "$DUMP.fingerprint" -')
REFUSALS = 'psql --no-psqlrc --dbname="$RESTORED" --file=deploy/postgresql/history_refuses_rewrite.sql'
DROP = 'dropdb "$RESTORED"'
DRILL = (BACKUP, DUMP, CREATE, RESTORE, RECONCILE, SAME_HISTORY, REFUSALS, SAME_HISTORY, DROP)

#: The partitioning, as the guide prints it ("Partitioning the campaign history by year").
PARTITION = ('psql --no-psqlrc --set=ON_ERROR_STOP=1 --set=year=2027 --dbname=cdcs '
             '--file=deploy/postgresql/partition_campaign_history.sql')
FINGERPRINT = 'psql --no-psqlrc --tuples-only --dbname="$RESTORED" --file=deploy/postgresql/history_fingerprint.sql'

HISTORY = ("campaigns_campaignevent", "organisation_changerecord", "audit_auditentry")
REFUSED = Counter({(table, op): 1 for table in ("campaign events", "the organisation history", "the audit log")
                   for op in ("UPDATE", "DELETE", "TRUNCATE")})


def history_built():
    """A federation's history, written through the services only."""
    world = build_world()
    campaigns = {}
    for stage in (Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE, Stage.FOUNDING_CONGRESS,
                  Stage.RECOGNISED, Stage.ABANDONED):
        enterprise = factories.EnterpriseFactory(responsible_unit=world.district)
        campaigns[stage] = campaign_at(world, stage, enterprise=enterprise)
    task = (Task.objects.filter(campaign=campaigns[Stage.MOBILISING_COMMITTEE], status=TaskStatus.OPEN)
            .order_by("pk").first())
    services.task_complete(task_id=task.pk, actor=world.officer, note="Đã họp ban vận động")
    audit_record(kind=AuditKind.SIGN_IN, user=world.officer)
    audit_record(kind=AuditKind.SIGN_IN_FAILED, username="canbo")
    return world, campaigns


def fingerprint(output: str) -> dict[str, tuple[int, int, str]]:
    """history_fingerprint.sql's lines: table → (rows, last id, digest).
    Each line is its table's figures alone, never padded: in psql's aligned
    format one table's shorter digest re-padded the others' lines, and the
    drill's diff named tables whose history was the same."""
    found = {}
    for line in output.splitlines():
        cells = re.fullmatch(r"(\w+)\|(\d+)\|(\d+)\|(-?\d+)", line)
        assert cells is not None, f"not a fingerprint line: {line!r}\n{output}"
        table, rows, last_id, digest = cells.groups()
        found[table] = (int(rows), int(last_id), digest)
    return found


def refusals(stderr: str) -> Counter:
    return Counter(re.findall(r"ERROR:\s+(.+?) (?:are|is) append-only \((\w+) refused\)", stderr))


@pytest.fixture
def drill(tmp_path):
    """The guide's shell, with the test database as SOURCE and a new
    database beside it as RESTORED (dropped afterwards whatever happens)."""
    source = connection.settings_dict["NAME"]
    found = shell()
    found.names = {"SOURCE": source, "RESTORED": f"{source}_restored"[:63], "BACKUPS": str(tmp_path)}
    found.run('dropdb --if-exists --force "$RESTORED"')
    yield found
    found.run('dropdb --if-exists --force "$RESTORED"')


def backed_up_and_restored(drill) -> dict[str, tuple[int, int, str]]:
    """The drill's first lines: the backup, and its dump restored; the
    fingerprint the backup wrote."""
    drill.run(BACKUP)
    [dump] = (path for path in Path(drill.names["BACKUPS"]).iterdir() if path.suffix == ".dump")
    drill.names["DUMP"] = str(dump.with_suffix(""))
    drill.run(CREATE)
    drill.run(RESTORE)
    return fingerprint(dump.with_suffix(".fingerprint").read_text())


def test_the_guide_prints_the_drill_the_suite_runs():
    lines = guide_lines()
    # each command in this order (the fingerprint's comparison before and after the refusals)
    missing = [command for command in DRILL if command not in lines]
    assert missing == []
    at, positions = -1, []
    for command in DRILL:
        at = lines.index(command, at + 1)
        positions.append(at)
    assert positions == sorted(positions)
    assert PARTITION in lines


def test_a_dump_restored_into_a_new_database_has_the_whole_history_and_no_drift(reference_data, drill):
    # given a history written through the services
    history_built()
    expected = {"campaigns_campaignevent": CampaignEvent.objects.count(),
                "organisation_changerecord": ChangeRecord.objects.count(),
                "audit_auditentry": AuditEntry.objects.count()}
    assert Campaign.objects.count() == 6
    assert expected["audit_auditentry"] == 2

    # when the night's backup is restored into a new database
    dumped = backed_up_and_restored(drill)
    assert {table: rows for table, (rows, _, _) in dumped.items()} == expected

    # then the summaries agree with the history there
    assert drill.run(RECONCILE).stdout == "drift: 0 row(s)\n"
    # the history is the one dumped, row for row (diff prints nothing, ends with 0)
    assert drill.run(SAME_HISTORY).stdout == ""
    assert fingerprint(drill.run(FINGERPRINT).stdout) == dumped
    # it still refuses to be rewritten: nine refusals, and nothing changed
    refused = drill.run(REFUSALS)
    assert refusals(refused.stderr) == REFUSED, refused.stderr
    assert drill.run(SAME_HISTORY).stdout == ""

    # and the drill's last line drops it
    drill.run(DROP)
    assert drill.run('psql --no-psqlrc --tuples-only --dbname="$SOURCE" --command='
                     '"SELECT count(*) FROM pg_database WHERE datname = \'$RESTORED\'"').stdout.strip() == "0"


def test_a_restored_history_that_differs_from_the_dump_is_reported(reference_data, drill):
    # given a restored backup in which one audit entry is missing (the trigger put aside to remove it)
    history_built()
    backed_up_and_restored(drill)
    with connect(drill.names["RESTORED"]) as db:
        db.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        db.execute("DELETE FROM audit_auditentry WHERE id = (SELECT max(id) FROM audit_auditentry)")
        db.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")

    # then the drill's comparison fails and says which history differs, and that one only (whatever
    # the width of the figures: the lines are not padded to the widest of them)
    compared = drill.run(SAME_HISTORY, check=False)
    assert compared.returncode == 1, compared.stdout
    assert re.findall(r"^[<>]\s+(\w+)", compared.stdout, flags=re.MULTILINE) == ["audit_auditentry"] * 2, (
        compared.stdout)


#: A transition of the restored database through the services, on a day of
#: ``year``: its stage event must land in that year's partition.
TRANSITION_IN = textwrap.dedent("""\
    import datetime as dt
    from django.contrib.auth import get_user_model
    from workflows.campaigns import services
    from workflows.core import clock
    officer = get_user_model().objects.get(username="officer")
    with clock.travel_to(dt.date({year}, 3, 3)):
        services.campaign_meeting_record(campaign_id={campaign}, actor=officer, held_on=clock.today(),
                                         outcome="supportive")
        services.campaign_transition(campaign_id={campaign}, name="contact_employer", actor=officer)
    """)


def partitions(restored: str) -> dict[str, int]:
    with connect(restored) as db:
        rows = db.execute("SELECT c.relname, (SELECT count(*) FROM campaigns_campaignevent e "
                          "WHERE e.tableoid = c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                          "WHERE i.inhparent = 'campaigns_campaignevent'::regclass ORDER BY c.relname").fetchall()
    return dict(rows)


def test_the_restored_history_partitioned_by_year_keeps_every_row_and_refuses_rewriting(reference_data, drill):
    # given a restored history
    _, campaigns = history_built()
    source = backed_up_and_restored(drill)
    year = clock.today().year + 1

    # when its campaign history is partitioned by year from next year on
    drill.run(PARTITION.replace("year=2027", f"year={year}").replace("--dbname=cdcs", '--dbname="$RESTORED"'))

    # then every row is there, in the partition of the years before
    assert drill.run(SAME_HISTORY).stdout == ""
    events = source["campaigns_campaignevent"][0]
    assert partitions(drill.names["RESTORED"]) == {f"campaigns_campaignevent_before_{year}": events,
                                                   f"campaigns_campaignevent_y{year}": 0}
    # a transition written through the services next year goes to next year's partition, with the next id
    surveyed = campaigns[Stage.SURVEYED].pk
    drill.run(f"DATABASE_URL=\"postgres://$PGUSER@$PGHOST:$PGPORT/$RESTORED\" python manage.py shell "
              f"-c '{TRANSITION_IN.format(year=year, campaign=surveyed)}'")
    assert partitions(drill.names["RESTORED"]) == {f"campaigns_campaignevent_before_{year}": events,
                                                   f"campaigns_campaignevent_y{year}": 2}
    with connect(drill.names["RESTORED"]) as db:
        new_ids = [i for (i,) in db.execute(
            f"SELECT id FROM campaigns_campaignevent_y{year} ORDER BY id").fetchall()]
    assert new_ids == [source["campaigns_campaignevent"][1] + 1, source["campaigns_campaignevent"][1] + 2]
    assert drill.run(RECONCILE).stdout == "drift: 0 row(s)\n"

    # the history still refuses rewriting, through the parent and on each partition directly
    assert refusals(drill.run(REFUSALS).stderr) == REFUSED
    with connect(drill.names["RESTORED"]) as db:
        for table in (f"campaigns_campaignevent_before_{year}", f"campaigns_campaignevent_y{year}"):
            for statement in (f"UPDATE {table} SET note = 'sửa' WHERE id = (SELECT min(id) FROM {table})",
                              f"DELETE FROM {table} WHERE id = (SELECT min(id) FROM {table})",
                              f"TRUNCATE {table}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"), db.transaction():
                    db.execute(statement)
        # each partition is known by its triggers (create_app_role revokes its rights), with the
        # history's autovacuum settings
        tagged = db.execute("SELECT c.relname, c.reloptions FROM pg_class c WHERE c.relkind = 'r' AND EXISTS "
                            "(SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal "
                            "AND t.tgname LIKE '%append_only%') ORDER BY c.relname").fetchall()
    assert [name for name, _ in tagged] == sorted([*HISTORY[1:], f"campaigns_campaignevent_before_{year}",
                                                   f"campaigns_campaignevent_y{year}"])
    assert all("autovacuum_freeze_min_age=0" in (options or []) for _, options in tagged), tagged
