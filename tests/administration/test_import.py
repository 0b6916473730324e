"""Importing the organisation from the template (issue 14, item 6): the
template round trip, the check's verdicts per row with their reasons, the
file of rows with their errors, nothing written before the confirmation
(and nothing at all from a file with an error), the same file again
changing nothing, progress on a large file, hostile files refused with a
reason, who may import; the jobs run through django-q2's own worker code
(its sync mode, and once a real ``qcluster`` process)."""
from __future__ import annotations

import ast
import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_q.conf import Conf
from openpyxl import Workbook

from tests.administration.org_sheets import (
    PEOPLE_HEADERS,
    UNIT_HEADERS,
    organisation_workbook,
    province_organisation,
    template_filled,
    workbook_fonts,
    workbook_rows,
)
from tests.administration.staff import build_scene, snapshot
from tests.conftest import build_world
from tests.enterprises.test_import_kill import wait_for, worker_environment
from tests.factories import UserFactory
from workflows.administration import import_sheets, imports
from workflows.administration.models import ImportStatus, OrganisationImport, OrganisationImportProgress
from workflows.core import clock, workbooks
from workflows.core.errors import Conflict
from workflows.core.workbooks import SpreadsheetRefused
from workflows.organisation import services as org
from workflows.organisation.models import (
    ChangeAction,
    ChangeRecord,
    Profile,
    Unit,
    UnitKind,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import Role

User = get_user_model()
TODAY = dt.date(2026, 6, 1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def english_on_a_known_day(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"), clock.travel_to(TODAY):
        yield


@pytest.fixture
def scene(world):
    return build_scene(world)


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Run what the services queue after commit: django-q2 (sync in the
    tests) runs each job through its worker code, in this process."""
    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = service(**kwargs)
        return OrganisationImport.objects.get(pk=result.pk)
    return run


def checked(jobs, world, data: bytes, *, actor=None, unit=None, name="to-chuc.xlsx") -> OrganisationImport:
    """Upload ``data`` and let the check job run."""
    return jobs(imports.organisation_import_upload, actor=actor or world.administrator, unit=unit or world.province,
                file_name=name, content=data)


def written(jobs, run: OrganisationImport, *, actor=None, invite=False) -> OrganisationImport:
    """Confirm ``run`` and let the write job run."""
    return jobs(imports.organisation_import_confirm, import_id=run.pk, actor=actor or run.created_by, invite=invite,
                base_url="http://testserver/")


def rows_of(run: OrganisationImport, outcome: str | None = None) -> list[tuple]:
    """(sheet, row, outcome, messages) of the check's verdicts."""
    stored = OrganisationImport.objects.get(pk=run.pk).rows
    return [(r["sheet"], r["row"], r["outcome"], [tuple(m) for m in r["messages"]]) for r in stored
            if outcome is None or r["outcome"] == outcome]


def errors_of(run: OrganisationImport) -> dict[tuple[str, int], list[tuple[str, str]]]:
    return {(sheet, row): messages for sheet, row, _outcome, messages in rows_of(run, "error")}


def counts(run: OrganisationImport) -> tuple[int, int, int, int]:
    return run.created, run.updated, run.unchanged, run.errors


def unit_rows(*rows):
    return list(rows)


def person(username, unit, *, name=None, email=None, role="", group="", until="", phone="", position=""):
    return (username, name if name is not None else f"Nguyễn Văn {username.title()}",
            email if email is not None else f"{username}@example.vn", phone, position, unit, group, role, until)


# --- the template round trip ---------------------------------------------------------------
def test_the_template_round_trip_imports_a_province_of_10_units_40_people_and_6_groups(client, scene, jobs,
                                                                                       django_capture_on_commit_callbacks):
    world = scene.world
    client.force_login(world.administrator)
    start = client.get(reverse("administration:import_start"))
    template = client.get(reverse("administration:import_template"))
    assert start.status_code == 200 and reverse("administration:import_template") in start.content.decode()
    assert template.status_code == 200
    assert template["Content-Disposition"] == 'attachment; filename="organisation-template.xlsx"'
    units, people = province_organisation(world.province.code)
    data = template_filled(b"".join(template.streaming_content), units, people)
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("administration:import_start"), {
            "file": SimpleUploadedFile("to-chuc.xlsx", data), "unit": world.province.pk})
    run = OrganisationImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("administration:import_batch",
                                                                            args=[run.pk])
    assert (run.status, counts(run)) == (ImportStatus.CHECKED, (51, 0, 0, 0))
    assert run.plan == {"units_created": 10, "units_updated": 0, "groups_created": 6, "people_created": 40,
                        "people_updated": 0, "roles_granted": 7, "members_added": 34, "leaders_set": 6,
                        "invitable": 38}
    page = client.get(response["Location"]).content.decode()
    assert "Confirm: write 51 new and 0 changed rows" in page and "Accounts to create: <strong>40</strong>" in page
    assert snapshot() == before  # nothing written by the check

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("administration:import_confirm", args=[run.pk]))
    run.refresh_from_db()

    assert confirmed.status_code == 302
    assert run.status == ImportStatus.COMMITTED and run.content == b""
    assert run.result == {key: value for key, value in run.plan.items() if key != "invitable"}
    new_units = Unit.objects.filter(path__startswith=world.province.path).exclude(
        pk__in=[world.province.pk, world.district.pk, world.other_district.pk])
    assert new_units.count() == 10
    tree = {u.code: Unit.objects.get(path=u.path[:-Unit.steplen]).code for u in new_units}
    assert tree == {"kv-bac": world.province.code, "kv-nam": world.province.code, "cd-kcn": world.province.code,
                    "cd-nganh-giao-duc": world.province.code, "cd-kcn-que-vo": "cd-kcn",
                    "cdcs-may-hoa-binh": "kv-bac", "cdcs-may-thang-long": "kv-bac", "cdcs-dien-tu-samsung": "cd-kcn",
                    "cdcs-co-khi-dong-anh": "cd-kcn-que-vo", "cdcs-truong-thpt-ly-thai-to": "cd-nganh-giao-duc"}
    assert dict(new_units.values_list("code", "kind__code"))["cd-kcn"] == "industrial_zone_union"
    accounts = User.objects.filter(username__startswith="cb")
    assert accounts.count() == 40
    assert not any(user.has_usable_password() for user in accounts)
    assert sorted(UnitUserObjectPermission.objects.filter(user__in=accounts).values_list(
        "user__username", "content_object__code", "permission__codename")) == [
        ("cb00.an", "kv-bac", Role.ADMINISTRATOR), ("cb01.binh", "kv-bac", Role.SUPERVISOR),
        ("cb02.chi", "kv-nam", Role.SUPERVISOR), ("cb03.dung", "cd-kcn", Role.SUPERVISOR),
        ("cb04.giang", "cd-nganh-giao-duc", Role.SUPERVISOR), ("cb05.ha", world.province.code, Role.MANAGER),
        ("cb06.hai", "kv-nam", Role.MANAGER)]
    groups = WorkingGroup.objects.filter(unit__in=new_units).select_related("unit", "leader")
    assert sorted((g.unit.code, g.name, g.leader.username) for g in groups) == [
        ("cd-kcn", "Tổ vận động Khu công nghiệp", "cb25.nga"), ("cd-kcn-que-vo", "Tổ công tác Quế Võ", "cb30.uyen"),
        ("cd-nganh-giao-duc", "Tổ công tác Giáo dục", "cb35.diep"), ("kv-bac", "Tổ công tác số 1", "cb07.hoa"),
        ("kv-bac", "Tổ công tác số 2", "cb13.nam"), ("kv-nam", "Tổ công tác phía Nam", "cb19.trung")]
    members = WorkingGroupUserObjectPermission.objects.filter(content_object__in=groups)
    assert members.count() == 34
    assert sorted(members.filter(content_object__name="Tổ công tác số 1").values_list("user__username", flat=True)) == [
        "cb01.binh", "cb07.hoa", "cb08.hung", "cb09.lan", "cb10.linh", "cb11.long", "cb12.mai"]
    assert sorted(Profile.objects.filter(is_collaborator=True).values_list("user__username", "access_until")) == [
        ("cb11.long", dt.date(2099, 12, 31)), ("cb29.thang", dt.date(2099, 12, 31))]
    assert Profile.objects.get(user__username="cb01.binh").unit.code == "kv-bac"
    assert list(accounts.filter(email="").order_by("username").values_list("username", flat=True)) == [
        "cb17.tam", "cb33.bao"]
    imported = ChangeRecord.objects.get(action=ChangeAction.IMPORTED)
    assert (imported.actor, imported.unit, imported.summary) == (
        world.administrator, world.province,
        "Organisation imported from “to-chuc.xlsx”: 10 unit(s) created, 40 account(s) created, 6 working group(s) "
        "created, 41 role(s) granted")
    result = client.get(reverse("administration:import_batch", args=[run.pk])).content.decode()
    assert "Accounts created: <strong>40</strong>" in result and "import_confirm" not in result


def test_the_same_file_again_changes_nothing(scene, jobs):
    world = scene.world
    data = organisation_workbook(*province_organisation(world.province.code))
    written(jobs, checked(jobs, world, data))
    before = snapshot()

    again = checked(jobs, world, data)

    assert counts(again) == (0, 0, 51, 0)
    assert again.plan == {"units_created": 0, "units_updated": 0, "groups_created": 0, "people_created": 0,
                          "people_updated": 0, "roles_granted": 0, "members_added": 0, "leaders_set": 0,
                          "invitable": 0}
    with pytest.raises(ValidationError) as refused:
        imports.organisation_import_confirm(import_id=again.pk, actor=world.administrator)
    assert refused.value.messages == ["Everything in the file is already in place: there is nothing to write."]
    assert snapshot() == before


def test_a_new_name_renames_a_unit_and_new_details_update_an_account(scene, jobs):
    world = scene.world
    units = [("kv-bac", "LĐLĐ khu vực phía Bắc", "", "district_federation")]
    people = [person("lan", "kv-bac", name="Trần Thị Lan", phone="0912345678")]
    written(jobs, checked(jobs, world, organisation_workbook(units, people)))
    units = [("kv-bac", "Liên đoàn Lao động khu vực Bắc Ninh", "", "Corporate union")]
    people = [person("LAN", "tu-son", name="Trần Thị Lan", phone="0987 654 321", position="Chánh Văn phòng")]

    run = checked(jobs, world, organisation_workbook(units, people))

    assert counts(run) == (0, 2, 0, 0)
    assert [(r["sheet"], r["notes"]) for r in OrganisationImport.objects.get(pk=run.pk).rows] == [
        ("units", ["Name: LĐLĐ khu vực phía Bắc → Liên đoàn Lao động khu vực Bắc Ninh",
                   "Kind: Liên đoàn Lao động cấp huyện, khu vực → Công đoàn tổng công ty"]),
        # the user name in another case is the same account; "tu-son" is the world's district
        ("people", ["Phone: 0912345678 → 0987654321", "Position: — → Chánh Văn phòng",
                    "Unit: Liên đoàn Lao động khu vực Bắc Ninh → Liên đoàn Lao động khu vực Từ Sơn"])]
    written(jobs, run)
    unit = Unit.objects.get(code="kv-bac")
    lan = User.objects.get(username="lan")
    assert (unit.name, unit.search_name, unit.kind.code) == (
        "Liên đoàn Lao động khu vực Bắc Ninh", "lien doan lao dong khu vuc bac ninh", "corporate_union")
    assert (lan.profile.phone, lan.profile.position, lan.profile.unit) == ("0987654321", "Chánh Văn phòng",
                                                                          world.district)


def test_the_unit_imported_under_may_be_listed_in_its_own_file_but_not_moved(scene, jobs):
    world = scene.world
    code = world.province.code

    same = checked(jobs, world, organisation_workbook([(code, world.province.name, "", "provincial_federation"),
                                                       ("kv-bac", "Khu vực Bắc", code, "district_federation")], []))
    moved = checked(jobs, world, organisation_workbook([(code, world.province.name, "tu-son", "")], []))

    assert counts(same) == (1, 0, 1, 0)
    assert errors_of(moved) == {("units", 2): [("Parent unit code", "“Liên đoàn Lao động tỉnh Bắc Ninh” is the unit "
                                                                   "you import under: the import does not move it. "
                                                                   "Leave its parent empty.")]}


# --- the check's verdicts per row -----------------------------------------------------------
BAD_UNITS = [
    (("", "Không mã", "", "grassroots"), [("Unit code", "The unit code is missing.")]),
    (("co-ma", "", "", "grassroots"), [("Unit name", "The unit name is missing.")]),
    (("!!!", "Dấu", "", "grassroots"), [("Unit code", "“!!!” is not a unit code: use letters, digits and hyphens.")]),
    (("moi", "Đơn vị mới", "", ""), [("Unit kind", "A new unit needs its kind. Write one of: {kinds}.")]),
    (("moi", "Đơn vị mới", "", "Huyện ủy"), [("Unit kind", "“Huyện ủy” is not a unit kind. Write one of: {kinds}.")]),
    (("moi", "Đơn vị mới", "khong-co", "grassroots"),
     [("Parent unit code", "No unit has the code “khong-co”: add it to the sheet “Units”, or correct the code.")]),
    (("moi", "Đơn vị mới", "ca-mau", "grassroots"),
     [("Parent unit code", "The unit “Liên đoàn Lao động tỉnh Cà Mau” is not inside “Liên đoàn Lao động tỉnh Bắc "
                           "Ninh”, the unit you import under.")]),
    (("ca-mau", "Cà Mau", "", "grassroots"),
     [("Unit code", "The code “ca-mau” is already used by a unit outside “Liên đoàn Lao động tỉnh Bắc Ninh”: choose "
                    "another code.")]),
    (("que-vo", "Quế Võ", "tu-son", ""),
     [("Parent unit code", "“Liên đoàn Lao động khu vực Quế Võ” is under “Liên đoàn Lao động tỉnh Bắc Ninh” today: "
                           "the import does not move units. Write “ll-bac-ninh” as its parent, or move it on its "
                           "page first.")]),
    (("vd-cd-kcn", "Công đoàn các Khu công nghiệp (ví dụ)", "", "grassroots"),
     [("", "This is an example row of the template: delete it, or write your own data over it.")]),
    (("moi", "=HYPERLINK(\"http://x.example\",\"bấm\")", "", "grassroots"),
     [("Unit name", "The cell holds a formula (“=HYPERLINK(\"http://x.example\",\"bấm\")”): type the value "
                    "itself.")]),
]


@pytest.mark.parametrize("row, messages", BAD_UNITS, ids=[m[0][1][:40] for _r, m in BAD_UNITS])
def test_a_bad_unit_row_is_refused_with_its_reason(scene, jobs, row, messages):
    world = scene.world
    kinds = "; ".join(f"{k.name} ({k.code})" for k in imports.kinds_read())
    data = organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation"), row], [])
    before = snapshot()

    run = checked(jobs, world, data)

    assert errors_of(run) == {("units", 3): [(c, m.format(kinds=kinds)) for c, m in messages]}
    assert counts(run) == (1, 0, 0, 1)
    assert snapshot() == before


BAD_PEOPLE = [
    (person("", "tu-son", email="a@example.vn"), [("User name", "The user name is missing.")]),
    (person("có dấu cách", "tu-son", email="b@example.vn"),
     [("User name", "“có dấu cách” is not a user name: letters, digits and @ . + - _ only, no spaces.")]),
    (person("moi", "tu-son", name=""), [("Full name", "A new account needs the person's full name.")]),
    (person("moi", "tu-son", email="khong-phai-thu"), [("E-mail", "“khong-phai-thu” is not an e-mail address.")]),
    (person("moi", "tu-son", phone="09-ABC"),
     [("Phone", "“09-ABC” is not a phone number: digits only (and a leading +).")]),
    (person("moi", ""), [("Unit code", "The unit code is missing.")]),
    (person("moi", "khong-co"),
     [("Unit code", "No unit has the code “khong-co”: add it to the sheet “Units”, or correct the code.")]),
    (person("moi", "ca-mau"), [("Unit code", "The unit “Liên đoàn Lao động tỉnh Cà Mau” is not inside “Liên đoàn Lao "
                                             "động tỉnh Bắc Ninh”, the unit you import under.")]),
    (person("moi", "tu-son", role="thủ quỹ"),
     [("Role", "“thủ quỹ” is not a role: write one of administrator, supervisor, manager, officer, leader, "
               "collaborator.")]),
    (person("moi", "tu-son", role="cán bộ"), [("Working group", "Name the working group of this officer.")]),
    (person("moi", "tu-son", role="tổ trưởng"), [("Working group", "Name the working group of this leader.")]),
    (person("moi", "tu-son", role="giám sát", group="Tổ 1"),
     [("Working group", "A supervisor holds the role on the unit: leave the working group empty (give the person "
                        "another row to make them a member of a group).")]),
    (person("moi", "tu-son", role="cộng tác viên", group="Tổ 1"),
     [("Until", "A collaborator needs the date their access ends (dd/mm/yyyy).")]),
    (person("moi", "tu-son", role="cộng tác viên", group="Tổ 1", until="31/05/2026"),
     [("Until", "The end date 31/05/2026 has passed.")]),
    (person("moi", "tu-son", role="cộng tác viên", group="Tổ 1", until="31/13/2026"),
     [("Until", "“31/13/2026” is not a date: write it as dd/mm/yyyy.")]),
    (person("moi", "tu-son", role="giám sát", until="31/12/2026"),
     [("Until", "Only a collaborator has an end date: leave it empty for this role.")]),
    (person("far_officer", "tu-son"),
     [("User name", "The user name “far_officer” is taken by an account you do not administer: choose another user "
                    "name.")]),
    (person("moi", "tu-son", email="officer@example.vn"),
     [("E-mail", "The e-mail address officer@example.vn belongs to the account “officer”: write that user name, or "
                 "another address.")]),
    (person("moi", "tu-son", email="far_officer@example.vn"),
     [("E-mail", "The e-mail address far_officer@example.vn belongs to another account: write another address.")]),
    (person("moi", "tu-son", role="cán bộ", group="Tổ công tác số 1 ", name="=1+2"),
     [("Full name", "The cell holds a formula (“=1+2”): type the value itself."),
      ("Full name", "A new account needs the person's full name.")]),
]


@pytest.mark.parametrize("row, messages", BAD_PEOPLE, ids=[m[0][1][:50] for _r, m in BAD_PEOPLE])
def test_a_bad_person_row_is_refused_with_its_reason(scene, jobs, row, messages):
    world = scene.world
    data = organisation_workbook([], [person("tot", "tu-son", role="giám sát"), row])
    before = snapshot()

    run = checked(jobs, world, data)

    assert errors_of(run) == {("people", 3): messages}
    assert counts(run) == (1, 0, 0, 1)
    assert snapshot() == before


def test_a_deactivated_account_is_refused_until_reactivated(scene, jobs):
    world = scene.world
    org.person_deactivate_mark(person_id=world.officer.pk, actor=world.administrator)

    run = checked(jobs, world, organisation_workbook([], [person("officer", "tu-son", group="Tổ công tác số 1")]))

    assert errors_of(run) == {("people", 2): [("User name", "The account “officer” is deactivated: reactivate it on "
                                                           "the person's page first, or take its rows out.")]}


def test_codes_given_twice_and_parents_in_a_circle_are_errors_of_each_row(scene, jobs):
    world = scene.world
    data = organisation_workbook([
        ("a", "Đơn vị A", "b", "grassroots"), ("b", "Đơn vị B", "c", "district_federation"),
        ("c", "Đơn vị C", "a", "district_federation"), ("d", "Đơn vị D", "a", "grassroots"),
        ("e", "Đơn vị E", "e", "grassroots"), ("f", "Đơn vị F", "", "grassroots"),
        ("F", "Đơn vị F lần hai", "", "grassroots"),
    ], [])

    run = checked(jobs, world, data)

    circle = "The units' parents go round in a circle: {}. One of them must be under a unit outside the circle."
    assert errors_of(run) == {
        ("units", 2): [("Parent unit code", circle.format("a → b → c → a"))],
        ("units", 3): [("Parent unit code", circle.format("b → c → a → b"))],
        ("units", 4): [("Parent unit code", circle.format("c → a → b → c"))],
        ("units", 5): [("Parent unit code", "The unit's parents lead into a circle of units: see the rows with that "
                                            "error.")],
        ("units", 6): [("Parent unit code", "A unit cannot be its own parent.")],
        ("units", 7): [("Unit code", "The code “f” comes more than once in the sheet (rows 7, 8): keep one row.")],
        ("units", 8): [("Unit code", "The code “f” comes more than once in the sheet (rows 7, 8): keep one row.")],
    }


def test_people_rows_agree_with_each_other(scene, jobs):
    world = scene.world
    data = organisation_workbook([], [
        person("lan", "tu-son", role="tổ trưởng", group="Tổ mới"),
        person("lan", "tu-son", name="Tên khác", email="", role="giám sát"),
        person("hoa", "tu-son", role="tổ trưởng", group="tổ mới", email="lan@example.vn"),
        person("ctv", "tu-son", role="cộng tác viên", group="Tổ mới", until="31/12/2026"),
        person("ctv", "tu-son", name="", email="", role="cộng tác viên", group="Tổ công tác số 1", until="30/06/2026"),
    ])

    run = checked(jobs, world, data)

    assert errors_of(run) == {
        ("people", 2): [("Role", "The working group “Tổ mới” has more than one leader in the file (rows 2, 4): keep "
                                 "one.")],
        ("people", 3): [("Full name", "Differs from row 2, which gives this person's details: leave it empty here, "
                                      "or give the same.")],
        ("people", 4): [("E-mail", "The e-mail address lan@example.vn is also given to “lan” (row 2): one address, "
                                   "one account."),
                        ("Role", "The working group “tổ mới” has more than one leader in the file (rows 2, 4): keep "
                                 "one.")],
        ("people", 5): [("Until", "The person's rows give different end dates: give one.")],
        ("people", 6): [("Until", "The person's rows give different end dates: give one.")],
    }


def test_existing_groups_and_grants_are_found_and_new_groups_created_once(scene, jobs):
    world = scene.world
    data = organisation_workbook([], [
        person("officer", "tu-son", name="", email="", group="tổ công tác số 1"),  # already a member
        person("lan", "tu-son", group="Tổ công tác số 1", role="tổ trưởng"),  # takes over the leader
        person("hoa", "tu-son", group="Tổ mới"), person("mai", "tu-son", group="TỔ MỚI"),
        person("supervisor", "tu-son", name="", email="", role="giám sát"),  # already supervisor
    ])

    run = checked(jobs, world, data)

    notes = [r["notes"] for r in OrganisationImport.objects.get(pk=run.pk).rows]
    assert notes == [
        ["Already a member of “Tổ công tác số 1”"],
        ["New account in “Liên đoàn Lao động khu vực Từ Sơn”", "leader of “Tổ công tác số 1”",
         "Leader of “Tổ công tác số 1”"],
        ["New account in “Liên đoàn Lao động khu vực Từ Sơn”",
         "New working group “Tổ mới” in “Liên đoàn Lao động khu vực Từ Sơn”", "officer of “Tổ mới”"],
        ["New account in “Liên đoàn Lao động khu vực Từ Sơn”", "officer of “Tổ mới”"],
        ["Already supervisor of “Liên đoàn Lao động khu vực Từ Sơn”"],
    ]
    assert counts(run) == (3, 0, 2, 0)
    run = written(jobs, run)
    assert run.status == ImportStatus.COMMITTED
    assert WorkingGroup.objects.get(pk=world.group.pk).leader.username == "lan"
    assert sorted(WorkingGroup.objects.get(unit=world.district, name="Tổ mới").user_grants.values_list(
        "user__username", flat=True)) == ["hoa", "mai"]


# --- nothing written until confirmed ----------------------------------------------------------
def test_a_file_with_an_error_cannot_be_confirmed_and_nothing_is_written(client, scene, jobs):
    world = scene.world
    units, people = province_organisation(world.province.code)
    people[3] = person("moi", "khong-co")
    run = checked(jobs, world, organisation_workbook(units, people))
    before = snapshot()
    client.force_login(world.administrator)

    page = client.get(reverse("administration:import_batch", args=[run.pk])).content.decode()
    response = client.post(reverse("administration:import_confirm", args=[run.pk]))

    assert run.errors == 1 and reverse("administration:import_confirm", args=[run.pk]) not in page
    assert reverse("administration:import_errors", args=[run.pk]) in page
    assert response.status_code == 400
    assert ("The file has rows with an error: fix them in the file and upload it again. Nothing was written."
            in response.content.decode())
    assert OrganisationImport.objects.get(pk=run.pk).status == ImportStatus.CHECKED
    assert snapshot() == before


def test_the_file_with_the_errors_holds_every_row_and_imports_again_once_fixed(client, scene, jobs):
    world = scene.world
    data = organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation"),
                                  ("kv-nam", "=1+1", "", "district_federation")],
                                 [person("lan", "kv-bac", phone="0912345678", role="thủ quỹ")])
    run = checked(jobs, world, data)
    client.force_login(world.administrator)

    response = client.get(reverse("administration:import_errors", args=[run.pk]))
    errors = b"".join(response.streaming_content)

    assert response["Content-Disposition"] == 'attachment; filename="to-chuc - errors.xlsx"'
    sheets = workbook_rows(errors)
    assert sheets["Units"] == [
        ("Unit code", "Unit name", "Parent unit code", "Unit kind", "Errors"),
        ("kv-bac", "Khu vực Bắc", None, "district_federation", None),
        ("kv-nam", "'=1+1", None, "district_federation",
         "Unit name: The cell holds a formula (“=1+1”): type the value itself.")]
    assert sheets["People"][1][-1] == ("Role: “thủ quỹ” is not a role: write one of administrator, supervisor, "
                                       "manager, officer, leader, collaborator.")
    assert workbook_fonts(errors, "Units")[1:] == [None, "009C0006"]
    as_it_is = checked(jobs, world, errors)  # the quote in front of "=1+1" keeps it what it was: a formula
    assert errors_of(as_it_is) == errors_of(run)
    fixed = template_filled(errors, [("kv-bac", "Khu vực Bắc", "", "district_federation", None),
                                     ("kv-nam", "Khu vực Nam", "", "district_federation", "Unit name: …")],
                            [person("lan", "kv-bac", phone="0912345678", role="giám sát") + ("Role: …",)])
    again = checked(jobs, world, fixed)
    assert counts(again) == (3, 0, 0, 0)


def test_the_organisation_changing_between_the_check_and_the_write_writes_nothing(scene, jobs):
    world = scene.world
    run = checked(jobs, world, organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation")],
                                                     [person("lan", "kv-bac", role="giám sát")]))
    UserFactory(username="LAN", email="lan@example.vn")  # someone else took the user name meanwhile
    before = snapshot()

    run = written(jobs, run)

    assert run.status == ImportStatus.FAILED
    assert run.failure == ("The organisation changed since the check, and some rows are no longer right: see the rows "
                           "with an error. Nothing was written.")
    assert errors_of(run) == {("people", 2): [("User name", "The user name “lan” is taken by an account you do not "
                                                            "administer: choose another user name.")]}
    assert snapshot() == before


def test_a_write_refused_by_a_service_writes_nothing_and_says_which_row(scene, jobs, monkeypatch):
    world = scene.world
    run = checked(jobs, world, organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation")],
                                                     [person("lan", "kv-bac", role="giám sát")]))
    before = snapshot()

    def refused(**kwargs):
        raise ValidationError("A unit with the code “kv-bac” already exists.")
    monkeypatch.setattr(org, "unit_create", refused)
    run = written(jobs, run)

    assert (run.status, run.failure) == (ImportStatus.FAILED, "Units, row 2: A unit with the code “kv-bac” already "
                                                             "exists. Nothing was written: check the file again.")
    assert snapshot() == before


def test_an_administrator_who_lost_the_role_before_the_write_writes_nothing(scene, jobs,
                                                                           django_capture_on_commit_callbacks):
    world = scene.world
    run = checked(jobs, world, organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation")], []))
    with django_capture_on_commit_callbacks() as queued:  # the write job waits in the queue…
        imports.organisation_import_confirm(import_id=run.pk, actor=world.administrator)
    org.unit_role_revoke(unit=world.province, user=world.administrator, role=Role.ADMINISTRATOR, actor=world.admin)
    before = snapshot()

    queued[0]()

    run.refresh_from_db()
    assert (run.status, run.failure) == (ImportStatus.FAILED, "You no longer administer “Liên đoàn Lao động tỉnh Bắc "
                                                             "Ninh”: nothing was written.")
    assert snapshot() == before


def test_the_write_job_delivered_twice_writes_once(scene, jobs, django_capture_on_commit_callbacks):
    world = scene.world
    run = checked(jobs, world, organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation")], []))
    with django_capture_on_commit_callbacks() as queued:
        imports.organisation_import_confirm(import_id=run.pk, actor=world.administrator)

    queued[0]()
    imports.organisation_import_commit_run(import_id=run.pk)

    assert Unit.objects.filter(code="kv-bac").count() == 1
    assert ChangeRecord.objects.filter(action=ChangeAction.IMPORTED).count() == 1
    with pytest.raises(Conflict, match="already written"):
        imports.organisation_import_confirm(import_id=run.pk, actor=world.administrator)


# --- invitations ------------------------------------------------------------------------------
def test_ticking_invitations_emails_the_new_people_once_the_file_is_written(client, scene, jobs,
                                                                           django_capture_on_commit_callbacks):
    world = scene.world
    run = checked(jobs, world, organisation_workbook([], [
        person("lan", "tu-son", role="giám sát"), person("hoa", "tu-son", email="", group="Tổ công tác số 1"),
        person("officer", "tu-son", name="", email="", role="lãnh đạo")]))
    client.force_login(world.administrator)
    page = client.get(reverse("administration:import_batch", args=[run.pk])).content.decode()
    assert "Send an invitation e-mail" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("administration:import_confirm", args=[run.pk]), {"invite": "on"})

    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    assert [message.to for message in mail.outbox] == [["lan@example.vn"]]
    assert "http://testserver/" in mail.outbox[0].body
    assert (run.result["invited"], run.result["not_invited"]) == (1, [["hoa", "no e-mail address"]])
    assert ChangeRecord.objects.filter(action=ChangeAction.PERSON_INVITED, person__username="lan").count() == 1
    page = client.get(reverse("administration:import_batch", args=[run.pk])).content.decode()
    assert "1 invitation sent." in page and "<strong>hoa</strong>: no e-mail address" in page


def test_without_the_tick_nobody_is_emailed(scene, jobs):
    world = scene.world
    run = checked(jobs, world, organisation_workbook([], [person("lan", "tu-son", role="giám sát")]))

    run = written(jobs, run)

    assert (run.status, mail.outbox, "invited" in run.result) == (ImportStatus.COMMITTED, [], False)


# --- who may import ---------------------------------------------------------------------------
@pytest.mark.parametrize("role, status", [("anonymous", 302), ("officer", 404), ("supervisor", 404),
                                          ("manager", 404), ("far_administrator", 200), ("administrator", 200)])
def test_the_import_pages_are_for_administrators(client, scene, role, status):
    if scene.user(role):
        client.force_login(scene.user(role))

    assert client.get(reverse("administration:import_start")).status_code == status
    assert client.get(reverse("administration:import_template")).status_code == status


@pytest.mark.parametrize("role", ["anonymous", "officer", "supervisor", "manager", "far_administrator"])
def test_an_import_is_404_to_everyone_but_its_administrator(client, scene, jobs, role):
    world = scene.world
    run = checked(jobs, world, organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation")], []))
    if scene.user(role):
        client.force_login(scene.user(role))
    before = snapshot()

    answers = [client.get(reverse(f"administration:{name}", args=[run.pk])).status_code
               for name in ("import_batch", "import_progress", "import_errors")]
    answers += [client.post(reverse(f"administration:{name}", args=[run.pk])).status_code
                for name in ("import_confirm", "import_recheck")]

    assert answers == [302] * 5 if role == "anonymous" else [404] * 5
    assert snapshot() == before
    assert OrganisationImport.objects.get(pk=run.pk).status == ImportStatus.CHECKED


@pytest.mark.parametrize("role", ["supervisor", "manager", "far_administrator"])
def test_uploading_under_a_unit_one_does_not_administer_is_refused_and_nothing_stored(scene, role):
    world = scene.world
    before = snapshot()

    with pytest.raises(PermissionDenied):
        imports.organisation_import_upload(actor=scene.user(role), unit=world.district, file_name="x.xlsx",
                                           content=organisation_workbook([], [person("lan", "tu-son")]))

    assert (snapshot(), OrganisationImport.objects.count()) == (before, 0)


def test_the_unit_choice_offers_the_open_upper_units_one_administers(client, scene):
    world = scene.world
    client.force_login(world.administrator)

    page = client.get(reverse("administration:import_start")).content.decode()

    assert re.findall(r'<option value="(\d+)"', page) == [str(u.pk) for u in (world.province, world.district,
                                                                               world.other_district)]
    client.force_login(scene.far_administrator)
    page = client.get(reverse("administration:import_start")).content.decode()
    assert re.findall(r'<option value="(\d+)"', page) == [str(scene.far_province.pk)]


def test_an_administrator_of_a_grassroots_union_imports_under_it(client, scene):
    world = scene.world
    union = org.unit_create(name="CĐCS Công ty May 10", code="cdcs-may-10", parent=world.district, actor=world.admin,
                            kind=UnitKind.objects.get(code="grassroots"))
    keeper = UserFactory(username="union_admin")
    org.unit_role_grant(unit=union, user=keeper, role=Role.ADMINISTRATOR, actor=world.admin)
    client.force_login(keeper)

    page = client.get(reverse("administration:import_start")).content.decode()

    assert re.findall(r'<option value="(\d+)"', page) == [str(union.pk)]


def test_a_district_administrator_imports_only_inside_the_district(scene, jobs):
    world = scene.world
    keeper = UserFactory(username="district_admin")
    org.unit_role_grant(unit=world.district, user=keeper, role=Role.ADMINISTRATOR, actor=world.admin)

    run = checked(jobs, world, organisation_workbook(
        [("cdcs-1", "CĐCS 1", "", "grassroots"), ("cdcs-2", "CĐCS 2", "que-vo", "grassroots")],
        [person("lan", "cdcs-1", role="giám sát"), person("hoa", "que-vo", role="giám sát")]),
        actor=keeper, unit=world.district)

    assert errors_of(run) == {
        ("units", 3): [("Parent unit code", "The unit “Liên đoàn Lao động khu vực Quế Võ” is not inside “Liên đoàn "
                                            "Lao động khu vực Từ Sơn”, the unit you import under.")],
        ("people", 3): [("Unit code", "The unit “Liên đoàn Lao động khu vực Quế Võ” is not inside “Liên đoàn Lao động "
                                      "khu vực Từ Sơn”, the unit you import under.")]}


# --- progress ---------------------------------------------------------------------------------
def test_a_file_of_10000_people_is_checked_with_progress(scene, jobs, django_capture_on_commit_callbacks):
    world = scene.world
    people = [person(f"cb{n:05d}", "tu-son", name=f"Nguyễn Văn {n}") for n in range(10_000)]
    with django_capture_on_commit_callbacks() as queued:
        run = imports.organisation_import_upload(actor=world.administrator, unit=world.province, file_name="lon.xlsx",
                                                 content=organisation_workbook([], people))
    run.refresh_from_db()
    assert (run.status, run.rows_estimate, len(queued)) == (ImportStatus.CHECKING, 10_000, 1)
    seen = []

    imports.organisation_import_check_run(import_id=run.pk, token=run.run_token,
                                          report=lambda done, total: seen.append((done, total)))

    run.refresh_from_db()
    assert seen == [(n, 10_000) for n in range(500, 10_001, 500)]
    assert (run.status, counts(run)) == (ImportStatus.CHECKED, (10_000, 0, 0, 0))
    assert OrganisationImportProgress.objects.filter(organisation_import=run).values_list("done", "total").get() == (
        10_000, 10_000)


def test_the_progress_fragment_polls_while_a_job_runs_then_reloads_the_page(client, scene,
                                                                           django_capture_on_commit_callbacks):
    world = scene.world
    client.force_login(world.administrator)
    with django_capture_on_commit_callbacks() as queued:
        run = imports.organisation_import_upload(actor=world.administrator, unit=world.province, file_name="a.xlsx",
                                                 content=organisation_workbook([], [person("lan", "tu-son")]))
    url = reverse("administration:import_progress", args=[run.pk])

    page = client.get(reverse("administration:import_batch", args=[run.pk])).content.decode()
    running = client.get(url)
    queued[0]()
    done = client.get(url)

    assert f'hx-get="{url}"' in page and "<progress" in running.content.decode()
    assert done["HX-Refresh"] == "true"


def test_the_write_reports_its_progress(scene, jobs, django_capture_on_commit_callbacks, monkeypatch):
    world = scene.world
    monkeypatch.setattr(imports, "WRITE_REPORT_EVERY", 2)
    run = checked(jobs, world, organisation_workbook(
        [("kv-bac", "Khu vực Bắc", "", "district_federation")],
        [person(f"cb{n}", "kv-bac", group="Tổ 1") for n in range(3)]))
    with django_capture_on_commit_callbacks():
        imports.organisation_import_confirm(import_id=run.pk, actor=world.administrator)
    seen = []

    imports.organisation_import_commit_run(import_id=run.pk, report=lambda done, total: seen.append((done, total)))

    assert seen == [(2, 8), (4, 8), (6, 8), (8, 8)]  # a unit, a group, 3 accounts, 3 memberships


# --- hostile files ------------------------------------------------------------------------------
def _rezipped(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, change(item.filename, source.read(item.filename)))
    return buffer.getvalue()


def _declared_huge(name: str, data: bytes) -> bytes:
    if name.startswith("xl/worksheets/"):
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
    return data


_LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY lol0 "lol">'
           + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 6)) + ']>')


def _entities(name: str, data: bytes) -> bytes:
    if name == "xl/worksheets/sheet2.xml":
        return _LAUGHS.encode() + data
    return data


def _cut_short(name: str, data: bytes) -> bytes:
    return data[:len(data) * 2 // 3] if name == "xl/worksheets/sheet3.xml" else data


def _two_people_sheets() -> bytes:
    book = Workbook()
    book.active.title = "Cán bộ"
    book.active.append(PEOPLE_HEADERS)
    book.create_sheet("Cán bộ 2").append(PEOPLE_HEADERS)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rows_far_below() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Đơn vị"
    sheet.append(UNIT_HEADERS)
    sheet.cell(row=60_000, column=1, value="xa")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _not_the_template() -> bytes:
    book = Workbook()
    book.active.append(["Mã số thuế", "Tên doanh nghiệp"])
    book.active.append(["0100109106", "Công ty A"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_PROVINCE = [("kv-bac", "Khu vực Bắc", "", "district_federation")]
HOSTILE = [
    ("a CSV file", "Mã đơn vị,Tên đơn vị\nkv-bac,Khu vực Bắc\n".encode(),
     "The file is not an Excel workbook (.xlsx): download the template, fill it in and upload it as .xlsx."),
    ("an old .xls file", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500,
     "This is an old Excel file (.xls): open it in Excel, save it as .xlsx and upload that."),
    ("a damaged zip", b"PK\x03\x04" + b"\0" * 300,
     "The file is not an Excel workbook we can read: save it as .xlsx and upload it again."),
    ("an empty file", b"", "The submitted file is empty."),
    ("another workbook", _not_the_template(),
     "This is not the organisation template: it has no sheet “Units” or “People” with the template's column "
     "headers. Download the template, fill it in and upload it."),
    ("entities", _rezipped(organisation_workbook(_PROVINCE, []), _entities),
     "The workbook defines XML entities, which we refuse for safety: open it in Excel, save it again as .xlsx and "
     "upload that."),
    ("two people sheets", _two_people_sheets(),
     "The workbook has two sheets of People: “Cán bộ” and “Cán bộ 2”. Put their rows in one sheet."),
    ("rows far below", _rows_far_below(),
     "The sheet “Đơn vị” has rows beyond row 50.000: this is not a template we can import. Delete the rows below "
     "your data."),
]




@pytest.mark.parametrize("name, data, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_is_refused_with_a_reason_and_nothing_stored(client, scene, jobs, name, data, message):
    world = scene.world
    client.force_login(world.administrator)
    before = snapshot()

    response = client.post(reverse("administration:import_start"), {
        "file": SimpleUploadedFile("to-chuc.xlsx", data), "unit": world.province.pk})

    if name == "rows far below":  # found by the check job, which reads every row
        assert response.status_code == 302
        with pytest.raises(SpreadsheetRefused) as refused:
            list(import_sheets.rows_read(data, import_sheets.layout_read(data)))
        assert refused.value.message == message
        return
    assert response.status_code == 400
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert (snapshot(), OrganisationImport.objects.count()) == (before, 0)


def test_a_zip_that_unpacks_to_too_much_is_refused_before_it_is_opened(scene, monkeypatch):
    monkeypatch.setattr(workbooks, "MAX_UNPACKED_BYTES", 1_000)

    with pytest.raises(SpreadsheetRefused) as refused:
        imports.organisation_import_upload(actor=scene.world.administrator, unit=scene.world.province,
                                           file_name="x.xlsx", content=organisation_workbook(_PROVINCE, []))

    assert refused.value.message == "The spreadsheet unpacks to more than 0 MB: split it into smaller files."
    assert OrganisationImport.objects.count() == 0


def test_unknown_and_missing_columns_are_named(scene):
    book = Workbook()
    book.active.title = "Cán bộ"
    book.active.append(["Tên đăng nhập", "Họ và tên", "Lương", "STT"])
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(SpreadsheetRefused) as refused:
        imports.organisation_import_upload(actor=scene.world.administrator, unit=scene.world.province,
                                           file_name="x.xlsx", content=buffer.getvalue())

    assert refused.value.messages == [
        "The sheet “Cán bộ” has columns the template does not have: “Lương”. Use the template's column headers, or "
        "delete these columns.",
        "The sheet “Cán bộ” lacks the column “Unit code”."]


def test_a_sheet_that_declares_excel_s_whole_grid_is_read_at_its_own_width(scene, jobs, monkeypatch):
    world = scene.world
    data = _rezipped(organisation_workbook(_PROVINCE, [person("lan", "kv-bac", role="giám sát")] * 1), _declared_huge)
    widths = []
    real = import_sheets.workbooks.xlsx_rows

    def spy(*args, **kwargs):
        for row in real(*args, **kwargs):
            widths.append(len(row.cells))
            yield row
    monkeypatch.setattr(import_sheets.workbooks, "xlsx_rows", spy)

    run = checked(jobs, world, data)

    assert counts(run) == (2, 0, 0, 0)
    assert max(widths) == import_sheets.HEADER_WIDTH
    assert run.rows_estimate == 2 * import_sheets.MAX_ROWS  # declared, and capped


def test_a_damaged_sheet_fails_the_check_with_a_reason(scene, jobs):
    world = scene.world
    people = [person(f"cb{n}", "tu-son", role="giám sát") for n in range(200)]
    data = _rezipped(organisation_workbook(_PROVINCE, people), _cut_short)

    run = checked(jobs, world, data)

    assert run.status == ImportStatus.FAILED
    assert re.fullmatch(r"The workbook is damaged: the sheet “Cán bộ” cannot be read from row \d+ on\. Open it in "
                        r"Excel, save it again as \.xlsx and upload that\.", run.failure)
    assert Unit.objects.filter(code="kv-bac").count() == 0


def test_english_headers_and_sheet_names_are_read_too(scene, jobs):
    world = scene.world
    book = Workbook()
    book.active.title = "Units"
    book.active.append(["Code", "Name", "Parent", "Kind"])
    book.active.append(["kv-bac", "Khu vực Bắc", "", "District federation"])
    people = book.create_sheet("Staff")
    people.append(["Username", "Name", "Email", "Phone number", "Position", "Unit", "Group", "Role", "End date"])
    people.append(["lan", "Trần Thị Lan", "lan@example.vn", 912345678, "", "kv-bac", "Group 1", "Collaborator",
                   dt.datetime(2026, 12, 31)])
    buffer = io.BytesIO()
    book.save(buffer)

    run = written(jobs, checked(jobs, world, buffer.getvalue()))

    lan = User.objects.get(username="lan")
    assert run.status == ImportStatus.COMMITTED
    assert (lan.profile.phone, lan.profile.is_collaborator, lan.profile.access_until) == (
        "0912345678", True, dt.date(2026, 12, 31))


# --- the job through a real worker process ------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_qcluster_checks_and_writes_the_file(reference_data, monkeypatch):
    world = build_world()
    monkeypatch.setattr(Conf, "SYNC", False)  # queue the jobs for the worker instead of running them here
    worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=worker_environment(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run = imports.organisation_import_upload(
            actor=world.administrator, unit=world.province, file_name="to-chuc.xlsx",
            content=organisation_workbook(*province_organisation(world.province.code)))
        status = lambda: OrganisationImport.objects.values_list("status", flat=True).get(pk=run.pk)  # noqa: E731
        wait_for(lambda: status() == ImportStatus.CHECKED, seconds=120, step=0.2)
        imports.organisation_import_confirm(import_id=run.pk, actor=world.administrator)
        wait_for(lambda: status() == ImportStatus.COMMITTED, seconds=120, step=0.2)
    finally:  # the jobs are done (or the test failed): no need to wait for a graceful stop
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    assert User.objects.filter(username__startswith="cb").count() == 40
    assert WorkingGroup.objects.filter(unit__code="kv-bac").count() == 2


# --- the shape of the code ----------------------------------------------------------------------
def test_the_url_names_live_in_the_administration_namespace():
    assert reverse("administration:import_start") == "/administration/import/"
    assert reverse("administration:import_batch", args=[7]) == "/administration/import/7/"


def test_the_import_views_make_no_orm_query():
    from tests.web.test_thin_views import ORM_CALLS

    tree = ast.parse((ROOT / "workflows" / "administration" / "import_views.py").read_text())

    assert sorted({(node.attr, node.lineno) for node in ast.walk(tree)
                   if isinstance(node, ast.Attribute) and node.attr in ORM_CALLS}) == []
