"""Webhooks end to end with a real receiver on 127.0.0.1: each event is
written to the outbox with the change, delivered once with a valid
signature, retried with backoff, logged per attempt; a subscription that
keeps failing is switched off. (The test settings run jobs inline; a real
worker killed in the middle is test_worker_kill.py.)"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import build_world, campaign_at
from workflows.campaigns import services as campaigns
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.webhooks import jobs, services, signing
from workflows.webhooks.kinds import EventKind
from workflows.webhooks.models import Attempt, Delivery, DeliveryStatus, DisabledReason, Event, Subscription

pytestmark = pytest.mark.django_db

MOVES = [EventKind.CAMPAIGN_OPENED, EventKind.CAMPAIGN_MOVED]


@pytest.fixture
def world(reference_data):
    return build_world()


def _subscribe(world, receiver, kinds=MOVES, unit=None) -> tuple[Subscription, str]:
    return services.subscription_create(actor=world.administrator, unit_id=(unit or world.province).pk,
                                        url=receiver.url, kinds=kinds, description="Hệ thống báo cáo tỉnh")


def test_the_standard_webhooks_test_vector():
    # given: the example of the Standard Webhooks specification
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    # then: our signature is theirs
    assert signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_each_event_reaches_the_receiver_once_signed(world, receiver, django_capture_on_commit_callbacks):
    # given: the province's administrator subscribed to campaigns opened and moved
    subscription, secret = _subscribe(world, receiver)
    assert secret.startswith("whsec_") and subscription.secret == secret

    # when: a campaign of a district of the province is opened and moves once
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    # then: two events, each delivered once, signed with the secret
    assert [r.json["type"] for r in receiver.received] == ["campaign.opened", "campaign.moved"]
    assert all(r.signed_with(secret) for r in receiver.received)
    assert len(set(receiver.keys())) == 2
    opened, moved = (r.json for r in receiver.received)
    assert moved["data"]["transition"] == "contact_employer"
    assert (moved["data"]["from_stage"], moved["data"]["to_stage"]) == ("surveyed", "employer_contacted")
    assert moved["data"]["campaign"] == {
        "id": campaign.pk, "version": campaign.version, "stage": "employer_contacted",
        "working_group": world.group.pk, "enterprise": {"id": world.enterprise.pk, "name": world.enterprise.name,
                                                        "tax_code": world.enterprise.tax_code}}
    assert moved["data"]["unit"] == {"id": world.district.pk, "code": "tu-son",
                                     "name": "Liên đoàn Lao động khu vực Từ Sơn"}
    assert moved["data"]["actor"] == world.officer.pk
    assert opened["data"]["campaign"]["stage"] == "surveyed" and opened["data"]["actor"] == world.supervisor.pk
    # the key of each request is its delivery's; every delivery is delivered after one attempt
    deliveries = list(Delivery.objects.order_by("pk"))
    assert [str(d.key) for d in deliveries] == receiver.keys()
    assert [(d.status, d.attempts) for d in deliveries] == [(DeliveryStatus.DELIVERED, 1)] * 2
    assert list(Attempt.objects.order_by("pk").values_list("number", "status_code", "ok")) == [(1, 200, True)] * 2
    assert [r.headers["content-type"] for r in receiver.received] == ["application/json"] * 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[0].key


def test_only_the_subscriptions_that_listen_get_an_event(world, receiver, django_capture_on_commit_callbacks):
    # given: a subscription of the other district, one that listens to overdue tasks only, one switched off
    _subscribe(world, receiver, unit=world.other_district)
    _subscribe(world, receiver, kinds=[EventKind.TASK_OVERDUE])
    off, _secret = _subscribe(world, receiver)
    services.subscription_enable(subscription_id=off.pk, actor=world.administrator, active=False)

    # when: a campaign of Từ Sơn moves
    with django_capture_on_commit_callbacks(execute=True):
        campaign_at(world, Stage.EMPLOYER_CONTACTED)

    # then: nobody hears of it, and nothing is written to the outbox
    assert receiver.received == []
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0


def test_a_change_that_rolls_back_announces_nothing(world, receiver, django_capture_on_commit_callbacks):
    _subscribe(world, receiver)
    campaign = campaign_at(world, Stage.SURVEYED)
    # when: the move is refused after the stage changed (a guard of the form: no meeting recorded)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017,PT011
        campaigns.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer)
    # then: the opening was announced (before), the refused move was not
    assert Event.objects.filter(kind=EventKind.CAMPAIGN_MOVED).count() == 0


def test_a_receiver_that_fails_three_times_gets_it_on_the_fourth_try(world, receiver,
                                                                     django_capture_on_commit_callbacks):
    # given: a receiver that answers 500, 500 and 503 before it answers 200
    subscription, secret = _subscribe(world, receiver, kinds=[EventKind.CAMPAIGN_OPENED])
    receiver.plan = [500, 500, 503]
    start = clock.now()

    # when: a campaign opens (the first try), and the sweeper runs at each delay
    with django_capture_on_commit_callbacks(execute=True):
        campaign_at(world, Stage.SURVEYED)
    assert len(receiver.received) == 1
    with clock.travel_to(start + dt.timedelta(seconds=5)):  # before the first delay (10 s): nothing due
        assert jobs.deliveries_sweep() == 0
    for seconds in (11, 11 + 61, 11 + 61 + 301):
        with clock.travel_to(start + dt.timedelta(seconds=seconds)):
            assert jobs.deliveries_sweep() == 1

    # then: four requests of the same delivery, the same key and body, each signed; delivered on the fourth
    assert len(receiver.received) == 4
    assert len(set(receiver.keys())) == 1 and len({r.body for r in receiver.received}) == 1
    assert all(r.signed_with(secret) for r in receiver.received)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 4)
    assert list(delivery.attempt_log.values_list("number", "status_code", "ok")) == [
        (1, 500, False), (2, 500, False), (3, 503, False), (4, 200, True)]
    subscription.refresh_from_db()
    assert subscription.failures == 0 and subscription.is_active
    with clock.travel_to(start + dt.timedelta(days=1)):
        assert jobs.deliveries_sweep() == 0
    assert len(receiver.received) == 4


def test_repeated_failures_give_up_and_switch_the_subscription_off(world, receiver, settings,
                                                                    django_capture_on_commit_callbacks):
    # given: three attempts a delivery, switched off after three failures in a row
    settings.WEBHOOK_RETRY_DELAYS, settings.WEBHOOK_ATTEMPTS, settings.WEBHOOK_DISABLE_AFTER = (10, 10), 3, 3
    subscription, _secret = _subscribe(world, receiver, kinds=[EventKind.CAMPAIGN_OPENED])
    receiver.plan = [500] * 3
    start = clock.now()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_at(world, Stage.SURVEYED)
    for seconds in (11, 22):
        with clock.travel_to(start + dt.timedelta(seconds=seconds)):
            jobs.deliveries_sweep()

    # then: given up after three attempts, and the subscription switched off, saying why
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.failures, subscription.disabled_reason) == (
        False, 3, DisabledReason.FAILURES)
    # and another campaign opened meanwhile is not announced to it
    other = campaign_at(world, Stage.SURVEYED, enterprise=_enterprise(world))
    assert Event.objects.count() == 1 and other.pk

    # when: the administrator switches it back on and sends the given-up delivery again
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_enable(subscription_id=subscription.pk, actor=world.administrator, active=True)
        services.delivery_retry(delivery_id=delivery.pk, actor=world.administrator)

    # then: delivered on its fourth attempt, with the same key
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 4)
    assert len(set(receiver.keys())) == 1 and len(receiver.received) == 4


def _enterprise(world):
    from tests.factories import EnterpriseFactory

    return EnterpriseFactory(responsible_unit=world.district)


def test_a_receiver_that_cannot_be_reached_is_logged(world, django_capture_on_commit_callbacks):
    # given: a subscription to a port where nothing listens
    subscription, _secret = services.subscription_create(
        actor=world.administrator, unit_id=world.province.pk, url="http://127.0.0.1:9/nothing",
        kinds=[EventKind.CAMPAIGN_OPENED])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_at(world, Stage.SURVEYED)
    # then: the attempt says why, and the delivery waits for its next try
    attempt = Attempt.objects.get()
    assert (attempt.ok, attempt.status_code) == (False, None) and "refused" in attempt.error.lower()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at > attempt.started_at
    assert subscription.deliveries.count() == 1


def test_a_ping_reaches_one_subscription(world, receiver, django_capture_on_commit_callbacks):
    subscription, secret = _subscribe(world, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_send(subscription_id=subscription.pk, actor=world.administrator)
    [ping] = receiver.received
    assert ping.json["type"] == "ping" and ping.signed_with(secret)
    assert ping.json["data"] == {"subscription": subscription.pk, "unit": {
        "id": world.province.pk, "code": world.province.code, "name": world.province.name}, "by": "administrator"}


def test_a_renewed_secret_signs_what_follows(world, receiver, django_capture_on_commit_callbacks):
    subscription, old = _subscribe(world, receiver)
    _subscription, new = services.subscription_renew_secret(subscription_id=subscription.pk,
                                                            actor=world.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_send(subscription_id=subscription.pk, actor=world.administrator)
    [ping] = receiver.received
    assert new != old and ping.signed_with(new) and not ping.signed_with(old)


@pytest.mark.parametrize("url,message", [
    ("https://127.0.0.1:8000/admin/", "private or local network"),
    ("https://localhost/hooks", "private or local network"),
    ("https://10.1.2.3/hooks", "private or local network"),
    ("https://[::1]/hooks", "private or local network"),
    ("http://example.vn/hooks", "must begin with https://"),
    ("ftp://example.vn/hooks", "must begin with https://"),
    ("https:///hooks", "must begin with https://"),
])
def test_addresses_of_the_server_and_of_private_networks_are_refused(world, settings, url, message):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.subscription_create(actor=world.administrator, unit_id=world.province.pk, url=url,
                                     kinds=[EventKind.CAMPAIGN_MOVED])
    assert message in " ".join(refused.value.message_dict["url"])
    assert Subscription.objects.count() == 0


def test_a_subscription_that_became_private_is_not_sent_to(world, settings, receiver,
                                                           django_capture_on_commit_callbacks):
    # given: a subscription to a receiver on this machine, then the operator forbids private addresses
    subscription, _secret = _subscribe(world, receiver)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_send(subscription_id=subscription.pk, actor=world.administrator)
    # then: nothing left the server, and the log says why
    assert receiver.received == []
    attempt = Attempt.objects.get()
    assert not attempt.ok and attempt.status_code is None and attempt.error


def test_a_redirect_is_not_followed(world, receiver, django_capture_on_commit_callbacks):
    subscription, _secret = _subscribe(world, receiver)
    receiver.plan = [302]
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_send(subscription_id=subscription.pk, actor=world.administrator)
    assert len(receiver.received) == 1
    assert list(Attempt.objects.values_list("status_code", "ok")) == [(302, False)]
