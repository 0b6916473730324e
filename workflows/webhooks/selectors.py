"""Reads of the webhooks: what is due to be sent, and what an
administrator sees (the subscriptions of the units they administer, a
subscription's latest deliveries with their attempts)."""
from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from workflows.core import clock
from workflows.organisation.permissions import scope_of

from .models import Attempt, Delivery, DeliveryStatus, Subscription


def deliveries_due(*, limit: int) -> list[int]:
    """Deliveries waiting to be sent whose time has come and that no sender
    holds (a sender killed in the middle let its lease run out)."""
    now = clock.now()
    return list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
                                        subscription__is_active=True)
                .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def _visible(user) -> QuerySet[Subscription]:
    if user.is_superuser:
        return Subscription.objects.all()
    scope = scope_of(user)
    return Subscription.objects.filter(scope.subtree_q("unit__path", scope.administered))


def subscriptions_for(user) -> QuerySet[Subscription]:
    """The subscriptions of the units ``user`` administers (or of units
    below them), with how many deliveries wait and how many were given up."""
    return (_visible(user).select_related("unit", "created_by")
            .annotate(waiting=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
                      given_up=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)))
            .order_by("unit__path", "pk"))


def deliveries_log(subscription: Subscription, *, status: str | None = None) -> QuerySet[Delivery]:
    """The deliveries of a subscription, latest first, each with its event
    and its attempts (a page of them: three queries)."""
    deliveries = subscription.deliveries.select_related("event").order_by("-pk")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("number")))


def deliveries_of(subscription: Subscription, *, limit: int = 50, status: str | None = None) -> list[Delivery]:
    """The latest ``limit`` deliveries of a subscription (``deliveries_log``)."""
    return list(deliveries_log(subscription, status=status)[:limit])


def listened_to(kind: str) -> bool:
    """Does any active subscription listen to ``kind``? (A job that would
    scan a large table for such events asks first.)"""
    return any(kind in kinds for kinds in Subscription.objects.filter(is_active=True).values_list("kinds", flat=True))


def deliveries_for(user) -> QuerySet[Delivery]:
    """The deliveries of the subscriptions ``user`` may see."""
    return Delivery.objects.filter(subscription__in=_visible(user))
