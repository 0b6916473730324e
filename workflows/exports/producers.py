"""What an app that owns data declares to have its lists exported by a job.

The owning app (enterprises, campaigns, statistics …) writes a
:class:`Producer` in one of its own modules and names it in
``workflows.exports.kinds.KINDS`` by its dotted path; this app imports it by
that name when a run starts or its job runs (as django-q2 calls a job), so
it imports no owning app.

A producer's ``write`` runs in the job, for the user who asked: it reads the
rows through the owning app's selectors **for that user** (so the scope is
checked again, as it is when the job runs: a grant taken away since the
click is gone from the file), reports its progress through ``job.progress``
every ``PROGRESS_EVERY`` rows, and writes the file row by row (XLSX in
openpyxl's write-only mode through ``workflows.core.spreadsheets``, rows read
in batches with ``iterator(chunk_size=…)``): its memory does not grow with
the number of rows.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from django.http import QueryDict

#: Rows between two progress reports (and the batch a producer reads at once).
PROGRESS_EVERY = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"

T = TypeVar("T")


class ExportAbandoned(Exception):
    """The run is no longer this job's (expired, or taken over after the job
    was thought dead): the producer stops; nothing is stored."""


@dataclass(frozen=True)
class ExportJob:
    """What a producer is given in the job."""

    #: The user who asked, read again from the database: their grants are read afresh.
    actor: Any
    #: The list's query (its filters), as the list page reads it.
    parameters: QueryDict
    #: ``progress(done, total)``: rows written so far and rows in all; raises ExportAbandoned.
    progress: Callable[[int, int], None]
    today: dt.date


@dataclass(frozen=True)
class ExportFile:
    """What a producer returns: a binary file object (read from its start,
    closed by the caller), its name and its media type."""

    file: IO[bytes]
    name: str
    content_type: str


@dataclass(frozen=True)
class Producer:
    """One kind of export. ``check(actor, parameters)``, when given, runs as
    the user asks (before anything is written) and raises PermissionDenied
    when they may not have this file at all (a unit outside their scope):
    they get a 404, as the page itself would answer. ``list_url``: the URL
    name of the page the file comes from (the status page links back to it
    with the same filters)."""

    title: Any  # lazy text: what the file is, on the status page and in "My exports"
    write: Callable[[ExportJob], ExportFile]
    list_url: str = ""
    check: Callable[[Any, QueryDict], None] | None = None


def with_progress(rows: Iterable[T], job: ExportJob, total: int) -> Iterator[T]:
    """``rows``, reporting to ``job`` every ``PROGRESS_EVERY`` rows and at the end."""
    done = 0
    job.progress(0, total)
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            job.progress(done, max(total, done))
    job.progress(done, max(total, done))
