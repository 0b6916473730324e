"""My notifications over the API: only mine, newest first, in my language;
marking one read touches nothing else."""
from __future__ import annotations

from rest_framework.test import APIClient

from workflows.api.tokens import token_create
from workflows.notifications.models import Notification
from workflows.notifications.services import Draft, notifications_create


def client_of(user, *, scope: str = "write", language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    _token, key = token_create(user=user, name="thử", scope=scope, days=30)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def notify(user, count: int = 1) -> list[Notification]:
    return notifications_create(drafts=[
        Draft(user.pk, "campaign_assigned", {"enterprise": f"Công ty Số {n}", "group": "Tổ công tác số 1"},
              url="/campaigns/") for n in range(count)])


def unread() -> list[int]:
    return list(Notification.objects.filter(read_at__isnull=True).order_by("pk").values_list("pk", flat=True))


def test_i_list_my_notifications_only_newest_first(world):
    mine = notify(world.officer, 3)
    notify(world.other_officer, 2)

    response = client_of(world.officer).get("/api/v1/notifications/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [n.pk for n in reversed(mine)]
    assert rows[0]["title"] == "New campaign for your working group: Công ty Số 2"
    assert rows[0]["is_read"] is False


def test_titles_are_written_in_the_readers_language(world):
    notify(world.officer)

    rows = client_of(world.officer, language="vi").get("/api/v1/notifications/").json()["results"]

    assert rows[0]["title"] != "New campaign for your working group: Công ty Số 0"
    assert "Công ty Số 0" in rows[0]["title"]


def test_i_mark_one_of_mine_read_and_not_someone_elses(world):
    mine = notify(world.officer, 2)
    theirs = notify(world.other_officer)[0]
    client = client_of(world.officer)

    response = client.post(f"/api/v1/notifications/{mine[0].pk}/read/")

    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert unread() == [mine[1].pk, theirs.pk]
    refused = client.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert refused.status_code == 404
    assert unread() == [mine[1].pk, theirs.pk]


def test_a_read_only_token_lists_but_does_not_mark(world):
    mine = notify(world.officer)[0]
    client = client_of(world.officer, scope="read")

    assert client.get("/api/v1/notifications/").status_code == 200
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 403
    assert unread() == [mine.pk]


def test_the_list_costs_the_same_queries_for_few_and_many(world, django_assert_max_num_queries):
    notify(world.officer)
    client = client_of(world.officer)
    client.get("/api/v1/notifications/")
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/notifications/")
    notify(world.officer, 15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/notifications/")
    assert len(response.json()["results"]) == 16
