"""Registering and editing enterprises: valid, unique tax codes; the name
folded for search; supervisors of the responsible unit only; no silent
overwrite of someone else's change."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import ROLES
from tests.factories import EnterpriseFactory, UserFactory, grant
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.enterprises.models import Enterprise, OwnershipSector, WorkforceSource
from workflows.enterprises.services import EnterpriseData, enterprise_create, enterprise_update


def registry() -> list[tuple]:
    return list(Enterprise.objects.order_by("pk").values_list("pk", "tax_code", "name", "updated_at"))


def test_create_registers_the_enterprise(world):
    # given
    data = EnterpriseData(name="  Công ty   TNHH Điện tử Samsung  ", address="KCN Yên Phong",
                          province="Bắc Ninh", ownership_sector=OwnershipSector.FDI, workforce=1200,
                          workforce_as_of=dt.date(2027, 1, 1), workforce_source=WorkforceSource.SOCIAL_INSURANCE)

    # when
    with clock.travel_to(dt.date(2027, 3, 1)):
        enterprise = enterprise_create(tax_code=" 0300.588.569 ", data=data, responsible_unit=world.district,
                                       actor=world.supervisor)
        now = clock.now()

    # then
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    assert enterprise.tax_code == "0300588569"
    assert enterprise.name == "Công ty TNHH Điện tử Samsung"
    assert enterprise.search_name == "cong ty tnhh dien tu samsung"
    assert (enterprise.responsible_unit, enterprise.ownership_sector, enterprise.workforce) == (
        world.district, OwnershipSector.FDI, 1200)
    assert (enterprise.has_union, enterprise.union_unit) == (False, None)
    assert enterprise.created_at == enterprise.updated_at == now


def test_create_stores_the_folded_name(world):
    # when
    enterprise = enterprise_create(tax_code="0100109106", data=EnterpriseData(name="Công ty Cổ phần Đường Quảng Ngãi"),
                                   responsible_unit=world.district, actor=world.supervisor)

    # then
    assert Enterprise.objects.get(pk=enterprise.pk).search_name == "cong ty co phan duong quang ngai"


def test_create_accepts_a_branch(world):
    # when
    enterprise = enterprise_create(tax_code="0100109106-001", data=EnterpriseData(name="Chi nhánh Hà Nội"),
                                   responsible_unit=world.district, actor=world.supervisor)

    # then
    assert Enterprise.objects.get(pk=enterprise.pk).tax_code == "0100109106-001"


@pytest.mark.parametrize("tax_code", ["0100109107", "010010910", "01001091060", "01001091A6", "0100109106-000", ""],
                         ids=repr)
def test_create_refuses_a_bad_tax_code(world, tax_code):
    # given
    before = registry()

    # when
    with pytest.raises(ValidationError) as refused:
        enterprise_create(tax_code=tax_code, data=EnterpriseData(name="Công ty TNHH Minh Long"),
                          responsible_unit=world.district, actor=world.supervisor)

    # then
    assert list(refused.value.message_dict) == ["tax_code"]
    assert len(refused.value.message_dict["tax_code"]) == 1
    assert tax_code in refused.value.message_dict["tax_code"][0]
    assert registry() == before


def test_create_refuses_a_registered_tax_code(world):
    # given
    EnterpriseFactory(tax_code="0100109106", responsible_unit=world.other_district)
    before = registry()

    # when: typed with dots, it is the same code
    with pytest.raises(ValidationError) as refused:
        enterprise_create(tax_code="0100.109.106", data=EnterpriseData(name="Công ty khác"),
                          responsible_unit=world.district, actor=world.supervisor)

    # then
    assert list(refused.value.message_dict) == ["tax_code"]
    assert registry() == before


def test_create_refuses_bad_data_by_field(world):
    # given
    before = registry()

    # when
    with pytest.raises(ValidationError) as refused:
        enterprise_create(tax_code="0100109106", data=EnterpriseData(name="   ", workforce=-1,
                                                                     ownership_sector="martian"),
                          responsible_unit=world.district, actor=world.supervisor)

    # then
    assert sorted(refused.value.message_dict) == ["name", "ownership_sector", "workforce"]
    assert registry() == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "supervisor"])
def test_only_supervisors_of_the_unit_register_enterprises(world, role):
    # given
    before = registry()

    # when / then
    with pytest.raises(PermissionDenied):
        enterprise_create(tax_code="0100109106", data=EnterpriseData(name="Công ty TNHH Minh Long"),
                          responsible_unit=world.district, actor=world.user(role))
    assert registry() == before


def test_a_supervisor_registers_in_a_unit_below_theirs(world):
    # given: the supervisor of the province
    head = UserFactory(username="province_supervisor")
    grant(world.province, head, "supervisor", actor=world.admin)

    # when
    enterprise = enterprise_create(tax_code="0100109106", data=EnterpriseData(name="Công ty TNHH Minh Long"),
                                   responsible_unit=world.district, actor=head)

    # then
    assert Enterprise.objects.get(pk=enterprise.pk).responsible_unit == world.district


def test_update_changes_the_facts_and_the_folded_name(world):
    # given
    with clock.travel_to(dt.date(2027, 3, 1)):
        enterprise = enterprise_create(tax_code="0100109106", data=EnterpriseData(name="Công ty TNHH Minh Long"),
                                       responsible_unit=world.district, actor=world.supervisor)
    read_at = Enterprise.objects.get(pk=enterprise.pk).updated_at

    # when
    with clock.travel_to(dt.date(2027, 3, 2)):
        enterprise_update(enterprise_id=enterprise.pk, data=EnterpriseData(name="Công ty Cổ phần Minh Long",
                                                                           workforce=320),
                          actor=world.supervisor, expected_updated_at=read_at)

    # then
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.search_name, enterprise.workforce, enterprise.tax_code) == (
        "Công ty Cổ phần Minh Long", "cong ty co phan minh long", 320, "0100109106")
    assert enterprise.updated_at.date() == dt.date(2027, 3, 2)


def test_update_with_a_stale_read_is_a_conflict_and_writes_nothing(world):
    # given: two editors load the form on 01/03; the first saves on 02/03
    with clock.travel_to(dt.date(2027, 3, 1)):
        enterprise = enterprise_create(tax_code="0100109106", data=EnterpriseData(name="Công ty TNHH Minh Long"),
                                       responsible_unit=world.district, actor=world.supervisor)
    read_at = Enterprise.objects.get(pk=enterprise.pk).updated_at
    with clock.travel_to(dt.date(2027, 3, 2)):
        enterprise_update(enterprise_id=enterprise.pk, data=EnterpriseData(name="Công ty TNHH Minh Long Một"),
                          actor=world.supervisor, expected_updated_at=read_at)
    before = registry()

    # when: the second saves what they loaded on 01/03
    with clock.travel_to(dt.date(2027, 3, 3)), pytest.raises(Conflict):
        enterprise_update(enterprise_id=enterprise.pk, data=EnterpriseData(name="Công ty TNHH Minh Long Hai"),
                          actor=world.supervisor, expected_updated_at=read_at)

    # then
    assert registry() == before
    assert Enterprise.objects.get(pk=enterprise.pk).name == "Công ty TNHH Minh Long Một"


@pytest.mark.parametrize("role", [r for r in ROLES if r != "supervisor"])
def test_only_supervisors_of_the_unit_edit_enterprises(world, role):
    # given
    before = registry()

    # when / then
    with pytest.raises(PermissionDenied):
        enterprise_update(enterprise_id=world.enterprise.pk, data=EnterpriseData(name="Tên mới"),
                          actor=world.user(role))
    assert registry() == before
