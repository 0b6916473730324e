"""Two-step sign-in (issue 14, #8): the password, then a code from the app
or a recovery code; a person with an app is not signed in on the password
alone; wrong codes are refused and throttled; django-axes still locks out."""
from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken

from tests.accounts.conftest import PASSWORD, code_of, sign_in
from tests.factories import UserFactory
from workflows.audit.models import AuditEntry, AuditKind

VERIFY = "/accounts/login/code/"


def signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def test_the_password_alone_does_not_sign_in_a_person_with_an_app(client, world, enrolled_supervisor):
    response = sign_in(client, "supervisor")

    assert (response.status_code, response["Location"]) == (302, VERIFY)
    assert signed_in_user_id(client) is None
    assert client.get(reverse("campaigns:my_tasks"))["Location"] == "/accounts/login/?next=/tasks/"
    assert AuditEntry.objects.filter(kind=AuditKind.SIGN_IN).count() == 0


def test_the_code_from_the_app_signs_in_and_verifies_the_session(client, world, enrolled_supervisor):
    device = enrolled_supervisor.device
    sign_in(client, "supervisor", next="/tasks/")
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    response = client.post(VERIFY, {"code": code_of(device, steps_ahead=1)})

    assert (response.status_code, response["Location"]) == (302, "/tasks/")
    assert signed_in_user_id(client) == world.supervisor.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/tasks/").status_code == 200
    assert list(AuditEntry.objects.filter(kind=AuditKind.SIGN_IN).values_list("user", flat=True)) == [
        world.supervisor.pk]


def test_a_recovery_code_signs_in_once_only(client, world, enrolled_supervisor):
    code = enrolled_supervisor.recovery_codes[3]
    sign_in(client, "supervisor")

    response = client.post(VERIFY, {"code": code.upper().replace("-", " ")}, follow=True)

    assert response.redirect_chain[0] == ("/", 302)
    assert signed_in_user_id(client) == world.supervisor.pk
    assert "Còn lại 9 mã khôi phục" in response.content.decode()
    assert StaticToken.objects.filter(device__user=world.supervisor).count() == 9
    client.post(reverse("logout"))
    sign_in(client, "supervisor")
    again = client.post(VERIFY, {"code": code})
    assert again.status_code == 400
    assert "Mã không đúng" in again.content.decode()
    assert signed_in_user_id(client) is None


def test_a_wrong_code_is_refused_audited_and_makes_the_next_one_wait(client, world, enrolled_supervisor):
    device = enrolled_supervisor.device
    sign_in(client, "supervisor")

    with override_settings(OTP_TOTP_THROTTLE_FACTOR=60):
        wrong = client.post(VERIFY, {"code": "000000" if code_of(device, steps_ahead=1) != "000000" else "111111"})
        right_too_soon = client.post(VERIFY, {"code": code_of(device, steps_ahead=1)})

    assert wrong.status_code == 400
    assert "Mã không đúng" in wrong.content.decode()
    assert right_too_soon.status_code == 400
    assert "Nhập sai quá nhiều lần. Hãy chờ 60 giây" in right_too_soon.content.decode()
    assert signed_in_user_id(client) is None
    failed = AuditEntry.objects.filter(kind=AuditKind.SIGN_IN_FAILED).order_by("pk")
    assert [(e.user_id, e.detail) for e in failed] == [(world.supervisor.pk, "second factor")] * 2


def test_the_code_step_without_a_right_password_sends_back_to_sign_in(client, world, enrolled_supervisor):
    response = client.post(VERIFY, {"code": code_of(enrolled_supervisor.device, steps_ahead=1)})

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert signed_in_user_id(client) is None


def test_a_person_without_an_app_signs_in_with_the_password(client, world):
    response = sign_in(client, "officer")

    assert (response.status_code, response["Location"]) == (302, "/")
    assert signed_in_user_id(client) == world.officer.pk


@override_settings(AXES_ENABLED=True)
def test_the_sign_in_limit_still_locks_out_a_person_with_an_app(client, world, enrolled_supervisor):
    for _ in range(4):
        assert sign_in(client, "supervisor", "sai-mật-khẩu").status_code == 200

    locked = sign_in(client, "supervisor", "sai-mật-khẩu")

    assert locked.status_code == 429
    assert "Đăng nhập bị khóa" in locked.content.decode()
    right_password = sign_in(client, "supervisor", PASSWORD)
    assert right_password.status_code == 429
    assert client.session.get("accounts_signing_in") is None
    kinds = list(AuditEntry.objects.order_by("pk").values_list("kind", flat=True))
    failed, locked_out = AuditKind.SIGN_IN_FAILED, AuditKind.LOCKED_OUT
    assert kinds == [failed] * 4 + [locked_out, failed] + [locked_out, failed]


@override_settings(AXES_ENABLED=True)
def test_the_right_password_then_the_code_signs_in_with_axes_on(client, world, enrolled_supervisor):
    assert sign_in(client, "supervisor", "sai").status_code == 200
    assert sign_in(client, "supervisor").status_code == 302

    response = client.post(VERIFY, {"code": code_of(enrolled_supervisor.device, steps_ahead=1)})

    assert response.status_code == 302
    assert signed_in_user_id(client) == world.supervisor.pk


@pytest.mark.parametrize("username", ["inactive", "nobody"])
def test_an_inactive_or_unknown_account_gets_no_code_step(client, db, username):
    UserFactory(username="inactive", is_active=False)

    response = sign_in(client, username)

    assert response.status_code == 200
    assert client.session.get("accounts_signing_in") is None


def test_the_admin_sign_in_page_is_ours(client, world, enrolled_supervisor):
    response = client.get("/admin/login/?next=/admin/campaigns/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=%2Fadmin%2Fcampaigns%2F")

    posted = client.post("/admin/login/", {"username": "supervisor", "password": PASSWORD})

    assert posted["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert signed_in_user_id(client) is None


def test_a_next_address_of_another_site_is_not_followed(client, world, enrolled_supervisor):
    sign_in(client, "supervisor", next="https://evil.example.com/")

    response = client.post(VERIFY, {"code": code_of(enrolled_supervisor.device, steps_ahead=1)})

    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["surveyed", "yes", "javascript:alert(1)", "//evil.example/", "https://evil.example/"])
def test_a_next_that_is_not_a_path_of_this_site_leads_home(client, world, next_url):
    response = client.post(reverse("login"), {"username": "officer", "password": "mật-khẩu-thử-nghiệm",
                                              "next": next_url})

    assert (response.status_code, response["Location"]) == (302, "/")
