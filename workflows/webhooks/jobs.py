"""django-q2 jobs of the webhooks: send one delivery; every minute, send
what is due (retries whose time came, deliveries whose sender died)."""
from __future__ import annotations

import time

from django.conf import settings
from django_q.tasks import async_task

from . import selectors, sending, services


def delivery_send(delivery_id: int) -> str:
    """One attempt at a delivery, if it is due and nobody else holds it:
    claim (committed), POST outside any transaction, settle (committed). A
    worker killed between the two leaves the delivery held until its lease
    runs out; then it is sent again with the same idempotency key."""
    claim = services.delivery_claim(delivery_id=delivery_id)
    if claim is None:
        return "not due"
    answer = sending.post(claim.url, secret=claim.secret, message_id=claim.key, timestamp=int(time.time()),
                          body=claim.body)
    delivery = services.delivery_settle(claim=claim, answer=answer)
    return delivery.status


def deliveries_sweep() -> int:
    """Queue every delivery that is due (at most a batch a run); returns how many."""
    due = selectors.deliveries_due(limit=settings.WEBHOOK_SWEEP_BATCH)
    for delivery_id in due:
        async_task(services.SEND_JOB, delivery_id)
    return len(due)


def events_forget_old() -> int:
    return services.events_forget_old()
