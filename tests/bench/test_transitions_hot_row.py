"""The hot-row routine of bench/transitions.py, small: eight actors (threads,
one connection each) hammer one campaign for about two seconds — hold,
resume, and the guarded steps forward, always with the stage they read —
and the campaign's append-only history must come out whole.

Exact assertions only: how many moves succeed depends on the machine, so no
count of moves or time is asserted, only that nothing was lost or illegal.
"""
from __future__ import annotations

import pytest

from bench.transitions import hot_row, legal_edge
from tests.conftest import build_world, campaign_at
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent

ACTORS = 8
SECONDS = 2.0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_actors_on_one_campaign_lose_no_update_and_take_no_illegal_edge(reference_data):
    # given a surveyed campaign of the supervisor's unit, and its history so far
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    events_before = CampaignEvent.objects.filter(campaign=campaign).count()

    # when eight actors move it as fast as they can for two seconds
    result = hot_row(campaign.pk, world.supervisor.pk, actors=ACTORS, seconds=SECONDS, mode="thread")

    # then every refusal was a conflict over a stale stage, nothing else
    assert result["other_errors"] == 0, result["messages"]
    assert result["successes"] >= 1
    # and the history holds every successful move, chained and legal
    check = result["check"]
    assert check["lost_updates"] == 0
    assert check["illegal_edges"] == 0
    assert check["chain_breaks"] == 0
    assert check["order_mismatch"] == 0
    assert check["stage_events"] == result["successes"]
    assert CampaignEvent.objects.filter(campaign=campaign).count() == events_before + check["events"]
    # and the version moved once per write that bumps it, by the actors' tally and by the events
    assert check["version_delta"] == check["bumps_tallied"] == check["bumping_events"]
    # and the campaign is where its last event put it, with exactly that stage's tasks open
    assert check["final_stage_ok"]
    assert check["open_tasks_ok"]


def test_the_edge_check_refuses_jumps_and_resumes_elsewhere():
    # the edge check itself, on edges that are and are not in flows.TRANSITIONS
    assert legal_edge(Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, "")
    assert legal_edge(Stage.ON_HOLD, Stage.MOBILISING_COMMITTEE, Stage.MOBILISING_COMMITTEE)
    assert not legal_edge(Stage.ON_HOLD, Stage.SURVEYED, Stage.MOBILISING_COMMITTEE)  # resumed elsewhere
    assert not legal_edge(Stage.SURVEYED, Stage.FOUNDING_CONGRESS, "")
    assert not legal_edge(Stage.RECOGNISED, Stage.ON_HOLD, "")
