"""The append-only tables (campaign history, audit log) cannot be rewritten
or wiped: PostgreSQL refuses UPDATE, DELETE and TRUNCATE (also through
CASCADE) by trigger, and the application's own role (``create_app_role``)
has no right to them at all."""
import os

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from tests.conftest import build_world, campaign_at
from workflows.audit.app_role import append_only_tables
from workflows.audit.models import AuditEntry, AuditKind
from workflows.audit.services import audit_record
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent
from workflows.organisation.models import ChangeRecord

APPEND_ONLY = ("audit_auditentry", "campaigns_campaignevent", "organisation_changerecord")


def counts() -> tuple[int, int, int]:
    return AuditEntry.objects.count(), CampaignEvent.objects.count(), ChangeRecord.objects.count()


@pytest.mark.postgres
def test_the_append_only_tables_are_known_by_their_triggers(db):
    assert append_only_tables() == APPEND_ONLY


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "TRUNCATE campaigns_campaignevent",
    "TRUNCATE campaigns_campaign CASCADE",
    "TRUNCATE audit_auditentry",
    "TRUNCATE auth_user CASCADE",
    "TRUNCATE audit_auditentry, campaigns_campaignevent RESTART IDENTITY",
    "TRUNCATE organisation_changerecord",
    "TRUNCATE organisation_unit CASCADE",
])
def test_postgresql_refuses_to_truncate_the_history_and_the_audit_log(world, statement):
    # given a history and an audit log, and a session as the tables' owner
    campaign_at(world, Stage.EMPLOYER_CONTACTED)
    audit_record(kind=AuditKind.SIGN_IN, user=world.officer)
    before = counts()

    # when it tries to wipe them (the test settings' escape for the test
    # runner's own flush switched off; the test's own pending foreign-key
    # checks done first, or PostgreSQL refuses TRUNCATE for that reason)
    with (pytest.raises(DatabaseError, match="append-only .TRUNCATE refused"), transaction.atomic(),
          connection.cursor() as cursor):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL cdcs.allow_truncate = off")
        cursor.execute(statement)

    # then nothing is gone
    assert counts() == before


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditentry SET ip_address = '198.51.100.1' WHERE id = %s",
    "DELETE FROM audit_auditentry WHERE id = %s",
])
def test_postgresql_refuses_to_rewrite_the_audit_log(db, statement):
    entry = audit_record(kind=AuditKind.SIGN_IN_FAILED, username="canbo")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).ip_address is None


def test_the_model_refuses_to_change_an_audit_entry(db):
    entry = audit_record(kind=AuditKind.SIGN_IN_FAILED, username="canbo")
    entry.username = "người khác"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    assert AuditEntry.objects.get().username == "canbo"


def test_a_user_in_the_audit_log_cannot_be_deleted(world):
    from django.db.models import ProtectedError

    audit_record(kind=AuditKind.SIGN_IN, user=world.other_officer)
    with pytest.raises(ProtectedError):
        world.other_officer.delete()
    assert AuditEntry.objects.get().user == world.other_officer


def test_the_app_role_command_needs_postgresql(db, monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")
    monkeypatch.setenv("CDCS_APP_PASSWORD", "x" * 32)
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("create_app_role", "--password-env", "CDCS_APP_PASSWORD")


# -- the application's own role ----------------------------------------------

ROLE = f"cdcs_app_test_{os.getpid()}"


@pytest.mark.postgres
@pytest.mark.parametrize("password", [None, "", "ngắn-quá"])
def test_the_app_role_command_refuses_a_missing_or_short_password(db, monkeypatch, password):
    if password is None:
        monkeypatch.delenv("CDCS_APP_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("CDCS_APP_PASSWORD", password)
    with pytest.raises(CommandError, match="CDCS_APP_PASSWORD must hold"):
        call_command("create_app_role", "--name", ROLE, "--password-env", "CDCS_APP_PASSWORD")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [ROLE])
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgres
def test_the_app_role_sql_can_be_printed_for_an_administrator(db, capsys):
    call_command("create_app_role", "--name", ROLE, "--print")

    printed = capsys.readouterr().out
    assert printed.startswith(f'CREATE ROLE "{ROLE}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
    assert "PASSWORD" not in printed
    assert printed.count("REVOKE UPDATE, DELETE, TRUNCATE ON") == 3
PASSWORD = "mật-khẩu-của-vai-trò-ứng-dụng"
INSERTS = {
    "campaigns_campaignevent": ("INSERT INTO campaigns_campaignevent (campaign_id, kind, at, from_stage, to_stage, "
                                "note, data) VALUES (%s, 'note', now(), '', '', 'ghi chú', '{}')"),
    "audit_auditentry": ("INSERT INTO audit_auditentry (at, kind, username, method, path, detail) "
                         "VALUES (now(), 'sign_in_failed', 'canbo', 'POST', '/', '')"),
    "organisation_changerecord": ("INSERT INTO organisation_changerecord (at, action, summary, before, after) "
                                  "VALUES (now(), 'unit_renamed', 'tên mới', '{}', '{}')"),
}
REFUSED = [
    ("UPDATE", "UPDATE {table} SET at = now()"),
    ("DELETE", "DELETE FROM {table}"),
    ("TRUNCATE", "TRUNCATE {table}"),
    ("TRUNCATE … CASCADE", "TRUNCATE {table} CASCADE"),
]


@pytest.fixture
def app_role(transactional_db, monkeypatch):
    monkeypatch.setenv("CDCS_APP_PASSWORD", PASSWORD)
    yield ROLE
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{ROLE}"')
        cursor.execute(f'DROP ROLE "{ROLE}"')


def connect_as(role: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None, dbname=settings["NAME"],
                           user=role, password=PASSWORD, autocommit=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_app_role_may_not_rewrite_or_wipe_the_append_only_tables(app_role, reference_data):
    # given a history and an audit log written by the app
    campaign = campaign_at(build_world(), Stage.EMPLOYER_CONTACTED)
    audit_record(kind=AuditKind.SIGN_IN, username="canbo")
    before = counts()

    # when the command creates the application role and the app connects as it
    call_command("create_app_role", "--name", app_role, "--password-env", "CDCS_APP_PASSWORD")
    refused, written = [], []
    with connect_as(app_role) as app, app.cursor() as cursor:
        for table in APPEND_ONLY:
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == {"audit_auditentry": before[0], "campaigns_campaignevent": before[1],
                                            "organisation_changerecord": before[2]}[table]
            cursor.execute(INSERTS[table], [campaign.pk] if table == "campaigns_campaignevent" else [])
            written.append(table)
            for label, statement in REFUSED:
                try:
                    cursor.execute(statement.format(table=table))
                except psycopg.errors.InsufficientPrivilege:
                    refused.append((table, label))
        # the rest of the app works as before: reads, writes, sequences
        cursor.execute("UPDATE campaigns_campaign SET version = version WHERE id = %s", [campaign.pk])
        assert cursor.rowcount == 1
        cursor.execute("DELETE FROM django_session")
        cursor.execute("SELECT count(*) FROM pg_class WHERE relowner = "
                       "(SELECT oid FROM pg_roles WHERE rolname = current_user)")
        owned = cursor.fetchone()[0]
        cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")
        attributes = cursor.fetchone()
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]

    # then every UPDATE, DELETE and TRUNCATE was refused, and every INSERT and SELECT worked
    assert refused == [(table, label) for table in APPEND_ONLY for label, _ in REFUSED]
    assert written == list(APPEND_ONLY)
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    # and the role owns nothing and may not make roles or databases
    assert owned == 0
    assert attributes == (False, False, False)
    # and its sessions plan without JIT (the server's default is on)
    assert jit == "off"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_app_role_command_runs_again_without_harm(app_role):
    call_command("create_app_role", "--name", app_role, "--password-env", "CDCS_APP_PASSWORD")
    call_command("create_app_role", "--name", app_role, "--password-env", "CDCS_APP_PASSWORD")

    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'audit_auditentry', 'INSERT'), "
                       "has_table_privilege(%s, 'audit_auditentry', 'UPDATE'), "
                       "has_table_privilege(%s, 'campaigns_campaign', 'UPDATE')", [app_role] * 3)
        assert cursor.fetchone() == (True, False, True)


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE organisation_changerecord SET summary = 'sửa lịch sử' WHERE id = %s",
    "DELETE FROM organisation_changerecord WHERE id = %s",
])
def test_postgresql_refuses_to_rewrite_the_organisation_history(world, statement):
    record = ChangeRecord.objects.filter(unit=world.district).earliest("pk")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [record.pk])

    assert ChangeRecord.objects.get(pk=record.pk).summary == record.summary
