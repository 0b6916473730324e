"""The administration tests' federation: the ``world`` of tests/conftest.py
with everyone's account kept by a unit (``Profile.unit``), and another
province with its own administrator.

    province (Bắc Ninh)          administrator, manager
    ├── district (Từ Sơn)        supervisor; officer (group), other_officer (other_group)
    └── other_district (Quế Võ)  other_supervisor
    far_province (Cà Mau)        far_administrator, far_supervisor; far_officer (far_group)

Everything is written through the services.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from viewflow.workflow.models import Task as FlowTask

from tests import factories
from workflows.campaigns.models import Campaign, CampaignEvent, Task
from workflows.organisation import services as org
from workflows.organisation.models import (
    ChangeRecord,
    Profile,
    Unit,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import Role

#: The roles every administration service and page is tried with (``Scene.user``).
ROLES = ["anonymous", "officer", "manager", "supervisor", "other_supervisor", "administrator", "far_administrator"]


@dataclass
class Scene:
    world: object
    far_province: object
    far_administrator: object
    far_supervisor: object
    far_officer: object
    far_group: object

    def user(self, role: str):
        if role == "anonymous":
            return None
        if role.startswith("far_"):
            return getattr(self, role)
        return getattr(self.world, role)


def place(world, person, unit) -> None:
    """Keep ``person``'s account in ``unit`` (the technical superuser does it,
    as for accounts made before the administrator role)."""
    org.person_update(person_id=person.pk, actor=world.admin, full_name=person.get_full_name() or person.username,
                      email=person.email, phone="", unit=unit)


def build_scene(world) -> Scene:
    for person, unit in ((world.administrator, world.province), (world.manager, world.province),
                         (world.supervisor, world.district), (world.officer, world.district),
                         (world.other_officer, world.district), (world.other_supervisor, world.other_district)):
        place(world, person, unit)
    far = factories.unit(name="Liên đoàn Lao động tỉnh Cà Mau", code="ca-mau", kind="provincial_federation",
                         actor=world.admin)
    far_administrator = factories.UserFactory(username="far_administrator")
    far_supervisor = factories.UserFactory(username="far_supervisor")
    far_officer = factories.UserFactory(username="far_officer")
    for person in (far_administrator, far_supervisor, far_officer):
        place(world, person, far)
    org.unit_role_grant(unit=far, user=far_administrator, role=Role.ADMINISTRATOR, actor=world.admin)
    factories.grant(far, far_supervisor, "supervisor", actor=world.admin)
    far_group = factories.working_group(far, "Tổ Cà Mau", [far_officer], actor=world.admin)
    return Scene(world, far, far_administrator, far_supervisor, far_officer, far_group)


def snapshot() -> tuple:
    """Everything an administration service may write."""
    users = get_user_model().objects
    return (
        ChangeRecord.objects.count(),
        sorted(UnitUserObjectPermission.objects.values_list("user_id", "permission__codename", "content_object_id")),
        sorted(WorkingGroupUserObjectPermission.objects.values_list("user_id", "content_object_id")),
        sorted(users.values_list("pk", "username", "is_active", "email", "first_name", "last_name", "password")),
        sorted(Profile.objects.values_list("user_id", "unit_id", "phone", "position", "is_collaborator",
                                           "access_until", "deactivated_on")),
        sorted(Unit.objects.values_list("pk", "path", "name", "kind_id", "is_active", "closed_on")),
        sorted(WorkingGroup.objects.values_list("pk", "unit_id", "name", "leader_id", "is_active")),
        sorted(Task.objects.values_list("pk", "status", "assignee_id", "working_group_id")),
        sorted(Campaign.objects.values_list("pk", "version", "working_group_id", "responsible_unit_id")),
        CampaignEvent.objects.count(),
        sorted(FlowTask.objects.values_list("pk", "status", "owner_id")),
    )


def history(**about) -> list[tuple]:
    """(actor username or None, action, summary, before, after) of the
    history entries about a person, unit or working group, oldest first."""
    records = ChangeRecord.objects.filter(**about).select_related("actor").order_by("at", "pk")
    return [(r.actor.username if r.actor else None, r.action, r.summary, r.before, r.after) for r in records]
