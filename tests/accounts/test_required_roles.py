"""The roles that must use the second factor (``TWO_FACTOR_REQUIRED_ROLES``):
a signed-in holder who has not passed it reaches no page but the accounts
pages — set-up when they have no app, the code step when they have one."""
from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import code_of, enrol, sign_in
from tests.e2e.two_factor import code_for_secret
from tests.factories import UserFactory
from workflows.organisation import services as org
from workflows.organisation.permissions import Role

REQUIRED = override_settings(TWO_FACTOR_REQUIRED_ROLES=["administrator", "supervisor"])
ENROL = "/accounts/two-step/"
VERIFY = "/accounts/login/code/"


def administrator(world):
    user = UserFactory(username="quantri_test")
    org.unit_role_grant(unit=world.province, user=user, role=Role.ADMINISTRATOR, actor=world.admin)
    return user


def superuser_supervisor(world):
    org.unit_role_grant(unit=world.district, user=world.admin, role=Role.SUPERVISOR, actor=world.admin)
    return world.admin


WHO = {
    "supervisor": lambda world: world.supervisor,
    "administrator": administrator,
    "superuser_supervisor": superuser_supervisor,
    "officer": lambda world: world.officer,
    "manager": lambda world: world.manager,
    "superuser_without_role": lambda world: world.admin,
}


@REQUIRED
@pytest.mark.parametrize(("who", "sent_to_set_up"), [
    ("supervisor", True), ("administrator", True), ("superuser_supervisor", True),
    ("officer", False), ("manager", False), ("superuser_without_role", False),
])
def test_a_required_role_without_an_app_is_sent_to_set_it_up(client, world, who, sent_to_set_up):
    client.force_login(WHO[who](world))

    response = client.get("/tasks/?page=2")

    if sent_to_set_up:
        assert (response.status_code, response["Location"]) == (302, f"{ENROL}?next=%2Ftasks%2F%3Fpage%3D2")
    else:
        assert response.status_code == 200


@REQUIRED
def test_a_required_role_with_an_app_in_a_session_without_the_code_is_sent_to_the_code_step(client, world):
    enrolled = enrol(world.supervisor)
    client.force_login(world.supervisor)  # a session opened before the app was set up

    response = client.get("/campaigns/")
    assert (response.status_code, response["Location"]) == (302, f"{VERIFY}?next=%2Fcampaigns%2F")
    passed = client.post(VERIFY, {"code": code_of(enrolled.device, steps_ahead=1), "next": "/campaigns/"})

    assert (passed.status_code, passed["Location"]) == (302, "/campaigns/")
    assert client.get("/campaigns/").status_code == 200


@REQUIRED
def test_htmx_requests_get_a_client_redirect(client, world):
    client.force_login(world.supervisor)

    response = client.get("/tasks/", headers={"HX-Request": "true"})

    assert (response.status_code, response["HX-Redirect"]) == (200, ENROL)


@REQUIRED
def test_the_bell_polled_from_the_enrolment_page_does_not_reload_it(client, world):
    # (a reload would wipe the code the person is typing)
    client.force_login(world.supervisor)

    response = client.get("/notifications/bell/", headers={"HX-Request": "true",
                                                           "HX-Current-URL": f"http://testserver{ENROL}"})

    assert (response.status_code, response.has_header("HX-Redirect")) == (204, False)


@REQUIRED
@pytest.mark.parametrize("url", [ENROL, "/accounts/security/", "/favicon.ico", "/static/css/app.css"])
def test_the_accounts_pages_and_assets_stay_open(client, world, url):
    client.force_login(world.supervisor)

    response = client.get(url)

    assert response.status_code in (200, 404)  # 404: static files are not served by the test server
    assert "Location" not in response


@REQUIRED
def test_sign_out_and_the_language_switch_stay_open(client, world):
    client.force_login(world.supervisor)

    assert client.post(reverse("set_language"), {"language": "en", "next": "/"})["Location"] == "/"
    signed_out = client.post(reverse("logout"))
    assert (signed_out.status_code, "Location" in signed_out) == (200, False)
    assert "_auth_user_id" not in client.session


@REQUIRED
def test_setting_up_the_app_through_the_pages_opens_the_other_pages(client, world):
    """Sign in with the password, land on the set-up page, scan (the key as
    text), confirm, see the recovery codes once, continue to the page asked for."""
    sign_in(client, "supervisor", next="/campaigns/")
    landing = client.get("/campaigns/")
    assert landing["Location"] == f"{ENROL}?next=%2Fcampaigns%2F"
    page = client.get(landing["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Vai trò của anh/chị bắt buộc đăng nhập hai bước" in html
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=world.supervisor, confirmed=False)
    secret = html.split("<code class=\"totp-secret\" data-totp-secret>", 1)[1].split("</code>", 1)[0]
    assert code_for_secret(secret) == code_of(device)

    confirmed = client.post(ENROL, {"code": code_for_secret(secret), "next": "/campaigns/"})

    assert confirmed["Location"] == "/accounts/two-step/recovery-codes/?next=%2Fcampaigns%2F"
    codes_page = client.get(confirmed["Location"]).content.decode()
    assert codes_page.count("<li><code>") == 10
    done = client.post(confirmed["Location"], {"next": "/campaigns/"})
    assert done["Location"] == "/campaigns/"
    assert client.get("/campaigns/").status_code == 200
    assert client.get("/accounts/two-step/recovery-codes/")["Location"] == "/accounts/security/"  # shown once


@REQUIRED
def test_a_required_role_cannot_turn_the_second_factor_off(client, world):
    enrolled = enrol(world.supervisor)
    sign_in(client, "supervisor")
    client.post(VERIFY, {"code": code_of(enrolled.device, steps_ahead=1)})
    assert "Tắt</button>" not in client.get("/accounts/security/").content.decode()

    response = client.post(reverse("accounts:turn_off"))

    assert response.status_code == 400
    assert "bắt buộc đăng nhập hai bước" in response.content.decode()
    assert user_has_device(world.supervisor)
