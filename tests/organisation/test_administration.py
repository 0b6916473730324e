"""The administrators' home: an administrator without a unit role lands on a
page of the reference data they keep, every link of which opens for them;
the menu leads there; a user with no role at all is told so."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.conftest import ROLES
from tests.factories import UserFactory
from tests.pages import links_of

ADMINISTRATION = reverse("administration:home")


def staff(username: str, *codenames: str):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


# --- the administrator's home ----------------------------------------------------
def test_the_administrator_lands_on_a_page_whose_every_link_opens(client, world):
    # given: a superuser without any unit role
    client.force_login(world.admin)

    # when
    home = client.get("/", follow=True)

    # then: the administration page, listing the reference data
    assert home.status_code == 200
    assert [url for url, _status in home.redirect_chain] == [ADMINISTRATION]
    page = links_of(home)
    assert {reverse(f"admin:{name}_changelist") for name in (
        "campaigns_ruleset", "campaigns_stagetasktemplate", "organisation_calendarday", "organisation_unitkind",
        "organisation_unit", "organisation_workinggroup")} <= set(page.links)
    assert ADMINISTRATION in page.menu
    # and every link on it, and in the menu, opens for the administrator (the
    # brand's "/" after its redirect here)
    answers = {url: client.get(url, follow=True).status_code for url in set(page.links + page.menu)
               if not urlsplit(url).path.startswith("/static/")}
    assert answers == dict.fromkeys(answers, 200)


def test_a_staff_member_sees_only_the_lists_django_admin_opens_for_them(client, world):
    # given: staff who may only read the rule sets
    clerk = staff("clerk", "view_ruleset")
    client.force_login(clerk)

    # when
    home = client.get("/", follow=True)

    # then
    ruleset = reverse("admin:campaigns_ruleset_changelist")
    page = links_of(home)
    assert [url for url, _status in home.redirect_chain] == [ADMINISTRATION]
    assert [url for url in page.links if url.startswith("/admin/")] == [ruleset, reverse("admin:index")]
    assert (client.get(ruleset).status_code, client.get(reverse("admin:index")).status_code) == (200, 200)
    # the lists not shown are indeed refused (forbidden answers 404)
    assert client.get(reverse("admin:organisation_calendarday_changelist")).status_code == 404


def test_units_and_working_groups_are_read_only_in_django_admin(client, world):
    # given
    client.force_login(world.admin)

    # when
    answers = [client.get(reverse(name)).status_code for name in (
        "admin:organisation_unit_add", "admin:organisation_workinggroup_add")]
    shown = [client.get(reverse(name, args=[pk])).status_code for name, pk in (
        ("admin:organisation_unit_change", world.district.pk),
        ("admin:organisation_workinggroup_change", world.group.pk))]

    # then
    assert answers == [404, 404]  # refused (forbidden answers 404)
    assert shown == [200, 200]


# --- who lands where -------------------------------------------------------------
def test_a_user_with_no_role_is_told_so_with_an_empty_menu(client, world):
    # given
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "campaigns/no_role.html"
    assert response.context["nav_items"] == []
    assert ADMINISTRATION not in links_of(response).menu


def test_staff_without_any_permission_is_not_an_administrator(client, world):
    # given
    idle = staff("idle")
    client.force_login(idle)

    # when
    home = client.get("/")
    page = client.get(ADMINISTRATION)

    # then
    assert [t.name for t in home.templates][0] == "campaigns/no_role.html"
    assert page.status_code == 404


@pytest.mark.parametrize("role", ROLES + ["admin"])
def test_only_administrators_open_the_administration_page_and_see_it_in_the_menu(client, world, role):
    # given
    user = world.user(role)
    if user:
        client.force_login(user)

    # when
    response = client.get(ADMINISTRATION)
    menu = links_of(client.get(reverse("notifications:list") if user else "/accounts/login/")).menu

    # then
    expected = {"anonymous": 302, "admin": 200, "administrator": 200}.get(role, 404)
    assert response.status_code == expected
    assert (ADMINISTRATION in menu) == (role in ("admin", "administrator"))


def test_django_admin_offers_no_delete_of_a_user_the_deactivation_does_it(client, world):
    """A user is named by the history: the admin's delete (whose confirmation
    page gathered every row naming them) is refused; deactivation hands
    their tasks on instead."""
    # given
    client.force_login(world.admin)
    officer = world.officer

    # when
    change = client.get(reverse("admin:auth_user_change", args=[officer.pk]))
    delete = client.get(reverse("admin:auth_user_delete", args=[officer.pk]))
    bulk = client.post(reverse("admin:auth_user_changelist"),
                       {"action": "delete_selected", "_selected_action": [officer.pk]})

    # then
    assert change.status_code == 200
    assert reverse("admin:auth_user_delete", args=[officer.pk]).encode() not in change.content
    assert delete.status_code == 404  # refused (forbidden answers 404)
    assert client.get(reverse("admin:auth_user_changelist")).context["action_form"] is None  # no bulk delete
    assert bulk.status_code == 200
    assert type(officer).objects.filter(pk=officer.pk).exists()
