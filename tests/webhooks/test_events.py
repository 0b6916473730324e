"""The events other than a campaign's moves: a task that became overdue
(announced once, by the morning's reminder run), a dossier decided, and
an import committed — each written with its change and delivered."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tests.conftest import build_world, campaign_at
from tests.enterprises.sheets import VI_HEADERS, csv_bytes
from tests.factories import next_tax_code
from tests.recognition.dossiers import submitted, waiting
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task, TaskStatus
from workflows.core import clock
from workflows.enterprises import services as registry
from workflows.notifications.jobs import reminders_run
from workflows.recognition import services as recognition
from workflows.webhooks import services
from workflows.webhooks.kinds import EventKind
from workflows.webhooks.models import Event

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2027, 3, 8)


@pytest.fixture
def world(reference_data):
    with translation.override("en"):
        yield build_world()


def _subscribe(world, receiver, kinds) -> str:
    return services.subscription_create(actor=world.administrator, unit_id=world.province.pk, url=receiver.url,
                                        kinds=kinds)[1]


def test_a_task_that_became_overdue_is_announced_once(world, receiver, django_capture_on_commit_callbacks):
    secret = _subscribe(world, receiver, [EventKind.TASK_OVERDUE])
    with clock.travel_to(MONDAY - dt.timedelta(days=7)):
        campaign = campaign_at(world, Stage.SURVEYED)
    tasks = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk"))
    late, on_time, long_ago = tasks[0], tasks[1], tasks[2] if len(tasks) > 2 else None
    Task.objects.filter(pk=late.pk).update(due_on=MONDAY - dt.timedelta(days=3))
    Task.objects.filter(pk=on_time.pk).update(due_on=MONDAY)
    if long_ago is not None:  # due long before the window: not announced
        Task.objects.filter(pk=long_ago.pk).update(due_on=MONDAY - dt.timedelta(days=60))
    Task.objects.filter(campaign=campaign).exclude(pk__in=[t.pk for t in tasks[:3]]).update(
        status=TaskStatus.CANCELLED)

    # when: the reminder job runs on Monday, twice (a rerun)
    with clock.travel_to(MONDAY), django_capture_on_commit_callbacks(execute=True):
        reminders_run(day=MONDAY)
        reminders_run(day=MONDAY)

    # then: the late task is announced once, signed
    assert [r.json["type"] for r in receiver.received] == ["task.overdue"]
    [overdue] = receiver.received
    assert overdue.signed_with(secret)
    assert overdue.json["data"]["task"] == {
        "id": late.pk, "title": late.title, "due_on": (MONDAY - dt.timedelta(days=3)).isoformat(), "stage": "surveyed",
        "assignee": late.assignee_id, "working_group": world.group.pk}
    assert overdue.json["data"]["campaign"]["id"] == campaign.pk
    assert Event.objects.filter(kind=EventKind.TASK_OVERDUE).count() == 1


def test_nothing_is_read_for_overdue_tasks_when_nobody_listens(world, django_assert_max_num_queries):
    from workflows.campaigns.announcements import tasks_overdue_announce

    with django_assert_max_num_queries(1):
        assert tasks_overdue_announce(day=MONDAY) == 0


def test_a_decided_dossier_is_announced(world, receiver, django_capture_on_commit_callbacks):
    _subscribe(world, receiver, [EventKind.DOSSIER_DECIDED, EventKind.CAMPAIGN_MOVED])
    campaign = submitted(world)
    recognition.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    campaign.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        recognition.dossier_decide(task_id=waiting(campaign, "decide").pk, actor=world.supervisor, approve=True,
                                   decision_number="15/QĐ-LĐLĐ", decision_date=campaign.congress_on,
                                   admitted_members=5)

    kinds = [r.json["type"] for r in receiver.received]
    assert sorted(kinds) == ["campaign.moved", "dossier.decided"]
    decided = next(r.json["data"] for r in receiver.received if r.json["type"] == "dossier.decided")
    assert decided["approved"] is True and decided["campaign"]["id"] == campaign.pk
    assert decided["dossier"]["decision_number"] == "15/QĐ-LĐLĐ" and decided["dossier"]["admitted_members"] == 5
    assert decided["dossier"]["status"] == "recognised"
    moved = next(r.json["data"] for r in receiver.received if r.json["type"] == "campaign.moved")
    assert moved["to_stage"] == "recognised"


def test_a_committed_import_is_announced(world, receiver, django_capture_on_commit_callbacks):
    _subscribe(world, receiver, [EventKind.IMPORT_FINISHED])
    rows = [VI_HEADERS, ["1", "Công ty Mới A", next_tax_code(), "", "", "", "", "", "120", "", ""],
            ["2", "Công ty Mới B", next_tax_code(), "", "", "", "", "", "80", "", ""]]
    with clock.travel_to(dt.date(2026, 6, 1)):
        batch = registry.import_upload(actor=world.supervisor, unit=world.district, file_name="danh-sach.csv",
                                       content=csv_bytes(rows))
        with django_capture_on_commit_callbacks(execute=True):
            registry.import_commit(batch_id=batch.pk, actor=world.supervisor)

    [finished] = receiver.received
    data = finished.json["data"]
    assert finished.json["type"] == "import.finished"
    assert data["import"] == {"kind": "enterprises", "id": batch.pk, "file_name": "danh-sach.csv"}
    assert data["counts"]["created"] == 2 and data["unit"]["id"] == world.district.pk
