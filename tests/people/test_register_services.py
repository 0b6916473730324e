"""The people register's services: the counters the guards read equal the
people data after every service; the citizen ID is never stored in clear;
the same person is found across enterprises; consent withdrawal
anonymises and keeps the figures."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from tests import factories
from tests.conftest import campaign_at
from workflows.campaigns import register, services
from workflows.campaigns.derived import register_figures
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Application, Campaign, CommitteeMember, Register, Task
from workflows.core import clock
from workflows.core.errors import GuardNotMet
from workflows.people import selectors
from workflows.people.models import Assessment, Worker, WorkerChange
from workflows.people.services import WorkerData

CCCD = "001203004567"


def by_name(world, stage=Stage.SURVEYED, **kwargs) -> Campaign:
    campaign = campaign_at(world, stage, **kwargs)
    return register.register_set(campaign_id=campaign.pk, actor=world.officer, register=Register.NAMES)


def workers(world, campaign, n: int, *, department: str = "May 1") -> list[Worker]:
    return [register.worker_add(campaign_id=campaign.pk, actor=world.officer,
                                data=WorkerData(full_name=f"Công nhân {department} {i}", department=department,
                                                birth_year=1995))
            for i in range(n)]


def assert_counters_match(campaign: Campaign) -> None:
    campaign.refresh_from_db()
    figures = register_figures(campaign)
    assert {name: getattr(campaign, name) for name in figures} == figures


def test_the_counters_equal_the_people_data_after_every_service(world):
    # given a campaign whose workers are entered by name, and eight workers
    campaign = by_name(world, Stage.EMPLOYER_CONTACTED)
    people = workers(world, campaign, 8)
    assert_counters_match(campaign)

    # when the committee is chosen, workers are assessed, apply, withdraw, leave
    register.committee_choose(campaign_id=campaign.pk, actor=world.officer, worker_ids=[w.pk for w in people[:3]],
                              head_id=people[0].pk, formed_on=clock.today())
    assert_counters_match(campaign)
    for worker in people[:4]:
        register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=1)
        assert_counters_match(campaign)
    for worker in people[:7]:
        register.application_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                                 applied_on=clock.today())
        assert_counters_match(campaign)
    register.application_withdraw(campaign_id=campaign.pk, worker_id=people[6].pk, actor=world.officer)
    assert_counters_match(campaign)
    register.worker_edit(campaign_id=campaign.pk, worker_id=people[3].pk, actor=world.officer,
                         changes={"employment_status": "left"})
    assert_counters_match(campaign)
    register.worker_consent_withdraw(campaign_id=campaign.pk, worker_id=people[2].pk, actor=world.officer,
                                     on=clock.today())
    assert_counters_match(campaign)

    # then the case carries the register's figures
    campaign.refresh_from_db()
    assert (campaign.committee_size, campaign.core_group, campaign.applications, campaign.admitted_members) == (
        3, 3, 6, 0)


def test_the_guards_read_the_register_and_the_congress_admits_the_applicants(world):
    # given a campaign by name at the committee stage with four standing applications
    campaign = by_name(world, Stage.MOBILISING_COMMITTEE)
    people = workers(world, campaign, 6)
    for worker in people[:4]:
        register.application_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                                 applied_on=clock.today())

    # when the congress is recorded, the typed count is ignored: the guard reads the register
    with translation.override("en"), pytest.raises(GuardNotMet) as refused:
        services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=world.officer,
                                     data={"applications": 50, "congress_on": clock.today()})
    assert refused.value.messages == ["At least 5 membership applications are needed (there are 4)."]
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.MOBILISING_COMMITTEE

    # then a fifth application lets it through, and the congress admits the five on its day
    register.application_add(campaign_id=campaign.pk, worker_id=people[4].pk, actor=world.officer,
                             applied_on=clock.today())
    services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=world.officer,
                                 data={"applications": 50, "congress_on": clock.today()})
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.applications, campaign.admitted_members) == (Stage.FOUNDING_CONGRESS, 5, 5)
    assert set(Application.objects.filter(campaign=campaign).values_list("admitted_on", flat=True)) == {
        clock.today()}

    # and the recognition admits the register's members whatever the decision form says
    services.campaign_transition(campaign_id=campaign.pk, name="recognise", actor=world.supervisor, data={
        "decision_number": "7/QĐ", "decision_date": clock.today(), "admitted_members": 99})
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.admitted_members) == (Stage.RECOGNISED, 5)


def test_a_congress_called_off_admits_nobody(world):
    campaign = by_name(world, Stage.MOBILISING_COMMITTEE)
    for worker in workers(world, campaign, 5):
        register.application_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                                 applied_on=clock.today())
    services.campaign_transition(campaign_id=campaign.pk, name="hold_congress", actor=world.officer,
                                 data={"congress_on": clock.today()})

    services.campaign_transition(campaign_id=campaign.pk, name="congress_called_off", actor=world.supervisor,
                                 data={"note": "Chủ doanh nghiệp không cho mượn hội trường"})

    campaign.refresh_from_db()
    assert (campaign.stage, campaign.applications, campaign.admitted_members) == (
        Stage.MOBILISING_COMMITTEE, 5, 0)
    assert Application.objects.filter(campaign=campaign, admitted_on__isnull=False).count() == 0


def test_figures_only_keeps_typed_counts_and_by_name_refuses_them(world):
    # given a figures-only campaign with typed counts
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, core_group=7, applications=4)

    # when it switches to workers by name, the counts become the register's (none yet)
    register.register_set(campaign_id=campaign.pk, actor=world.officer, register=Register.NAMES)
    campaign.refresh_from_db()
    assert (campaign.core_group, campaign.applications) == (0, 0)

    # then typing a count is refused, with nothing written
    with pytest.raises(ValidationError):
        services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=9)
    campaign.refresh_from_db()
    assert campaign.applications == 0
    # and an application by name is refused to a figures-only campaign
    other = campaign_at(world, Stage.EMPLOYER_CONTACTED, enterprise=factories.EnterpriseFactory(
        responsible_unit=world.district))
    worker = register.worker_add(campaign_id=other.pk, actor=world.officer, data=WorkerData(full_name="Lê Văn Hải"))
    with translation.override("en"), pytest.raises(Exception, match="figure"):
        register.application_add(campaign_id=other.pk, worker_id=worker.pk, actor=world.officer,
                                 applied_on=clock.today())
    assert Application.objects.count() == 0


@pytest.mark.parametrize("role", ["other_officer", "other_supervisor", "manager"])
def test_people_services_refuse_who_does_not_work_the_case_and_write_nothing(world, role):
    campaign = by_name(world)
    worker = workers(world, campaign, 1)[0]
    before = (Worker.objects.count(), Assessment.objects.count(), WorkerChange.objects.count())

    with pytest.raises(PermissionDenied):
        register.worker_add(campaign_id=campaign.pk, actor=world.user(role), data=WorkerData(full_name="Ai đó"))
    with pytest.raises(PermissionDenied):
        register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.user(role), level=2)

    assert (Worker.objects.count(), Assessment.objects.count(), WorkerChange.objects.count()) == before


def test_a_worker_of_another_enterprise_looks_missing(world):
    campaign = by_name(world)
    elsewhere = Worker.objects.create(enterprise=factories.EnterpriseFactory(responsible_unit=world.district),
                                      full_name="Người nơi khác")

    with pytest.raises(Worker.DoesNotExist):
        register.assessment_add(campaign_id=campaign.pk, worker_id=elsewhere.pk, actor=world.officer, level=1)
    assert Assessment.objects.count() == 0


def _database_text() -> str:
    """Every text a database table holds, as one string (the test database is small)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the introspection
            for row in cursor.fetchall():
                chunks.append(" ".join(str(value) for value in row if value is not None))
    return "\n".join(chunks)


def test_the_citizen_id_is_never_stored_in_clear(world):
    # given a worker entered with a citizen ID typed with spaces, then changed
    campaign = by_name(world)
    worker = register.worker_add(campaign_id=campaign.pk, actor=world.officer,
                                 data=WorkerData(full_name="Phạm Thị Thu", citizen_id="001 203 004 567"))
    register.worker_edit(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                         changes={"department": "Đóng gói"}, citizen_id="079090001234")

    # then no table holds either number; the worker keeps a hash and the last four digits
    text = _database_text()
    assert CCCD not in text
    assert "079090001234" not in text
    worker.refresh_from_db()
    assert worker.id_last4 == "1234"
    assert len(worker.id_hash) == 64
    assert "citizen_id" in WorkerChange.objects.filter(worker=worker, kind="changed").get().fields


def test_the_same_person_is_found_at_another_enterprise_and_twice_here_is_refused(world):
    # given a worker with a citizen ID at one enterprise
    campaign = by_name(world)
    first = register.worker_add(campaign_id=campaign.pk, actor=world.officer,
                                data=WorkerData(full_name="Đỗ Văn Nam", citizen_id=CCCD))
    other = by_name(world, enterprise=factories.EnterpriseFactory(responsible_unit=world.district))

    # when the same person is entered at another enterprise
    moved = register.worker_add(campaign_id=other.pk, actor=world.officer,
                                data=WorkerData(full_name="Đỗ Văn Nam", citizen_id=CCCD))

    # then each finds the other
    assert list(selectors.workers_same_person(moved)) == [first]
    assert list(selectors.workers_same_person(first)) == [moved]
    # and entering them twice at one enterprise is refused
    with pytest.raises(ValidationError) as refused:
        register.worker_add(campaign_id=other.pk, actor=world.officer,
                            data=WorkerData(full_name="Đỗ V. Nam", citizen_id="0012 0300 4567"))
    assert "citizen_id" in refused.value.message_dict
    assert Worker.objects.filter(enterprise=other.enterprise).count() == 1


def test_a_wrong_citizen_id_is_refused_with_its_reason(world):
    campaign = by_name(world)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        register.worker_add(campaign_id=campaign.pk, actor=world.officer,
                            data=WorkerData(full_name="Vũ Thị Hoa", citizen_id="12345"))
    assert refused.value.message_dict == {"citizen_id": ["A citizen ID (CCCD) has 12 digits."]}
    assert Worker.objects.count() == 0


def test_withdrawing_consent_anonymises_and_keeps_the_figures(world):
    # given a worker with consent, assessed at level 1, on the committee, who applied
    campaign = by_name(world, Stage.EMPLOYER_CONTACTED)
    worker = register.worker_add(campaign_id=campaign.pk, actor=world.officer, data=WorkerData(
        full_name="Ngô Thị Lan", birth_year=1990, department="Cắt", phone="0912345678", zalo="0912345678",
        hometown="Thái Bình", citizen_id=CCCD, gender="female", consent_on=clock.today(), consent_method="written"))
    register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=1,
                            note="Rất nhiệt tình, nhà ở Thái Bình")
    register.committee_choose(campaign_id=campaign.pk, actor=world.officer, worker_ids=[worker.pk],
                              head_id=worker.pk)
    register.application_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                             applied_on=clock.today())
    campaign.refresh_from_db()
    counters = (campaign.committee_size, campaign.core_group, campaign.applications)

    # when the worker withdraws consent
    register.worker_consent_withdraw(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                                     on=clock.today())

    # then the personal fields are gone, the figures and the links stay
    worker.refresh_from_db()
    assert (worker.full_name, worker.birth_year, worker.phone, worker.zalo, worker.hometown, worker.id_hash,
            worker.id_last4) == ("", None, "", "", "", "", "")
    assert (worker.department, worker.gender, worker.support_level) == ("Cắt", "female", 1)
    assert worker.anonymised_at is not None and worker.consent_withdrawn_on == clock.today()
    assert Assessment.objects.get(worker=worker).note == ""
    assert CommitteeMember.objects.filter(worker=worker).count() == 1
    campaign.refresh_from_db()
    assert (campaign.committee_size, campaign.core_group, campaign.applications) == counters
    assert selectors.wall_chart(campaign.enterprise_id).total.counts[0] == 1
    # and the record can no longer be changed
    with translation.override("en"), pytest.raises(Exception, match="anonymised"):
        register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=2)


def test_the_latest_assessment_by_day_is_the_current_level(world):
    campaign = by_name(world)
    worker = workers(world, campaign, 1)[0]
    today = clock.today()
    register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=4,
                            assessed_on=today - dt.timedelta(days=10))
    register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=2,
                            assessed_on=today - dt.timedelta(days=2))
    # an assessment entered late, dated before the last one, goes into the history only
    register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=5,
                            assessed_on=today - dt.timedelta(days=5))

    worker.refresh_from_db()
    assert (worker.support_level, worker.support_assessed_on) == (2, today - dt.timedelta(days=2))
    assert list(selectors.assessments_of(worker).values_list("level", flat=True)) == [2, 5, 4]


def test_a_conversation_with_a_next_step_becomes_a_task_of_the_case(world):
    campaign = by_name(world)
    people = workers(world, campaign, 2)
    due = clock.today() + dt.timedelta(days=3)

    conversation = register.conversation_add(
        campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(), worker_ids=[p.pk for p in people],
        outcome="interested", next_step="Gặp lại tổ trưởng chuyền", next_step_on=due, create_task=True)

    task = Task.objects.get(conversation=conversation)
    assert (task.title, task.due_on, task.assignee, task.campaign_id) == (
        "Gặp lại tổ trưởng chuyền", due, world.officer, campaign.pk)
    assert conversation.kind == "group"
    assert sorted(conversation.workers.values_list("pk", flat=True)) == sorted(p.pk for p in people)


def test_leaders_and_the_workers_they_influence(world):
    campaign = by_name(world)
    leader, *followers = workers(world, campaign, 3)

    register.leader_set(campaign_id=campaign.pk, worker_id=leader.pk, actor=world.officer, is_leader=True,
                        follower_ids=[f.pk for f in followers])
    assert sorted(leader.followers.values_list("pk", flat=True)) == sorted(f.pk for f in followers)
    assert selectors.wall_chart(campaign.enterprise_id).rows[0].leaders == 1

    register.leader_set(campaign_id=campaign.pk, worker_id=leader.pk, actor=world.officer, is_leader=False)
    assert leader.followers.count() == 0


def test_the_wall_chart_counts_departments_by_level_in_one_query(world, django_assert_num_queries):
    campaign = by_name(world)
    cut = workers(world, campaign, 4, department="Cắt")
    sew = workers(world, campaign, 2, department="May")
    for worker, level in zip(cut + sew, (1, 2, 2, 5, 1, 3), strict=True):
        register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=level)

    with django_assert_num_queries(1):
        chart = selectors.wall_chart(campaign.enterprise_id, workforce=12)

    assert [(row.department, row.counts, row.total) for row in chart.rows] == [
        ("Cắt", (1, 2, 0, 0, 1, 0), 4), ("May", (1, 0, 1, 0, 0, 0), 2)]
    assert chart.total.counts == (2, 2, 1, 0, 1, 0)
    assert chart.supportive_of_workforce == 33.3  # 4 of a workforce of 12
