"""Values that differ by stage are rows keyed by stage: the funnel's monthly
entries (``StageEntries``) and the rule set's time limits (``RuleSetLimit``).
Their data migrations carry the figures of the columns they replace, both
ways."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import campaign_at
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import RuleSet, RuleSetLimit
from workflows.campaigns.selectors import is_stalled, rules_in_force, stalled_cutoffs
from workflows.core import clock

BEFORE = [("campaigns", "0010_summary_tables")]
AFTER = [("campaigns", "0012_stage_entries")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.migration
@pytest.mark.django_db(transaction=True)
def test_the_columns_become_rows_and_back(reference_data):
    # given, before the migrations, a unit's month with figures in the stage columns and two rule sets
    old = migrate(BEFORE)
    Unit = old.get_model("organisation", "Unit")
    unit = Unit.objects.create(path="0099", depth=1, numchild=0, name="LĐLĐ thử", code="thu", created_at=clock.now(),
                               kind=old.get_model("organisation", "UnitKind").objects.first())
    old.get_model("campaigns", "MonthFigures").objects.create(
        unit=unit, month=dt.date(2026, 3, 1), entered_surveyed=7, entered_employer_contacted=4,
        entered_mobilising_committee=0, entered_founding_congress=2, entered_recognised=1, abandoned=3,
        members_admitted=40)
    old.get_model("campaigns", "RuleSet").objects.create(
        name="Hướng dẫn 2027", effective_from=dt.date(2027, 1, 1), limit_surveyed=15, limit_employer_contacted=25,
        limit_mobilising_committee=40, limit_founding_congress=10)

    # when migrated forward
    new = migrate(AFTER)

    # then each non-zero column is a row keyed by stage, the rest stays in place
    entries = new.get_model("campaigns", "StageEntries").objects.filter(unit_id=unit.pk)
    assert sorted(entries.values_list("month", "stage", "campaigns")) == [
        (dt.date(2026, 3, 1), "employer_contacted", 4), (dt.date(2026, 3, 1), "founding_congress", 2),
        (dt.date(2026, 3, 1), "recognised", 1), (dt.date(2026, 3, 1), "surveyed", 7)]
    figures = new.get_model("campaigns", "MonthFigures").objects.get(unit_id=unit.pk)
    assert (figures.abandoned, figures.members_admitted) == (3, 40)
    limits = new.get_model("campaigns", "RuleSetLimit").objects
    assert sorted(limits.filter(rule_set__effective_from=dt.date(2027, 1, 1)).values_list("stage", "working_days")) == [
        ("employer_contacted", 25), ("founding_congress", 10), ("mobilising_committee", 40), ("surveyed", 15)]
    assert sorted(limits.filter(rule_set__effective_from=dt.date(2025, 7, 1)).values_list("stage", "working_days")) == [
        ("employer_contacted", 30), ("founding_congress", 20), ("mobilising_committee", 45), ("surveyed", 20)]

    # and back again, the columns hold the figures
    old = migrate(BEFORE)
    figures = old.get_model("campaigns", "MonthFigures").objects.get(unit_id=unit.pk)
    assert (figures.entered_surveyed, figures.entered_employer_contacted, figures.entered_mobilising_committee,
            figures.entered_founding_congress, figures.entered_recognised) == (7, 4, 0, 2, 1)
    rule_set = old.get_model("campaigns", "RuleSet").objects.get(effective_from=dt.date(2027, 1, 1))
    assert (rule_set.limit_surveyed, rule_set.limit_employer_contacted, rule_set.limit_mobilising_committee,
            rule_set.limit_founding_congress) == (15, 25, 40, 10)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_rule_set_in_force_reads_its_limits_from_its_rows(world):
    # given a rule set from today with a limit for two stages only
    rule_set = RuleSet.objects.create(name="Hướng dẫn thử", effective_from=clock.today())
    RuleSetLimit.objects.bulk_create([RuleSetLimit(rule_set=rule_set, stage=Stage.SURVEYED, working_days=12),
                                      RuleSetLimit(rule_set=rule_set, stage=Stage.FOUNDING_CONGRESS, working_days=8)])

    # then those are its limits; the other stages have none
    rules = rules_in_force(on=clock.today())
    assert [rules.stage_limit(stage) for stage in (Stage.SURVEYED, Stage.EMPLOYER_CONTACTED,
                                                   Stage.MOBILISING_COMMITTEE, Stage.FOUNDING_CONGRESS)] == [
        12, None, None, 8]
    # and the seeded rule set before it keeps the charter's
    earlier = rules_in_force(on=clock.today() - dt.timedelta(days=1))
    assert dict(earlier.stage_limits) == {Stage.SURVEYED: 20, Stage.EMPLOYER_CONTACTED: 30,
                                          Stage.MOBILISING_COMMITTEE: 45, Stage.FOUNDING_CONGRESS: 20}


def test_a_campaign_overrunning_a_limit_row_is_stalled(world):
    # given the seeded limit of 20 working days surveyed, and a campaign surveyed since 02/03/2026
    with clock.travel_to(dt.date(2026, 3, 2)):
        campaign = campaign_at(world, Stage.SURVEYED)

    # then it is not stalled on its 20th working day, and is on the 21st
    assert is_stalled(campaign, stalled_cutoffs(today=dt.date(2026, 3, 30))) is False
    assert is_stalled(campaign, stalled_cutoffs(today=dt.date(2026, 3, 31))) is True
