"""The recognition policy: who may see and change a dossier, and who may
take each step of its review. Builds on the campaign policy.

- The dossier is seen by whoever sees the campaign; it is prepared and
  submitted by those who work the case (officers of the campaign's working
  group, supervisors of the responsible unit or above).
- Verification is for the officers of the recognising unit — the
  campaign's responsible unit: members of one of its own working groups.
- The decision is for the supervisors of the recognising unit or a unit
  above it; they also hand review steps from one person to another.

Refusals raise ``PermissionDenied``; views answer 404.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from workflows.campaigns import permissions as campaign_policy
from workflows.campaigns.models import Campaign
from workflows.campaigns.permissions import Action
from workflows.organisation.permissions import Scope, scope_of

from .flows import RecognitionFlow

#: The steps a person takes, by the name of their node.
VERIFY, CORRECT, DECIDE = "verify", "correct", "decide"
HUMAN_STEPS = (VERIFY, CORRECT, DECIDE)
#: The statuses of a step that waits for someone.
WAITING = (STATUS.NEW, STATUS.ASSIGNED)
_CAMPAIGN = "process__recognitionprocess__dossier__campaign"


#: Dossier statuses in which the recognising unit's officers see the dossier.
_UNDER_REVIEW = ("submitted", "returned", "verified", "recognised")


def campaigns_for_review(user) -> QuerySet[Campaign]:
    """The campaigns whose dossier ``user`` may open: those they may see,
    and those whose dossier was submitted to a unit they are an officer of
    (the verifiers, who need not work the case)."""
    scope = scope_of(user)
    visible = campaign_policy.campaigns_visible_to(user)
    if not scope.officer_units:
        return visible
    return visible | Campaign.objects.filter(responsible_unit__path__in=list(scope.officer_units),
                                             dossier__status__in=_UNDER_REVIEW)


def can_view(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    return campaign_policy.can(user, Action.VIEW, campaign, scope=scope)


def can_prepare(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    return campaign_policy.can(user, Action.WORK, campaign, scope=scope)


def can_verify(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    scope = scope or scope_of(user)
    return scope.is_officer_of(campaign.responsible_unit.path)


def can_decide(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    return campaign_policy.can(user, Action.RECOGNISE, campaign, scope=scope)


def can_hand_over(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    """Reassign a review step: supervisors of the recognising unit or above."""
    scope = scope or scope_of(user)
    return scope.supervises(campaign.responsible_unit.path)


def can_take_step(user, step: str, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    """May ``user`` hold (take, be given) a step of this campaign's review?"""
    check = {VERIFY: can_verify, DECIDE: can_decide, CORRECT: can_prepare}.get(step)
    return bool(check and check(user, campaign, scope=scope))


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def step_name(task: FlowTask) -> str:
    return task.flow_task.name if task.flow_task is not None else ""


def review_tasks_for_inbox(user) -> QuerySet[FlowTask]:
    """The waiting review steps that are ``user``'s to do: those given to
    them, the verification queue of the units they are officers of, and
    the decision queue of the units they supervise. One query."""
    scope = scope_of(user)
    if scope.is_empty:
        return FlowTask.objects.none()
    flow = RecognitionFlow
    queue = Q(owner__isnull=True) & (
        (Q(flow_task=flow.verify) & Q(**{f"{_CAMPAIGN}__responsible_unit__path__in": list(scope.officer_units)}))
        | (Q(flow_task=flow.decide) & scope.subtree_q(f"{_CAMPAIGN}__responsible_unit__path", scope.supervised))
    )
    mine = Q(owner_id=user.pk)
    return FlowTask.objects.filter(
        mine | queue, process__flow_class=flow, status__in=WAITING,
        flow_task__in=[flow.verify, flow.correct, flow.decide],
    )
