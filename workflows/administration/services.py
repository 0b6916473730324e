"""The administrators' writes that reach beyond the organisation app: a
person's account with its invitation, roles granted from the person's page,
a person who leaves (their work handed over in one transaction), a working
group that closes (its open campaigns handed to another group).

Each service checks its actor through ``organisation.permissions`` (a
refusal is a 404 to the user) before anything is written, and the
organisation services it calls write the history (``ChangeRecord``).
Closing a unit is ``closing.unit_close``.
"""
from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workflows.accounts.invitations import invitation_send
from workflows.campaigns.services import campaigns_regroup, tasks_release_of
from workflows.core import clock
from workflows.core.errors import DomainError
from workflows.organisation import services as org
from workflows.organisation.models import (
    Profile,
    Unit,
    UnitKind,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import (
    UNIT_ROLES,
    Role,
    can_administer_person,
    require_administer_person,
    require_administer_unit,
    require_manage_groups,
)
from workflows.recognition.services import review_steps_release_of

User = get_user_model()


def _label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def _person_locked(person_id: int):
    return User.objects.select_for_update().get(pk=person_id)


# --- accounts and invitations --------------------------------------------------------
@transaction.atomic
def person_invite(*, person_id: int, actor, base_url: str) -> str:
    """E-mail ``person`` a link to choose their password (a first
    invitation, or again: a new link, the older ones still valid until they
    expire or a password is set): an administrator of the person. The person
    is active and has an e-mail address. Returns the link.

    The e-mail is sent inside the transaction, as its last step: a mail
    server that refuses it leaves no "invitation sent" in the history."""
    person = _person_locked(person_id)
    require_administer_person(actor, person)
    if not person.is_active:
        raise ValidationError(_("%(name)s is deactivated: reactivate the account first.") % {"name": _label(person)})
    if not person.email:
        raise ValidationError(_("%(name)s has no e-mail address: add one before inviting them.") % {
            "name": _label(person)})
    org.person_invited_record(person=person, actor=actor, email=person.email)
    try:
        return invitation_send(user=person, invited_by=actor, base_url=base_url)
    except (smtplib.SMTPException, OSError) as error:
        raise DomainError(_("The invitation e-mail could not be sent (%(error)s). Try again later.")
                          % {"error": error}) from error


@dataclass(frozen=True)
class PersonAdded:
    person: object
    invited: bool
    invitation_error: str = ""  # why the invitation asked for could not be sent (the account is kept)


def _unit(unit_id: int | None) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id is not None else None
    if unit is None:
        raise ValidationError({"unit": _("Choose a unit from the list.")})
    return unit


@transaction.atomic
def person_add(*, username: str, full_name: str, unit_id: int, actor, email: str = "", phone: str = "",
               position: str = "", is_collaborator: bool = False, access_until: dt.date | None = None,
               invite: bool = False, base_url: str = "") -> PersonAdded:
    """Create a person's account in the unit ``unit_id``
    (``organisation.services.person_create``: its administrators) and, when
    ``invite``, send the invitation at once (an e-mail address is then
    required). An invitation the mail server refuses does not undo the
    account: the page says so and the administrator invites again later."""
    unit = _unit(unit_id)
    require_administer_unit(actor, unit)
    if invite and not (email or "").strip():
        raise ValidationError({"email": _("An invitation needs an e-mail address.")})
    if access_until is not None and access_until < clock.today():
        raise ValidationError({"access_until": _("The end date cannot be in the past.")})
    person = org.person_create(username=username, full_name=full_name, unit=unit, actor=actor, email=email,
                               phone=phone, position=position, is_collaborator=is_collaborator,
                               access_until=access_until)
    if not invite:
        return PersonAdded(person, invited=False)
    try:
        with transaction.atomic():
            person_invite(person_id=person.pk, actor=actor, base_url=base_url)
    except DomainError as error:
        return PersonAdded(person, invited=False, invitation_error=error.message)
    return PersonAdded(person, invited=True)


@transaction.atomic
def person_change(*, person_id: int, actor, full_name: str, email: str, phone: str, position: str,
                  unit_id: int, is_collaborator: bool, access_until: dt.date | None):
    """Change a person's details (``organisation.services.person_update``:
    an administrator of the person, and of the new unit if it changes)."""
    person = _person_locked(person_id)
    require_administer_person(actor, person)
    return org.person_update(person_id=person.pk, actor=actor, full_name=full_name, email=email, phone=phone,
                             position=position, unit=_unit(unit_id), is_collaborator=is_collaborator,
                             access_until=access_until)


@transaction.atomic
def person_enable(*, person_id: int, actor):
    """Let a deactivated person sign in again (``person_reactivate``); their
    roles are granted anew from their page."""
    return org.person_reactivate(person_id=person_id, actor=actor)


# --- roles from the person's page ----------------------------------------------------
@transaction.atomic
def person_role_grant(*, person_id: int, actor, role: str, unit_id: int | None = None,
                      group_id: int | None = None) -> bool:
    """Grant ``person`` a role: supervisor, manager or administrator on a unit
    (``unit_role_grant``: the unit's administrators), or officer of a working
    group (``working_group_member_add``: those who manage the unit's groups).
    The actor administers the person. False when the role was held already."""
    person = _person_locked(person_id)
    require_administer_person(actor, person)
    if role == Role.OFFICER:
        group = WorkingGroup.objects.select_related("unit").filter(pk=group_id).first()
        if group is None:
            raise ValidationError({"group": _("Choose a working group.")})
        require_manage_groups(actor, group.unit)
        held = WorkingGroupUserObjectPermission.objects.filter(
            user=person, content_object=group, permission__codename=Role.OFFICER).exists()
        org.working_group_member_add(group=group, user=person, actor=actor)
        return not held
    if role not in UNIT_ROLES:
        raise ValidationError({"role": _("Choose a role from the list.")})
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError({"unit": _("Choose a unit.")})
    return org.unit_role_grant(unit=unit, user=person, role=Role(role), actor=actor)


@transaction.atomic
def person_role_revoke(*, person_id: int, actor, unit_grant_id: int | None = None,
                       group_grant_id: int | None = None) -> bool:
    """Revoke one of ``person``'s grants (by its id, as the person's page
    lists them): a unit role (its administrators) or the officer role in a
    working group (those who manage its unit's groups)."""
    person = _person_locked(person_id)
    require_administer_person(actor, person)
    if unit_grant_id is not None:
        grant = (UnitUserObjectPermission.objects.select_related("content_object", "permission")
                 .filter(pk=unit_grant_id, user=person).first())
        if grant is None:
            raise PermissionDenied
        return org.unit_role_revoke(unit=grant.content_object, user=person, role=Role(grant.permission.codename),
                                    actor=actor)
    grant = (WorkingGroupUserObjectPermission.objects.select_related("content_object__unit")
             .filter(pk=group_grant_id, user=person).first()) if group_grant_id is not None else None
    if grant is None:
        raise PermissionDenied
    org.working_group_member_remove(group=grant.content_object, user=person, actor=actor)
    return True


# --- a person who leaves --------------------------------------------------------------
@dataclass(frozen=True)
class Deactivated:
    open_tasks: int  # handed over
    review_steps: int  # waiting review steps handed over
    to_user_id: int | None  # who received them; None: back to the queues


@transaction.atomic
def person_deactivate(*, person_id: int, actor, receiver_id: int | None) -> Deactivated:
    """A person leaves, in one transaction: the account can no longer sign
    in and every role is revoked (``person_deactivate_mark``: the history
    stays), their open tasks (``tasks_release_of``) and waiting review steps
    (``review_steps_release_of``) go to ``receiver_id`` — an active person
    the actor administers, who may hold every one of them — or (None) back
    to the queues of their working groups. An administrator of the person,
    never the person themselves; ``actor`` None is the system (a
    collaborator's end date passed). All or nothing."""
    person = _person_locked(person_id)
    if actor is not None:
        require_administer_person(actor, person)
    if receiver_id is not None:
        receiver = User.objects.filter(pk=receiver_id, is_active=True).first()
        if (receiver is None or receiver.pk == person.pk
                or (actor is not None and not can_administer_person(actor, receiver))):
            raise ValidationError({"receiver": _("Choose the person who receives the work from the list.")})
    # the person first: no longer a reviewer, nor among those a queue's step is announced to
    org.person_deactivate_mark(person_id=person.pk, actor=actor)
    tasks = tasks_release_of(person_id=person.pk, actor=actor, to_user_id=receiver_id)
    steps = review_steps_release_of(person_id=person.pk, actor=actor, to_user_id=receiver_id)
    return Deactivated(open_tasks=tasks.moved, review_steps=steps, to_user_id=receiver_id)


def collaborators_expired(*, today: dt.date) -> list[int]:
    """The active people whose access ended before ``today`` (a
    collaborator's end date), for the daily job."""
    return list(Profile.objects.filter(access_until__lt=today, user__is_active=True)
                .order_by("user_id").values_list("user_id", flat=True))


# --- working groups ---------------------------------------------------------------------
@dataclass(frozen=True)
class GroupClosed:
    group: WorkingGroup
    campaigns: int  # open campaigns handed over
    to_group: WorkingGroup | None


@transaction.atomic
def working_group_close(*, group_id: int, actor, to_group_id: int | None) -> GroupClosed:
    """Close a working group, in one transaction: its open campaigns and
    their open tasks go to ``to_group_id``, another open group of the same
    unit, or (None) to no group, where the unit's supervisors assign them
    (``campaigns_regroup``); then the group stops granting anything
    (``working_group_close_mark``). Those who manage the unit's groups."""
    group = WorkingGroup.objects.select_for_update(of=("self",)).select_related("unit").get(pk=group_id)
    require_manage_groups(actor, group.unit)
    if not group.is_active:
        raise ValidationError(_("The working group is already closed."))
    moved = campaigns_regroup(from_group_id=group.pk, to_group_id=to_group_id, actor=actor)
    group = org.working_group_close_mark(group_id=group.pk, actor=actor)
    target = WorkingGroup.objects.get(pk=to_group_id) if to_group_id is not None else None
    return GroupClosed(group=group, campaigns=moved, to_group=target)


@transaction.atomic
def working_group_add(*, unit_id: int, name: str, actor, leader_id: int | None = None) -> WorkingGroup:
    """Create a working group of the unit ``unit_id`` (``working_group_create``:
    its supervisors or administrators), its leader its first member."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise PermissionDenied
    require_manage_groups(actor, unit)
    leader = User.objects.filter(pk=leader_id).first() if leader_id is not None else None
    if leader_id is not None and leader is None:
        raise ValidationError({"leader": _("Choose the leader from the list.")})
    return org.working_group_create(unit=unit, name=name, actor=actor, leader=leader)


@transaction.atomic
def working_group_member_join(*, group_id: int, person_id: int, actor, collaborator: bool = False,
                              access_until: dt.date | None = None) -> None:
    """Make a person an officer of the group, a collaborator with an end
    date if so (``working_group_member_add``)."""
    group = WorkingGroup.objects.select_related("unit").get(pk=group_id)
    require_manage_groups(actor, group.unit)
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"person": _("Choose the person from the list.")})
    if collaborator and access_until is None:
        raise ValidationError({"access_until": _("A collaborator needs an end date.")})
    org.working_group_member_add(group=group, user=person, actor=actor, access_until=access_until,
                                 collaborator=collaborator)


@transaction.atomic
def working_group_member_leave(*, group_id: int, person_id: int, actor) -> None:
    """Remove a person from the group (``working_group_member_remove``)."""
    group = WorkingGroup.objects.select_related("unit").get(pk=group_id)
    require_manage_groups(actor, group.unit)
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"person": _("Choose the person from the list.")})
    org.working_group_member_remove(group=group, user=person, actor=actor)


@transaction.atomic
def working_group_leader_choose(*, group_id: int, leader_id: int | None, actor) -> WorkingGroup:
    """Make a member the group's leader, or none (``working_group_leader_set``)."""
    group = WorkingGroup.objects.select_related("unit").get(pk=group_id)
    require_manage_groups(actor, group.unit)
    leader = User.objects.filter(pk=leader_id).first() if leader_id is not None else None
    return org.working_group_leader_set(group_id=group.pk, leader=leader, actor=actor)


# --- units --------------------------------------------------------------------------------
def _kind(kind_id: int | None) -> UnitKind:
    kind = UnitKind.objects.filter(pk=kind_id).first() if kind_id is not None else None
    if kind is None:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    return kind


@transaction.atomic
def unit_add(*, parent_id: int, name: str, code: str, kind_id: int, actor) -> Unit:
    """Create a child unit of ``parent_id`` (``unit_create``: its administrators)."""
    parent = Unit.objects.filter(pk=parent_id).first()
    if parent is None:
        raise PermissionDenied
    require_administer_unit(actor, parent)
    return org.unit_create(name=name, code=code, kind=_kind(kind_id), parent=parent, actor=actor)


@transaction.atomic
def unit_change(*, unit_id: int, name: str, kind_id: int, actor) -> Unit:
    """Rename a unit and change its kind (``unit_rename``: its administrators)."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise PermissionDenied
    require_administer_unit(actor, unit)
    return org.unit_rename(unit_id=unit.pk, name=name, kind=_kind(kind_id), actor=actor)
