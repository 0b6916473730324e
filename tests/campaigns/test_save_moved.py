"""A move writes the campaign with one UPDATE of the columns it changed
(``services._save_moved``, prepared on the server), refused as django-fsm's
save is when the stage is no longer the one read."""
from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_fsm import ConcurrentTransition

from tests.conftest import campaign_at
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_update_sets_only_what_the_move_changed(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    before = Campaign.objects.values().get(pk=campaign.pk)
    with CaptureQueriesContext(connection) as captured:
        services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)
    # one UPDATE of the campaign (with the cancel of the tasks of the stage left, in one statement)
    (assigned,) = [found for q in captured.captured_queries
                   for found in re.findall(r'UPDATE "campaigns_campaign" SET (.*?) WHERE', q["sql"])]
    after = Campaign.objects.values().get(pk=campaign.pk)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"stage", "held_stage", "version", "stage_entered_at"}
    assert sorted(part.split(" = ")[0].strip('"') for part in assigned.split(", ")) == sorted(changed)
    assert after["stage"] == Stage.ON_HOLD and after["held_stage"] == Stage.SURVEYED
    assert after["version"] == before["version"] + 1


def test_a_stage_changed_under_the_move_is_refused_and_nothing_is_written(world, monkeypatch):
    campaign = campaign_at(world, Stage.SURVEYED)
    locked = services._lock

    def lock_then_changed_by_someone(campaign_id, **kwargs):
        found = locked(campaign_id, **kwargs)
        Campaign.objects.filter(pk=campaign_id).update(stage=Stage.ABANDONED)  # what the row lock should prevent
        return found

    monkeypatch.setattr(services, "_lock", lock_then_changed_by_someone)
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)
    monkeypatch.undo()
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.SURVEYED


def test_the_campaign_saved_again_after_a_move_keeps_both_changes(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    with transaction.atomic():
        locked = services._lock(campaign.pk)
        locked.stage_entered_at = locked.stage_entered_at  # unchanged: nothing to write
        services._save_moved(locked)
        locked.abandon_note = "ghi chú"
        services._save_moved(locked)
        locked.workforce = 321
        locked.save()  # the ORM's save after ours: django-fsm's record of the stage is current
    found = Campaign.objects.get(pk=campaign.pk)
    assert (found.abandon_note, found.workforce, found.stage) == ("ghi chú", 321, Stage.SURVEYED)
