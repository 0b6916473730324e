"""The administration screens (issue 14): who opens which page, and who may
post to it. Everyone else gets a 404 (a forbidden object looks missing) and
nothing is written. The menu's "Quản trị" entry opens the home for the
administrators and the staff who keep reference data; every link on it opens."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from tests import factories
from tests.administration.staff import ROLES, build_scene, snapshot
from tests.pages import links_of
from workflows.administration import services
from workflows.core import clock
from workflows.organisation.models import UnitKind, UnitUserObjectPermission

ADMINISTRATORS = {"administrator"}
GROUP_MANAGERS = {"administrator", "supervisor"}


@pytest.fixture
def scene(world):
    return build_scene(world)


# --- who opens which page --------------------------------------------------------------------
EVERY_ADMINISTRATOR = {"administrator", "far_administrator"}
EVERY_GROUP_MANAGER = EVERY_ADMINISTRATOR | {"supervisor", "other_supervisor"}
PAGES = [
    ("administration:home", lambda s: [], EVERY_ADMINISTRATOR),
    ("administration:people", lambda s: [], EVERY_ADMINISTRATOR),
    ("administration:person_create", lambda s: [], EVERY_ADMINISTRATOR),
    ("administration:person", lambda s: [s.world.officer.pk], ADMINISTRATORS),
    ("administration:person_edit", lambda s: [s.world.officer.pk], ADMINISTRATORS),
    ("administration:person_deactivate", lambda s: [s.world.officer.pk], ADMINISTRATORS),
    ("administration:groups", lambda s: [], EVERY_GROUP_MANAGER),
    ("administration:group_create", lambda s: [], EVERY_GROUP_MANAGER),
    ("administration:group", lambda s: [s.world.group.pk], GROUP_MANAGERS),
    ("administration:group_close", lambda s: [s.world.group.pk], GROUP_MANAGERS),
    ("administration:units", lambda s: [], EVERY_ADMINISTRATOR),
    ("administration:unit", lambda s: [s.world.district.pk], ADMINISTRATORS),
    ("administration:unit_create", lambda s: [s.world.district.pk], ADMINISTRATORS),
    ("administration:unit_edit", lambda s: [s.world.district.pk], ADMINISTRATORS),
    ("administration:unit_move", lambda s: [s.world.district.pk], ADMINISTRATORS),
    ("administration:unit_close", lambda s: [s.world.district.pk], ADMINISTRATORS),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_page_opens_for_exactly_its_roles(scene, client, role):
    user = scene.user(role)
    if user:
        client.force_login(user)

    answers = {name: client.get(reverse(name, args=args(scene))).status_code for name, args, _allowed in PAGES}

    expected = {name: (302 if role == "anonymous" else 200 if role in allowed else 404)
                for name, _args, allowed in PAGES}
    assert answers == expected


# --- who may post ------------------------------------------------------------------------------
def _zone(scene):
    return services.unit_add(parent_id=scene.world.district.pk, name="Công đoàn KCN VSIP", code="kcn-vsip",
                             kind_id=UnitKind.objects.get(code="industrial_zone_union").pk, actor=scene.world.admin)


def _supervisor_grant(scene):
    return UnitUserObjectPermission.objects.get(user=scene.world.supervisor).pk


# (url name, object builder, POST data builder, roles allowed)
ACTIONS = [
    ("administration:person_create", None, lambda s: {
        "full_name": "Lê Văn Hùng", "username": "canbo.moi", "email": "hung@example.vn", "unit": s.world.district.pk,
        "invite": "on"}, ADMINISTRATORS),
    ("administration:person_edit", lambda s: s.world.officer.pk, lambda s: {
        "full_name": "Nguyễn Văn Mới", "email": "moi@example.vn", "unit": s.world.district.pk}, ADMINISTRATORS),
    ("administration:person_invite", lambda s: s.world.officer.pk, lambda s: {}, ADMINISTRATORS),
    ("administration:role_grant", lambda s: s.world.officer.pk, lambda s: {
        "role": "oversee_unit", "unit": s.world.province.pk}, ADMINISTRATORS),
    ("administration:role_revoke", lambda s: s.world.supervisor.pk, lambda s: {
        "unit_grant": _supervisor_grant(s)}, ADMINISTRATORS),
    ("administration:person_deactivate", lambda s: s.world.other_officer.pk, lambda s: {"receiver": "queues"},
     ADMINISTRATORS),
    ("administration:group_create", None, lambda s: {"unit": s.world.district.pk, "name": "Tổ công tác số 3"},
     GROUP_MANAGERS),
    ("administration:group_rename", lambda s: s.world.group.pk, lambda s: {"name": "Tổ công tác Từ Sơn"},
     GROUP_MANAGERS),
    ("administration:member_add", lambda s: s.world.group.pk, lambda s: {"person": s.world.other_officer.pk},
     GROUP_MANAGERS),
    ("administration:member_remove", lambda s: s.world.group.pk, lambda s: {"person": s.world.officer.pk},
     GROUP_MANAGERS),
    ("administration:group_leader", lambda s: s.world.group.pk, lambda s: {"leader": ""}, GROUP_MANAGERS),
    ("administration:group_close", lambda s: s.world.other_group.pk, lambda s: {"to_group": "none"},
     GROUP_MANAGERS),
    ("administration:unit_create", lambda s: s.world.district.pk, lambda s: {
        "name": "Công đoàn KCN Tiên Sơn", "code": "kcn-tien-son",
        "kind": UnitKind.objects.get(code="industrial_zone_union").pk}, ADMINISTRATORS),
    ("administration:unit_edit", lambda s: s.world.district.pk, lambda s: {
        "name": "LĐLĐ khu vực Từ Sơn", "kind": s.world.district.kind_id}, ADMINISTRATORS),
    ("administration:unit_move", lambda s: _zone(s).pk, lambda s: {"parent": s.world.other_district.pk},
     ADMINISTRATORS),
    ("administration:unit_close", lambda s: s.world.district.pk, lambda s: {
        "successor": s.world.other_district.pk, "on": clock.today().strftime("%d/%m/%Y"), "confirmed": "1"},
     ADMINISTRATORS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,target,data,allowed", ACTIONS, ids=[a[0].split(":")[1] for a in ACTIONS])
def test_each_action_is_taken_by_exactly_its_roles_and_writes_nothing_otherwise(scene, client, role, name, target,
                                                                                data, allowed):
    user = scene.user(role)
    if user:
        client.force_login(user)
    url = reverse(name, args=[target(scene)] if target else [])
    before = snapshot()

    response = client.post(url, data(scene))

    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert snapshot() == before
    elif role in allowed:
        assert response.status_code == 302, (response.status_code, response.content[:800])
        assert snapshot() != before
    else:
        # a creation page the user may open refuses the unit they may not choose; any other answers 404
        opens_page = target is None and role in (EVERY_ADMINISTRATOR if allowed == ADMINISTRATORS
                                                 else EVERY_GROUP_MANAGER)
        assert response.status_code == (400 if opens_page else 404)
        assert snapshot() == before
        assert mail.outbox == []


def test_state_changes_refuse_get(scene, client):
    client.force_login(scene.world.administrator)
    officer = scene.world.officer.pk
    for url in [reverse("administration:person_invite", args=[officer]),
                reverse("administration:role_grant", args=[officer]),
                reverse("administration:role_revoke", args=[officer]),
                reverse("administration:person_reactivate", args=[officer]),
                reverse("administration:member_add", args=[scene.world.group.pk])]:
        assert client.get(url).status_code == 405


# --- the menu and the home ----------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES[1:] + ["admin", "staff"])
def test_the_menu_leads_administrators_and_staff_to_the_home(scene, client, role):
    if role == "staff":
        user = factories.UserFactory(username="clerk", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename="view_ruleset"))
    else:
        user = scene.world.admin if role == "admin" else scene.user(role)
    client.force_login(user)

    menu = links_of(client.get(reverse("notifications:list"))).menu

    home = reverse("administration:home")
    assert (home in menu) is (role in {"administrator", "far_administrator", "admin", "staff"})


def test_every_link_of_the_home_opens_for_the_administrator(scene, client):
    client.force_login(scene.world.administrator)

    home = client.get(reverse("administration:home"))

    links = set(links_of(home).links)
    assert {reverse("administration:units"), reverse("administration:people"),
            reverse("administration:groups")} <= links
    answers = {url: client.get(url, follow=True).status_code for url in links}
    assert answers == dict.fromkeys(answers, 200)
    assert not [url for url in links if url.startswith("/admin/")]  # Django admin is the staff's


def test_the_home_of_a_staff_account_lists_the_django_admin_lists_it_may_open(scene, client):
    clerk = factories.UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename="view_ruleset"))
    client.force_login(clerk)

    home = client.get("/", follow=True)

    assert [url for url, _status in home.redirect_chain] == [reverse("administration:home")]
    assert [url for url in links_of(home).links if url.startswith("/admin/")] == [
        reverse("admin:campaigns_ruleset_changelist"), reverse("admin:index")]


def test_the_old_administration_address_leads_to_the_home(scene, client):
    client.force_login(scene.world.administrator)

    response = client.get(reverse("organisation:administration"))

    assert (response.status_code, response["Location"]) == (302, reverse("administration:home"))


def test_a_supervisor_reaches_the_groups_from_the_workload_page_not_the_home(scene, client):
    client.force_login(scene.world.supervisor)

    assert client.get(reverse("administration:home")).status_code == 404
    assert reverse("administration:groups") in links_of(client.get(reverse("organisation:groups"))).links


# --- every link the administration pages show opens -------------------------------------------
class _AllLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href", "")
        if tag == "a" and href.startswith("/administration/") and not href.startswith(
                ("/administration/reference/", "/administration/import/")):
            self.links.append(href.split("#")[0])


@pytest.mark.parametrize("role", ["administrator", "supervisor"])
def test_every_administration_link_shown_opens(scene, client, role):
    # given: open work, a closed group, a closed unit and a deactivated person
    world = scene.world
    from tests.conftest import campaign_at
    from workflows.campaigns.flows import Stage

    campaign_at(world, Stage.SURVEYED)
    zone = _zone(scene)
    services.working_group_add(unit_id=zone.pk, name="Tổ KCN", actor=world.admin)
    services.working_group_close(group_id=world.other_group.pk, actor=world.admin, to_group_id=None)
    services.person_deactivate(person_id=world.other_officer.pk, actor=world.admin, receiver_id=None)
    from workflows.administration.closing import unit_close

    unit_close(unit_id=zone.pk, successor_id=world.district.pk, actor=world.admin)
    client.force_login(scene.user(role))

    # when: every administration link reachable from the home (or the groups list) is opened
    start = reverse("administration:home" if role == "administrator" else "administration:groups")
    seen, queue, answers = {start}, [start], {}
    while queue and len(answers) < 200:
        url = queue.pop(0)
        response = client.get(url)
        answers[url] = response.status_code
        parser = _AllLinks()
        parser.feed(response.content.decode())
        for link in parser.links:
            if link not in seen:
                seen.add(link)
                queue.append(link)

    # then
    assert len(answers) > (20 if role == "administrator" else 3)
    assert {url: status for url, status in answers.items() if status != 200} == {}
