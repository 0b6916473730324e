"""Sixteen API clients move one campaign with the same ETag: one succeeds,
the others are told it changed (412), the history records one move, and
a subscribed system hears of one.
Real threads, one connection each, on PostgreSQL (row locks)."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.campaigns.test_concurrency import _race, reference_data  # noqa: F401 - the fixture, after flushes
from tests.conftest import build_world, campaign_at
from workflows.api.tokens import token_create
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent, EventKind
from workflows.webhooks import services as webhooks
from workflows.webhooks.models import Event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 16


def test_sixteen_clients_with_the_same_etag_one_moves_the_campaign(receiver):
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    # a system subscribed to the moves hears of one (jobs run inline here: delivered at the commit)
    _subscription, secret = webhooks.subscription_create(actor=world.administrator, unit_id=world.province.pk,
                                                         url=receiver.url, kinds=["campaign.moved"])
    keys = [token_create(user=user, name=f"máy {i}", scope="write", days=1)[1]
            for i, user in enumerate([world.officer, world.supervisor] * (CLIENTS // 2))]
    etag = f'"{campaign.version}"'

    def move(key: str):
        def call():
            client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
            return client.post(f"/api/v1/campaigns/{campaign.pk}/transitions/hold/", {"note": "Tạm dừng"},
                               format="json", HTTP_IF_MATCH=etag).status_code
        return call

    statuses = _race([move(key) for key in keys])

    assert sorted(statuses) == [200] + [412] * (CLIENTS - 1)
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.version) == (Stage.ON_HOLD, int(etag.strip('"')) + 1)
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.STAGE, to_stage=Stage.ON_HOLD).count() == 1
    assert Event.objects.filter(kind="campaign.moved").count() == 1
    [moved] = receiver.received
    assert moved.json["data"]["to_stage"] == "on_hold" and moved.signed_with(secret)
