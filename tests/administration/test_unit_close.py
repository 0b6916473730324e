"""Closing a unit (issue 14, item 2): the open work moves to the successor in
one service; every figure of a day before the closing stays as it was
(the dashboards and reports as of that day, and the live figures of the
months before); the history says what moved.

    province                         administrator, manager
    ├── district  (A, closed here)   supervisor; groups 1 and 2
    │     └── CĐCS of a recognised campaign
    └── other_district (B)           other_supervisor
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.conftest import ROLES, campaign_at
from workflows.administration.closing import ClosingResult, unit_close
from workflows.administration.selectors import closing_preview
from workflows.campaigns import services
from workflows.campaigns.flows import AbandonReason, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Task, TaskStatus
from workflows.core import clock
from workflows.core.errors import DomainError
from workflows.enterprises.models import Enterprise
from workflows.organisation import services as org
from workflows.organisation.models import ChangeAction, ChangeRecord, Unit, WorkingGroup
from workflows.organisation.permissions import Role
from workflows.statistics import indicators, reconcile, selectors, services as statistics_services
from workflows.statistics.models import MovementKind

DAY_ONE = dt.date(2026, 3, 2)
DAY_TWO = dt.date(2026, 4, 6)  # the day the figures are asked "as of"
DAY_THREE = dt.date(2026, 5, 11)
CLOSING = dt.datetime(2026, 6, 15, 10, 0)
YEAR = selectors.Period.year(2026)
BEFORE_CLOSING = selectors.Period(dt.date(2026, 1, 1), dt.date(2026, 5, 31))  # the months before the closing


@pytest.fixture(autouse=True)
def english():
    """The refusals are compared in English (the product speaks Vietnamese)."""
    with translation.override("en"):
        yield


def administrator(world, unit, username: str):
    user = factories.UserFactory(username=username)
    org.unit_role_grant(unit=unit, user=user, role=Role.ADMINISTRATOR, actor=world.admin)
    return user


@pytest.fixture
def province_administrator(world):
    return world.administrator


def b_enterprise(world, workforce=120):
    return factories.EnterpriseFactory(responsible_unit=world.other_district, workforce=workforce)


def a_enterprise(world, workforce=250):
    return factories.EnterpriseFactory(responsible_unit=world.district, workforce=workforce)


@dataclasses.dataclass
class History:
    congress: Campaign  # A: at the founding congress on day two, open at the closing
    held: Campaign  # A: surveyed, on hold on day two, resumed on day three
    recognised: Campaign  # A: recognised on day one
    abandoned: Campaign  # A: abandoned on day three
    other: Campaign  # B's own campaign
    task: Task  # an ad-hoc task of ``congress``, taken by the officer


def build_history(world) -> History:
    """Campaigns of both districts with a history over three days, through
    the services only."""
    sup, off = world.supervisor, world.officer
    with clock.travel_to(DAY_ONE):
        congress = campaign_at(world, Stage.MOBILISING_COMMITTEE)
        held = campaign_at(world, Stage.SURVEYED, enterprise=a_enterprise(world, 40))
        recognised = campaign_at(world, Stage.RECOGNISED, enterprise=a_enterprise(world, 600))
        abandoned = campaign_at(world, Stage.EMPLOYER_CONTACTED, enterprise=a_enterprise(world, 30))
        other = services.campaign_open(enterprise_id=b_enterprise(world).pk, actor=world.other_supervisor)
        b_enterprise(world, 15)
    with clock.travel_to(DAY_TWO):
        services.campaign_transition(campaign_id=congress.pk, name="hold_congress", actor=off,
                                     data={"applications": 6, "congress_on": DAY_TWO})
        services.campaign_transition(campaign_id=held.pk, name="hold", actor=off)
        task = services.task_add(campaign_id=congress.pk, actor=off, title="Chuẩn bị hồ sơ công nhận",
                                 due_on=DAY_TWO + dt.timedelta(days=10), assignee_id=off.pk)
        statistics_services.movement_record(unit_id=world.district.pk, month=DAY_TWO, kind=MovementKind.RECRUITED,
                                            members=40, actor=sup)
    with clock.travel_to(DAY_THREE):
        services.campaign_transition(campaign_id=held.pk, name="resume", actor=off)
        services.campaign_transition(campaign_id=abandoned.pk, name="abandon", actor=sup,
                                     data={"reason": AbandonReason.EMPLOYER_REFUSED})
        services.campaign_transition(campaign_id=other.pk, name="contact_employer", actor=world.other_supervisor,
                                     data={"held_on": DAY_THREE, "outcome": "supportive"})
    return History(congress, held, recognised, abandoned, other, task)


# --- what the figures should keep ------------------------------------------------------
REGISTRY = {"enterprises": 0, "workforce": 0, "workforce_social_insurance": 0, "coverage": {},
            # the stocks at the day's end are read over today's tree: a grassroots union moved under the
            # successor takes its members along, an enterprise its workforce (``engine._Stocks``)
            "union_members": 0, "members_source": "", "workforce_in_unions": 0, "not_unionised": 0,
            "workforce_source": ""}


def without_registry(board: selectors.Dashboard) -> selectors.Dashboard:
    """The dashboard without its enterprise figures, which have no history
    (``dashboard_as_of``'s docstring: they are today's, at today's unit)."""
    return dataclasses.replace(board, rows=[dataclasses.replace(r, **REGISTRY) for r in board.rows],
                               total=dataclasses.replace(board.total, **REGISTRY))


def registry(board: selectors.Dashboard) -> list[tuple]:
    return [(r.unit.pk, r.enterprises, r.workforce, r.workforce_social_insurance, r.coverage)
            for r in [*board.rows, board.total]]


def report_without_registry(board: selectors.Dashboard) -> list[tuple]:
    """Every indicator a report prints, per row (those read off the registry or today's tree aside)."""
    board = without_registry(board)
    return [(r.unit.pk, r.own, {code: indicators.value(code, r) for code in indicators.REGISTRY})
            for r in [*board.rows, board.total]]


def what_happened(board: selectors.Dashboard) -> tuple:
    """The live dashboard's figures of a period (not the current state:
    pipeline, stalled and overdue follow the open work)."""
    return ([(r.unit.pk, r.own, r.entered, r.abandoned, r.members_admitted, r.members_recruited, r.members_lost,
              r.targets) for r in [*board.rows, board.total]], board.durations)


def snapshot(world) -> dict:
    return {
        "province": selectors.dashboard_as_of(world.province, YEAR, day=DAY_TWO),
        "district": selectors.dashboard_as_of(world.district, YEAR, day=DAY_TWO),
        "other_district": selectors.dashboard_as_of(world.other_district, YEAR, day=DAY_TWO),
        "province_day_three": selectors.dashboard_as_of(world.province, YEAR, day=DAY_THREE),
        "live": selectors.dashboard_for(world.province, BEFORE_CLOSING, today=CLOSING.date()),
    }


def close(world, actor, **kwargs) -> ClosingResult:
    with clock.travel_to(CLOSING):
        return unit_close(unit_id=world.district.pk, successor_id=world.other_district.pk, actor=actor, **kwargs)


# --- the proof ----------------------------------------------------------------------------
def test_figures_of_the_days_before_the_closing_are_unchanged(world, province_administrator):
    # given three days of history in both districts, and the figures as they stand before the closing
    history = build_history(world)
    before = snapshot(world)
    as_of = before["province"]
    district_row = next(r for r in as_of.rows if r.unit == world.district)
    assert district_row.stages == {Stage.FOUNDING_CONGRESS: 1, Stage.ON_HOLD: 1, Stage.RECOGNISED: 1,
                                   Stage.EMPLOYER_CONTACTED: 1}
    assert (district_row.members_admitted, district_row.members_recruited) == (5, 40)
    assert district_row.overdue_tasks == len(Task.objects.filter(campaign__responsible_unit=world.district,
                                                                 due_on__lt=DAY_TWO, created_at__lt=clock.now())
                                                 .exclude(closed_at__lt=dt.datetime(2026, 4, 7, tzinfo=dt.UTC)))
    assert next(r for r in as_of.rows if r.unit == world.other_district).stages == {Stage.SURVEYED: 1}

    # when district A is closed into district B
    result = close(world, province_administrator)

    # then the figures as of the earlier days are identical, but for the registry's (no history: today's)
    after = snapshot(world)
    for name in ("province", "district", "other_district", "province_day_three"):
        assert without_registry(after[name]) == without_registry(before[name]), name
        assert report_without_registry(after[name]) == report_without_registry(before[name]), name
        today = selectors.dashboard_for(after[name].unit, YEAR, today=CLOSING.date())
        assert registry(after[name]) == registry(today), name
    # the enterprises are counted at B now, for any day; the province's total is the same
    assert [(r.unit, r.enterprises) for r in after["province"].rows] == [(world.district, 0),
                                                                         (world.other_district, 6)]
    assert after["province"].total.workforce == before["province"].total.workforce == 250 + 40 + 600 + 30 + 120 + 15
    # the members of the province's grassroots unions on the day are the same, only placed at B now
    assert after["province"].total.union_members == before["province"].total.union_members == 45
    assert [(r.unit, r.union_members) for r in after["province"].rows] == [(world.district, 40),
                                                                           (world.other_district, 5)]
    # the live figures of the months before the closing did not move either
    assert what_happened(after["live"]) == what_happened(before["live"])
    # and the summary tables equal a recomputation from the base tables
    assert reconcile.drift() == []
    assert result == ClosingResult(enterprises=4, campaigns=2, tasks=result.tasks, working_groups=2, people=0,
                                   child_units=1)
    assert result.tasks == Task.objects.filter(campaign__in=[history.congress, history.held],
                                               status=TaskStatus.OPEN).count() > 0


def test_the_open_work_moved_and_the_history_says_so(world, province_administrator):
    # given
    history = build_history(world)
    versions = {c.pk: Campaign.objects.get(pk=c.pk).version for c in (history.congress, history.held)}
    grassroots = history.recognised.recognised_unit
    open_tasks = {t.pk: (t.assignee_id, t.working_group_id) for t in Task.objects.filter(
        campaign__in=[history.congress, history.held], status=TaskStatus.OPEN)}

    # when
    close(world, province_administrator)

    # then the open campaigns are B's, with their group, their tasks and their assignees
    district, other = Unit.objects.get(pk=world.district.pk), Unit.objects.get(pk=world.other_district.pk)
    for campaign in (history.congress, history.held):
        campaign.refresh_from_db()
        assert campaign.responsible_unit_id == other.pk
        assert campaign.working_group_id == world.group.pk
        assert campaign.version == versions[campaign.pk] + 1
    assert {t.pk: (t.assignee_id, t.working_group_id) for t in Task.objects.filter(
        campaign__in=[history.congress, history.held], status=TaskStatus.OPEN)} == open_tasks
    assert Task.objects.get(pk=history.task.pk).assignee == world.officer
    # the closed ones stay where they ended
    assert set(Campaign.objects.filter(responsible_unit=district).values_list("pk", flat=True)) == {
        history.recognised.pk, history.abandoned.pk}
    # the working groups, the enterprises and the grassroots union are B's
    assert set(WorkingGroup.objects.filter(unit=other).values_list("pk", flat=True)) == {world.group.pk,
                                                                                         world.other_group.pk}
    assert Enterprise.objects.filter(responsible_unit=district).count() == 0
    assert Enterprise.objects.filter(responsible_unit=other).count() == 6
    grassroots.refresh_from_db()
    assert Unit.objects.get_parent(grassroots) == other
    # the unit is closed on the day, with its successor
    assert (district.is_active, district.closed_on, district.successor_id) == (False, CLOSING.date(), other.pk)
    # one TRANSFERRED event per moved campaign, written with B
    moved = CampaignEvent.objects.filter(kind=EventKind.TRANSFERRED).order_by("campaign_id")
    assert [(e.campaign_id, e.unit_id, e.actor_id) for e in moved] == [
        (history.congress.pk, other.pk, province_administrator.pk), (history.held.pk, other.pk,
                                                                      province_administrator.pk)]
    assert moved[0].data == {"from_unit": district.name, "from_unit_id": district.pk, "to_unit": other.name,
                             "to_unit_id": other.pk, "on": "2026-06-15"}
    # the events before keep the unit they happened at
    assert set(CampaignEvent.objects.filter(campaign=history.congress).exclude(kind=EventKind.TRANSFERRED)
               .values_list("unit_id", flat=True)) == {district.pk}
    # the history of both units says what moved
    assert ChangeRecord.objects.filter(unit=district, action=ChangeAction.UNIT_CLOSED).count() == 1
    received = ChangeRecord.objects.filter(unit=other, action=ChangeAction.UNIT_RECEIVED, working_group=None).get()
    assert received.after == {"closed_on": "2026-06-15", "enterprises": 4, "campaigns": 2,
                              "tasks": len(open_tasks), "working_groups": 2, "people": 0, "child_units": 1}
    assert received.actor == province_administrator
    assert ChangeRecord.objects.filter(unit=other, action=ChangeAction.UNIT_RECEIVED).exclude(
        working_group=None).count() == 2
    assert ChangeRecord.objects.filter(unit=grassroots, action=ChangeAction.UNIT_MOVED).count() == 1


def test_the_work_goes_on_at_the_successor_without_drift(world, province_administrator):
    # given a closing, and the figures as of a day before it
    history = build_history(world)
    as_of = selectors.dashboard_as_of(world.province, YEAR, day=DAY_TWO)
    close(world, province_administrator)

    # when the moved campaign is recognised by B's supervisor and the officer completes a task
    with clock.travel_to(dt.datetime(2026, 6, 22, 9, 0)):
        services.task_complete(task_id=history.task.pk, actor=world.officer)
        services.campaign_transition(campaign_id=history.congress.pk, name="recognise",
                                     actor=world.other_supervisor, data={
                                         "decision_number": "31/QĐ-LĐLĐ", "decision_date": dt.date(2026, 6, 22),
                                         "admitted_members": 6})

    # then the stint that spanned the closing, the founding and the members count at B
    assert reconcile.drift() == []
    board = selectors.dashboard_for(world.province, selectors.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30)),
                                    today=dt.date(2026, 6, 22))
    b = next(r for r in board.rows if r.unit == world.other_district)
    assert (b.unions_founded, b.members_admitted) == (1, 6)
    assert Unit.objects.get_parent(Campaign.objects.get(pk=history.congress.pk).recognised_unit) == world.other_district
    # and the day before the closing still reads the same
    assert without_registry(selectors.dashboard_as_of(world.province, YEAR, day=DAY_TWO)) == without_registry(as_of)


def test_the_preview_counts_what_the_closing_moves(world, province_administrator):
    history = build_history(world)

    with clock.travel_to(CLOSING):
        preview = closing_preview(province_administrator, world.district, world.other_district)
    result = close(world, province_administrator)

    assert preview.refusals == ()
    assert preview.allowed
    assert (preview.enterprises, preview.campaigns, preview.tasks, preview.working_groups, preview.people,
            preview.child_units, preview.dossiers_under_review) == (
        result.enterprises, result.campaigns, result.tasks, result.working_groups, result.people,
        result.child_units, 0)
    assert history.other.responsible_unit_id == world.other_district.pk


def test_the_campaign_page_tells_where_the_campaign_came_from(client, world, province_administrator):
    history = build_history(world)
    close(world, province_administrator)
    client.force_login(world.other_supervisor)

    with translation.override("vi"):
        response = client.get(reverse("campaigns:detail", args=[history.congress.pk]), HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    assert ("Liên đoàn Lao động khu vực Từ Sơn → Liên đoàn Lao động khu vực Quế Võ"
            in response.content.decode())


# --- who may close ------------------------------------------------------------------------
def _other_province_administrator(world):
    other_province = factories.unit(name="Liên đoàn Lao động tỉnh Bắc Giang", code="lđlđ-bac-giang",
                                    kind="provincial_federation", actor=world.admin)
    return administrator(world, other_province, "quantri_bac_giang")


REFUSED = {
    **{role: (lambda world, role=role: world.user(role)) for role in ROLES if role != "administrator"},
    "administrator_of_another_province": _other_province_administrator,
    "administrator_of_the_district_only": lambda world: administrator(world, world.district, "quantri_tu_son"),
    "province_supervisor": lambda world: _province_supervisor(world),
}


def _province_supervisor(world):
    user = factories.UserFactory(username="giamsat_tinh")
    factories.grant(world.province, user, "supervisor", actor=world.admin)
    return user


def _written(world) -> tuple:
    return (ChangeRecord.objects.count(), CampaignEvent.objects.count(),
            list(Campaign.objects.order_by("pk").values_list("responsible_unit_id", "version")),
            list(Enterprise.objects.order_by("pk").values_list("responsible_unit_id", flat=True)),
            list(WorkingGroup.objects.order_by("pk").values_list("unit_id", flat=True)),
            list(Unit.objects.order_by("pk").values_list("path", "is_active", "closed_on")))


@pytest.mark.parametrize("role", list(REFUSED))
def test_only_an_administrator_of_both_units_may_close(world, role):
    build_history(world)
    actor = REFUSED[role](world)
    before = _written(world)

    with pytest.raises(PermissionDenied):
        close(world, actor)
    with pytest.raises(PermissionDenied), clock.travel_to(CLOSING):
        closing_preview(actor, world.district, world.other_district)

    assert _written(world) == before


def test_the_administrator_of_the_province_may_close(world, province_administrator):
    build_history(world)

    result = close(world, province_administrator)

    assert result.campaigns == 2
    assert not Unit.objects.get(pk=world.district.pk).is_active


def test_a_missing_unit_looks_like_a_forbidden_one(world, province_administrator):
    with pytest.raises(PermissionDenied), clock.travel_to(CLOSING):
        unit_close(unit_id=world.district.pk, successor_id=999_999, actor=province_administrator)


# --- what is refused --------------------------------------------------------------------------
def _refused(world, actor, *, unit, successor, on=None) -> list[str]:
    before = _written(world)
    with pytest.raises((DomainError, ValidationError)) as refusal, clock.travel_to(CLOSING):
        unit_close(unit_id=unit.pk, successor_id=successor.pk, actor=actor, on=on)
    assert _written(world) == before
    return list(refusal.value.messages)


def test_the_successor_may_not_be_inside_the_unit(world, province_administrator):
    with clock.travel_to(DAY_ONE):
        recognised = campaign_at(world, Stage.RECOGNISED)

    messages = _refused(world, province_administrator, unit=world.district, successor=recognised.recognised_unit)

    assert "The successor cannot be “Liên đoàn Lao động khu vực Từ Sơn” itself or one of its own units." in messages


def test_the_successor_may_not_be_the_unit_itself(world, province_administrator):
    assert _refused(world, province_administrator, unit=world.district, successor=world.district) == [
        "Choose another unit to receive the work."]


def test_a_closed_successor_is_refused(world, province_administrator):
    third = factories.unit(name="Liên đoàn Lao động khu vực Gia Bình", code="gia-binh", kind="district_federation",
                           parent=world.province, actor=world.admin)
    with clock.travel_to(CLOSING):
        unit_close(unit_id=third.pk, successor_id=world.other_district.pk, actor=province_administrator)

    assert _refused(world, province_administrator, unit=world.district, successor=third) == [
        "“Liên đoàn Lao động khu vực Gia Bình” is closed: choose an open successor."]


def test_a_unit_is_closed_once(world, province_administrator):
    close(world, province_administrator)

    assert _refused(world, province_administrator, unit=world.district, successor=world.other_district) == [
        "“Liên đoàn Lao động khu vực Từ Sơn” is already closed."]


def test_the_top_of_the_tree_is_not_closed(world, province_administrator):
    messages = _refused(world, world.admin, unit=world.province, successor=world.other_district)

    assert "“Liên đoàn Lao động tỉnh Bắc Ninh” is the top of the tree: it cannot be closed." in messages


def test_a_unit_with_open_child_units_is_refused_until_they_move(world, province_administrator):
    factories.unit(name="Công đoàn các KCN Từ Sơn", code="kcn-tu-son", kind="industrial_zone_union",
                   parent=world.district, actor=world.admin)

    assert _refused(world, province_administrator, unit=world.district, successor=world.other_district) == [
        "“Liên đoàn Lao động khu vực Từ Sơn” still has an open child unit (Công đoàn các KCN Từ Sơn): "
        "move or close its child units first."]


def test_a_closing_date_in_the_future_is_refused(world, province_administrator):
    assert _refused(world, province_administrator, unit=world.district, successor=world.other_district,
                    on=dt.date(2026, 7, 1)) == ["The closing date cannot be in the future."]


def test_a_grassroots_successor_is_refused(world, province_administrator):
    union = factories.unit(name="Công đoàn cơ sở Công ty Hoà Bình", code="cdcs-hoa-binh", kind="grassroots",
                           parent=world.other_district, actor=world.admin)

    assert _refused(world, province_administrator, unit=world.district, successor=union) == [
        "A grassroots union cannot take over the work of a unit: choose an upper-level unit."]


# --- under way ------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_closing_waits_for_a_transition_under_way_and_nothing_drifts(reference_data):
    """A transition of one of the unit's campaigns holds the campaign's lock;
    the closing waits for it, then moves the campaign as the transition left
    it: the transition counted at A, the campaign now at B, no drift."""
    import threading

    from django.db import connection, connections, transaction

    from tests.conftest import build_world

    world = build_world()
    admin = world.administrator
    with clock.travel_to(DAY_ONE):
        campaign = campaign_at(world, Stage.SURVEYED)
    moved, closed, outcomes = threading.Event(), threading.Event(), {}

    def transition() -> None:
        try:
            with clock.travel_to(CLOSING), transaction.atomic():
                services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.officer,
                                             data={"held_on": CLOSING.date(), "outcome": "supportive"})
                moved.set()
                closed.wait(timeout=30)  # hold the campaign's lock until the closing waits for it
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes["transition"] = error
        finally:
            moved.set()
            connections.close_all()

    def closing() -> None:
        try:
            outcomes["closing"] = close(world, admin)
        except Exception as error:  # noqa: BLE001
            outcomes["closing"] = error
        finally:
            connections.close_all()

    first = threading.Thread(target=transition)
    first.start()
    assert moved.wait(timeout=30)
    second = threading.Thread(target=closing)
    second.start()
    for _attempt in range(300):  # until the closing waits for a lock
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            if cursor.fetchone()[0]:
                break
        threading.Event().wait(0.05)
    else:
        pytest.fail("the closing did not wait for the transition's lock")
    closed.set()
    first.join(timeout=60)
    second.join(timeout=60)

    assert "transition" not in outcomes
    assert isinstance(outcomes["closing"], ClosingResult)
    assert outcomes["closing"].campaigns == 1
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.responsible_unit_id) == (Stage.EMPLOYER_CONTACTED, world.other_district.pk)
    assert list(CampaignEvent.objects.filter(campaign=campaign, kind__in=[EventKind.STAGE, EventKind.TRANSFERRED])
                .order_by("at", "pk").values_list("kind", "unit_id")) == [
        (EventKind.STAGE, world.district.pk), (EventKind.TRANSFERRED, world.other_district.pk)]
    assert reconcile.drift() == []


def test_a_closed_unit_takes_no_new_enterprise_nor_a_pending_import(world, province_administrator,
                                                                   province_supervisor):
    # given a list uploaded for district A before it closed
    from workflows.enterprises.services import EnterpriseData, enterprise_create, import_commit, import_upload

    batch = import_upload(actor=province_supervisor, unit=world.district, file_name="danh-sach.csv", content=(
        f"Mã số thuế,Tên doanh nghiệp,Số lao động\n{factories.next_tax_code()},Công ty TNHH Mới,30\n").encode())
    unit_close(unit_id=world.district.pk, successor_id=world.other_district.pk, actor=province_administrator)
    district = Unit.objects.get(pk=world.district.pk)
    before = Enterprise.objects.count()

    # then nobody registers an enterprise at A any more, and the pending list is refused with a reason
    with pytest.raises(PermissionDenied):
        enterprise_create(tax_code=factories.next_tax_code(), data=EnterpriseData(name="Công ty Sau Đóng"),
                          responsible_unit=district, actor=province_supervisor)
    with pytest.raises(DomainError) as refused:
        import_commit(batch_id=batch.pk, actor=province_supervisor)
    assert refused.value.message == (
        "“Liên đoàn Lao động khu vực Từ Sơn” was closed after this list was uploaded: upload it again for the "
        "unit that took over its work.")
    assert Enterprise.objects.count() == before
