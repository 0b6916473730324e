"""Records an officer's device kept offline, sent to POST /field/sync/:
applied once through the pages' services, a retry answered from its
receipt, a case that moved meanwhile answered as a conflict (nothing
written), a campaign the sender may not work on refused like a missing one."""
from __future__ import annotations

import json
import threading
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import ROLES, campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import register, services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import CampaignEvent, EventKind, Task, TaskStatus
from workflows.field.models import FieldReceipt
from workflows.people import surveys
from workflows.people.models import Assessment, Conversation, SurveyVisit
from workflows.people.services import WorkerData

SYNC = "/field/sync/"


def _record(campaign, kind: str, data: dict, *, key=None, task=None, worker=None, base=None) -> dict:
    base = base or campaign
    return {"key": str(key or uuid.uuid4()), "kind": kind, "campaign": campaign.pk if task is None else None,
            "task": task, "worker": worker, "base_version": base.version, "base_stage": base.stage,
            "recorded_at": timezone.now().isoformat(), "data": data}


def _send(client, *records):
    response = client.post(SYNC, data=json.dumps({"records": list(records)}), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _case_with_worker(world, stage=Stage.SURVEYED):
    campaign = campaign_at(world, stage)
    worker = register.worker_add(campaign_id=campaign.pk, actor=world.officer,
                                 data=WorkerData(full_name="Nguyễn Thị Hoa", department="May 1"))
    campaign.refresh_from_db()
    return campaign, worker


def _conversation(campaign, worker, **kw):
    return _record(campaign, "conversation", {"held_on": timezone.localdate().strftime("%d/%m/%Y"),
                                              "workers": [str(worker.pk)], "outcome": "supportive",
                                              "note": "Ở nhà trọ"}, **kw)


def test_a_conversation_is_applied_once_and_a_retry_reads_its_receipt(client, world):
    campaign, worker = _case_with_worker(world)
    client.force_login(world.officer)
    record = _conversation(campaign, worker)

    first, = _send(client, record)
    again, = _send(client, record)

    conversation = Conversation.objects.get()
    assert first == {"key": record["key"], "outcome": "applied", "message": "", "replayed": False}
    assert again == {"key": record["key"], "outcome": "applied", "message": "", "replayed": True}
    assert (conversation.note, list(conversation.workers.values_list("pk", flat=True))) == ("Ở nhà trọ", [worker.pk])
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.CONVERSATION).count() == 1
    receipt = FieldReceipt.objects.get()
    assert (receipt.user_id, str(receipt.key), receipt.kind, receipt.outcome) == (
        world.officer.pk, record["key"], "conversation", "applied")


def test_the_same_key_twice_in_one_batch_is_applied_once(client, world):
    campaign, worker = _case_with_worker(world)
    client.force_login(world.officer)
    record = _conversation(campaign, worker)

    answers = _send(client, record, record)

    assert [(a["outcome"], a["replayed"]) for a in answers] == [("applied", False), ("applied", True)]
    assert Conversation.objects.count() == 1


def test_the_same_key_is_per_user(client, world, colleague):
    campaign = campaign_at(world, Stage.SURVEYED)
    key = uuid.uuid4()
    client.force_login(world.officer)
    _send(client, _record(campaign, "note", {"text": "Một"}, key=key))
    client.force_login(colleague)
    answer, = _send(client, _record(campaign, "note", {"text": "Hai"}, key=key))

    assert (answer["outcome"], answer["replayed"]) == ("applied", False)
    assert sorted(CampaignEvent.objects.filter(kind=EventKind.NOTE).values_list("note", flat=True)) == ["Hai", "Một"]


def test_a_task_completed_offline_is_done_by_the_record(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    task = Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk").first()
    client.force_login(world.officer)

    answer, = _send(client, _record(campaign, "task_complete", {"note": ""}, task=task.pk))

    task.refresh_from_db()
    assert answer["outcome"] == "applied"
    assert (task.status, task.closed_by_id, task.done_on) == (TaskStatus.DONE, world.officer.pk, timezone.localdate())


def test_a_case_that_moved_meanwhile_is_a_conflict_and_nothing_is_written(client, world):
    campaign, worker = _case_with_worker(world)
    seen = SimpleNamespace(pk=campaign.pk, version=campaign.version, stage=campaign.stage)  # what the device read
    services.campaign_meeting_record(campaign_id=campaign.pk, actor=world.officer, held_on=timezone.localdate(),
                                     outcome="supportive")
    services.campaign_transition(campaign_id=campaign.pk, name="contact_employer", actor=world.supervisor)
    campaign.refresh_from_db()
    client.force_login(world.officer)
    record = _conversation(seen, worker, base=seen)

    answer, = _send(client, record)

    assert answer["outcome"] == "conflict"
    assert answer["case"] == {"id": campaign.pk, "version": campaign.version, "stage": Stage.EMPLOYER_CONTACTED,
                              "stage_label": str(Stage.EMPLOYER_CONTACTED.label)}
    assert (Conversation.objects.count(), FieldReceipt.objects.count()) == (0, 0)

    # The officer chose "apply anyway": the same record, based on the version now known.
    record.update(base_version=campaign.version, base_stage=campaign.stage)
    applied, = _send(client, record)
    again, = _send(client, record)
    assert [(applied["outcome"], applied["replayed"]), (again["outcome"], again["replayed"])] == [
        ("applied", False), ("applied", True)]
    assert Conversation.objects.count() == 1


def test_a_version_that_moved_in_the_same_stage_is_no_conflict(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    seen_version = campaign.version
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, workforce=120)
    campaign.refresh_from_db()
    assert campaign.version != seen_version
    client.force_login(world.officer)
    record = _record(campaign, "note", {"text": "Gặp tổ trưởng"})
    record["base_version"] = seen_version

    answer, = _send(client, record)

    assert answer["outcome"] == "applied"
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.NOTE).get().note == "Gặp tổ trưởng"


def test_a_refusal_is_final_and_replayed(client, world):
    campaign, worker = _case_with_worker(world)
    client.force_login(world.officer)
    record = _record(campaign, "assessment", {"level": "9", "note": ""}, worker=worker.pk)

    first, = _send(client, record)
    again, = _send(client, record)

    assert (first["outcome"], first["replayed"], again["outcome"], again["replayed"]) == (
        "refused", False, "refused", True)
    assert first["message"] == again["message"] != ""
    assert Assessment.objects.count() == 0
    assert FieldReceipt.objects.get().outcome == "refused"


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "officer", "supervisor")])
def test_a_campaign_the_sender_may_not_work_on_is_refused_as_missing(client, world, role):
    campaign, worker = _case_with_worker(world)
    task = Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk").first()
    events = CampaignEvent.objects.count()
    client.force_login(world.user(role))

    answers = _send(client, _record(campaign, "note", {"text": "x"}), _conversation(campaign, worker),
                    _record(campaign, "task_complete", {"note": ""}, task=task.pk),
                    _record(campaign, "note", {"text": "x"}) | {"campaign": 10**9})

    assert [a["outcome"] for a in answers] == ["refused"] * 4
    assert len({a["message"] for a in answers}) == 1
    assert CampaignEvent.objects.count() == events
    assert Conversation.objects.count() == 0
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_signed_out_devices_and_posts_without_csrf_are_refused(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    body = json.dumps({"records": [_record(campaign, "note", {"text": "x"})]})
    assert client.post(SYNC, data=body, content_type="application/json").status_code == 401

    from django.test import Client
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.officer)
    assert strict.post(SYNC, data=body, content_type="application/json").status_code == 403
    assert CampaignEvent.objects.filter(kind=EventKind.NOTE).count() == 0


def test_malformed_records_are_refused_one_by_one(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client.force_login(world.officer)
    good = _record(campaign, "note", {"text": "Đúng"})

    answers = _send(client, {"kind": "note"}, good | {"kind": "dance"}, good | {"base_version": "x"}, good)

    assert [a["outcome"] for a in answers] == ["refused", "refused", "refused", "applied"]
    assert CampaignEvent.objects.filter(kind=EventKind.NOTE).count() == 1
    assert client.post(SYNC, data="not json", content_type="application/json").status_code == 400
    too_many = json.dumps({"records": [good] * 51})
    assert client.post(SYNC, data=too_many, content_type="application/json").status_code == 400


def _queries_for(client, records) -> int:
    with CaptureQueriesContext(connection) as queries:
        _send(client, *records)
    return len(queries)


def test_queries_grow_by_a_fixed_number_per_record_applied(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client.force_login(world.officer)
    _send(client, _record(campaign, "note", {"text": "khởi động"}))  # caches warmed, session read
    campaign.refresh_from_db()

    one = _queries_for(client, [_record(campaign, "note", {"text": "1"})])
    five = _queries_for(client, [_record(campaign, "note", {"text": str(i)}) for i in range(5)])
    ten = _queries_for(client, [_record(campaign, "note", {"text": str(i)}) for i in range(10)])
    per_record = (five - one) // 4

    assert five - one == 4 * per_record and ten - five == 5 * per_record
    # A note: the savepoints of the record, its receipt and the service, the receipt written, the
    # campaign locked (here, then again by the service), its event written — the same for every record.
    assert per_record <= 12
    # Records already received are answered from one query for the whole batch.
    replay = [_record(campaign, "note", {"text": str(i)}) for i in range(10)]
    _send(client, *replay)
    assert _queries_for(client, replay) <= one - per_record + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_once_by_two_connections_is_applied_once(reference_data):
    from django.test import Client

    from tests.conftest import build_world
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    record = _record(campaign, "note", {"text": "Cùng một lúc"})
    body = json.dumps({"records": [record]})
    start = threading.Barrier(2)
    answers = []

    def send():
        try:
            client = Client()
            client.force_login(world.officer)
            start.wait()
            answers.append(client.post(SYNC, data=body, content_type="application/json").json()["results"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted((a["outcome"], a["replayed"]) for a in answers) == [("applied", False), ("applied", True)]
    assert CampaignEvent.objects.filter(kind=EventKind.NOTE, note="Cùng một lúc").count() == 1
    assert FieldReceipt.objects.count() == 1


# --- survey visits: a record that hangs on its enterprise ------------------------------
VISIT_FORBIDDEN = ["other_supervisor", "manager", "administrator"]  # as people:visit_add answers 404


def _visit_fields(**changes) -> dict:
    values = {"visited_on": timezone.localdate().strftime("%d/%m/%Y"), "workforce": "400", "women": "250",
              "migrants": "120", "aged_under_30": "200", "aged_30_to_45": "150", "aged_over_45": "50",
              "wage_min": "5000000", "wage_max": "9000000", "employer_attitude": "neutral"}
    return values | changes


def _visit(enterprise_id: int, base_visit: int | None, *, key=None, **changes) -> dict:
    return {"key": str(key or uuid.uuid4()), "kind": "visit", "enterprise": enterprise_id, "base_visit": base_visit,
            "recorded_at": timezone.now().isoformat(), "data": _visit_fields(**changes)}


def _visit_on_server(world, actor=None):
    return surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=actor or world.officer,
                                       data=surveys.VisitData(visited_on=timezone.localdate(), workforce=380))


def test_a_visit_is_applied_once_through_the_visit_service(client, world):
    client.force_login(world.officer)
    record = _visit(world.enterprise.pk, None, workforce="420", follow_up="Gặp lại tổ trưởng")

    first, = _send(client, record)
    again, = _send(client, record)

    assert first == {"key": record["key"], "outcome": "applied", "message": "", "replayed": False}
    assert again == {"key": record["key"], "outcome": "applied", "message": "", "replayed": True}
    visit = SurveyVisit.objects.get()
    assert (visit.enterprise_id, visit.officer_id, visit.workforce, visit.women, visit.follow_up,
            visit.visited_on) == (world.enterprise.pk, world.officer.pk, 420, 250, "Gặp lại tổ trưởng",
                                  timezone.localdate())
    receipt = FieldReceipt.objects.get()
    assert (str(receipt.key), receipt.kind, receipt.outcome, receipt.campaign_id) == (
        record["key"], "visit", "applied", None)


def test_a_visit_is_checked_by_the_visit_form(client, world):
    client.force_login(world.officer)

    answer, = _send(client, _visit(world.enterprise.pk, None, women="900"))  # more women than the workforce

    assert answer["outcome"] == "refused" and answer["message"] != ""
    assert SurveyVisit.objects.count() == 0
    assert FieldReceipt.objects.get().outcome == "refused"


@pytest.mark.parametrize("role", VISIT_FORBIDDEN)
def test_an_enterprise_the_sender_may_not_visit_is_refused_and_nothing_written(client, world, role):
    client.force_login(world.user(role))
    assert client.get(f"/surveys/visits/add/{world.enterprise.pk}/").status_code == 404  # the page's own answer

    answers = _send(client, _visit(world.enterprise.pk, None), _visit(10**9, None))

    assert [a["outcome"] for a in answers] == ["refused", "refused"]
    assert answers[0]["message"] == answers[1]["message"] != ""
    assert SurveyVisit.objects.count() == 0


def test_a_visit_recorded_since_the_base_is_a_conflict_and_nothing_written(client, world):
    seen = _visit_on_server(world)
    other = _visit_on_server(world, world.supervisor)  # recorded after the officer opened the form
    client.force_login(world.officer)
    record = _visit(world.enterprise.pk, seen.pk)
    blind = _visit(world.enterprise.pk, None)  # a form opened before any visit

    answer, none_seen = _send(client, record, blind)

    assert answer["outcome"] == none_seen["outcome"] == "conflict"
    assert answer["enterprise"] == none_seen["enterprise"] == {"id": world.enterprise.pk, "visit": other.pk}
    assert (SurveyVisit.objects.count(), FieldReceipt.objects.count()) == (2, 0)

    # "Apply anyway": the same key, based on the visit the server named.
    record["base_visit"] = other.pk
    applied, = _send(client, record)
    again, = _send(client, record)
    assert [(applied["outcome"], applied["replayed"]), (again["outcome"], again["replayed"])] == [
        ("applied", False), ("applied", True)]
    assert SurveyVisit.objects.count() == 3


def test_a_visit_based_on_the_latest_visit_is_no_conflict(client, world):
    latest = _visit_on_server(world, world.supervisor)
    client.force_login(world.officer)

    answer, = _send(client, _visit(world.enterprise.pk, latest.pk))

    assert answer["outcome"] == "applied"
    assert SurveyVisit.objects.filter(officer=world.officer).count() == 1


def test_malformed_visits_are_refused(client, world):
    client.force_login(world.officer)
    good = _visit(world.enterprise.pk, None)

    answers = _send(client, good | {"enterprise": None}, good | {"base_visit": "x"}, good | {"enterprise": "-1"})

    assert [a["outcome"] for a in answers] == ["refused"] * 3
    assert FieldReceipt.objects.count() == 0


def test_queries_grow_by_a_fixed_number_per_visit_applied(client, world):
    enterprises = [EnterpriseFactory(responsible_unit=world.enterprise.responsible_unit) for _ in range(10)]
    client.force_login(world.officer)
    _send(client, _visit(world.enterprise.pk, None))  # caches warmed, session read

    def visits(count):
        return [_visit(enterprises.pop().pk, None) for _ in range(count)]

    one = _queries_for(client, visits(1))
    three = _queries_for(client, visits(3))
    six = _queries_for(client, visits(6))
    per_visit = (three - one) // 2

    assert three - one == 2 * per_visit and six - three == 3 * per_visit
    # A visit: the savepoints, the receipt, the enterprise locked, the later visits, what the form offers
    # (rounds, teams, issues, the latest visit, the officer's scope), the service's reads and its writes.
    assert per_visit <= 20
    assert SurveyVisit.objects.count() == 11
