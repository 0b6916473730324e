"""The workers of a case over the API: only who works the case sees names
(managers get 404, like everyone out of scope); every answer with personal
data is audited with the workers it returned; writes go through the
register's services with the worker's version; survey visits hold figures."""
from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.conftest import campaign_at
from workflows.api.tokens import token_create
from workflows.audit.models import AuditEntry, AuditKind
from workflows.campaigns import register
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task
from workflows.core import clock
from workflows.people.models import Assessment, Conversation, SurveyVisit, Worker
from workflows.people.services import WorkerData

ROLES = [("officer", True), ("supervisor", True), ("manager", False), ("other_officer", False),
         ("other_supervisor", False)]
CCCD = "001203004567"


def client_of(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    _token, key = token_create(user=user, name="thử", scope="write", days=30)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def enter(world, campaign, n: int, *, department: str = "May 1") -> list[Worker]:
    return [register.worker_add(campaign_id=campaign.pk, actor=world.officer, data=WorkerData(
        full_name=f"Công nhân {department} {i}", department=department, phone=f"09120000{i:02d}"))
        for i in range(n)]


def viewed() -> list[list[int]]:
    return [sorted(entry.workers) for entry in
            AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_VIEW).order_by("pk")]


@pytest.mark.parametrize("role,sees", ROLES)
def test_each_role_reads_the_workers_of_a_case_or_gets_404(world, role, sees):
    campaign = campaign_at(world, Stage.SURVEYED)
    workers = enter(world, campaign, 3)
    client = client_of(world.user(role))

    listed = client.get(f"/api/v1/campaigns/{campaign.pk}/workers/")
    one = client.get(f"/api/v1/campaigns/{campaign.pk}/workers/{workers[1].pk}/")

    assert (listed.status_code, one.status_code) == ((200, 200) if sees else (404, 404))
    if sees:
        assert [row["id"] for row in listed.json()["results"]] == [w.pk for w in workers]
        assert one.json()["full_name"] == "Công nhân May 1 1"
        assert one["ETag"] == f'"{workers[1].version}"'
        assert viewed() == [[w.pk for w in workers], [workers[1].pk]]
        entry = AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_VIEW).latest("pk")
        assert (entry.user, entry.method) == (world.user(role), "GET")
    else:
        assert listed["Content-Type"] == "application/problem+json"
        assert viewed() == []


def test_the_citizen_id_is_never_answered_only_its_last_four_digits(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = client_of(world.officer)

    response = client.post(f"/api/v1/campaigns/{campaign.pk}/workers/", {
        "full_name": "Nguyễn Thị Hoa", "department": "Kho", "citizen_id": CCCD, "birth_year": 1996},
        format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id_last4"] == "4567"
    assert CCCD not in response.content.decode()
    assert "id_hash" not in body and "citizen_id" not in body
    worker = Worker.objects.get(pk=body["id"])
    assert (worker.enterprise_id, worker.full_name, worker.birth_year) == (world.enterprise.pk, "Nguyễn Thị Hoa",
                                                                          1996)
    assert viewed() == [[worker.pk]]
    again = client.get(f"/api/v1/campaigns/{campaign.pk}/workers/{worker.pk}/")
    assert CCCD not in again.content.decode()


def test_the_filters_and_the_search(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    sewing = enter(world, campaign, 2, department="May 1")
    store = enter(world, campaign, 2, department="Kho")
    register.assessment_add(campaign_id=campaign.pk, worker_id=store[0].pk, actor=world.officer, level=2)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/workers/"

    def ids(**params):
        return [row["id"] for row in client.get(url, params).json()["results"]]

    assert ids(department="Kho") == [w.pk for w in store]
    assert ids(support_level="2") == [store[0].pk]
    assert ids(support_level="none") == [*[w.pk for w in sewing], store[1].pk]
    assert ids(q="May 1 1") == [sewing[1].pk]
    assert ids(support_level="nonsense") == [w.pk for w in [*sewing, *store]]


def test_a_worker_of_another_enterprise_is_not_found_through_this_case(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    elsewhere = campaign_at(world, Stage.SURVEYED, enterprise=factories.EnterpriseFactory(
        responsible_unit=world.district))
    stranger = enter(world, elsewhere, 1)[0]

    response = client_of(world.officer).get(f"/api/v1/campaigns/{campaign.pk}/workers/{stranger.pk}/")

    assert response.status_code == 404
    assert viewed() == []


def test_the_list_costs_the_same_queries_for_few_and_many(world, django_assert_max_num_queries):
    campaign = campaign_at(world, Stage.SURVEYED)
    enter(world, campaign, 2)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/workers/"
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    enter(world, campaign, 20, department="Kho")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.json()["results"]) == 22


@pytest.mark.parametrize("role,sees", ROLES)
def test_who_may_not_work_the_case_writes_nothing(world, role, sees):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]
    client = client_of(world.user(role))
    before = (Worker.objects.count(), Assessment.objects.count(), Conversation.objects.count())
    base = f"/api/v1/campaigns/{campaign.pk}"

    answers = [
        client.post(f"{base}/workers/", {"full_name": "Lê Văn Nam"}, format="json").status_code,
        client.patch(f"{base}/workers/{worker.pk}/", {"phone": "0988000111"}, format="json",
                     HTTP_IF_MATCH=f'"{worker.version}"').status_code,
        client.post(f"{base}/workers/{worker.pk}/assessments/", {"level": 1}, format="json").status_code,
        client.post(f"{base}/conversations/", {"held_on": clock.today().isoformat(), "workers": [worker.pk],
                                               "outcome": "supportive"}, format="json").status_code,
    ]

    assert answers == ([201, 200, 201, 201] if sees else [404, 404, 404, 404])
    if not sees:
        assert (Worker.objects.count(), Assessment.objects.count(), Conversation.objects.count()) == before
        assert Worker.objects.get(pk=worker.pk).phone == worker.phone
        assert viewed() == []


def test_a_change_needs_the_workers_version_and_a_stale_one_is_412(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/workers/{worker.pk}/"
    etag = client.get(url)["ETag"]

    changed = client.patch(url, {"phone": "0988000111", "department": "Kho"}, format="json", HTTP_IF_MATCH=etag)

    assert changed.status_code == 200, changed.json()
    assert (changed.json()["phone"], changed.json()["department"]) == ("0988000111", "Kho")
    assert changed["ETag"] == f'"{worker.version + 1}"'
    assert Worker.objects.get(pk=worker.pk).full_name == worker.full_name  # what was not sent stays
    stale = client.patch(url, {"phone": "0900000000"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["detail"] == "Someone else changed this worker in the meantime. Reload the page and try again."
    missing = client.patch(url, {"phone": "0900000000"}, format="json")
    assert missing.status_code == 400 and "expected_version" in missing.json()["errors"]
    assert Worker.objects.get(pk=worker.pk).phone == "0988000111"


def test_an_assessment_sets_the_workers_level(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/workers/{worker.pk}/assessments/"

    response = client.post(url, {"level": 2, "note": "Nhiệt tình"}, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["level"], response.json()["assessed_on"]) == (2, clock.today().isoformat())
    assert Worker.objects.get(pk=worker.pk).support_level == 2
    future = client.post(url, {"level": 1, "assessed_on": (clock.today() + dt.timedelta(days=2)).isoformat()},
                         format="json")
    assert future.status_code == 400 and "assessed_on" in future.json()["errors"]
    assert Assessment.objects.filter(worker=worker).count() == 1


def test_a_conversation_with_its_next_step_as_a_task(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    workers = enter(world, campaign, 2)
    tasks = Task.objects.filter(campaign=campaign).count()

    response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/conversations/", {
        "held_on": clock.today().isoformat(), "workers": [w.pk for w in workers], "outcome": "interested",
        "next_step": "Gặp lại cả tổ", "next_step_on": (clock.today() + dt.timedelta(days=3)).isoformat(),
        "create_task": True}, format="json")

    assert response.status_code == 201, response.json()
    assert (sorted(response.json()["workers"]), response.json()["kind"]) == (sorted(w.pk for w in workers), "group")
    assert Task.objects.filter(campaign=campaign).count() == tasks + 1
    assert viewed() == []  # ids only, no personal data


# --- survey visits -------------------------------------------------------------------------------
def visit_by(world, user, enterprise=None) -> SurveyVisit:
    from workflows.people.surveys import VisitData, survey_visit_record

    return survey_visit_record(enterprise_id=(enterprise or world.enterprise).pk, actor=user,
                               data=VisitData(visited_on=clock.today(), workforce=120, women=60))


@pytest.mark.parametrize("role,sees", [("officer", True), ("other_officer", True), ("supervisor", True),
                                       ("manager", True), ("other_supervisor", False)])
def test_each_role_reads_the_survey_visits_the_pages_show(world, role, sees):
    visit = visit_by(world, world.officer)
    visit_by(world, world.other_supervisor, factories.EnterpriseFactory(responsible_unit=world.other_district))
    client = client_of(world.user(role))

    rows = client.get("/api/v1/survey-visits/").json()["results"]
    detail = client.get(f"/api/v1/survey-visits/{visit.pk}/")

    assert visit.pk in [row["id"] for row in rows] if sees else visit.pk not in [row["id"] for row in rows]
    assert detail.status_code == (200 if sees else 404)
    if sees:
        assert (detail.json()["workforce"], detail.json()["women"]) == (120, 60)


def test_the_visits_list_costs_the_same_queries_for_few_and_many(world, django_assert_max_num_queries):
    visit_by(world, world.officer)
    client = client_of(world.supervisor)
    client.get("/api/v1/survey-visits/")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/survey-visits/")
    for _ in range(5):
        visit_by(world, world.officer, factories.EnterpriseFactory(responsible_unit=world.district))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/survey-visits/")
    assert len(response.json()["results"]) == 6


@pytest.mark.parametrize("role,status", [("officer", 201), ("supervisor", 201), ("manager", 404),
                                         ("other_supervisor", 404)])
def test_a_visit_is_recorded_by_who_may_record_it(world, role, status):
    before = SurveyVisit.objects.count()

    response = client_of(world.user(role)).post(f"/api/v1/enterprises/{world.enterprise.pk}/survey-visits/", {
        "visited_on": clock.today().isoformat(), "workforce": 80, "women": 50, "employer_attitude": "neutral"},
        format="json")

    assert response.status_code == status
    assert SurveyVisit.objects.count() == before + (1 if status == 201 else 0)
    if status == 201:
        visit = SurveyVisit.objects.get(pk=response.json()["id"])
        assert (visit.enterprise_id, visit.officer, visit.workforce, visit.women) == (
            world.enterprise.pk, world.user(role), 80, 50)


def test_figures_that_do_not_hold_together_are_refused_on_their_field(world):
    response = client_of(world.officer).post(f"/api/v1/enterprises/{world.enterprise.pk}/survey-visits/", {
        "visited_on": clock.today().isoformat(), "workforce": 80, "women": 90}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"women": ["There cannot be more women than workers."]}
    assert SurveyVisit.objects.count() == 0
