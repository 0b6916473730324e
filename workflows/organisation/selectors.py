"""Reads of units, working groups and people."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from workflows.core.text import fold

from .models import Unit, WorkingGroup, WorkingGroupUserObjectPermission
from .permissions import Role, Scope, may_give_work_to, officers_who_may_receive, scope_of, supervisors_who_may_receive

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


def groups_that_may_work(user, unit: Unit) -> list[WorkingGroup]:
    """The working groups ``user`` supervises that may take a campaign of
    ``unit``: those of the unit itself and of the units above it."""
    return [g for g in groups_supervised_by(user) if unit.path.startswith(g.unit.path)]


# --- who may receive an officer's tasks ------------------------------------------
#: One page of an officer's tasks (and the most tasks chosen at once from it).
OFFICER_TASKS_PER_PAGE = 100


@dataclass(frozen=True)
class TaskPlace:
    """Where some of an officer's tasks sit: their working group and their
    campaign's responsible unit, and how many there are. Who may receive the
    tasks depends on nothing else, so thousands of tasks are judged from a
    handful of places (``campaigns.selectors.reassignable_task_places``)."""

    group_id: int | None
    group_name: str
    unit_path: str
    count: int


@dataclass(frozen=True)
class Receiver:
    """A person a supervisor may give some of the tasks to."""

    user_id: int
    name: str
    officer_of: frozenset[int]  # working group ids, among the tasks' groups
    supervised_paths: frozenset[str]  # unit paths, at or above the tasks' units, inside the actor's reach


@dataclass(frozen=True)
class ReassignPreview:
    """What the confirmation of a bulk reassignment says."""

    count: int
    receiver: str
    refused: int  # tasks the receiver may not be given
    other_groups: tuple[str, ...]  # the tasks' groups the receiver is not a member of


@dataclass(frozen=True)
class Receivers:
    """The people a supervisor may give a list of tasks to, grouped for a
    picker by unit and working group (the supervisors of a unit together)."""

    people: dict[int, Receiver]
    choices: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    scope: Scope

    def preview(self, actor, user_id: int, places: Iterable[TaskPlace]) -> ReassignPreview:
        """What moving the tasks at ``places`` to ``user_id`` would do. No query."""
        person = self.people[user_id]
        places = list(places)
        refused = sum(p.count for p in places if not may_give_work_to(
            actor, group_id=p.group_id, unit_path=p.unit_path,
            officer_of=person.officer_of, supervised_paths=person.supervised_paths, scope=self.scope))
        other_groups = sorted({p.group_name for p in places
                               if p.group_id is not None and p.group_id not in person.officer_of})
        return ReassignPreview(sum(p.count for p in places), person.name, refused, tuple(other_groups))


def receivers_for(actor, places: Iterable[TaskPlace], *, leaving_id: int) -> Receivers:
    """Who ``actor`` (a supervisor) may give some of the tasks at ``places``
    to, the person who leaves them (``leaving_id``) left out: the officers of
    the tasks' working groups and the supervisors of their units, inside the
    actor's reach (decided by ``permissions.may_give_work_to``). Two queries,
    whatever the number of tasks."""
    scope = scope_of(actor)
    places = list(places)
    if not places:
        return Receivers({}, (), scope)
    officer_grants = list(officers_who_may_receive(actor, {p.group_id for p in places}))
    supervisor_grants = list(supervisors_who_may_receive(actor, {p.unit_path for p in places}))
    officer_of: dict[int, set[int]] = {}
    supervises: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for grant in officer_grants:
        officer_of.setdefault(grant.user_id, set()).add(grant.content_object_id)
        names[grant.user_id] = grant.user.get_full_name() or grant.user.get_username()
    for grant in supervisor_grants:
        supervises.setdefault(grant.user_id, set()).add(grant.content_object.path)
        names[grant.user_id] = grant.user.get_full_name() or grant.user.get_username()
    people = {}
    for user_id, name in names.items():
        person = Receiver(user_id, name, frozenset(officer_of.get(user_id, ())), frozenset(supervises.get(user_id, ())))
        if user_id != leaving_id and any(may_give_work_to(
                actor, group_id=p.group_id, unit_path=p.unit_path,
                officer_of=person.officer_of, supervised_paths=person.supervised_paths, scope=scope) for p in places):
            people[user_id] = person
    # (sort key, label) → people: a unit's supervisors first, then its groups by name
    sections: dict[tuple, list[tuple[int, str]]] = {}
    for grant in supervisor_grants:
        if grant.user_id in people:
            unit = grant.content_object
            key = (unit.path, 0, "", _("%(unit)s — supervisors") % {"unit": unit.name})
            sections.setdefault(key, []).append((grant.user_id, people[grant.user_id].name))
    for grant in officer_grants:
        if grant.user_id in people:
            group = grant.content_object
            key = (group.unit.path, 1, group.name, f"{group.unit.name} — {group.name}")
            sections.setdefault(key, []).append((grant.user_id, people[grant.user_id].name))
    choices = tuple((key[3], tuple(sorted(set(members), key=lambda m: (_sort_name(m[1]), m[0]))))
                    for key, members in sorted(sections.items(), key=lambda item: item[0][:3]))
    return Receivers(people, choices, scope)


def _sort_name(name: str) -> tuple[str, str]:
    """Vietnamese names sort by the given name (the last word), then the rest."""
    words = name.split()
    return (fold(words[-1]) if words else "", fold(name))


# --- administration ---------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class AdminSection:
    """One application's reference data in Django admin."""

    name: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Administration:
    """What an administrator may keep: the Django admin lists they may open
    (Django admin's own permission checks decide), the product's reference
    data apart from the technical tables (sign-in attempts, job queue …)."""

    index_url: str
    reference: tuple[AdminSection, ...]
    technical: tuple[AdminSection, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.reference or self.technical)


def administration_for(request) -> Administration:
    reference, technical = [], []
    for app in admin.site.get_app_list(request):
        # a model without admin_url is one the user may only add to (or not
        # even that): its list would refuse them, so it is not shown
        links = tuple(Link(str(model["name"]), model["admin_url"]) for model in app["models"]
                      if model.get("admin_url"))
        if links:
            ours = apps.get_app_config(app["app_label"]).name.startswith("workflows.")
            (reference if ours else technical).append(AdminSection(str(app["name"]), links))
    return Administration(reverse("admin:index"), tuple(reference), tuple(technical))
