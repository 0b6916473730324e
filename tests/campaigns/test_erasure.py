"""The scheduled erasure of the workers who did not join (Decree 13/2023):
``erasure.workers_erase_due`` and its daily job."""
from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from tests import factories
from tests.campaigns.membership import abandon, add_worker, names_campaign, recognise, to_congress
from workflows.audit.models import AuditEntry, AuditKind
from workflows.campaigns import erasure, jobs
from workflows.campaigns.models import Application, CommitteeMember, RuleSet
from workflows.core import clock
from workflows.notifications.schedules import PLANS
from workflows.people.models import Worker, WorkerChange

TODAY = dt.date(2027, 6, 15)


def _ago(months: int) -> dt.date:
    return TODAY - relativedelta(months=months)


def _abandoned_with_workers(world, *, months: int, names: tuple[str, ...] = ("Lê Văn Bình",)):
    """An enterprise whose only campaign was abandoned ``months`` ago, with workers who never applied."""
    enterprise = factories.EnterpriseFactory(responsible_unit=world.district)
    with clock.travel_to(_ago(months)):
        campaign, _ = names_campaign(world, enterprise=enterprise)
        people = [add_worker(world, campaign, name) for name in names]
        abandon(world, campaign)
    return campaign, people


def _erased(*workers) -> list[bool]:
    return [Worker.objects.get(pk=w.pk).anonymised_at is not None for w in workers]


def test_erasure_erases_exactly_the_workers_who_did_not_join(world):
    # given: an abandoned campaign closed 13 months ago and one 11 months ago
    _, (old,) = _abandoned_with_workers(world, months=13)
    _, (recent,) = _abandoned_with_workers(world, months=11)
    # a campaign whose congress admitted members, abandoned 13 months ago
    admitted_at = factories.EnterpriseFactory(responsible_unit=world.district)
    with clock.travel_to(_ago(13)):
        campaign, people = names_campaign(world, enterprise=admitted_at, workers=9)
        to_congress(world, campaign, committee=people[5:8], applicants=people[:5])
        abandon(world, campaign)
    admitted, never_applied = people[0], people[8]
    # a recognised campaign 13 months ago: its committee founded the union
    recognised_at = factories.EnterpriseFactory(responsible_unit=world.district)
    with clock.travel_to(_ago(13)):
        founded, founders = names_campaign(world, enterprise=recognised_at, workers=9)
        to_congress(world, founded, committee=founders[6:9], applicants=founders[:5])
        recognise(world, founded)
    founder, bystander = founders[6], founders[5]
    # an enterprise with an old abandoned campaign and an open one now
    busy = factories.EnterpriseFactory(responsible_unit=world.district)
    with clock.travel_to(_ago(13)):
        first, _ = names_campaign(world, enterprise=busy)
        kept_busy = add_worker(world, first, "Phạm Thị Cúc")
        abandon(world, first)
    with clock.travel_to(_ago(1)):
        names_campaign(world, enterprise=busy)
    seats, applications = CommitteeMember.objects.count(), Application.objects.count()

    # when
    with clock.travel_to(TODAY):
        erased = erasure.workers_erase_due(today=TODAY)

    # then: the workers who did not join, of enterprises closed long enough, and only them
    # (old; the abandoned campaign's committee, not admitted, and never_applied; the bystander)
    assert erased == 6
    assert _erased(old, *people[5:8], never_applied, bystander) == [True] * 6
    kept = (recent, admitted, founder, kept_busy, *founders[:5], *founders[7:9], *people[1:5])
    assert _erased(*kept) == [False] * 15
    # the figures stay: department, level, seats, applications
    gone = Worker.objects.get(pk=never_applied.pk)
    assert (gone.full_name, gone.birth_year, gone.department, gone.gender) == ("", None, "Tổ may 1", "female")
    assert (CommitteeMember.objects.count(), Application.objects.count()) == (seats, applications)
    assert WorkerChange.objects.filter(kind=WorkerChange.Kind.ERASED).count() == 6
    entries = list(AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_CHANGE))
    assert [(e.user_id, e.detail, sorted(e.workers)) for e in entries] == [
        (None, "scheduled erasure", sorted(w.pk for w in (old, *people[5:8], never_applied, bystander)))]

    # and a second run erases nothing
    with clock.travel_to(TODAY):
        assert erasure.workers_erase_due(today=TODAY) == 0
    assert AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_CHANGE).count() == 1


def test_a_rule_set_of_six_months_erases_at_seven(world):
    # given: the district's rule set keeps the workers six months
    RuleSet.objects.create(name="Quy định khu vực Từ Sơn", unit=world.district, effective_from=_ago(36),
                           erase_after_months=6)
    _, (seven,) = _abandoned_with_workers(world, months=7)
    _, (five,) = _abandoned_with_workers(world, months=5)

    # when
    with clock.travel_to(TODAY):
        erased = erasure.workers_erase_due(today=TODAY)

    # then
    assert erased == 1
    assert _erased(seven, five) == [True, False]


def test_erasure_runs_in_batches_with_one_audit_entry_each(world, monkeypatch):
    # given: three workers to erase, batches of two
    monkeypatch.setattr(erasure, "WORKERS_PER_BATCH", 2)
    monkeypatch.setattr(erasure, "ENTERPRISES_PER_PAGE", 1)
    _abandoned_with_workers(world, months=13, names=("A", "B"))
    _abandoned_with_workers(world, months=14, names=("C",))

    # when
    with clock.travel_to(TODAY):
        erased = erasure.workers_erase_due(today=TODAY)

    # then
    assert erased == 3
    assert sorted(len(e.workers) for e in AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_CHANGE)) == [1, 2]


def test_the_daily_job_is_idempotent_and_planned(world):
    # given
    _, (old,) = _abandoned_with_workers(world, months=13)

    # when
    with clock.travel_to(TODAY):
        first, second = jobs.workers_erase_due(), jobs.workers_erase_due()

    # then
    assert (first, second) == (1, 0)
    assert _erased(old) == [True]
    plan, = [p for p in PLANS if p.func == "workflows.campaigns.jobs.workers_erase_due"]
    assert (plan.at, plan.every_minutes) == (dt.time(1, 30), None)


@pytest.mark.parametrize("months", [12, 13])
def test_the_default_delay_is_twelve_months(world, months):
    _, (worker,) = _abandoned_with_workers(world, months=months)

    with clock.travel_to(TODAY):
        erased = erasure.workers_erase_due(today=TODAY)

    assert (erased, _erased(worker)) == (1, [True])
