"""Telling people about the recognition review: the notifications of its
steps (for the services) and the escalation of a step that waited too long
(for the flow's timer). Below the flow: it reads who holds a step from
``duties`` and knows nothing of the flow's nodes.
"""
from __future__ import annotations

from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask

from workflows.campaigns.models import Campaign, CampaignEvent, EventKind
from workflows.core import clock, notify
from workflows.notifications.kinds import NotificationKind
from workflows.notifications.services import Draft, notification_send

from .duties import reviewers_of
from .models import Dossier


def dossier_url(campaign_id: int) -> str:
    return reverse("recognition:dossier", args=[campaign_id])


def step_key(task: FlowTask) -> str:
    """What the notifications about a review step are closed by once it is done."""
    return f"review-step:{task.pk}"


def person_label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def step_notify(campaign: Campaign, recipients, kind: str, key: str, *, task: FlowTask, **params) -> None:
    """Notify ``recipients`` of a review step of ``campaign`` (once per
    ``key``; closed with the step, ``step_key``)."""
    if notify.paused():
        return
    notification_send(drafts=[
        Draft(recipient_id=user_id, kind=kind, url=dossier_url(campaign.pk), campaign_id=campaign.pk, key=key,
              step_key=step_key(task), params={"enterprise": campaign.enterprise.name, **params})
        for user_id in sorted(set(recipients))])


def review_escalate(*, dossier: Dossier, step_task: FlowTask) -> None:
    """A step waited longer than the rule set allows (the flow's timer):
    tell the supervisors of the recognising unit (but those who prepared the
    dossier or work the case), once (the timer fires once; the notification
    is keyed by the step besides)."""
    campaign = Campaign.objects.select_related("responsible_unit", "enterprise").get(pk=dossier.campaign_id)
    step = step_task.flow_task.name
    CampaignEvent.objects.create(campaign=campaign, unit_id=campaign.responsible_unit_id,
                                 kind=EventKind.DOSSIER_ESCALATED, at=clock.now(), actor=None,
                                 note="", data={"step": step, "due_on": step_task.data.get("due_on")})
    step_notify(campaign, reviewers_of(campaign).deciders, NotificationKind.REVIEW_ESCALATED,
                f"review-late:{step_task.pk}", task=step_task, step=step, due_on=step_task.data.get("due_on"),
                owner=person_label(step_task.owner) if step_task.owner_id else "")
