"""Importing the workers of a case's enterprise from a list of employees:
the services the web layer calls, and the contexts of its pages.

Who may import follows from the case: ``Action.PEOPLE`` on the campaign
(its working group's officers, the supervisors of its unit and above;
managers see counts only, so they may not). Each service takes the
campaign's row lock, checks the permission, and calls the people building
block (``workflows.people.imports``) for the campaign's enterprise; an
import of another enterprise raises ``WorkerImport.DoesNotExist`` (404).

The derived counters are not re-derived after the write: an imported
worker has no support level, no seat and no application, so none of
``derived.register_figures`` can move (the write job is the people app's,
which cannot reach the campaign).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from workflows.core.errors import DomainError
from workflows.people import imports
from workflows.people.models import WorkerImport, WorkerImportOutcome, WorkerImportStatus

from . import permissions
from .models import Campaign
from .permissions import Action
from .services import _lock


def _case(campaign_id: int, actor) -> Campaign:
    campaign = _lock(campaign_id)
    permissions.require(actor, Action.PEOPLE, campaign)
    return campaign


# --- services ---------------------------------------------------------------------
@transaction.atomic
def worker_import_start(*, campaign_id: int, actor, file_name: str, content: bytes) -> WorkerImport:
    """Upload a list of employees of the campaign's enterprise (an open
    campaign). A file that is not a list is refused with a message
    (``SpreadsheetRefused``) and nothing is stored; its rows are checked by a
    job after this commits; nothing is written to the workers yet."""
    campaign = _case(campaign_id, actor)
    if not campaign.is_open:
        raise DomainError(_("The campaign is closed."))
    return imports.worker_import_create(enterprise_id=campaign.enterprise_id, actor=actor, file_name=file_name,
                                        content=content)


@transaction.atomic
def worker_import_confirm(*, campaign_id: int, import_id: int, actor) -> WorkerImport:
    """Write the checked list (once: a second confirmation is a conflict)."""
    campaign = _case(campaign_id, actor)
    if not campaign.is_open:
        raise DomainError(_("The campaign is closed."))
    return imports.worker_import_confirm(import_id=import_id, enterprise_id=campaign.enterprise_id, actor=actor)


@transaction.atomic
def worker_import_cancel(*, campaign_id: int, import_id: int, actor) -> WorkerImport:
    """Cancel an import before it is confirmed: the file and the checked rows are dropped."""
    campaign = _case(campaign_id, actor)
    return imports.worker_import_cancel(import_id=import_id, enterprise_id=campaign.enterprise_id, actor=actor)


# --- pages ------------------------------------------------------------------------
def _require_people(user, campaign: Campaign) -> None:
    if not permissions.can(user, Action.PEOPLE, campaign):
        raise PermissionDenied


@dataclass(frozen=True)
class WorkerImportStartPage:
    campaign: Campaign
    imports: tuple[WorkerImport, ...]
    can_upload: bool
    max_rows: int
    max_megabytes: int


def worker_import_start_page(user, campaign: Campaign) -> WorkerImportStartPage:
    """The upload form and the enterprise's recent imports."""
    _require_people(user, campaign)
    return WorkerImportStartPage(campaign=campaign, imports=tuple(imports.imports_of(campaign.enterprise_id)),
                                 can_upload=campaign.is_open, max_rows=imports.MAX_ROWS,
                                 max_megabytes=imports.MAX_FILE_BYTES // 2**20)


@dataclass(frozen=True)
class WorkerImportPage:
    """An import's page: the progress of its job, then the preview (counts,
    the first rows with their errors) and what may be done next."""

    campaign: Campaign
    run: WorkerImport
    running: bool
    progress: imports.ProgressShown
    counts: tuple[tuple[str, str, int], ...]  # (outcome, label, rows)
    shown: str
    rows: tuple[imports.RowShown, ...]
    preview_limit: int
    can_confirm: bool
    can_cancel: bool

    @property
    def workers_shown(self) -> list[int]:
        """The workers entered here that the rows shown name (for the audit)."""
        return sorted({row.match for row in self.rows if row.match})


def worker_import_page(user, campaign: Campaign, import_id: int, *, outcome: str = "", now) -> WorkerImportPage:
    _require_people(user, campaign)
    run = imports.import_of(campaign.enterprise_id, import_id)
    if run is None:
        raise WorkerImport.DoesNotExist
    checked = run.status in (WorkerImportStatus.CHECKED, WorkerImportStatus.WRITING)
    counts = tuple((value, str(label), getattr(run, imports.count_field(value)))
                   for value, label in WorkerImportOutcome.choices)
    rows = ()
    if checked or run.status == WorkerImportStatus.WRITTEN:
        rows = tuple(imports.rows_shown(run, outcome=outcome))
    return WorkerImportPage(
        campaign=campaign, run=run, running=run.status in (WorkerImportStatus.CHECKING, WorkerImportStatus.WRITING),
        progress=imports.progress_of(run, now=now), counts=counts, shown=outcome, rows=rows,
        preview_limit=imports.PREVIEW_ROWS,
        can_confirm=run.status == WorkerImportStatus.CHECKED and run.to_write > 0 and campaign.is_open,
        can_cancel=run.status in imports.OPEN)


def worker_import_errors_file(user, campaign: Campaign, import_id: int):
    """The rows with errors of an import (an XLSX file object)."""
    _require_people(user, campaign)
    run = imports.import_of(campaign.enterprise_id, import_id)
    if run is None:
        raise WorkerImport.DoesNotExist
    return run, imports.errors_workbook(run)


def worker_import_template(user, campaign: Campaign):
    """The empty list to fill in (an XLSX file object)."""
    _require_people(user, campaign)
    return imports.template_workbook()
