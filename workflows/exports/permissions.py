"""Who may see an export: its creator, nobody else (an administrator
neither: the file holds what its creator may see, not what they may).
Anyone else gets a 404, like a missing run."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import ExportRun, ExportStatus


def export_runs_visible_to(user) -> QuerySet[ExportRun]:
    if user is None or not user.is_authenticated or not user.is_active:
        return ExportRun.objects.none()
    return ExportRun.objects.filter(created_by_id=user.pk)


def can_download(user, run: ExportRun) -> bool:
    return run.created_by_id == getattr(user, "pk", None) and run.status == ExportStatus.READY
