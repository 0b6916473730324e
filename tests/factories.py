"""factory_boy factories for the reference objects tests stand on. Units,
grants and groups go through the organisation services; campaigns are never
made here (see ``conftest.campaign_at``)."""
from __future__ import annotations

import itertools

import factory
from django.contrib.auth import get_user_model

from workflows.core import clock
from workflows.core.text import fold
from workflows.enterprises.models import Enterprise
from workflows.enterprises.validation import tax_code_check_digit
from workflows.organisation import services as org
from workflows.organisation.models import UnitKind
from workflows.organisation.permissions import Role

_tax_numbers = itertools.count(100000000)


def next_tax_code() -> str:
    """A fresh tax code with a valid check digit."""
    while True:
        nine = f"{next(_tax_numbers):09d}"
        digit = tax_code_check_digit(nine)
        if digit is not None:
            return f"{nine}{digit}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Nguyễn Văn"
    last_name = factory.Sequence(lambda n: f"Cán bộ {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    password = factory.django.Password("mật-khẩu-thử-nghiệm")


def unit(*, name: str, code: str, kind: str, actor, parent=None):
    return org.unit_create(name=name, code=code, kind=UnitKind.objects.get(code=kind), parent=parent, actor=actor)


def grant(unit_obj, user, role: str, *, actor) -> None:
    org.unit_role_grant(unit=unit_obj, user=user, role={"manager": Role.MANAGER, "supervisor": Role.SUPERVISOR}[role],
                        actor=actor)


def working_group(unit_obj, name: str, members, *, actor):
    group = org.working_group_create(unit=unit_obj, name=name, actor=actor, leader=members[0] if members else None)
    for member in members[1:]:
        org.working_group_member_add(group=group, user=member, actor=actor)
    return group


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """A registry row, with the summary figures moved as the service would."""

    class Meta:
        model = Enterprise

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from workflows.enterprises import figures

        enterprise = super()._create(model_class, *args, **kwargs)
        figures.enterprises_changed([(None, figures.EnterpriseFacts.of(enterprise))])
        return enterprise

    tax_code = factory.LazyFunction(next_tax_code)
    name = factory.Sequence(lambda n: f"Công ty TNHH May mặc Số {n}")
    search_name = factory.LazyAttribute(lambda e: fold(e.name))
    address = "Lô A2, KCN VSIP Bắc Ninh"
    province = "Bắc Ninh"
    commune = "Phường Từ Sơn"
    workforce = 250
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyFunction(clock.now)
