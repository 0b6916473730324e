"""Every ``next`` the project reads sends the user only to a path of this
site: task claim and completion (ours, through ``safe_next``), sign-in and
the language switch (Django's, which check it themselves)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import campaign_at
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task, TaskStatus

HOSTILE_NEXT = ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]


@pytest.fixture
def queued_task(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    return Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN, assignee=None).order_by("pk").first()


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_claiming_a_task_never_redirects_off_site(client, world, queued_task, role, next_url):
    client.force_login(world.user(role))

    response = client.post(reverse("campaigns:task_claim", args=[queued_task.pk]), {"next": next_url})

    assert (response.status_code, response["Location"]) == (302, reverse("campaigns:my_tasks"))
    queued_task.refresh_from_db()
    assert queued_task.assignee == world.user(role)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_completing_a_task_never_redirects_off_site(client, world, queued_task, role, next_url):
    client.force_login(world.user(role))

    response = client.post(reverse("campaigns:task_complete", args=[queued_task.pk]), {"next": next_url})

    assert (response.status_code, response["Location"]) == (302, reverse("campaigns:my_tasks"))
    queued_task.refresh_from_db()
    assert queued_task.status == TaskStatus.DONE


def test_a_same_site_next_is_followed(client, world, queued_task):
    client.force_login(world.officer)
    page = reverse("campaigns:detail", args=[queued_task.campaign_id]) + "?tab=tasks"

    response = client.post(reverse("campaigns:task_complete", args=[queued_task.pk]), {"next": page})

    assert (response.status_code, response["Location"]) == (302, page)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_sign_in_never_redirects_off_site(client, world, next_url):
    world.officer.set_password("mật-khẩu-đúng")
    world.officer.save()

    response = client.post(reverse("login"), {"username": "officer", "password": "mật-khẩu-đúng", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_the_language_switch_never_redirects_off_site(client, world, next_url):
    client.force_login(world.officer)

    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"
