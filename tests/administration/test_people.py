"""People (issue 14, items 3 and 5): an administrator creates accounts in
the units they administer, invites them by e-mail (the link sets the
password), changes their details, grants and revokes roles; a person's page
lists every role, where it applies and who granted it when. Every change is
in the history (who, what, before → after). Anyone else gets a 404 and
nothing is written."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.administration.staff import ROLES, build_scene, history, snapshot
from tests.factories import UserFactory
from workflows.administration import services
from workflows.core import clock
from workflows.organisation import services as org
from workflows.organisation.models import (
    ChangeAction,
    Profile,
    UnitUserObjectPermission,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import Role

User = get_user_model()
PASSWORD = "công-đoàn-cơ-sở-2026"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def scene(world):
    return build_scene(world)


def add_officer(world, **extra):
    return services.person_add(username="canbo.moi", full_name="Lê Văn Hùng", unit_id=world.district.pk,
                               actor=world.administrator, email="hung@example.vn", phone="0912 345 678",
                               position="Cán bộ tổ chức", base_url="http://testserver/", **extra)


# --- creating an account and inviting -------------------------------------------------------
def test_the_administrator_creates_an_account_and_the_history_says_so(scene):
    world = scene.world

    added = add_officer(world)

    person = added.person
    assert (added.invited, person.username, person.first_name, person.last_name, person.email) == (
        False, "canbo.moi", "Lê Văn", "Hùng", "hung@example.vn")
    assert not person.has_usable_password()
    profile = Profile.objects.get(user=person)
    assert (profile.unit, profile.phone, profile.position) == (world.district, "0912345678", "Cán bộ tổ chức")
    assert history(person=person) == [
        ("administrator", ChangeAction.PERSON_CREATED, "Account “canbo.moi” created for Lê Văn Hùng", {},
         {"username": "canbo.moi", "name": "Lê Văn Hùng", "email": "hung@example.vn", "phone": "0912345678",
          "unit": world.district.name, "collaborator": False, "access_until": None})]


def test_the_invitation_e_mail_carries_a_link_that_sets_the_password(scene, client):
    world = scene.world

    added = add_officer(world, invite=True)

    assert added.invited
    [message] = mail.outbox
    assert message.to == ["hung@example.vn"]
    link = re.search(r"http://testserver(/accounts/invitation/\S+/)", message.body).group(1)
    assert [row[1:4] for row in history(person=added.person)][-1] == (
        ChangeAction.PERSON_INVITED, "Invitation sent to hung@example.vn", {})
    # the person follows the link and chooses a password, then signs in with it
    form = client.get(link, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD},
                       follow=True)
    assert done.redirect_chain == [("/accounts/login/", 302)]
    assert Client().login(username="canbo.moi", password=PASSWORD)


def test_an_invitation_needs_an_e_mail_address(scene):
    world = scene.world
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.person_add(username="khongthu", full_name="Lê Văn Hùng", unit_id=world.district.pk,
                            actor=world.administrator, invite=True, base_url="http://testserver/")

    assert refused.value.message_dict == {"email": ["An invitation needs an e-mail address."]}
    assert snapshot() == before
    assert mail.outbox == []


def test_a_user_name_with_spaces_or_taken_is_refused(scene):
    world = scene.world

    with pytest.raises(ValidationError) as spaces:
        services.person_add(username="can bo", full_name="Lê Văn Hùng", unit_id=world.district.pk,
                            actor=world.administrator)
    with pytest.raises(ValidationError) as taken:
        services.person_add(username="Officer", full_name="Lê Văn Hùng", unit_id=world.district.pk,
                            actor=world.administrator)

    assert list(spaces.value.message_dict) == ["username"]
    assert taken.value.message_dict == {"username": ["The user name “Officer” is taken."]}


def test_re_inviting_sends_a_new_link_and_records_it(scene):
    world = scene.world
    person = add_officer(world).person

    link = services.person_invite(person_id=person.pk, actor=world.administrator, base_url="http://testserver/")

    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    assert history(person=person)[-1] == ("administrator", ChangeAction.PERSON_INVITED,
                                          "Invitation sent to hung@example.vn", {}, {"email": "hung@example.vn"})


@pytest.mark.parametrize("role", ROLES[1:])
def test_only_an_administrator_of_the_unit_creates_accounts_there(scene, role):
    world, actor = scene.world, scene.user(role)
    before = snapshot()

    if role == "administrator":
        add_officer(world)
        assert snapshot() != before
        return
    with pytest.raises(PermissionDenied):
        services.person_add(username="canbo.moi", full_name="Lê Văn Hùng", unit_id=world.district.pk, actor=actor,
                            email="hung@example.vn", invite=True, base_url="http://testserver/")
    assert snapshot() == before
    assert mail.outbox == []


@pytest.mark.parametrize("role", ROLES[1:])
def test_only_an_administrator_of_the_person_invites_and_changes_them(scene, role):
    world, actor = scene.world, scene.user(role)
    person = world.officer
    before = snapshot()
    allowed = role == "administrator"

    calls = [
        lambda: services.person_invite(person_id=person.pk, actor=actor, base_url="http://testserver/"),
        lambda: services.person_change(person_id=person.pk, actor=actor, full_name="Nguyễn Văn Mới",
                                       email="moi@example.vn", phone="", position="", unit_id=world.district.pk,
                                       is_collaborator=False, access_until=None),
    ]
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()

    assert (snapshot() == before) is not allowed
    assert len(mail.outbox) == (1 if allowed else 0)


def test_changing_details_writes_what_changed_before_and_after(scene):
    world = scene.world
    person = add_officer(world).person

    services.person_change(person_id=person.pk, actor=world.administrator, full_name="Lê Văn Hùng",
                           email="hung.le@example.vn", phone="0912345678", position="Tổ trưởng",
                           unit_id=world.other_district.pk, is_collaborator=True, access_until=dt.date(2027, 6, 30))

    assert history(person=person)[-1] == (
        "administrator", ChangeAction.PERSON_CHANGED,
        "Details of Lê Văn Hùng changed: access_until, collaborator, email, position, unit",
        {"email": "hung@example.vn", "position": "Cán bộ tổ chức", "unit": world.district.name,
         "collaborator": False, "access_until": None},
        {"email": "hung.le@example.vn", "position": "Tổ trưởng", "unit": world.other_district.name,
         "collaborator": True, "access_until": "2027-06-30"})


def test_a_person_cannot_be_moved_to_a_unit_the_administrator_does_not_keep(scene):
    world = scene.world
    before = snapshot()

    with pytest.raises(PermissionDenied):
        services.person_change(person_id=world.officer.pk, actor=world.administrator, full_name="Officer",
                               email=world.officer.email, phone="", position="", unit_id=scene.far_province.pk,
                               is_collaborator=False, access_until=None)

    assert snapshot() == before


def test_the_technical_superuser_is_not_kept_by_a_province_administrator(scene):
    world = scene.world
    from tests.administration.staff import place

    place(world, world.admin, world.province)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        services.person_deactivate(person_id=world.admin.pk, actor=world.administrator, receiver_id=None)

    assert snapshot() == before


# --- roles -----------------------------------------------------------------------------
def test_granting_unit_roles_records_who_granted_them_when(scene):
    world = scene.world
    person = add_officer(world).person
    at = dt.datetime(2026, 9, 7, 8, 30, tzinfo=dt.UTC)

    with clock.travel_to(at):
        first = services.person_role_grant(person_id=person.pk, actor=world.administrator, role=Role.SUPERVISOR,
                                           unit_id=world.district.pk)
        again = services.person_role_grant(person_id=person.pk, actor=world.administrator, role=Role.SUPERVISOR,
                                           unit_id=world.district.pk)
        officer = services.person_role_grant(person_id=person.pk, actor=world.administrator, role=Role.OFFICER,
                                             group_id=world.group.pk)

    assert (first, again, officer) == (True, False, True)
    grant = UnitUserObjectPermission.objects.get(user=person)
    assert (grant.permission.codename, grant.content_object, grant.granted_by, grant.granted_at) == (
        Role.SUPERVISOR, world.district, world.administrator, at)
    group_grant = WorkingGroupUserObjectPermission.objects.get(user=person)
    assert (group_grant.content_object, group_grant.granted_by, group_grant.granted_at) == (
        world.group, world.administrator, at)
    assert [row[:3] for row in history(person=person) if row[1] == ChangeAction.ROLE_GRANTED] == [
        ("administrator", ChangeAction.ROLE_GRANTED, f"Lê Văn Hùng: supervisor of “{world.district.name}”"),
        ("administrator", ChangeAction.ROLE_GRANTED, "Lê Văn Hùng: officer of “Tổ công tác số 1”"),
    ]


@pytest.mark.parametrize("role", ROLES[1:])
@pytest.mark.parametrize("granted", [Role.ADMINISTRATOR, Role.SUPERVISOR, Role.MANAGER])
def test_only_an_administrator_grants_unit_roles(scene, role, granted):
    world, actor = scene.world, scene.user(role)
    before = snapshot()

    if role == "administrator":
        assert services.person_role_grant(person_id=world.other_officer.pk, actor=actor, role=granted,
                                          unit_id=world.district.pk)
        assert snapshot() != before
        return
    with pytest.raises(PermissionDenied):
        services.person_role_grant(person_id=world.other_officer.pk, actor=actor, role=granted,
                                   unit_id=world.district.pk)
    assert snapshot() == before


def test_a_supervisor_who_is_no_administrator_cannot_grant_unit_roles_even_in_their_unit(scene):
    world = scene.world
    before = snapshot()

    with pytest.raises(PermissionDenied):
        org.unit_role_grant(unit=world.district, user=world.officer, role=Role.SUPERVISOR, actor=world.supervisor)

    assert snapshot() == before


def test_an_administrator_cannot_grant_a_role_outside_their_subtree(scene):
    world = scene.world
    before = snapshot()

    with pytest.raises(PermissionDenied):
        services.person_role_grant(person_id=world.officer.pk, actor=world.administrator, role=Role.SUPERVISOR,
                                   unit_id=scene.far_province.pk)
    with pytest.raises(PermissionDenied):
        services.person_role_grant(person_id=world.officer.pk, actor=world.administrator, role=Role.OFFICER,
                                   group_id=scene.far_group.pk)

    assert snapshot() == before


def test_revoking_a_role_by_its_grant(scene):
    world = scene.world
    grant = UnitUserObjectPermission.objects.get(user=world.supervisor)
    group_grant = WorkingGroupUserObjectPermission.objects.get(user=world.officer)

    services.person_role_revoke(person_id=world.supervisor.pk, actor=world.administrator, unit_grant_id=grant.pk)
    services.person_role_revoke(person_id=world.officer.pk, actor=world.administrator,
                                group_grant_id=group_grant.pk)

    assert not UnitUserObjectPermission.objects.filter(user=world.supervisor).exists()
    assert not WorkingGroupUserObjectPermission.objects.filter(user=world.officer).exists()
    assert history(person=world.supervisor)[-1] == (
        "administrator", ChangeAction.ROLE_REVOKED,
        f"{world.supervisor.get_full_name()}: no longer supervisor of “{world.district.name}”",
        {"role": Role.SUPERVISOR.value, "unit": world.district.name}, {})
    assert history(person=world.officer)[-1][1:3] == (
        ChangeAction.ROLE_REVOKED, f"{world.officer.get_full_name()}: no longer an officer of “Tổ công tác số 1”")


@pytest.mark.parametrize("role", ROLES[1:])
def test_only_an_administrator_of_the_unit_revokes_its_roles(scene, role):
    world, actor = scene.world, scene.user(role)
    grant = UnitUserObjectPermission.objects.get(user=world.supervisor)
    before = snapshot()

    if role == "administrator":
        services.person_role_revoke(person_id=world.supervisor.pk, actor=actor, unit_grant_id=grant.pk)
        assert snapshot() != before
        return
    with pytest.raises(PermissionDenied):
        services.person_role_revoke(person_id=world.supervisor.pk, actor=actor, unit_grant_id=grant.pk)
    assert snapshot() == before


# --- the pages ----------------------------------------------------------------------------
def test_the_people_list_searches_filters_and_pages_in_few_queries(scene, client, django_assert_max_num_queries):
    world = scene.world
    for n in range(30):
        services.person_add(username=f"canbo{n:02d}", full_name=f"Trần Văn Số{n:02d}", unit_id=world.district.pk,
                            actor=world.administrator, email=f"canbo{n:02d}@example.vn")
    client.force_login(world.administrator)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("administration:people"))
    searched = client.get(reverse("administration:people"), {"q": "Số07"})
    in_district = client.get(reverse("administration:people"), {"unit": world.other_district.pk})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30 + 6  # and the world's six, placed in its units
    assert len(response.context["rows"]) == 25
    assert [row.username for row in searched.context["rows"]] == ["canbo07"]
    assert [row.username for row in in_district.context["rows"]] == ["other_supervisor"]
    # the other province's people are not listed
    assert "far_officer" not in response.content.decode()


def test_the_person_page_lists_every_role_with_who_granted_it_when(scene, client):
    world = scene.world
    at = dt.datetime(2026, 9, 7, 8, 30, tzinfo=dt.UTC)
    with clock.travel_to(at):
        services.person_role_grant(person_id=world.officer.pk, actor=world.administrator, role=Role.MANAGER,
                                   unit_id=world.province.pk)
    client.force_login(world.administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("administration:person", args=[world.officer.pk]))

    assert response.status_code == 200
    roles = [(r.role, r.where, r.granted_by, r.granted_at, r.can_revoke) for r in response.context["roles"]]
    group_grant = WorkingGroupUserObjectPermission.objects.get(user=world.officer)
    assert roles == [("manager", world.province.name, "Đỗ Thị Phương", at, True),
                     ("officer", f"Tổ công tác số 1 — {world.district.name}", world.admin.get_full_name(),
                      group_grant.granted_at, True)]
    assert response.context["leads"] == ("Tổ công tác số 1",)
    rows = [(row.at, row.actor, row.action, row.summary, row.changes) for row in response.context["history_rows"]]
    assert (at, "Đỗ Thị Phương", "Role granted", f"{world.officer.get_full_name()}: manager of “{world.province.name}”",
            (("role", "—", "manager"), ("unit", "—", world.province.name))) in rows


def test_creating_an_account_on_the_page_invites_by_default(scene, client):
    world = scene.world
    client.force_login(world.administrator)
    page = client.get(reverse("administration:person_create"))
    assert page.context["form"]["invite"].value() is True

    response = client.post(reverse("administration:person_create"), {
        "full_name": "Lê Văn Hùng", "username": "canbo.moi", "email": "hung@example.vn", "phone": "",
        "position": "", "unit": world.district.pk, "invite": "on"})

    person = User.objects.get(username="canbo.moi")
    assert response.status_code == 302 and response["Location"] == reverse("administration:person", args=[person.pk])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hung@example.vn"]


def test_the_grant_form_shows_the_services_refusal_on_the_person_page(scene, client):
    world = scene.world
    client.force_login(world.administrator)

    response = client.post(reverse("administration:role_grant", args=[world.officer.pk]),
                           {"role": Role.SUPERVISOR.value})

    assert response.status_code == 400
    assert response.context["grant_form"].errors == {"unit": ["Hãy chọn đơn vị."]}


def test_people_without_a_password_yet_are_found_by_their_status(scene, client):
    world = scene.world
    add_officer(world)
    client.force_login(world.administrator)

    response = client.get(reverse("administration:people"), {"status": "invited"})

    assert [row.username for row in response.context["rows"]] == ["canbo.moi"]


def test_a_staff_account_made_in_django_admin_without_a_unit_is_kept_by_the_superuser_alone(scene, client):
    loose = UserFactory(username="loose")
    client.force_login(scene.world.administrator)

    response = client.get(reverse("administration:person", args=[loose.pk]))

    assert response.status_code == 404
