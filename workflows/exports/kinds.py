"""The kinds of export, each by the dotted name of the ``Producer`` its
owning app declares (see ``producers``). Names only: this app imports the
producers when a run starts or its job runs, never at import time, so the
apps that own the data stay above it in the layers."""
from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from workflows.core.errors import NotFoundOrForbidden

from .producers import Producer

KINDS: dict[str, str] = {
    # the registry with the list's filters (the campaign filter is the campaigns app's: its producer is there)
    "registry": "workflows.campaigns.list_exports.REGISTRY",
    "campaigns": "workflows.campaigns.list_exports.CAMPAIGNS",
    "tasks": "workflows.campaigns.list_exports.MY_TASKS",
    "report_xlsx": "workflows.statistics.report_files.REPORT_XLSX",
    "report_pdf": "workflows.statistics.report_files.REPORT_PDF",
    "report_csv": "workflows.statistics.report_files.REPORT_CSV",
}


@cache
def producer_of(kind: str) -> Producer:
    """The producer of ``kind``; an unknown kind is a missing page (404)."""
    if kind not in KINDS:
        raise NotFoundOrForbidden()
    producer = import_string(KINDS[kind])
    if not isinstance(producer, Producer):
        raise TypeError(f"{KINDS[kind]} is not a workflows.exports.producers.Producer")
    return producer
