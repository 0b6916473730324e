"""The invitation link (issue 14, #3): the e-mail says who invited the
person, their user name, the link and until when it works; the link sets the
first password once; invitation and reset links are not interchangeable."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.accounts.conftest import sign_in
from tests.factories import UserFactory
from workflows.accounts.invitations import invitation_send
from workflows.accounts.tokens import invitation_token_generator
from workflows.core.errors import InvalidInput

FIRST_PASSWORD = "công-đoàn-cơ-sở-2026"


@pytest.fixture
def newcomer(db):
    user = UserFactory(username="canbo.moi", email="moi@example.vn", first_name="Lê Văn", last_name="Hùng")
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def inviter(db):
    return UserFactory(username="quantri", first_name="Phạm Thị", last_name="Hoa")


def test_the_e_mail_says_who_invited_the_user_name_the_link_and_until_when(newcomer, inviter):
    before = timezone.localtime()

    link = invitation_send(user=newcomer, invited_by=inviter, base_url="https://cdcs.example.vn/")

    uid = urlsafe_base64_encode(force_bytes(newcomer.pk))
    assert re.fullmatch(rf"https://cdcs\.example\.vn/accounts/invitation/{uid}/[0-9a-z]+-[0-9a-f]+/", link)
    [message] = mail.outbox
    assert message.to == ["moi@example.vn"]
    assert message.subject == "Tài khoản của anh/chị trong ứng dụng CĐCS"
    assert "Xin chào Lê Văn Hùng," in message.body
    assert "Phạm Thị Hoa đã tạo cho anh/chị một tài khoản" in message.body
    assert "Tên đăng nhập: canbo.moi" in message.body
    assert f"\n{link}\n" in message.body
    until = re.search(r"đến (\d\d/\d\d/\d{4} \d\d:\d\d)\.", message.body).group(1)
    expected = before + dt.timedelta(days=3)
    assert until in {expected.strftime("%d/%m/%Y %H:%M"),
                     (expected + dt.timedelta(minutes=1)).strftime("%d/%m/%Y %H:%M")}


def test_a_person_without_an_e_mail_address_cannot_be_invited(db, inviter):
    person = UserFactory(username="khongthu", email="")

    with pytest.raises(InvalidInput):
        invitation_send(user=person, invited_by=inviter, base_url="http://testserver")
    assert mail.outbox == []


def test_the_link_sets_the_first_password_then_the_person_signs_in(client, newcomer, inviter):
    link = invitation_send(user=newcomer, invited_by=inviter, base_url="http://testserver")
    path = link.removeprefix("http://testserver")

    form_page = client.get(path, follow=True)
    html = form_page.content.decode()
    assert "Tên đăng nhập của anh/chị là <strong>canbo.moi</strong>" in html
    set_url = form_page.redirect_chain[-1][0]
    assert set_url.endswith("/set-password/")
    done = client.post(set_url, {"new_password1": FIRST_PASSWORD, "new_password2": FIRST_PASSWORD}, follow=True)

    assert done.redirect_chain == [("/accounts/login/", 302)]
    assert "Đã đặt mật khẩu. Hãy đăng nhập bằng tên đăng nhập canbo.moi" in done.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.check_password(FIRST_PASSWORD)
    assert sign_in(Client(), "canbo.moi", FIRST_PASSWORD)["Location"] == "/"
    again = Client().get(path)
    assert "Đường liên kết mời này không còn dùng được" in again.content.decode()
    assert "đề nghị quản trị viên gửi lời mời mới" in again.content.decode()


def test_a_reset_token_does_not_open_the_invitation_page(client, newcomer):
    newcomer.set_password("mật-khẩu-cũ-của-người-này")
    newcomer.save()
    uid = urlsafe_base64_encode(force_bytes(newcomer.pk))
    reset_token = default_token_generator.make_token(newcomer)

    response = client.get(reverse("accounts:invitation", args=[uid, reset_token]))

    assert response.status_code == 200
    assert "Đường liên kết mời này không còn dùng được" in response.content.decode()


def test_an_invitation_token_does_not_reset_a_password(client, newcomer):
    uid = urlsafe_base64_encode(force_bytes(newcomer.pk))
    invitation_token = invitation_token_generator.make_token(newcomer)

    response = client.get(reverse("accounts:password_reset_confirm", args=[uid, invitation_token]))

    assert response.status_code == 200
    assert "Đường liên kết này không còn dùng được" in response.content.decode()
    assert invitation_token_generator.check_token(newcomer, invitation_token)
    assert not default_token_generator.check_token(newcomer, invitation_token)


def test_an_expired_invitation_says_to_ask_for_a_new_one(client, newcomer, inviter, monkeypatch):
    link = invitation_send(user=newcomer, invited_by=inviter, base_url="http://testserver")
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now",
                        lambda self: real_now(self) + dt.timedelta(days=3, minutes=1))

    response = client.get(link.removeprefix("http://testserver"))

    assert response.status_code == 200
    assert "Đường liên kết mời này không còn dùng được" in response.content.decode()
    assert "đề nghị quản trị viên gửi lời mời mới" in response.content.decode()


@override_settings(PASSWORD_RESET_TIMEOUT=60)
def test_the_invitation_follows_the_reset_timeout(client, newcomer, inviter, monkeypatch):
    link = invitation_send(user=newcomer, invited_by=inviter, base_url="http://testserver")
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: real_now(self) + dt.timedelta(minutes=2))

    response = client.get(link.removeprefix("http://testserver"))

    assert "Đường liên kết mời này không còn dùng được" in response.content.decode()


def test_a_deactivated_person_cannot_use_the_invitation(client, newcomer, inviter):
    link = invitation_send(user=newcomer, invited_by=inviter, base_url="http://testserver")
    newcomer.is_active = False
    newcomer.save()

    response = client.get(link.removeprefix("http://testserver"))

    assert "Đường liên kết mời này không còn dùng được" in response.content.decode()
