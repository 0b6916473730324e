"""Who holds which role where: the grants of django-guardian, read once.

Roles are guardian permissions on direct-FK permission models:
- supervisor (``supervise_unit`` on a unit): reads and acts on the unit's subtree;
- manager (``oversee_unit`` on a unit): reads the unit's subtree;
- officer (``work_in_group`` on a working group): works the group's campaigns;
- administrator (``administer_unit`` on a unit): keeps the subtree's units,
  people, working groups, roles and reference data (the organisation
  department). It opens no campaign by itself: an administrator who also
  works cases holds those roles too. Django's superuser is the technical
  account: it passes every administration check.

A person whose access ended (``Profile.access_until`` before today: a
collaborator's end date) or who was deactivated holds no role at all.

``scope_of(user)`` reads every grant of a user in one query and answers the
per-object questions in memory, so that a list can ask them row by row without
a query per row. Object policies (``campaigns.permissions``) build on it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Q, QuerySet, Value

from workflows.core import clock
from workflows.core.prepared import PreparedRows

from .models import Unit, UnitUserObjectPermission, WorkingGroup, WorkingGroupUserObjectPermission


class Role(StrEnum):
    SUPERVISOR = "supervise_unit"
    MANAGER = "oversee_unit"
    OFFICER = "work_in_group"
    ADMINISTRATOR = "administer_unit"


#: The roles granted on a unit (for its subtree); the officer role is granted in a working group.
UNIT_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)

#: The names of the roles, as settings and the sign-in rules name them.
ROLE_NAMES = {Role.ADMINISTRATOR: "administrator", Role.SUPERVISOR: "supervisor", Role.MANAGER: "manager",
              Role.OFFICER: "officer"}


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """Drop the paths that lie inside another path of the set."""
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


@dataclass(frozen=True)
class Scope:
    """Every grant of one user."""

    user_id: int | None
    supervised: tuple[str, ...] = ()  # unit paths
    overseen: tuple[str, ...] = ()  # unit paths (supervised ones included)
    groups: frozenset[int] = frozenset()  # working group ids
    group_units: tuple[str, ...] = ()  # paths of the units of those groups (outermost)
    officer_units: frozenset[str] = frozenset()  # the same paths, each of them
    administered: tuple[str, ...] = ()  # unit paths

    @property
    def is_empty(self) -> bool:
        """No campaign to see (an administrator alone sees none)."""
        return not (self.overseen or self.groups)

    def administers(self, unit_path: str) -> bool:
        return any(unit_path.startswith(p) for p in self.administered)

    def supervises(self, unit_path: str) -> bool:
        return any(unit_path.startswith(p) for p in self.supervised)

    def oversees(self, unit_path: str) -> bool:
        return any(unit_path.startswith(p) for p in self.overseen)

    def works_in(self, group_id: int | None) -> bool:
        return group_id is not None and group_id in self.groups

    def is_officer_of(self, unit_path: str) -> bool:
        """Is the user an officer of a working group of exactly this unit?"""
        return unit_path in self.officer_units

    def subtree_q(self, path_field: str, paths: tuple[str, ...]) -> Q:
        """A filter matching rows whose unit lies under any of ``paths``."""
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(**{f"{path_field}__startswith": path})
        return condition


_CACHE_ATTR = "_workflows_scope"


def _grants(user_id: int, today: dt.date) -> QuerySet:
    """Every grant of the user in force on ``today``: (role, unit path, working group id)."""
    current = Q(user__profile__access_until__isnull=True) | Q(user__profile__access_until__gte=today)
    unit_grants = UnitUserObjectPermission.objects.filter(
        current, user_id=user_id, permission__codename__in=UNIT_ROLES, content_object__is_active=True,
    ).values_list("permission__codename", "content_object__path", Value(None, output_field=BigIntegerField()))
    group_grants = WorkingGroupUserObjectPermission.objects.filter(
        current, user_id=user_id, permission__codename=Role.OFFICER, content_object__is_active=True,
    ).values_list("permission__codename", "content_object__unit__path", "content_object_id")
    return unit_grants.union(group_grants, all=True)


#: Read on every page: compiled once per connection (``core.prepared``), with stand-ins for the user and the day.
_GRANTS = PreparedRows(_grants, -7_654_321_986, dt.date(1901, 2, 3))


def scope_of(user, *, fresh: bool = False) -> Scope:
    """The user's grants (one query, then cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(user_id=None)
    if not fresh and (cached := getattr(user, _CACHE_ATTR, None)) is not None:
        return cached
    supervised, overseen, administered, groups, group_units = set(), set(), set(), set(), set()
    for codename, path, group_id in _GRANTS.rows(user.pk, clock.today()):
        if codename == Role.SUPERVISOR:
            supervised.add(path)
            overseen.add(path)
        elif codename == Role.MANAGER:
            overseen.add(path)
        elif codename == Role.ADMINISTRATOR:
            administered.add(path)
        else:
            groups.add(group_id)
            group_units.add(path)
    scope = Scope(user_id=user.pk, supervised=_outermost(supervised), overseen=_outermost(overseen),
                  groups=frozenset(groups), group_units=_outermost(group_units),
                  officer_units=frozenset(group_units), administered=_outermost(administered))
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached grants after they change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles_held(user) -> frozenset[str]:
    """The names of the roles ``user`` holds anywhere (``ROLE_NAMES``'
    values): what the sign-in rules (the second factor) ask."""
    scope = scope_of(user)
    held = set()
    if scope.administered:
        held.add(ROLE_NAMES[Role.ADMINISTRATOR])
    if scope.supervised:
        held.add(ROLE_NAMES[Role.SUPERVISOR])
    if set(scope.overseen) - set(scope.supervised):
        held.add(ROLE_NAMES[Role.MANAGER])
    if scope.groups:
        held.add(ROLE_NAMES[Role.OFFICER])
    return frozenset(held)


# --- organisation objects ------------------------------------------------------
def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_supervise_unit(user, unit: Unit) -> bool:
    return scope_of(user).supervises(unit.path)


def can_administer_unit(user, unit: Unit) -> bool:
    """Keep ``unit`` and its subtree: its units, people, working groups, roles
    and reference data. An administrator of the unit or of a unit above it;
    the technical superuser."""
    return _signed_in(user) and (user.is_superuser or scope_of(user).administers(unit.path))


def require_administer_unit(user, unit: Unit) -> None:
    if not can_administer_unit(user, unit):
        raise PermissionDenied


def can_manage_groups(user, unit: Unit) -> bool:
    """Create, rename and close the working groups of ``unit``, choose their
    members, leader and collaborators: the unit's supervisors (or those of a
    unit above it) and its administrators."""
    return can_administer_unit(user, unit) or (_signed_in(user) and can_supervise_unit(user, unit))


def require_manage_groups(user, unit: Unit) -> None:
    if not can_manage_groups(user, unit):
        raise PermissionDenied


def can_administer_person(user, person) -> bool:
    """Keep ``person``'s account (details, invitation, deactivation, roles):
    the administrators of the person's unit. A person without a unit is
    kept by the superuser alone."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    if person.is_superuser:  # the technical account is kept by the technical accounts alone
        return False
    profile = getattr(person, "profile", None)
    unit = profile.unit if profile is not None else None
    return unit is not None and scope_of(user).administers(unit.path)


def require_administer_person(user, person) -> None:
    if not can_administer_person(user, person):
        raise PermissionDenied


def units_administered_by(user) -> QuerySet[Unit]:
    """Every unit ``user`` administers (closed ones included)."""
    if _signed_in(user) and user.is_superuser:
        return Unit.objects.all()
    scope = scope_of(user)
    return Unit.objects.filter(scope.subtree_q("path", scope.administered))


def people_administered_by(user):
    """The accounts ``user`` administers: the people of the units they administer."""
    people = get_user_model().objects.all()
    if _signed_in(user) and user.is_superuser:
        return people
    scope = scope_of(user)
    return people.filter(scope.subtree_q("profile__unit__path", scope.administered), is_superuser=False)


def working_groups_managed_by(user) -> QuerySet[WorkingGroup]:
    """The working groups ``user`` may manage (``can_manage_groups``)."""
    if _signed_in(user) and user.is_superuser:
        return WorkingGroup.objects.all()
    scope = scope_of(user)
    return WorkingGroup.objects.filter(scope.subtree_q("unit__path", scope.administered + scope.supervised))


# Kept for the callers written before the administrator role: managing the
# organisation under a unit is managing its working groups.
can_manage_organisation = can_manage_groups
require_manage_organisation = require_manage_groups


def units_visible_to(user):
    scope = scope_of(user)
    return Unit.objects.filter(scope.subtree_q("path", scope.overseen))


def working_groups_visible_to(user):
    scope = scope_of(user)
    return WorkingGroup.objects.filter(scope.subtree_q("unit__path", scope.overseen) | Q(pk__in=scope.groups))


# --- giving work to people --------------------------------------------------------
# A supervisor gives a task of a campaign (worked by a working group, in a
# unit) to someone who works that campaign: an officer of its group, or a
# supervisor of its unit or of a unit above it. The supervisor's reach stops at
# their own subtrees: a supervisor of the unit above them is not theirs to
# give work to. (``campaigns.permissions.may_hold_task`` is the same rule
# without the reach, for who may hold a task at all.)
def may_give_work_to(actor, *, group_id: int | None, unit_path: str, officer_of: Collection[int],
                     supervised_paths: Collection[str], scope: Scope | None = None) -> bool:
    """May supervisor ``actor`` give work of the group ``group_id`` on a
    campaign of the unit at ``unit_path`` to a person who is an officer of the
    groups ``officer_of`` and supervises the units at ``supervised_paths``?
    No query once the actor's scope is read."""
    scope = scope or scope_of(actor)
    if not scope.supervises(unit_path):
        return False
    if group_id is not None and group_id in officer_of:
        return True
    return any(unit_path.startswith(path) and scope.supervises(path) for path in supervised_paths)


def officers_who_may_receive(actor, group_ids: Iterable[int]) -> QuerySet[WorkingGroupUserObjectPermission]:
    """The officer grants of the active people of ``group_ids`` that work a
    campaign in the actor's subtrees (see ``may_give_work_to``): one row per
    person and group, with the group and its unit."""
    if not scope_of(actor).supervised:
        return WorkingGroupUserObjectPermission.objects.none()
    return (WorkingGroupUserObjectPermission.objects
            .filter(content_object_id__in=set(group_ids) - {None}, content_object__is_active=True,
                    permission__codename=Role.OFFICER, user__is_active=True)
            .select_related("user", "content_object__unit"))


def supervisors_who_may_receive(actor, unit_paths: Iterable[str]) -> QuerySet[UnitUserObjectPermission]:
    """The supervisor grants, inside the actor's subtrees, on the units at
    ``unit_paths`` or above them: one row per person and unit, with the unit.
    The actor's own grants are among them."""
    scope = scope_of(actor)
    ancestors = {path[:end] for path in unit_paths for end in range(Unit.steplen, len(path) + 1, Unit.steplen)}
    within = [path for path in ancestors if scope.supervises(path)]
    return (UnitUserObjectPermission.objects
            .filter(content_object__path__in=within, content_object__is_active=True,
                    permission__codename=Role.SUPERVISOR, user__is_active=True)
            .select_related("user", "content_object"))


# --- administration ---------------------------------------------------------------
def can_administer(user) -> bool:
    """Open the administration home: an administrator of a unit, or a staff
    account that keeps reference data in Django admin (holds at least one
    model permission there; a superuser holds them all)."""
    if not _signed_in(user):
        return False
    if scope_of(user).administered:
        return True
    return user.is_staff and (user.is_superuser or bool(user.get_all_permissions()))
