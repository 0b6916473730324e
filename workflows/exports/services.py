"""Every write of the exports: a user asks for a file (``export_start``),
its job prepares it (``export_run``), a failure is recorded
(``export_fail``), and old files are deleted (``exports_expire``).

A run's job may be delivered more than once (a worker killed, a lease run
out while a long export goes on): the job that claims a run writes a token
on it; a second delivery takes a run over only when its job stopped
reporting (``STALLED_AFTER_SECONDS``), and a job whose token is no longer on
the run stops at its next progress report and stores nothing. The file is
stored, with the run marked ready, in one transaction: whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from workflows.core import clock, jobs
from workflows.core.errors import DomainError
from workflows.core.replica import on_replica

from .kinds import producer_of
from .models import CHUNK_BYTES, ExportChunk, ExportRun, ExportStatus
from .producers import ExportAbandoned, ExportFile, ExportJob
from .selectors import ACTIVE, STALLED_AFTER_SECONDS, query_of

logger = logging.getLogger(__name__)

JOB = "workflows.exports.jobs.export_run"
#: How long one export may run in a worker (the cluster's own timeout is for short jobs).
JOB_TIMEOUT_SECONDS = 30 * 60
#: Files asked for and not yet ready, per user: more waits until one is done.
MAX_ACTIVE_PER_USER = 3
#: How long a file is kept; then the daily job deletes it.
KEEP_DAYS = 7
#: How long a run's row is kept (its status page says the file expired), and
#: how long a run may wait or run before it is given up.
FORGET_DAYS = 90
GIVE_UP_AFTER = dt.timedelta(days=1)
#: What a stored query may hold (a list's query is a few short filters).
MAX_PARAMETERS, MAX_VALUES, MAX_VALUE_LENGTH = 30, 50, 200


def _printable(text: str) -> str:
    # the lists read printable text only (``param_str``); PostgreSQL's JSON cannot hold NUL
    return "".join(ch for ch in text if ch.isprintable())


def parameters_of(query) -> dict[str, list[str]]:
    """A page's query (a QueryDict) as a run keeps it: its filters without the
    page number, bounded."""
    kept = {}
    for name in list(query)[:MAX_PARAMETERS]:
        if name == "page" or len(name) > 40 or _printable(name) != name:
            continue
        kept[name] = [_printable(value[:MAX_VALUE_LENGTH]) for value in query.getlist(name)[:MAX_VALUES]]
    return kept


def export_start(*, actor, kind: str, parameters: dict[str, list[str]], language: str | None = None) -> ExportRun:
    """Ask for the file of ``kind`` with the list's ``parameters``: a run is
    queued and its job starts once this commits. The producer's ``check``
    refuses first what the user may not have at all (PermissionDenied: 404).
    The same file already being prepared for the user is that run; at most
    ``MAX_ACTIVE_PER_USER`` files are prepared for one user at a time (a run
    whose job stopped reporting counts for neither)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied
    producer = producer_of(kind)
    if producer.check is not None:
        producer.check(actor, query_of(parameters))
    with transaction.atomic():
        # the user's row: two clicks of one user are taken one after the other
        get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk").first()
        # a run whose job stopped reporting neither stands for the file nor counts: asking again starts anew
        alive_since = clock.now() - dt.timedelta(seconds=STALLED_AFTER_SECONDS)
        active = ExportRun.objects.filter(
            Q(progressed_at__gte=alive_since) | Q(progressed_at__isnull=True, created_at__gte=alive_since),
            created_by_id=actor.pk, status__in=ACTIVE)
        same = active.filter(kind=kind, parameters=parameters).order_by("-pk").first()
        if same is not None:
            return same
        if active.count() >= MAX_ACTIVE_PER_USER:
            raise DomainError(_("%(count)d of your files are still being prepared: wait until one of them is "
                                "ready, then ask again.") % {"count": MAX_ACTIVE_PER_USER})
        run = ExportRun.objects.create(created_by_id=actor.pk, kind=kind, parameters=parameters,
                                       language=language or translation.get_language() or "vi",
                                       created_at=clock.now())
        jobs.after_commit(JOB, run.pk, task_name=f"export-{run.pk}",
                                                 timeout=JOB_TIMEOUT_SECONDS)
    return run


def _claim(run_id: int, token: str) -> ExportRun | None:
    """The run, marked running under ``token``, if it waits for a job or its
    job died; None if another job is at work on it or it is done."""
    with transaction.atomic():
        run = ExportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return None
        now = clock.now()
        dead = (run.status == ExportStatus.RUNNING and run.progressed_at is not None
                and (now - run.progressed_at).total_seconds() > STALLED_AFTER_SECONDS)
        if run.status != ExportStatus.QUEUED and not dead:
            return None
        ExportRun.objects.filter(pk=run_id).update(status=ExportStatus.RUNNING, token=token, started_at=now,
                                                   progressed_at=now, done=0, total=0, error="")
        run.refresh_from_db()
        return run


class _Progress:
    """``progress(done, total)`` for a producer: written at once (the job
    runs outside any long transaction, so the status page sees it); a run
    that is no longer this job's stops the producer."""

    def __init__(self, run_id: int, token: str) -> None:
        self.run_id, self.token = run_id, token

    def __call__(self, done: int, total: int) -> None:
        moved = ExportRun.objects.filter(pk=self.run_id, token=self.token, status=ExportStatus.RUNNING).update(
            done=done, total=max(done, total), progressed_at=clock.now())
        if not moved:
            raise ExportAbandoned


def export_run(*, run_id: int) -> ExportRun | None:
    """The job of a run: claim it, have its producer write the file for its
    creator (read again: their grants as they are now), store it. A refusal
    (the creator may no longer have this file) or an error fails the run with
    a sentence the creator can act on; nothing is stored then."""
    token = uuid.uuid4().hex
    run = _claim(run_id, token)
    if run is None:
        return None
    actor = get_user_model().objects.filter(pk=run.created_by_id, is_active=True).first()
    if actor is None:
        return export_fail(run_id=run_id, token=token, message=_("The account that asked for this file is closed."))
    job = ExportJob(actor=actor, parameters=query_of(run.parameters), progress=_Progress(run_id, token),
                    today=clock.today())
    try:
        with translation.override(run.language):
            output = on_replica(producer_of(run.kind).write, job)  # the figures from the replica, if any
    except ExportAbandoned:
        return None
    except (PermissionDenied, DomainError, ValidationError) as error:
        logger.info("export %s refused: %s", run_id, error)
        return export_fail(run_id=run_id, token=token, message=_(
            "You may no longer see what this file would hold: nothing was written."))
    except Exception:
        logger.exception("export %s failed", run_id)
        return export_fail(run_id=run_id, token=token, message=_(
            "The file could not be prepared because of an unexpected error. Ask for it again; if it fails again, "
            "tell the administrator."))
    try:
        return _store(run_id, token, output)
    finally:
        output.file.close()


def _store(run_id: int, token: str, output: ExportFile) -> ExportRun | None:
    with transaction.atomic():
        run = ExportRun.objects.select_for_update().filter(pk=run_id, token=token, status=ExportStatus.RUNNING).first()
        if run is None:
            return None
        ExportChunk.objects.filter(run_id=run_id).delete()
        output.file.seek(0)
        seq = size = 0
        while data := output.file.read(CHUNK_BYTES):
            ExportChunk.objects.create(run_id=run_id, seq=seq, data=data)
            seq += 1
            size += len(data)
        ExportRun.objects.filter(pk=run_id).update(status=ExportStatus.READY, file_name=output.name[:255],
                                                   content_type=output.content_type[:120], size=size,
                                                   finished_at=clock.now())
    return ExportRun.objects.get(pk=run_id)


def export_fail(*, run_id: int, token: str | None, message: str) -> ExportRun | None:
    """Mark the run failed with ``message`` (if ``token`` still owns it)."""
    with transaction.atomic():
        query = ExportRun.objects.filter(pk=run_id, status__in=ACTIVE)
        if token is not None:
            query = query.filter(token=token)
        query.update(status=ExportStatus.FAILED, error=message[:2000], finished_at=clock.now())
        ExportChunk.objects.filter(run_id=run_id).delete()
    return ExportRun.objects.filter(pk=run_id).first()


def exports_expire(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily clean-up: files older than ``KEEP_DAYS`` are deleted (their
    runs say "expired"); runs waiting or running for more than a day are
    given up; runs older than ``FORGET_DAYS`` are forgotten. Idempotent."""
    now = now or clock.now()
    with transaction.atomic():
        old = ExportRun.objects.filter(created_at__lt=now - dt.timedelta(days=KEEP_DAYS), status=ExportStatus.READY)
        ids = list(old.values_list("pk", flat=True))
        ExportChunk.objects.filter(run_id__in=ids).delete()
        expired = ExportRun.objects.filter(pk__in=ids).update(status=ExportStatus.EXPIRED)
        given_up = ExportRun.objects.filter(created_at__lt=now - GIVE_UP_AFTER, status__in=ACTIVE).update(
            status=ExportStatus.FAILED, finished_at=now,
            error=_("The job that prepares the file did not finish. Ask for the file again."))
        forgotten, _by_model = ExportRun.objects.filter(created_at__lt=now - dt.timedelta(days=FORGET_DAYS)).delete()
    return {"expired": expired, "given_up": given_up, "forgotten": forgotten}
