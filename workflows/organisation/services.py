"""Every write to units, working groups, grants and user accounts."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from workflows.core import clock

from .models import Profile, Unit, UnitKind, WorkingGroup
from .permissions import Role, forget_scope, require_manage_organisation

User = get_user_model()


@transaction.atomic
def unit_create(*, name: str, code: str, kind: UnitKind, parent: Unit | None, actor) -> Unit:
    """Create a unit under ``parent`` (a root when None: administrators only)."""
    if parent is None:
        if not (actor and actor.is_superuser):
            raise ValidationError(_("Only an administrator can create a top-level unit."))
    else:
        require_manage_organisation(actor, parent)
    fields = {"name": name.strip(), "code": code, "kind": kind, "created_at": clock.now()}
    if Unit.objects.filter(code=code).exists():
        raise ValidationError(_("A unit with the code “%(code)s” already exists.") % {"code": code})
    if parent is None:
        return Unit.objects.add_root(fields)
    return Unit.objects.add_child(parent, fields)


@transaction.atomic
def working_group_create(*, unit: Unit, name: str, actor, leader=None) -> WorkingGroup:
    require_manage_organisation(actor, unit)
    name = name.strip()
    if not name:
        raise ValidationError(_("A working group needs a name."))
    if WorkingGroup.objects.filter(unit=unit, name=name).exists():
        raise ValidationError(_("The unit already has a working group named “%(name)s”.") % {"name": name})
    group = WorkingGroup.objects.create(unit=unit, name=name, leader=leader, created_at=clock.now())
    if leader is not None:
        assign_perm(Role.OFFICER, leader, group)
        forget_scope(leader)
    return group


@transaction.atomic
def working_group_member_add(*, group: WorkingGroup, user, actor) -> None:
    """Make ``user`` an officer of ``group`` (idempotent)."""
    require_manage_organisation(actor, group.unit)
    assign_perm(Role.OFFICER, user, group)
    forget_scope(user)


@transaction.atomic
def working_group_member_remove(*, group: WorkingGroup, user, actor) -> None:
    """Remove ``user`` from ``group``. Their open tasks stay assigned until a
    supervisor reassigns them (``tasks_bulk_reassign``)."""
    require_manage_organisation(actor, group.unit)
    remove_perm(Role.OFFICER, user, group)
    if group.leader_id == user.pk:
        WorkingGroup.objects.filter(pk=group.pk).update(leader=None)
    forget_scope(user)


@transaction.atomic
def unit_role_grant(*, unit: Unit, user, role: Role, actor) -> None:
    """Grant the supervisor or manager role on ``unit`` and its subtree."""
    if role not in (Role.SUPERVISOR, Role.MANAGER):
        raise ValidationError(_("Only the supervisor and manager roles are granted on units."))
    require_manage_organisation(actor, unit)
    assign_perm(role.value, user, unit)
    forget_scope(user)


@transaction.atomic
def unit_role_revoke(*, unit: Unit, user, role: Role, actor) -> None:
    require_manage_organisation(actor, unit)
    remove_perm(role.value, user, unit)
    forget_scope(user)


@transaction.atomic
def user_create(*, username: str, full_name: str, password: str, actor, email: str = "",
                phone: str = "", position: str = "", is_collaborator: bool = False,
                password_hash: str = "") -> AbstractBaseUser:
    """Create a user account with its profile. Administrators only; the
    password must pass the password rules. ``password_hash``, when given, is
    ``make_password(password)`` computed once by the caller for many accounts
    that share a published password (the demo): hashing is slow on purpose."""
    if not (actor and actor.is_superuser):
        raise ValidationError(_("Only an administrator can create user accounts."))
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("The user name “%(name)s” is taken.") % {"name": username})
    first, _sep, last = full_name.strip().rpartition(" ")
    user = User(username=username, email=email, first_name=first, last_name=last or full_name.strip())
    validate_password(password, user)
    if password_hash:
        if not check_password(password, password_hash):
            raise ValueError("password_hash is not the hash of password")
        user.password = password_hash
    else:
        user.set_password(password)
    user.save()
    Profile.objects.create(user=user, phone=phone, position=position, is_collaborator=is_collaborator)
    return user
