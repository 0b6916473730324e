"""Every write to units, working groups, grants and people's accounts.

Each service checks its actor through ``permissions`` (PermissionDenied: a
404 to the user) and writes a ``ChangeRecord`` (who, when, what, before →
after) in the same transaction: the history on a unit's and a person's page.
Units and working groups are administered by the administrators of the
subtree (``Role.ADMINISTRATOR``); working groups also by the supervisors of
their unit; unit roles are granted by administrators only.

Moving a closed unit's enterprises and campaigns, and handing over the work
of a person who leaves, are services of ``workflows.administration`` (they
reach the apps above this one); these are their organisation parts.
"""
from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from treebeard.exceptions import PathOverflow

from workflows.core import clock
from workflows.core.text import fold

from .models import (
    ChangeAction,
    ChangeRecord,
    Profile,
    Unit,
    UnitKind,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from .permissions import (
    UNIT_ROLES,
    Role,
    can_supervise_unit,
    forget_scope,
    require_administer_person,
    require_administer_unit,
    require_manage_groups,
)

User = get_user_model()

def role_label(role: str) -> str:
    """What a role is called in the history and on the screens."""
    return str({Role.ADMINISTRATOR: _("administrator"), Role.SUPERVISOR: _("supervisor"),
                Role.MANAGER: _("manager"), Role.OFFICER: _("officer")}.get(role, role))


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def change_record(*, actor, action: str, summary: str, unit: Unit | None = None, person=None,
                  working_group: WorkingGroup | None = None, before: dict | None = None,
                  after: dict | None = None) -> ChangeRecord:
    """Append one entry to the organisation's history (inside the caller's
    transaction). ``actor`` None: the system (a scheduled job)."""
    return ChangeRecord.objects.create(
        at=clock.now(), actor_id=_actor_id(actor), action=action, summary=summary[:500], unit=unit, person=person,
        working_group=working_group, before=before or {}, after=after or {})


def _lock_unit(unit_id: int) -> Unit:
    return Unit.objects.select_for_update(of=("self",)).select_related("kind").get(pk=unit_id)


def _name(value: str, message: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError(message)
    return value


# --- units ------------------------------------------------------------------------
def _search_name(name: str) -> str:
    """``Unit.search_name`` of ``name``: folded (the picker's search), cut to
    its column (folding can lengthen a name: a Hangul syllable decomposes)."""
    return fold(name)[:Unit._meta.get_field("search_name").max_length]


def _unit_add(*, name: str, code: str, kind: UnitKind, parent: Unit | None, actor, now: dt.datetime) -> Unit:
    name = _name(name, _("A unit needs a name."))
    code = slugify(code or "")[:60]
    if not code:
        raise ValidationError(_("A unit needs a code (letters, digits and hyphens)."))
    if Unit.objects.filter(code=code).exists():
        raise ValidationError(_("A unit with the code “%(code)s” already exists.") % {"code": code})
    if parent is not None and not parent.is_active:
        raise ValidationError(_("The unit “%(name)s” is closed: choose an open unit.") % {"name": parent.name})
    fields = {"name": name, "search_name": _search_name(name), "code": code, "kind": kind, "created_at": now}
    if parent is None:
        unit = Unit.objects.add_root(fields)
    else:
        unit = Unit.objects.add_child(Unit.objects.get(pk=parent.pk), fields)
    change_record(actor=actor, action=ChangeAction.UNIT_CREATED, unit=unit,
                  summary=_("Unit “%(name)s” created") % {"name": name},
                  after={"name": name, "code": code, "kind": kind.name, "parent": parent.name if parent else ""})
    return unit


@transaction.atomic
def unit_create(*, name: str, code: str, kind: UnitKind, parent: Unit | None, actor) -> Unit:
    """Create a unit under ``parent``: an administrator of the parent. A
    top-level unit (the confederation, or the province a federation installs
    the product for) is created by the technical superuser."""
    if parent is None:
        if not (actor and actor.is_superuser):
            raise PermissionDenied
    else:
        require_administer_unit(actor, parent)
    return _unit_add(name=name, code=code, kind=kind, parent=parent, actor=actor, now=clock.now())


@transaction.atomic
def grassroots_unit_create(*, name: str, code: str, kind: UnitKind, parent: Unit, actor,
                           parent_locked: bool = False) -> Unit:
    """The grassroots union (CĐCS) a recognition decision founds, under the
    recognising unit: created by the supervisor who decides (the
    recognition's separation of duties has checked who that may be).

    On PostgreSQL in one statement (``_CHILD_INSERT``) under the parent's
    row lock — taken by the caller with its own (``parent_locked``: the
    campaign's move locks its unit with its row), else here —, as
    treebeard's ``add_child`` would make it; elsewhere through treebeard."""
    if not (actor and (actor.is_superuser or can_supervise_unit(actor, parent))):
        raise PermissionDenied
    now = clock.now()
    if connection.vendor != "postgresql":
        return _unit_add(name=name, code=code, kind=kind, parent=parent, actor=actor, now=now)
    if not parent_locked:
        parent = _lock_unit(parent.pk)
    return _child_insert(name=name, code=code, kind=kind, parent=parent, actor=actor, now=now)


def _path_step_sql(number: str) -> str:
    """SQL: the integer ``number`` as a step of a unit's path (treebeard's ``_int2str``, padded)."""
    base, alphabet = len(Unit.alphabet), Unit.alphabet
    return " || ".join(f"substr('{alphabet}', mod(({number}) / {base ** (Unit.steplen - 1 - i)}, {base}) + 1, 1)"
                       for i in range(Unit.steplen))


def _path_number_sql(step: str) -> str:
    """SQL: the last step of the path ``step`` as an integer (treebeard's ``_str2int``)."""
    base, alphabet = len(Unit.alphabet), Unit.alphabet
    return " + ".join(f"(strpos('{alphabet}', substr(right({step}, {Unit.steplen}), {i + 1}, 1)) - 1) "
                      f"* {base ** (Unit.steplen - 1 - i)}" for i in range(Unit.steplen))


#: A unit added as the last child of a parent whose row the transaction has
#: locked, the parent's count of children and the unit's history record, in
#: one statement. The path is the last child's plus one step (1 for the
#: first child), as treebeard's ``add_child``: two transactions adding
#: under one parent wait for each other on its row lock, and the second
#: (READ COMMITTED: a new snapshot per statement) sees the first one's
#: child. Nothing is written when the code or the path is taken, or the
#: parent has no step left: no row comes back. The last child is found in
#: byte order (``~>~``, the order of ``unit_depth_path_idx``'s pattern
#: operators, and the alphabet's): one index probe backwards, where
#: ``ORDER BY path DESC`` (treebeard's) walked the unique index over every
#: unit after the parent's subtree (710 ms under a unit with 2.755 CĐCS at
#: national scale; 3 ms so).
_CHILD_INSERT = f"""
WITH last AS (
    SELECT coalesce((SELECT {_path_number_sql("path")} FROM "organisation_unit"
                     WHERE depth = %s AND path LIKE %s ORDER BY path USING ~>~ LIMIT 1), 0) + 1 AS number
), unit AS (
    INSERT INTO "organisation_unit" (path, depth, numchild, code, name, search_name, kind_id, is_active, created_at)
    SELECT %s || {_path_step_sql("last.number")}, %s, 0, %s, %s, %s, %s, true, %s FROM last
    WHERE last.number < {len(Unit.alphabet) ** Unit.steplen}
    ON CONFLICT DO NOTHING
    RETURNING id, path
), parent AS (
    UPDATE "organisation_unit" SET numchild = numchild + 1 WHERE id = %s AND EXISTS (SELECT 1 FROM unit)
), record AS (
    INSERT INTO "organisation_changerecord" (at, actor_id, action, unit_id, summary, before, after)
    SELECT %s, %s, %s, unit.id, %s, '{{}}'::jsonb, CAST(%s AS jsonb) FROM unit
)
SELECT id, path FROM unit
"""


def _child_insert(*, name: str, code: str, kind: UnitKind, parent: Unit, actor, now: dt.datetime) -> Unit:
    """``_unit_add`` under a locked parent, in one statement (``_CHILD_INSERT``)."""
    name = _name(name, _("A unit needs a name."))
    code = slugify(code or "")[:60]
    if not code:
        raise ValidationError(_("A unit needs a code (letters, digits and hyphens)."))
    if not parent.is_active:
        raise ValidationError(_("The unit “%(name)s” is closed: choose an open unit.") % {"name": parent.name})
    depth = parent.depth + 1
    summary = (_("Unit “%(name)s” created") % {"name": name})[:500]
    after = {"name": name, "code": code, "kind": kind.name, "parent": parent.name}
    with connection.cursor() as cursor:
        cursor.execute(_CHILD_INSERT, [
            depth, parent.path + "%",
            parent.path, depth, code, name, _search_name(name), kind.pk, now,
            parent.pk,
            now, _actor_id(actor), ChangeAction.UNIT_CREATED.value, summary, json.dumps(after)])
        row = cursor.fetchone()
    if row is None:
        if Unit.objects.filter(code=code).exists():
            raise ValidationError(_("A unit with the code “%(code)s” already exists.") % {"code": code})
        # without the parent's row lock, a concurrent child took the path (test_concurrency shows it)
        raise PathOverflow(f"No free path for another child of {parent.path}: none left, or taken (unlocked parent?)")
    unit = Unit(pk=row[0], path=row[1], depth=depth, numchild=0, code=code, name=name, search_name=_search_name(name),
                kind=kind, is_active=True, created_at=now)
    unit._state.adding, unit._state.db = False, connection.alias
    parent.numchild += 1  # as treebeard leaves the parent in memory
    return unit


@transaction.atomic
def unit_rename(*, unit_id: int, name: str, actor, kind: UnitKind | None = None) -> Unit:
    """Rename a unit (and change its kind): its administrators."""
    unit = _lock_unit(unit_id)
    require_administer_unit(actor, unit)
    name = _name(name, _("A unit needs a name."))
    before = {"name": unit.name, "kind": unit.kind.name}
    unit.name = name
    unit.search_name = _search_name(name)
    if kind is not None:
        unit.kind = kind
    unit.save(update_fields=["name", "search_name", "kind"])
    after = {"name": unit.name, "kind": unit.kind.name}
    if before != after:
        change_record(actor=actor, action=ChangeAction.UNIT_RENAMED, unit=unit, before=before, after=after,
                      summary=_("“%(old)s” renamed “%(new)s”") % {"old": before["name"], "new": name}
                      if before["name"] != name else _("Kind changed to %(kind)s") % {"kind": unit.kind.name})
    return unit


@transaction.atomic
def unit_move(*, unit_id: int, parent_id: int, actor) -> Unit:
    """Move a unit (and its subtree) under another parent. Its figures,
    history and people go with it: they belong to the unit, not to the
    place in the tree. The actor administers both the unit and the new parent."""
    unit = _lock_unit(unit_id)
    parent = _lock_unit(parent_id)
    require_administer_unit(actor, unit)
    require_administer_unit(actor, parent)
    if parent.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot move under itself or under one of its own units."))
    if not parent.is_active or not unit.is_active:
        raise ValidationError(_("Closed units do not move."))
    old_parent = Unit.objects.get_parent(unit)
    if old_parent is not None and old_parent.pk == parent.pk:
        return unit
    Unit.objects.move(unit, parent, pos="last-child")
    unit = Unit.objects.get(pk=unit.pk)
    forget_scope(actor)  # its cached grants name the paths before the move
    change_record(actor=actor, action=ChangeAction.UNIT_MOVED, unit=unit,
                  summary=_("Moved from “%(old)s” to “%(new)s”") % {
                      "old": old_parent.name if old_parent else "—", "new": parent.name},
                  before={"parent": old_parent.name if old_parent else ""}, after={"parent": parent.name})
    return unit


def _unique_group_name(unit: Unit, name: str, *, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


@transaction.atomic
def unit_close_mark(*, unit: Unit, successor: Unit, on: dt.date, actor) -> None:
    """The organisation part of closing ``unit`` into ``successor`` (called by
    ``workflows.administration.closing.unit_close``, which has checked the
    actor and moved the enterprises and campaigns): the unit is closed on
    ``on``; its active working groups (their members and grants with them)
    and its people's accounts move to the successor; its role grants stay,
    inert, as history (a closed unit grants nothing)."""
    unit = _lock_unit(unit.pk)
    successor = _lock_unit(successor.pk)
    taken = set(WorkingGroup.objects.filter(unit=successor).values_list("name", flat=True))
    moved_groups = []
    for group in WorkingGroup.objects.select_for_update().filter(unit=unit, is_active=True).order_by("pk"):
        new_name = _unique_group_name(successor, group.name, taken=taken)
        taken.add(new_name)
        before = {"unit": unit.name, "name": group.name}
        WorkingGroup.objects.filter(pk=group.pk).update(unit=successor, name=new_name)
        moved_groups.append(new_name)
        change_record(actor=actor, action=ChangeAction.UNIT_RECEIVED, unit=successor, working_group=group,
                      summary=_("Working group “%(name)s” moved from “%(unit)s”") % {"name": group.name,
                                                                                    "unit": unit.name},
                      before=before, after={"unit": successor.name, "name": new_name})
    people = list(Profile.objects.filter(unit=unit).values_list("user_id", flat=True))
    Profile.objects.filter(unit=unit).update(unit=successor)
    Unit.objects.filter(pk=unit.pk).update(is_active=False, closed_on=on, successor=successor)
    change_record(actor=actor, action=ChangeAction.UNIT_CLOSED, unit=unit,
                  summary=_("Closed on %(day)s; its work went to “%(successor)s”") % {
                      "day": f"{on:%d/%m/%Y}", "successor": successor.name},
                  before={"active": True}, after={"active": False, "closed_on": on.isoformat(),
                                                  "successor": successor.name, "working_groups": moved_groups,
                                                  "people": len(people)})
    for user_id in people:
        forget_scope(User(pk=user_id))


# --- working groups -----------------------------------------------------------------
def _group_name_free(unit: Unit, name: str, *, exclude_pk: int | None = None) -> None:
    taken = WorkingGroup.objects.filter(unit=unit, name=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_("The unit already has a working group named “%(name)s”.") % {"name": name})


def _lock_group(group_id: int) -> WorkingGroup:
    return WorkingGroup.objects.select_for_update(of=("self",)).select_related("unit").get(pk=group_id)


@transaction.atomic
def working_group_create(*, unit: Unit, name: str, actor, leader=None) -> WorkingGroup:
    """Create a working group of ``unit`` (its supervisors or administrators);
    the leader, when given, becomes its first officer."""
    require_manage_groups(actor, unit)
    if not unit.is_active:
        raise ValidationError(_("The unit “%(name)s” is closed: choose an open unit.") % {"name": unit.name})
    name = _name(name, _("A working group needs a name."))
    _group_name_free(unit, name)
    group = WorkingGroup.objects.create(unit=unit, name=name, leader=leader, created_at=clock.now())
    change_record(actor=actor, action=ChangeAction.GROUP_CREATED, unit=unit, working_group=group,
                  summary=_("Working group “%(name)s” created") % {"name": name}, after={"name": name})
    if leader is not None:
        _officer_grant(group, leader, actor)
    return group


@transaction.atomic
def working_group_rename(*, group_id: int, name: str, actor) -> WorkingGroup:
    group = _lock_group(group_id)
    require_manage_groups(actor, group.unit)
    name = _name(name, _("A working group needs a name."))
    if name != group.name:
        _group_name_free(group.unit, name, exclude_pk=group.pk)
        before = group.name
        group.name = name
        group.save(update_fields=["name"])
        change_record(actor=actor, action=ChangeAction.GROUP_RENAMED, unit=group.unit, working_group=group,
                      summary=_("Working group “%(old)s” renamed “%(new)s”") % {"old": before, "new": name},
                      before={"name": before}, after={"name": name})
    return group


@transaction.atomic
def working_group_close_mark(*, group_id: int, actor, on: dt.date | None = None) -> WorkingGroup:
    """The organisation part of closing a working group (its open campaigns
    and tasks are handed over by ``workflows.administration``): the group
    stops granting anything; its members keep their other roles."""
    group = _lock_group(group_id)
    require_manage_groups(actor, group.unit)
    if not group.is_active:
        raise ValidationError(_("The working group is already closed."))
    on = on or clock.today()
    group.is_active = False
    group.closed_on = on
    group.save(update_fields=["is_active", "closed_on"])
    members = list(WorkingGroupUserObjectPermission.objects.filter(content_object=group).values_list("user_id",
                                                                                                     flat=True))
    change_record(actor=actor, action=ChangeAction.GROUP_CLOSED, unit=group.unit, working_group=group,
                  summary=_("Working group “%(name)s” closed") % {"name": group.name},
                  before={"active": True}, after={"active": False, "closed_on": on.isoformat()})
    for user_id in members:
        forget_scope(User(pk=user_id))
    return group


def _officer_grant(group: WorkingGroup, user, actor) -> bool:
    """Grant the officer role in ``group``; False when it was held already."""
    if not user.is_active:
        raise ValidationError(_("%(name)s is deactivated: reactivate the account first.") % {
            "name": user.get_full_name() or user.get_username()})
    permission = Permission.objects.get(codename=Role.OFFICER, content_type__app_label="organisation")
    _grant, created = WorkingGroupUserObjectPermission.objects.get_or_create(
        user=user, permission=permission, content_object=group,
        defaults={"granted_at": clock.now(), "granted_by_id": _actor_id(actor)})
    if created:
        change_record(actor=actor, action=ChangeAction.ROLE_GRANTED, unit=group.unit, working_group=group,
                      person=user, summary=_("%(name)s: officer of “%(group)s”") % {
                          "name": user.get_full_name() or user.get_username(), "group": group.name},
                      after={"role": Role.OFFICER.value, "working_group": group.name})
        forget_scope(user)
    return created


@transaction.atomic
def working_group_member_add(*, group: WorkingGroup, user, actor, access_until: dt.date | None = None,
                             collaborator: bool = False) -> None:
    """Make ``user`` an officer of ``group`` (idempotent). ``access_until``:
    a collaborator's end date, after which they lose access (not in the
    past); ``collaborator``: mark them a collaborator (a retired officer)."""
    group = _lock_group(group.pk)
    require_manage_groups(actor, group.unit)
    if not group.is_active:
        raise ValidationError(_("The working group is closed."))
    if access_until is not None and access_until < clock.today():
        raise ValidationError({"access_until": _("The end date cannot be in the past.")})
    _officer_grant(group, user, actor)
    if collaborator:
        _collaborator_mark(user, actor)
    if access_until is not None:
        _access_until_set(user, access_until, actor)


def _collaborator_mark(user, actor) -> None:
    profile, _created = Profile.objects.get_or_create(user=user)
    if not profile.is_collaborator:
        profile.is_collaborator = True
        profile.save(update_fields=["is_collaborator"])
        change_record(actor=actor, action=ChangeAction.PERSON_CHANGED, unit=profile.unit, person=user,
                      summary=_("%(name)s is a collaborator") % {"name": user.get_full_name() or user.get_username()},
                      before={"collaborator": False}, after={"collaborator": True})


def _access_until_set(user, access_until: dt.date | None, actor) -> None:
    profile, _created = Profile.objects.get_or_create(user=user)
    if profile.access_until != access_until:
        before = profile.access_until
        profile.access_until = access_until
        profile.save(update_fields=["access_until"])
        change_record(actor=actor, action=ChangeAction.PERSON_CHANGED, unit=profile.unit, person=user,
                      summary=_("Access until %(day)s") % {"day": f"{access_until:%d/%m/%Y}" if access_until
                                                           else _("no end date")},
                      before={"access_until": before.isoformat() if before else None},
                      after={"access_until": access_until.isoformat() if access_until else None})
        forget_scope(user)


@transaction.atomic
def working_group_member_remove(*, group: WorkingGroup, user, actor) -> None:
    """Remove ``user`` from ``group``. Their open tasks stay assigned until a
    supervisor reassigns them (``tasks_bulk_reassign``)."""
    group = _lock_group(group.pk)
    require_manage_groups(actor, group.unit)
    deleted, _detail = WorkingGroupUserObjectPermission.objects.filter(
        content_object=group, user=user, permission__codename=Role.OFFICER).delete()
    if group.leader_id == user.pk:
        WorkingGroup.objects.filter(pk=group.pk).update(leader=None)
    if deleted:
        change_record(actor=actor, action=ChangeAction.ROLE_REVOKED, unit=group.unit, working_group=group,
                      person=user, summary=_("%(name)s: no longer an officer of “%(group)s”") % {
                          "name": user.get_full_name() or user.get_username(), "group": group.name},
                      before={"role": Role.OFFICER.value, "working_group": group.name})
    forget_scope(user)


@transaction.atomic
def working_group_leader_set(*, group_id: int, leader, actor) -> WorkingGroup:
    """Make ``leader`` (a member, or None) the group's leader."""
    group = _lock_group(group_id)
    require_manage_groups(actor, group.unit)
    if leader is not None and not WorkingGroupUserObjectPermission.objects.filter(
            content_object=group, user=leader, permission__codename=Role.OFFICER).exists():
        raise ValidationError(_("The leader must be a member of the group."))
    before = group.leader
    if (before.pk if before else None) != (leader.pk if leader else None):
        group.leader = leader
        group.save(update_fields=["leader"])
        change_record(actor=actor, action=ChangeAction.GROUP_LEADER, unit=group.unit, working_group=group,
                      person=leader, summary=_("Leader of “%(group)s”: %(name)s") % {
                          "group": group.name, "name": (leader.get_full_name() or leader.get_username())
                          if leader else "—"},
                      before={"leader": before.get_full_name() if before else ""},
                      after={"leader": leader.get_full_name() if leader else ""})
    return group


# --- unit roles -------------------------------------------------------------------------
def _unit_role(role) -> Role:
    if role not in UNIT_ROLES:
        raise ValidationError(_("Only the supervisor, manager and administrator roles are granted on units."))
    return Role(role)


@transaction.atomic
def unit_role_grant(*, unit: Unit, user, role: Role, actor) -> bool:
    """Grant the supervisor, manager or administrator role on ``unit`` and
    its subtree: the unit's administrators. False when it was held already."""
    role = _unit_role(role)
    require_administer_unit(actor, unit)
    if not unit.is_active:
        raise ValidationError(_("The unit “%(name)s” is closed: choose an open unit.") % {"name": unit.name})
    if not user.is_active:
        raise ValidationError(_("%(name)s is deactivated: reactivate the account first.") % {
            "name": user.get_full_name() or user.get_username()})
    permission = Permission.objects.get(codename=role.value, content_type__app_label="organisation")
    _grant, created = UnitUserObjectPermission.objects.get_or_create(
        user=user, permission=permission, content_object=unit,
        defaults={"granted_at": clock.now(), "granted_by_id": _actor_id(actor)})
    if created:
        change_record(actor=actor, action=ChangeAction.ROLE_GRANTED, unit=unit, person=user,
                      summary=_("%(name)s: %(role)s of “%(unit)s”") % {
                          "name": user.get_full_name() or user.get_username(), "role": role_label(role),
                          "unit": unit.name},
                      after={"role": role.value, "unit": unit.name})
    forget_scope(user)
    return created


@transaction.atomic
def unit_role_revoke(*, unit: Unit, user, role: Role, actor) -> bool:
    role = _unit_role(role)
    require_administer_unit(actor, unit)
    deleted, _detail = UnitUserObjectPermission.objects.filter(
        user=user, content_object=unit, permission__codename=role.value).delete()
    if deleted:
        change_record(actor=actor, action=ChangeAction.ROLE_REVOKED, unit=unit, person=user,
                      summary=_("%(name)s: no longer %(role)s of “%(unit)s”") % {
                          "name": user.get_full_name() or user.get_username(), "role": role_label(role),
                          "unit": unit.name},
                      before={"role": role.value, "unit": unit.name})
    forget_scope(user)
    return bool(deleted)


def roles_revoke_all(*, person, actor) -> int:
    """Revoke every grant of ``person`` (inside the caller's transaction, the
    caller having checked the actor): a person who leaves."""
    revoked = 0
    for grant in UnitUserObjectPermission.objects.filter(user=person).select_related("content_object", "permission"):
        change_record(actor=actor, action=ChangeAction.ROLE_REVOKED, unit=grant.content_object, person=person,
                      summary=_("%(name)s: no longer %(role)s of “%(unit)s”") % {
                          "name": person.get_full_name() or person.get_username(),
                          "role": role_label(grant.permission.codename), "unit": grant.content_object.name},
                      before={"role": grant.permission.codename, "unit": grant.content_object.name})
        revoked += 1
    for grant in (WorkingGroupUserObjectPermission.objects.filter(user=person)
                  .select_related("content_object__unit")):
        group = grant.content_object
        change_record(actor=actor, action=ChangeAction.ROLE_REVOKED, unit=group.unit, working_group=group,
                      person=person, summary=_("%(name)s: no longer an officer of “%(group)s”") % {
                          "name": person.get_full_name() or person.get_username(), "group": group.name},
                      before={"role": Role.OFFICER.value, "working_group": group.name})
        revoked += 1
    UnitUserObjectPermission.objects.filter(user=person).delete()
    WorkingGroupUserObjectPermission.objects.filter(user=person).delete()
    WorkingGroup.objects.filter(leader=person).update(leader=None)
    forget_scope(person)
    return revoked


# --- people -----------------------------------------------------------------------------
def _split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese names: the given name is the last word (Django's last_name
    keeps it, first_name the family and middle names)."""
    full_name = " ".join(full_name.split())
    first, _sep, last = full_name.rpartition(" ")
    return first, last or full_name


def _person_fields(*, full_name: str, email: str, phone: str) -> tuple[str, str, str, str]:
    full_name = _name(full_name, _("A person needs a name."))
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ValidationError({"email": _("“%(value)s” is not an e-mail address.") % {"value": email}}) \
                from error
    phone = "".join((phone or "").split())
    if phone and not phone.lstrip("+").isdigit():
        raise ValidationError({"phone": _("A phone number has digits only (and a leading +).")})
    first, last = _split_name(full_name)
    return first, last, email, phone[:20]


@transaction.atomic
def person_create(*, username: str, full_name: str, unit: Unit, actor, email: str = "", phone: str = "",
                  position: str = "", is_collaborator: bool = False, access_until: dt.date | None = None,
                  password: str = "", password_hash: str = "") -> AbstractBaseUser:
    """Create a person's account in ``unit`` (its administrators). Without a
    password the account cannot sign in until the person sets one from an
    invitation (``workflows.administration.services.person_invite``).
    ``password_hash``, when given, is ``make_password(password)`` computed
    once by the caller for many accounts that share a published password
    (the demo): hashing is slow on purpose."""
    require_administer_unit(actor, unit)
    if not unit.is_active:
        raise ValidationError({"unit": _("The unit “%(name)s” is closed: choose an open unit.") % {"name": unit.name}})
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("A person needs a user name.")})
    try:
        User._meta.get_field(User.USERNAME_FIELD).run_validators(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from error
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The user name “%(name)s” is taken.") % {"name": username}})
    first, last, email, phone = _person_fields(full_name=full_name, email=email, phone=phone)
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Another account has the e-mail address “%(email)s”.") % {"email": email}})
    user = User(username=username, email=email, first_name=first, last_name=last)
    user.username = User.normalize_username(username)
    if password:
        validate_password(password, user)
        if password_hash:
            if not check_password(password, password_hash):
                raise ValueError("password_hash is not the hash of password")
            user.password = password_hash
        else:
            user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    Profile.objects.create(user=user, unit=unit, phone=phone, position=(position or "").strip()[:120],
                           is_collaborator=is_collaborator, access_until=access_until)
    change_record(actor=actor, action=ChangeAction.PERSON_CREATED, unit=unit, person=user,
                  summary=_("Account “%(username)s” created for %(name)s") % {"username": user.username,
                                                                             "name": user.get_full_name()},
                  after={"username": user.username, "name": user.get_full_name(), "email": email, "phone": phone,
                         "unit": unit.name, "collaborator": is_collaborator,
                         "access_until": access_until.isoformat() if access_until else None})
    return user


def _profile_of(person) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=person)
    return profile


@transaction.atomic
def person_update(*, person_id: int, actor, full_name: str, email: str, phone: str, position: str = "",
                  unit: Unit | None = None, is_collaborator: bool = False,
                  access_until: dt.date | None = None) -> AbstractBaseUser:
    """Change a person's details; moving them to another unit needs the
    administrator of both."""
    person = User.objects.select_for_update().get(pk=person_id)
    require_administer_person(actor, person)
    profile = _profile_of(person)
    if unit is not None and unit.pk != profile.unit_id:
        require_administer_unit(actor, unit)
        if not unit.is_active:
            raise ValidationError({"unit": _("The unit “%(name)s” is closed: choose an open unit.") % {
                "name": unit.name}})
    first, last, email, phone = _person_fields(full_name=full_name, email=email, phone=phone)
    if email and User.objects.filter(email__iexact=email).exclude(pk=person.pk).exists():
        raise ValidationError({"email": _("Another account has the e-mail address “%(email)s”.") % {"email": email}})

    def state() -> dict:
        return {"name": person.get_full_name(), "email": person.email, "phone": profile.phone,
                "position": profile.position, "unit": profile.unit.name if profile.unit else "",
                "collaborator": profile.is_collaborator,
                "access_until": profile.access_until.isoformat() if profile.access_until else None}

    before = state()
    person.first_name, person.last_name, person.email = first, last, email
    person.save(update_fields=["first_name", "last_name", "email"])
    profile.phone, profile.position, profile.is_collaborator = phone, (position or "").strip()[:120], is_collaborator
    profile.access_until = access_until
    if unit is not None:
        profile.unit = unit
    profile.save()
    after = state()
    if before != after:
        changed = {key: value for key, value in after.items() if before[key] != value}
        change_record(actor=actor, action=ChangeAction.PERSON_CHANGED, unit=profile.unit, person=person,
                      summary=_("Details of %(name)s changed: %(fields)s") % {
                          "name": person.get_full_name(), "fields": ", ".join(sorted(changed))},
                      before={key: before[key] for key in changed}, after=changed)
        forget_scope(person)
    return person


@transaction.atomic
def person_deactivate_mark(*, person_id: int, actor, on: dt.date | None = None) -> AbstractBaseUser:
    """The organisation part of a person leaving (their work is handed over
    first by ``workflows.administration.services.person_deactivate``): every
    role revoked, the account unable to sign in; the history stays.
    ``actor`` None: the system (a collaborator's end date passed)."""
    person = User.objects.select_for_update().get(pk=person_id)
    if actor is not None:
        require_administer_person(actor, person)
        if actor.pk == person.pk:
            raise ValidationError(_("You cannot deactivate your own account: ask another administrator."))
    if not person.is_active:
        raise ValidationError(_("%(name)s is already deactivated.") % {"name": person.get_full_name()})
    on = on or clock.today()
    revoked = roles_revoke_all(person=person, actor=actor)
    person.is_active = False
    person.save(update_fields=["is_active"])
    profile = _profile_of(person)
    profile.deactivated_on = on
    profile.save(update_fields=["deactivated_on"])
    change_record(actor=actor, action=ChangeAction.PERSON_DEACTIVATED, unit=profile.unit, person=person,
                  summary=_("%(name)s deactivated; %(count)d role(s) revoked") % {
                      "name": person.get_full_name(), "count": revoked},
                  before={"active": True}, after={"active": False, "on": on.isoformat(), "roles_revoked": revoked})
    return person


@transaction.atomic
def person_reactivate(*, person_id: int, actor) -> AbstractBaseUser:
    """Let a deactivated person sign in again (roles are granted anew)."""
    person = User.objects.select_for_update().get(pk=person_id)
    require_administer_person(actor, person)
    if person.is_active:
        raise ValidationError(_("%(name)s is active already.") % {"name": person.get_full_name()})
    person.is_active = True
    person.save(update_fields=["is_active"])
    profile = _profile_of(person)
    profile.deactivated_on = None
    if profile.access_until is not None and profile.access_until < clock.today():
        profile.access_until = None
    profile.save(update_fields=["deactivated_on", "access_until"])
    change_record(actor=actor, action=ChangeAction.PERSON_REACTIVATED, unit=profile.unit, person=person,
                  summary=_("%(name)s reactivated") % {"name": person.get_full_name()},
                  before={"active": False}, after={"active": True})
    forget_scope(person)
    return person


def person_invited_record(*, person, actor, email: str) -> None:
    """Note in the history that an invitation went to ``email``."""
    change_record(actor=actor, action=ChangeAction.PERSON_INVITED, unit=_profile_of(person).unit, person=person,
                  summary=_("Invitation sent to %(email)s") % {"email": email}, after={"email": email})


# --- the installation's first step -------------------------------------------------------
@transaction.atomic
def federation_found(*, name: str, code: str, kind: UnitKind, administrator_username: str,
                     administrator_name: str, administrator_email: str, parent: Unit | None = None) -> AbstractBaseUser:
    """Create the unit a federation installs the product for (a top-level
    unit, or one under ``parent``) and its first administrator's account,
    without a password (they set it from an invitation). Run by the
    server's operator from the command line (``manage.py setup_federation``),
    not from a page: there is nobody yet to sign in. The history says "by
    the system". Every later change goes through the administrators."""
    unit = _unit_add(name=name, code=code, kind=kind, parent=parent, actor=None, now=clock.now())
    username = (administrator_username or "").strip()
    if not username:
        raise ValidationError({"username": _("A person needs a user name.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The user name “%(name)s” is taken.") % {"name": username}})
    first, last, email, phone = _person_fields(full_name=administrator_name, email=administrator_email, phone="")
    if not email:
        raise ValidationError({"email": _("The first administrator needs an e-mail address for the invitation.")})
    user = User(username=User.normalize_username(username), email=email, first_name=first, last_name=last)
    user.set_unusable_password()
    user.save()
    Profile.objects.create(user=user, unit=unit)
    change_record(actor=None, action=ChangeAction.PERSON_CREATED, unit=unit, person=user,
                  summary=_("Account “%(username)s” created for %(name)s") % {"username": user.username,
                                                                             "name": user.get_full_name()},
                  after={"username": user.username, "name": user.get_full_name(), "email": email, "unit": unit.name})
    permission = Permission.objects.get(codename=Role.ADMINISTRATOR, content_type__app_label="organisation")
    UnitUserObjectPermission.objects.create(user=user, permission=permission, content_object=unit,
                                            granted_at=clock.now(), granted_by=None)
    change_record(actor=None, action=ChangeAction.ROLE_GRANTED, unit=unit, person=user,
                  summary=_("%(name)s: %(role)s of “%(unit)s”") % {
                      "name": user.get_full_name(), "role": role_label(Role.ADMINISTRATOR), "unit": unit.name},
                  after={"role": Role.ADMINISTRATOR.value, "unit": unit.name})
    return user
