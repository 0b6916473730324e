"""Sign-in protection: attempts limited per user and address, lockout with a
clear message, every sign-in, failure, lockout and refused authorisation in
the audit log with UTC timestamps; password rules."""
import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory
from workflows.audit.models import AuditEntry, AuditKind

PASSWORD = "mật-khẩu-thử-nghiệm"


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@override_settings(AXES_ENABLED=True)
def test_five_failures_lock_the_user_at_that_address_with_a_clear_message(client, db):
    UserFactory(username="canbo")
    for _ in range(4):
        assert attempt(client, "canbo", "sai-mật-khẩu").status_code == 200

    locked = attempt(client, "canbo", "sai-mật-khẩu")

    assert locked.status_code == 429
    assert "Đăng nhập bị khóa" in locked.content.decode()
    # Even the right password is refused while locked...
    assert attempt(client, "canbo", PASSWORD).status_code == 429
    # ...but only for that user at that address.
    assert attempt(client, "canbo", PASSWORD, address="10.0.0.2").status_code == 302
    kinds = list(AuditEntry.objects.order_by("pk").values_list("kind", flat=True))
    failed, locked = AuditKind.SIGN_IN_FAILED, AuditKind.LOCKED_OUT
    # Four failures; the fifth locks out; the right password while locked is
    # refused and logged as a failure and a lockout; another address signs in.
    assert kinds == [failed] * 4 + [locked, failed] + [locked, failed] + [AuditKind.SIGN_IN]


@override_settings(AXES_ENABLED=True)
def test_sign_in_and_failure_are_audited_with_utc_timestamps_and_addresses(client, db):
    user = UserFactory(username="giamsat")
    attempt(client, "giamsat", "sai", address="192.0.2.7")
    attempt(client, "giamsat", PASSWORD, address="192.0.2.7")

    failed, signed_in = AuditEntry.objects.order_by("pk")
    assert (failed.kind, failed.username, failed.ip_address, failed.user) == (
        AuditKind.SIGN_IN_FAILED, "giamsat", "192.0.2.7", None)
    assert (signed_in.kind, signed_in.user, signed_in.ip_address) == (AuditKind.SIGN_IN, user, "192.0.2.7")
    assert signed_in.at.utcoffset() == dt.timedelta(0)


def test_a_refused_authorisation_is_audited(client, world):
    from tests.conftest import campaign_at
    from workflows.campaigns.flows import Stage

    campaign = campaign_at(world, Stage.SURVEYED)
    client.force_login(world.other_supervisor)

    response = client.get(reverse("campaigns:detail", args=[campaign.pk]))

    assert response.status_code == 404
    entry = AuditEntry.objects.get(kind=AuditKind.ACCESS_REFUSED)
    assert (entry.user, entry.path) == (world.other_supervisor, f"/campaigns/{campaign.pk}/")
    # A missing object is not a refusal.
    client.get(reverse("campaigns:detail", args=[campaign.pk + 1000]))
    assert AuditEntry.objects.filter(kind=AuditKind.ACCESS_REFUSED).count() == 1


@pytest.mark.parametrize("password", ["123456789012", "password1234", "qwertyuiop12"])
def test_common_and_numeric_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        validate_password(password, UserFactory.build(username="canbo2"))


def test_a_64_character_passphrase_is_accepted(db):
    passphrase = "đoàn-kết-là-sức-mạnh " * 3 + "2026"
    passphrase = passphrase[:64]
    assert len(passphrase) == 64
    validate_password(passphrase, UserFactory.build(username="canbo3"))
