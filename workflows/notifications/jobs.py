"""Background jobs of notifications (django-q2): the daily reminders and
escalations, the daily e-mail digest, the e-mail sender, and the
notifications of a campaign's events. Each may run again, whole or after
dying half-way, without sending anything twice (see ``services`` for what
"once" means for e-mail).

The schedules (``manage.py setup_schedules``) run ``reminders_run`` and
``digests_send`` early every morning; both do nothing on a day off. The
campaign services queue the ``notify_*`` jobs by name after their commit
(``workflows.campaigns.services._enqueue``): a notification of one event
carries the event as its key, so a second run notifies nobody again.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.mail import get_connection
from django.db.models import Count
from django.urls import reverse

from workflows.campaigns import announcements, selectors as campaign_selectors
from workflows.campaigns.models import CampaignEvent, Task, TaskStatus
from workflows.core import clock
from workflows.organisation.selectors import group_members

from . import services
from .models import EmailStatus, Notification, NotificationKind, Reminder, ReminderKind
from .texts import LISTED

#: Rows per transaction: big enough to be quick, small enough to hold few locks briefly.
BATCH = 1000
#: Notifications per e-mail job.
EMAILS_PER_JOB = 100


@dataclass(frozen=True)
class ReminderRun:
    day: dt.date
    working_day: bool
    delivered: int = 0  # reminders this run delivered
    notifications: int = 0  # notifications this run created


def _as_date(day) -> dt.date:
    if day is None:
        return clock.today()
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


#: How far around the day the reminder job reads the working calendars.
_CALENDAR_BACK, _CALENDAR_AHEAD = dt.timedelta(days=120), dt.timedelta(days=80)


def reminders_run(day=None, batch_size: int = BATCH) -> ReminderRun:
    """Decide and deliver the reminders and escalations of ``day`` (today
    by default). Each part of the tree counts its own working days and
    follows its own rule set (``campaign_selectors.reference_zones``: a
    province's extra day off, its rule set): a part for which ``day`` is a
    day off gets nothing; on a day off everywhere, nothing at all.
    Otherwise, in batches of ``batch_size`` rows, each batch its own
    transaction:

    1. decide: record a ``Reminder`` for every (task or campaign, kind,
       recipient) due today — duplicates of what an earlier run recorded are
       ignored by the unique keys;
    2. deliver every reminder of the day not yet delivered, whoever recorded
       it (a run that died after step 1 left some): notification and
       "delivered" commit together; each batch's e-mail is queued when it
       commits;
    3. queue the e-mail of the day's notifications that an earlier run
       delivered and did not e-mail (it died first).
    """
    day, started = _as_date(day), clock.now()
    zones = campaign_selectors.reference_zones(on=day, start=day - _CALENDAR_BACK, end=day + _CALENDAR_AHEAD)
    working = [zone for zone in zones if zone.calendar.is_working_day(day)]
    if not working:
        return ReminderRun(day, working_day=False)
    # everywhere at work: no condition on the unit at all
    where = None if len(working) == len(zones.zones) else zones.where(working, campaign_selectors.TASK_UNIT_PATH)
    _plan_due_tasks(day, zones, working, batch_size)
    _plan_overdue_digests(day, where, batch_size)
    _plan_overdue_escalations(day, working, batch_size)
    _plan_stalled_escalations(day, working, batch_size)
    delivered, notifications = _deliver(day, batch_size)
    _queue_emails(Notification.objects.filter(email_status=EmailStatus.PENDING, reminders__day=day,
                                              created_at__lt=started))
    # the systems that subscribed to overdue tasks (webhooks) hear of them once each
    announcements.tasks_overdue_announce(day=day, batch_size=batch_size)
    return ReminderRun(day, True, delivered, notifications)


def _people_of(task, officers: dict[int, tuple[int, ...]]) -> tuple[int, ...]:
    """Who a task reminds: its assignee, or the officers of its group's queue."""
    if task.assignee_id is not None:
        return (task.assignee_id,) if task.assignee_active else ()
    return officers.get(task.working_group_id, ())


def _plan_due_tasks(day: dt.date, zones: campaign_selectors.Zones, working: list[campaign_selectors.Zone],
                    batch_size: int) -> None:
    """Tasks due by the end of today's working day (a due date on the
    weekend that follows is reminded on the Friday), and tasks due exactly
    the rule set's ``days_before`` working days from today — each zone by
    its own calendar and rule set."""
    windows, today_until = [], {}
    for zone in working:
        calendar, days_before = zone.calendar, zone.reminder_rules_on(day).days_before
        today_until[zone.path] = calendar.add(day, 1)
        ranges = [(day, today_until[zone.path])]
        if days_before:
            ranges.append((calendar.add(day, days_before), calendar.add(day, days_before + 1)))
        windows.append((zone, ranges))
    now, cursor = clock.now(), None
    while True:
        batch = list(campaign_selectors.open_tasks_due_in(windows, after=cursor, limit=batch_size))
        if not batch:
            return
        cursor = (batch[-1].due_on, batch[-1].pk)
        officers = campaign_selectors.officers_by_group(
            {t.working_group_id for t in batch if t.assignee_id is None and t.working_group_id})
        services.reminders_plan(rows=[
            Reminder(kind=ReminderKind.DUE_TODAY if task.due_on < today_until[zones.of(task.unit_path).path]
                     else ReminderKind.BEFORE_DUE,
                     recipient_id=person, day=day, task_id=task.pk, campaign_id=task.campaign_id, created_at=now)
            for task in batch for person in _people_of(task, officers)])
        if len(batch) < batch_size:
            return


def _plan_overdue_digests(day: dt.date, where, batch_size: int) -> None:
    """One overdue digest a day for each person with an overdue task (of
    the parts of the tree at work today: ``where``)."""
    now = clock.now()
    for people in _chunks(campaign_selectors.overdue_task_recipients(today=day, where=where), batch_size):
        services.reminders_plan(rows=[Reminder(kind=ReminderKind.OVERDUE_DIGEST, recipient_id=person, day=day,
                                               created_at=now) for person in people])


def _plan_overdue_escalations(day: dt.date, working: list[campaign_selectors.Zone], batch_size: int) -> None:
    """Tasks that are the rule set's ``escalate_after`` working days overdue
    today (not one more: each task is escalated once), to the supervisors of
    the campaign's unit and of the units above it; each zone by its own
    calendar and rule set (0: never)."""
    windows = []
    for zone in working:
        after_days = zone.reminder_rules_on(day).escalate_after
        if after_days:
            windows.append((zone, [(zone.calendar.window_start(day, after_days),
                                    zone.calendar.window_start(day, after_days - 1))]))
    if not windows:
        return
    now, cursor = clock.now(), None
    while True:
        batch = list(campaign_selectors.open_tasks_due_in(windows, after=cursor, limit=batch_size))
        if not batch:
            return
        cursor = (batch[-1].due_on, batch[-1].pk)
        supervisors = campaign_selectors.supervisors_by_unit_path({t.unit_path for t in batch})
        services.reminders_plan(rows=[
            Reminder(kind=ReminderKind.ESCALATION_OVERDUE, recipient_id=person, day=day, task_id=task.pk,
                     campaign_id=task.campaign_id, created_at=now)
            for task in batch for person in sorted(supervisors.get(task.unit_path, ()))])
        if len(batch) < batch_size:
            return


def _plan_stalled_escalations(day: dt.date, working: list[campaign_selectors.Zone], batch_size: int) -> None:
    """Campaigns that overran their stage's time limit today, to the
    supervisors of the campaign's unit and of the units above it."""
    now, cursor = clock.now(), None
    while True:
        batch = list(campaign_selectors.campaigns_newly_stalled(today=day, zones=working, after=cursor,
                                                                limit=batch_size))
        if not batch:
            return
        cursor = batch[-1].pk
        supervisors = campaign_selectors.supervisors_by_unit_path({c.unit_path for c in batch})
        services.reminders_plan(rows=[
            Reminder(kind=ReminderKind.ESCALATION_STALLED, recipient_id=person, day=day, campaign_id=campaign.pk,
                     created_at=now)
            for campaign in batch for person in sorted(supervisors.get(campaign.unit_path, ()))])
        if len(batch) < batch_size:
            return


def _deliver(day: dt.date, batch_size: int) -> tuple[int, int]:
    """Deliver the day's undelivered reminders, recipient by recipient in
    batches of about ``batch_size`` reminders (a recipient is never split:
    their digest is one notification)."""
    delivered = notifications = 0
    cursor = 0
    while True:
        counts = list(Reminder.objects.filter(day=day, delivered_at__isnull=True, recipient_id__gt=cursor)
                      .order_by("recipient_id").values_list("recipient_id").annotate(n=Count("pk"))[:batch_size])
        if not counts:
            return delivered, notifications
        chosen, rows = [], 0
        for recipient_id, n in counts:
            if chosen and rows + n > batch_size:
                break
            chosen.append(recipient_id)
            rows += n
        cursor = chosen[-1]
        done = services.reminders_deliver(day=day, recipient_ids=chosen)
        for chunk in _chunks(services.pending_email_ids(done.notifications), EMAILS_PER_JOB):
            services.emails_queue(notification_ids=chunk)
        delivered += done.reminders
        notifications += len(done.notifications)


def _queue_emails(pending) -> int:
    """Queue the e-mail of these notifications, in jobs of EMAILS_PER_JOB,
    after the commit. Returns how many jobs."""
    ids = list(pending.order_by("pk").values_list("pk", flat=True).distinct())
    chunks = list(_chunks(ids, EMAILS_PER_JOB))
    for chunk in chunks:
        services.emails_queue(notification_ids=chunk)
    return len(chunks)


def notifications_email(notification_ids: list[int]) -> int:
    """E-mail these notifications if they still wait for it (one connection
    to the mail server for all). Returns how many were sent."""
    with get_connection() as connection:
        return services.notifications_email(notification_ids=notification_ids, connection=connection)


def notifications_email_sweep(older_than_minutes: int = 10) -> int:
    """Queue the e-mail of notifications that have waited for it longer than
    a job normally takes (a worker died before sending them)."""
    since = clock.now() - dt.timedelta(minutes=older_than_minutes)
    return _queue_emails(Notification.objects.filter(email_status=EmailStatus.PENDING, created_at__lt=since))


def digests_send(day=None, batch_size: int = BATCH) -> int:
    """The daily e-mail of each user who chose the digest, with their unread
    notifications; not on days off (of the person's unit: ``Profile.unit``;
    the national calendar for a person without one). Returns how many
    e-mails were sent."""
    day = _as_date(day)
    zones = campaign_selectors.reference_zones(on=day, start=day, end=day)
    working = [zone for zone in zones if zone.calendar.is_working_day(day)]
    if not working:
        return 0
    sent, cursor = 0, 0
    waiting = Notification.objects.filter(email_status=EmailStatus.DIGEST)
    if len(working) < len(zones.zones):  # a day off in part of the tree: its people (by their unit) wait
        waiting = waiting.filter(zones.where(working, "recipient__profile__unit__path"))
    with get_connection() as connection:
        while True:
            people = list(waiting.filter(recipient_id__gt=cursor).order_by("recipient_id")
                          .values_list("recipient_id", flat=True).distinct()[:batch_size])
            if not people:
                return sent
            cursor = people[-1]
            for user_id in people:
                sent += services.digest_send(user_id=user_id, day=day, connection=connection)


# --- a campaign's events (queued by the campaign services after their commit) -------
def _send(drafts: list[services.Draft]) -> int:
    """Create the notifications (their transaction commits here), then
    e-mail those whose recipients want an e-mail for each: this job already
    runs after the service's commit. Returns how many e-mails were sent."""
    pending = services.pending_email_ids(services.notifications_create(drafts=drafts))
    return notifications_email(pending) if pending else 0


def _task_item(task: Task) -> dict:
    return {"id": task.pk, "campaign": task.campaign_id, "title": task.title,
            "enterprise": task.campaign.enterprise.name, "due_on": task.due_on.isoformat()}


def notify_stage_changed(event_id: int) -> int:
    """Tell the officers of the campaign's working group (not the actor)."""
    event = CampaignEvent.objects.select_related("campaign__enterprise").filter(pk=event_id).first()
    if event is None or event.campaign.working_group_id is None:
        return 0
    campaign = event.campaign
    params = {"enterprise": campaign.enterprise.name, "from": event.from_stage, "to": event.to_stage,
              "note": event.note}
    people = group_members([campaign.working_group_id]).exclude(pk=event.actor_id).values_list("pk", flat=True)
    return _send([services.Draft(person, NotificationKind.STAGE_CHANGED, params,
                                 reverse("campaigns:detail", args=[campaign.pk]), campaign.pk,
                                 key=f"event:{event_id}") for person in people])


def notify_campaign_assigned(event_id: int) -> int:
    """Tell the officers of the working group the campaign was given to."""
    event = CampaignEvent.objects.select_related("campaign__enterprise").filter(pk=event_id).first()
    if event is None or not event.data.get("to_group_id"):
        return 0
    campaign = event.campaign
    params = {"enterprise": campaign.enterprise.name, "group": event.data.get("to_group", "")}
    people = group_members([event.data["to_group_id"]]).exclude(pk=event.actor_id).values_list("pk", flat=True)
    return _send([services.Draft(person, NotificationKind.CAMPAIGN_ASSIGNED, params,
                                 reverse("campaigns:detail", args=[campaign.pk]), campaign.pk,
                                 key=f"event:{event_id}") for person in people])


def notify_task_assigned(task_id: int, event_id: int | None = None) -> int:
    """Tell the person a task was given to (by ``task_add`` or
    ``task_reassign``, whose event is ``event_id``). If the task moved on to
    someone else before this ran, the later move's job tells them."""
    task = Task.objects.select_related("campaign__enterprise").filter(pk=task_id).first()
    if task is None or task.assignee_id is None or task.status != TaskStatus.OPEN:
        return 0
    event = CampaignEvent.objects.filter(pk=event_id).first() if event_id else None
    if event is not None and event.data.get("to_id", task.assignee_id) != task.assignee_id:
        return 0
    return _send([services.Draft(
        task.assignee_id, NotificationKind.TASK_ASSIGNED, {"count": 1, "tasks": [_task_item(task)]},
        reverse("campaigns:detail", args=[task.campaign_id]), task.campaign_id, task.pk,
        key=f"event:{event_id}" if event_id else "")])


def notify_tasks_assigned(user_id: int, task_ids: list[int], event_id: int | None = None) -> int:
    """Tell one person, once, of the tasks a bulk reassignment gave them
    (those still theirs and open); ``event_id``: the first of its events."""
    tasks = list(Task.objects.filter(pk__in=task_ids, assignee_id=user_id, status=TaskStatus.OPEN)
                 .select_related("campaign__enterprise").order_by("due_on", "pk"))
    if not tasks:
        return 0
    only = tasks[0] if len(tasks) == 1 else None
    return _send([services.Draft(
        user_id, NotificationKind.TASK_ASSIGNED,
        {"count": len(tasks), "tasks": [_task_item(t) for t in tasks[:LISTED]]},
        reverse("campaigns:detail", args=[only.campaign_id]) if only else reverse("campaigns:my_tasks"),
        only.campaign_id if only else None, only.pk if only else None,
        key=f"event:{event_id}" if event_id else "")])
