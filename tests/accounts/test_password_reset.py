"""Forgot password: the link on the sign-in page, an e-mail in Vietnamese
with a link that works once for three days, the same answer whether or not
an account has the address."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import sign_in
from tests.factories import UserFactory

NEW_PASSWORD = "đoàn-kết-là-sức-mạnh-2026"


def ask_for_a_link(client, email: str):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def link_in(message) -> str:
    return re.search(r"https?://testserver(/accounts/password/reset/\S+/)", message.body).group(1)


def test_the_sign_in_page_links_to_forgot_password(client, db):
    page = client.get(reverse("login")).content.decode()

    assert '<a href="/accounts/password/forgot/" data-forgot-password>Quên mật khẩu?</a>' in page


def test_the_e_mail_is_vietnamese_and_its_link_sets_the_password_once(client, db):
    user = UserFactory(username="canbo", email="canbo@example.vn", first_name="Trần Thị", last_name="Lan")

    response = ask_for_a_link(client, "CANBO@example.vn")

    assert response["Location"] == "/accounts/password/forgot/sent/"
    assert "Hãy kiểm tra hộp thư" in client.get(response["Location"]).content.decode()
    [message] = mail.outbox
    assert message.to == ["canbo@example.vn"]
    assert message.subject == "Đặt mật khẩu mới cho ứng dụng CĐCS"
    assert "Xin chào Trần Thị Lan," in message.body
    assert "Tên đăng nhập: canbo" in message.body
    assert re.search(r"đến \d\d/\d\d/\d{4} \d\d:\d\d\.", message.body)
    link = link_in(message)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Đặt mật khẩu mới" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]

    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert sign_in(Client(), "canbo", NEW_PASSWORD)["Location"] == "/"
    used = Client().get(link)
    assert used.status_code == 200
    assert "Đường liên kết này không còn dùng được" in used.content.decode()


@pytest.mark.parametrize("email", ["khongco@example.vn", "nghiviec@example.vn"])
def test_an_unknown_or_inactive_address_gets_the_same_answer_and_no_e_mail(client, db, email):
    UserFactory(username="nghiviec", email="nghiviec@example.vn", is_active=False)
    known = ask_for_a_link(Client(), "nghiviec@example.vn")

    response = ask_for_a_link(client, email)

    assert response.status_code == known.status_code == 302
    assert response["Location"] == known["Location"] == "/accounts/password/forgot/sent/"
    assert mail.outbox == []


def test_a_weak_password_is_refused_on_the_link_page(client, db):
    UserFactory(username="canbo", email="canbo@example.vn")
    ask_for_a_link(client, "canbo@example.vn")
    set_url = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]

    response = client.post(set_url, {"new_password1": "123456789012", "new_password2": "123456789012"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_an_expired_link_says_so(client, db, monkeypatch):
    user = UserFactory(username="canbo", email="canbo@example.vn")
    ask_for_a_link(client, "canbo@example.vn")
    link = link_in(mail.outbox[0])
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now",
                        lambda self: real_now(self) + dt.timedelta(days=3, minutes=1))

    response = client.get(link)

    assert response.status_code == 200
    assert "Đường liên kết này không còn dùng được" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("mật-khẩu-thử-nghiệm")
