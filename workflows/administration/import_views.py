"""The organisation import's pages: the upload (with the template to
download), the import's page (progress, the check's verdicts, the file of
rows with their errors, the confirmation, the result). Administrators only;
an import is its uploader's (anyone else's answers 404)."""
from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice, param_int
from workflows.core.shortcuts import visible_or_404

from . import import_sheets, imports
from .import_forms import ImportConfirmForm, OrganisationImportForm
from .models import ImportStatus, OrganisationImport, RowOutcome


def _import_or_404(request, pk: int) -> OrganisationImport:
    return visible_or_404(imports.imports_shown_to(request.user), pk, request=request)


def _unit_label(unit) -> str:
    return f"{unit.name} ({unit.code})"


@login_required
def import_start(request):
    units = imports.import_units_for(request.user)
    if not units:
        raise PermissionDenied
    form = OrganisationImportForm(request.POST or None, request.FILES or None,
                                  units=[(u.pk, _unit_label(u)) for u in units],
                                  max_bytes=import_sheets.MAX_FILE_BYTES)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
        upload = form.cleaned_data["file"]
        with errors_on(form):
            run = imports.organisation_import_upload(actor=request.user, unit=unit, file_name=upload.name,
                                                     content=upload.read())
            return redirect("administration:import_batch", pk=run.pk)
    return render(request, "administration/import/start.html", {
        "nav_active": "administration", "form": form, "imports": imports.imports_of(request.user),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def import_template(request):
    template = imports.template_file(request.user)
    if template is None:
        raise PermissionDenied
    name = _("organisation-template")  # (gettext does not find strings inside f-strings)
    return FileResponse(template, as_attachment=True, filename=f"{name}.xlsx", content_type=import_sheets.XLSX_TYPE)


def _batch_page(request, run: OrganisationImport, form: ImportConfirmForm, *, status: int = 200):
    page = imports.import_page(run, outcome=param_choice(request.GET, "outcome", RowOutcome.values),
                               page_number=param_int(request.GET, "page"), now=clock.now())
    return render(request, "administration/import/batch.html",
                  context_of(page, nav_active="administration", form=form), status=status)


@login_required
@require_GET
def import_batch(request, pk: int):
    return _batch_page(request, _import_or_404(request, pk), ImportConfirmForm())


@login_required
@require_GET
def import_progress(request, pk: int):
    """The progress bar, polled by htmx while a job runs; once the job is
    done the page reloads and shows the result."""
    run = _import_or_404(request, pk)
    if run.status not in (ImportStatus.CHECKING, ImportStatus.COMMITTING):
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "administration/import/_progress.html", {
        "run": run, "progress": imports.import_progress_of(run, now=clock.now())})


@login_required
@require_POST
def import_recheck(request, pk: int):
    run = imports.organisation_import_check(import_id=_import_or_404(request, pk).pk, actor=request.user)
    return redirect("administration:import_batch", pk=run.pk)


@login_required
@require_POST
def import_confirm(request, pk: int):
    run = _import_or_404(request, pk)
    form = ImportConfirmForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            imports.organisation_import_confirm(
                import_id=run.pk, actor=request.user, invite=form.cleaned_data["invite"],
                base_url=settings.SITE_URL or request.build_absolute_uri("/"))
            messages.success(request, _("The file is being written: this page shows when it is done."))
            return redirect("administration:import_batch", pk=run.pk)
    return _batch_page(request, run, form, status=400)


@login_required
@require_GET
def import_errors(request, pk: int):
    run = _import_or_404(request, pk)
    stem = PurePath(run.file_name).stem[:80] or "organisation"
    errors = _("errors")
    return FileResponse(imports.errors_file(run), as_attachment=True, filename=f"{stem} - {errors}.xlsx",
                        content_type=import_sheets.XLSX_TYPE)
