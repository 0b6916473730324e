"""Figures too long to count on a page, counted once by a job, kept, then
shown in milliseconds: a dashboard as it stood on a past day, and a report
that counts from the history, for a subtree past
``REPORT_ON_SCREEN_MAX_CAMPAIGNS`` campaigns.

Both read the history of every campaign of the subtree (each campaign's
stage and overdue tasks at the end of a day, what happened by the day it
happened): seconds for a province of a large federation, half a minute for
the country — past any request. So the page offers to count them (a POST:
``ask``); a job (``count``) computes what a small subtree's page counts at
once and keeps it rendered (``KeptFigures``: the parts the page shows,
which hold nothing of the user); every later request for the same figures
— the kind of page, the unit, the page's query normalised (``Key``), the
language, and whether the user may plan the unit (a link) — reads that one
row. What a user may see is decided on every request before the row is
read, as for the figures of now (``overview_cache``).

A past day's history does not change: events are only appended, member
movements are cut by the day they were entered. The registry's figures
(enterprises, workforce) are those of the count, a target may be set since,
and a report's period may end today: the page says when the figures were
counted and offers to count them again. A report's key holds the day it was
asked for (its heading's date, a programme "to date"). Kept figures are
deleted ``PAST_FIGURES_KEEP_DAYS`` after they were asked for (``expire``,
every night).

The job may be delivered twice: the row is claimed under a token, and a job
that has not finished within ``STALLED_AFTER_SECONDS`` is taken over by the
next one asked for.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from workflows.core import clock, jobs, replica
from workflows.core.errors import DomainError
from workflows.core.pages import context_of

from . import report_files, selectors
from .models import KeptFigures, KeptFiguresStatus

logger = logging.getLogger(__name__)

JOB = "workflows.statistics.jobs.kept_figures_count"
#: The country's past day: ~40 s on a quiet machine, minutes on a loaded one.
JOB_TIMEOUT_SECONDS = 30 * 60
#: A job that has not finished by then died (its worker was killed): asking again starts anew.
STALLED_AFTER_SECONDS = JOB_TIMEOUT_SECONDS + 60
ALIVE = (KeptFiguresStatus.QUEUED, KeptFiguresStatus.RUNNING)
#: Figures one user may have counted at a time (each is up to a minute of a job worker).
MAX_ALIVE_PER_USER = 3

OVERVIEW, REPORT = "overview", "report"


@dataclass(frozen=True)
class Key:
    """What decides the figures: the page, the unit, its query normalised
    (``parameters``: what the counting reads back), the language, and
    whether the user may plan the unit."""

    kind: str
    unit_id: int
    parameters: str
    language: str
    can_plan: bool

    @classmethod
    def of(cls, kind: str, unit_id: int, parameters: list[tuple[str, object]], *, can_plan: bool) -> Key:
        query = QueryDict(mutable=True)
        for name, value in parameters:
            query.appendlist(name, "" if value is None else str(value))
        return cls(kind, unit_id, query.urlencode(), translation.get_language() or "vi", can_plan)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.parameters.encode()).hexdigest()

    def fields(self) -> dict:
        return {"kind": self.kind, "unit_id": self.unit_id, "digest": self.digest, "language": self.language,
                "can_plan": self.can_plan}


def overview_parts(page) -> tuple[SafeString, SafeString, SafeString]:
    """A dashboard's heading, notes and figures as the page shows them (nothing of the user nor the request)."""
    context = context_of(page)
    return tuple(render_to_string(f"statistics/_overview_{part}.html", context)  # type: ignore[return-value]
                 for part in ("heading", "notes", "figures"))


def kept(key: Key) -> KeptFigures | None:
    """The figures of ``key``: counted, being counted, or that failed; None if never asked for."""
    return KeptFigures.objects.using(DEFAULT_DB_ALIAS).filter(**key.fields()).first()  # not a replica behind


def status_of(pk: int) -> KeptFigures | None:
    """The row ``pk`` without its figures: its unit and how far its counting got."""
    return (KeptFigures.objects.using(DEFAULT_DB_ALIAS).filter(pk=pk)
            .only("unit_id", "status", "asked_at", "started_at").first())


def shown_parts(row: KeptFigures) -> tuple[SafeString, SafeString, SafeString]:
    """The kept parts, as rendered by the job (the project's own templates)."""
    return mark_safe(row.heading), mark_safe(row.notes), mark_safe(row.figures)  # noqa: S308


def alive(row: KeptFigures, now: dt.datetime) -> bool:
    """Asked for and not done, by a job that may still finish (or has not started yet)."""
    since = row.started_at or row.asked_at
    return row.status in ALIVE and (now - since).total_seconds() <= STALLED_AFTER_SECONDS


def ask(*, actor, key: Key) -> KeptFigures:
    """Have the figures of ``key`` counted: a job starts once this commits,
    unless one is already at work on them; the figures counted before stay
    shown meanwhile. At most ``MAX_ALIVE_PER_USER`` counts of one user at a
    time (DomainError). The caller has checked that the user may see them."""
    fields = key.fields()
    with transaction.atomic():
        now = clock.now()
        row = KeptFigures.objects.select_for_update().filter(**fields).first()
        if row is not None and alive(row, now):
            return row
        # the user's row: two clicks of one user are taken one after the other
        get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk").first()
        since = now - dt.timedelta(seconds=STALLED_AFTER_SECONDS)
        if KeptFigures.objects.filter(asked_by=actor, status__in=ALIVE, asked_at__gte=since).count() \
                >= MAX_ALIVE_PER_USER:
            raise DomainError(_("%(count)d counts you asked for are still under way: wait until one of them is "
                                "ready, then ask again.") % {"count": MAX_ALIVE_PER_USER})
        if row is None:
            try:
                with transaction.atomic():
                    row = KeptFigures.objects.create(**fields, parameters=key.parameters, asked_at=now,
                                                     asked_by=actor)
            except IntegrityError:  # asked for at the same moment by someone else: theirs
                return KeptFigures.objects.get(**fields)
        else:
            KeptFigures.objects.filter(pk=row.pk).update(status=KeptFiguresStatus.QUEUED, asked_at=now,
                                                         asked_by=actor, started_at=None, token="", error="")
            row.refresh_from_db()
        jobs.after_commit(JOB, row.pk, task_name=f"kept-figures-{row.pk}-{int(now.timestamp())}",
                          timeout=JOB_TIMEOUT_SECONDS)
    return row


def _claim(row_id: int, token: str) -> KeptFigures | None:
    with transaction.atomic():
        row = KeptFigures.objects.select_for_update().filter(pk=row_id).first()
        if row is None:
            return None
        dead = row.status == KeptFiguresStatus.RUNNING and not alive(row, clock.now())
        if row.status != KeptFiguresStatus.QUEUED and not dead:
            return None
        KeptFigures.objects.filter(pk=row_id).update(status=KeptFiguresStatus.RUNNING, token=token,
                                                     started_at=clock.now())
        row.refresh_from_db()
        return row


def _overview(row: KeptFigures, query: QueryDict) -> tuple[str, str, str]:
    """A dashboard as it stood on a past day (``overview_key``'s query)."""
    page = selectors.overview_page(
        None, row.unit, None, span=query["span"], year=int(query["year"]), month=int(query["month"]),
        months=int(query["months"]), as_of=dt.date.fromisoformat(query["as_of"]), today=clock.today(),
        can_plan=row.can_plan, from_history=True)
    return overview_parts(page)


def _report(row: KeptFigures, query: QueryDict) -> tuple[str, str, str]:
    """A report from the history (``report_key``'s query), as the user who asked may see it (exact, as a
    file is)."""
    if row.asked_by is None or not row.asked_by.is_active:
        raise DomainError(_("The account that asked for these figures is closed."))
    report = report_files.report_for(row.asked_by, query, today=dt.date.fromisoformat(query["today"]))
    return "", "", render_to_string("statistics/_report_table.html", report_files.table_context(report))


#: kind → the counting: (the row, its query) → the parts kept (heading, notes, figures).
COUNTERS: dict[str, Callable[[KeptFigures, QueryDict], tuple[str, str, str]]] = {
    OVERVIEW: _overview, REPORT: _report}


def overview_key(unit_id: int, *, span: str, year: int, month: int, months: int, day: dt.date,
                 can_plan: bool) -> Key:
    return Key.of(OVERVIEW, unit_id, [("span", span), ("year", year), ("month", month), ("months", months),
                                      ("as_of", day.isoformat())], can_plan=can_plan)


def report_key(report, *, today: dt.date, can_plan: bool) -> Key:
    """The key of a report page's figures: what ``report_files.asked_of`` read, and the day."""
    return Key.of(REPORT, report.unit.pk, report_files.parameters_of(report.unit, report.asked, today),
                  can_plan=can_plan)


def count(row_id: int) -> KeptFigures | None:
    """The job: count the figures of the row and keep them rendered. None
    when another job has them (or they are done)."""
    token = uuid.uuid4().hex
    row = _claim(row_id, token)
    if row is None:
        return None
    started, clock_started = clock.now(), time.perf_counter()
    try:
        with translation.override(row.language):
            heading, notes, figures = replica.on_replica(COUNTERS[row.kind], row, QueryDict(row.parameters))
    except Exception as error:
        logger.exception("kept figures %s failed", row_id)
        KeptFigures.objects.filter(pk=row_id, token=token).update(status=KeptFiguresStatus.FAILED,
                                                                  error=str(error)[:300])
        row.refresh_from_db()
        return row
    KeptFigures.objects.filter(pk=row_id, token=token).update(
        status=KeptFiguresStatus.READY, heading=heading, notes=notes, figures=figures, counted_at=started,
        seconds=round(time.perf_counter() - clock_started, 1), error="")
    row.refresh_from_db()
    return row


def expire() -> int:
    """Delete the figures asked for more than ``PAST_FIGURES_KEEP_DAYS`` ago; returns how many."""
    old = clock.now() - dt.timedelta(days=settings.PAST_FIGURES_KEEP_DAYS)
    deleted, _by_model = KeptFigures.objects.filter(asked_at__lt=old).delete()
    return deleted
