"""Every write of the webhooks: recording events in the outbox (called by
the other apps' services inside their transactions), the administrators'
subscriptions, and the two halves of a delivery attempt (claim, then
settle) around the HTTP call that ``jobs.delivery_send`` makes between
them, outside any transaction."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from workflows.core import clock, jobs
from workflows.core.errors import Conflict
from workflows.organisation.models import ChangeAction, Unit
from workflows.organisation.permissions import require_administer_unit
from workflows.organisation.reference_stamp import StampedCache
from workflows.organisation.services import change_record

from . import signing
from .kinds import SUBSCRIBABLE, EventKind
from .models import Attempt, Delivery, DeliveryStatus, DisabledReason, Event, Subscription
from .sending import Answer, address_refused

SEND_JOB = "workflows.webhooks.jobs.delivery_send"


# --- the outbox -------------------------------------------------------------------
def _ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]


#: The active subscriptions, by the units whose events they listen to, kept in this process
#: (``workflows.organisation.reference_stamp``); without their secrets, which only a delivery reads.
_LISTENERS = StampedCache("webhook subscriptions", maxsize=512)


def _units_listening() -> frozenset[str]:
    return frozenset(Subscription.objects.filter(is_active=True).order_by().values_list("unit__path", flat=True)
                     .distinct())


def _listening(kind: str, paths: Iterable[str], stamp: int | None = None) -> list[Subscription]:
    """The active subscriptions to ``kind`` of the units at ``paths``: one
    query; none when kept in this process for the reference stamp ``stamp``
    (a campaign's move, which reads it with its row lock). The triggers of
    the stamp watch what decides who listens — a subscription made or
    deleted, switched on or off (by an administrator or after repeated
    failures: ``delivery_settle``), its events or its unit changed."""
    paths = set(paths)
    if stamp is None:
        found = Subscription.objects.filter(is_active=True, unit__path__in=paths).select_related("unit")
    else:
        wanted = tuple(sorted(paths & _LISTENERS.get(stamp, ("units",), _units_listening)))
        found = _LISTENERS.get(stamp, ("subscriptions", wanted), lambda: tuple(
            Subscription.objects.filter(is_active=True, unit__path__in=wanted).select_related("unit")
            .defer("secret"))) if wanted else ()
    return [s for s in found if s.listens_to(kind)]


def _queue_after_commit(delivery_ids: list[int]) -> None:
    if delivery_ids:
        for pk in delivery_ids:
            jobs.after_commit(SEND_JOB, pk)


@dataclass(frozen=True)
class Happened:
    """One event to record: where (the unit), what (the body's ``data``),
    and, for an event a rerun could record again, its name (``dedupe``)."""

    unit: Unit
    data: dict
    dedupe: str | None = None


def event_record(*, kind: str, unit: Unit, data: dict, dedupe: str | None = None,
                 stamp: int | None = None) -> Event | None:
    """Record an event in the outbox, with a delivery for each subscription
    that listens to it (of ``unit`` or of a unit above it), in the caller's
    transaction; the deliveries are queued when it commits. Nothing is
    written when nobody listens. Returns the event, if written. ``stamp``:
    the reference stamp the caller read (who listens is then known without
    a query, as long as it keeps that value)."""
    written = events_record(kind=kind, happened=[Happened(unit, data, dedupe)], stamp=stamp)
    return written[0] if written else None


def events_record(*, kind: str, happened: Sequence[Happened], stamp: int | None = None) -> list[Event]:
    """``event_record`` for many events of one kind (one query to find the
    subscriptions, none with a ``stamp`` whose listeners are kept; events
    already recorded under their ``dedupe`` name are left out)."""
    if not happened:
        return []
    subscriptions = _listening(kind, {p for h in happened for p in _ancestor_paths(h.unit.path)}, stamp)
    if not subscriptions:
        return []
    names = [h.dedupe for h in happened if h.dedupe]
    seen = set(Event.objects.filter(dedupe__in=names).values_list("dedupe", flat=True)) if names else set()
    now, events, receivers = clock.now(), [], []
    for item in happened:
        if item.dedupe and item.dedupe in seen:
            continue
        listening = [s for s in subscriptions if item.unit.path.startswith(s.unit.path)]
        if not listening:
            continue
        events.append(Event(kind=kind, unit=item.unit, occurred_at=now, data=item.data, dedupe=item.dedupe))
        receivers.append(listening)
    if not events:
        return []
    Event.objects.bulk_create(events)
    deliveries = Delivery.objects.bulk_create([
        Delivery(event=event, subscription=subscription, next_attempt_at=now, give_up_after=settings.WEBHOOK_ATTEMPTS)
        for event, listening in zip(events, receivers, strict=True) for subscription in listening])
    _queue_after_commit([d.pk for d in deliveries])
    return events


def unit_data(unit: Unit) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def envelope(event: Event) -> bytes:
    """The body sent for ``event``: the same bytes on every attempt."""
    return json.dumps({"id": str(event.key), "type": event.kind, "occurred_at": event.occurred_at.isoformat(),
                       "data": event.data}, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- subscriptions (a unit's administrators) ---------------------------------------
def _checked(*, url: str, kinds: Sequence[str], description: str) -> tuple[str, list[str], str]:
    url, description = (url or "").strip(), " ".join((description or "").split())
    errors = {}
    if not url:
        errors["url"] = _("Enter the address that receives the events.")
    elif len(url) > 500:
        errors["url"] = _("At most 500 characters.")
    elif refused := address_refused(url):
        errors["url"] = refused
    chosen = [kind for kind in SUBSCRIBABLE if kind in set(kinds or ())]
    if not chosen or len(chosen) != len(set(kinds or ())):
        errors["kinds"] = _("Choose at least one event from the list.")
    if len(description) > 200:
        errors["description"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    return url, chosen, description


def _history(actor, subscription: Subscription, summary: str, **after) -> None:
    """The unit's administration history: who changed which subscription (never its secret)."""
    change_record(actor=actor, action=ChangeAction.WEBHOOK_CHANGED, unit=subscription.unit, summary=summary,
                  after={"subscription": subscription.pk, "url": subscription.url, **after})


def _subscription_locked(subscription_id: int, actor, expected_version: int | None = None) -> Subscription:
    subscription = (Subscription.objects.select_for_update(of=("self",)).select_related("unit")
                    .filter(pk=subscription_id).first())
    if subscription is None:
        raise Subscription.DoesNotExist
    require_administer_unit(actor, subscription.unit)
    if expected_version is not None and subscription.version != expected_version:
        raise Conflict.stale()
    return subscription


@transaction.atomic
def subscription_create(*, actor, unit_id: int, url: str, kinds: Sequence[str],
                        description: str = "") -> tuple[Subscription, str]:
    """A new subscription of the unit's events (and of the units below it);
    returns it and its secret, which the administrator copies now."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError({"unit": _("Choose a unit from the list.")})
    require_administer_unit(actor, unit)
    url, chosen, description = _checked(url=url, kinds=kinds, description=description)
    secret = signing.secret_new()
    subscription = Subscription.objects.create(unit=unit, url=url, kinds=chosen, description=description,
                                               secret=secret, created_by=actor)
    _history(actor, subscription, _("Webhook subscribed: %(url)s") % {"url": url}, kinds=chosen)
    return subscription, secret


@transaction.atomic
def subscription_update(*, subscription_id: int, actor, url: str, kinds: Sequence[str], description: str = "",
                        expected_version: int | None = None) -> Subscription:
    subscription = _subscription_locked(subscription_id, actor, expected_version)
    subscription.url, subscription.kinds, subscription.description = _checked(
        url=url, kinds=kinds, description=description)
    subscription.version += 1
    subscription.save(update_fields=["url", "kinds", "description", "version"])
    _history(actor, subscription, _("Webhook subscription changed: %(url)s") % {"url": subscription.url},
             kinds=subscription.kinds)
    return subscription


@transaction.atomic
def subscription_enable(*, subscription_id: int, actor, active: bool,
                        expected_version: int | None = None) -> Subscription:
    """Switch a subscription on (its failures forgotten; deliveries that
    waited are sent) or off (events are no longer recorded for it)."""
    subscription = _subscription_locked(subscription_id, actor, expected_version)
    if subscription.is_active == active:
        return subscription
    subscription.is_active, subscription.version = active, subscription.version + 1
    if active:
        subscription.failures, subscription.disabled_at, subscription.disabled_reason = 0, None, ""
    else:
        subscription.disabled_at, subscription.disabled_reason = clock.now(), DisabledReason.ADMINISTRATOR
    subscription.save(update_fields=["is_active", "version", "failures", "disabled_at", "disabled_reason"])
    _history(actor, subscription, (_("Webhook switched on: %(url)s") if active else _("Webhook switched off: %(url)s"))
             % {"url": subscription.url}, active=active)
    if active:
        waiting = list(subscription.deliveries.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True))
        _queue_after_commit(waiting[:settings.WEBHOOK_SWEEP_BATCH])
    return subscription


@transaction.atomic
def subscription_renew_secret(*, subscription_id: int, actor) -> tuple[Subscription, str]:
    subscription = _subscription_locked(subscription_id, actor)
    subscription.secret, subscription.version = signing.secret_new(), subscription.version + 1
    subscription.save(update_fields=["secret", "version"])
    _history(actor, subscription, _("Webhook secret renewed: %(url)s") % {"url": subscription.url})
    return subscription, subscription.secret


@transaction.atomic
def subscription_delete(*, subscription_id: int, actor) -> None:
    subscription = _subscription_locked(subscription_id, actor)
    _history(actor, subscription, _("Webhook subscription deleted: %(url)s") % {"url": subscription.url})
    subscription.delete()


@transaction.atomic
def ping_send(*, subscription_id: int, actor) -> Delivery:
    """A test event to one subscription (active or not: an administrator
    checks the receiver before switching it back on)."""
    subscription = _subscription_locked(subscription_id, actor)
    event = Event.objects.create(kind=EventKind.PING, unit=subscription.unit, data={
        "subscription": subscription.pk, "unit": unit_data(subscription.unit),
        "by": actor.get_username()})
    delivery = Delivery.objects.create(event=event, subscription=subscription, give_up_after=1)
    _queue_after_commit([delivery.pk])
    return delivery


@transaction.atomic
def delivery_retry(*, delivery_id: int, actor) -> Delivery:
    """Send a delivery that was given up once more (as many attempts again)."""
    delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("subscription__unit")
                .filter(pk=delivery_id).first())
    if delivery is None:
        raise Delivery.DoesNotExist
    require_administer_unit(actor, delivery.subscription.unit)
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(_("Only a delivery that was given up can be sent again."))
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, clock.now()
    delivery.give_up_after = delivery.attempts + settings.WEBHOOK_ATTEMPTS
    delivery.save(update_fields=["status", "next_attempt_at", "give_up_after"])
    _queue_after_commit([delivery.pk])
    return delivery


# --- one attempt: claim, (send), settle ---------------------------------------------
@dataclass(frozen=True)
class Claim:
    delivery_id: int
    attempt_id: int
    url: str
    secret: str
    key: str
    body: bytes


@transaction.atomic
def delivery_claim(*, delivery_id: int) -> Claim | None:
    """Take a delivery that is due and not held by another sender (skipping
    it if another holds its row), hold it for a while (the lease), count the
    attempt and log its start. None: nothing to send now."""
    now = clock.now()
    delivery = (Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("event", "subscription").filter(pk=delivery_id).first())
    if (delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.next_attempt_at > now
            or (delivery.leased_until is not None and delivery.leased_until > now)
            or not (delivery.subscription.is_active or delivery.event.kind == EventKind.PING)):
        return None
    delivery.attempts += 1
    delivery.leased_until = now + dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + settings.WEBHOOK_LEASE_MARGIN)
    delivery.save(update_fields=["attempts", "leased_until"])
    attempt = Attempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=now)
    subscription = delivery.subscription
    return Claim(delivery.pk, attempt.pk, subscription.url, subscription.secret, str(delivery.key),
                 envelope(delivery.event))


def _delay(attempts: int) -> dt.timedelta:
    delays = settings.WEBHOOK_RETRY_DELAYS
    return dt.timedelta(seconds=delays[min(attempts, len(delays)) - 1])


@transaction.atomic
def delivery_settle(*, claim: Claim, answer: Answer) -> Delivery:
    """Log what the receiver answered and decide: delivered, another attempt
    later (backoff), or given up; a subscription failing
    ``WEBHOOK_DISABLE_AFTER`` attempts in a row is switched off."""
    now = clock.now()
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=claim.delivery_id)
    Attempt.objects.filter(pk=claim.attempt_id).update(finished_at=now, status_code=answer.status_code,
                                                       error=answer.error[:300], ok=answer.ok)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery  # another sender settled it (this one outlived its lease)
    delivery.leased_until = None
    subscriptions = Subscription.objects.filter(pk=delivery.subscription_id)
    if answer.ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        subscriptions.exclude(failures=0).update(failures=0)
    else:
        if delivery.attempts >= delivery.give_up_after:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + _delay(delivery.attempts)
        subscriptions.update(failures=F("failures") + 1)
        subscriptions.filter(is_active=True, failures__gte=settings.WEBHOOK_DISABLE_AFTER).update(
            is_active=False, disabled_at=now, version=F("version") + 1, disabled_reason=DisabledReason.FAILURES)
    delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "leased_until"])
    return delivery


def import_finished(*, what: str, import_id: int, unit: Unit, file_name: str, counts: dict) -> Event | None:
    """An import committed (``what``: "enterprises", "workers" or "organisation")."""
    return event_record(kind=EventKind.IMPORT_FINISHED, unit=unit, data={
        "import": {"kind": what, "id": import_id, "file_name": file_name}, "unit": unit_data(unit),
        "counts": counts})


#: How long the outbox keeps an event whose deliveries are all settled (the delivery log shows them meanwhile).
KEPT_FOR = dt.timedelta(days=90)


def events_forget_old() -> int:
    """Delete the events (with their deliveries and attempts) older than
    ``KEPT_FOR`` that wait for nothing; returns how many events went."""
    old = Event.objects.filter(occurred_at__lt=clock.now() - KEPT_FOR).exclude(
        deliveries__status=DeliveryStatus.PENDING)
    gone = 0
    while ids := list(old.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            Attempt.objects.filter(delivery__event_id__in=ids).delete()
            Delivery.objects.filter(event_id__in=ids).delete()
            gone += Event.objects.filter(pk__in=ids).delete()[1].get(Event._meta.label, 0)
    return gone
