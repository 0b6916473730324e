"""``manage.py load_demo``: the demo province.

The province is built once for the module, on a fixed day (the builder counts
its dates back from ``clock.today()``), inside a transaction that is rolled
back when the module ends, so the figures below are exact and the rest of the
suite never sees the demo. The same figures hold on SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from workflows.campaigns.flows import CLOSED_STAGES, OPEN_STAGES, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Task, TaskStatus
from workflows.campaigns.permissions import campaigns_visible_to
from workflows.core import clock
from workflows.demo.builder import DEMO_PASSWORD, LOGINS, PROVINCE_CODE
from workflows.enterprises.models import Enterprise
from workflows.enterprises.validation import validate_tax_code
from workflows.organisation.models import Profile, Unit, WorkingGroup
from workflows.statistics.models import (
    Estimate,
    EstimateKind,
    MemberCensus,
    MemberMovement,
    Metric,
    Milestone,
    MovementKind,
    Programme,
    ProgrammeBasis,
    Target,
    TargetSource,
)

User = get_user_model()

# The marker makes pytest-django create the test database (it creates only the
# databases that marked tests ask for); each test then runs in a savepoint
# inside the module's transaction.
pytestmark = pytest.mark.django_db

#: The day the demo is built on: a Friday in late November.
BUILT_ON = dt.datetime(2026, 11, 20, 12, 0)
TODAY = BUILT_ON.date()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        with clock.travel_to(BUILT_ON):
            call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def province(demo_output):
    return Unit.objects.get(code=PROVINCE_CODE)


def printed_password(output: str) -> str:
    return re.search(r"Password of every demo account: (\S+)", output).group(1)


def test_the_province_has_fifteen_child_units_of_the_usual_kinds(province):
    children = Unit.objects.get_children(province)

    assert province.name == "Liên đoàn Lao động tỉnh Bắc Ninh"
    assert children.count() == 15
    assert Counter(children.values_list("kind__code", flat=True)) == {
        "district_federation": 11, "sector_union": 2, "industrial_zone_union": 1, "corporate_union": 1}
    # 50 grassroots unions from earlier years, 30 recognised this year.
    assert Unit.objects.filter(kind__code="grassroots").count() == 80


def test_working_groups_and_officers(province):
    groups = WorkingGroup.objects.all()

    assert groups.count() == 13
    assert groups.filter(unit=province).count() == 1
    assert groups.exclude(unit=province).values("unit").distinct().count() == 11
    assert not groups.filter(leader=None).exists()
    assert User.objects.count() == 38
    assert Profile.objects.filter(is_collaborator=True).count() == 5
    full_names = list(User.objects.exclude(username="admin").values_list("first_name", "last_name"))
    assert len(set(full_names)) == len(full_names) == 37


def test_enterprises(province):
    enterprises = Enterprise.objects.all()

    assert enterprises.count() == 300
    for tax_code in enterprises.values_list("tax_code", flat=True):
        validate_tax_code(tax_code)
    assert enterprises.filter(tax_code__contains="-").count() == 11
    assert Counter(enterprises.values_list("ownership_sector", flat=True)) == {
        "domestic_private": 162, "fdi": 97, "cooperative": 23, "state": 10, "other": 8}
    assert enterprises.filter(workforce__lt=10).count() == 0
    assert enterprises.filter(workforce__gt=8000).count() == 0
    assert enterprises.exclude(industrial_zone="").count() == 105
    assert enterprises.filter(workforce_as_of=None).count() == 0
    assert enterprises.filter(has_union=True).count() == 80
    assert Counter(enterprises.values_list("responsible_unit__code", flat=True))["ldld-kv-tu-son"] == 22
    assert enterprises.filter(responsible_unit=province).count() == 0


def test_campaigns_stand_at_every_stage(demo_output):
    campaigns = Campaign.objects.all()

    assert campaigns.count() == 150
    assert Counter(campaigns.values_list("stage", flat=True)) == {
        Stage.SURVEYED: 28, Stage.EMPLOYER_CONTACTED: 24, Stage.MOBILISING_COMMITTEE: 22,
        Stage.FOUNDING_CONGRESS: 12, Stage.RECOGNISED: 30, Stage.ON_HOLD: 14, Stage.ABANDONED: 20}
    assert Counter(campaigns.exclude(abandon_reason="").values_list("abandon_reason", flat=True)) == {
        "employer_refused": 6, "workers_declined": 5, "enterprise_dissolved": 4, "merged": 2, "other": 3}
    assert campaigns.filter(working_group=None).count() == 9
    assert campaigns.filter(working_group=None).exclude(stage=Stage.SURVEYED).count() == 0
    recognised = campaigns.filter(stage=Stage.RECOGNISED)
    assert recognised.exclude(recognised_unit=None).count() == 30
    assert recognised.filter(enterprise__has_union=True).count() == 30
    assert recognised.aggregate(total=Sum("admitted_members"))["total"] == 4532


def test_history_lies_in_this_year_before_the_build_day(demo_output):
    campaigns = Campaign.objects.all()
    events = CampaignEvent.objects.all()

    opened = [timezone.localtime(c.opened_at).date() for c in campaigns]
    assert min(opened) >= dt.date(2026, 1, 1)
    assert max(opened) <= dt.date(2026, 10, 31)
    assert events.filter(at__gte=timezone.make_aware(dt.datetime.combine(TODAY, dt.time.min))).count() == 0
    assert Task.objects.filter(closed_at__gte=timezone.make_aware(dt.datetime.combine(TODAY, dt.time.min))).count() == 0
    assert events.count() == 2660
    assert Counter(events.values_list("kind", flat=True)) == {
        EventKind.OPENED: 150, EventKind.STAGE: 339, EventKind.ASSIGNED: 21, EventKind.MEETING: 152,
        EventKind.COMMITTEE: 89, EventKind.COUNTS: 259, EventKind.NOTE: 121, EventKind.TASK_DONE: 907,
        EventKind.TASK_REASSIGNED: 449, EventKind.DOSSIER_SUBMITTED: 5, EventKind.DOSSIER_RETURNED: 1,
        EventKind.DOSSIER_VERIFIED: 1, EventKind.FOLLOW_UP_FAILED: 1,
        # the people register of four campaigns whose workers are entered by name
        EventKind.REGISTER: 4, EventKind.CONVERSATION: 84, EventKind.APPLICATIONS: 77}
    # Every stage change is in the history: the closed campaigns were closed by one.
    closed = events.filter(kind=EventKind.STAGE, to_stage__in=CLOSED_STAGES)
    assert closed.count() == 50


def test_tasks_some_done_some_claimed_some_overdue(demo_output):
    tasks = Task.objects.all()
    open_tasks = tasks.filter(status=TaskStatus.OPEN)

    # the first year's milestones of the recognised unions included (81 done, 123 open, 6 cancelled)
    assert Counter(tasks.values_list("status", flat=True)) == {"done": 907, "cancelled": 252, "open": 286}
    assert open_tasks.exclude(campaign__stage__in=OPEN_STAGES).exclude(stage=Stage.RECOGNISED).count() == 0
    assert open_tasks.exclude(assignee=None).count() == 59
    assert open_tasks.filter(due_on__lt=TODAY).count() == 120
    assert open_tasks.filter(stage=Stage.RECOGNISED, due_on__lt=TODAY).count() == 31


def test_the_province_has_four_programmes(province):
    programmes = Programme.objects.filter(unit=province)

    assert Programme.objects.count() == 4
    assert sorted((p.basis_kind, p.start, p.end) for p in programmes) == [
        (ProgrammeBasis.CONGRESS_RESOLUTION, dt.date(2023, 1, 1), dt.date(2028, 12, 31)),
        (ProgrammeBasis.RESOLUTION_PLAN, dt.date(2024, 1, 1), dt.date(2033, 12, 31)),
        (ProgrammeBasis.YEAR_PLAN, dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (ProgrammeBasis.YEAR_PLAN, dt.date(2027, 1, 1), dt.date(2027, 12, 31)),
    ]
    assert programmes.exclude(basis="").count() == 4
    assert list(Milestone.objects.values_list("programme__basis_kind", "on")) == [
        (ProgrammeBasis.RESOLUTION_PLAN, dt.date(2028, 12, 31))]
    # received by the province (5 per plan, 2 for the congress term, 4 for the resolution)
    # and allocated to the 15 child units (8 per plan of this year, 2 of next year, 2 of the term)
    assert Target.objects.count() == 116
    assert Counter(Target.objects.values_list("source", flat=True)) == {"received": 11, "allocated": 105}


def test_this_years_plan_allocates_beyond_what_the_province_received(province, demo_output):
    plan = Programme.objects.get(basis_kind=ProgrammeBasis.YEAR_PLAN, start=dt.date(2026, 1, 1))
    received = {t.metric: t.value for t in plan.targets.filter(unit=province, source=TargetSource.RECEIVED)}
    allocated = plan.targets.filter(unit__in=Unit.objects.get_children(province), source=TargetSource.ALLOCATED)

    assert received == {Metric.NEW_MEMBERS: 6500, Metric.NEW_UNIONS: 40, Metric.COVERAGE: 100}
    assert plan.targets.get(unit=province, metric=Metric.COVERAGE).min_workforce == 25
    assert set(plan.targets.values_list("due_on", flat=True)) == {dt.date(2026, 12, 31)}
    assert allocated.count() == 45
    new_members = allocated.filter(metric=Metric.NEW_MEMBERS).aggregate(total=Sum("value"))["total"]
    new_unions = allocated.filter(metric=Metric.NEW_UNIONS).aggregate(total=Sum("value"))["total"]
    assert new_members == 7200 > received[Metric.NEW_MEMBERS]
    assert new_unions == 44 > received[Metric.NEW_UNIONS]
    assert ("Targets 2026: received 6.500 new members and 40 new grassroots unions; allocated 7.200 new members "
            "to the child units.") in demo_output


def test_next_years_plan_and_the_congress_term_are_allocated(province):
    following = Programme.objects.get(basis_kind=ProgrammeBasis.YEAR_PLAN, start=dt.date(2027, 1, 1))
    congress = Programme.objects.get(basis_kind=ProgrammeBasis.CONGRESS_RESOLUTION)

    def split(programme):
        return {(t["metric"], t["source"]): t["total"] for t in programme.targets.values("metric", "source")
                .annotate(total=Sum("value")).order_by()}

    assert split(following) == {
        (Metric.NEW_MEMBERS, TargetSource.RECEIVED): 7000, (Metric.NEW_MEMBERS, TargetSource.ALLOCATED): 8000,
        (Metric.NEW_UNIONS, TargetSource.RECEIVED): 45, (Metric.NEW_UNIONS, TargetSource.ALLOCATED): 50}
    assert split(congress) == {
        (Metric.NET_MEMBERS, TargetSource.RECEIVED): 28000, (Metric.NET_MEMBERS, TargetSource.ALLOCATED): 28800,
        (Metric.NEW_UNIONS, TargetSource.RECEIVED): 180, (Metric.NEW_UNIONS, TargetSource.ALLOCATED): 176}


def test_the_resolution_sets_goals_for_2028_and_2033(province):
    resolution = Programme.objects.get(basis_kind=ProgrammeBasis.RESOLUTION_PLAN)
    targets = resolution.targets.filter(unit=province, source=TargetSource.RECEIVED)

    assert sorted((t.due_on, t.metric, t.value, t.value_max, t.min_workforce, t.social_insurance_only)
                  for t in targets) == [
        (dt.date(2028, 12, 31), Metric.COVERAGE, 100, None, 25, True),
        (dt.date(2028, 12, 31), Metric.UNION_MEMBERS, 115000, 120000, 0, False),
        (dt.date(2033, 12, 31), Metric.COVERAGE, 100, None, 25, True),
        (dt.date(2033, 12, 31), Metric.UNION_MEMBERS, 135000, 140000, 0, False),
    ]
    assert resolution.targets.count() == 4


def test_member_counts_estimates_and_movements(province):
    children = Unit.objects.get_children(province)
    counts = MemberCensus.objects.filter(unit__in=children)

    assert counts.count() == 15
    assert set(MemberCensus.objects.values_list("as_of", "source")) == {
        (dt.date(2025, 12, 31), "Báo cáo tổng hợp công đoàn cơ sở")}
    assert counts.aggregate(total=Sum("members"))["total"] == 101968
    # the grassroots unions of earlier years report theirs too
    assert MemberCensus.objects.filter(unit__kind__code="grassroots").count() == 50
    estimates = Estimate.objects.filter(unit__in=children, year=2027, kind=EstimateKind.WORKFORCE_INCREASE)
    assert estimates.count() == Estimate.objects.count() == 15
    assert estimates.aggregate(total=Sum("value"))["total"] == 11570
    movements = MemberMovement.objects.all()
    # the planner's 8, and the members lost by the union that failed in its first year
    assert Counter(movements.values_list("kind", flat=True)) == {MovementKind.RECRUITED: 6, MovementKind.LOST: 3}
    planned = movements.exclude(unit__follow_up__failed_on__isnull=False)
    assert all(13 <= m.on.day <= 18 and m.month == m.on.replace(day=1) and m.on < TODAY for m in planned)
    assert planned.aggregate(total=Sum("members"))["total"] == 529
    assert movements.aggregate(total=Sum("members"))["total"] == 735


def test_the_logins_are_printed_with_their_password(demo_output):
    assert printed_password(demo_output) == DEMO_PASSWORD
    for login in LOGINS:
        assert re.search(rf"^{re.escape(login.username)}\s", demo_output, re.MULTILINE)


@pytest.mark.parametrize("username", [login.username for login in LOGINS])
def test_every_demo_login_authenticates_with_the_printed_password(demo_output, username):
    user = authenticate(username=username, password=printed_password(demo_output))

    assert user is not None and user.username == username


def test_the_other_officers_share_the_password(demo_output):
    password = printed_password(demo_output)
    usernames = list(User.objects.order_by("username").values_list("username", flat=True))

    assert [name for name in usernames if authenticate(username=name, password=password) is None] == []


@pytest.mark.parametrize(("username", "visible"), [
    ("admin", 0),  # reference data only: no grant on any unit
    ("giamsat", 150),
    ("lanhdao", 150),
    ("giamsat.khuvuc", 11),
    ("canbo", 18),
])
def test_each_role_sees_its_campaigns(demo_output, username, visible):
    user = User.objects.get(username=username)

    assert campaigns_visible_to(user).count() == visible


def test_the_district_supervisor_sees_the_campaigns_of_the_district(demo_output):
    user = User.objects.get(username="giamsat.khuvuc")

    assert set(campaigns_visible_to(user)) == set(Campaign.objects.filter(responsible_unit__code="ldld-kv-tu-son"))


def test_the_officer_sees_only_the_campaigns_of_the_group(demo_output):
    canbo = User.objects.get(username="canbo")
    groups = WorkingGroup.objects.filter(user_grants__user=canbo)

    assert list(groups.values_list("name", flat=True)) == ["Tổ công tác KCN Yên Phong – Quế Võ – Thuận Thành"]
    assert set(campaigns_visible_to(canbo)) == set(Campaign.objects.filter(working_group__in=groups))
    assert Task.objects.filter(working_group__in=groups, status=TaskStatus.OPEN).count() == 24
    assert Task.objects.filter(working_group__in=groups, status=TaskStatus.OPEN, stage=Stage.RECOGNISED).count() == 14
    assert Task.objects.filter(assignee=canbo, status=TaskStatus.OPEN).count() == 3
    assert Task.objects.filter(assignee=canbo, status=TaskStatus.OPEN, due_on__lt=TODAY).count() == 2


def test_a_second_run_writes_nothing(demo_output):
    def counts():
        return {model._meta.label: model.objects.count() for model in apps.get_models()}

    before = counts()
    out = io.StringIO()
    with clock.travel_to(BUILT_ON):
        call_command("load_demo", stdout=out)

    assert counts() == before
    assert "already loaded: nothing was written" in out.getvalue()
    assert printed_password(out.getvalue()) == DEMO_PASSWORD


def test_recognition_dossiers_wait_at_every_step(demo_output):
    from workflows.recognition.models import Dossier, DossierStatus
    from workflows.recognition.permissions import review_tasks_for_inbox

    assert Counter(Dossier.objects.values_list("status", flat=True)) == {
        DossierStatus.SUBMITTED: 3, DossierStatus.RETURNED: 1, DossierStatus.VERIFIED: 1, DossierStatus.DRAFT: 2}
    assert "Recognition dossiers: submitted 2, returned 1, verified 1, late 1, draft 1, ready 1" in demo_output
    # the demo officer has verifications waiting, the province supervisor a decision, and
    # one verification too: every officer of Từ Sơn works that dossier's case, so (separation
    # of duties, issue 12 #2) its verification went to the supervisors
    canbo, giamsat = User.objects.get(username="canbo"), User.objects.get(username="giamsat")
    assert {t.flow_task.name for t in review_tasks_for_inbox(canbo)} >= {"verify"}
    assert sorted(t.flow_task.name for t in review_tasks_for_inbox(giamsat)) == ["decide", "verify"]


def test_an_address_leaves_the_commune_and_the_province_to_their_own_columns(demo_output):
    # issue 12, #14: the pages showed "…, xã Yên Phong, tỉnh Bắc Ninh, Xã Yên Phong, Bắc Ninh"
    rows = list(Enterprise.objects.values_list("address", "commune", "province", "industrial_zone"))

    assert len(rows) == 300
    for address, commune, province_name, zone in rows:
        assert commune and province_name == "Bắc Ninh", address
        # a house number and street, a hamlet, or a lot in an industrial zone: nothing after them
        assert re.fullmatch(r"Số \d+ [^,]+|Thôn [^,]+|Lô [A-K]\d+(-\d)?, " + re.escape(zone), address), address
        assert commune.casefold() not in address.casefold(), address


def test_the_recognised_unions_are_at_different_points_of_their_first_year(demo_output):
    from workflows.campaigns.models import FollowUp, FollowUpStatus

    follow_ups = FollowUp.objects.select_related("campaign")
    late = set(Task.objects.filter(stage=Stage.RECOGNISED, status=TaskStatus.OPEN, due_on__lt=TODAY)
               .values_list("campaign_id", flat=True))

    statuses = Counter(f.status_on(TODAY, late=f.campaign_id in late) for f in follow_ups)

    assert follow_ups.count() == 30  # every recognition opened one
    assert all(f.unit_id == f.campaign.recognised_unit_id for f in follow_ups)
    assert statuses == {FollowUpStatus.ON_TRACK: 18, FollowUpStatus.LATE: 8, FollowUpStatus.STANDING: 3,
                        FollowUpStatus.FAILED: 1}
    assert Counter(Task.objects.filter(stage=Stage.RECOGNISED).values_list("status", flat=True)) == {
        TaskStatus.OPEN: 123, TaskStatus.DONE: 81, TaskStatus.CANCELLED: 6}
    assert (follow_ups.exclude(launch_on=None).count(), follow_ups.exclude(agreement_on=None).count()) == (27, 1)
    done = Task.objects.filter(stage=Stage.RECOGNISED, status=TaskStatus.DONE)
    assert all(t.closing_note and t.campaign.follow_up.opened_on <= t.done_on < TODAY for t in done)
    failed = follow_ups.get(failed_on__isnull=False)
    assert (failed.failure_reason, failed.members_lost > 0) == ("employer_pressure", True)
    assert MemberMovement.objects.filter(unit=failed.unit, kind=MovementKind.LOST).count() == 1


def test_four_campaigns_keep_a_register_of_their_workers(demo_output):
    from workflows.campaigns.derived import register_figures
    from workflows.campaigns.models import Application, Register
    from workflows.people.models import Assessment, Conversation, Worker

    cases = Campaign.objects.filter(register=Register.NAMES).order_by("pk")
    assert sorted(cases.values_list("stage", flat=True)) == [
        Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE, Stage.MOBILISING_COMMITTEE, Stage.SURVEYED]
    # hundreds of workers across departments, assessed in rounds (the current level is the latest)
    for case in cases:
        workers = Worker.objects.filter(enterprise=case.enterprise, source="entered")
        assert 90 <= workers.count() <= 260
        assert workers.values("department").distinct().count() >= 5
        # the counters the guards read are the register's
        assert {name: getattr(case, name) for name in register_figures(case)} == register_figures(case)
    assert Assessment.objects.count() == 1119
    assert Worker.objects.filter(assessments__isnull=False).distinct().count() < Assessment.objects.count()
    assert Conversation.objects.count() == 84
    # the two committees at work chose their members and collected applications by name
    assert Application.objects.count() == 77
    assert [c.applications for c in cases.filter(stage=Stage.MOBILISING_COMMITTEE)] == [40, 37]
    # citizen IDs are kept as their hash only
    assert Worker.objects.exclude(id_hash="").count() == 449
    assert not Worker.objects.exclude(id_hash="").filter(id_last4="").exists()



def test_the_district_ran_a_survey_round_in_the_workers_month(demo_output):
    from workflows.people.models import SurveyRound, SurveyVisit
    from workflows.people.survey_pages import SummaryFilters, survey_summary

    survey_round = SurveyRound.objects.get()
    assert (survey_round.unit.code, survey_round.peak_month, survey_round.starts_on, survey_round.ends_on) == (
        "ldld-kv-tu-son", 5, dt.date(2026, 5, 4), dt.date(2026, 5, 29))
    assert survey_round.enterprises.count() == 10
    visits = SurveyVisit.objects.filter(round=survey_round)
    assert visits.count() == 8
    assert all(dt.date(2026, 5, 4) <= v.visited_on <= dt.date(2026, 5, 29) for v in visits)
    assert not Campaign.objects.filter(enterprise__survey_visits__isnull=False).exists()
    # the province's summary rolls the district's figures up
    summary = survey_summary(Unit.objects.get(code=PROVINCE_CODE), SummaryFilters())
    assert (summary.total.on_list, summary.total.visited) == (10, 8)
    assert summary.total.workforce == sum(v.workforce for v in visits)
