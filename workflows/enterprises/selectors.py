"""Reads of the enterprise registry."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.formats import number_format

from workflows.core.text import fold

from . import imports
from .models import (
    WORKFORCE_BANDS,
    Enterprise,
    ImportBatch,
    ImportOutcome,
    ImportProgress,
    ImportRow,
    ImportStatus,
    OwnershipSector,
    WorkforceSource,
)
from .permissions import enterprises_visible_to, import_batches_visible_to
from .validation import normalise_tax_code


@dataclass(frozen=True)
class EnterpriseFilters:
    q: str = ""
    unit_path: str = ""
    sector: str = ""
    band: str = ""
    union: str = ""  # "yes", "no" or ""
    campaign: str = ""  # "open", "none" or "": applied by campaigns.selectors.enterprises_with_campaigns


def enterprises_for_list(user, filters: EnterpriseFilters) -> QuerySet[Enterprise]:
    """The registry the user sees, by the registry's own filters (the
    campaign filter is the campaigns app's)."""
    qs = enterprises_visible_to(user)
    if filters.q:
        term = filters.q.strip()
        code = normalise_tax_code(term)
        qs = qs.filter(Q(search_name__contains=fold(term)) | (Q(tax_code__startswith=code) if code else Q(pk__in=[])))
    if filters.unit_path:
        qs = qs.filter(responsible_unit__path__startswith=filters.unit_path)
    if filters.sector:
        qs = qs.filter(ownership_sector=filters.sector)
    if filters.band in WORKFORCE_BANDS:
        low, high = WORKFORCE_BANDS[filters.band]
        qs = qs.filter(workforce__gte=low) if high is None else qs.filter(workforce__range=(low, high))
    if filters.union in ("yes", "no"):
        qs = qs.filter(has_union=filters.union == "yes")
    return qs.select_related("responsible_unit").order_by("search_name", "pk")


def enterprises_shown_to(user) -> QuerySet[Enterprise]:
    """The enterprises ``user`` may see, with what their pages show of them."""
    return enterprises_visible_to(user).select_related("responsible_unit", "union_unit")


# --- registry import ------------------------------------------------------------------
def import_batches_shown_to(user) -> QuerySet[ImportBatch]:
    """The batches ``user`` may work on, with their unit, without their file."""
    return import_batches_visible_to(user).select_related("unit", "unit__kind").defer("content")


def import_batches_of(user, *, limit: int = 20):
    """The user's latest imports."""
    return import_batches_visible_to(user).select_related("unit").defer("content")[:limit]


def import_rows(batch, outcome: str):
    """The rows of one outcome of a batch, in file order."""
    return (ImportRow.objects.filter(batch=batch, outcome=outcome)
            .only("row_number", "tax_code", "name", "outcome", "messages", "changes", "enterprise_id")
            .order_by("row_number"))


#: A job that has not reported for this long has probably died.
IMPORT_STALLED_AFTER_SECONDS = 180


@dataclass(frozen=True)
class ImportProgressShown:
    done: int
    total: int
    stalled: bool


def import_progress_of(batch, *, now) -> ImportProgressShown:
    """How far the batch's job got, and whether it stopped reporting."""
    row = ImportProgress.objects.filter(batch_id=batch.pk).first()
    if row is None:
        return ImportProgressShown(0, 0, False)
    quiet = (now - row.updated_at).total_seconds() if row.updated_at else 0
    return ImportProgressShown(row.done, max(row.total, row.done), quiet > IMPORT_STALLED_AFTER_SECONDS)


def import_fields() -> list[tuple[str, str]]:
    """The fields a column of an imported file may hold: (key, label)."""
    return [(column.key, column.label) for column in imports.COLUMNS]


def change_shown(key: str, value) -> str:
    """A value of an import's change as people read it."""
    if value in (None, ""):
        return ""
    if key == "workforce_as_of":
        return f"{dt.date.fromisoformat(value):%d/%m/%Y}"
    if key == "workforce":
        return number_format(value, force_grouping=True)
    if key == "ownership_sector":
        return str(dict(OwnershipSector.choices).get(value, value))
    if key == "workforce_source":
        return str(dict(WorkforceSource.choices).get(value, value))
    return str(value)


@dataclass(frozen=True)
class ImportBatchPage:
    """An import's page: the count of each outcome, the rows of the one
    shown (each with ``display_changes``), the progress of its job, and what
    may be done next."""
    batch: ImportBatch
    counts: tuple[tuple[str, str, int], ...]  # (outcome, label, rows)
    shown: str  # the outcome whose rows are listed
    page: Page
    query: str
    has_rows: bool
    running: bool
    progress: ImportProgressShown
    can_commit: bool
    can_recheck: bool
    can_map: bool


def import_batch_page(batch: ImportBatch, *, outcome: str, page_number: int | None, now) -> ImportBatchPage:
    """``outcome``: the outcome asked for, or "" for the first that has rows, errors first (they are what the
    user has to act on)."""
    count_of = {ImportOutcome.CREATE: batch.created, ImportOutcome.UPDATE: batch.updated,
                ImportOutcome.UNCHANGED: batch.unchanged, ImportOutcome.OLDER: batch.older,
                ImportOutcome.ERROR: batch.errors}
    shown = outcome or next((value for value in (ImportOutcome.ERROR, *ImportOutcome.values) if count_of[value]),
                            ImportOutcome.CREATE)
    has_rows = batch.status in (ImportStatus.PREVIEWED, ImportStatus.COMMITTING, ImportStatus.COMMITTED)
    page = Paginator(import_rows(batch, shown) if has_rows else ImportRow.objects.none(), 50).get_page(page_number)
    labels = dict(import_fields())
    for row in page:
        row.display_changes = [(labels.get(key, key), change_shown(key, before), change_shown(key, after))
                               for key, before, after in row.changes]
    progress = import_progress_of(batch, now=now)
    return ImportBatchPage(
        batch=batch, counts=tuple((value, label, count_of[value]) for value, label in ImportOutcome.choices),
        shown=shown, page=page, query=f"outcome={shown}", has_rows=has_rows,
        running=batch.status in (ImportStatus.PREVIEWING, ImportStatus.COMMITTING), progress=progress,
        can_commit=batch.status == ImportStatus.PREVIEWED and batch.created + batch.updated > 0,
        can_recheck=batch.status in (ImportStatus.PREVIEWED, ImportStatus.FAILED) or (
            batch.status == ImportStatus.PREVIEWING and progress.stalled),
        can_map=batch.status in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.FAILED))
