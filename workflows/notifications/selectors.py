"""Reads of notifications and preferences: always the user's own."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import EmailChoice, Notification, NotificationPreference


def notifications_of(user) -> QuerySet[Notification]:
    """The user's notifications, newest first. Rendering reads only the row
    (its ``params``), so a page of them is one query."""
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-pk")


def notification_of(user, pk: int) -> Notification | None:
    """One of the user's notifications, as it is now; None: not theirs or gone."""
    return notifications_of(user).filter(pk=pk).first()


def unread_count(user) -> int:
    """The bell's figure: one count on the partial index of unread rows."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def email_preference_of(user) -> str:
    """How the user wants to be e-mailed (an e-mail for each when never chosen)."""
    chosen = NotificationPreference.objects.filter(user_id=user.pk).values_list("email", flat=True).first()
    return chosen or EmailChoice.EACH
