"""Helpers of the notification tests: a campaign whose template tasks are
done (so that only the tasks a test adds remind anybody), tasks added through
the services, and the reminder job run on a given day."""
from __future__ import annotations

import datetime as dt

from workflows.campaigns import services
from workflows.campaigns.models import Task, TaskStatus
from workflows.core import clock
from workflows.notifications import jobs
from workflows.notifications.models import Notification, Reminder

D = dt.date


def quiet_campaign(world, *, on: dt.date, enterprise=None):
    """A campaign of ``world.group`` opened on ``on``, its template tasks done."""
    with clock.travel_to(on):
        campaign = services.campaign_open(enterprise_id=(enterprise or world.enterprise).pk, actor=world.supervisor,
                                          working_group_id=world.group.pk)
        for task in Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN):
            services.task_complete(task_id=task.pk, actor=world.officer)
    return campaign


def add_task(world, campaign, *, on: dt.date, due: dt.date, assignee=None, title: str = "Gặp tổ trưởng") -> Task:
    """A task added on ``on`` by the supervisor; no assignee: the group's queue."""
    with clock.travel_to(on):
        return services.task_add(campaign_id=campaign.pk, actor=world.supervisor, title=title, due_on=due,
                                 assignee_id=assignee.pk if assignee else None)


def run_on(day: dt.date, capture, **kwargs):
    """The reminder job as the schedule runs it on ``day`` (its e-mail jobs too)."""
    with clock.travel_to(day), capture(execute=True):
        return jobs.reminders_run(**kwargs)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def task_reminders(task) -> list[tuple[dt.date, str, str]]:
    return list(Reminder.objects.filter(task=task).order_by("day", "kind", "recipient__username")
                .values_list("day", "kind", "recipient__username"))


def digests_of(user) -> list[dt.date]:
    return list(Reminder.objects.filter(recipient=user, kind="overdue_digest").order_by("day")
                .values_list("day", flat=True))


def notifications_by_user() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for username, kind in Notification.objects.order_by("recipient__username", "kind", "pk").values_list(
            "recipient__username", "kind"):
        found.setdefault(username, []).append(kind)
    return found
