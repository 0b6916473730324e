"""Shared fixtures: a small federation with one user per role.

    province (Liên đoàn Lao động tỉnh)             manager, administrator
    ├── district (LĐLĐ huyện)                       supervisor
    │     ├── group  (Tổ công tác số 1)             officer
    │     └── other_group (Tổ công tác số 2)        other_officer
    └── other_district                              other_supervisor

Campaigns are written only through the services; ``campaign_at`` drives a
fresh campaign to a stage the way an officer and a supervisor would.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection

from tests import factories
from workflows.campaigns import services
from workflows.campaigns.flows import AbandonReason, Stage
from workflows.core import clock
from workflows.organisation import services as org
from workflows.organisation.permissions import Role


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    locks = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…): SQLite has no row locks")
    browser = pytest.mark.skip(reason="browser tests run against the app served on PostgreSQL (set DATABASE_URL)")
    migration = pytest.mark.skip(reason="data migrations are tested on PostgreSQL, the production database "
                                        "(each takes the schema back and forth: half a minute)")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(browser)
        elif "migration" in item.keywords:
            item.add_marker(migration)
        elif "postgres" in item.keywords:
            item.add_marker(locks)


@pytest.fixture(autouse=True)
def _reference_caches_cold():
    """Every test starts as a process that just started: nothing of the
    reference data kept (``reference_stamp.StampedCache``), whatever ran
    before it in this worker — a test that counts queries counts the same
    alone or after others."""
    from workflows.organisation.reference_stamp import caches_clear

    caches_clear()
    yield


@pytest.fixture
def reference_data(db):
    """The reference rows the migrations create (unit kinds, the rule set,
    stage task templates). Transactional tests flush the database after each
    test, which removes them; this puts them back from the migrations' own
    functions, so there is one source for them."""
    import importlib

    from django.apps import apps

    for module in ("workflows.organisation.migrations.0002_unit_kinds",
                   "workflows.campaigns.migrations.0004_reference_data",
                   "workflows.campaigns.migrations.0011_rule_set_limits"):
        importlib.import_module(module).create(apps, None)


@dataclass
class World:
    province: object
    district: object
    other_district: object
    group: object
    other_group: object
    admin: object
    manager: object
    supervisor: object
    other_supervisor: object
    officer: object
    other_officer: object
    enterprise: object
    administrator: object = None  # the administrator role on the province (no other role)

    def user(self, role: str):
        return None if role == "anonymous" else getattr(self, role)


def colleague_of(world):
    """A second officer of ``world.group``."""
    user = factories.UserFactory(username="colleague", first_name="Trần Thị", last_name="Lan")
    org.working_group_member_add(group=world.group, user=user, actor=world.admin)
    return user


@pytest.fixture
def colleague(world):
    return colleague_of(world)


@pytest.fixture
def province_supervisor(world):
    """A supervisor of the province, above the district's supervisor."""
    user = factories.UserFactory(username="province_supervisor", first_name="Nguyễn Văn", last_name="Thắng")
    factories.grant(world.province, user, "supervisor", actor=world.admin)
    return user


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    admin = factories.UserFactory(username="admin", is_superuser=True, is_staff=True)
    province = factories.unit(name="Liên đoàn Lao động tỉnh Bắc Ninh", code="lđlđ-bac-ninh",
                              kind="provincial_federation", actor=admin)
    district = factories.unit(name="Liên đoàn Lao động khu vực Từ Sơn", code="tu-son", kind="district_federation",
                              parent=province, actor=admin)
    other_district = factories.unit(name="Liên đoàn Lao động khu vực Quế Võ", code="que-vo",
                                    kind="district_federation", parent=province, actor=admin)
    manager = factories.UserFactory(username="manager")
    supervisor = factories.UserFactory(username="supervisor")
    other_supervisor = factories.UserFactory(username="other_supervisor")
    officer = factories.UserFactory(username="officer")
    other_officer = factories.UserFactory(username="other_officer")
    factories.grant(province, manager, "manager", actor=admin)
    factories.grant(district, supervisor, "supervisor", actor=admin)
    factories.grant(other_district, other_supervisor, "supervisor", actor=admin)
    group = factories.working_group(district, "Tổ công tác số 1", [officer], actor=admin)
    other_group = factories.working_group(district, "Tổ công tác số 2", [other_officer], actor=admin)
    enterprise = factories.EnterpriseFactory(responsible_unit=district)
    administrator = factories.UserFactory(username="administrator", first_name="Đỗ Thị", last_name="Phương")
    org.unit_role_grant(unit=province, user=administrator, role=Role.ADMINISTRATOR, actor=admin)
    return World(province, district, other_district, group, other_group, admin, manager, supervisor,
                 other_supervisor, officer, other_officer, enterprise, administrator)


ROLES = ["anonymous", "other_officer", "officer", "other_supervisor", "supervisor", "manager", "administrator"]

#: The forward step into each stage of the path (``flows.TRANSITIONS``).
FORWARD_INTO = {Stage.EMPLOYER_CONTACTED: "contact_employer", Stage.MOBILISING_COMMITTEE: "form_committee",
                Stage.FOUNDING_CONGRESS: "hold_congress"}


def campaign_at(world: World, stage: str, *, enterprise=None, on: dt.date | None = None):
    """Open a campaign in ``world.group`` and drive it to ``stage`` through
    the services, meeting every guard on the way."""
    enterprise = enterprise or world.enterprise
    sup, off = world.supervisor, world.officer
    c = services.campaign_open(enterprise_id=enterprise.pk, actor=sup, working_group_id=world.group.pk)
    path = [Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE, Stage.FOUNDING_CONGRESS, Stage.RECOGNISED]
    if stage in (Stage.ON_HOLD, Stage.ABANDONED):
        target = stage
        stage = Stage.SURVEYED
    else:
        target = None
    today = clock.today()
    for step in path[: path.index(stage) + 1] if stage != Stage.SURVEYED else []:
        if step == Stage.EMPLOYER_CONTACTED:
            services.campaign_meeting_record(campaign_id=c.pk, actor=off, held_on=today, outcome="supportive")
        elif step == Stage.MOBILISING_COMMITTEE:
            services.campaign_committee_record(campaign_id=c.pk, actor=off, members=[
                services.CommitteeMemberData(f"Công nhân {i}") for i in range(3)])
        elif step == Stage.FOUNDING_CONGRESS:
            services.campaign_counts_record(campaign_id=c.pk, actor=off, applications=5)
        if step == Stage.RECOGNISED:
            services.campaign_transition(campaign_id=c.pk, name="recognise", actor=sup, data={
                "decision_number": "12/QĐ-LĐLĐ", "decision_date": today, "admitted_members": 5})
        else:
            services.campaign_transition(campaign_id=c.pk, name=FORWARD_INTO[step], actor=off,
                                         data={"congress_on": today} if step == Stage.FOUNDING_CONGRESS else {})
    if target == Stage.ON_HOLD:
        services.campaign_transition(campaign_id=c.pk, name="hold", actor=off)
    elif target == Stage.ABANDONED:
        services.campaign_transition(campaign_id=c.pk, name="abandon", actor=sup,
                                     data={"reason": AbandonReason.EMPLOYER_REFUSED})
    c.refresh_from_db()
    return c


@pytest.fixture
def receiver():
    """A real webhook receiver on 127.0.0.1 (``tests.webhooks.receiver``)."""
    from tests.webhooks.receiver import Receiver, start, stop

    found = start(Receiver())
    yield found
    stop(found)
