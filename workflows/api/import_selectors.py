"""What the API's imports read, always through the permission modules: a
user reaches through the API exactly the imports the pages open for them
(None: answer 404).

- A registry import (``enterprises``): its uploader's, while they
  supervise its unit (``import_batches_shown_to``); uploading needs a unit
  the user may register in (``units_to_register_in``).
- A worker import of a case (``people``): ``Action.PEOPLE`` on the case
  (``case_for_people``), an import of the case's enterprise.
- An organisation import (``administration``): its uploader's, under a
  unit they still administer (``imports_shown_to``).

An import's status is one frozen object read in one query (the import with
its progress row), with the decisions its page takes (what may be done
next), so that a client polls it cheaply until ``running`` is false.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from workflows.administration import imports as organisation_imports
from workflows.administration.models import ImportStatus as OrganisationStatus, OrganisationImport
from workflows.campaigns.models import Campaign
from workflows.enterprises import imports as registry_imports, selectors as registry
from workflows.enterprises.models import ImportBatch, ImportOutcome, ImportRow, ImportStatus
from workflows.enterprises.permissions import units_to_register_in
from workflows.organisation.models import Unit
from workflows.people import imports as worker_imports
from workflows.people.models import WorkerImport, WorkerImportStatus

from .people_selectors import case_for_people


@dataclass(frozen=True)
class Progress:
    """How far the import's job got; ``stalled``: it stopped reporting (it may have died)."""

    done: int
    total: int
    stalled: bool

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @classmethod
    def of(cls, row, *, now: dt.datetime, stalled_after: int) -> Progress:
        """From the import's progress row (None: no job has reported)."""
        if row is None:
            return cls(0, 0, False)
        quiet = (now - row.updated_at).total_seconds() if row.updated_at else 0
        return cls(row.done, max(row.total, row.done), quiet > stalled_after)


def _progress_row(obj):
    """The import's progress row, read with it (a missing one is an AttributeError too)."""
    return getattr(obj, "progress", None)


# --- the registry import --------------------------------------------------------------------
def registry_units_for(user) -> list[Unit]:
    """The units whose registry ``user`` may import into (the upload page's choice)."""
    return list(units_to_register_in(user))


def registry_imports_for(user) -> QuerySet[ImportBatch]:
    """The registry imports ``user`` may work on (their own), with their progress: one query."""
    return registry.import_batches_shown_to(user).select_related("progress")


def registry_import_for(user, pk) -> ImportBatch | None:
    if not str(pk).isdigit():
        return None
    return registry_imports_for(user).filter(pk=int(pk)).first()


@dataclass(frozen=True)
class RegistryImportState:
    """A registry import as its page shows it: status, the job's progress,
    the counts of each outcome, the columns (with what is wrong with their
    mapping), and what may be done next (``enterprises.selectors.import_batch_page``)."""

    batch: ImportBatch
    progress: Progress
    running: bool
    columns: tuple[tuple[int, str, str], ...]  # (index, header, field key or "")
    mapping_problems: tuple[str, ...]
    can_map: bool
    can_recheck: bool
    can_commit: bool


def registry_import_state(batch: ImportBatch, *, now: dt.datetime) -> RegistryImportState:
    """``batch`` read by ``registry_imports_for`` (no query here)."""
    progress = Progress.of(_progress_row(batch), now=now, stalled_after=registry.IMPORT_STALLED_AFTER_SECONDS)
    status = batch.status
    return RegistryImportState(
        batch=batch, progress=progress, running=status in (ImportStatus.PREVIEWING, ImportStatus.COMMITTING),
        columns=tuple((index, str(text), batch.mapping.get(str(index), "")) for index, text in enumerate(batch.headers)
                      if str(text).strip()),
        mapping_problems=tuple(str(p) for p in registry_imports.mapping_problems(batch.headers, batch.mapping))
        if status in (ImportStatus.UPLOADED, ImportStatus.FAILED) else (),
        can_map=status in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.FAILED),
        can_recheck=status in (ImportStatus.PREVIEWED, ImportStatus.FAILED) or (
            status == ImportStatus.PREVIEWING and progress.stalled),
        can_commit=status == ImportStatus.PREVIEWED and batch.created + batch.updated > 0)


def registry_import_rows(batch: ImportBatch, outcome: str) -> QuerySet[ImportRow]:
    """The checked rows of one outcome, in file order (none before the check ends)."""
    if batch.status not in (ImportStatus.PREVIEWED, ImportStatus.COMMITTING, ImportStatus.COMMITTED):
        return ImportRow.objects.none()
    return registry.import_rows(batch, outcome or ImportOutcome.ERROR)


# --- the worker import of a case -----------------------------------------------------------
def case_for_worker_imports(user, pk) -> Campaign | None:
    """The campaign ``pk`` if ``user`` may import its workers (the pages' rule)."""
    return case_for_people(user, pk)


def worker_imports_of(campaign: Campaign) -> QuerySet[WorkerImport]:
    """The imports of the case's enterprise, with their progress, without the file and the rows: one query."""
    return (WorkerImport.objects.filter(enterprise_id=campaign.enterprise_id).select_related("progress")
            .defer("content", "rows"))


def worker_import_of(campaign: Campaign, import_id) -> WorkerImport | None:
    if not str(import_id).isdigit():
        return None
    return worker_imports_of(campaign).filter(pk=int(import_id)).first()


@dataclass(frozen=True)
class WorkerImportState:
    """A worker import as its page shows it, counts only (no personal data):
    status, the job's progress, the counts of each outcome, and what may be
    done next (``campaigns.worker_imports.worker_import_page``)."""

    run: WorkerImport
    progress: Progress
    running: bool
    can_confirm: bool
    can_cancel: bool


def worker_import_state(campaign: Campaign, run: WorkerImport, *, now: dt.datetime) -> WorkerImportState:
    """``run`` read by ``worker_imports_of`` (no query here)."""
    return WorkerImportState(
        run=run, progress=Progress.of(_progress_row(run), now=now, stalled_after=worker_imports.STALLED_AFTER_SECONDS),
        running=run.status in (WorkerImportStatus.CHECKING, WorkerImportStatus.WRITING),
        can_confirm=run.status == WorkerImportStatus.CHECKED and run.to_write > 0 and campaign.is_open,
        can_cancel=run.status in worker_imports.OPEN)


def worker_import_rows(run: WorkerImport, outcome: str) -> list[worker_imports.RowShown]:
    """The page's preview: the first rows (of one outcome), with the workers' names."""
    if run.status not in (WorkerImportStatus.CHECKED, WorkerImportStatus.WRITING, WorkerImportStatus.WRITTEN):
        return []
    return worker_imports.rows_shown(run, outcome=outcome)


# --- the organisation import ---------------------------------------------------------------
def organisation_units_for(user) -> list[Unit]:
    """The units ``user`` may import the organisation under (the upload page's choice)."""
    return organisation_imports.import_units_for(user)


def organisation_imports_for(user) -> QuerySet[OrganisationImport]:
    """The organisation imports ``user`` may work on (their own), with their progress: one query."""
    return organisation_imports.imports_shown_to(user).select_related("progress")


def organisation_import_for(user, pk) -> OrganisationImport | None:
    if not str(pk).isdigit():
        return None
    return organisation_imports_for(user).filter(pk=int(pk)).first()


@dataclass(frozen=True)
class OrganisationImportState:
    """An organisation import as its page shows it: status, the job's
    progress, the counts of each outcome, what the write does (``plan``) or
    did (``result``, the invitations), and what may be done next
    (``administration.imports.import_page``)."""

    run: OrganisationImport
    progress: Progress
    running: bool
    plan: tuple[tuple[str, str, int], ...]  # (key, label, count)
    result: tuple[tuple[str, str, int], ...]
    invitable: int
    invited: int | None
    not_invited: tuple[tuple[str, str], ...]  # (user name, why)
    can_confirm: bool
    can_recheck: bool
    nothing_to_write: bool


def organisation_import_state(run: OrganisationImport, *, now: dt.datetime) -> OrganisationImportState:
    """``run`` read by ``organisation_imports_for`` (no query here)."""
    progress = Progress.of(_progress_row(run), now=now, stalled_after=organisation_imports.STALLED_AFTER_SECONDS)
    status, plan, result = run.status, run.plan or {}, run.result or {}
    return OrganisationImportState(
        run=run, progress=progress, running=status in (OrganisationStatus.CHECKING, OrganisationStatus.COMMITTING),
        plan=tuple((key, str(label), plan[key]) for key, label in organisation_imports.PLAN_LABELS if plan.get(key)),
        result=tuple((key, str(label), result[key]) for key, label in organisation_imports.RESULT_LABELS
                     if result.get(key)),
        invitable=plan.get("invitable", 0), invited=result.get("invited"),
        not_invited=tuple((username, reason) for username, reason in result.get("not_invited", [])),
        can_confirm=status == OrganisationStatus.CHECKED and not run.errors and bool(run.created or run.updated),
        can_recheck=status in (OrganisationStatus.CHECKED, OrganisationStatus.FAILED, OrganisationStatus.UPLOADED)
        or (status == OrganisationStatus.CHECKING and progress.stalled),
        nothing_to_write=status == OrganisationStatus.CHECKED and not run.errors and not (run.created or run.updated))
