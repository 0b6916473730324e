"""What an officer's device keeps for reading offline: the working set."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from workflows.campaigns.flows import OPEN_STAGES
from workflows.campaigns.models import Task, TaskStatus
from workflows.campaigns.permissions import campaigns_visible_to
from workflows.organisation.permissions import scope_of

#: The most campaigns a device keeps (their pages and workers): a phone's storage is small.
WORKING_SET_LIMIT = 30


@dataclass(frozen=True)
class WorkingCase:
    id: int
    version: int
    stage: str
    name: str


@dataclass(frozen=True)
class WorkingSet:
    """The officer's own open campaigns — those of their working groups and
    those where a task waits for them — and their open tasks (each with its
    campaign, so that a task completed offline names the version it was based
    on). Nothing of other people's cases: supervisors and managers browsing
    a unit's campaigns keep nothing of them on the device."""

    cases: tuple[WorkingCase, ...]
    tasks: tuple[tuple[int, int], ...]  # (task id, campaign id)

    @property
    def signature(self) -> str:
        return ";".join(f"{c.id}:{c.version}:{c.stage}" for c in self.cases) + "|" + ",".join(
            f"{task}" for task, _ in self.tasks)


def working_set_of(user) -> WorkingSet:
    """Two queries after the user's grants: the campaigns, then their open tasks."""
    scope = scope_of(user)
    if scope.is_empty:
        return WorkingSet(cases=(), tasks=())
    mine = Q(Exists(Task.objects.filter(campaign_id=OuterRef("pk"), status=TaskStatus.OPEN, assignee_id=user.pk)))
    if scope.groups:
        mine |= Q(working_group_id__in=scope.groups)
    cases = tuple(WorkingCase(id=pk, version=version, stage=stage, name=name) for pk, version, stage, name in (
        campaigns_visible_to(user).filter(mine, stage__in=OPEN_STAGES).order_by("-pk")
        .values_list("pk", "version", "stage", "enterprise__name")[:WORKING_SET_LIMIT]))
    tasks = tuple(Task.objects.filter(campaign_id__in=[c.id for c in cases], status=TaskStatus.OPEN)
                  .order_by("pk").values_list("pk", "campaign_id"))
    return WorkingSet(cases=cases, tasks=tasks)
