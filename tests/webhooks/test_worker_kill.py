"""A real django-q2 worker is killed (SIGKILL, its whole process group)
in the middle of a delivery — the receiver has the request and has not
answered — and a new worker starts: the event is delivered again with the
same idempotency key (not lost), and only that once more (not duplicated:
the broker's second try of the killed job finds it delivered)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction
from django_q.conf import Conf
from django_q.models import OrmQ

from tests.conftest import build_world, campaign_at
from tests.enterprises.test_import_kill import worker_environment
from workflows.campaigns.flows import Stage
from workflows.webhooks import services
from workflows.webhooks.kinds import EventKind
from workflows.webhooks.models import Delivery, DeliveryStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _start(log: Path) -> subprocess.Popen:
    env = {**worker_environment(), "DJANGO_SETTINGS_MODULE": "tests.webhooks.worker_settings",
           "PYTHONPATH": str(ROOT)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _kill(worker: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def _wait(condition, *, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_neither_loses_nor_duplicates_it(reference_data, receiver, tmp_path,
                                                                      monkeypatch):
    log = tmp_path / "worker.log"
    world = build_world()
    _subscription, secret = services.subscription_create(
        actor=world.administrator, unit_id=world.province.pk, url=receiver.url, kinds=[EventKind.CAMPAIGN_OPENED])
    receiver.hold = True  # the first request waits for an answer that never comes

    # given: a campaign opens; its delivery job goes to the broker (jobs are not inline for this test)
    monkeypatch.setattr(Conf, "SYNC", False)
    with transaction.atomic():
        campaign_at(world, Stage.SURVEYED)
    assert OrmQ.objects.count() == 1
    worker = _start(log)
    try:
        # when: the worker is in the middle of the delivery, it is killed
        assert receiver.arrived.wait(30), log.read_text(errors="replace")[-3000:]
        _kill(worker)
        receiver.hold = False
        receiver.release.set()
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)

        # and a new worker starts: the broker hands it the killed job once its retry time passes
        worker = _start(log)
        _wait(lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(), seconds=60,
              what="the delivery", log=log)
        _wait(lambda: not OrmQ.objects.exists(), seconds=60, what="the broker's queue to empty", log=log)
    finally:
        _kill(worker)

    # then: the receiver got the event twice with one idempotency key, signed both times: once, for it
    assert len(receiver.received) == 2
    assert len(set(receiver.keys())) == 1 and len({r.json["id"] for r in receiver.received}) == 1
    assert all(r.signed_with(secret) for r in receiver.received)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    # the log shows the attempt the kill cut short (never finished) and the one that delivered
    assert [(a.number, a.finished_at is None, a.ok) for a in delivery.attempt_log.all()] == [
        (1, True, False), (2, False, True)]
