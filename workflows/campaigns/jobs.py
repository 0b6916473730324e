"""Background jobs of the campaigns app (django-q2). Queued after commit by
the services; each reads what it needs afresh and may run more than once: the
notifications of one event carry the event as their key, so a second run
notifies nobody again (``workflows.notifications``)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from workflows.notifications import services as notifications
from workflows.notifications.models import NotificationKind
from workflows.notifications.texts import LISTED
from workflows.organisation.selectors import group_members

from .models import CampaignEvent, Task, TaskStatus

User = get_user_model()


def _send(drafts: list[notifications.Draft]) -> int:
    """Create the notifications (their transaction commits here), then
    e-mail those whose recipients want an e-mail for each: this job already
    runs after the service's commit. Returns how many e-mails were sent."""
    from workflows.notifications.jobs import notifications_email

    pending = notifications.pending_email_ids(notifications.notifications_create(drafts=drafts))
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
    return _send([notifications.Draft(person, NotificationKind.STAGE_CHANGED, params,
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
    return _send([notifications.Draft(person, NotificationKind.CAMPAIGN_ASSIGNED, params,
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
    return _send([notifications.Draft(
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
    return _send([notifications.Draft(
        user_id, NotificationKind.TASK_ASSIGNED,
        {"count": len(tasks), "tasks": [_task_item(t) for t in tasks[:LISTED]]},
        reverse("campaigns:detail", args=[only.campaign_id]) if only else reverse("campaigns:my_tasks"),
        only.campaign_id if only else None, only.pk if only else None,
        key=f"event:{event_id}" if event_id else "")])
