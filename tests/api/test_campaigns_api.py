"""The API's campaigns and tasks: what each role reads, the transitions with
their version, the errors as problem details."""
from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests import factories
from tests.conftest import campaign_at
from workflows.api.tokens import token_create
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Task, TaskStatus
from workflows.core import clock


def client_of(user, *, scope: str = "write", language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        _token, key = token_create(user=user, name="thử", scope=scope, days=30)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_anonymous_gets_a_problem_401(world):
    response = APIClient().get("/api/v1/campaigns/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


@pytest.mark.parametrize("role,sees", [("officer", True), ("supervisor", True), ("manager", True),
                                       ("other_officer", False), ("other_supervisor", False)])
def test_each_role_lists_the_campaigns_it_may_see(world, role, sees):
    campaign = campaign_at(world, Stage.SURVEYED)

    response = client_of(world.user(role)).get("/api/v1/campaigns/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == ([campaign.pk] if sees else [])
    detail = client_of(world.user(role)).get(f"/api/v1/campaigns/{campaign.pk}/")
    assert detail.status_code == (200 if sees else 404)


def test_the_list_costs_the_same_queries_for_few_and_many(world, django_assert_max_num_queries):
    campaign_at(world, Stage.SURVEYED)
    client = client_of(world.supervisor)
    client.get("/api/v1/campaigns/")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/campaigns/")
    for _ in range(6):
        campaign_at(world, Stage.SURVEYED, enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/campaigns/?stage=surveyed")
    assert len(response.json()["results"]) == 7


def test_a_transition_with_the_etag_moves_the_campaign_once(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = client_of(world.officer)
    etag = client.get(f"/api/v1/campaigns/{campaign.pk}/")["ETag"]

    response = client.post(f"/api/v1/campaigns/{campaign.pk}/transitions/contact_employer/",
                           {"held_on": clock.today().isoformat(), "outcome": "supportive"}, format="json",
                           HTTP_IF_MATCH=etag)

    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == Stage.EMPLOYER_CONTACTED
    assert response["ETag"] == f'"{Campaign.objects.get(pk=campaign.pk).version}"'
    # the same ETag again is stale: 412, with the pages' message, nothing written
    events = CampaignEvent.objects.count()
    with translation.override("en"):
        again = client.post(f"/api/v1/campaigns/{campaign.pk}/transitions/hold/", {}, format="json",
                            HTTP_IF_MATCH=etag)
    assert again.status_code == 412
    assert again.json()["detail"] == ("Someone else changed this campaign in the meantime. "
                                      "Reload the page and try again.")
    assert CampaignEvent.objects.count() == events


def test_a_write_without_a_version_is_refused(world):
    campaign = campaign_at(world, Stage.SURVEYED)

    response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/transitions/hold/", {},
                                             format="json")

    assert response.status_code == 400
    assert "expected_version" in response.json()["errors"]
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.SURVEYED


def test_a_guard_refuses_with_its_sentence_on_the_field_and_in_vietnamese(world):
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)

    response = client_of(world.officer, language="vi").post(
        f"/api/v1/campaigns/{campaign.pk}/transitions/hold_congress/",
        {"applications": 2, "congress_on": clock.today().isoformat(), "expected_version": campaign.version},
        format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]["applications"] == ["Cần ít nhất 5 đơn xin gia nhập (hiện có 2)."]
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.MOBILISING_COMMITTEE


@pytest.mark.parametrize("role", ["manager", "other_officer", "other_supervisor"])
def test_who_may_not_take_a_transition_gets_404_and_nothing_is_written(world, role):
    campaign = campaign_at(world, Stage.SURVEYED)
    events = CampaignEvent.objects.count()

    response = client_of(world.user(role)).post(f"/api/v1/campaigns/{campaign.pk}/transitions/hold/",
                                                {"expected_version": campaign.version}, format="json")

    assert response.status_code == 404
    assert CampaignEvent.objects.count() == events


def test_a_read_only_token_reads_but_does_not_write(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = client_of(world.officer, scope="read")

    assert client.get(f"/api/v1/campaigns/{campaign.pk}/").status_code == 200
    response = client.post(f"/api/v1/campaigns/{campaign.pk}/transitions/hold/",
                           {"expected_version": campaign.version}, format="json")
    assert response.status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.SURVEYED


def test_the_history_lists_the_events_in_order(world):
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    response = client_of(world.officer).get(f"/api/v1/campaigns/{campaign.pk}/history/")

    assert [row["kind"] for row in response.json()["results"]] == list(
        CampaignEvent.objects.filter(campaign=campaign).order_by("at", "pk").values_list("kind", flat=True))
    assert response.json()["results"][0]["kind"] == EventKind.OPENED


def test_my_tasks_claim_and_complete(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = client_of(world.officer)
    queued = Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN, assignee__isnull=True).order_by("pk")

    mine = client.get("/api/v1/tasks/mine/").json()["results"]
    assert sorted(row["id"] for row in mine) == sorted(Task.objects.filter(
        campaign=campaign, status=TaskStatus.OPEN).values_list("pk", flat=True))

    task = queued.first()
    claimed = client.post(f"/api/v1/tasks/{task.pk}/claim/", {}, format="json")
    assert (claimed.status_code, claimed.json()["assignee"]) == (200, world.officer.pk)
    done = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"note": "Đã gặp"}, format="json")
    assert (done.status_code, done.json()["status"]) == (200, TaskStatus.DONE)
    assert client_of(world.other_officer).post(f"/api/v1/tasks/{task.pk}/claim/", {}, format="json"
                                               ).status_code == 404


def test_the_schema_and_its_pages_are_served_without_a_cdn(client, world):
    client.force_login(world.officer)

    schema = client.get("/api/v1/schema/?format=json")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert "/api/v1/campaigns/{id}/transitions/{name}/" in schema.json()["paths"]
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


def test_a_refused_object_is_audited_like_on_the_pages(world):
    from workflows.audit.models import AuditEntry, AuditKind

    campaign = campaign_at(world, Stage.SURVEYED)

    response = client_of(world.other_officer).get(f"/api/v1/campaigns/{campaign.pk}/")

    assert response.status_code == 404
    assert list(AuditEntry.objects.filter(kind=AuditKind.ACCESS_REFUSED).values_list("user", "detail")) == [
        (world.other_officer.pk, f"campaigns.Campaign {campaign.pk} is outside the user's scope")]


def test_the_queue_and_a_supervisor_reassigns_one_task_and_many(world, colleague):
    campaign = campaign_at(world, Stage.SURVEYED)
    queued = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN, assignee__isnull=True)
                  .order_by("pk").values_list("pk", flat=True))
    assert sorted(row["id"] for row in client_of(world.officer).get("/api/v1/tasks/queue/").json()["results"]) \
        == sorted(queued)

    one = client_of(world.supervisor).post(f"/api/v1/tasks/{queued[0]}/reassign/",
                                           {"assignee_id": world.officer.pk}, format="json")
    assert (one.status_code, one.json()["assignee"]) == (200, world.officer.pk)
    assert client_of(world.officer).post(f"/api/v1/tasks/{queued[1]}/reassign/",
                                         {"assignee_id": world.officer.pk}, format="json").status_code == 404

    many = client_of(world.supervisor).post("/api/v1/tasks/bulk-reassign/",
                                            {"to_user": colleague.pk, "from_user": world.officer.pk},
                                            format="json")
    assert (many.status_code, many.json()) == (200, {"moved": 1})
    assert Task.objects.get(pk=queued[0]).assignee == colleague
    bad = client_of(world.supervisor).post("/api/v1/tasks/bulk-reassign/", {"to_user": colleague.pk},
                                           format="json")
    assert bad.status_code == 400
