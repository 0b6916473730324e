"""The demo province: a provincial federation, its fifteen child units, their
working groups and officers, 300 enterprises, 150 campaigns with a history
spread over this year, and its planning: programmes with their targets,
member counts, estimates and member movements.

Everything is written through the services, as the demo users, on the day
it happened (``clock.travel_to``): the campaigns' stages, events and tasks,
the programmes and their targets are what the product itself would have
recorded.

Same data on every run: one ``random.Random(SEED)`` drives every choice, in a
fixed order, and no choice depends on the order in which the database returns
rows. Dates are counted back from ``clock.today()``: two runs on the same day
(or under the same ``travel_to``) give the same province.

Run once per database: when the province's unit (``PROVINCE_CODE``) exists,
``build_demo`` writes nothing and only reports the logins.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import holidays
from django.contrib.auth import get_user_model, hashers
from django.db import transaction

from workflows.campaigns import services as campaign_services
from workflows.campaigns.fields import CommitteeMemberData
from workflows.campaigns.flows import OPEN_STAGES, AbandonReason, MeetingOutcome, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, FailureReason, FollowUp, Task, TaskStatus
from workflows.core import clock, notify
from workflows.enterprises.models import Enterprise, OwnershipSector, WorkforceSource
from workflows.enterprises.services import EnterpriseData, enterprise_create, enterprise_mark_unionised
from workflows.enterprises.validation import make_tax_code, tax_code_check_digit
from workflows.organisation import services as org
from workflows.organisation.models import Unit, UnitKind, WorkingGroup
from workflows.organisation.permissions import Role
from workflows.statistics import services as stats
from workflows.statistics.engine import NO_FILTERS, Filters
from workflows.statistics.models import EstimateKind, Metric, MovementKind, ProgrammeBasis

from . import vocabulary as words
from .register import PeopleBuilder
from .vocabulary import CHILD_UNITS, ChildUnit

User = get_user_model()

SEED = 20260101
#: The one password of every demo account (it passes the password rules).
DEMO_PASSWORD = "congdoan-2026"
PROVINCE_CODE = "ldld-bac-ninh"
PROVINCE_NAME = "Liên đoàn Lao động tỉnh Bắc Ninh"
DISTRICT_CODE = "ldld-kv-tu-son"
EMAIL_DOMAIN = "ldldbacninh.example"

ENTERPRISES = 300
UNIONISED_BEFORE = 50  # enterprises whose grassroots union was founded in earlier years
#: Where the 150 campaigns stand today.
FINAL_STAGES = {
    Stage.SURVEYED: 28,
    Stage.EMPLOYER_CONTACTED: 24,
    Stage.MOBILISING_COMMITTEE: 22,
    Stage.FOUNDING_CONGRESS: 12,
    Stage.RECOGNISED: 30,
    Stage.ON_HOLD: 14,
    Stage.ABANDONED: 20,
}
CAMPAIGNS = sum(FINAL_STAGES.values())
ABANDON_REASONS = {
    AbandonReason.EMPLOYER_REFUSED: 6,
    AbandonReason.WORKERS_DECLINED: 5,
    AbandonReason.ENTERPRISE_DISSOLVED: 4,
    AbandonReason.MERGED: 2,
    AbandonReason.OTHER: 3,
}
COVERAGE_MIN_WORKFORCE = 25
#: This year's plan: the targets the province received from the confederation
#: (its coverage target counts enterprises of 25 workers and more).
RECEIVED = {Metric.NEW_MEMBERS: 6500, Metric.NEW_UNIONS: 40, Metric.COVERAGE: 100}
YEAR_COVERAGE = Filters(min_workforce=COVERAGE_MIN_WORKFORCE)
NEXT_YEAR_RECEIVED = {Metric.NEW_MEMBERS: 7000, Metric.NEW_UNIONS: 45}
#: The congress term and its targets for the whole term.
CONGRESS_TERM = (dt.date(2023, 1, 1), dt.date(2028, 12, 31))
CONGRESS_RECEIVED = {Metric.NET_MEMBERS: 28000, Metric.NEW_UNIONS: 180}
#: The resolution's programme: members of grassroots unions (a range, from the
#: about 102.000 counted at the end of 2025) and full
#: coverage of the enterprises of 25 workers and more paying social insurance,
#: by its 2028 milestone and by its end.
RESOLUTION_PERIOD = (dt.date(2024, 1, 1), dt.date(2033, 12, 31))
RESOLUTION_MILESTONE = dt.date(2028, 12, 31)
RESOLUTION_MEMBERS = {RESOLUTION_MILESTONE: (115000, 120000), RESOLUTION_PERIOD[1]: (135000, 140000)}
RESOLUTION_COVERAGE = Filters(min_workforce=COVERAGE_MIN_WORKFORCE, social_insurance_only=True)
#: Members of grassroots unions outside the registry (public agencies, schools,
#: hospitals), in tens, by the child unit's profile.
_MEMBERS_OUTSIDE_REGISTRY = {"kcn": (20, 60), "district": (60, 180), "health": (250, 400), "education": (350, 500),
                             "corporate": (80, 150)}
MOVEMENTS = 8

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Login:
    username: str
    full_name: str
    role: str
    scope: str


_KCN_GROUP = CHILD_UNITS[0].groups[0]
LOGINS = (
    Login("admin", "Quản trị hệ thống", "technical superuser", "Django admin: national reference data"),
    Login("quantri", "Đỗ Thị Minh Phương", "administrator", f"{PROVINCE_NAME}: units, people, groups, roles"),
    Login("giamsat", "Nguyễn Văn Thắng", "supervisor", PROVINCE_NAME),
    Login("giamsat.khuvuc", "Trần Thị Thu Hà", "supervisor", "Liên đoàn Lao động khu vực Từ Sơn"),
    Login("lanhdao", "Nghiêm Xuân Hưng", "manager (read-only)", PROVINCE_NAME),
    Login("canbo", "Nguyễn Thị Hồng Nhung", "officer", f"{_KCN_GROUP} ({CHILD_UNITS[0].name})"),
)
_POSITIONS = {
    "quantri": "Phó Trưởng Ban Tổ chức LĐLĐ tỉnh",
    "giamsat": "Trưởng Ban Tổ chức LĐLĐ tỉnh",
    "giamsat.khuvuc": "Chủ tịch LĐLĐ khu vực Từ Sơn",
    "lanhdao": "Phó Chủ tịch Thường trực LĐLĐ tỉnh",
    "canbo": "Chuyên viên Ban Tổ chức Công đoàn các KCN",
}


class DemoError(Exception):
    """The database cannot take the demo (a demo user name is taken)."""


@dataclass(frozen=True)
class DemoResult:
    created: bool
    logins: tuple[Login, ...] = LOGINS
    password: str = DEMO_PASSWORD
    #: Whether the administrator account existed before (its password is then unchanged).
    admin_existed: bool = False


def demo_exists() -> bool:
    return Unit.objects.filter(code=PROVINCE_CODE).exists()


def build_demo(*, log: Callable[[str], None] = lambda message: None) -> DemoResult:
    """Build the demo province in one transaction, or do nothing if it exists."""
    if demo_exists():
        log(f"The demo province ({PROVINCE_NAME}, unit code “{PROVINCE_CODE}”) is already loaded: "
            "nothing was written.")
        return DemoResult(created=False)
    builder = _Builder(log)
    # The history is backdated: e-mailing the demo officers about stage
    # changes of last spring would only fill the job queue. The services
    # queue notifications after the commit, so the pause wraps the commit.
    with notify.silenced(), transaction.atomic():
        builder.build()
    return DemoResult(created=True, admin_existed=builder.admin_existed)


# --- the plan of one campaign ---------------------------------------------------------
#: A step of a campaign's history after it is opened, and the days it takes.
_STEP_DAYS = {
    "contact": (10, 35), "committee": (15, 45), "congress": (20, 55), "recognise": (7, 20),
    "hold": (7, 30), "resume": (20, 50), "abandon": (10, 40),
}
_FORWARD = ("contact", "committee", "congress", "recognise")
#: The plan's forward steps and the transitions they take (``flows.TRANSITIONS``).
_STEP_TRANSITION = {"contact": "contact_employer", "committee": "form_committee", "congress": "hold_congress",
                    "recognise": "recognise", "hold": "hold", "resume": "resume", "abandon": "abandon"}


@dataclass
class _Plan:
    enterprise_id: int
    enterprise_workforce: int
    unit: ChildUnit
    final: str
    steps: list[str]
    group_id: int | None
    assign_later: bool
    supervisor: object
    officers: list = field(default_factory=list)
    lead: object = None
    reason: str = ""
    # what the case has recorded so far
    workforce: int = 0
    core_group: int = 0
    applications: int = 0


class _Builder:
    def __init__(self, log: Callable[[str], None]) -> None:
        self.rng = random.Random(SEED)
        self.log = log
        self.password_hash = ""
        self.today = clock.today()
        self.year = self.today.year
        self.holidays = holidays.country_holidays("VN", years=range(self.year - 2, self.year + 1))
        #: The last day anything happened (nothing is dated today or later).
        self.last = self._back(self.today - _DAY)
        start = dt.date(self.year, 1, 5)
        if (self.last - start).days < 300:  # early in the year: the history starts last year
            start = self.last - dt.timedelta(days=300)
        self.start = self._fwd(start)
        self.open_until = min(dt.date(self.year, 10, 31), self.last - dt.timedelta(days=10))
        self.registry_day = self._back(self.start - dt.timedelta(days=3))
        self.setup_day = self._back(self.registry_day - dt.timedelta(days=7))
        self.admin_existed = False
        self.users: dict[str, object] = {}
        self.units: dict[str, Unit] = {}
        self.groups: dict[str, WorkingGroup] = {}
        self.members: dict[int, list] = {}  # group id -> officers, leader first
        self.tax_codes: set[str] = set()
        self.names: set[str] = set()
        self.decisions: Counter[str] = Counter()
        self.people = self._plan_people()

    # --- days -----------------------------------------------------------------------
    def _is_workday(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def _back(self, day: dt.date) -> dt.date:
        while not self._is_workday(day):
            day -= _DAY
        return day

    def _fwd(self, day: dt.date) -> dt.date:
        while not self._is_workday(day):
            day += _DAY
        return day

    def _day_between(self, low: dt.date, high: dt.date) -> dt.date:
        """A working day in [low, high]; ``low`` must be a working day."""
        if high <= low:
            return low
        return max(low, self._back(low + dt.timedelta(days=self.rng.randint(0, (high - low).days))))

    def _moment(self, day: dt.date, after: dt.datetime | None = None) -> dt.datetime:
        """A time of the working day ``day`` (09:00-16:59), later than ``after``."""
        moment = dt.datetime.combine(day, dt.time(self.rng.randint(9, 16), self.rng.randint(0, 59)))
        if after is not None and moment <= after:
            moment = after + dt.timedelta(minutes=self.rng.randint(5, 90))
        return moment

    def _morning(self, day: dt.date) -> dt.datetime:
        """Transitions happen first thing (08:00-08:44), before the day's other work."""
        return dt.datetime.combine(day, dt.time(8, self.rng.randint(0, 44)))

    # --- the whole build ------------------------------------------------------------------
    def build(self) -> None:
        self._check_free_usernames()
        with clock.travel_to(self._morning(self.setup_day)):
            self._admin()
            self._units()
            self._users_and_groups()
        self.log(f"Units: 1 province + {len(CHILD_UNITS)} child units; {len(self.groups)} working groups; "
                 f"{len(self.users)} users.")
        self._enterprises()
        self._campaigns()
        self._follow_ups()
        self._dossiers()
        PeopleBuilder(seed=SEED + 30, last=self.last, log=self.log).build(
            self.province.path, district=self.units[DISTRICT_CODE], supervisor=self.users["giamsat.khuvuc"])
        self._planning()
        self._summary()

    # --- people ---------------------------------------------------------------------------
    def _plan_people(self) -> list[tuple[str, str, str, bool]]:
        """(group name, username, full name, collaborator) of every officer; the
        group's leader first. Drawn before anything is written."""
        taken = {login.username for login in LOGINS}
        used_names = {login.full_name for login in LOGINS}
        plan = []

        def person(group: str, collaborator: bool = False, name: str | None = None, username: str | None = None):
            while name is None or (username is None and name in used_names):
                name = words.person_name(self.rng)
            used_names.add(name)
            if username is None:
                base = username = words.username_for(name)
                n = 1
                while username in taken:
                    n += 1
                    username = f"{base}{n}"
            taken.add(username)
            plan.append((group, username, name, collaborator))

        person(words.PROVINCE_GROUP)
        person(words.PROVINCE_GROUP)
        person(words.PROVINCE_GROUP, collaborator=True)
        with_collaborator = {"ldld-kv-tu-son", "ldld-kv-que-vo", "ldld-kv-viet-yen"}
        for unit in CHILD_UNITS:
            for index, group in enumerate(unit.groups):
                if unit.profile == "kcn" and index == 0:
                    canbo = LOGINS[5]
                    person(group, name=canbo.full_name, username=canbo.username)
                    person(group)
                    person(group)
                    person(group, collaborator=True)
                elif unit.profile == "kcn":
                    person(group)
                    person(group)
                    person(group)
                else:
                    person(group)
                    person(group)
                    if unit.code in with_collaborator:
                        person(group, collaborator=True)
        return plan

    def _check_free_usernames(self) -> None:
        wanted = {login.username for login in LOGINS[1:]} | {username for _, username, _, _ in self.people}
        taken = sorted(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        if taken:
            raise DemoError(f"These user names are taken: {', '.join(taken)}. Load the demo into an empty database.")

    def _admin(self) -> None:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser("admin", f"admin@{EMAIL_DOMAIN}", DEMO_PASSWORD,
                                                  first_name="Quản trị", last_name="hệ thống")
        elif not admin.is_superuser:
            raise DemoError("The user “admin” exists and is not an administrator. "
                            "Load the demo into an empty database.")
        else:
            self.admin_existed = True
        self.admin = admin

    def _user(self, username: str, full_name: str, position: str, unit: Unit, collaborator: bool = False,
              actor=None):
        if not self.password_hash:
            # Every demo account has the same, published password: hash it
            # once (PBKDF2 takes about half a second a time, on purpose).
            self.password_hash = hashers.make_password(DEMO_PASSWORD)
        user = org.person_create(username=username, full_name=full_name, unit=unit, password=DEMO_PASSWORD,
                                 actor=actor or self.quantri, password_hash=self.password_hash,
                                 email=f"{username}@{EMAIL_DOMAIN}", phone=words.phone(self.rng), position=position,
                                 is_collaborator=collaborator)
        self.users[username] = user
        return user

    def _units(self) -> None:
        """The technical superuser creates the province and its first
        administrator, as a federation does after installing; the
        administrator (``quantri``) sets up everything else through the
        administration services."""
        kinds = {kind.code: kind for kind in UnitKind.objects.all()}
        province = org.unit_create(name=PROVINCE_NAME, code=PROVINCE_CODE, kind=kinds["provincial_federation"],
                                   parent=None, actor=self.admin)
        self.province = province
        login = LOGINS[1]
        self.quantri = self._user(login.username, login.full_name, _POSITIONS[login.username], province,
                                  actor=self.admin)
        org.unit_role_grant(unit=province, user=self.quantri, role=Role.ADMINISTRATOR, actor=self.admin)
        for spec in CHILD_UNITS:
            unit = org.unit_create(name=spec.name, code=spec.code, kind=kinds[spec.kind], parent=province,
                                   actor=self.quantri)
            self.units[spec.code] = unit
        self.grassroots_kind = kinds["grassroots"]

    def _users_and_groups(self) -> None:
        admin = self.quantri
        homes = {"giamsat": self.province, "lanhdao": self.province, "giamsat.khuvuc": self.units[DISTRICT_CODE]}
        for login in LOGINS[2:5]:
            self._user(login.username, login.full_name, _POSITIONS[login.username], homes[login.username])
        org.unit_role_grant(unit=self.province, user=self.users["giamsat"], role=Role.SUPERVISOR, actor=admin)
        org.unit_role_grant(unit=self.province, user=self.users["lanhdao"], role=Role.MANAGER, actor=admin)
        org.unit_role_grant(unit=self.units[DISTRICT_CODE], user=self.users["giamsat.khuvuc"], role=Role.SUPERVISOR,
                            actor=admin)
        group_units = {words.PROVINCE_GROUP: self.province}
        for spec in CHILD_UNITS:
            for name in spec.groups:
                group_units[name] = self.units[spec.code]
        for group_name, username, full_name, collaborator in self.people:
            if collaborator:
                position = self.rng.choice(words.COLLABORATOR_POSITIONS)
            else:
                position = _POSITIONS.get(username) or self.rng.choice(words.OFFICER_POSITIONS)
            user = self._user(username, full_name, position, group_units[group_name], collaborator)
            group = self.groups.get(group_name)
            if group is None:
                group = org.working_group_create(unit=group_units[group_name], name=group_name, actor=admin,
                                                 leader=user)
                self.groups[group_name] = group
                self.members[group.pk] = [user]
            else:
                org.working_group_member_add(group=group, user=user, actor=admin)
                self.members[group.pk].append(user)

    # --- enterprises ------------------------------------------------------------------------
    def _tax_code(self, prefix: str, branch: int | None = None) -> str:
        while True:
            nine = prefix + "".join(str(self.rng.randrange(10)) for _ in range(9 - len(prefix)))
            if tax_code_check_digit(nine) is None:
                continue
            code = make_tax_code(nine, branch)
            if code not in self.tax_codes:
                self.tax_codes.add(code)
                return code

    def _unique_name(self, make: Callable[[], str]) -> str:
        while (name := make()) in self.names:
            pass
        self.names.add(name)
        return name

    def _enterprise_data(self, spec: ChildUnit, n: int) -> tuple[str, EnterpriseData]:
        rng = self.rng
        industrial_zone = ""
        branch = False
        if spec.profile == "kcn":
            sector = OwnershipSector.FDI if rng.random() < 0.75 else OwnershipSector.DOMESTIC_PRIVATE
            if sector == OwnershipSector.FDI:
                industry = words.pick(rng, words.KCN_FDI_INDUSTRIES)
                name = self._unique_name(lambda: words.fdi_name(rng, industry))
            else:
                industry = words.pick(rng, words.KCN_DOMESTIC_INDUSTRIES)
                name = self._unique_name(lambda: words.domestic_name(rng, industry))
            industry_label = words.INDUSTRIES[industry][0]
        elif spec.profile == "district":
            draw = rng.random()
            if draw < 0.10:
                sector, industry = OwnershipSector.FDI, words.pick(rng, words.DISTRICT_FDI_INDUSTRIES)
                name = self._unique_name(lambda: words.fdi_name(rng, industry))
                industry_label = words.INDUSTRIES[industry][0]
            elif draw < 0.16:
                sector = OwnershipSector.STATE
                name = self._unique_name(lambda: words.state_name(rng))
                industry_label = "Dịch vụ công ích"
            elif draw < 0.27:
                sector = OwnershipSector.COOPERATIVE
                name, industry_label = self._unique_cooperative()
            else:
                sector, industry = OwnershipSector.DOMESTIC_PRIVATE, words.pick(rng, words.DISTRICT_INDUSTRIES)
                branch = rng.random() < 0.08
                make = words.branch_name if branch else words.domestic_name
                name = self._unique_name(lambda: make(rng, industry))
                industry_label = words.INDUSTRIES[industry][0]
        elif spec.profile == "health":
            sector = OwnershipSector.OTHER if rng.random() < 0.3 else OwnershipSector.DOMESTIC_PRIVATE
            name, industry_label = self._unique_pair(lambda: words.health_name(rng))
        elif spec.profile == "education":
            sector = OwnershipSector.OTHER if rng.random() < 0.4 else OwnershipSector.DOMESTIC_PRIVATE
            name, industry_label = self._unique_pair(lambda: words.education_name(rng))
        else:  # corporate
            sector = OwnershipSector.STATE if rng.random() < 0.6 else OwnershipSector.DOMESTIC_PRIVATE
            name, industry_label = self._unique_pair(lambda: words.corporate_name(rng, n))

        if spec.profile == "kcn":
            zone, commune, _group, _weight = rng.choices(words.INDUSTRIAL_ZONES,
                                                         weights=[z[3] for z in words.INDUSTRIAL_ZONES])[0]
            industrial_zone = zone
            # The commune and the province have their own columns: the
            # address holds what comes before them.
            address = (f"Lô {rng.choice('ABCDEFGHK')}{rng.randint(1, 12)}"
                       f"{'-' + str(rng.randint(1, 4)) if rng.random() < 0.4 else ''}, {zone}")
        else:
            commune = rng.choice(spec.communes or words.ALL_COMMUNES)
            street = rng.choice(spec.streets or words.ALL_STREETS)
            if sector == OwnershipSector.COOPERATIVE:
                address = f"Thôn {rng.choice(('Đông', 'Đoài', 'Nam', 'Bắc', 'Trung', 'Thượng', 'Hạ'))}"
            else:
                address = f"Số {rng.randint(1, 350)} {street}"

        size_sector = sector if spec.profile not in ("health", "education") else OwnershipSector.OTHER
        staff = words.workforce(rng, size_sector)
        source = rng.choices(list(WorkforceSource), weights=[60, 15, 25])[0]
        if source == WorkforceSource.SOCIAL_INSURANCE:
            as_of = self._quarter_end_before(self.registry_day - dt.timedelta(days=rng.randint(0, 200)))
        elif source == WorkforceSource.TAX:
            as_of = dt.date(self.registry_day.year - 1, 12, 31)
        else:
            as_of = self._back(self.registry_day - dt.timedelta(days=rng.randint(10, 240)))
        if branch:
            tax_code = self._tax_code(rng.choice(("010", "030", "020")), branch=rng.randint(1, 5))
        else:
            tax_code = self._tax_code(rng.choice(("230", "230", "240", "2301")))
        return tax_code, EnterpriseData(
            name=name, address=address, province=words.PROVINCE, commune=commune, industrial_zone=industrial_zone,
            ownership_sector=sector, industry=industry_label, workforce=staff, workforce_as_of=as_of,
            workforce_source=source,
        )

    def _unique_pair(self, make: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        while (pair := make())[0] in self.names:
            pass
        self.names.add(pair[0])
        return pair

    def _unique_cooperative(self) -> tuple[str, str]:
        return self._unique_pair(lambda: words.cooperative(self.rng))

    @staticmethod
    def _quarter_end_before(day: dt.date) -> dt.date:
        for month, last in ((12, 31), (9, 30), (6, 30), (3, 31)):
            candidate = dt.date(day.year, month, last)
            if candidate <= day:
                return candidate
        return dt.date(day.year - 1, 12, 31)

    def _enterprises(self) -> None:
        supervisor = self.users["giamsat"]
        # (id, workforce, unit spec, industrial zone), in creation order
        self.enterprises: list[tuple[int, int, ChildUnit, str]] = []
        with clock.travel_to(self._morning(self.registry_day)):
            for spec in CHILD_UNITS:
                unit = self.units[spec.code]
                for n in range(1, spec.enterprises + 1):
                    tax_code, data = self._enterprise_data(spec, n)
                    enterprise = enterprise_create(tax_code=tax_code, data=data, responsible_unit=unit,
                                                   actor=supervisor)
                    self.enterprises.append((enterprise.pk, enterprise.workforce, spec, enterprise.industrial_zone))
        self.log(f"Enterprises: {len(self.enterprises)}/{ENTERPRISES}")
        # Some already have a grassroots union, founded in earlier years; the larger the more likely.
        pool = [e for e in self.enterprises if e[1] >= COVERAGE_MIN_WORKFORCE]
        unionised = []
        while len(unionised) < UNIONISED_BEFORE:
            choice = self.rng.choices(pool, weights=[min(e[1], 2000) for e in pool])[0]
            pool.remove(choice)
            unionised.append(choice)
        self.unionised = {e[0] for e in unionised}
        for enterprise_id, _staff, spec, _zone in sorted(unionised, key=lambda e: e[0]):
            founded = self._back(dt.date(self.year - self.rng.randint(2, 15), self.rng.randint(1, 12), 15))
            enterprise = Enterprise.objects.get(pk=enterprise_id)
            with clock.travel_to(self._moment(founded)):
                union = org.unit_create(name=f"Công đoàn cơ sở {enterprise.name}", code=f"cdcs-{enterprise.tax_code}",
                                        kind=self.grassroots_kind, parent=self.units[spec.code], actor=self.quantri)
            with clock.travel_to(self._moment(self.registry_day)):
                enterprise_mark_unionised(enterprise=enterprise, union_unit=union)
        self.log(f"Enterprises with a grassroots union from earlier years: {len(unionised)}")

    # --- campaigns --------------------------------------------------------------------------
    def _plans(self) -> list[_Plan]:
        rng = self.rng
        eligible = [e for e in self.enterprises if e[0] not in self.unionised]
        chosen = rng.sample(eligible, CAMPAIGNS)
        finals = [stage for stage, count in FINAL_STAGES.items() for _ in range(count)]
        rng.shuffle(finals)
        reasons = [reason for reason, count in ABANDON_REASONS.items() for _ in range(count)]
        rng.shuffle(reasons)
        province_group = self.groups[words.PROVINCE_GROUP]
        plans = []
        for (enterprise_id, staff, spec, zone), final in zip(chosen, finals, strict=False):
            reason = reasons.pop() if final == Stage.ABANDONED else ""
            steps = self._steps(final, reason)
            if spec.groups:
                if spec.profile == "kcn":
                    group_index = next(g for z, _c, g, _w in words.INDUSTRIAL_ZONES if z == zone)
                    group = self.groups[spec.groups[group_index]]
                else:
                    group = self.groups[spec.groups[0]]
                # A few fresh campaigns still wait in the supervisor's hands.
                if final == Stage.SURVEYED and rng.random() < 0.2:
                    group = None
            else:
                # Units without a working group of their own lean on the province's.
                group = province_group if (final != Stage.SURVEYED or rng.random() < 0.4) else None
            supervisor = self.users["giamsat.khuvuc" if spec.code == DISTRICT_CODE else "giamsat"]
            plan = _Plan(enterprise_id=enterprise_id, enterprise_workforce=staff, unit=spec,
                         final=final, steps=steps,
                         group_id=group.pk if group else None,
                         assign_later=bool(group) and rng.random() < 0.15, supervisor=supervisor, reason=reason,
                         workforce=staff)
            if group is not None:
                plan.officers = self.members[group.pk]
                canbo = self.users["canbo"]
                if canbo in plan.officers and rng.random() < 0.6:
                    plan.lead = canbo
                else:
                    plan.lead = rng.choice(plan.officers)
            plans.append(plan)
        return plans

    def _steps(self, final: str, reason: str) -> list[str]:
        rng = self.rng
        if final in _FORWARD_COUNT:
            steps = list(_FORWARD[:_FORWARD_COUNT[final]])
        elif final == Stage.ON_HOLD:
            steps = list(_FORWARD[:rng.choice((0, 1, 1, 2, 2))]) + ["hold"]
        else:
            forward = {
                AbandonReason.EMPLOYER_REFUSED: (0, 1),
                AbandonReason.WORKERS_DECLINED: (1, 2),
                AbandonReason.ENTERPRISE_DISSOLVED: (0, 1, 2),
                AbandonReason.MERGED: (0, 1, 2, 3),
                AbandonReason.OTHER: (0, 1, 2),
            }[reason]
            steps = list(_FORWARD[:rng.choice(forward)])
            steps += ["hold", "abandon"] if reason == AbandonReason.ENTERPRISE_DISSOLVED else ["abandon"]
        # Some cases were paused for a while and picked up again.
        forward_steps = sum(step in _FORWARD for step in steps)
        if forward_steps >= 2 and rng.random() < 0.2:
            at = rng.randint(0, forward_steps - 1)
            steps[at:at] = ["hold", "resume"]
        return steps

    def _dates(self, steps: list[str], final: str) -> list[dt.date]:
        """The day the campaign is opened, then the day of each step. A closed
        campaign is opened any time from January to October; an open one has
        sat at its stage for a few days to a few months."""
        rng = self.rng
        gaps = [rng.randint(*_STEP_DAYS[step]) for step in steps]
        room = (self.last - self.start).days - 5
        if sum(gaps) > room:
            gaps = [max(5, g * room // sum(gaps)) for g in gaps]
        latest_open = max(self.start, min(self.open_until, self.last - dt.timedelta(days=sum(gaps) + 2)))
        if final in OPEN_STAGES:
            low, high = rng.choice(((3, 30),) * 12 + ((30, 75),) * 5 + ((75, 200),) * 3)
            since = rng.randint(low, high)
            opened = self.last - dt.timedelta(days=since + sum(gaps))
            opened = self._back(min(max(opened, self.start), latest_open))
            opened = max(opened, self.start)
        else:
            opened = self._day_between(self.start, latest_open)
        while True:
            days = [opened]
            for gap in gaps:
                day = self._back(days[-1] + dt.timedelta(days=gap))
                if day <= days[-1] + dt.timedelta(days=2):
                    day = self._fwd(days[-1] + dt.timedelta(days=gap))
                days.append(day)
            if days[-1] <= self.last or opened <= self.start:
                return days
            opened = max(self.start, self._back(opened - (days[-1] - self.last)))

    def _campaigns(self) -> None:
        plans = self._plans()
        for number, plan in enumerate(plans, start=1):
            self._run(plan)
            if number % 25 == 0 or number == len(plans):
                self.log(f"Campaigns: {number}/{len(plans)}")

    def _run(self, plan: _Plan) -> None:
        days = self._dates(plan.steps, plan.final)
        opened_at = self._morning(days[0])
        with clock.travel_to(opened_at):
            campaign = campaign_services.campaign_open(
                enterprise_id=plan.enterprise_id, actor=plan.supervisor,
                working_group_id=None if plan.assign_later else plan.group_id)
        campaign_id = campaign.pk
        stage = Stage.SURVEYED
        held = ""
        entered_at = opened_at
        for index, step in enumerate(plan.steps + [None]):
            leave_day = days[index + 1] if step else None
            self._work_stage(plan, campaign_id, stage, entered_at, leave_day, step, first=index == 0)
            if step is None:
                break
            entered_at = self._morning(leave_day)
            with clock.travel_to(entered_at):
                stage, held = self._take(plan, campaign_id, step, stage, held, leave_day)

    def _take(self, plan: _Plan, campaign_id: int, step: str, stage: str, held: str,
              day: dt.date) -> tuple[str, str]:
        """Take ``step`` now; return the new stage and the held stage."""
        rng = self.rng
        actor, data = plan.lead, {}  # forward steps: the guard data was recorded while at the stage
        if step == "congress":
            data = {"congress_on": day - dt.timedelta(days=rng.choice((0, 0, 1, 2)))}
        elif step == "recognise":
            abbr = plan.unit.abbr
            self.decisions[plan.unit.code] += 1
            number = f"{40 + 7 * self.decisions[plan.unit.code] + rng.randint(0, 6)}/QĐ-{abbr}"
            admitted = max(5, plan.applications - rng.randint(0, max(0, plan.applications // 20)))
            actor, data = plan.supervisor, {"decision_number": number, "decision_date": day,
                                            "admitted_members": admitted}
        elif step == "hold":
            actor, data = plan.lead or plan.supervisor, {"note": rng.choice(words.HOLD_NOTES)}
        elif step == "resume":
            actor, data = plan.lead or plan.supervisor, {"note": rng.choice(words.RESUME_NOTES)}
        elif step == "abandon":
            actor, data = plan.supervisor, {"reason": plan.reason, "note": words.ABANDON_NOTES[plan.reason]}
        campaign = campaign_services.campaign_transition(campaign_id=campaign_id, name=_STEP_TRANSITION[step],
                                                         actor=actor, data=data, expected_stage=stage)
        return campaign.stage, campaign.held_stage

    def _officer(self, plan: _Plan):
        """Mostly the lead officer; now and then another member of the group."""
        if len(plan.officers) > 1 and self.rng.random() < 0.25:
            return self.rng.choice(plan.officers)
        return plan.lead

    def _work_stage(self, plan: _Plan, campaign_id: int, stage: str, entered_at: dt.datetime,
                    leave_day: dt.date | None, next_step: str | None, *, first: bool) -> None:
        """What happens while the campaign sits at ``stage``: from ``entered_at``
        to the morning of ``leave_day`` (today, for the stage it is still at)."""
        rng = self.rng
        if plan.group_id is None:
            return  # waiting for a working group: nobody works the case yet
        low = entered_at.date()
        high = self._back(leave_day - _DAY) if leave_day else self.last
        actions: list[tuple[dt.datetime, int, Callable[[], object]]] = []

        def add(moment: dt.datetime, action: Callable[[], object]) -> None:
            actions.append((moment, len(actions), action))

        after = entered_at
        if first and plan.assign_later:
            assign_day = self._day_between(low, min(high, low + dt.timedelta(days=6)))
            after = self._moment(assign_day, after=entered_at)
            add(after, lambda: campaign_services.campaign_assign(
                campaign_id=campaign_id, working_group_id=plan.group_id, actor=plan.supervisor))
            low = assign_day

        def when(after_moment: dt.datetime | None = None, start: dt.date | None = None,
                 end: dt.date | None = None) -> dt.datetime:
            day = self._day_between(start or low, end or high)
            return self._moment(day, after=after_moment or after)

        if stage in (Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE, Stage.FOUNDING_CONGRESS):
            self._tasks(plan, campaign_id, stage, leave_day, add, when, after)
        self._records(plan, campaign_id, stage, next_step, add, when)
        if rng.random() < 0.3 and stage in words.NOTES:
            text = rng.choice(words.NOTES[stage])
            officer = self._officer(plan)
            add(when(), lambda: campaign_services.campaign_note_add(campaign_id=campaign_id, actor=officer, text=text))

        for moment, _order, action in sorted(actions, key=lambda a: (a[0], a[1])):
            with clock.travel_to(moment):
                action()

    def _tasks(self, plan: _Plan, campaign_id: int, stage: str, leave_day: dt.date | None, add, when,
               after: dt.datetime) -> None:
        """Officers take tasks from the queue and complete them; what is left
        when the stage is left is cancelled by the transition, what is left
        at the current stage stays open (overdue if its day has passed)."""
        rng = self.rng
        tasks = list(Task.objects.filter(campaign_id=campaign_id, stage=stage, status=TaskStatus.OPEN)
                     .order_by("pk").values_list("pk", "due_on"))
        current = leave_day is None
        for task_id, due_on in tasks:
            if current:
                overdue = due_on < self.today
                p_done, p_claim = (0.55, 0.5) if overdue else (0.2, 0.45)
            else:
                p_done, p_claim = 0.75, 0.3
            done = rng.random() < p_done
            claimed = rng.random() < (0.35 if done else p_claim)
            # What is still open at the current stage sits mostly with the lead officer.
            officer = plan.lead if current and not done and rng.random() < 0.7 else self._officer(plan)
            claim_at = None
            if claimed:
                claim_at = when()
                add(claim_at, lambda t=task_id, o=officer: campaign_services.task_claim(task_id=t, actor=o))
            if done:
                # Mostly on time, sometimes a few days late.
                target_end = due_on + dt.timedelta(days=rng.choice((0, 0, 0, 3, 7)))
                start = claim_at.date() if claim_at else None
                moment = when(after_moment=claim_at or after, start=start, end=self._clip(target_end, leave_day))
                note = rng.choice(("", "", "Đã hoàn thành, báo cáo tổ trưởng.", "Đã gửi biên bản làm việc."))
                add(moment, lambda t=task_id, o=officer, n=note: campaign_services.task_complete(
                    task_id=t, actor=o, note=n))

    def _clip(self, day: dt.date, leave_day: dt.date | None) -> dt.date:
        high = self._back(leave_day - _DAY) if leave_day else self.last
        return min(day, high)

    def _records(self, plan: _Plan, campaign_id: int, stage: str, next_step: str | None, add, when) -> None:
        """The facts the case records at ``stage``: meetings before the employer
        is contacted, the committee before it is formed, applications before
        the congress (enough to meet the guards when the step follows)."""
        rng = self.rng
        officer = self._officer(plan)
        if stage == Stage.SURVEYED:
            if plan.core_group == 0 and (next_step == "contact" or rng.random() < 0.6):
                surveyed = max(10, plan.enterprise_workforce + rng.randint(-plan.enterprise_workforce // 10,
                                                                          plan.enterprise_workforce // 20))
                core = rng.randint(2, 6)
                plan.workforce, plan.core_group = surveyed, core
                add(when(), lambda: campaign_services.campaign_counts_record(
                    campaign_id=campaign_id, actor=officer, workforce=surveyed, core_group=core,
                    note="Số liệu khảo sát tại doanh nghiệp."))
            refused = next_step == "abandon" and plan.reason == AbandonReason.EMPLOYER_REFUSED
            if next_step == "contact" or refused:
                outcomes = ([MeetingOutcome.OPPOSED] if refused else
                            [rng.choice((MeetingOutcome.NEUTRAL, MeetingOutcome.OPPOSED))] if rng.random() < 0.3
                            else [])
                outcomes.append(MeetingOutcome.OPPOSED if refused else
                                rng.choice((MeetingOutcome.SUPPORTIVE, MeetingOutcome.SUPPORTIVE,
                                            MeetingOutcome.NEUTRAL)))
                self._meetings(plan, campaign_id, outcomes, add, when)
        elif stage == Stage.EMPLOYER_CONTACTED:
            if next_step == "abandon" and plan.reason == AbandonReason.EMPLOYER_REFUSED:
                self._meetings(plan, campaign_id, [MeetingOutcome.OPPOSED], add, when)
            if next_step == "committee" or (next_step is None and rng.random() < 0.4):
                size = rng.randint(3, 7) if next_step == "committee" else 2
                self._committee(plan, campaign_id, size, add, when)
        elif stage == Stage.MOBILISING_COMMITTEE:
            ceiling = plan.workforce or plan.enterprise_workforce
            if next_step == "congress":
                # The founding members: a share of the workforce, a few hundred at most
                # (the rest join once the union exists).
                final = max(5, min(ceiling, round(ceiling * rng.uniform(0.2, 0.7)), rng.randint(250, 700)))
            elif next_step == "abandon" and plan.reason == AbandonReason.WORKERS_DECLINED:
                final = min(ceiling, rng.randint(1, 3))
            elif next_step is None:
                final = max(1, min(ceiling, round(ceiling * rng.uniform(0.05, 0.5)), rng.randint(150, 500)))
            else:
                final = 0
            if final > plan.applications:
                rounds = sorted({rng.randint(plan.applications + 1, final) for _ in range(rng.randint(0, 2))} | {final})
                moments = sorted(when() for _ in rounds)
                for moment, value in zip(moments, rounds, strict=True):
                    officer = self._officer(plan)
                    add(moment, lambda v=value, o=officer: campaign_services.campaign_counts_record(
                        campaign_id=campaign_id, actor=o, applications=v,
                        note="Ban vận động tiếp nhận đơn xin gia nhập công đoàn."))
                plan.applications = final

    def _meetings(self, plan, campaign_id, outcomes, add, when) -> None:
        moments = sorted(when() for _ in outcomes)
        for moment, outcome in zip(moments, outcomes, strict=True):
            officer = self._officer(plan)
            add(moment, lambda m=moment, o=outcome, by=officer: campaign_services.campaign_meeting_record(
                campaign_id=campaign_id, actor=by, held_on=m.date(), outcome=o, note=words.MEETING_NOTES[o],
                attendees="Giám đốc nhân sự; Trưởng phòng hành chính"))

    def _committee(self, plan, campaign_id, size, add, when) -> None:
        rng = self.rng
        members = [CommitteeMemberData(words.person_name(rng), rng.choice(words.WORKER_JOBS), words.phone(rng),
                                       is_head=(i == 0)) for i in range(size)]
        moment = when()
        officer = self._officer(plan)
        add(moment, lambda: campaign_services.campaign_committee_record(
            campaign_id=campaign_id, actor=officer, members=members, formed_on=moment.date(),
            note="Ban vận động thành lập công đoàn cơ sở."))

    # --- the first year of the unions recognised this year -----------------------------------
    def _follow_ups(self) -> None:
        """The unions recognised in the demo are at different points of their
        first year (their recognition opened the follow-up): the founding
        officers record the milestones done, with the day and the evidence.
        Oldest first: one failed (the district's supervisor records it, with
        the members lost), then in turn one standing on its own (every core
        milestone done, some with a collective agreement), one late (only
        its launch), one on track (every milestone due so far done). Its own
        random sequence, so the rest of the demo does not move."""
        rng = random.Random(SEED + 20)
        follow_ups = list(FollowUp.objects.select_related("campaign").order_by("opened_on", "pk"))
        failed = next((f for f in follow_ups if (self.last - f.opened_on).days >= 90), None)
        turn = 0
        for follow_up in follow_ups:
            tasks = list(Task.objects.filter(campaign_id=follow_up.campaign_id, stage=Stage.RECOGNISED,
                                             status=TaskStatus.OPEN).order_by("due_on", "pk"))
            officer = self.members[follow_up.campaign.working_group_id][0]
            if follow_up is failed:
                self._milestones_done(rng, officer, [t for t in tasks if t.milestone == "launch"])
                self._follow_up_failed(rng, follow_up)
                continue
            kind = ("standing", "late", "on_track")[turn % 3]
            turn += 1
            due = [t for t in tasks if t.due_on < self.today]
            if kind == "standing" and any(t.milestone == "dialogue" for t in due):
                agreement = turn % 2 == 0
                chosen = [t for t in tasks if t.is_core or (agreement and t.milestone == "agreement")]
            elif kind == "late" and len(due) >= 2:
                chosen = [t for t in due if t.milestone == "launch"]
            else:
                chosen = due
            self._milestones_done(rng, officer, chosen)

    def _milestones_done(self, rng: random.Random, officer, tasks: list[Task]) -> None:
        """Each milestone done a few days before its due day (not after the
        last day), recorded that day or a little later."""
        for task in tasks:
            opened = task.created_at.date()
            done_on = self._back(min(self.last, task.due_on - dt.timedelta(days=rng.randint(0, 8))))
            done_on = max(done_on, self._fwd(opened + _DAY))
            recorded = min(self.last, self._fwd(done_on + dt.timedelta(days=rng.randint(0, 3))))
            at = dt.datetime.combine(recorded, dt.time(rng.randint(9, 16), rng.randint(0, 59)))
            with clock.travel_to(at):
                campaign_services.task_complete(task_id=task.pk, actor=officer, done_on=done_on,
                                                note=rng.choice(words.MILESTONE_NOTES))

    def _follow_up_failed(self, rng: random.Random, follow_up: FollowUp) -> None:
        recognised_by = (CampaignEvent.objects.filter(campaign_id=follow_up.campaign_id, kind=EventKind.STAGE)
                         .order_by("-at", "-pk").values_list("actor", flat=True).first())
        actor = get_user_model().objects.get(pk=recognised_by)
        on = self._back(follow_up.opened_on + dt.timedelta(days=rng.randint(60, 80)))
        lost = max(1, follow_up.campaign.admitted_members // 2)
        note = "Chủ doanh nghiệp gây sức ép, ban chấp hành xin thôi, đoàn viên rút khỏi công đoàn."
        with clock.travel_to(dt.datetime.combine(min(self.last, self._fwd(on + _DAY)), dt.time(10, 30))):
            stats.follow_up_failed(campaign_id=follow_up.campaign_id, actor=actor,
                                   reason=FailureReason.EMPLOYER_PRESSURE, on=on, members_lost=lost, note=note)

    # --- planning: programmes, targets, member counts, estimates, movements ------------------
    def _planning(self) -> None:
        """The province's programmes, entered by its supervisor through the
        statistics services: the congress term, the resolution's programme
        with its 2028 milestone, this year's plan (allocated beyond what was
        received) and next year's; the member counts of the child units at the
        end of last year, their estimates for next year and a few movements."""
        planner = self.users["giamsat"]
        province = self.province
        year = self.year
        # The province enters its plans and last year's counts early in the year.
        entry_day = min(self._fwd(dt.date(year, 1, 15)), self.last)
        self.targets_made = 0
        with clock.travel_to(self._morning(entry_day)):
            congress = stats.programme_create(
                unit_id=province.pk, name=words.CONGRESS_NAME, basis_kind=ProgrammeBasis.CONGRESS_RESOLUTION,
                basis=words.CONGRESS_BASIS, start=CONGRESS_TERM[0], end=CONGRESS_TERM[1], actor=planner)
            self._plan_targets(congress, planner, Metric.NET_MEMBERS, CONGRESS_RECEIVED[Metric.NET_MEMBERS],
                               {spec: spec.members_target * 4 for spec in CHILD_UNITS})
            self._plan_targets(congress, planner, Metric.NEW_UNIONS, CONGRESS_RECEIVED[Metric.NEW_UNIONS],
                               {spec: spec.unions_target * 4 for spec in CHILD_UNITS})

            resolution = stats.programme_create(
                unit_id=province.pk, name=words.RESOLUTION_NAME, basis_kind=ProgrammeBasis.RESOLUTION_PLAN,
                basis=words.RESOLUTION_BASIS, start=RESOLUTION_PERIOD[0], end=RESOLUTION_PERIOD[1], actor=planner,
                milestones=[(RESOLUTION_MILESTONE, words.RESOLUTION_MILESTONE)])
            for due_on, (low, high) in RESOLUTION_MEMBERS.items():
                stats.target_set_received(programme_id=resolution.pk, unit_id=province.pk,
                                          metric=Metric.UNION_MEMBERS, value=low, value_max=high, due_on=due_on,
                                          actor=planner)
                stats.target_set_received(programme_id=resolution.pk, unit_id=province.pk, metric=Metric.COVERAGE,
                                          value=100, filters=RESOLUTION_COVERAGE, due_on=due_on, actor=planner)
                self.targets_made += 2

            plan = self._year_plan(year, entry_day, "05", planner)
            self._plan_targets(plan, planner, Metric.NEW_MEMBERS, RECEIVED[Metric.NEW_MEMBERS],
                               {spec: spec.members_target for spec in CHILD_UNITS})
            self._plan_targets(plan, planner, Metric.NEW_UNIONS, RECEIVED[Metric.NEW_UNIONS],
                               {spec: spec.unions_target for spec in CHILD_UNITS})
            self._plan_targets(plan, planner, Metric.COVERAGE, RECEIVED[Metric.COVERAGE],
                               dict.fromkeys(CHILD_UNITS, 100), filters=YEAR_COVERAGE)
            members = self._member_counts(planner, min(dt.date(year - 1, 12, 31), entry_day))
        self._movements(planner)
        # Next year's plan and the estimates it rests on are drafted in the autumn.
        draft_day = self._back(min(dt.date(year, 11, 5), self.last))
        with clock.travel_to(self._morning(draft_day)):
            following = self._year_plan(year + 1, draft_day, "", planner)
            self._plan_targets(following, planner, Metric.NEW_MEMBERS, NEXT_YEAR_RECEIVED[Metric.NEW_MEMBERS],
                               {spec: round(spec.members_target * 1.1 / 50) * 50 for spec in CHILD_UNITS})
            # one union more next year where there are three or more this year
            unions = {spec: spec.unions_target + (1 if spec.unions_target >= 3 else 0) for spec in CHILD_UNITS}
            self._plan_targets(following, planner, Metric.NEW_UNIONS, NEXT_YEAR_RECEIVED[Metric.NEW_UNIONS], unions)
            increase = self._estimates(planner, year + 1, draft_day)
        allocated = sum(spec.members_target for spec in CHILD_UNITS)
        self.log(f"Programmes: 4 (congress term {CONGRESS_TERM[0].year}–{CONGRESS_TERM[1].year}, resolution "
                 f"{RESOLUTION_PERIOD[0].year}–{RESOLUTION_PERIOD[1].year}, plans {year} and {year + 1}); "
                 f"{self.targets_made} targets.")
        self.log(_dots(f"Targets {year}: received {RECEIVED[Metric.NEW_MEMBERS]:,} new members and "
                       f"{RECEIVED[Metric.NEW_UNIONS]} new grassroots unions; allocated {allocated:,} new members "
                       f"to the child units."))
        self.log(_dots(f"Member counts at 31/12/{year - 1}: {members:,} members in {len(CHILD_UNITS)} child units "
                       f"({UNIONISED_BEFORE} grassroots unions counted); "
                       f"expected workforce increase in {year + 1}: {increase:,}; "
                       f"member movements: {self.movements_made}."))

    def _year_plan(self, year: int, day: dt.date, number: str, planner):
        basis = (words.YEAR_PLAN_BASIS.format(number=number, day=f"{day:%d/%m/%Y}") if number
                 else words.NEXT_YEAR_PLAN_BASIS.format(year=year, day=f"{day:%d/%m/%Y}"))
        return stats.programme_create(unit_id=self.province.pk, name=words.YEAR_PLAN_NAME.format(year=year),
                                      basis_kind=ProgrammeBasis.YEAR_PLAN, basis=basis, start=dt.date(year, 1, 1),
                                      end=dt.date(year, 12, 31), actor=planner)

    def _plan_targets(self, programme, planner, metric: str, received: int, allocations: dict[ChildUnit, int],
                      filters: Filters = NO_FILTERS) -> None:
        """What the province received in ``programme`` and its split over the child units."""
        stats.targets_set(programme_id=programme.pk, unit_id=self.province.pk, metric=metric, received=received,
                          allocations={self.units[spec.code].pk: value for spec, value in allocations.items()},
                          filters=filters, actor=planner)
        self.targets_made += 1 + len(allocations)

    def _member_counts(self, planner, as_of: dt.date) -> int:
        """The members at the end of last year: each grassroots union of the
        registry's enterprises reports its own, each child unit the summary
        of its unions' reports, which also counts the unions outside the
        registry (public agencies, schools, hospitals)."""
        in_registry = Counter()
        for unit_code, union_id, workforce in (Enterprise.objects.filter(pk__in=self.unionised).order_by("pk")
                                               .values_list("responsible_unit__code", "union_unit_id", "workforce")):
            members = round(workforce * self.rng.uniform(0.75, 0.95))
            stats.member_count_record(unit_id=union_id, as_of=as_of, members=members, source=words.CENSUS_SOURCE,
                                      actor=planner)
            in_registry[unit_code] += members
        total = 0
        for spec in CHILD_UNITS:
            members = in_registry[spec.code] + self.rng.randint(*_MEMBERS_OUTSIDE_REGISTRY[spec.profile]) * 10
            stats.member_count_record(unit_id=self.units[spec.code].pk, as_of=as_of, members=members,
                                      source=words.CENSUS_SOURCE, actor=planner)
            total += members
        return total

    def _estimates(self, planner, year: int, as_of: dt.date) -> int:
        """Each child unit's expected workforce increase next year: a few per
        cent of its enterprises' workforce."""
        workforce = Counter()
        for _pk, staff, spec, _zone in self.enterprises:
            workforce[spec.code] += staff
        total = 0
        for spec in CHILD_UNITS:
            value = int(round(workforce[spec.code] * self.rng.uniform(0.03, 0.08), -1))
            stats.estimate_record(unit_id=self.units[spec.code].pk, kind=EstimateKind.WORKFORCE_INCREASE, year=year,
                                  value=value, source=words.ESTIMATE_SOURCE[spec.profile], as_of=as_of, actor=planner)
            total += value
        return total

    def _movements(self, planner) -> None:
        """Members recruited in, or lost by, grassroots unions of earlier years,
        on days in the middle of past months, entered a few days later."""
        unions = list(Unit.objects.filter(pk__in=Enterprise.objects.filter(pk__in=self.unionised)
                                          .values("union_unit_id")).order_by("code"))
        months = [dt.date(self.start.year + (self.start.month + n - 1) // 12, (self.start.month + n - 1) % 12 + 1, 1)
                  for n in range(12)]
        months = [m for m in months if self._back(m.replace(day=20)) + dt.timedelta(days=7) <= self.last]
        self.movements_made = 0
        for n in range(MOVEMENTS):
            kind = MovementKind.LOST if n % 4 == 3 else MovementKind.RECRUITED
            union = self.rng.choice(unions)
            month = months[n * len(months) // MOVEMENTS]
            on = self._back(month.replace(day=self.rng.randint(13, 18)))
            members = self.rng.randint(10, 60) if kind == MovementKind.LOST else self.rng.randint(15, 120)
            with clock.travel_to(self._moment(self._fwd(on + dt.timedelta(days=self.rng.randint(2, 6))))):
                stats.movement_record(unit_id=union.pk, kind=kind, members=members, on=on, actor=planner,
                                      note=self.rng.choice(words.MOVEMENT_NOTES[kind]))
            self.movements_made += 1

    # --- recognition dossiers -------------------------------------------------------------
    #: What the demo's dossiers show, in the order the campaigns at the
    #: founding congress get them (those of the industrial-zone union first,
    #: where the demo officer "canbo" verifies).
    _DOSSIER_STATES = ("submitted", "submitted", "returned", "verified", "late", "draft", "ready")

    def _dossiers(self) -> None:
        from workflows.campaigns.flows import DocumentKind
        from workflows.organisation.models import WorkingGroupUserObjectPermission
        from workflows.recognition import services as review
        from workflows.recognition.models import Dossier
        from workflows.recognition.selectors import active_process, waiting_step

        kcn = self.units[CHILD_UNITS[0].code]
        campaigns = sorted(
            Campaign.objects.filter(stage=Stage.FOUNDING_CONGRESS,
                                    responsible_unit__path__startswith=self.province.path)
            .select_related("responsible_unit"), key=lambda c: (c.responsible_unit_id != kcn.pk, c.pk))
        made, people = Counter(), {user.pk: user for user in self.users.values()}
        officers_of_unit = {}
        for unit_id, user_id in (WorkingGroupUserObjectPermission.objects.order_by("user_id")
                                 .values_list("content_object__unit_id", "user_id")):
            officers_of_unit.setdefault(unit_id, []).append(user_id)
        # a dossier is verified by officers of the campaign's own unit: only units with a working group
        campaigns = [c for c in campaigns if officers_of_unit.get(c.responsible_unit_id)]
        for state, campaign in zip(self._DOSSIER_STATES, campaigns, strict=False):
            officers = list(WorkingGroupUserObjectPermission.objects.filter(
                content_object_id=campaign.working_group_id).order_by("user_id").values_list("user_id", flat=True))
            verifiers = officers_of_unit[campaign.responsible_unit_id]
            submitter = people[officers[0]]
            verifier = people[next((v for v in verifiers if v != submitter.pk), verifiers[0])]
            days_ago = 12 if state == "late" else self.rng.randint(1, 3)
            with clock.travel_to(self._morning(self._back(self.today - dt.timedelta(days=days_ago)))):
                kinds = DocumentKind.values[:3] if state == "draft" else DocumentKind.values
                for kind in kinds:
                    review.document_upload(campaign_id=campaign.pk, actor=submitter, kind=kind,
                                           upload=_demo_pdf(kind, campaign.pk))
                if state in ("draft", "ready"):
                    made[state] += 1
                    continue
                review.dossier_submit(campaign_id=campaign.pk, actor=submitter)
                if state in ("returned", "verified"):
                    step = waiting_step(active_process(Dossier.objects.get(campaign=campaign)))
                    comments = "" if state == "verified" else self.rng.choice(words.REVIEW_COMMENTS)
                    review.dossier_verify(task_id=step.pk, actor=verifier, complete=state == "verified",
                                          comments=comments)
            made[state] += 1
        self.log("Recognition dossiers: " + ", ".join(f"{state} {n}" for state, n in made.items()))

    def _summary(self) -> None:
        stages = Counter(Campaign.objects.filter(responsible_unit__path__startswith=self.province.path)
                         .values_list("stage", flat=True))
        self.log("Campaigns by stage: " + ", ".join(f"{stage} {stages[stage]}" for stage in Stage.values))
        open_tasks = Task.objects.filter(status=TaskStatus.OPEN, campaign__stage__in=OPEN_STAGES,
                                         campaign__responsible_unit__path__startswith=self.province.path)
        self.log(f"Open tasks: {open_tasks.count()}, of which overdue: "
                 f"{open_tasks.filter(due_on__lt=self.today).count()}")


def _dots(text: str) -> str:
    """Thousands separated the Vietnamese way (6.500)."""
    return text.replace(",", ".")


_FORWARD_COUNT = {Stage.SURVEYED: 0, Stage.EMPLOYER_CONTACTED: 1, Stage.MOBILISING_COMMITTEE: 2,
                  Stage.FOUNDING_CONGRESS: 3, Stage.RECOGNISED: 4}


def _demo_pdf(kind: str, campaign_id: int):
    """A one-page PDF standing for a scanned document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    title = f"{kind} {campaign_id}".encode()
    stream = b"BT /F1 18 Tf 72 720 Td (" + title + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return SimpleUploadedFile(f"{kind}.pdf", bytes(out), content_type="application/pdf")


def logins_table(result: DemoResult) -> str:
    """The demo logins, their roles and the shared password, as a text table."""
    rows = [("Login", "Name", "Role", "Where")] + [(login.username, login.full_name, login.role, login.scope)
                                                   for login in result.logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    lines.append("")
    lines.append(f"Password of every demo account: {result.password}")
    if result.admin_existed:
        lines.append("(“admin” existed before the demo was loaded: its password was left unchanged.)")
    lines.append("The other officers of the working groups (e.g. the leaders of the district groups) "
                 "log in with the same password.")
    return "\n".join(lines)
