"""Background jobs of the people app (django-q2): the check and the write
of a list of employees (``imports``). Queued after commit by ``imports``;
each may run more than once (a retried delivery): the status checks under
the import's row lock make a second run do nothing. Each runs in the
language of the upload, so that the row messages are in the uploader's."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from . import imports
from .models import WorkerImport


def _language_of(import_id: int) -> str:
    language = WorkerImport.objects.filter(pk=import_id).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def worker_import_check(import_id: int, token: str) -> None:
    with translation.override(_language_of(import_id)):
        imports.worker_import_check_run(import_id=import_id, token=token)


def worker_import_write(import_id: int) -> None:
    with translation.override(_language_of(import_id)):
        imports.worker_import_write_run(import_id=import_id, live_progress=True)
