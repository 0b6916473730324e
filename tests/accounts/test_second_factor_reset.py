"""A person lost their phone: an administrator of their unit removes their
second factor, so that they enrol again; nobody else may."""
import pytest
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.accounts.services import second_factor_reset
from workflows.organisation.models import ChangeAction, ChangeRecord, Profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_with_phone(world):
    Profile.objects.update_or_create(user=world.officer, defaults={"unit": world.district})
    TOTPDevice.objects.create(user=world.officer, name="app", confirmed=True)
    StaticDevice.objects.create(user=world.officer, name="recovery", confirmed=True)
    return world.officer


def test_the_administrator_removes_a_lost_second_factor(world, officer_with_phone):
    # when the province's administrator resets the officer's second factor
    removed = second_factor_reset(person_id=officer_with_phone.pk, actor=world.administrator)

    # then both devices are gone and the history says who did it
    assert removed == 2
    assert (TOTPDevice.objects.count(), StaticDevice.objects.count()) == (0, 0)
    record = ChangeRecord.objects.get(action=ChangeAction.PERSON_CHANGED, person=officer_with_phone)
    assert (record.actor, record.unit, record.after) == (world.administrator, world.district,
                                                         {"second_factor": False})


@pytest.mark.parametrize("role", ["supervisor", "manager", "officer", "other_officer", "other_supervisor"])
def test_nobody_else_removes_it_and_nothing_changes(world, officer_with_phone, role):
    with pytest.raises(PermissionDenied):
        second_factor_reset(person_id=officer_with_phone.pk, actor=world.user(role))
    assert (TOTPDevice.objects.count(), StaticDevice.objects.count(), ChangeRecord.objects.filter(
        action=ChangeAction.PERSON_CHANGED).count()) == (1, 1, 0)
