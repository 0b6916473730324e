"""Notifications (in the app and by e-mail), each user's e-mail preference,
and the reminders the daily job decided to send.

A notification keeps its kind and the facts it speaks of (``params``), not a
rendered sentence: its title and body are written when it is read, in the
reader's language (see ``texts``), and in the site's language for e-mail.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import NotificationKind
from .texts import body_of, title_of


class EmailChoice(models.TextChoices):
    EACH = "each", _("An e-mail for each notification")
    DIGEST = "digest", _("One e-mail a working day with my unread notifications")
    OFF = "off", _("No e-mail (notifications in the app only)")


class EmailStatus(models.TextChoices):
    NONE = "none", _("Not e-mailed")
    PENDING = "pending", _("E-mail to send")
    DIGEST = "digest", _("Waiting for the daily digest")
    SENT = "sent", _("E-mailed")


class Notification(models.Model):
    """Something a user should know: shown under the bell until read, and
    e-mailed as the user's preference says. ``key`` (when not empty) makes a
    notification caused by one event unique per recipient, so that a job
    that runs again does not notify twice. ``step_key`` (when not empty)
    names the step of work the notification asks for: when that step is
    done, or no longer the recipient's, the notification is marked done
    (``done_at``) and read."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("campaign"))
    task = models.ForeignKey("campaigns.Task", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("task"))
    key = models.CharField(_("key"), max_length=120, blank=True)
    step_key = models.CharField(_("step"), max_length=60, blank=True, default="")
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    done_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    email_status = models.CharField(_("e-mail"), max_length=12, choices=EmailStatus.choices,
                                    default=EmailStatus.NONE)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                    name="notification_unique_key_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx"),
            # The bell: unread count of one user.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
            # The e-mail sender and the daily digest.
            models.Index(fields=["email_status", "recipient"],
                         condition=Q(email_status__in=["pending", "digest"]), name="notification_email_todo_idx"),
            # Closing the notifications of a step that was done.
            models.Index(fields=["step_key"], condition=Q(done_at__isnull=True) & ~Q(step_key=""),
                         name="notification_open_step_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return title_of(self)

    @property
    def body(self) -> str:
        return body_of(self)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class NotificationPreference(models.Model):
    """How a user wants to be e-mailed. No row: an e-mail for each."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("user"))
    email = models.CharField(_("e-mail"), max_length=8, choices=EmailChoice.choices, default=EmailChoice.EACH)
    #: The working day of the last digest e-mail: at most one a day.
    last_digest_on = models.DateField(_("last digest on"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_email_display()}"


class ReminderKind(models.TextChoices):
    BEFORE_DUE = NotificationKind.BEFORE_DUE.value, NotificationKind.BEFORE_DUE.label
    DUE_TODAY = NotificationKind.DUE_TODAY.value, NotificationKind.DUE_TODAY.label
    OVERDUE_DIGEST = NotificationKind.OVERDUE_DIGEST.value, NotificationKind.OVERDUE_DIGEST.label
    ESCALATION_OVERDUE = NotificationKind.ESCALATION_OVERDUE.value, NotificationKind.ESCALATION_OVERDUE.label
    ESCALATION_STALLED = NotificationKind.ESCALATION_STALLED.value, NotificationKind.ESCALATION_STALLED.label


class Reminder(models.Model):
    """One reminder the daily job decided to send: to ``recipient``, of
    ``kind``, on the working day ``day``, about a task (before the due date,
    on it, escalation of an overdue task), a campaign (escalation of a stalled
    campaign) or neither (the recipient's digest of overdue tasks).

    The unique keys make the decision once per (subject, kind, recipient,
    day) whatever runs the job; ``delivered_at`` and ``notification`` are
    written in the same transaction as the notification, so that a reminder
    is delivered exactly once even when the job dies and runs again."""

    kind = models.CharField(_("kind"), max_length=32, choices=ReminderKind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("recipient"))
    day = models.DateField(_("day"))
    task = models.ForeignKey("campaigns.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("task"))
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("campaign"))
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="reminders", verbose_name=_("notification"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "recipient", "day"], condition=Q(task__isnull=False),
                                    name="reminder_once_per_task"),
            models.UniqueConstraint(fields=["campaign", "kind", "recipient", "day"],
                                    condition=Q(task__isnull=True, campaign__isnull=False),
                                    name="reminder_once_per_campaign"),
            models.UniqueConstraint(fields=["kind", "recipient", "day"],
                                    condition=Q(task__isnull=True, campaign__isnull=True),
                                    name="reminder_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["day", "recipient"], condition=Q(delivered_at__isnull=True),
                         name="reminder_undelivered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day:%d/%m/%Y}"
