"""The coarse level of the pipeline (``SubtreeStage``, issue 19 #1): the
campaigns now per unit subtree and stage, kept by PostgreSQL's triggers in
the writer's statement — a move, an opening, a transfer to a successor, a
unit moved in the tree — equal to the rollup of the cohorts (zero drift),
rebuilt at once, and never a statement more for a move."""
from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import campaign_at
from workflows.campaigns import rollups, services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import StageCohort, SubtreeStage
from workflows.core import clock
from workflows.organisation import services as org
from workflows.statistics import reconcile

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

S, E, M = Stage.SURVEYED.value, Stage.EMPLOYER_CONTACTED.value, Stage.MOBILISING_COMMITTEE.value


def rows() -> dict[tuple[str, str], int]:
    """(unit code, stage) → campaigns, the rows that count."""
    return {(code, stage): n for code, stage, n in
            SubtreeStage.objects.exclude(campaigns=0).values_list("unit__code", "stage", "campaigns")}


def open_in(world, unit, supervisor):
    enterprise = factories.EnterpriseFactory(responsible_unit=unit)
    return services.campaign_open(enterprise_id=enterprise.pk, actor=supervisor)


def test_openings_and_moves_count_in_the_unit_and_every_ancestor(world):
    campaign_at(world, Stage.MOBILISING_COMMITTEE)
    campaign_at(world, Stage.EMPLOYER_CONTACTED, enterprise=factories.EnterpriseFactory(
        responsible_unit=world.district))
    open_in(world, world.other_district, world.other_supervisor)
    province, district, other = world.province.code, world.district.code, world.other_district.code
    assert rows() == {(province, S): 1, (province, E): 1, (province, M): 1,
                      (district, E): 1, (district, M): 1, (other, S): 1}
    assert reconcile.drift() == []


def test_a_unit_moved_takes_its_figures_from_its_old_ancestors_to_its_new_ones(world):
    campaign_at(world, Stage.EMPLOYER_CONTACTED)
    open_in(world, world.other_district, world.other_supervisor)
    open_in(world, world.other_district, world.other_supervisor)
    org.unit_move(unit_id=world.other_district.pk, parent_id=world.district.pk, actor=world.admin)
    province, district, other = world.province.code, world.district.code, world.other_district.code
    assert rows() == {(province, S): 2, (province, E): 1, (district, S): 2, (district, E): 1, (other, S): 2}
    assert reconcile.drift() == []
    # and back: the district's subtree holds its own campaign alone again
    org.unit_move(unit_id=world.other_district.pk, parent_id=world.province.pk, actor=world.admin)
    assert rows() == {(province, S): 2, (province, E): 1, (district, E): 1, (other, S): 2}
    assert reconcile.drift() == []


def test_a_transfer_to_the_successor_moves_the_campaigns_between_the_subtrees(world):
    open_in(world, world.other_district, world.other_supervisor)
    campaign_at(world, Stage.EMPLOYER_CONTACTED)
    moved = services.campaigns_transfer(from_unit_id=world.other_district.pk, to_unit_id=world.district.pk,
                                        actor=world.admin, on=clock.today())
    assert moved == 1
    province, district = world.province.code, world.district.code
    assert rows() == {(province, S): 1, (province, E): 1, (district, S): 1, (district, E): 1}
    assert reconcile.drift() == []


def test_the_rebuild_puts_the_rollups_of_the_cohorts_in_place_at_once(world):
    campaign_at(world, Stage.EMPLOYER_CONTACTED)
    open_in(world, world.other_district, world.other_supervisor)
    before = rows()
    SubtreeStage.objects.filter(unit=world.province).update(campaigns=99)
    assert {d.table for d in reconcile.drift()} == {"SubtreeStage"}
    with CaptureQueriesContext(connection) as rebuilt:
        reconcile.rebuild()
    assert rows() == before
    assert reconcile.drift() == []
    # the triggers stayed off while the cohorts were rewritten: one statement fills the rollups
    assert sum("INSERT INTO statistics_subtreestage" in q["sql"] for q in rebuilt.captured_queries) == 1


def test_the_triggers_stay_off_for_a_session_that_says_so(world):
    campaign_at(world, Stage.SURVEYED)
    before = rows()
    rollups.rollups_off()
    StageCohort.objects.filter(unit=world.district).update(campaigns=5)
    assert rows() == before


def test_a_move_writes_the_rollups_within_its_own_statements(world):
    """The trigger runs inside the figures' statement: the move's statements
    are those of ``test_move_statements`` and none is about the rollups."""
    campaign = campaign_at(world, Stage.SURVEYED)
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                     outcome="supportive")
    with CaptureQueriesContext(connection) as moved:
        services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)
    assert not [q for q in moved.captured_queries if "subtreestage" in q["sql"]]
    assert rows()[(world.province.code, E)] == 1
    assert (world.province.code, S) not in rows()


def test_the_declaration_generates_what_subtree_stages_migration_froze():
    """``SubtreeStage``'s SQL comes from its declaration now: the same as
    migration 0019 runs (which holds it as it stood), replacing its triggers
    where they exist."""
    frozen = importlib.import_module("workflows.campaigns.migrations.0019_subtree_stage")
    forward = rollups.STAGES.forward
    kept = [line for line in forward.splitlines(keepends=True) if not line.startswith("DROP TRIGGER IF EXISTS")]
    assert "".join(kept) == frozen.FORWARD
    assert forward.count("DROP TRIGGER IF EXISTS") == 2
    assert rollups.STAGES.backward == frozen.BACKWARD
