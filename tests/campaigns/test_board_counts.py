"""The board and the campaign list at national scale (issue 19 #2): the
counts come from the rollups where they can say (no count over the
campaigns), the board's cards are each stage's latest moved, read with one
LIMIT per stage; and whatever the way, the figures are those of the rows."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import campaign_at
from workflows.campaigns import rollups, selectors, services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign
from workflows.campaigns.permissions import campaigns_visible_to
from workflows.core import clock
from workflows.organisation import services as org
from workflows.organisation.permissions import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def landscape(world):
    """Campaigns in both districts, at several stages, moved on different days."""
    with clock.travel_to(dt.datetime(2026, 3, 2, 9, 0)):
        for stage in (Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.ON_HOLD, Stage.MOBILISING_COMMITTEE):
            campaign_at(world, stage, enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    for day in range(3):
        with clock.travel_to(dt.datetime(2026, 3, 3 + day, 9, 0)):
            enterprise = factories.EnterpriseFactory(responsible_unit=world.other_district)
            services.campaign_open(enterprise_id=enterprise.pk, actor=world.other_supervisor)
    return world


FILTERS = [
    selectors.CampaignFilters(),
    selectors.CampaignFilters(open_only=True),
    selectors.CampaignFilters(stage=Stage.SURVEYED),
    "district",  # the district's subtree, chosen
    "other_district",
    selectors.CampaignFilters(q="công ty"),  # a search: counted by the rows
]


def _filters(world, filters) -> selectors.CampaignFilters:
    if isinstance(filters, str):
        return selectors.CampaignFilters(unit_path=getattr(world, filters).path)
    return filters


@pytest.mark.parametrize("role", ["manager", "supervisor", "other_supervisor", "officer"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: f if isinstance(f, str) else repr(f)[15:60])
def test_the_counts_are_those_of_the_rows(landscape, role, filters):
    user, filters = landscape.user(role), _filters(landscape, filters)
    with clock.travel_to(dt.datetime(2026, 3, 16, 9, 0)):
        board = selectors.pipeline_board(user, filters, today=TODAY)
        listed = selectors.campaigns_for_list_counted(user, filters, today=TODAY)
    rows = selectors.campaigns_for_list(user, filters, today=TODAY)
    every_stage = selectors.campaigns_for_list(user, dataclasses.replace(filters, stage=""), today=TODAY)
    assert {c.stage: c.count for c in board} == {  # the board shows every stage
        stage: every_stage.filter(stage=stage).count() for stage in selectors.BOARD_STAGES}
    assert listed.count() == rows.count()
    for column in board:  # each stage's latest moved first
        expected = list(every_stage.filter(stage=column.stage).order_by("-stage_entered_at", "-pk")
                        .values_list("pk", flat=True)[:selectors.BOARD_CARDS_PER_STAGE])
        assert [c.pk for c in column.cards] == expected


@pytest.mark.postgres
def test_the_rollups_answer_for_a_manager_and_a_supervisor_not_for_a_search(landscape):
    manager, supervisor = landscape.manager, landscape.supervisor
    assert selectors.counts_from_rollups(manager, selectors.CampaignFilters(), [Stage.SURVEYED]) == {
        Stage.SURVEYED: 4}
    assert selectors.counts_from_rollups(supervisor, selectors.CampaignFilters(), [Stage.SURVEYED]) == {
        Stage.SURVEYED: 1}
    # a unit outside the supervisor's subtree counts nothing
    outside = selectors.CampaignFilters(unit_path=landscape.other_district.path)
    assert selectors.counts_from_rollups(supervisor, outside, [Stage.SURVEYED]) == {Stage.SURVEYED: 0}
    assert selectors.counts_from_rollups(manager, selectors.CampaignFilters(q="x"), [Stage.SURVEYED]) is None


@pytest.mark.postgres
def test_a_working_groups_campaigns_outside_the_subtree_are_counted_by_the_rows(landscape):
    """An officer of the district's group who supervises the other district
    too sees the group's campaigns besides the subtree: the rollups cannot
    tell them, the rows do."""
    org.unit_role_grant(unit=landscape.other_district, user=landscape.officer, role=Role.SUPERVISOR,
                        actor=landscape.admin)
    officer = type(landscape.officer).objects.get(pk=landscape.officer.pk)
    assert selectors.counts_from_rollups(officer, selectors.CampaignFilters(), [Stage.SURVEYED]) is None
    board = selectors.pipeline_board(officer, selectors.CampaignFilters(), today=TODAY)
    assert {c.stage: c.count for c in board}[Stage.SURVEYED] == campaigns_visible_to(officer).filter(
        stage=Stage.SURVEYED).count() == 4


@pytest.mark.postgres
def test_the_board_and_the_list_count_no_campaign_row_for_a_manager(client, landscape):
    assert rollups.kept()
    client.force_login(landscape.manager)
    for url in (reverse("campaigns:board"), reverse("campaigns:list")):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        # the paginator's count, or the board's count per stage (the overdue tasks per row are not counts of rows)
        counts = [q["sql"] for q in captured.captured_queries
                  if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "campaigns_campaign"')
                  or q["sql"].startswith('SELECT "campaigns_campaign"."stage", COUNT(')]
        assert counts == [], url
    response = client.get(reverse("campaigns:list"))
    assert response.context["page"].paginator.count == Campaign.objects.count() == 7


@pytest.mark.postgres
@pytest.mark.parametrize("sort", ["-stage_entered_at", "stage_entered_at", "name"])
@pytest.mark.parametrize("who", ["manager", "supervisor", "manager, the district chosen"])
def test_every_page_of_the_list_is_the_rows_own_page(landscape, sort, who):
    """The per-stage heads (the province's manager) and the per-unit and
    stage heads (a district's supervisor, or the district chosen) give the
    same pages as sorting every visible campaign, ties included (many
    campaigns moved at the same instant)."""
    from django.core.paginator import Paginator

    with clock.travel_to(dt.datetime(2026, 3, 9, 9, 0)):
        for _ in range(6):
            services.campaign_open(enterprise_id=factories.EnterpriseFactory(responsible_unit=landscape.district).pk,
                                   actor=landscape.supervisor)
    user = landscape.supervisor if who == "supervisor" else landscape.manager
    filters = selectors.CampaignFilters(sort=sort, unit_path=landscape.district.path if "chosen" in who else "")
    counted = selectors.campaigns_for_list_counted(user, filters, today=TODAY)
    rows = selectors.campaigns_for_list(user, filters, today=TODAY)
    assert (counted.units is not None) == (who != "manager")
    assert counted.count() == rows.count() == (13 if who == "manager" else 10)
    fast, plain = Paginator(counted, 4), Paginator(rows, 4)
    assert [[c.pk for c in fast.page(n)] for n in fast.page_range] == [
        [c.pk for c in plain.page(n)] for n in plain.page_range]
