"""The campaign policy: who may do what to which campaign or task, and which
campaigns and tasks a user may see. Every service and view asks here.

- Officers (of the campaign's working group) work the case and advance it up
  to the founding congress; they put it on hold and resume it; they complete
  their group's tasks and take tasks from its queue.
- Supervisors of the responsible unit or any unit above it do all that, and
  open campaigns, assign them to working groups, reassign tasks, abandon,
  recognise and step a campaign back.
- Managers of the unit or above only read.

Which action a transition needs is declared with it (``flows.TRANSITIONS``).

Refusals raise ``PermissionDenied``; views answer it with 404 so that a
forbidden object looks like a missing one.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from workflows.core.errors import Conflict
from workflows.organisation.permissions import Scope, may_give_work_to, scope_of

from . import flows
from .flows import Action  # declared with the transitions; callers may import it from here
from .models import Campaign, Task, TaskStatus

_OFFICER_ACTIONS = {Action.VIEW, Action.WORK, Action.ADVANCE, Action.HOLD, Action.RESUME, Action.PEOPLE}
_SUPERVISOR_ACTIONS = set(Action)


def _unit_path(campaign: Campaign) -> str:
    return campaign.responsible_unit.path


def can(user, action: Action, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    """May ``user`` take ``action`` on ``campaign``? No query once the user's
    scope is read, provided ``responsible_unit`` was selected with the campaign."""
    scope = scope or scope_of(user)
    if scope.is_empty:
        return False
    path = _unit_path(campaign)
    if scope.supervises(path):
        return action in _SUPERVISOR_ACTIONS
    if scope.works_in(campaign.working_group_id) and action in _OFFICER_ACTIONS:
        return True
    return action == Action.VIEW and scope.oversees(path)


def require(user, action: Action, campaign: Campaign) -> None:
    if not can(user, action, campaign):
        raise PermissionDenied


def transition_open_to(user, campaign: Campaign, name: str, *, seen: str | None = None) -> flows.Transition:
    """The transition ``name`` (``flows.TRANSITIONS``) as ``user`` may take
    it on ``campaign``, for the page that offers its form. A transition the
    user may not take, or that does not leave the campaign's stage, raises
    ``PermissionDenied`` (it looks like a missing page); one the user may
    take but that was offered at another stage than the campaign's now
    (``seen``) raises ``Conflict``. The service checks the same, under the
    row lock."""
    declared = flows.TRANSITIONS.get(name)
    if declared is None or not can(user, declared.action, campaign):
        raise PermissionDenied
    if seen and seen != campaign.stage:
        raise Conflict.stale()
    if campaign.stage not in declared.sources:
        raise PermissionDenied
    return declared


def can_open_for(user, enterprise) -> bool:
    return scope_of(user).supervises(enterprise.responsible_unit.path)


def require_open_for(user, enterprise) -> None:
    if not can_open_for(user, enterprise):
        raise PermissionDenied


# --- tasks ---------------------------------------------------------------------
def can_complete_task(user, task: Task, *, scope: Scope | None = None) -> bool:
    scope = scope or scope_of(user)
    if scope.is_empty:
        return False
    if scope.supervises(_unit_path(task.campaign)):
        return True
    return task.assignee_id == user.pk or scope.works_in(task.working_group_id)


def can_claim_task(user, task: Task, *, scope: Scope | None = None) -> bool:
    """Officers of the task's group (and supervisors) may take a task that
    waits in the group's queue; the service refuses one already taken."""
    scope = scope or scope_of(user)
    if scope.is_empty:
        return False
    return scope.works_in(task.working_group_id) or scope.supervises(_unit_path(task.campaign))


def can_reassign_task(user, task: Task, *, scope: Scope | None = None) -> bool:
    scope = scope or scope_of(user)
    return scope.supervises(_unit_path(task.campaign))


def may_hold_task(user, campaign: Campaign) -> bool:
    """Can ``user`` be given a task of ``campaign``? Only someone who works
    the campaign: an officer of its group or a supervisor above it."""
    scope = scope_of(user)
    return scope.works_in(campaign.working_group_id) or scope.supervises(_unit_path(campaign))


def may_be_given_task_by(actor, receiver, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    """May supervisor ``actor`` give a task of ``campaign`` to ``receiver``?
    The receiver must be able to hold it (``may_hold_task``) and be within
    the actor's reach: an officer of the campaign's group, or a supervisor
    inside the actor's own subtrees (not the supervisor of a unit above)."""
    if receiver is None or not receiver.is_active or not may_hold_task(receiver, campaign):
        return False
    theirs = scope_of(receiver)
    return may_give_work_to(actor, group_id=campaign.working_group_id, unit_path=_unit_path(campaign),
                            officer_of=theirs.groups, supervised_paths=theirs.supervised, scope=scope)


def require_task(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- visibility -----------------------------------------------------------------
def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """The campaigns ``user`` may see, as one query (after the one that reads
    the user's grants): the subtrees of their unit grants, and their groups."""
    scope = scope_of(user)
    condition = scope.subtree_q("responsible_unit__path", scope.overseen)
    if scope.groups:
        condition |= Q(working_group_id__in=scope.groups)
    return Campaign.objects.filter(condition)


def campaign_ids_visible_to(user, ids: Iterable[int | None]) -> frozenset[int]:
    """Of the campaign ids a page is about to link to, those ``user`` may
    open: one query for the whole page, so that a link is shown only where it
    leads somewhere (a forbidden campaign answers 404)."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return frozenset()
    return frozenset(campaigns_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def tasks_visible_to(user) -> QuerySet[Task]:
    """The tasks of the campaigns ``user`` may see, as one query."""
    scope = scope_of(user)
    condition = scope.subtree_q("campaign__responsible_unit__path", scope.overseen)
    if scope.groups:
        condition |= Q(campaign__working_group_id__in=scope.groups)
    return Task.objects.filter(condition)


def open_tasks_given_to(user) -> QuerySet[Task]:
    """The open tasks given to ``user`` in the campaigns they may see
    (``tasks_visible_to``), as one query. An open task is in its campaign's
    working group — ``campaign_assign`` and a group's closing move them
    together — so those of the user's groups are recognised on the task
    itself, and an officer's inbox walks its index without reading a
    campaign; the campaigns of the user's subtrees are found through their
    unit, as everywhere."""
    scope = scope_of(user)
    condition = scope.subtree_q("campaign__responsible_unit__path", scope.overseen)
    if scope.groups:
        condition |= Q(working_group_id__in=scope.groups)
    return Task.objects.filter(condition, assignee_id=user.pk, status=TaskStatus.OPEN)
