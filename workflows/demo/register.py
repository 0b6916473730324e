"""The demo's people register: a few open campaigns whose workers are
entered by name — hundreds of workers across departments, with consent,
some citizen IDs, natural leaders and their followers, support assessed in
rounds that move towards the union over the weeks, conversations, and,
where the committee is being formed, the committee chosen from the workers
and the applications collected. Everything goes through the case's
services (``workflows.campaigns.register``), dated with the clock, like
the rest of the demo. Its own random sequence, so the rest does not move."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from workflows.campaigns import register
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, Register
from workflows.core import clock
from workflows.enterprises.models import Enterprise
from workflows.organisation.models import WorkingGroup
from workflows.organisation.selectors import group_members
from workflows.people import surveys
from workflows.people.models import ConsentMethod, Issue
from workflows.people.services import WorkerData

from . import vocabulary as words

#: Stage → how many campaigns there keep their workers by name, and how many workers each has.
CASES = ((Stage.MOBILISING_COMMITTEE, 2, (180, 260)), (Stage.EMPLOYER_CONTACTED, 1, (140, 200)),
         (Stage.SURVEYED, 1, (90, 130)))
#: Support levels 1–5 in the first round of assessments, and how they drift at each later round.
FIRST_ROUND = (0.06, 0.16, 0.42, 0.26, 0.10)
DEPARTMENTS = (("Xưởng cắt", ("Tổ cắt 1", "Tổ cắt 2")), ("Xưởng may", ("Chuyền 1", "Chuyền 2", "Chuyền 3", "Chuyền 4")),
               ("Xưởng hoàn thiện", ("Tổ là", "Tổ đóng gói")), ("Kho vận", ("Kho nguyên liệu", "Kho thành phẩm")),
               ("Kiểm tra chất lượng", ("QC đầu chuyền", "QC cuối chuyền")), ("Bảo trì", ("Tổ cơ điện",)))
SHIFTS = ("Ca 1 (6h–14h)", "Ca 2 (14h–22h)", "Ca hành chính")
HOMETOWNS = ("Bắc Giang", "Thái Nguyên", "Lạng Sơn", "Thanh Hóa", "Nghệ An", "Hà Nam", "Nam Định", "Thái Bình",
             "Bắc Ninh", "Bắc Ninh", "Bắc Ninh", "Phú Thọ", "Tuyên Quang", "Hải Dương")
CONVERSATION_NOTES = (
    "Chị em phản ánh tăng ca liên tục tháng này, muốn có người đứng ra nói với công ty.",
    "Anh ấy hỏi kỹ về quyền lợi khi vào công đoàn và mức đoàn phí.",
    "Nhóm ở cùng khu trọ, quan tâm hỗ trợ tiền nhà và gửi trẻ.",
    "Lo bị quản lý chuyền để ý nếu tham gia; đã giải thích quy định của Luật Công đoàn.",
    "Đồng ý giới thiệu thêm người trong tổ.",
)
NEXT_STEPS = ("Gặp lại sau giờ tan ca", "Mời dự buổi gặp mặt nhóm nòng cốt", "Gửi tài liệu về quyền lợi đoàn viên",
              "Giới thiệu với trưởng ban vận động")


class PeopleBuilder:
    def __init__(self, *, seed: int, last: dt.date, log: Callable[[str], None]) -> None:
        self.rng = random.Random(seed)
        self.last = last
        self.log = log

    def moment(self, day: dt.date) -> dt.datetime:
        """A time of the day's work (09:00–16:59)."""
        return dt.datetime.combine(day, dt.time(self.rng.randint(9, 16), self.rng.randint(0, 59)))

    def _day(self, low: dt.date, high: dt.date) -> dt.date:
        day = low + dt.timedelta(days=self.rng.randint(0, max(0, (high - low).days)))
        while day.weekday() == 6:  # nobody visits a factory's workers on Sunday
            day -= dt.timedelta(days=1)
        return max(low, min(day, self.last))

    def build(self, province_path: str, *, district=None, supervisor=None) -> None:
        made = []
        for stage, count, size in CASES:
            cases = (Campaign.objects.filter(stage=stage, working_group__isnull=False,
                                             responsible_unit__path__startswith=province_path)
                     .select_related("enterprise").order_by("-enterprise__workforce", "pk")[:count])
            for campaign in cases:
                made.append(self._case(campaign, self.rng.randint(*size)))
        self.log("People register: " + "; ".join(made))
        if district is not None:
            self._survey_round(district, supervisor)

    def _survey_round(self, district, supervisor) -> None:
        """The district's survey round of the Workers' Month (May): its
        enterprises without a union and without a campaign (up to sixteen) on
        its list, its working groups as teams, eight of them visited by the
        groups' officers."""
        rng = self.rng
        year = self.last.year
        starts, ends = dt.date(year, 5, 4), dt.date(year, 5, 29)
        if self.last < ends:  # early in the year: last year's May
            starts, ends = starts.replace(year=year - 1), ends.replace(year=year - 1)
        enterprises = list(Enterprise.objects.filter(responsible_unit__path__startswith=district.path, has_union=False)
                           .exclude(campaigns__isnull=False).order_by("-workforce", "pk")[:16])
        teams = list(WorkingGroup.objects.filter(unit=district, is_active=True).order_by("pk"))
        issues = list(Issue.objects.filter(is_active=True).order_by("order").values_list("pk", flat=True))
        with clock.travel_to(self.moment(starts - dt.timedelta(days=14))):
            survey_round = surveys.survey_round_create(actor=supervisor, data=surveys.RoundData(
                unit_id=district.pk, name=f"Khảo sát doanh nghiệp chưa có công đoàn – Tháng Công nhân {starts.year}",
                starts_on=starts, ends_on=ends, peak_month=5, enterprise_ids=tuple(e.pk for e in enterprises),
                team_ids=tuple(t.pk for t in teams),
                note="Mỗi tổ công tác khảo sát các doanh nghiệp trên địa bàn được phân công; gửi kết quả trước 30/5."))
        for enterprise in enterprises[:8]:
            team = rng.choice(teams)
            officer = rng.choice(list(group_members([team.pk])))
            day = self._day(starts, ends)
            workforce = max(30, round(enterprise.workforce * rng.uniform(0.9, 1.1)))
            women = round(workforce * rng.uniform(0.35, 0.8))
            young = round(workforce * rng.uniform(0.35, 0.6))
            middle = round((workforce - young) * rng.uniform(0.5, 0.8))
            wage_min = rng.choice((4_960_000, 5_200_000, 5_500_000, 6_000_000))
            with clock.travel_to(self.moment(day)):
                surveys.survey_visit_record(enterprise_id=enterprise.pk, actor=officer, data=surveys.VisitData(
                    visited_on=day, workforce=workforce, round_id=survey_round.pk, team_id=team.pk, women=women,
                    migrants=round(workforce * rng.uniform(0.1, 0.6)), aged_under_30=young, aged_30_to_45=middle,
                    aged_over_45=workforce - young - middle, wage_min=wage_min,
                    wage_max=wage_min + rng.choice((2_000_000, 3_500_000, 6_000_000)), shifts=rng.choice((1, 2, 3)),
                    overtime_hours=rng.choice((20, 30, 40, 60)),
                    housing=rng.choice(("rented", "rented", "mixed", "own", "dormitory")),
                    employer_attitude=rng.choice(("supportive", "neutral", "neutral", "opposed", "unknown")),
                    issue_ids=tuple(rng.sample(issues, k=rng.randint(1, 3))),
                    issues_note=rng.choice(CONVERSATION_NOTES[:3]),
                    follow_up=rng.choice(("Hẹn gặp giám đốc nhân sự", "Tìm người có uy tín trong xưởng",
                                          "Khảo sát lại sau Tết"))))
        self.log(f"Survey round: {len(enterprises)} enterprises on the list, {min(8, len(enterprises))} visited")

    def _officers(self, campaign: Campaign) -> list:
        return list(group_members([campaign.working_group_id]))

    def _case(self, campaign: Campaign, size: int) -> str:
        officers = self._officers(campaign)
        start = max(campaign.stage_entered_at.date() - dt.timedelta(days=40), campaign.opened_at.date())
        start = min(start, self.last - dt.timedelta(days=30))
        lead = officers[0]
        with clock.travel_to(self.moment(start)):
            register.register_set(campaign_id=campaign.pk, actor=lead, register=Register.NAMES)
        workers = self._workers(campaign, size, lead, start)
        self._leaders(campaign, workers, lead, start)
        rounds = sorted({self._day(start + dt.timedelta(days=3), self.last) for _ in range(3)})
        levels = {w.pk: None for w in workers}
        for number, day in enumerate(rounds):
            self._assess(campaign, workers, levels, officers, day, number)
        self._conversations(campaign, workers, officers, start)
        if campaign.stage == Stage.MOBILISING_COMMITTEE:
            self._committee_and_applications(campaign, workers, levels, lead, rounds[-1])
        campaign.refresh_from_db()
        return (f"{campaign.enterprise.name}: {len(workers)} workers, {len(rounds)} rounds of assessment, "
                f"support {campaign.core_group} at level 1, {campaign.applications} applications")

    def _workers(self, campaign: Campaign, size: int, lead, start: dt.date) -> list:
        rng = self.rng
        workers = []
        day = self._day(start, start + dt.timedelta(days=5))
        with clock.travel_to(self.moment(day)):
            for i in range(size):
                department, lines = rng.choices(DEPARTMENTS, weights=(12, 40, 14, 8, 8, 4))[0]
                female = rng.random() < 0.68
                name = words.person_name(rng)
                while (" Thị " in name) != female:
                    name = words.person_name(rng)
                year = rng.randint(self.last.year - 45, self.last.year - 19)
                consent = rng.random() < 0.85
                citizen_id = ""
                if rng.random() < 0.6:
                    citizen_id = f"027{(3 if female else 2) if year >= 2000 else (1 if female else 0)}" \
                                 f"{year % 100:02d}{rng.randrange(1_000_000):06d}"
                data = WorkerData(
                    full_name=name, gender="female" if female else "male", birth_year=year, department=department,
                    line=rng.choice(lines), shift=rng.choice(SHIFTS),
                    job="Tổ trưởng" if i % 37 == 0 else rng.choice(words.WORKER_JOBS[:8]),
                    phone=words.phone(rng) if rng.random() < 0.8 else "",
                    zalo="" if rng.random() < 0.5 else "cùng số điện thoại", hometown=rng.choice(HOMETOWNS),
                    citizen_id=citizen_id, consent_on=day if consent else None,
                    consent_method=rng.choice((ConsentMethod.WRITTEN, ConsentMethod.VERBAL)) if consent else "")
                try:
                    workers.append(register.worker_add(campaign_id=campaign.pk, actor=lead, data=data))
                except Exception:  # noqa: BLE001 - a random citizen ID drawn twice: enter the worker without it
                    workers.append(register.worker_add(campaign_id=campaign.pk, actor=lead, data=WorkerData(
                        **{**data.__dict__, "citizen_id": ""})))
        return workers

    def _leaders(self, campaign: Campaign, workers: list, lead, start: dt.date) -> None:
        rng = self.rng
        by_department: dict[str, list] = {}
        for worker in workers:
            by_department.setdefault(worker.department, []).append(worker)
        with clock.travel_to(self.moment(self._day(start + dt.timedelta(days=2), self.last))):
            for members in by_department.values():
                if len(members) < 6:
                    continue
                leader = rng.choice(members)
                followers = rng.sample([m for m in members if m != leader], k=min(len(members) - 1, rng.randint(4, 9)))
                register.leader_set(campaign_id=campaign.pk, worker_id=leader.pk, actor=lead, is_leader=True,
                                    follower_ids=[f.pk for f in followers])

    def _assess(self, campaign: Campaign, workers: list, levels: dict, officers: list, day: dt.date,
                number: int) -> None:
        rng = self.rng
        with clock.travel_to(self.moment(day)):
            for worker in workers:
                if levels[worker.pk] is None:
                    if rng.random() < 0.25 + 0.2 * number:
                        continue  # not met yet
                    level = rng.choices((1, 2, 3, 4, 5), weights=FIRST_ROUND)[0]
                elif rng.random() < 0.45:
                    # the weeks of organising move most of those talked to by one level towards the union
                    level = max(1, min(5, levels[worker.pk] + rng.choices((-1, 0, 1), weights=(60, 30, 10))[0]))
                else:
                    continue
                levels[worker.pk] = level
                register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=rng.choice(officers),
                                        level=level, assessed_on=day)

    def _conversations(self, campaign: Campaign, workers: list, officers: list, start: dt.date) -> None:
        rng = self.rng
        issues = list(Issue.objects.filter(is_active=True).order_by("order").values_list("pk", flat=True))
        for _ in range(rng.randint(18, 32)):
            day = self._day(start + dt.timedelta(days=1), self.last)
            people = rng.sample(workers, k=rng.choice((1, 1, 1, 2, 3, 5)))
            with clock.travel_to(self.moment(day)):
                step = rng.random() < 0.4
                register.conversation_add(
                    campaign_id=campaign.pk, actor=rng.choice(officers), held_on=day,
                    worker_ids=[w.pk for w in people],
                    outcome=rng.choice(("supportive", "supportive", "interested", "undecided", "hostile")),
                    issue_ids=rng.sample(issues, k=rng.randint(1, 3)), note=rng.choice(CONVERSATION_NOTES),
                    next_step=rng.choice(NEXT_STEPS) if step else "",
                    next_step_on=day + dt.timedelta(days=rng.randint(2, 10)) if step else None)

    def _committee_and_applications(self, campaign: Campaign, workers: list, levels: dict, lead,
                                    day: dt.date) -> None:
        rng = self.rng
        keen = [w for w in workers if levels[w.pk] == 1]
        supportive = [w for w in workers if levels[w.pk] in (1, 2)]
        with clock.travel_to(self.moment(day)):
            committee = rng.sample(keen, k=min(len(keen), rng.randint(5, 7)))
            if len(committee) >= 3:
                register.committee_choose(campaign_id=campaign.pk, actor=lead, worker_ids=[w.pk for w in committee],
                                          head_id=committee[0].pk, formed_on=day)
        applicants = rng.sample(supportive, k=int(len(supportive) * rng.uniform(0.5, 0.8)))
        for worker in applicants:
            applied = self._day(day - dt.timedelta(days=14), self.last)
            with clock.travel_to(self.moment(applied)):
                register.application_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=lead,
                                         applied_on=applied)
