"""What an officer's device keeps for reading offline: the working set."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Q

from workflows.campaigns.flows import OPEN_STAGES
from workflows.campaigns.models import Task, TaskStatus
from workflows.campaigns.permissions import campaigns_visible_to
from workflows.organisation.permissions import scope_of
from workflows.people.permissions import enterprises_to_visit

#: The most campaigns a device keeps (their pages and workers): a phone's storage is small.
WORKING_SET_LIMIT = 30


@dataclass(frozen=True)
class WorkingCase:
    id: int
    version: int
    stage: str
    name: str


@dataclass(frozen=True)
class WorkingEnterprise:
    """An enterprise of the officer's open campaigns they may record a visit
    to (its visit form is kept), with its latest visit (a new one refreshes
    the kept form, which names the visit it is based on)."""

    id: int
    latest_visit: int | None


@dataclass(frozen=True)
class WorkingSet:
    """The officer's own open campaigns — those of their working groups and
    those where a task waits for them — and their open tasks (each with its
    campaign, so that a task completed offline names the version it was based
    on). Nothing of other people's cases: supervisors and managers browsing
    a unit's campaigns keep nothing of them on the device."""

    cases: tuple[WorkingCase, ...]
    open_tasks: tuple[tuple[int, int], ...]  # (task id, campaign id)
    enterprises: tuple[WorkingEnterprise, ...] = ()

    @property
    def signature(self) -> str:
        return ";".join(f"{c.id}:{c.version}:{c.stage}" for c in self.cases) + "|" + ",".join(
            f"{task}" for task, _ in self.open_tasks) + "|" + ",".join(
            f"{e.id}:{e.latest_visit or ''}" for e in self.enterprises)


def working_set_of(user) -> WorkingSet:
    """Three queries after the user's grants: the campaigns, their open
    tasks, then their enterprises the user may record a visit to."""
    scope = scope_of(user)
    if scope.is_empty:
        return WorkingSet(cases=(), open_tasks=())
    mine = Q(Exists(Task.objects.filter(campaign_id=OuterRef("pk"), status=TaskStatus.OPEN, assignee_id=user.pk)))
    if scope.groups:
        mine |= Q(working_group_id__in=scope.groups)
    rows = list(campaigns_visible_to(user).filter(mine, stage__in=OPEN_STAGES).order_by("-pk")
                .values_list("pk", "version", "stage", "enterprise__name", "enterprise_id")[:WORKING_SET_LIMIT])
    cases = tuple(WorkingCase(id=pk, version=version, stage=stage, name=name) for pk, version, stage, name, _ in rows)
    tasks = tuple(Task.objects.filter(campaign_id__in=[c.id for c in cases], status=TaskStatus.OPEN)
                  .order_by("pk").values_list("pk", "campaign_id"))
    enterprises = tuple(WorkingEnterprise(id=pk, latest_visit=latest) for pk, latest in (
        enterprises_to_visit(user).filter(pk__in={row[4] for row in rows}).annotate(latest=Max("survey_visits"))
        .order_by("pk").values_list("pk", "latest"))) if rows else ()
    return WorkingSet(cases=cases, open_tasks=tasks, enterprises=enterprises)
