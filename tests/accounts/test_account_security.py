"""The account-security page: every signed-in person turns two-step sign-in
on, makes new recovery codes, moves to a new phone or turns it off — only in
a session that passed the second factor."""
from __future__ import annotations

from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import code_of, enrol, sign_in
from tests.conftest import ROLES

SECURITY = "/accounts/security/"


def secret_of(page) -> str:
    return page.content.decode().split("data-totp-secret>", 1)[1].split("</code>", 1)[0]


def passed_second_factor(client, username: str, device) -> None:
    sign_in(client, username)
    assert client.post("/accounts/login/code/", {"code": code_of(device, steps_ahead=1)}).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_person_reaches_the_page_from_the_menu(client, world, role):
    user = world.user(role)
    if user:
        client.force_login(user)

    response = client.get(SECURITY)

    if user is None:
        assert response["Location"] == "/accounts/login/?next=/accounts/security/"
    else:
        assert response.status_code == 200
        assert 'href="/accounts/two-step/" role="button"' in response.content.decode()
        assert f'class="account-link muted" href="{SECURITY}"' in client.get("/tasks/").content.decode()


def test_the_set_up_page_shows_the_same_key_until_it_is_confirmed(client, world):
    client.force_login(world.officer)

    first, second = client.get("/accounts/two-step/"), client.get("/accounts/two-step/")

    assert first.status_code == second.status_code == 200
    device = TOTPDevice.objects.get(user=world.officer)
    assert device.confirmed is False
    assert secret_of(first) == secret_of(second) == b32encode(device.bin_key).decode().rstrip("=")


def test_a_wrong_code_does_not_turn_it_on(client, world):
    client.force_login(world.officer)
    client.get("/accounts/two-step/")
    device = TOTPDevice.objects.get(user=world.officer)
    wrong = "123456" if code_of(device) != "123456" else "654321"

    response = client.post("/accounts/two-step/", {"code": wrong})

    assert response.status_code == 400
    assert "Mã không đúng" in response.content.decode()
    assert not user_has_device(world.officer)


def test_new_recovery_codes_replace_the_old_ones(client, world):
    enrolled = enrol(world.officer)
    passed_second_factor(client, "officer", enrolled.device)

    response = client.post(reverse("accounts:recovery_codes_new"), follow=True)

    shown = [line.split("<li><code>")[1].split("</code>")[0] for line in
             response.content.decode().split("</li>") if "<li><code>" in line]
    assert len(shown) == 10
    assert set(shown).isdisjoint(enrolled.recovery_codes)
    assert sorted(StaticToken.objects.filter(device__user=world.officer).values_list("token", flat=True)) == sorted(
        code.replace("-", "") for code in shown)


def test_a_person_whose_role_does_not_require_it_turns_it_off(client, world):
    enrolled = enrol(world.officer)
    passed_second_factor(client, "officer", enrolled.device)

    response = client.post(reverse("accounts:turn_off"))

    assert response["Location"] == SECURITY
    assert not user_has_device(world.officer, confirmed=None)
    assert sign_in(client.__class__(), "officer")["Location"] == "/"  # the password alone again


def test_a_session_that_did_not_pass_the_second_factor_changes_nothing(client, world):
    enrolled = enrol(world.officer)
    client.force_login(world.officer)  # signed in before the app was set up, elsewhere

    assert client.post(reverse("accounts:turn_off")).status_code == 404
    assert client.post(reverse("accounts:recovery_codes_new")).status_code == 404
    assert client.get("/accounts/two-step/")["Location"] == "/accounts/login/code/?next=%2Faccounts%2Ftwo-step%2F"
    assert "Nhập một mã để thay đổi" in client.get(SECURITY).content.decode()
    assert TOTPDevice.objects.filter(user=world.officer).count() == 1
    assert StaticToken.objects.filter(device__user=world.officer).count() == 10
    assert enrolled.device.pk == TOTPDevice.objects.get(user=world.officer).pk


def test_moving_to_a_new_phone_replaces_the_app(client, world):
    enrolled = enrol(world.officer)
    passed_second_factor(client, "officer", enrolled.device)
    page = client.get("/accounts/two-step/")
    assert "thay cho ứng dụng đã cài trước" in page.content.decode()
    new = TOTPDevice.objects.get(user=world.officer, confirmed=False)

    client.post("/accounts/two-step/", {"code": code_of(new)})

    assert list(TOTPDevice.objects.filter(user=world.officer).values_list("pk", "confirmed")) == [(new.pk, True)]
