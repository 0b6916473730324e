"""Every write to notifications, preferences and reminders.

Exactly once, and what it means here:
- In the app, a notification exists once. An event's notification carries
  the event as its ``key`` (unique per recipient), so a job that runs again
  adds nothing. A reminder is decided once (its unique key) and delivered in
  the transaction that creates its notification and marks it delivered.
- By e-mail, a message is sent while its notification row is locked and is
  marked sent in that same transaction, so two workers never send it both.
  What no database can promise is the instant between the mail server
  accepting the message and our commit: a process killed exactly then sends
  that one message again when the job is retried (at least once, never
  lost). The message keeps one Message-ID however often it is sent, so mail
  clients that drop duplicates (most do) show it once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _, ngettext

from workflows.campaigns.selectors import overdue_tasks_of, reference_zones
from workflows.core import clock, jobs

from .models import (
    EmailChoice,
    EmailStatus,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderKind,
)
from .texts import LISTED

User = get_user_model()


@dataclass(frozen=True)
class Draft:
    """A notification to create: who, what kind, the facts it speaks of."""

    recipient_id: int
    kind: str
    params: dict = field(default_factory=dict)
    url: str = ""
    campaign_id: int | None = None
    task_id: int | None = None
    key: str = ""
    step_key: str = ""


def _email_status(email: str, preference: str | None) -> str:
    if not email:
        return EmailStatus.NONE
    return {EmailChoice.DIGEST: EmailStatus.DIGEST, EmailChoice.OFF: EmailStatus.NONE}.get(
        preference or EmailChoice.EACH, EmailStatus.PENDING)


@transaction.atomic
def notifications_create(*, drafts: Sequence[Draft]) -> list[Notification | None]:
    """Create the notifications of ``drafts`` and decide, by each recipient's
    preference, how each is e-mailed (the caller e-mails the pending ones
    after the commit). Inactive recipients get nothing; a keyed draft the
    recipient already has is not created again (the existing one is
    returned). The result is aligned with ``drafts`` (None: nothing)."""
    if not drafts:
        return []
    people = {row.pk: row for row in User.objects.filter(pk__in={d.recipient_id for d in drafts}, is_active=True)
              .values_list("pk", "email", "notification_preference__email", named=True)}
    now = clock.now()
    built: list[Notification | None] = []
    for draft in drafts:
        person = people.get(draft.recipient_id)
        built.append(None if person is None else Notification(
            recipient_id=draft.recipient_id, kind=draft.kind, params=draft.params, url=draft.url,
            campaign_id=draft.campaign_id, task_id=draft.task_id, key=draft.key, step_key=draft.step_key,
            created_at=now,
            email_status=_email_status(person.email, person.notification_preference__email)))
    Notification.objects.bulk_create([n for n in built if n is not None and not n.key])
    keyed = [n for n in built if n is not None and n.key]
    if keyed:
        # ON CONFLICT DO NOTHING: the rows are there afterwards, whoever wrote them.
        Notification.objects.bulk_create(keyed, ignore_conflicts=True)
        stored = {(n.recipient_id, n.key): n for n in Notification.objects.filter(
            recipient_id__in={n.recipient_id for n in keyed}, key__in={n.key for n in keyed})}
        built = [stored.get((n.recipient_id, n.key)) if n is not None and n.key else n for n in built]
    return built


def pending_email_ids(notifications) -> list[int]:
    return [n.pk for n in notifications if n is not None and n.email_status == EmailStatus.PENDING]


def notification_send(*, drafts: Sequence[Draft]) -> list[Notification | None]:
    """Create notifications and queue their e-mail for after the commit."""
    created = notifications_create(drafts=drafts)
    emails_queue(notification_ids=pending_email_ids(created))
    return created


def emails_queue(*, notification_ids: Sequence[int]) -> None:
    """Queue the e-mail job of these notifications for after the commit."""
    if not notification_ids:
        return
    jobs.after_commit("workflows.notifications.jobs.notifications_email", list(notification_ids))


@transaction.atomic
def notifications_mark_read(*, user, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the user's unread notifications read: those of ``notification_ids``
    (ids of other users' notifications are ignored), or all of them."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=clock.now())


@transaction.atomic
def notifications_close(*, step_key: str, kind: str | None = None, keep_recipient_id: int | None = None) -> int:
    """The step of work named ``step_key`` was done, or is now someone
    else's: its notifications (of ``kind`` only, when given; but those of
    ``keep_recipient_id``, whose step it now is) are marked done and read —
    the bell stops counting them — and those not e-mailed yet are not
    e-mailed any more. Returns how many were closed."""
    if not step_key:
        return 0
    rows = Notification.objects.filter(step_key=step_key, done_at__isnull=True)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if keep_recipient_id is not None:
        rows = rows.exclude(recipient_id=keep_recipient_id)
    now = clock.now()
    return rows.update(
        done_at=now, read_at=Coalesce(F("read_at"), Value(now, output_field=DateTimeField())),
        email_status=Case(When(email_status__in=[EmailStatus.PENDING, EmailStatus.DIGEST],
                               then=Value(EmailStatus.NONE)), default=F("email_status")))


@transaction.atomic
def preference_set(*, user, email: str) -> NotificationPreference:
    """Choose how the user is e-mailed. Leaving the daily digest drops the
    notifications that waited for it from e-mail (they stay in the app)."""
    if email not in EmailChoice.values:
        raise ValidationError({"email": _("Choose how you want to be e-mailed.")})
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"email": email})
    if preference.email != email:
        preference.email = email
        preference.save(update_fields=["email"])
    if email != EmailChoice.DIGEST:
        Notification.objects.filter(recipient=user, email_status=EmailStatus.DIGEST).update(
            email_status=EmailStatus.NONE)
    return preference


# --- e-mail ---------------------------------------------------------------------------
def _site_link(url: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base and url else ""


def _message_id(kind: str, *parts) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<{kind}-{'-'.join(str(p) for p in parts)}@{domain}>"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def notifications_email(*, notification_ids: Sequence[int], connection) -> int:
    """E-mail those of these notifications that wait for their e-mail, each
    in its own transaction: claim it (the conditional UPDATE locks the row
    until the commit: a second sender waits, then finds it sent and skips
    it), send it, commit (see the module docstring for what "once" means).
    Returns how many were sent."""
    todo = list(Notification.objects.filter(pk__in=list(notification_ids), email_status=EmailStatus.PENDING)
                .select_related("recipient").order_by("pk"))
    sent = 0
    for notification in todo:
        recipient = notification.recipient
        if not recipient.email or not recipient.is_active:
            Notification.objects.filter(pk=notification.pk, email_status=EmailStatus.PENDING).update(
                email_status=EmailStatus.NONE)
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _one_line(notification.title), notification.body
        link = _site_link(notification.url)
        message = EmailMessage(subject, body + (f"\n\n{link}" if link else ""), settings.DEFAULT_FROM_EMAIL,
                               [recipient.email], connection=connection,
                               headers={"Message-ID": _message_id("notification", notification.pk)})
        with transaction.atomic():
            claimed = Notification.objects.filter(pk=notification.pk, email_status=EmailStatus.PENDING).update(
                email_status=EmailStatus.SENT, emailed_at=clock.now())
            if claimed:
                message.send()
                sent += 1
    return sent


#: A digest e-mail lists at most this many notifications (and counts the rest).
DIGEST_LISTED = 50


def digest_send(*, user_id: int, day: dt.date, connection) -> bool:
    """The user's daily digest: one e-mail with the unread notifications that
    waited for it, at most one a day (the preference row is locked and
    records the day). Notifications read meanwhile are not e-mailed."""
    with transaction.atomic():
        preference = NotificationPreference.objects.select_for_update().select_related("user").filter(
            user_id=user_id).first()
        waiting = Notification.objects.filter(recipient_id=user_id, email_status=EmailStatus.DIGEST)
        if preference is None or preference.email != EmailChoice.DIGEST:
            waiting.update(email_status=EmailStatus.NONE)
            return False
        if preference.last_digest_on is not None and preference.last_digest_on >= day:
            return False
        waiting.filter(read_at__isnull=False).update(email_status=EmailStatus.NONE)
        unread = list(waiting.select_for_update(of=("self",)).filter(read_at__isnull=True)
                      .order_by("created_at", "pk"))
        user = preference.user
        sent = False
        if unread and user.email and user.is_active:
            with translation.override(settings.LANGUAGE_CODE):
                subject = ngettext("%(count)d unread notification", "%(count)d unread notifications",
                                   len(unread)) % {"count": len(unread)}
                parts = []
                for n in unread[:DIGEST_LISTED]:
                    link = _site_link(n.url)
                    parts.append("\n".join(filter(None, [_one_line(n.title), n.body, link])))
                if len(unread) > DIGEST_LISTED:
                    parts.append(_("… and %(count)d more in the app.") % {"count": len(unread) - DIGEST_LISTED})
            EmailMessage(subject, "\n\n".join(parts), settings.DEFAULT_FROM_EMAIL, [user.email],
                         connection=connection, headers={"Message-ID": _message_id("digest", user_id, day)}).send()
            sent = True
        Notification.objects.filter(pk__in=[n.pk for n in unread]).update(
            email_status=EmailStatus.SENT if sent else EmailStatus.NONE, emailed_at=clock.now() if sent else None)
        preference.last_digest_on = day
        preference.save(update_fields=["last_digest_on"])
        return sent


# --- reminders --------------------------------------------------------------------------
def reminders_plan(*, rows: Sequence[Reminder]) -> None:
    """Record the reminders decided for a day; those already recorded (the
    unique keys) are left as they are. One transaction per call."""
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


#: Kinds delivered as one notification per recipient and day, listing their tasks or campaigns.
GROUPED = {ReminderKind.OVERDUE_DIGEST, ReminderKind.ESCALATION_OVERDUE, ReminderKind.ESCALATION_STALLED}


def _task_item(task, *, who: bool = False) -> dict:
    item = {"id": task.pk, "campaign": task.campaign_id, "title": task.title,
            "enterprise": task.campaign.enterprise.name, "due_on": task.due_on.isoformat()}
    if who:
        person = task.assignee
        item["who"] = (person.get_full_name() or person.get_username()) if person else (
            task.working_group.name if task.working_group else "")
    return item


@dataclass(frozen=True)
class Delivered:
    reminders: int
    notifications: list[Notification]


@transaction.atomic
def reminders_deliver(*, day: dt.date, recipient_ids: Sequence[int]) -> Delivered:
    """Deliver the undelivered reminders of ``day`` for these recipients, in
    one transaction: lock them (rows another run holds are skipped: it
    delivers them), create their notifications — one per task due soon or
    today, one per recipient for a digest or an escalation — and mark them
    delivered. A run killed before the commit leaves them undelivered."""
    reminders = list(Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                     .filter(day=day, recipient_id__in=list(recipient_ids), delivered_at__isnull=True)
                     .select_related("task__campaign__enterprise", "task__campaign__responsible_unit",
                                     "task__assignee", "task__working_group", "campaign__enterprise",
                                     "campaign__responsible_unit")
                     .order_by("recipient_id", "kind", "task__due_on", "pk"))
    if not reminders:
        return Delivered(0, [])
    digest_recipients = {r.recipient_id for r in reminders if r.kind == ReminderKind.OVERDUE_DIGEST}
    digests = overdue_tasks_of(digest_recipients, today=day, listed=LISTED) if digest_recipients else {}
    # each task and campaign counts by its unit's calendar and rule set (its zone's)
    zones = reference_zones(on=day, start=day, end=day + dt.timedelta(days=90))
    drafts: list[Draft | None] = []
    covers: list[list[Reminder]] = []  # the reminders each draft delivers
    groups: dict[tuple[int, str], list[Reminder]] = {}
    for reminder in reminders:
        if reminder.kind in GROUPED:
            groups.setdefault((reminder.recipient_id, reminder.kind), []).append(reminder)
            continue
        task = reminder.task
        params = {"task": _task_item(task), "day": day.isoformat()}
        if reminder.kind == ReminderKind.BEFORE_DUE:
            params["days"] = zones.of(task.campaign.responsible_unit.path).calendar.between(day, task.due_on)
        drafts.append(Draft(reminder.recipient_id, reminder.kind, params, _campaign_url(task.campaign_id),
                            task.campaign_id, task.pk))
        covers.append([reminder])
    for (recipient_id, kind), rows in groups.items():
        if kind == ReminderKind.OVERDUE_DIGEST:
            overdue = digests.get(recipient_id)
            if not overdue or not overdue.count:
                drafts.append(None)  # nothing is overdue any more: delivered, nothing to say
                covers.append(rows)
                continue
            params = {"count": overdue.count, "tasks": [
                {"id": t.pk, "campaign": t.campaign_id, "title": t.title, "enterprise": t.campaign__enterprise__name,
                 "due_on": t.due_on.isoformat()} for t in overdue.tasks]}
            url = reverse("campaigns:my_tasks") + "?overdue=1"
        elif kind == ReminderKind.ESCALATION_OVERDUE:
            # the tasks of zones with different rule sets: the fewest days overdue
            escalate_after = min(zones.of(r.task.campaign.responsible_unit.path).reminder_rules_on(day).escalate_after
                                 for r in rows)
            params = {"count": len(rows), "days": escalate_after,
                      "tasks": [_task_item(r.task, who=True) for r in rows[:LISTED]]}
            url = reverse("campaigns:list") + "?overdue=1"
        else:
            params = {"count": len(rows), "campaigns": [
                {"id": r.campaign_id, "enterprise": r.campaign.enterprise.name, "stage": r.campaign.stage,
                 "since": timezone.localtime(r.campaign.stage_entered_at).date().isoformat(),
                 "limit": zones.of(r.campaign.responsible_unit.path).rules_on(day).stage_limit(r.campaign.stage)
                 or 0} for r in rows[:LISTED]]}
            url = reverse("campaigns:list") + "?stalled=1"
        drafts.append(Draft(recipient_id, kind, params, url))
        covers.append(rows)
    made = iter(notifications_create(drafts=[d for d in drafts if d is not None]))
    now = clock.now()
    notifications = []
    for draft, rows in zip(drafts, covers, strict=True):
        notification = next(made) if draft is not None else None
        if notification is not None:
            notifications.append(notification)
        for reminder in rows:
            reminder.delivered_at, reminder.notification = now, notification
    Reminder.objects.bulk_update(reminders, ["delivered_at", "notification"], batch_size=1000)
    return Delivered(len(reminders), notifications)


def _campaign_url(campaign_id: int) -> str:
    return reverse("campaigns:detail", args=[campaign_id])
