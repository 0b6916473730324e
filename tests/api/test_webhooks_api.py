"""Webhook subscriptions over the API: an administrator subscribes (the
secret in the answer, once), changes with the ETag, switches, renews the
secret, pings and reads the delivery log; nobody else sees them."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from workflows.api.tokens import token_create
from workflows.webhooks import services
from workflows.webhooks.models import Subscription


def client_of(user, scope="write") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    _token, key = token_create(user=user, name="thử", scope=scope, days=30)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_an_administrator_subscribes_changes_and_reads_the_log(world, receiver, django_capture_on_commit_callbacks):
    client = client_of(world.administrator)

    made = client.post("/api/v1/webhooks/", {"unit": world.province.pk, "url": receiver.url,
                                             "kinds": ["campaign.moved"], "description": "Báo cáo"}, format="json")

    assert made.status_code == 201, made.json()
    body = made.json()
    subscription = Subscription.objects.get()
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert body["subscription"] == {
        "id": subscription.pk, "unit": world.province.pk, "url": receiver.url, "description": "Báo cáo",
        "kinds": ["campaign.moved"], "is_active": True, "disabled_at": None, "disabled_reason": "", "failures": 0,
        "created_at": body["subscription"]["created_at"], "version": 0, "waiting": 0, "given_up": 0}
    # the secret is in no other answer
    detail = client.get(f"/api/v1/webhooks/{subscription.pk}/")
    assert detail.status_code == 200 and "secret" not in detail.json() and detail["ETag"] == '"0"'
    assert subscription.secret not in client.get("/api/v1/webhooks/").content.decode()

    # a change with the ETag; the same ETag again is stale
    changed = client.patch(f"/api/v1/webhooks/{subscription.pk}/", {"kinds": ["campaign.moved", "task.overdue"]},
                           format="json", HTTP_IF_MATCH='"0"')
    assert changed.status_code == 200 and changed.json()["kinds"] == ["campaign.moved", "task.overdue"]
    assert changed["ETag"] == '"1"'
    stale = client.patch(f"/api/v1/webhooks/{subscription.pk}/", {"url": "https://x.example.vn/"}, format="json",
                         HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412 and Subscription.objects.get().url == receiver.url
    # a bad event kind: 400 with the field's error
    bad = client.patch(f"/api/v1/webhooks/{subscription.pk}/", {"kinds": ["campaign.exploded"]}, format="json",
                       HTTP_IF_MATCH='"1"')
    assert bad.status_code == 400 and "kinds" in bad.json()["errors"]

    # a ping, then the log
    with django_capture_on_commit_callbacks(execute=True):
        ping = client.post(f"/api/v1/webhooks/{subscription.pk}/ping/")
    assert ping.status_code == 202 and ping.json()["event"] == "ping"
    log = client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()["results"]
    assert [(d["event"], d["status"], d["attempts"]) for d in log] == [("ping", "delivered", 1)]
    assert [(a["number"], a["status_code"], a["ok"]) for a in log[0]["attempt_log"]] == [(1, 200, True)]
    assert receiver.keys() == [log[0]["key"]]

    # switch off with the ETag; renew the secret
    off = client.post(f"/api/v1/webhooks/{subscription.pk}/switch/", {"is_active": False, "expected_version": 1},
                      format="json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert off.json()["disabled_reason"] == "administrator"
    renewed = client.post(f"/api/v1/webhooks/{subscription.pk}/secret/")
    assert renewed.status_code == 200 and renewed.json()["secret"] == Subscription.objects.get().secret
    assert renewed.json()["secret"] != body["secret"]

    # delete
    assert client.delete(f"/api/v1/webhooks/{subscription.pk}/").status_code == 204
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager"])
def test_other_roles_see_no_subscription_and_cannot_subscribe(world, role):
    subscription, _secret = services.subscription_create(actor=world.administrator, unit_id=world.district.pk,
                                                         url="https://bao-cao.example.vn/h", kinds=["task.overdue"])
    client = client_of(world.user(role))
    assert client.get("/api/v1/webhooks/").json()["results"] == []
    assert client.get(f"/api/v1/webhooks/{subscription.pk}/").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{subscription.pk}/").status_code == 404
    refused = client.post("/api/v1/webhooks/", {"unit": world.district.pk, "url": "https://x.example.vn/h",
                                                "kinds": ["task.overdue"]}, format="json")
    assert refused.status_code == 404
    assert Subscription.objects.count() == 1


def test_a_read_only_token_cannot_subscribe(world):
    refused = client_of(world.administrator, scope="read").post(
        "/api/v1/webhooks/", {"unit": world.district.pk, "url": "https://x.example.vn/h", "kinds": ["task.overdue"]},
        format="json")
    assert refused.status_code == 403 and Subscription.objects.count() == 0


def test_the_list_reads_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for n in range(6):
        services.subscription_create(actor=world.administrator, unit_id=world.district.pk,
                                     url=f"https://he-thong-{n}.example.vn/h", kinds=["task.overdue"])
    client = client_of(world.administrator)
    with django_assert_max_num_queries(8):
        rows = client.get("/api/v1/webhooks/").json()["results"]
    assert len(rows) == 6
