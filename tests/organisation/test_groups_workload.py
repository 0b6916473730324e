"""The groups page's workload per member and per queue (issue 19: a
province's 534.000 open tasks were each joined to their campaign, 580 ms):
counted from the group index alone, the same figures — open and overdue per
member and in the group's queue, closed tasks and other groups' not counted."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task, TaskStatus
from workflows.core import clock

pytestmark = pytest.mark.django_db
DAY = dt.date(2027, 3, 1)


def loads_of(client, world):
    client.force_login(world.supervisor)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("organisation:groups"))
    assert response.status_code == 200
    loads = {load.group.pk: load for load in response.context["loads"]}
    return loads, [q["sql"] for q in captured.captured_queries if 'FROM "campaigns_task"' in q["sql"]]


def test_open_and_overdue_per_member_and_queue(client, world):
    with clock.travel_to(dt.datetime(2027, 2, 1, 9)):
        campaign = campaign_at(world, Stage.SURVEYED)
        queue = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk"))
        services.task_claim(task_id=queue[0].pk, actor=world.officer)
        for due, assignee in ((DAY - dt.timedelta(days=3), world.officer), (DAY + dt.timedelta(days=3), world.officer),
                              (DAY - dt.timedelta(days=1), None)):
            services.task_add(campaign_id=campaign.pk, actor=world.supervisor, title="Việc thêm", due_on=due,
                              assignee_id=assignee.pk if assignee else None)
        done = services.task_add(campaign_id=campaign.pk, actor=world.supervisor, title="Đã xong",
                                 due_on=DAY - dt.timedelta(days=5), assignee_id=world.officer.pk)
        services.task_complete(task_id=done.pk, actor=world.officer)
        other = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    open_tasks = Task.objects.filter(working_group=world.group, status=TaskStatus.OPEN)
    with clock.travel_to(dt.datetime(2027, 3, 1, 9)):
        loads, sqls = loads_of(client, world)

    load = loads[world.group.pk]
    officer = next(m for m in load.members if m.user_id == world.officer.pk)
    assert officer.open_tasks == open_tasks.filter(assignee=world.officer).count() == 3
    assert officer.overdue_tasks == open_tasks.filter(assignee=world.officer, due_on__lt=DAY).count()
    assert load.queue == open_tasks.filter(assignee__isnull=True).count()
    assert load.queue_overdue == open_tasks.filter(assignee__isnull=True, due_on__lt=DAY).count() >= 1
    assert loads[world.other_group.pk].queue == 0 and other.working_group_id == world.group.pk
    # one query of the tasks, which reads no campaign
    assert len(sqls) == 1 and "campaigns_campaign" not in sqls[0]
