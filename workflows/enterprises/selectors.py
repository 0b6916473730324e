"""Reads of the enterprise registry."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from workflows.core.text import fold

from .models import WORKFORCE_BANDS, Enterprise
from .permissions import enterprises_visible_to
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


# --- registry import ------------------------------------------------------------------
def import_batches_of(user, *, limit: int = 20):
    """The user's latest imports."""
    from .permissions import import_batches_visible_to

    return import_batches_visible_to(user).select_related("unit").defer("content")[:limit]


def import_rows(batch, outcome: str):
    """The rows of one outcome of a batch, in file order."""
    from .models import ImportRow

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
    from .models import ImportProgress

    row = ImportProgress.objects.filter(batch_id=batch.pk).first()
    if row is None:
        return ImportProgressShown(0, 0, False)
    quiet = (now - row.updated_at).total_seconds() if row.updated_at else 0
    return ImportProgressShown(row.done, max(row.total, row.done), quiet > IMPORT_STALLED_AFTER_SECONDS)
