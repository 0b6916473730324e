"""My tasks a screen at a time (issue 19: the officer with 6.467 tasks):
twenty cards, the next ones by "More tasks" (htmx: only the cards, appended)
or the next page; the same queries for a few tasks or many; only the user's
own tasks and their groups' queues."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task, TaskStatus
from workflows.campaigns.selectors import INBOX_TASKS_PER_PAGE
from workflows.core import clock

URL = "/tasks/"


def add_tasks(world, count: int) -> None:
    """``count`` more open tasks given to the officer, on one campaign of the group."""
    campaign = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    due = clock.today() + dt.timedelta(days=5)
    for i in range(count):
        services.task_add(campaign_id=campaign.pk, actor=world.supervisor, title=f"Việc {i:03d}",
                          due_on=due + dt.timedelta(days=i % 17), assignee_id=world.officer.pk)


def inbox_of(world) -> list[int]:
    """The officer's inbox as the database has it: their open tasks and the group's queue, by due day."""
    return list(Task.objects.filter(Q(assignee=world.officer) | Q(assignee=None, working_group=world.group),
                                    status=TaskStatus.OPEN).order_by("due_on", "pk").values_list("pk", flat=True))


def cards_of(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="task-(\d+)"', response.content.decode())]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def many(world):
    add_tasks(world, 2 * INBOX_TASKS_PER_PAGE + 3)
    return inbox_of(world)


def test_a_page_holds_twenty_cards_in_due_order_and_the_last_page_the_rest(client, world, many):
    client.force_login(world.officer)
    n = INBOX_TASKS_PER_PAGE

    first, second, third = (client.get(URL, {"page": page}) for page in (1, 2, 3))

    assert len(many) > 2 * n
    assert cards_of(first) == many[:n]
    assert cards_of(second) == many[n:2 * n]
    assert cards_of(third) == many[2 * n:3 * n]
    assert first.context["page"].paginator.count == len(many)
    assert "page=2" in first.content.decode() and 'id="more-tasks"' in first.content.decode()
    last = client.get(URL, {"page": first.context["page"].paginator.num_pages})
    assert 'id="more-tasks"' not in last.content.decode()


@pytest.mark.parametrize("asked", ["99", "0", "-1", "two"])
def test_a_page_out_of_range_shows_the_last_or_the_first(client, world, many, asked):
    client.force_login(world.officer)
    pages = -(-len(many) // INBOX_TASKS_PER_PAGE)

    response = client.get(URL, {"page": asked})

    expected = pages if asked == "99" else 1
    assert response.status_code == 200
    assert response.context["page"].number == expected
    assert cards_of(response) == many[(expected - 1) * INBOX_TASKS_PER_PAGE:expected * INBOX_TASKS_PER_PAGE]


def test_more_tasks_with_htmx_answers_only_the_next_cards_and_the_next_button(client, world, many):
    client.force_login(world.officer)

    response = client.get(URL, {"page": 2, "more": 1, "overdue": ""}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert cards_of(response) == many[INBOX_TASKS_PER_PAGE:2 * INBOX_TASKS_PER_PAGE]
    assert '<tbody hx-swap-oob="beforeend:#my-task-rows">' in body
    assert 'hx-get="?overdue=&amp;page=3&amp;more=1"' in body and 'href="?overdue=&amp;page=3"' in body
    assert "<html" not in body and 'id="my-reviews"' not in body


def test_without_htmx_more_is_the_next_page(client, world, many):
    client.force_login(world.officer)

    response = client.get(URL, {"page": 2, "more": 1})

    assert "<html" in response.content.decode()
    assert cards_of(response) == many[INBOX_TASKS_PER_PAGE:2 * INBOX_TASKS_PER_PAGE]


def test_the_same_queries_for_a_few_tasks_and_for_many(client, world):
    add_tasks(world, 2)
    client.force_login(world.officer)
    few = queries_for(client, URL)

    add_tasks(world, 3 * INBOX_TASKS_PER_PAGE)

    assert queries_for(client, URL) == few
    assert queries_for(client, URL + "?page=2") == few - 1  # no review steps after the first page
    assert few == 6  # the session, the user, the scope, the count, the page, the review steps


@pytest.mark.parametrize("role, sees", [("officer", True), ("other_officer", False), ("supervisor", False),
                                        ("other_supervisor", False), ("manager", False)])
def test_only_the_officer_and_the_group_see_the_officers_tasks(client, world, many, role, sees):
    client.force_login(world.user(role))

    shown = set(cards_of(client.get(URL, {"page": 1})) + cards_of(client.get(URL, {"page": 2})))

    given = set(Task.objects.filter(assignee=world.officer, status=TaskStatus.OPEN).values_list("pk", flat=True))
    assert bool(shown & given) is sees


def test_a_stranger_is_sent_to_sign_in(client, world, many):
    response = client.get(URL)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={URL}")
