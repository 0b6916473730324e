"""Background jobs of the organisation import (django-q2): the check and
the write of an uploaded template. Queued after commit by ``imports``; each
may run more than once (a retried delivery): the status checks under a row
lock make a second run do nothing (or a newer check make an older stop).
Each runs in the language of the upload, so that the row messages are in
the uploader's language."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from . import imports
from .models import OrganisationImport


def _language_of(import_id: int) -> str:
    language = OrganisationImport.objects.filter(pk=import_id).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def organisation_import_check(import_id: int, token: str) -> None:
    with translation.override(_language_of(import_id)):
        imports.organisation_import_check_run(import_id=import_id, token=token)


def organisation_import_commit(import_id: int) -> None:
    with translation.override(_language_of(import_id)):
        imports.organisation_import_commit_run(import_id=import_id, live_progress=True)
