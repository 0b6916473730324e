"""What the campaigns tell other systems without a change of their own:
the tasks that became overdue (webhooks; the morning's reminder job calls
it). The changes themselves announce their events in ``services``."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from workflows.webhooks import selectors as webhook_selectors, services as webhooks
from workflows.webhooks.kinds import EventKind as WebhookKind

from .selectors import open_tasks_overdue

#: How far back a due date may lie for the task to be announced as overdue
#: (the first run after a long pause does not announce every old task).
OVERDUE_ANNOUNCED_WITHIN = dt.timedelta(days=14)


def tasks_overdue_announce(*, day: dt.date, batch_size: int = 1000) -> int:
    """Write a ``task.overdue`` webhook event for every open task due before
    ``day`` (within ``OVERDUE_ANNOUNCED_WITHIN``) not yet announced, in
    batches, each its own transaction; a rerun announces nothing twice (the
    events are named by task and due date). Nothing is read when no
    subscription listens. Returns how many events were written."""
    if not webhook_selectors.listened_to(WebhookKind.TASK_OVERDUE):
        return 0
    cursor, written = None, 0
    while True:
        batch = open_tasks_overdue(since=day - OVERDUE_ANNOUNCED_WITHIN, before=day, after=cursor,
                                   limit=batch_size)
        if not batch:
            return written
        cursor = (batch[-1].due_on, batch[-1].pk)
        with transaction.atomic():
            written += len(webhooks.events_record(kind=WebhookKind.TASK_OVERDUE, happened=[
                webhooks.Happened(task.campaign.responsible_unit, {
                    "task": {"id": task.pk, "title": task.title, "due_on": task.due_on.isoformat(),
                             "stage": task.stage, "assignee": task.assignee_id,
                             "working_group": task.working_group_id},
                    "campaign": {"id": task.campaign_id, "stage": task.campaign.stage,
                                 "enterprise": {"id": task.campaign.enterprise_id,
                                                "name": task.campaign.enterprise.name}},
                    "unit": webhooks.unit_data(task.campaign.responsible_unit), "day": day.isoformat()},
                    dedupe=f"task.overdue:{task.pk}:{task.due_on.isoformat()}")
                for task in batch]))
        if len(batch) < batch_size:
            return written
