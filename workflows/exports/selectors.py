"""What the export pages read."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

from workflows.core.errors import NotFoundOrForbidden

from .kinds import producer_of
from .models import ExportChunk, ExportRun, ExportStatus
from .permissions import can_download, export_runs_visible_to
from .producers import Producer

#: A job that has not reported for this long has died (its run may be taken over or started again).
STALLED_AFTER_SECONDS = 300
ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def query_of(parameters: dict) -> QueryDict:
    """The stored parameters as the query a page reads (``param_*`` helpers, ``getlist``)."""
    query = QueryDict(mutable=True)
    for name, values in parameters.items():
        query.setlist(name, [str(v) for v in values])
    return query


@dataclass(frozen=True)
class ExportProgress:
    done: int
    total: int
    stalled: bool

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0


def export_progress_of(run: ExportRun, *, now: dt.datetime) -> ExportProgress:
    since = run.progressed_at or run.created_at
    stalled = run.status in ACTIVE and (now - since).total_seconds() > STALLED_AFTER_SECONDS
    return ExportProgress(run.done, max(run.total, run.done), stalled)


@dataclass(frozen=True)
class ExportPage:
    """The status page of one run."""

    run: ExportRun
    title: str
    progress: ExportProgress
    active: bool
    can_download: bool
    #: The list or report the file comes from, with the same filters ("" when it has no page).
    list_url: str
    #: The query of the run, to prepare the same file again.
    query: str


def _list_url(name: str, query: str) -> str:
    if not name:
        return ""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


def _producer(kind: str) -> Producer | None:
    try:
        return producer_of(kind)
    except NotFoundOrForbidden:  # a kind no longer offered: its old runs still show
        return None


def _title(kind: str) -> str:
    producer = _producer(kind)
    return str(producer.title) if producer else kind


def export_page(user, run: ExportRun, *, now: dt.datetime) -> ExportPage:
    producer = _producer(run.kind)
    query = query_of(run.parameters).urlencode()
    return ExportPage(run=run, title=_title(run.kind), progress=export_progress_of(run, now=now),
                      active=run.status in ACTIVE, can_download=can_download(user, run),
                      list_url=_list_url(producer.list_url if producer else "", query), query=query)


@dataclass(frozen=True)
class ExportRow:
    run: ExportRun
    title: str
    progress: ExportProgress


def export_runs_of(user, *, now: dt.datetime, limit: int = 50) -> list[ExportRow]:
    """The user's latest runs, newest first (My exports)."""
    runs = list(export_runs_visible_to(user).order_by("-created_at", "-pk")[:limit])
    return [ExportRow(run, _title(run.kind), export_progress_of(run, now=now)) for run in runs]


def export_file_chunks(run: ExportRun) -> Iterator[bytes]:
    """The file of a ready run, one stored chunk (one query) at a time."""
    seq = 0
    while (data := ExportChunk.objects.filter(run_id=run.pk, seq=seq).values_list("data", flat=True).first()) \
            is not None:
        yield bytes(data)
        seq += 1
