"""Units (issue 14, item 2): the administrators of a subtree create child
units, rename them and change their kind, move them, and close them into a
successor through a confirmation page; the tree marks closed units with
their successor; a unit's page shows its history, page by page."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from tests.administration.staff import ROLES, build_scene, history, snapshot
from workflows.administration import services
from workflows.core import clock
from workflows.organisation import services as org
from workflows.organisation.models import ChangeAction, Unit, UnitKind


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def scene(world):
    return build_scene(world)


def kind(code: str) -> UnitKind:
    return UnitKind.objects.get(code=code)


def add_zone(world, actor=None) -> Unit:
    return services.unit_add(parent_id=world.district.pk, name="Công đoàn Khu công nghiệp VSIP", code="kcn-vsip",
                             kind_id=kind("industrial_zone_union").pk, actor=actor or world.administrator)


# --- writes and their history ------------------------------------------------------------------------
def test_creating_a_child_unit_is_in_its_history(scene):
    world = scene.world

    zone = add_zone(world)

    assert (Unit.objects.get_parent(zone), zone.code, zone.kind.code, zone.is_active) == (
        world.district, "kcn-vsip", "industrial_zone_union", True)
    assert Unit.objects.get(pk=zone.pk).search_name == "cong doan khu cong nghiep vsip"  # the picker's search
    assert history(unit=zone) == [
        ("administrator", ChangeAction.UNIT_CREATED, "Unit “Công đoàn Khu công nghiệp VSIP” created", {},
         {"name": "Công đoàn Khu công nghiệp VSIP", "code": "kcn-vsip", "kind": kind("industrial_zone_union").name,
          "parent": world.district.name})]


def test_renaming_and_changing_the_kind_keep_before_and_after(scene):
    world = scene.world
    zone = add_zone(world)

    services.unit_change(unit_id=zone.pk, name="Công đoàn KCN VSIP Bắc Ninh", kind_id=kind("district_federation").pk,
                         actor=world.administrator)

    assert Unit.objects.get(pk=zone.pk).search_name == "cong doan kcn vsip bac ninh"
    assert history(unit=zone)[-1] == (
        "administrator", ChangeAction.UNIT_RENAMED,
        "“Công đoàn Khu công nghiệp VSIP” renamed “Công đoàn KCN VSIP Bắc Ninh”",
        {"name": "Công đoàn Khu công nghiệp VSIP", "kind": kind("industrial_zone_union").name},
        {"name": "Công đoàn KCN VSIP Bắc Ninh", "kind": kind("district_federation").name})


def test_moving_a_unit_takes_its_subtree_and_says_where_from(scene):
    world = scene.world
    zone = add_zone(world)

    org.unit_move(unit_id=zone.pk, parent_id=world.other_district.pk, actor=world.administrator)

    zone = Unit.objects.get(pk=zone.pk)
    assert Unit.objects.get_parent(zone) == world.other_district
    assert history(unit=zone)[-1] == (
        "administrator", ChangeAction.UNIT_MOVED,
        f"Moved from “{world.district.name}” to “{world.other_district.name}”",
        {"parent": world.district.name}, {"parent": world.other_district.name})


def test_a_unit_does_not_move_under_itself(scene):
    world = scene.world
    zone = add_zone(world)
    before = snapshot()

    with pytest.raises(ValidationError):
        org.unit_move(unit_id=world.district.pk, parent_id=zone.pk, actor=world.administrator)

    assert snapshot() == before


def test_a_code_is_unique(scene):
    world = scene.world
    add_zone(world)
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        add_zone(world)

    assert refused.value.messages == ["A unit with the code “kcn-vsip” already exists."]
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES[1:])
def test_only_the_administrators_of_the_subtree_create_rename_and_move_units(scene, role):
    world, actor = scene.world, scene.user(role)
    allowed = role == "administrator"
    zone = add_zone(world, actor=world.admin)
    before = snapshot()
    calls = [
        lambda: services.unit_add(parent_id=world.district.pk, name="Công đoàn KCN Quế Võ", code="kcn-que-vo",
                                  kind_id=kind("industrial_zone_union").pk, actor=actor),
        lambda: services.unit_change(unit_id=world.district.pk, name="LĐLĐ khu vực Từ Sơn mới",
                                     kind_id=kind("district_federation").pk, actor=actor),
        lambda: org.unit_move(unit_id=zone.pk, parent_id=world.other_district.pk, actor=actor),
    ]

    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()

    assert (snapshot() == before) is not allowed


def test_an_administrator_of_a_district_does_not_move_it_out_of_their_reach(scene):
    world = scene.world
    org.unit_role_grant(unit=world.district, user=world.supervisor, role="administer_unit", actor=world.admin)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        org.unit_move(unit_id=world.district.pk, parent_id=world.other_district.pk, actor=world.supervisor)

    assert snapshot() == before


# --- pages ---------------------------------------------------------------------------------------
def test_the_tree_marks_closed_units_with_their_successor(scene, client, django_assert_max_num_queries):
    world = scene.world
    client.force_login(world.administrator)
    client.post(reverse("administration:unit_close", args=[world.district.pk]), {
        "successor": world.other_district.pk, "on": clock.today().strftime("%d/%m/%Y"), "confirmed": "1"})

    with django_assert_max_num_queries(8):
        response = client.get(reverse("administration:units"))

    rows = [(row.unit.name, row.depth, row.closed, row.unit.successor.name if row.unit.successor else "",
             row.unit.closed_on) for row in response.context["rows"]]
    assert rows == [
        (world.province.name, 0, False, "", None),
        (world.district.name, 1, True, world.other_district.name, clock.today()),
        (world.other_district.name, 1, False, "", None),
    ]
    assert "far" not in response.content.decode().lower()


def test_closing_asks_for_confirmation_with_what_will_move(scene, client):
    world = scene.world
    client.force_login(world.administrator)
    today = clock.today().strftime("%d/%m/%Y")

    form = client.get(reverse("administration:unit_close", args=[world.district.pk]))
    preview = client.post(reverse("administration:unit_close", args=[world.district.pk]),
                          {"successor": world.other_district.pk, "on": today})
    before = snapshot()
    done = client.post(reverse("administration:unit_close", args=[world.district.pk]),
                       {"successor": world.other_district.pk, "on": today, "confirmed": "1"})

    assert form.status_code == 200
    assert world.district.pk not in [pk for pk, _name in form.context["form"].fields["successor"].choices if pk]
    counts = preview.context["preview"]
    assert (counts.enterprises, counts.campaigns, counts.working_groups, counts.people, counts.refusals) == (
        1, 0, 2, 3, ())
    assert done.status_code == 302
    assert snapshot() != before
    district = Unit.objects.get(pk=world.district.pk)
    assert (district.is_active, district.successor, district.closed_on) == (False, world.other_district,
                                                                            clock.today())


def test_the_unit_page_shows_its_history_page_by_page(scene, client):
    world = scene.world
    zone = add_zone(world)
    for n in range(24):
        services.unit_change(unit_id=zone.pk, name=f"Công đoàn KCN số {n}", kind_id=kind("industrial_zone_union").pk,
                             actor=world.administrator)
    client.force_login(world.administrator)

    first = client.get(reverse("administration:unit", args=[zone.pk]))
    second = client.get(reverse("administration:unit", args=[zone.pk]), {"page": 2})

    assert first.status_code == 200
    assert [row.summary for row in first.context["history_rows"]][:2] == [
        "“Công đoàn KCN số 22” renamed “Công đoàn KCN số 23”", "“Công đoàn KCN số 21” renamed “Công đoàn KCN số 22”"]
    assert len(first.context["history_rows"]) == 20
    assert [row.summary for row in second.context["history_rows"]][-1] == (
        "Unit “Công đoàn Khu công nghiệp VSIP” created")
    assert len(second.context["history_rows"]) == 5


def test_the_unit_page_lists_its_groups_people_and_roles(scene, client):
    world = scene.world
    client.force_login(world.administrator)

    response = client.get(reverse("administration:unit", args=[world.district.pk]))

    assert [g.name for g in response.context["groups"]] == ["Tổ công tác số 1", "Tổ công tác số 2"]
    assert response.context["people_count"] == 3
    assert [(r.person, r.role) for r in response.context["roles"]] == [(world.supervisor.get_full_name(),
                                                                         "giám sát")]
    assert (response.context["can_move"], response.context["can_close"]) == (True, True)


def test_a_new_child_unit_through_its_page(scene, client):
    world = scene.world
    client.force_login(world.administrator)

    response = client.post(reverse("administration:unit_create", args=[world.district.pk]), {
        "name": "Công đoàn KCN Tiên Sơn", "code": "kcn-tien-son", "kind": kind("industrial_zone_union").pk})

    zone = Unit.objects.get(code="kcn-tien-son")
    assert response.status_code == 302 and response["Location"] == reverse("administration:unit", args=[zone.pk])
    assert Unit.objects.get_parent(zone) == world.district
