"""Reads of units, working groups and people."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import Unit, WorkingGroup, WorkingGroupUserObjectPermission
from .permissions import Role, scope_of

User = get_user_model()


def group_members(group_ids) -> QuerySet:
    """Active users holding the officer grant on any of ``group_ids``."""
    return (User.objects.filter(
        is_active=True,
        pk__in=WorkingGroupUserObjectPermission.objects.filter(
            content_object_id__in=list(group_ids), permission__codename=Role.OFFICER).values("user_id"))
        .order_by("last_name", "first_name", "username"))


def person_choices(users) -> list[tuple[int, str]]:
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]


def groups_supervised_by(user) -> QuerySet[WorkingGroup]:
    scope = scope_of(user)
    return (WorkingGroup.objects.filter(scope.subtree_q("unit__path", scope.supervised), is_active=True)
            .select_related("unit", "leader").order_by("unit__path", "name"))


def units_overseen_by(user) -> QuerySet[Unit]:
    """The upper-level units of the user's subtrees, for the unit pickers of
    lists, imports and dashboards. Grassroots unions (CĐCS) are left out: no
    campaign or enterprise is the responsibility of one, and a province has
    thousands of them."""
    scope = scope_of(user)
    return (Unit.objects.filter(scope.subtree_q("path", scope.overseen), is_active=True, kind__is_grassroots=False)
            .order_by("path"))


@dataclass(frozen=True)
class GroupMember:
    user_id: int
    name: str
    is_leader: bool
    is_collaborator: bool
    open_tasks: int
    overdue_tasks: int


@dataclass(frozen=True)
class GroupLoad:
    group: WorkingGroup
    members: tuple[GroupMember, ...]
    queue: int
    queue_overdue: int


def workload_of_groups(user, *, today) -> list[GroupLoad]:
    """The working groups a supervisor supervises, their members, and per
    member and per queue the open and overdue tasks: three queries."""
    from django.db.models import Count, Q

    from workflows.campaigns.models import TaskStatus
    from workflows.campaigns.permissions import tasks_visible_to

    groups = list(groups_supervised_by(user))
    grants = (WorkingGroupUserObjectPermission.objects
              .filter(content_object__in=groups, permission__codename=Role.OFFICER, user__is_active=True)
              .select_related("user__profile").order_by("user__last_name", "user__first_name"))
    open_tasks = tasks_visible_to(user).filter(status=TaskStatus.OPEN, working_group__in=groups)
    per_member = {(row["working_group"], row["assignee"]): row for row in open_tasks.values(
        "working_group", "assignee").annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))}
    members: dict[int, list[GroupMember]] = {g.pk: [] for g in groups}
    for grant in grants:
        person = grant.user
        row = per_member.get((grant.content_object_id, person.pk), {})
        profile = getattr(person, "profile", None)
        members[grant.content_object_id].append(GroupMember(
            person.pk, person.get_full_name() or person.get_username(),
            is_leader=person.pk == next(g.leader_id for g in groups if g.pk == grant.content_object_id),
            is_collaborator=bool(profile and profile.is_collaborator),
            open_tasks=row.get("n", 0), overdue_tasks=row.get("late", 0)))
    return [GroupLoad(g, tuple(members[g.pk]), per_member.get((g.pk, None), {}).get("n", 0),
                      per_member.get((g.pk, None), {}).get("late", 0)) for g in groups]


def reassignable_tasks_of(user, officer_id: int):
    """Open tasks of one officer that ``user`` (a supervisor) may reassign."""
    from workflows.campaigns.models import Task, TaskStatus

    scope = scope_of(user)
    return (Task.objects.filter(scope.subtree_q("campaign__responsible_unit__path", scope.supervised),
                                assignee_id=officer_id, status=TaskStatus.OPEN)
            .select_related("campaign__enterprise", "campaign__responsible_unit").order_by("due_on", "pk"))


def groups_that_may_work(user, unit: Unit) -> list[WorkingGroup]:
    """The working groups ``user`` supervises that may take a campaign of
    ``unit``: those of the unit itself and of the units above it."""
    return [g for g in groups_supervised_by(user) if unit.path.startswith(g.unit.path)]
