"""Background jobs of the registry (django-q2): the check and the commit of
a large import. Queued after commit by the services; each may run more than
once (a retried delivery): the services' status checks under a row lock make
a second run do nothing, or take over from a dead one."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from . import services


def import_preview(batch_id: int, token: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        services.import_preview_run(batch_id=batch_id, token=token)


def import_commit(batch_id: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        services.import_commit_run(batch_id=batch_id, live_progress=True)
