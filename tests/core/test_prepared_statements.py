"""``core.prepared.cursor``: a move's hot statements (its row lock, its
events and tasks, its figures) are prepared on the server once per
connection — PostgreSQL plans them once, not on every move — and are logged
and counted like any other statement."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import campaign_at
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.core import clock, prepared

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def server_prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [row[0] for row in cursor.fetchall()]


def hold_and_resume(world, campaign) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)
        services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=world.officer)
    return [q["sql"] for q in captured.captured_queries]


def test_a_move_s_lock_events_and_figures_are_prepared_once_and_still_logged(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    before = set(server_prepared())
    logged = hold_and_resume(world, campaign)
    new = [sql for sql in server_prepared() if sql not in before]
    assert any("FOR UPDATE" in sql and "campaigns_campaign" in sql for sql in new)  # the row lock
    assert any("INSERT INTO \"statistics_stagecohort\"" in sql for sql in new)  # the figures
    assert any("FOR UPDATE" in sql for sql in logged) and any("statistics_stagecohort" in sql for sql in logged)
    # the same moves again: no new statement prepared, the same ones reused
    again = set(server_prepared())
    hold_and_resume(world, campaign)
    assert set(server_prepared()) == again


def test_with_prepared_statements_off_nothing_is_prepared(world, settings):
    settings.PREPARED_STATEMENTS = False
    campaign = campaign_at(world, Stage.SURVEYED)
    before = server_prepared()
    with clock.travel_to(clock.now()):
        hold_and_resume(world, campaign)
    assert server_prepared() == before


def test_elsewhere_it_is_the_usual_cursor(settings):
    settings.PREPARED_STATEMENTS = False
    with prepared.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_long_statement_s_conversion_is_kept_and_its_values_still_change():
    # past psycopg's own cache (4.096 characters, 50 parameters): kept by the prepared cursor
    sql = "SELECT " + " + ".join(["%s::int"] * 60) + " AS total -- " + "x" * 4200
    prepared._CONVERTED.pop((sql, "utf-8"), None)
    with prepared.cursor() as cursor:
        cursor.execute(sql, list(range(60)))
        first = cursor.fetchone()
        cursor.execute(sql, [2] * 60)
        second = cursor.fetchone()
    assert (first, second) == ((sum(range(60)),), (120,))
    assert (sql, "utf-8") in prepared._CONVERTED
