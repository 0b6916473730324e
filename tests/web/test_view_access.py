"""Each screen and action refuses the roles that may not use it with 404 (a
forbidden object looks missing) and writes nothing."""
import pytest
from django.urls import reverse

from tests.conftest import ROLES, campaign_at
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, CampaignEvent, Task, TaskStatus
from workflows.enterprises.models import Enterprise


def snapshot():
    return {
        "events": CampaignEvent.objects.count(),
        "tasks": sorted(Task.objects.values_list("pk", "status", "assignee_id")),
        "campaigns": sorted(Campaign.objects.values_list("pk", "stage", "version", "working_group_id")),
        "enterprises": sorted(Enterprise.objects.values_list("pk", "name", "updated_at")),
    }


@pytest.fixture
def case(world):
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    task = Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk").first()
    return campaign, task


# (name, method, url builder, POST data builder, roles allowed)
WORKERS = {"officer", "supervisor"}
READERS = {"officer", "supervisor", "manager"}
CASES = [
    ("detail", "get", lambda w, c, t: reverse("campaigns:detail", args=[c.pk]), None, READERS),
    ("enterprise", "get", lambda w, c, t: reverse("enterprises:detail", args=[c.enterprise_id]), None,
     READERS | {"other_officer"}),  # officers read the registry of their groups' unit
    ("transition form", "get", lambda w, c, t: reverse("campaigns:transition", args=[c.pk, "form_committee"]),
     None, WORKERS),
    ("transition", "post", lambda w, c, t: reverse("campaigns:transition", args=[c.pk, "hold"]),
     lambda w, c, t: {"expected_stage": c.stage, "note": "x"}, WORKERS),
    ("abandon", "post", lambda w, c, t: reverse("campaigns:transition", args=[c.pk, "abandon"]),
     lambda w, c, t: {"expected_stage": c.stage, "reason": "employer_refused"}, {"supervisor"}),
    ("note", "post", lambda w, c, t: reverse("campaigns:note", args=[c.pk]), lambda w, c, t: {"text": "ghi chú"},
     WORKERS),
    ("meeting", "post", lambda w, c, t: reverse("campaigns:meeting", args=[c.pk]),
     lambda w, c, t: {"held_on": "01/11/2026", "outcome": "neutral"}, WORKERS),
    ("counts", "post", lambda w, c, t: reverse("campaigns:counts", args=[c.pk]),
     lambda w, c, t: {"version": c.version, "workforce": 300, "core_group": 4, "applications": 2}, WORKERS),
    ("task add", "post", lambda w, c, t: reverse("campaigns:task_add", args=[c.pk]),
     lambda w, c, t: {"title": "Gặp tổ trưởng", "due_on": "30/12/2026"}, WORKERS),
    ("assign", "post", lambda w, c, t: reverse("campaigns:assign", args=[c.pk]),
     lambda w, c, t: {"version": c.version, "working_group": w.other_group.pk}, {"supervisor"}),
    ("task complete", "post", lambda w, c, t: reverse("campaigns:task_complete", args=[t.pk]),
     lambda w, c, t: {}, WORKERS),
    ("task claim", "post", lambda w, c, t: reverse("campaigns:task_claim", args=[t.pk]),
     lambda w, c, t: {}, WORKERS),
    ("task reassign", "post", lambda w, c, t: reverse("campaigns:task_reassign", args=[t.pk]),
     lambda w, c, t: {"assignee": w.officer.pk}, {"supervisor"}),
    ("officer tasks", "get", lambda w, c, t: reverse("organisation:officer_tasks", args=[w.officer.pk]), None,
     {"supervisor"}),
    ("enterprise edit", "get", lambda w, c, t: reverse("enterprises:edit", args=[c.enterprise_id]), None,
     {"supervisor"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,method,url,data,allowed", CASES, ids=[c[0] for c in CASES])
def test_view_allows_exactly_its_roles(client, world, case, role, name, method, url, data, allowed):
    campaign, task = case
    user = world.user(role)
    if user:
        client.force_login(user)
    before = snapshot()
    target = url(world, campaign, task)

    response = getattr(client, method)(target, data(world, campaign, task) if data else None)

    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert snapshot() == before
    elif role in allowed:
        assert response.status_code in (200, 302), (response.status_code, response.content[:500])
        if method == "post":
            assert snapshot() != before
    else:
        assert response.status_code == 404
        assert snapshot() == before


def test_state_changes_refuse_get(client, world, case):
    campaign, task = case
    client.force_login(world.supervisor)
    for url in [reverse("campaigns:note", args=[campaign.pk]), reverse("campaigns:task_complete", args=[task.pk]),
                reverse("campaigns:open", args=[campaign.enterprise_id])]:
        assert client.get(url).status_code == 405


def test_a_stale_transition_answers_409_with_the_current_stage(client, world, case):
    from workflows.campaigns import services

    campaign, _task = case
    client.force_login(world.officer)
    services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.supervisor)
    events = CampaignEvent.objects.count()

    response = client.post(reverse("campaigns:transition", args=[campaign.pk, "abandon"]),
                           {"expected_stage": Stage.EMPLOYER_CONTACTED, "reason": "merged"})

    # The officer may not abandon: 404 before any staleness is revealed.
    assert response.status_code == 404
    client.force_login(world.supervisor)
    response = client.post(reverse("campaigns:transition", args=[campaign.pk, "abandon"]),
                           {"expected_stage": Stage.EMPLOYER_CONTACTED, "reason": "merged"})
    assert response.status_code == 409
    assert "Tạm dừng" in response.content.decode()
    assert CampaignEvent.objects.count() == events
    campaign.refresh_from_db()
    assert campaign.stage == Stage.ON_HOLD


def test_form_errors_are_shown_next_to_the_field_in_the_users_language(client, world, case):
    campaign, _task = case
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:meeting", args=[campaign.pk]), {"held_on": "31/02/2026",
                                                                              "outcome": "neutral"})

    assert response.status_code == 400
    assert "Nhập ngày theo định dạng dd/mm/yyyy." in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("campaigns:meeting", args=[campaign.pk]), {"held_on": "31/02/2026",
                                                                              "outcome": "neutral"})
    assert "Enter a date as dd/mm/yyyy." in response.content.decode()
