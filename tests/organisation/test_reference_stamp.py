"""The reference stamp (issue 19, #4): a move keeps the reference data it
reads in its process's caches while the stamp keeps its value; every change
of that data — by the administration screens, Django admin, the webhooks'
own switch-off, or any writer at all (PostgreSQL triggers) — gives the
stamp a new value in the writer's transaction, so the very next move, in
this process or another one, reads the new data.

    province                  administrator
    ├── district              the campaigns
    └── other_district
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import build_world, campaign_at
from tests.enterprises.test_import_kill import worker_environment
from tests.security.test_append_only import PASSWORD, connect_as
from workflows.administration import reference
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import RuleSet, RuleSetLimit, StageTaskTemplate, Task, TaskStatus
from workflows.campaigns.selectors import stage_templates
from workflows.core import clock
from workflows.core.errors import GuardNotMet
from workflows.organisation import services as org
from workflows.organisation.models import CalendarDay, UnitKind
from workflows.organisation.reference_stamp import StampedCache, caches_clear, stamp_now
from workflows.organisation.workdays import add_working_days
from workflows.webhooks import services as webhooks
from workflows.webhooks.kinds import EventKind as WebhookKind
from workflows.webhooks.models import Delivery, Event, Subscription
from workflows.webhooks.sending import Answer

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
D = dt.date
MONDAY = D(2027, 3, 1)  # a month without a public holiday
READS = ("campaigns_ruleset", "campaigns_stagetasktemplate", "organisation_calendarday", "webhooks_subscription")


@pytest.fixture(autouse=True)
def cold():
    caches_clear()
    yield
    caches_clear()


def reads(call) -> list[str]:
    """The tables of reference data that ``call`` read."""
    with CaptureQueriesContext(connection) as ctx:
        call()
    return sorted({table for q in ctx.captured_queries for table in READS if f'FROM "{table}"' in q["sql"]})


def numbers_in(error) -> list[int]:
    return sorted(int(n) for n in re.findall(r"\d+", " ".join(error.messages)))


def new_campaign(world, stage=Stage.EMPLOYER_CONTACTED, *, committee: int = 0):
    campaign = campaign_at(world, stage, enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    if committee:
        services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
            services.CommitteeMemberData(f"Công nhân {i}") for i in range(committee)])
    return campaign


def move(world, campaign, name: str, **data):
    return services.campaign_transition(campaign_id=campaign.pk, name=name, actor=world.officer, data=data)


def contact_employer(world, campaign):
    return move(world, campaign, "contact_employer", held_on=clock.today(), outcome="supportive")


def open_tasks(campaign, stage) -> list[tuple[str, dt.date]]:
    return list(Task.objects.filter(campaign=campaign, stage=stage, status=TaskStatus.OPEN)
                .order_by("template__order", "pk").values_list("title", "due_on"))


# --- the caches --------------------------------------------------------------------------------
def test_a_cache_keeps_a_value_for_one_stamp():
    cache, loads = StampedCache("test", maxsize=2), []

    def load(value):
        loads.append(value)
        return value

    assert [cache.get(1, "a", lambda: load("a1")), cache.get(1, "a", lambda: load("a2"))] == ["a1", "a1"]
    assert cache.get(2, "a", lambda: load("a3")) == "a3"  # another stamp: read again
    cache.get(2, "b", lambda: load("b")), cache.get(2, "c", lambda: load("c"))  # "a", the oldest, goes
    assert cache.get(2, "a", lambda: load("a4")) == "a4"
    assert cache.get(None, "a", lambda: load("a5")) == "a5"  # no stamp: nothing kept
    assert loads == ["a1", "a3", "b", "c", "a4", "a5"]


# --- what moves the stamp ----------------------------------------------------------------------
def _rule_set(world):
    reference.rule_set_create(actor=world.administrator, unit_id=world.province.pk, values=reference.RuleSetValues(
        name="Quy định của tỉnh", effective_from=clock.today(), min_committee=4))


def _rule_set_limit(world):
    RuleSetLimit.objects.filter(rule_set__unit=None).update(working_days=99)


def _checklist(world):
    reference.task_template_create(actor=world.administrator, unit_id=world.province.pk,
                                   values=reference.TemplateValues(stage=Stage.SURVEYED, title="Việc của tỉnh"))


def _checklist_in_the_orm(world):
    StageTaskTemplate.objects.filter(unit=None, stage=Stage.SURVEYED, order=1).update(is_active=False)


def _calendar_day(world):
    reference.calendar_day_create(actor=world.administrator, unit_id=world.province.pk, values=reference.DayValues(
        date=clock.today() + dt.timedelta(days=7), is_working_day=False, name="Nghỉ của tỉnh"))


def _calendar_day_in_the_orm(world):
    CalendarDay.objects.create(date=clock.today() + dt.timedelta(days=9), is_working_day=False, name="Nghỉ")


def _calendar_days_deleted(world):
    CalendarDay.objects.all().delete()


def _unit_moved(world):
    org.unit_move(unit_id=world.other_district.pk, parent_id=world.district.pk, actor=world.admin)


def _unit_kind(world):
    """The kind a recognition gives its CĐCS is cached per process too (``grassroots_kind_cached``)."""
    UnitKind.objects.filter(is_grassroots=True).update(order=99)


def _nothing(world):
    pass


@pytest.mark.django_db
@pytest.mark.parametrize(("given", "write"), [
    (_nothing, _rule_set), (_nothing, _rule_set_limit), (_nothing, _checklist), (_nothing, _checklist_in_the_orm),
    (_nothing, _calendar_day), (_nothing, _calendar_day_in_the_orm), (_calendar_day_in_the_orm, _calendar_days_deleted),
    (_nothing, _unit_moved), (_nothing, _unit_kind)])
def test_every_change_of_reference_data_moves_the_stamp(world, given, write):
    given(world)
    before = stamp_now()
    write(world)
    assert stamp_now() not in (None, before)


@pytest.mark.django_db
def test_a_subscription_moves_it_when_who_listens_changes_and_not_otherwise(world, settings):
    settings.WEBHOOK_DISABLE_AFTER = 2
    stamps = [stamp_now()]

    def then() -> bool:
        stamps.append(stamp_now())
        return stamps[-1] != stamps[-2]

    subscription, _secret = webhooks.subscription_create(
        actor=world.administrator, unit_id=world.province.pk, url="https://example.org/h",
        kinds=[WebhookKind.CAMPAIGN_OPENED])
    assert then()
    webhooks.subscription_update(subscription_id=subscription.pk, actor=world.administrator,
                                 url="https://example.org/h", kinds=[WebhookKind.CAMPAIGN_MOVED])
    assert then()
    webhooks.subscription_renew_secret(subscription_id=subscription.pk, actor=world.administrator)
    assert not then()
    # a failed delivery counts a failure: who listens has not changed
    fail = Answer(ok=False, status_code=500)
    ping = webhooks.ping_send(subscription_id=subscription.pk, actor=world.administrator)
    webhooks.delivery_settle(claim=webhooks.delivery_claim(delivery_id=ping.pk), answer=fail)
    assert not then()
    # the second one in a row switches it off
    ping = webhooks.ping_send(subscription_id=subscription.pk, actor=world.administrator)
    webhooks.delivery_settle(claim=webhooks.delivery_claim(delivery_id=ping.pk), answer=fail)
    assert Subscription.objects.get(pk=subscription.pk).is_active is False
    assert then()
    webhooks.subscription_enable(subscription_id=subscription.pk, actor=world.administrator, active=True)
    assert then()
    webhooks.subscription_delete(subscription_id=subscription.pk, actor=world.administrator)
    assert then()


@pytest.mark.django_db
def test_writes_that_change_nothing_the_moves_read_leave_it(world):
    before = stamp_now()
    rule_set = RuleSet.objects.filter(unit=None).first()
    rule_set.save()  # as it was
    org.unit_rename(unit_id=world.district.pk, name="LĐLĐ khu vực Từ Sơn (mới)", actor=world.admin)
    campaign_at(world, Stage.RECOGNISED)  # a grassroots unit is added under the district
    assert stamp_now() == before


@pytest.fixture
def app_role(transactional_db, monkeypatch):
    role = f"cdcs_app_stamp_{os.getpid()}"
    monkeypatch.setenv("CDCS_APP_PASSWORD", PASSWORD)
    call_command("create_app_role", "--name", role, "--password-env", "CDCS_APP_PASSWORD")
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


@pytest.mark.django_db(transaction=True)
def test_the_applications_own_role_moves_it_too(reference_data, app_role):
    """The triggers write the stamp with the writer's rights: the web tier's role may."""
    before = stamp_now()
    with connect_as(app_role) as app, app.cursor() as cursor:
        cursor.execute("INSERT INTO organisation_calendarday (date, is_working_day, name) "
                       "VALUES ('2031-01-02', false, 'Nghỉ')")
        cursor.execute("SELECT value FROM organisation_referencestamp")
        (seen,) = cursor.fetchone()
    assert seen == stamp_now() != before


# --- the very next move in this process ----------------------------------------------------------
@pytest.mark.django_db
def test_a_rule_set_is_in_force_for_the_next_move(world):
    # given: a process whose caches hold the rules (a committee of 3 is enough)
    first, second = new_campaign(world, committee=3), new_campaign(world, committee=3)
    move(world, first, "form_committee")
    assert reads(lambda: move(world, first, "hold")) == []

    # when: the province's administrator asks for 4 from today
    _rule_set(world)

    # then: the next move reads it
    with pytest.raises(GuardNotMet) as refused:
        move(world, second, "form_committee")
    assert numbers_in(refused.value) == [3, 4]


@pytest.mark.django_db
def test_a_checklist_is_used_by_the_next_move(world):
    first, second = new_campaign(world, Stage.SURVEYED), new_campaign(world, Stage.SURVEYED)
    with clock.travel_to(MONDAY):
        contact_employer(world, first)
        reference.task_template_create(actor=world.administrator, unit_id=world.province.pk,
                                       values=reference.TemplateValues(stage=Stage.EMPLOYER_CONTACTED,
                                                                       title="Gặp chủ doanh nghiệp lần hai",
                                                                       due_in_working_days=4))
        contact_employer(world, second)
    assert [title for title, _due in open_tasks(first, Stage.EMPLOYER_CONTACTED)] == [
        t.title for t in stage_templates(Stage.EMPLOYER_CONTACTED)]
    assert open_tasks(second, Stage.EMPLOYER_CONTACTED) == [("Gặp chủ doanh nghiệp lần hai", D(2027, 3, 5))]


def due_dates_from_monday(world) -> list[dt.date]:
    """The due dates of the checklist of "employer contacted" entered on MONDAY, read afresh."""
    return [add_working_days(MONDAY, t.due_in_working_days, world.district)
            for t in stage_templates(Stage.EMPLOYER_CONTACTED)]


def due_dates(campaign) -> list[dt.date]:
    return [due for _title, due in open_tasks(campaign, Stage.EMPLOYER_CONTACTED)]


@pytest.mark.django_db
def test_a_day_off_counts_in_the_next_moves_due_dates(world):
    first, second = new_campaign(world, Stage.SURVEYED), new_campaign(world, Stage.SURVEYED)
    with clock.travel_to(MONDAY):
        before = due_dates_from_monday(world)
        contact_employer(world, first)
        reference.calendar_day_create(actor=world.administrator, unit_id=world.province.pk,
                                      values=reference.DayValues(date=D(2027, 3, 3), is_working_day=False,
                                                                 name="Nghỉ kỷ niệm ngày tái lập tỉnh"))
        contact_employer(world, second)
        after = due_dates_from_monday(world)
    assert before != after
    assert (due_dates(first), due_dates(second)) == (before, after)


@pytest.mark.django_db
def test_a_subscription_switched_on_and_off_is_heard_by_the_next_move(world):
    first, second, third = (new_campaign(world, Stage.SURVEYED) for _ in range(3))
    contact_employer(world, first)  # nobody listens, and the process knows it
    subscription, _secret = webhooks.subscription_create(
        actor=world.administrator, unit_id=world.province.pk, url="https://example.org/h",
        kinds=[WebhookKind.CAMPAIGN_MOVED])
    contact_employer(world, second)
    webhooks.subscription_enable(subscription_id=subscription.pk, actor=world.administrator, active=False)
    contact_employer(world, third)
    assert [e.data["campaign"]["id"] for e in Event.objects.filter(kind=WebhookKind.CAMPAIGN_MOVED)] == [second.pk]
    assert Delivery.objects.filter(subscription=subscription).count() == 1


@pytest.mark.django_db
def test_a_day_off_added_in_django_admin_counts_in_the_next_move(world, client):
    first, second = new_campaign(world, Stage.SURVEYED), new_campaign(world, Stage.SURVEYED)
    client.force_login(world.admin)
    with clock.travel_to(MONDAY):
        before = due_dates_from_monday(world)
        contact_employer(world, first)
        answer = client.post(reverse("admin:organisation_calendarday_add"), {
            "unit": "", "date": "2027-03-03", "name": "Nghỉ bù"})
        assert answer.status_code == 302
        contact_employer(world, second)
        after = due_dates_from_monday(world)
    assert CalendarDay.objects.filter(unit=None, date=D(2027, 3, 3), is_working_day=False).count() == 1
    assert before != after
    assert (due_dates(first), due_dates(second)) == (before, after)


# --- the next move in another process -------------------------------------------------------------
#: A second process (``manage.py shell``) on the test database: it takes the moves it is sent,
#: one a line, and answers for each what happened and which reference data it read.
OTHER_PROCESS = """
import json, os, sys
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from workflows.campaigns import services
from workflows.core.errors import DomainError

READS = json.loads(os.environ["READS"])
print("answer", json.dumps({"pid": os.getpid()}), flush=True)
for line in sys.stdin:
    campaign_id, name, actor_id = line.split()
    actor = get_user_model().objects.get(pk=int(actor_id))
    with CaptureQueriesContext(connection) as ctx:
        try:
            services.campaign_transition(campaign_id=int(campaign_id), name=name, actor=actor)
            outcome = "moved"
        except DomainError as refused:
            outcome = refused.message
    read = sorted({t for q in ctx.captured_queries for t in READS if f'FROM "{t}"' in q["sql"]})
    print("answer", json.dumps({"outcome": outcome, "reads": read}), flush=True)
"""


class OtherProcess:
    def __init__(self, log: Path) -> None:
        env = {**worker_environment(), "DJANGO_SETTINGS_MODULE": "project.settings.test", "READS": json.dumps(READS)}
        self.log = log
        with open(log, "wb") as errors:
            self.process = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", OTHER_PROCESS], cwd=ROOT,
                                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                            text=True)
        self.pid = self._answer()["pid"]

    def _answer(self) -> dict:
        """Its next answer (the lines it prints besides, a job's log say, are skipped)."""
        while line := self.process.stdout.readline():
            if line.startswith("answer "):
                return json.loads(line.removeprefix("answer "))
        pytest.fail(f"the other process stopped:\n{self.log.read_text(errors='replace')[-3000:]}")

    def move(self, campaign, name: str, actor) -> dict:
        self.process.stdin.write(f"{campaign.pk} {name} {actor.pk}\n")
        self.process.stdin.flush()
        return self._answer()

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_an_administrators_change_at_its_next_move(reference_data, tmp_path):
    world = build_world()
    committee = [new_campaign(world, committee=3) for _ in range(2)]
    held = [new_campaign(world) for _ in range(2)]
    other = OtherProcess(tmp_path / "other.log")
    try:
        # given: the other process took a move (it read the reference data), then another (it read none)
        assert other.pid != os.getpid()
        assert other.move(committee[0], "form_committee", world.officer) == {"outcome": "moved", "reads": list(READS)}
        assert other.move(held[0], "hold", world.officer) == {"outcome": "moved", "reads": []}

        # when: this process (the administrator's request) asks for a committee of 4 from today, and commits
        _rule_set(world)

        # then: the other process's next move reads the rules again, and is refused
        answer = other.move(committee[1], "form_committee", world.officer)
        assert answer["reads"] == ["campaigns_ruleset"]
        assert sorted(int(n) for n in re.findall(r"\d+", answer["outcome"])) == [3, 4]

        # and a webhook subscription made here is heard by its next move
        webhooks.subscription_create(actor=world.administrator, unit_id=world.province.pk,
                                     url="https://example.org/h", kinds=[WebhookKind.CAMPAIGN_MOVED])
        assert other.move(held[1], "hold", world.officer) == {
            "outcome": "moved", "reads": ["campaigns_ruleset", "organisation_calendarday", "webhooks_subscription"]}
        assert [e.data["campaign"]["id"] for e in Event.objects.filter(kind=WebhookKind.CAMPAIGN_MOVED)] == [
            held[1].pk]
    finally:
        other.stop()


def test_the_stalled_cut_offs_are_kept_until_a_limit_changes(world):
    from workflows.campaigns.selectors import stalled_cutoffs_by_unit

    today = clock.today()
    first = stalled_cutoffs_by_unit(today=today)
    assert first.of(world.district.path)  # the national rule set's limits
    # kept: no reference data read again, and the same cut-offs
    assert reads(lambda: stalled_cutoffs_by_unit(today=today)) == []
    assert stalled_cutoffs_by_unit(today=today) is first

    # when the national limits change (99 working days in every stage)
    _rule_set_limit(world)

    # then the next list reads them again: every cut-off is further back
    after = stalled_cutoffs_by_unit(today=today)
    assert after is not first
    assert reads(lambda: stalled_cutoffs_by_unit(today=today)) == []
    assert set(after.of(world.district.path)) == set(first.of(world.district.path))
    assert all(after.of(world.district.path)[stage] < cutoff for stage, cutoff in first.of(world.district.path).items())
