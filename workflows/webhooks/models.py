"""Webhooks: a unit's subscriptions, the outbox of events and their deliveries.

An event is written (``Event``) with one ``Delivery`` per subscription that
listens to it — the subscriptions of the unit where it happened and of
every unit above — in the same transaction as the change, so that a change
that commits is always announced and one that rolls back never is. A job
(django-q2) sends each delivery, signs it, logs each attempt
(``Attempt``), retries with backoff and disables a subscription that keeps
failing. A delivery's ``key`` is its idempotency key: every attempt carries
the same one, so a receiver that saw it already ignores a repeat (a worker
killed between the receiver's answer and our commit sends it again).
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.core import clock

from .kinds import EventKind


class DisabledReason(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Switched off by an administrator")
    FAILURES = "failures", _("Switched off after repeated failed attempts")


class Subscription(models.Model):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="webhook_subscriptions",
                             verbose_name=_("unit"))
    url = models.URLField(_("address (URL)"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    kinds = models.JSONField(_("events"), default=list)
    # HMAC-SHA256 key (Standard Webhooks: "whsec_" + base64 of 32 random bytes);
    # kept to sign, shown to the administrator once when made or renewed.
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why switched off"), max_length=20, choices=DisabledReason.choices,
                                       blank=True)
    failures = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["unit_id", "pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url

    def listens_to(self, kind: str) -> bool:
        return kind in self.kinds


class Event(models.Model):
    """One row of the outbox: what happened, where, and the body sent."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("event"), max_length=40, choices=EventKind.choices)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    occurred_at = models.DateTimeField(_("occurred at"), default=clock.now)
    data = models.JSONField(default=dict)
    # An event that a rerun of a job could record twice (a task becoming
    # overdue) names itself; the second one is not written.
    dedupe = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


class Delivery(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    give_up_after = models.PositiveSmallIntegerField(default=1)  # attempts
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=clock.now)
    # A sender holds the delivery until then; a sender killed in the middle
    # lets it go when the time passes, and the next one sends it again.
    leased_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
                   models.Index(fields=["subscription", "-id"], name="webhook_delivery_log")]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return str(self.key)


class Attempt(models.Model):
    """One try at sending a delivery: what the receiver answered, or why not.
    ``finished_at`` stays empty when the sender died in the middle."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    ok = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "number", "pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
