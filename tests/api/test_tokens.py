"""The page of a person's API access tokens (/api/tokens/): creating one
(its key shown once, only its hash kept), the list, revoking one."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests import factories
from workflows.api.models import AccessToken, TokenScope
from workflows.api.tokens import token_create, token_for_key
from workflows.core import clock

URL = "/api/tokens/"


@pytest.fixture
def person(db):
    return factories.UserFactory(username="script_owner")


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    client.cookies["django_language"] = "en"
    return client


def _values_of_every_column() -> list[str]:
    return [str(value) for row in AccessToken.objects.values_list() for value in row]


def test_creating_a_token_shows_its_key_once_and_keeps_only_its_hash(signed_in, person):
    # when
    response = signed_in.post(URL, {"name": "monthly report", "scope": "read", "days": "30"})

    # then
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key.startswith("cdcs_")
    assert response.content.decode().count(key) == 1
    assert "it will not be shown again" in response.content.decode()
    token = AccessToken.objects.get()
    assert (token.user, token.name, token.scope, token.prefix) == (person, "monthly report", "read", key[:12])
    assert token.expires_at.date() == (clock.now() + dt.timedelta(days=30)).date()
    assert not any(key in value for value in _values_of_every_column())
    assert token_for_key(key) == token


def test_the_key_is_not_shown_again_on_the_next_visit(signed_in):
    key = signed_in.post(URL, {"name": "monthly report", "scope": "write", "days": "90"}).context["key"]

    response = signed_in.get(URL)

    assert response.status_code == 200
    assert response.context["key"] == ""
    assert key not in response.content.decode()
    assert key[:12] in response.content.decode()


def test_the_list_shows_my_tokens_only_with_their_status(signed_in, person, django_assert_max_num_queries):
    # given: active, expired, revoked, and someone else's
    active, _ = token_create(user=person, name="active one", scope=TokenScope.WRITE, days=10)
    expired, _ = token_create(user=person, name="expired one", scope=TokenScope.READ, days=1)
    AccessToken.objects.filter(pk=expired.pk).update(expires_at=clock.now() - dt.timedelta(days=1))
    revoked, _ = token_create(user=person, name="revoked one", scope=TokenScope.READ, days=10)
    AccessToken.objects.filter(pk=revoked.pk).update(revoked_at=clock.now())
    token_create(user=factories.UserFactory(username="someone"), name="someone else's", scope="read", days=5)

    # when
    with django_assert_max_num_queries(6):
        response = signed_in.get(URL)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert [t.name for t in response.context["tokens"]] == ["revoked one", "expired one", "active one"]
    assert "someone else&#x27;s" not in page and "someone else's" not in page
    assert page.count("/revoke/") == 1
    assert reverse("api:token_revoke", args=[active.pk]) in page
    assert timezone.localtime(active.expires_at).strftime("%d/%m/%Y") in page  # shown in Vietnamese time
    assert page.count(">never<") == 3
    for word in (">active<", ">expired<", ">revoked<", "Read and write", "Read only"):
        assert word in page


def test_the_page_is_in_vietnamese_first(client, person):
    client.force_login(person)

    response = client.get(URL)

    with translation.override("vi"):
        title = translation.gettext("API access tokens")
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in response.content.decode()


def test_the_account_security_page_links_to_the_tokens(signed_in):
    response = signed_in.get(reverse("accounts:security"))

    assert f'href="{URL}"' in response.content.decode()


def test_revoking_a_token_stops_its_key(signed_in, person):
    token, key = token_create(user=person, name="old script", scope="write", days=30)

    response = signed_in.post(reverse("api:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert response["Location"] == URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_for_key(key) is None
    assert signed_in.get("/api/v1/schema/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_revoking_someone_elses_token_answers_404_and_changes_nothing(signed_in):
    theirs, key = token_create(user=factories.UserFactory(username="someone"), name="theirs", scope="read", days=30)

    response = signed_in.post(reverse("api:token_revoke", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert token_for_key(key) == theirs


def test_revoking_answers_post_only(signed_in, person):
    token, _ = token_create(user=person, name="script", scope="read", days=30)

    response = signed_in.get(reverse("api:token_revoke", args=[token.pk]))

    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "scope": "read", "days": "90"}, "name", "Give the token a name (what it is for)."),
    ({"name": "   ", "scope": "read", "days": "90"}, "name", "Give the token a name (what it is for)."),
    ({"name": "script", "scope": "read", "days": "0"}, "days", "A token lives between 1 and 366 days."),
    ({"name": "script", "scope": "read", "days": "400"}, "days", "A token lives between 1 and 366 days."),
    ({"name": "script", "scope": "read", "days": "many"}, "days", "A token lives between 1 and 366 days."),
    ({"name": "script", "scope": "admin", "days": "90"}, "scope", "Choose read only or read and write."),
    ({"name": "script", "days": "90"}, "scope", "Choose read only or read and write."),
])
def test_bad_input_answers_400_with_the_field_error(signed_in, data, field, message):
    response = signed_in.post(URL, data)

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert response.context["key"] == ""
    assert AccessToken.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_goes_to_sign_in(client, person, method):
    token, _ = token_create(user=person, name="script", scope="read", days=30)

    page = getattr(client, method)(URL, {"name": "x", "scope": "read", "days": "5"} if method == "post" else None)
    revoke = client.post(reverse("api:token_revoke", args=[token.pk]))

    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert revoke.status_code == 302 and revoke["Location"].startswith(reverse("login"))
    assert AccessToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None
