"""The worker import's pages: the upload (with the template to download and
the enterprise's recent imports), an import's status page (the check's
progress, then the preview, the confirmation or cancellation, then the
write's progress and result), and the file of rows with errors. Only who
may work on the people of the case (``Action.PEOPLE``); anyone else gets 404."""
from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice
from workflows.people.imports import XLSX_TYPE
from workflows.people.models import WorkerImportOutcome

from . import worker_imports
from .views import _campaign_or_404
from .worker_import_forms import WorkerImportConfirmForm, WorkerImportForm


@login_required
def worker_import(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    page = worker_imports.worker_import_start_page(request.user, campaign)
    form = WorkerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with errors_on(form):
            run = worker_imports.worker_import_start(campaign_id=campaign.pk, actor=request.user,
                                                     file_name=upload.name, content=upload.read())
            return redirect("campaigns:worker_import_status", pk=campaign.pk, import_pk=run.pk)
    return render(request, "campaigns/worker_import/start.html",
                  context_of(page, nav_active="campaigns", form=form), status=400 if form.errors else 200)


@login_required
@require_GET
def worker_import_template(request, pk: int):
    template = worker_imports.worker_import_template(request.user, _campaign_or_404(request, pk))
    name = _("list-of-employees")
    return FileResponse(template, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)


def _status_page(request, pk: int, import_pk: int, form: WorkerImportConfirmForm, *, status: int = 200):
    campaign = _campaign_or_404(request, pk)
    page = worker_imports.worker_import_page(
        request.user, campaign, import_pk, now=clock.now(),
        outcome=param_choice(request.GET, "outcome", WorkerImportOutcome.values))
    if request.headers.get("HX-Request"):
        if page.running:
            return render(request, "campaigns/worker_import/_progress.html", context_of(page))
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    if page.rows:
        audit_record(kind=AuditKind.PERSONAL_DATA_VIEW, request=request, workers=page.workers_shown,
                     detail=f"worker import {page.run.pk}: {len(page.rows)} rows of the list shown")
    return render(request, "campaigns/worker_import/status.html",
                  context_of(page, nav_active="campaigns", form=form), status=status)


@login_required
@require_GET
def worker_import_status(request, pk: int, import_pk: int):
    return _status_page(request, pk, import_pk, WorkerImportConfirmForm())


@login_required
@require_POST
def worker_import_confirm(request, pk: int, import_pk: int):
    campaign = _campaign_or_404(request, pk)
    form = WorkerImportConfirmForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            worker_imports.worker_import_confirm(campaign_id=campaign.pk, import_id=import_pk, actor=request.user)
            messages.success(request, _("The workers are being written: this page shows when it is done."))
            return redirect("campaigns:worker_import_status", pk=campaign.pk, import_pk=import_pk)
    return _status_page(request, pk, import_pk, form, status=400)


@login_required
@require_POST
def worker_import_cancel(request, pk: int, import_pk: int):
    campaign = _campaign_or_404(request, pk)
    worker_imports.worker_import_cancel(campaign_id=campaign.pk, import_id=import_pk, actor=request.user)
    messages.success(request, _("The import was cancelled: nothing was written, and the file is deleted."))
    return redirect("campaigns:worker_import", pk=campaign.pk)


@login_required
@require_GET
def worker_import_errors(request, pk: int, import_pk: int):
    run, workbook = worker_imports.worker_import_errors_file(request.user, _campaign_or_404(request, pk), import_pk)
    audit_record(kind=AuditKind.PERSONAL_DATA_EXPORT, request=request,
                 detail=f"worker import {run.pk}: the {run.errors} rows with errors downloaded")
    stem = PurePath(run.file_name).stem[:80] or "workers"
    errors = _("errors")
    return FileResponse(workbook, as_attachment=True, filename=f"{stem} - {errors}.xlsx", content_type=XLSX_TYPE)
