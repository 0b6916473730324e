"""List pages and the detail page use the same number of queries for 10 and
for 200 rows (no query per row)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task, TaskStatus


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def grow_to(world, campaigns: int) -> None:
    from workflows.campaigns.models import Campaign

    stages = [Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.ON_HOLD]
    for i in range(Campaign.objects.count(), campaigns):
        campaign_at(world, stages[i % 3], enterprise=EnterpriseFactory(responsible_unit=world.district))


def officer_claims_everything(world) -> None:
    for task in Task.objects.filter(status=TaskStatus.OPEN, assignee=None, working_group=world.group)[::2]:
        services.task_claim(task_id=task.pk, actor=world.officer)


PAGES = [
    ("officer", "campaigns:my_tasks"), ("supervisor", "campaigns:my_tasks"),
    ("supervisor", "campaigns:list"), ("manager", "campaigns:list"), ("officer", "campaigns:list"),
    ("supervisor", "campaigns:board"), ("manager", "campaigns:board"),
    ("supervisor", "enterprises:list"), ("supervisor", "organisation:groups"), ("manager", "statistics:home"),
]


def test_list_pages_use_the_same_queries_for_10_and_200_rows(client, world):
    grow_to(world, 10)
    officer_claims_everything(world)
    client.force_login(world.supervisor)
    client.get(reverse("campaigns:list"))  # the reference data read once, as a server process keeps it
    small = {}
    for role, page in PAGES:
        client.force_login(world.user(role))
        small[role, page] = queries_for(client, reverse(page))

    grow_to(world, 200)
    officer_claims_everything(world)
    large = {}
    for role, page in PAGES:
        client.force_login(world.user(role))
        large[role, page] = queries_for(client, reverse(page))

    assert small == large


def test_campaign_detail_uses_the_same_queries_for_few_and_many_events_and_tasks(client, world):
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    client.force_login(world.officer)
    url = reverse("campaigns:detail", args=[campaign.pk])
    small = queries_for(client, url)

    for i in range(100):
        services.campaign_note_add(campaign_id=campaign.pk, actor=world.officer, text=f"Ghi chú {i}")
        services.task_add(campaign_id=campaign.pk, actor=world.officer, title=f"Việc {i}",
                          due_on=campaign.stage_entered_at.date().replace(year=2030),
                          assignee_id=world.officer.pk if i % 2 else None)
    large = queries_for(client, url)

    assert small == large
