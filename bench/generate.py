"""Fill an empty, migrated PostgreSQL database with a national-scale data set
for the benchmarks, through the real schema and with bulk COPY.

    createdb -h 127.0.0.1 -U postgres cdcs_bench_gen
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench_gen .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench_gen .venv/bin/python bench/generate.py --scale 0.01

At ``--scale 1.0``: the national root unit (Tổng Liên đoàn), the 34
provincial federations, 20 child units per province (``round(20 × scale)``,
at least 2), 2 working groups per child unit with 3 officers each, a
supervisor per province and per child unit, a manager per province and a
national manager; 1,000,000 enterprises, 1,000,000 campaigns, 10,000,000
tasks and the history of events the services would have written for them.
Everything but the unit tree's upper levels scales linearly with ``--scale``.

What the rows are, service by service (``workflows/*/services.py``):

- ``user_create``: a user and its profile; every password is "bench",
  hashed once with the MD5 hasher of the bench settings.
- ``unit_role_grant`` / ``working_group_create`` / ``working_group_member_add``:
  one direct-FK guardian row per grant (the group's leader is its first officer).
- ``campaign_open`` by the child unit's supervisor, with a working group; the
  "opened" event, the surveyed tasks.
- the guard data before each forward step, each with its event and a version
  bump: ``campaign_meeting_record`` (meeting), ``campaign_committee_record``
  (committee, with its members' rows), ``campaign_counts_record`` (counts).
- ``_transition``: one "stage" event per stage change with
  ``data.days_in_stage`` (working days, from the same calendar as the
  services), the left stage's open tasks cancelled with the service's note,
  the entered stage's template tasks created, due in working days.
- ``campaign_recognise``: decision number and date, admitted members, a
  grassroots union (CĐCS) unit under the responsible unit, the enterprise
  marked as unionised; ``campaign_abandon`` with a reason.
- ``task_add`` (ad-hoc tasks, "task_added"), ``task_claim`` (a task taken
  from the group's queue, "task_reassigned"), ``task_complete`` ("task_done").

Per block of 20 enterprises (``DECK``): 20 campaigns, 8 surveyed, 3 employer
contacted, 2 mobilising committee, 1 founding congress, 1 on hold,
2 recognised, 3 abandoned; two enterprises have an abandoned campaign and a
later open one, two have none; 200 tasks. Not generated: notes, reassignments
by supervisors, recognition dossiers, notifications, targets, member
movements.

The big tables are loaded without their non-unique indexes, which are
recreated (same names, same definitions) once they are full, even if the
load fails; primary keys and unique indexes (one open campaign per
enterprise, tax codes, paths, usernames) are checked row by row. The load
runs as a replica (``session_replication_role``, so the user must be a
superuser, as postgres is) without foreign-key triggers; every foreign key of
the loaded tables is checked afterwards with one anti-join each.

The summary tables are then rebuilt from the base tables by
``workflows.statistics.reconcile.rebuild`` and the run ends by checking that
``reconcile.drift()`` is empty. Sequences are moved past the ids written
here, and the tables are vacuumed and analysed.

The database must be empty (no user, unit or enterprise): ``--force`` empties
it first (TRUNCATE … CASCADE of everything but the migrations' reference
data). The same seed and scale give the same rows (dates follow the day of
the run). Times are local times of ``settings.TIME_ZONE``, whose offset must
not change over the years covered (Asia/Ho_Chi_Minh has had no daylight
saving since 1975).

``generate()`` is what the script runs; tests/bench/test_generate.py calls it
on the test database. Not run by the rest of the test suite.
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, database_url, report, setup  # noqa: E402

PASSWORD = "bench"
SEED = 20260101
#: Enterprises (and so campaigns) at scale 1.0.
ENTERPRISES = 1_000_000
CHILD_UNITS_PER_PROVINCE = 20
GROUPS_PER_UNIT = 2
OFFICERS_PER_GROUP = 3
#: Enterprises written per COPY round (bounded memory).
CHUNK = 5_000

#: The 34 provinces and cities (from 2025), with their share of enterprises.
PROVINCES = (
    ("TP Hồ Chí Minh", 20), ("Hà Nội", 16), ("Hải Phòng", 5), ("Đồng Nai", 5), ("Bắc Ninh", 4),
    ("Đà Nẵng", 3), ("Hưng Yên", 3), ("Tây Ninh", 3), ("Cần Thơ", 2), ("Quảng Ninh", 2), ("Thái Nguyên", 2),
    ("Phú Thọ", 2), ("Ninh Bình", 2), ("Thanh Hóa", 2), ("Nghệ An", 2), ("Khánh Hòa", 2), ("Lâm Đồng", 2),
    ("Đồng Tháp", 2), ("Vĩnh Long", 2), ("An Giang", 2), ("Huế", 1), ("Gia Lai", 1), ("Đắk Lắk", 1),
    ("Quảng Ngãi", 1), ("Quảng Trị", 1), ("Hà Tĩnh", 1), ("Cà Mau", 1), ("Lào Cai", 1), ("Tuyên Quang", 1),
    ("Lạng Sơn", 1), ("Cao Bằng", 1), ("Sơn La", 1), ("Điện Biên", 1), ("Lai Châu", 1),
)

# A campaign's plan: the transitions it took, and how many ad-hoc tasks its
# officers added (spread over its stints in working stages).
SURVEYED = ((), 2)
SURVEYED_AFTER_HOLD = (("hold", "resume"), 3)
CONTACTED = (("contact_employer",), 4)
COMMITTEE = (("contact_employer", "form_committee"), 6)
CONGRESS = (("contact_employer", "form_committee", "hold_congress"), 7)
ON_HOLD = (("contact_employer", "hold"), 4)
RECOGNISED = (("contact_employer", "form_committee", "hold_congress", "recognise"), 8)
ABANDONED_SURVEYED = (("abandon",), 1)
ABANDONED_CONTACTED = (("contact_employer", "abandon"), 2)
ABANDONED_COMMITTEE = (("contact_employer", "form_committee", "abandon"), 3)
#: 20 enterprises, each with its campaigns, oldest first (shuffled per block).
DECK = (
    (ABANDONED_SURVEYED, SURVEYED), (ABANDONED_CONTACTED, CONTACTED), (), (),
    *[(SURVEYED,)] * 6, (SURVEYED_AFTER_HOLD,), (CONTACTED,), (CONTACTED,), (COMMITTEE,), (COMMITTEE,),
    (CONGRESS,), (ON_HOLD,), (RECOGNISED,), (RECOGNISED,), (ABANDONED_COMMITTEE,),
)
STAGE_AFTER = {"contact_employer": "employer_contacted", "form_committee": "mobilising_committee",
               "hold_congress": "founding_congress", "recognise": "recognised", "hold": "on_hold",
               "abandon": "abandoned"}
#: Calendar days a stint lasts, by stage.
STINT_DAYS = {"surveyed": (3, 40), "employer_contacted": (5, 60), "mobilising_committee": (10, 90),
              "founding_congress": (5, 30), "on_hold": (10, 120)}
#: The service that records a forward step's guard data, and its event kind.
RECORD_BEFORE = {"contact_employer": "meeting", "form_committee": "committee", "hold_congress": "counts"}

FAMILY = ("Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Hữu", "Thanh", "Xuân")
GIVEN = ("Hùng", "Dũng", "Tuấn", "Hải", "Long", "Nam", "Hoa", "Lan", "Hương", "Hằng", "Trang", "Linh", "Mai",
         "Sơn", "Quân", "Thảo", "Yến", "Phúc", "An", "Bình")
BRANDS = ("An", "Bình", "Phát", "Thịnh", "Hưng", "Minh", "Tân", "Thành", "Đạt", "Phúc", "Hoàng", "Long", "Việt",
          "Sài Gòn", "Hồng Hà", "Sông Đà", "Trường Sơn", "Hanwha", "Samsung", "Foxconn", "Pou Chen", "Canon")
FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Công ty TNHH Sản xuất Thương mại")
INDUSTRIES = ("Dệt may", "Da giày", "Điện tử", "Cơ khí", "Chế biến thực phẩm", "Xây dựng", "Logistics",
              "Gỗ nội thất", "Bao bì", "Dịch vụ")
SECTORS = ("domestic_private",) * 6 + ("fdi",) * 3 + ("state", "cooperative")
SOURCES = ("social_insurance",) * 6 + ("tax",) * 3 + ("survey",)
ADHOC_TITLES = ("Gặp gỡ người lao động nòng cốt", "Phát tờ rơi Luật Công đoàn", "Tổ chức buổi tư vấn pháp luật",
                "Liên hệ lại phòng nhân sự", "Cập nhật danh sách người lao động", "Họp tổ công tác")
WORKER_JOBS = ("Công nhân chuyền may", "Tổ trưởng sản xuất", "Kỹ thuật viên", "Nhân viên kho", "Trưởng ca")
ABANDON = (("employer_refused", ""), ("workers_declined", ""), ("enterprise_dissolved", ""), ("merged", ""),
           ("other", "Doanh nghiệp chuyển địa điểm ra ngoài tỉnh."))

#: The tables written here, in the order their rows are copied (foreign keys).
TABLES = ("auth_user", "organisation_profile", "organisation_unit", "organisation_workinggroup",
          "organisation_unituserobjectpermission", "organisation_workinggroupuserobjectpermission",
          "enterprises_enterprise", "people_worker", "campaigns_campaign", "campaigns_committeemember",
          "campaigns_campaignevent", "campaigns_task")
COLUMNS = {
    "auth_user": "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
                 "date_joined",
    "organisation_profile": "id, user_id, phone, position, is_collaborator",
    "organisation_unit": "id, path, depth, numchild, code, name, search_name, is_active, created_at, kind_id",
    "organisation_workinggroup": "id, name, is_active, created_at, leader_id, unit_id",
    "organisation_unituserobjectpermission": "id, content_object_id, permission_id, user_id",
    "organisation_workinggroupuserobjectpermission": "id, content_object_id, permission_id, user_id",
    "enterprises_enterprise": "id, tax_code, name, search_name, address, province, commune, industrial_zone, "
                              "ownership_sector, industry, workforce, workforce_as_of, workforce_source, "
                              "responsible_unit_id, has_union, union_unit_id, created_at, updated_at",
    "campaigns_campaign": "id, stage, held_stage, version, opened_at, stage_entered_at, closed_at, workforce, "
                          "core_group, committee_size, applications, admitted_members, employer_met_on, "
                          "employer_meeting_outcome, committee_formed_on, congress_on, decision_number, "
                          "decision_date, abandon_reason, abandon_note, enterprise_id, recognised_unit_id, "
                          "responsible_unit_id, working_group_id",
    # a committee's members are workers of the enterprise (one worker a seat)
    "people_worker": "id, enterprise_id, full_name, gender, department, line, shift, job, phone, zalo, hometown, "
                     "employment_status, id_hash, id_last4, is_leader, consent_method, source, version, created_at",
    "campaigns_committeemember": "id, campaign_id, worker_id, is_head",
    "campaigns_campaignevent": "id, kind, at, from_stage, to_stage, note, data, actor_id, campaign_id, unit_id",
    "campaigns_task": "id, stage, title, description, due_on, status, created_at, closed_at, closing_note, "
                      "assignee_id, campaign_id, closed_by_id, created_by_id, template_id, working_group_id",
}
#: The tables loaded chunk by chunk, without their non-unique indexes.
BIG_TABLES = ("enterprises_enterprise", "people_worker", "campaigns_campaign", "campaigns_committeemember",
              "campaigns_campaignevent", "campaigns_task")
#: The tables loaded chunk by chunk, without foreign-key triggers (checked after).
LOADED = ("organisation_unit", *BIG_TABLES)
NULL = r"\N"
DAY = 86_400


def esc(text: str) -> str:
    """``text`` as a field of COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def line(*fields) -> str:
    return "\t".join(fields) + "\n"


def dumps(data: dict) -> str:
    return esc(json.dumps(data, ensure_ascii=False))


def slug(name: str) -> str:
    from workflows.core.text import fold

    return "-".join(fold(name).split())


def scaled(scale: float) -> dict[str, int]:
    """The sizes that follow from ``scale``."""
    return {"enterprises": round(ENTERPRISES * scale),
            "child_units": max(2, round(CHILD_UNITS_PER_PROVINCE * scale))}


# --- time -------------------------------------------------------------------------
class Clock:
    """Local time as whole seconds since 1970-01-01 00:00 local, days as
    day numbers since then, and the services' working-day calendar as a
    prefix count, so that ``between`` and ``add`` cost one look-up."""

    def __init__(self, now: dt.datetime, back_days: int = 2_000, ahead_days: int = 500) -> None:
        from django.utils import timezone

        from workflows.organisation.workdays import WorkingCalendar

        local = timezone.localtime(now)
        offset = local.utcoffset()
        hours, rest = divmod(int(offset.total_seconds()), 3600)
        self.suffix = f"{hours:+03d}" + (f":{rest // 60:02d}" if rest else "")
        self.epoch = dt.date(1970, 1, 1)
        self.today = (local.date() - self.epoch).days
        self.now = self.today * DAY + local.hour * 3600 + local.minute * 60 + local.second
        self.first = self.today - back_days
        last = self.today + ahead_days
        calendar = WorkingCalendar.load(self.date(self.first), self.date(last))
        self.cum, self.workdays, count = [], [], 0
        for day in range(self.first, last + 1):
            if day > self.first and calendar.is_working_day(self.date(day)):
                count += 1
                self.workdays.append(day)
            self.cum.append(count)
        self._days: dict[int, str] = {}

    def date(self, day: int) -> dt.date:
        return self.epoch + dt.timedelta(days=day)

    def day(self, day: int) -> str:
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = self.date(day).isoformat()
        return text

    def stamp(self, seconds: int) -> str:
        day, rest = divmod(seconds, DAY)
        return f"{self.day(day)} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}{self.suffix}"

    def between(self, start: int, end: int) -> int:
        """Working days after day ``start`` up to and including day ``end``."""
        return self.cum[end - self.first] - self.cum[start - self.first] if end > start else 0

    def add(self, start: int, working_days: int) -> int:
        """The day ``working_days`` (> 0) working days after day ``start``."""
        return self.workdays[self.cum[start - self.first] + working_days - 1]


# --- the organisation ---------------------------------------------------------------
@dataclass
class Group:
    id: int
    name: str
    officers: list[int]


@dataclass
class ChildUnit:
    id: int
    path: str
    province: int  # index in Organisation.provinces
    supervisor: int
    groups: list[Group]
    grassroots: int = 0  # CĐCS units created under it so far
    decisions: int = 0


@dataclass
class Province:
    id: int
    name: str
    code: str
    supervisor: int
    tax_prefix: int
    tax_counter: int = 0


@dataclass
class Organisation:
    root: int
    provinces: list[Province]
    children: list[ChildUnit]
    #: Cumulative weights of the child units, for a weighted pick with bisect.
    weights: list[float]
    labels: dict[int, str]  # user id → full name (what the services show)
    usernames: dict[int, str]
    rows: dict[str, list[str]] = field(default_factory=dict)
    next_unit: int = 0


def person(rng: random.Random) -> str:
    """A Vietnamese full name."""
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def build_organisation(rng: random.Random, sizes: dict[str, int], now: str, password: str, kinds: dict[str, int],
                       perms: dict[str, int]) -> Organisation:
    """The unit tree, the users and their grants, as COPY rows."""
    from workflows.organisation.models import Unit

    users, profiles, units, groups, unit_grants, group_grants = [], [], [], [], [], []
    labels: dict[int, str] = {}
    usernames: dict[int, str] = {}

    def user(username: str, position: str, *, superuser: bool = False) -> int:
        uid = len(users) + 1
        full_name = person(rng)
        first, _sep, last = full_name.rpartition(" ")
        flag = "t" if superuser else "f"
        users.append(line(str(uid), password, flag, username, esc(first), esc(last), "", flag, "t", now))
        profiles.append(line(str(uid), str(uid), f"09{uid:08d}", esc(position), "f"))
        labels[uid], usernames[uid] = full_name, username
        return uid

    def unit(path: str, code: str, name: str, kind: str, numchild: int) -> int:
        uid = len(units) + 1
        units.append(line(str(uid), path, str(len(path) // Unit.steplen), str(numchild), code, esc(name),
                          esc(unit_search_name(name)), "t", now, str(kinds[kind])))
        return uid

    def grant(rows: list[str], obj: int, perm: str, uid: int) -> None:
        rows.append(line(str(len(rows) + 1), str(obj), str(perms[perm]), str(uid)))

    user("bench-admin", "Quản trị hệ thống", superuser=True)
    root_path = Unit._get_path(None, 1, 1)
    root = unit(root_path, "tld-viet-nam", "Tổng Liên đoàn Lao động Việt Nam", "confederation", len(PROVINCES))
    grant(unit_grants, root, "oversee_unit", user("manager-national", "Trưởng ban Tổ chức"))
    provinces, children, weights, total = [], [], [], 0.0
    for p, (pname, pweight) in enumerate(PROVINCES, start=1):
        code = slug(pname)
        path = Unit._get_path(root_path, 2, p)
        pid = unit(path, f"ldld-{code}", f"Liên đoàn Lao động {pname}", "provincial_federation",
                   sizes["child_units"])
        grant(unit_grants, pid, "oversee_unit", user(f"manager-{code}", "Chủ tịch"))
        province = Province(pid, pname, code, user(f"supervisor-{code}", "Trưởng ban Tổ chức"), p)
        grant(unit_grants, pid, "supervise_unit", province.supervisor)
        provinces.append(province)
        for c in range(1, sizes["child_units"] + 1):
            if c == 1:
                kind, uname = "industrial_zone_union", f"Công đoàn các Khu công nghiệp {pname}"
            else:
                kind, uname = "district_federation", f"Liên đoàn Lao động khu vực {c:02d} – {pname}"
            cpath = Unit._get_path(path, 3, c)
            cid = unit(cpath, f"{code}-{c:02d}", uname, kind, 0)
            supervisor = user(f"supervisor-{code}-{c:02d}", "Phó Chủ tịch")
            grant(unit_grants, cid, "supervise_unit", supervisor)
            child = ChildUnit(cid, cpath, p - 1, supervisor, [])
            for g in range(1, GROUPS_PER_UNIT + 1):
                officers = [user(f"officer-{code}-{c:02d}-{g}-{n}", "Chuyên viên Ban Tổ chức")
                            for n in range(1, OFFICERS_PER_GROUP + 1)]
                gid, gname = len(groups) + 1, f"Tổ công tác số {g}"
                groups.append(line(str(gid), esc(gname), "t", now, str(officers[0]), str(cid)))
                for officer in officers:
                    grant(group_grants, gid, "work_in_group", officer)
                child.groups.append(Group(gid, gname, officers))
            children.append(child)
            total += pweight * (3 if c == 1 else 1)
            weights.append(total)
    organisation = Organisation(root, provinces, children, [w / total for w in weights], labels, usernames)
    organisation.rows = {"auth_user": users, "organisation_profile": profiles, "organisation_unit": units,
                         "organisation_workinggroup": groups,
                         "organisation_unituserobjectpermission": unit_grants,
                         "organisation_workinggroupuserobjectpermission": group_grants}
    organisation.next_unit = len(units) + 1
    return organisation


# --- campaigns --------------------------------------------------------------------
@dataclass
class Ids:
    """The next id of each table written chunk by chunk."""

    enterprise: int = 1
    campaign: int = 1
    event: int = 1
    task: int = 1
    member: int = 1


@dataclass
class Template:
    id: int
    title: str
    description: str
    days: int


class Writer:
    """Turns the plans of a chunk of enterprises into COPY rows, keeping the
    ids, the per-unit counters and the tallies the samples are drawn from."""

    def __init__(self, org: Organisation, clock: Clock, ids: Ids, templates: dict[str, list[Template]],
                 grassroots_kind: int) -> None:
        from django.conf import settings
        from django.utils import translation
        from django.utils.translation import gettext as _

        from workflows.campaigns.flows import Stage

        self.org, self.clock, self.ids, self.templates = org, clock, ids, templates
        self.grassroots_kind = grassroots_kind
        with translation.override(settings.LANGUAGE_CODE):
            self.cancel_note = {
                (a.value, b.value): esc(_("Cancelled: the campaign moved from “%(from)s” to “%(to)s”.")
                                        % {"from": a.label, "to": b.label})
                for a in Stage for b in Stage}
            self.union_name = _("Grassroots union of %(name)s")
        self.open_tasks: Counter[int] = Counter()  # assignee → open tasks
        self.campaigns_per_unit: Counter[int] = Counter()
        self.rows: dict[str, list[str]] = {}
        self.when = random.Random()  # set by chunk()

    def chunk(self, rng: random.Random, when: random.Random, count: int) -> dict[str, list[str]]:
        """COPY rows for ``count`` more enterprises (and their campaigns).
        ``rng`` decides what exists (so the counts do not depend on the day
        of the run); ``when`` places moments inside windows that end now."""
        self.when = when
        self.rows = {t: [] for t in ("organisation_unit", "enterprises_enterprise", "people_worker",
                                     "campaigns_campaign", "campaigns_committeemember", "campaigns_campaignevent",
                                     "campaigns_task")}
        deck: list = []
        for _i in range(count):
            if not deck:
                deck = list(DECK)
                rng.shuffle(deck)
            self.enterprise(rng, deck.pop())
        return self.rows

    def enterprise(self, rng: random.Random, plans: tuple) -> None:
        org, clock = self.org, self.clock
        eid = self.ids.enterprise
        self.ids.enterprise += 1
        child = org.children[bisect.bisect_left(org.weights, rng.random())]
        province = org.provinces[child.province]
        tax_code = self.tax_code(province)
        name = (f"{rng.choice(FORMS)} {rng.choice(BRANDS)} {rng.choice(BRANDS)} "
                f"{rng.choice(INDUSTRIES)} {province.tax_prefix:02d}-{eid}")
        workforce = int(rng.lognormvariate(4.2, 1.1)) + (10 if plans else 1)
        source = rng.choice(SOURCES)
        # The campaigns, newest first: an older one closed before the next opened.
        anchor, union_unit, unionised_at, opened = clock.today - 1, None, None, []
        for plan in reversed(plans):
            first_day, recognised = self.campaign(rng, plan, eid, workforce, child, tax_code, name, anchor)
            if recognised:
                union_unit, unionised_at = recognised
            opened.append(first_day)
            anchor = first_day - rng.randint(1, 60)
        created_day = (min(opened) if opened else clock.today) - rng.randint(1, 400)
        created = clock.stamp(created_day * DAY + rng.randint(8 * 3600, 16 * 3600))
        self.rows["enterprises_enterprise"].append(line(
            str(eid), tax_code, esc(name), esc(fold_name(name)), f"Lô {eid % 97 + 1}, đường số {eid % 40 + 1}",
            esc(province.name), f"Phường {eid % 25 + 1}", f"KCN {province.name} {eid % 3 + 1}" if eid % 3 else "",
            rng.choice(SECTORS), rng.choice(INDUSTRIES), str(workforce), clock.day(created_day), source,
            str(child.id), "t" if union_unit else "f", str(union_unit) if union_unit else NULL, created,
            clock.stamp(unionised_at) if unionised_at else created))

    def tax_code(self, province: Province) -> str:
        from workflows.enterprises.validation import tax_code_check_digit

        while True:
            province.tax_counter += 1
            first_nine = f"{province.tax_prefix:02d}{province.tax_counter:07d}"
            digit = tax_code_check_digit(first_nine)
            if digit is not None:
                return f"{first_nine}{digit}"

    def campaign(self, rng: random.Random, plan: tuple, eid: int, workforce: int, child: ChildUnit,
                 tax_code: str, enterprise_name: str, anchor: int) -> tuple[int, tuple[int, int] | None]:
        """Write one campaign; return the day it opened and, if recognised,
        (its CĐCS unit id, the moment of the recognition)."""
        clock, org = self.clock, self.org
        steps, adhoc = plan
        cid = self.ids.campaign
        self.ids.campaign += 1
        self.campaigns_per_unit[child.id] += 1
        group = rng.choice(child.groups)
        officers = group.officers
        supervisor = child.supervisor

        # The stages, and the day of each transition, counted back from the anchor.
        stages = ["surveyed"]
        for step in steps:
            stages.append(stages[-2] if step == "resume" else STAGE_AFTER[step])
        closed = stages[-1] in ("recognised", "abandoned")
        days = [anchor - (rng.randint(0, 540) if closed else rng.randint(0, 90))]
        for stage in reversed(stages[:-1]):
            days.append(days[-1] - rng.randint(*STINT_DAYS[stage]))
        days.reverse()
        moments = [day * DAY + rng.randint(7 * 3600 + 1800, 17 * 3600) for day in days]
        ends = moments[1:] + [clock.now]

        events: list[tuple[int, int, str]] = []  # (at, order, row without its id)
        tasks: list[str] = []

        def event(at: int, kind: str, actor: int, data: dict, *, from_stage: str = "", to_stage: str = "",
                  note: str = "") -> None:
            # the unit responsible when it happened: the campaign's (no campaign moves here)
            events.append((at, len(events), "\t".join((kind, clock.stamp(at), from_stage, to_stage, note,
                                                       dumps(data), str(actor), str(cid), str(child.id)))))

        def work(stage: str, start: int, end: int, *, creator: int, extra: int, left_by: int | None,
                 left_to: str) -> None:
            """The tasks of a stint in a working stage: its templates', ``extra``
            ad-hoc ones; claimed, done, and cancelled when it is left."""
            made = [(t.id, t.title, t.description, clock.add(start // DAY, t.days), start, creator)
                    for t in self.templates[stage]]
            for _n in range(extra):
                at = self.within(start, end)
                made.append((None, rng.choice(ADHOC_TITLES), "", clock.add(at // DAY, rng.randint(3, 15)), at,
                             rng.choice(officers)))
            for template, title, description, due, created, author in made:
                tid = self.ids.task
                self.ids.task += 1
                if template is None:
                    event(created, "task_added", author, {"task": tid, "title": title, "due_on": clock.day(due),
                                                          "assignee": ""})
                since, assignee = created, None
                if rng.random() < 0.35:
                    assignee = officers[bisect.bisect_left((0.5, 0.8, 1.0), rng.random())]
                    since = self.within(created, end - 1)
                    event(since, "task_reassigned", assignee, {"task": tid, "title": title, "from": "",
                                                               "to": org.labels[assignee], "to_id": assignee})
                if rng.random() < (0.75 if left_by else 0.25):
                    closer = assignee or rng.choice(officers)
                    done = self.within(since, end)
                    event(done, "task_done", closer, {"task": tid, "title": title})
                    status, closed_at, closed_by, note = "done", clock.stamp(done), str(closer), ""
                elif left_by:
                    status, closed_at, closed_by = "cancelled", clock.stamp(end), str(left_by)
                    note = self.cancel_note[(stage, left_to)]
                else:
                    status, closed_at, closed_by, note = "open", NULL, NULL, ""
                    if assignee:
                        self.open_tasks[assignee] += 1
                tasks.append(line(str(tid), stage, esc(title), esc(description), clock.day(due), status,
                                  clock.stamp(created), closed_at, note, str(assignee) if assignee else NULL,
                                  str(cid), closed_by, str(author), str(template) if template else NULL,
                                  str(group.id)))

        event(moments[0], "opened", supervisor, {"working_group": group.name}, to_stage="surveyed")
        stints = [k for k, stage in enumerate(stages) if stage in self.templates]
        fields = {"held_stage": "", "version": 0, "core_group": 0, "committee_size": 0, "applications": 0,
                  "admitted": 0, "met_on": NULL, "outcome": "", "formed_on": NULL, "congress_on": NULL,
                  "decision_number": "", "decision_date": NULL, "reason": "", "reason_note": "",
                  "recognised_unit": NULL}
        # Who took each step: supervisors recognise and abandon, officers do the rest.
        actors = [supervisor if step in ("recognise", "abandon") else rng.choice(officers) for step in steps]
        recognised = None
        for k, stage in enumerate(stages):
            start, end = moments[k], ends[k]
            step = steps[k] if k < len(steps) else None
            if k in stints:
                share, rest = divmod(adhoc, len(stints))
                work(stage, start, end, creator=actors[k - 1] if k else supervisor,
                     extra=share + (stints.index(k) < rest), left_by=actors[k] if step else None,
                     left_to=stages[k + 1] if step else "")
            if step is None:
                break
            data: dict = {}
            if step in RECORD_BEFORE:
                at = self.within(start, end)
                recorder = rng.choice(officers)
                fields["version"] += 1
                if step == "contact_employer":
                    fields["met_on"], fields["outcome"] = clock.day(at // DAY), rng.choice(("supportive", "neutral"))
                    event(at, "meeting", recorder, {"held_on": fields["met_on"], "outcome": fields["outcome"],
                                                    "attendees": ""})
                elif step == "form_committee":
                    size = rng.randint(3, 7)
                    fields["committee_size"] = fields["core_group"] = size
                    fields["formed_on"] = clock.day(at // DAY)
                    for n in range(size):
                        self.rows["people_worker"].append(line(
                            str(self.ids.member), str(eid), esc(person(rng)), "", "", "", "",
                            rng.choice(WORKER_JOBS), f"03{self.ids.member:08d}", "", "", "employed", "", "", "f", "",
                            "committee_line", "0", clock.stamp(at)))
                        self.rows["campaigns_committeemember"].append(line(
                            str(self.ids.member), str(cid), str(self.ids.member), "t" if n == 0 else "f"))
                        self.ids.member += 1
                    event(at, "committee", recorder, {"size": [0, size]})
                else:
                    fields["applications"] = rng.randint(5, max(5, min(workforce, 80)))
                    event(at, "counts", recorder, {"applications": [0, fields["applications"]]})
            at = ends[k]
            to_stage = stages[k + 1]
            if step == "hold_congress":
                fields["congress_on"] = data["congress_on"] = clock.day(at // DAY)
            elif step == "recognise":
                child.decisions += 1
                fields["decision_number"] = f"{child.decisions}/QĐ-LĐLĐ"
                fields["decision_date"] = clock.day(at // DAY)
                fields["admitted"] = rng.randint(5, fields["applications"])
                unit_id = self.grassroots_unit(child, tax_code, cid, enterprise_name, at)
                fields["recognised_unit"] = str(unit_id)
                recognised = (unit_id, at)
                data = {"decision_number": fields["decision_number"], "decision_date": fields["decision_date"],
                        "admitted_members": fields["admitted"], "unit_id": unit_id}
            elif step == "abandon":
                fields["reason"], fields["reason_note"] = rng.choice(ABANDON)
                data = {"reason": fields["reason"]}
            fields["held_stage"] = stage if step == "hold" else ""
            data["days_in_stage"] = clock.between(start // DAY, at // DAY)
            fields["version"] += 1
            event(at, "stage", actors[k], data, from_stage=stage, to_stage=to_stage,
                  note=esc(fields["reason_note"]) if step == "abandon" else "")

        final = stages[-1]
        self.rows["campaigns_campaign"].append(line(
            str(cid), final, fields["held_stage"], str(fields["version"]), clock.stamp(moments[0]),
            clock.stamp(moments[-1]), clock.stamp(moments[-1]) if closed else NULL, str(workforce),
            str(fields["core_group"]), str(fields["committee_size"]), str(fields["applications"]),
            str(fields["admitted"]), fields["met_on"], fields["outcome"], fields["formed_on"], fields["congress_on"],
            esc(fields["decision_number"]), fields["decision_date"], fields["reason"], esc(fields["reason_note"]),
            str(eid), fields["recognised_unit"], str(child.id), str(group.id)))
        events.sort()
        event_rows = self.rows["campaigns_campaignevent"]
        for _at, _order, row in events:
            event_rows.append(f"{self.ids.event}\t{row}\n")
            self.ids.event += 1
        self.rows["campaigns_task"] += tasks
        return days[0], recognised

    def within(self, start: int, end: int) -> int:
        """A moment strictly between ``start`` and ``end`` (seconds)."""
        return self.when.randint(start + 1, max(start + 1, end - 1))

    def grassroots_unit(self, child: ChildUnit, tax_code: str, cid: int, enterprise_name: str, at: int) -> int:
        """The CĐCS unit ``campaign_recognise`` creates under the responsible unit."""
        from workflows.organisation.models import Unit

        child.grassroots += 1
        uid = self.org.next_unit
        self.org.next_unit += 1
        name = (self.union_name % {"name": enterprise_name})[:255]
        self.rows["organisation_unit"].append(line(
            str(uid), Unit._get_path(child.path, 4, child.grassroots), "4", "0", f"cdcs-{tax_code}-{cid}",
            esc(name), esc(unit_search_name(name)), "t", self.clock.stamp(at), str(self.grassroots_kind)))
        return uid


def unit_search_name(name: str) -> str:
    """``Unit.search_name`` as the services compute it."""
    from workflows.organisation.services import _search_name

    return _search_name(name)


def fold_name(name: str) -> str:
    """``Enterprise.search_name`` as the services compute it."""
    from workflows.enterprises.services import _search_name

    return _search_name(name)


# --- the run --------------------------------------------------------------------
class DatabaseNotEmpty(Exception):
    pass


class Timer:
    """Seconds and rows per part of the run, in the order parts first ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.rows: Counter[str] = Counter()

    def run(self, part: str, call, rows: int = 0):
        started = time.perf_counter()
        result = call()
        self.seconds[part] = self.seconds.get(part, 0.0) + time.perf_counter() - started
        self.rows[part] += rows
        return result

    def report_rows(self, scale: float, total: float) -> list[dict]:
        rows = [{"scale": f"{scale:g}", "part": part, "rows": self.rows[part] or None, "seconds": round(seconds, 2),
                 "rows_per_s": round(self.rows[part] / seconds) if self.rows[part] and seconds else None}
                for part, seconds in self.seconds.items()]
        written = sum(self.rows.values())
        return rows + [{"scale": f"{scale:g}", "part": "total", "rows": written, "seconds": round(total, 2),
                        "rows_per_s": round(written / total) if total else None}]


def copy(table: str, rows: list[str]) -> None:
    """COPY ``rows`` (lines of COPY's text format) into ``table``, as one
    statement (autocommit: its deferred foreign keys are checked at its end)."""
    from django.db import connection

    if not rows:
        return
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as stream:
        for start in range(0, len(rows), 10_000):
            stream.write("".join(rows[start:start + 10_000]))


def prepare(force: bool) -> None:
    """Refuse a database that holds users, units or enterprises; with
    ``force``, empty it (everything but the migrations' reference data)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM auth_user) OR EXISTS (SELECT 1 FROM organisation_unit) "
                       "OR EXISTS (SELECT 1 FROM enterprises_enterprise)")
        if cursor.fetchone()[0]:
            if not force:
                raise DatabaseNotEmpty(f"The database {connection.settings_dict['NAME']} is not empty: "
                                       "use a fresh one, or --force to empty it first.")
            cursor.execute("TRUNCATE auth_user, organisation_unit, enterprises_enterprise RESTART IDENTITY CASCADE")


def drop_secondary_indexes() -> list[str]:
    """Drop the non-unique indexes of the big tables for the load (they are
    cheaper to build once than to maintain row by row) and return the
    statements that recreate them. Unique indexes stay: they check the load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                       "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                       "WHERE t.relname = ANY(%s) AND NOT x.indisunique ORDER BY 1", [list(BIG_TABLES)])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


def check_foreign_keys() -> None:
    """The foreign keys the load did not check row by row (it runs as a
    replica: no triggers), checked at once, one anti-join per key."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT t.relname, a.attname, p.relname, pa.attname FROM pg_constraint c "
                       "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid "
                       "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                       "JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1] "
                       "WHERE c.contype = 'f' AND t.relname = ANY(%s) ORDER BY 1, 2", [list(LOADED)])
        for table, column, parent, key in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}" c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '
                           f'(SELECT 1 FROM "{parent}" p WHERE p."{key}" = c."{column}")')
            if missing := cursor.fetchone()[0]:
                raise RuntimeError(f"{missing} row(s) of {table}.{column} point to no {parent} row")


def create_indexes(definitions: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")


def finish_tree() -> None:
    """Count the CĐCS units under each child unit (treebeard's numchild)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE organisation_unit AS parent SET numchild = c.n FROM "
                       "(SELECT substr(path, 1, 12) AS path, count(*) AS n FROM organisation_unit WHERE depth = 4 "
                       "GROUP BY 1) AS c WHERE parent.path = c.path")


def reset_sequences() -> None:
    """Move the id sequences past the ids written here."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models = [m for m in apps.get_models() if m._meta.db_table in TABLES]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def summary_tables() -> list[str]:
    from workflows.statistics.reconcile import summary_tables as kept

    return [model._meta.db_table for model, *_rest in kept()]


def vacuum_analyze() -> None:
    """Set the visibility map and the planner's statistics, as autovacuum
    would have long since done on a database that grew this big."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (*TABLES, *summary_tables()):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in (*TABLES, *summary_tables()):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def samples(org: Organisation, writer: Writer) -> dict:
    """The identities later benchmarks sign in as and look at: the province
    with the most campaigns, its busiest child unit, that unit's officer with
    the most open tasks, and its supervisors."""
    per_province: Counter[int] = Counter()
    for child in org.children:
        per_province[child.province] += writer.campaigns_per_unit[child.id]
    p = max(range(len(org.provinces)), key=lambda i: (per_province[i], -i))
    province = org.provinces[p]
    child = max((c for c in org.children if c.province == p), key=lambda c: (writer.campaigns_per_unit[c.id], -c.id))
    officers = [o for g in child.groups for o in g.officers]
    officer = max(officers, key=lambda o: (writer.open_tasks[o], -o))
    return {
        "root_unit_id": org.root, "province_id": province.id, "province_code": f"ldld-{province.code}",
        "child_unit_id": child.id, "officer_username": org.usernames[officer],
        "officer_open_tasks": writer.open_tasks[officer],
        "child_supervisor_username": org.usernames[child.supervisor],
        "province_supervisor_username": org.usernames[province.supervisor],
        "national_manager_username": "manager-national", "admin_username": "bench-admin", "password": PASSWORD,
    }


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(scale: float, *, seed: int = SEED, force: bool = False, out: Path | None = None,
             machine: bool = False, log=progress) -> dict:
    """Fill the database of Django's default connection (PostgreSQL, migrated,
    empty unless ``force``); report the time of each part; write the summary
    (scale, counts, sample identities) to ``out`` and return it."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission
    from django.db import connection

    from workflows.campaigns.flows import WORKING_STAGES
    from workflows.campaigns.selectors import stage_templates
    from workflows.core import clock as app_clock
    from workflows.organisation.models import UnitKind
    from workflows.organisation.permissions import Role
    from workflows.statistics import reconcile

    if connection.vendor != "postgresql":
        raise RuntimeError("bench/generate.py writes with PostgreSQL's COPY: set DATABASE_URL=postgres://…")
    started = time.perf_counter()
    timer = Timer()
    prepare(force)
    now = app_clock.now()
    clock = timer.run("calendar", lambda: Clock(now))
    sizes = scaled(scale)
    kinds = dict(UnitKind.objects.values_list("code", "pk"))
    grassroots_kind = UnitKind.objects.filter(is_grassroots=True).order_by("order", "pk").values_list("pk", flat=True)
    perms = dict(Permission.objects.filter(content_type__app_label="organisation", codename__in=list(Role))
                 .values_list("codename", "pk"))
    templates = {stage.value: [Template(t.pk, t.title, t.description, t.due_in_working_days)
                               for t in stage_templates(stage)] for stage in WORKING_STAGES}
    password = make_password(PASSWORD, hasher="md5")

    org = timer.run("build organisation (Python)", lambda: build_organisation(
        random.Random(seed), sizes, clock.stamp(clock.now), password, kinds, perms))
    for table, rows in org.rows.items():
        timer.run(f"copy {table}", lambda table=table, rows=rows: copy(table, rows), len(rows))
    writer = Writer(org, clock, Ids(), templates, grassroots_kind.first())
    total = sizes["enterprises"]
    indexes = timer.run("drop secondary indexes", drop_secondary_indexes)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no foreign-key triggers: checked below
    try:
        for number, first in enumerate(range(0, total, CHUNK)):
            rng, when = random.Random(f"{seed}-{number}"), random.Random(f"{seed}-{number}-when")
            rows = timer.run("build rows (Python)",
                             lambda rng=rng, when=when, first=first: writer.chunk(rng, when, min(CHUNK, total - first)))
            for table in LOADED:
                timer.run(f"copy {table}", lambda table=table, rows=rows: copy(table, rows[table]), len(rows[table]))
            if number % 20 == 19:
                log(f"  {first + CHUNK:,} of {total:,} enterprises, {time.perf_counter() - started:,.0f} s")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")
        timer.run("recreate secondary indexes", lambda: create_indexes(indexes))
    timer.run("check foreign keys", check_foreign_keys)
    timer.run("unit tree and sequences", lambda: (finish_tree(), reset_sequences()))
    timer.run("summary tables (reconcile.rebuild)", reconcile.rebuild)
    timer.run("vacuum analyze", vacuum_analyze)
    drift = timer.run("drift check (reconcile.drift)", reconcile.drift)
    if drift:
        raise RuntimeError(f"{len(drift)} summary row(s) drift after the rebuild, e.g. {drift[0]}")
    counts = timer.run("counts", table_counts)
    elapsed = time.perf_counter() - started
    report("generate", timer.report_rows(scale, elapsed), machine=machine)
    summary = {"scale": scale, "seed": seed, "generated_at": now.isoformat(), "seconds": round(elapsed, 1),
               "sizes": sizes, "counts": counts, "drift": len(drift), "samples": samples(org, writer),
               "password": PASSWORD}
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1.0: 1,000,000 enterprises (default 0.01)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="empty a database that is not empty first")
    args = parser.parse_args(argv)
    database_url()
    setup()
    try:
        summary = generate(args.scale, seed=args.seed, force=args.force, out=RESULTS / "generated.json",
                           machine=True)
    except DatabaseNotEmpty as refusal:
        sys.exit(str(refusal))
    print(f"{RESULTS / 'generated.json'}: {json.dumps(summary['samples'], ensure_ascii=False)}")


if __name__ == "__main__":
    main()
