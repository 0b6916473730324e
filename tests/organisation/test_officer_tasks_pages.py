"""An officer's tasks a page at a time (issue 19: 6.467 tasks on one page
was 2,3 MB): the page holds at most 100 tasks with the lists' pager and
reads the same queries for 3 tasks or 230; the bulk reassignment still moves
every task with "all", and the chosen tasks are checked against the
officer's tasks in the database, not against the page shown."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.models import Campaign, CampaignEvent, Task, TaskStatus
from workflows.core import clock
from workflows.organisation.selectors import OFFICER_TASKS_PER_PAGE


def vi(msgid: str) -> str:
    with translation.override("vi"):
        return translation.gettext(msgid)


def url_of(world, page: int | None = None) -> str:
    url = reverse("organisation:officer_tasks", args=[world.officer.pk])
    return f"{url}?page={page}" if page else url


def officer_campaign(world):
    """A campaign of the officer's group whose open tasks the officer holds."""
    campaign = services.campaign_open(enterprise_id=EnterpriseFactory(responsible_unit=world.district).pk,
                                      actor=world.supervisor, working_group_id=world.group.pk)
    for task in Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN):
        services.task_claim(task_id=task.pk, actor=world.officer)
    return campaign


def add_tasks(world, campaign, count: int) -> None:
    due = clock.today() + dt.timedelta(days=30)
    for i in range(count):
        services.task_add(campaign_id=campaign.pk, actor=world.supervisor, title=f"Việc thêm {i:03d}",
                          due_on=due + dt.timedelta(days=i % 40), assignee_id=world.officer.pk)


def officers_open_tasks(world) -> list[int]:
    return list(Task.objects.filter(assignee=world.officer, status=TaskStatus.OPEN).order_by("due_on", "pk")
                .values_list("pk", flat=True))


def written() -> dict:
    return {"tasks": list(Task.objects.order_by("pk").values_list("pk", "status", "assignee")),
            "events": CampaignEvent.objects.count()}


def rows_of(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="tasks" value="(\d+)"', response.content.decode())]


@pytest.fixture
def many(world, colleague):
    """The officer holds 230 open tasks and more: three pages."""
    campaign = officer_campaign(world)
    add_tasks(world, campaign, 230)
    return officers_open_tasks(world)


def test_the_page_shows_a_hundred_tasks_and_the_pager(client, world, many):
    client.force_login(world.supervisor)

    first, last = client.get(url_of(world)), client.get(url_of(world, 3))

    assert (first.status_code, last.status_code) == (200, 200)
    assert len(many) > 2 * OFFICER_TASKS_PER_PAGE
    assert rows_of(first) == many[:OFFICER_TASKS_PER_PAGE]
    assert rows_of(last) == many[2 * OFFICER_TASKS_PER_PAGE:]
    assert first.context["page"].paginator.num_pages == 3
    assert 'class="pagination"' in first.content.decode() and "page=2" in first.content.decode()
    # "all" is every task of the officer, not the page
    assert first.context["total"] == len(many)


def queries_and_size(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), len(rows_of(response))


def test_the_same_queries_and_at_most_a_page_of_rows_for_few_and_many_tasks(client, world, colleague):
    campaign = officer_campaign(world)
    client.force_login(world.supervisor)
    few_queries, few_rows = queries_and_size(client, url_of(world))

    add_tasks(world, campaign, 2 * OFFICER_TASKS_PER_PAGE + 7)
    many_queries, many_rows = queries_and_size(client, url_of(world))
    last_queries, _rows = queries_and_size(client, url_of(world, 3))

    assert few_rows == len(officers_open_tasks(world)) - 2 * OFFICER_TASKS_PER_PAGE - 7
    assert many_rows == OFFICER_TASKS_PER_PAGE
    assert few_queries == many_queries == last_queries


def test_all_moves_every_task_of_the_officer_not_only_the_page(client, world, colleague, many):
    client.force_login(world.supervisor)

    asked = client.post(url_of(world), {"to_user": colleague.pk, "scope": "all"})
    done = client.post(url_of(world), {"to_user": colleague.pk, "scope": "all", "confirmed": "1"})

    confirm = re.search(r'<article id="confirm".*?</article>', asked.content.decode(), re.S).group(0)
    assert str(len(many)) in confirm
    assert done.status_code == 302
    assert officers_open_tasks(world) == []
    assert sorted(Task.objects.filter(assignee=colleague, status=TaskStatus.OPEN).values_list("pk", flat=True)) \
        == sorted(many)


def test_tasks_chosen_on_another_page_are_checked_in_the_database_and_moved(client, world, colleague, many):
    # given: tasks of page 3, posted from page 1
    chosen = many[-3:]
    client.force_login(world.supervisor)

    response = client.post(url_of(world), {"to_user": colleague.pk, "scope": "selected", "tasks": chosen,
                                           "confirmed": "1"})

    assert response.status_code == 302
    assert sorted(Task.objects.filter(assignee=colleague).values_list("pk", flat=True)) == sorted(chosen)
    assert len(officers_open_tasks(world)) == len(many) - 3


@pytest.mark.parametrize("foreign", ["another officer's task", "a closed task", "no such task"])
def test_a_chosen_task_that_is_not_the_officers_open_task_is_refused_and_nothing_moves(
        client, world, colleague, many, foreign):
    # given
    if foreign == "another officer's task":
        other = services.campaign_open(enterprise_id=EnterpriseFactory(responsible_unit=world.district).pk,
                                       actor=world.supervisor, working_group_id=world.other_group.pk)
        stranger = Task.objects.filter(campaign=other, status=TaskStatus.OPEN).first()
        services.task_claim(task_id=stranger.pk, actor=world.other_officer)
        odd = stranger.pk
    elif foreign == "a closed task":
        odd = many[5]
        services.task_complete(task_id=odd, actor=world.officer)
    else:
        odd = max(many) + 10_000
    client.force_login(world.supervisor)
    before = written()

    response = client.post(url_of(world), {"to_user": colleague.pk, "scope": "selected",
                                           "tasks": [many[0], odd], "confirmed": "1"})

    assert response.status_code == 400
    assert vi("Some of the chosen tasks are no longer open tasks of this person that you may reassign: reload the "
              "page and choose again.") in response.content.decode()
    assert written() == before


def test_more_tasks_chosen_than_a_page_holds_are_refused(client, world, colleague, many):
    client.force_login(world.supervisor)
    before = written()

    response = client.post(url_of(world), {"to_user": colleague.pk, "scope": "selected",
                                           "tasks": many[:OFFICER_TASKS_PER_PAGE + 1], "confirmed": "1"})

    assert response.status_code == 400
    assert written() == before


def test_page_two_holds_the_next_hundred_and_a_page_out_of_range_the_last(client, world, many):
    client.force_login(world.supervisor)
    n = OFFICER_TASKS_PER_PAGE

    second, beyond, word = client.get(url_of(world, 2)), client.get(url_of(world, 99)), client.get(
        url_of(world) + "?page=two")

    assert rows_of(second) == many[n:2 * n]
    assert (beyond.status_code, beyond.context["page"].number) == (200, 3)
    assert rows_of(beyond) == many[2 * n:]
    assert rows_of(word) == many[:n]


def test_a_page_is_its_ids_then_its_rows_without_counting_the_tasks_again(client, world, many):
    client.force_login(world.supervisor)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url_of(world, 2)).status_code == 200

    task_queries = [q["sql"] for q in captured.captured_queries if 'FROM "campaigns_task"' in q["sql"]]
    # the places: the officer's open tasks counted per working group from their index (the group's cases all in
    # one unit, its lowest and highest probed: no task joined to its campaign; then the unit's path); the
    # officer's open tasks counted from their index, the page's ids from that index alone (all of them are the
    # supervisor's to reassign), its rows through the scope
    assert len(task_queries) == 4
    places, counted, ids, rows = task_queries
    assert "GROUP BY" in places and "JOIN" not in places
    assert "COUNT(*)" in counted and "JOIN" not in counted
    assert "LIMIT 100 OFFSET 100" in ids and "JOIN" not in ids
    assert 'JOIN "organisation_unit"' in rows
    assert len(captured.captured_queries) == 13


def test_when_some_tasks_are_not_the_supervisor_s_the_pages_ids_go_through_the_scope(client, world, many):
    # given a case of the officer's moved to a unit the supervisor does not oversee
    elsewhere = officer_campaign(world)
    Campaign.objects.filter(pk=elsewhere.pk).update(responsible_unit=world.other_district)
    theirs = set(Task.objects.filter(campaign=elsewhere, status=TaskStatus.OPEN).values_list("pk", flat=True))
    assert theirs
    client.force_login(world.supervisor)

    with CaptureQueriesContext(connection) as captured:
        pages = [rows_of(client.get(url_of(world, n))) for n in (1, 2, 3)]

    assert [pk for page in pages for pk in page] == [pk for pk in officers_open_tasks(world) if pk not in theirs]
    ids = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "campaigns_task"."id"')]
    assert ids and all('JOIN "organisation_unit"' in sql for sql in ids)


@pytest.mark.parametrize("role", ["anonymous", "officer", "other_officer", "other_supervisor", "manager"])
def test_who_does_not_supervise_the_officer_gets_a_not_found(client, world, many, role):
    user = world.user(role)
    if user is not None:
        client.force_login(user)

    response = client.get(url_of(world))

    assert response.status_code == (302 if role == "anonymous" else 404)


def reference_places(supervisor, officer) -> list[tuple]:
    """The places as the plain query counts them: every task joined to its campaign's unit, the supervisor's
    subtree filtered before grouping."""
    from django.db.models import Count

    from workflows.campaigns.selectors import reassignable_tasks_of

    rows = (reassignable_tasks_of(supervisor, officer.pk).order_by()
            .values_list("working_group_id", "working_group__name", "campaign__responsible_unit__path")
            .annotate(n=Count("pk")))
    return sorted((path, group or 0, name or "", n) for group, name, path, n in rows)


def places_of(supervisor, officer, task_ids=None) -> list[tuple]:
    from workflows.campaigns.selectors import reassignable_task_places

    return sorted((p.unit_path, p.group_id or 0, p.group_name, p.count)
                  for p in reassignable_task_places(supervisor, officer.pk, task_ids=task_ids))


def test_the_places_are_those_of_every_task_joined_to_its_campaign_whatever_units_a_group_s_cases_sit_in(
        world, province_supervisor):
    # given the officer's tasks in one group whose cases all sit in the district
    first, second = officer_campaign(world), officer_campaign(world)
    add_tasks(world, second, 3)
    assert places_of(world.supervisor, world.officer) == reference_places(world.supervisor, world.officer)
    assert [(path, n) for path, _group, _name, n in places_of(world.supervisor, world.officer)] == [
        (world.district.path, len(officers_open_tasks(world)))]

    # when one case is moved to the other district (the group's cases now sit in two units)
    Campaign.objects.filter(pk=first.pk).update(responsible_unit=world.other_district)
    theirs = Task.objects.filter(campaign=first, status=TaskStatus.OPEN).count()

    # then the district's supervisor sees the tasks left in the district, the province's both places
    assert places_of(world.supervisor, world.officer) == reference_places(world.supervisor, world.officer)
    assert places_of(province_supervisor, world.officer) == reference_places(province_supervisor, world.officer)
    assert sorted((path, n) for path, _group, _name, n in places_of(province_supervisor, world.officer)) == sorted([
        (world.district.path, len(officers_open_tasks(world)) - theirs), (world.other_district.path, theirs)])
    # and a choice of tasks counts only those
    chosen = officers_open_tasks(world)[:2]
    assert sum(n for *_rest, n in places_of(province_supervisor, world.officer, chosen)) == 2


def test_a_row_shows_the_task_its_due_date_and_its_campaign_s_enterprise(client, world):
    campaign = officer_campaign(world)
    task = Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("due_on", "pk").first()
    client.force_login(world.supervisor)

    html = client.get(url_of(world)).content.decode()

    row = re.search(rf'<tr><td><input type="checkbox" name="tasks" value="{task.pk}".*?</tr>', html, re.S).group(0)
    assert task.title in row and task.due_on.strftime("%d/%m/%Y") in row
    assert f'<a href="{reverse("campaigns:detail", args=[campaign.pk])}">{campaign.enterprise.name}</a>' in row
