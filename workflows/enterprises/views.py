"""Screens of the enterprise registry."""
from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.campaigns import selectors as campaign_selectors
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice, param_int
from workflows.core.queries import PagesByIds
from workflows.core.shortcuts import visible_or_404
from workflows.organisation.permissions import scope_of
from workflows.organisation.selectors import unit_picker_for

from . import exports, imports, permissions, selectors, services
from .forms import EnterpriseCreateForm, EnterpriseEditForm, ImportColumnsForm, ImportUploadForm
from .models import WORKFORCE_BANDS, ImportBatch, ImportOutcome, ImportStatus, OwnershipSector


def _enterprise_or_404(request, pk: int):
    return visible_or_404(selectors.enterprises_shown_to(request.user), pk, request=request)


def _list_filters(request, unit_path: str) -> selectors.EnterpriseFilters:
    return exports.registry_filters(request.GET, unit_path)


@login_required
@require_GET
def enterprise_list(request):
    picker = unit_picker_for(request, all_units=True)
    filters = _list_filters(request, picker.path)
    rows = campaign_selectors.enterprises_with_campaigns(request.user, filters)
    # counted from the registry's rollup where it can tell; a page in name order by its index
    counted = campaign_selectors.registry_count(request.user, filters)
    page = Paginator(rows if counted is None else PagesByIds(rows, count=counted), 25).get_page(
        param_int(request.GET, "page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "enterprises/list.html", {
        "nav_active": "enterprises", "page": page, "rows": campaign_selectors.registry_rows(request.user, page),
        "filters": filters, "picker": picker,
        "sectors": OwnershipSector.choices, "bands": list(WORKFORCE_BANDS), "query": query.urlencode(),
        "can_create": bool(scope_of(request.user).supervised),
        "can_import": permissions.can_import(request.user),
    })


@login_required
@require_GET
def enterprise_detail(request, pk: int):
    page = campaign_selectors.enterprise_page(request.user, _enterprise_or_404(request, pk))
    return render(request, "enterprises/detail.html", context_of(page, nav_active="enterprises"))


@login_required
def enterprise_create(request):
    units = list(permissions.units_to_register_in(request.user))
    permissions.require(bool(units))
    form = EnterpriseCreateForm(request.POST or None, units=[(u.pk, u.name) for u in units])
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["responsible_unit"])
        with errors_on(form):
            enterprise = services.enterprise_create(tax_code=form.cleaned_data["tax_code"],
                                                    data=form.enterprise_data(), responsible_unit=unit,
                                                    actor=request.user)
            messages.success(request, _("Enterprise registered."))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/form.html", {"nav_active": "enterprises", "form": form,
                                                     "title": _("Register an enterprise")},
                  status=400 if form.errors else 200)


@login_required
def enterprise_edit(request, pk: int):
    enterprise = _enterprise_or_404(request, pk)
    permissions.require(permissions.can_edit(request.user, enterprise))
    form = EnterpriseEditForm.of(enterprise, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.enterprise_update(enterprise_id=enterprise.pk, data=form.enterprise_data(), actor=request.user,
                                       expected_updated_at=form.cleaned_data["updated_at"])
            messages.success(request, _("Enterprise saved."))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/form.html", {"nav_active": "enterprises", "form": form,
                                                     "enterprise": enterprise, "title": enterprise.name},
                  status=400 if form.errors else 200)


# --- registry import and export ---------------------------------------------------------
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch_or_404(request, pk: int) -> ImportBatch:
    """A batch the user may work on: their own, in a unit they supervise."""
    return visible_or_404(selectors.import_batches_shown_to(request.user), pk, request=request)


@login_required
def import_start(request):
    units = list(permissions.units_to_register_in(request.user))
    permissions.require(bool(units))
    form = ImportUploadForm(request.POST or None, request.FILES or None, units=[(u.pk, u.name) for u in units],
                            max_bytes=imports.MAX_FILE_BYTES)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
        upload = form.cleaned_data["file"]
        with errors_on(form):
            batch = services.import_upload(
                actor=request.user, unit=unit, file_name=upload.name, content=upload.read(),
                default_as_of=form.cleaned_data["default_as_of"], default_source=form.cleaned_data["default_source"])
            return redirect("enterprises:import_batch", pk=batch.pk)
    return render(request, "enterprises/import_start.html", {
        "nav_active": "enterprises", "form": form, "batches": list(selectors.import_batches_of(request.user)),
        "columns": [(column.label, column.aliases[:3]) for column in imports.COLUMNS],
    }, status=400 if form.errors else 200)


@login_required
def import_columns(request, pk: int):
    batch = _batch_or_404(request, pk)
    form = ImportColumnsForm(request.POST or None, headers=batch.headers, mapping=batch.mapping,
                             fields=selectors.import_fields())
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.import_map_columns(batch_id=batch.pk, actor=request.user, mapping=form.mapping())
            return redirect("enterprises:import_batch", pk=batch.pk)
    return render(request, "enterprises/import_columns.html", {
        "nav_active": "enterprises", "batch": batch, "form": form,
        "problems": [] if form.is_bound else imports.mapping_problems(batch.headers, batch.mapping),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def import_batch(request, pk: int):
    batch = _batch_or_404(request, pk)
    if batch.status == ImportStatus.UPLOADED and imports.mapping_problems(batch.headers, batch.mapping):
        return redirect("enterprises:import_columns", pk=batch.pk)
    page = selectors.import_batch_page(batch, outcome=param_choice(request.GET, "outcome", ImportOutcome.values),
                                       page_number=param_int(request.GET, "page"), now=clock.now())
    return render(request, "enterprises/import_batch.html", context_of(page, nav_active="enterprises"))


@login_required
@require_GET
def import_progress(request, pk: int):
    """The progress bar, polled by htmx while a job runs; once the job is
    done the page reloads and shows the result."""
    batch = _batch_or_404(request, pk)
    if batch.status not in (ImportStatus.PREVIEWING, ImportStatus.COMMITTING):
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "enterprises/_import_progress.html", {
        "batch": batch, "progress": selectors.import_progress_of(batch, now=clock.now())})


@login_required
@require_POST
def import_recheck(request, pk: int):
    batch = _batch_or_404(request, pk)
    services.import_preview(batch_id=batch.pk, actor=request.user)
    return redirect("enterprises:import_batch", pk=batch.pk)


@login_required
@require_POST
def import_commit(request, pk: int):
    batch = services.import_commit(batch_id=_batch_or_404(request, pk).pk, actor=request.user)
    if batch.status == ImportStatus.COMMITTED:
        messages.success(request, _("Import committed: %(created)d enterprises added, %(updated)d updated.") % {
            "created": batch.created, "updated": batch.updated})
    elif batch.status == ImportStatus.FAILED:
        messages.error(request, batch.failure)
    return redirect("enterprises:import_batch", pk=batch.pk)


@login_required
@require_GET
def import_rejected(request, pk: int):
    batch = _batch_or_404(request, pk)
    stem = PurePath(batch.file_name).stem[:80] or "registry"
    rejected = _("rejected rows")  # outside the f-string, where makemessages finds it
    return FileResponse(exports.rejected_rows_workbook(batch), as_attachment=True,
                        filename=f"{stem} - {rejected}.xlsx", content_type=_XLSX)
