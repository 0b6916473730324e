"""A worker killed in the middle of a large commit leaves the registry as it
was: the commit is one transaction, and PostgreSQL drops it with the
connection. A real ``manage.py qcluster`` process commits 20,000 rows; the
test kills its whole process group with SIGKILL once the progress shows it
is half-way, then finds the registry unchanged and the batch still to be
committed — and a retried job then commits it, once."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_q.conf import Conf

from tests.enterprises.sheets import VI_HEADERS, csv_bytes
from tests.factories import EnterpriseFactory, next_tax_code
from workflows.enterprises import services
from workflows.enterprises.models import Enterprise, ImportBatch, ImportProgress, ImportStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 20_000
ROOT = Path(__file__).resolve().parents[2]


def registry() -> list[tuple]:
    return list(Enterprise.objects.order_by("pk").values_list("pk", "tax_code", "workforce", "workforce_as_of",
                                                              "updated_at"))


def worker_environment() -> dict[str, str]:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.test_worker", "DATABASE_URL": url,
            "CONN_MAX_AGE": "0", "LOG_LEVEL": "WARNING"}


def wait_for(condition, *, seconds: float, step: float = 0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(step)
    raise AssertionError(f"gave up after {seconds} s")


def test_a_worker_killed_while_committing_leaves_the_registry_as_it_was(reference_data, world, monkeypatch):
    existing = [EnterpriseFactory(responsible_unit=world.district, workforce=10,
                                  workforce_as_of=dt.date(2025, 1, 1)) for _ in range(50)]
    rows = [VI_HEADERS] + [["", e.name, e.tax_code, "", "", "", "", "", "99", "31/12/2025", "BHXH"] for e in existing]
    rows += [["", f"Công ty TNHH Số {i}", next_tax_code(), f"Lô {i}", "", "", "FDI", "", str(i), "31/12/2025", "BHXH"]
             for i in range(ROWS - len(existing))]
    batch = services.import_upload(actor=world.supervisor, unit=world.district, file_name="bhxh.csv",
                                   content=csv_bytes(rows), check=False)
    batch = services.import_preview(batch_id=batch.pk, actor=world.supervisor, background=False)
    assert (batch.status, batch.created, batch.updated) == (ImportStatus.PREVIEWED, ROWS - 50, 50)
    before = registry()
    monkeypatch.setattr(Conf, "SYNC", False)  # queue the job for the worker instead of running it here

    services.import_commit(batch_id=batch.pk, actor=world.supervisor, background=True)
    worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=worker_environment(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        progress = ImportProgress.objects.filter(batch=batch)
        done = wait_for(lambda: (n := progress.values_list("done", flat=True).get()) >= ROWS // 4 and n,
                        seconds=300)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

    assert ROWS // 4 <= done < ROWS
    assert registry() == before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.COMMITTING

    # django-q delivers the job again (after Q_CLUSTER["retry"] seconds); it
    # waits for the dead transaction's lock to go, then commits, once.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '60s'")
    services.import_commit_run(batch_id=batch.pk)
    services.import_commit_run(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.updated) == (ImportStatus.COMMITTED, ROWS - 50, 50)
    assert Enterprise.objects.count() == len(before) + ROWS - 50
    assert set(Enterprise.objects.filter(pk__in=[e.pk for e in existing]).values_list("workforce", flat=True)) == {99}
