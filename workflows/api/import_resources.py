"""The API's imports: the registry import (a list of enterprises), the
worker import of a case (a list of employees) and the organisation import
(the setup template). Each is an upload, a status to poll while its job
runs, and a confirmation (and, for the workers, a cancellation), as on the
pages:

- an upload (multipart/form-data) is checked by the page's own form — the
  same size limit, the same translated errors — and taken by the page's
  service, which refuses a file that is not a list (400, on ``file``) and
  stores nothing then; it answers 201 with the import's status and its
  ``Location``;
- the status is what the page shows: the status, the job's progress
  (done/total, ``stalled``), the counts of each outcome, why it failed,
  and what may be done next; ``running`` is true while a job works (poll
  until it is false);
- a confirmation answers 200 with the status: done, or ``running`` while
  its job works (poll the ``Location``); a second one is a conflict (409)
  and writes nothing.

Who may: the pages' rules, through the same selectors and services (which
check again under the import's row lock). Anyone else gets 404, as for a
missing import. The imports carry no version: their status, changed under
a row lock, refuses a confirmation that is not the first (409).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.administration import import_sheets, imports as organisation
from workflows.administration.import_forms import ImportConfirmForm, OrganisationImportForm
from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.campaigns import worker_imports
from workflows.campaigns.worker_import_forms import WorkerImportForm
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.core.shortcuts import visible_or_404
from workflows.core.workbooks import SpreadsheetRefused
from workflows.enterprises import imports as registry_imports, services as registry
from workflows.enterprises.forms import ImportUploadForm
from workflows.enterprises.models import ImportOutcome, ImportStatus
from workflows.people.imports import XLSX_TYPE
from workflows.people.models import WorkerImportOutcome

from . import import_selectors as selectors, import_serializers as serializers
from .authentication import Cursor


class ByNewest(Cursor):
    ordering = ("-created_at", "-pk")


class ByRow(Cursor):
    ordering = "row_number"


class AnyAccepted:
    """The spreadsheet answers whatever the client accepts (a browser's
    download, ``Accept`` naming the XLSX type); a refusal is still a problem (JSON)."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=force or getattr(self, "action", "") == "errors")


def _not_found() -> exceptions.NotFound:
    return exceptions.NotFound(_("Not found."))


def _valid(form) -> None:
    """The page's form decides: a refusal answers 400 with its messages, by field."""
    if not form.is_valid():
        raise exceptions.ValidationError({("non_field_errors" if name == "__all__" else name): [str(m) for m in found]
                                          for name, found in form.errors.items()})


@contextmanager
def _file_refused() -> Iterator[None]:
    """A file that is not a list: its sentence (what to do) goes on ``file``."""
    try:
        yield
    except SpreadsheetRefused as refused:
        raise exceptions.ValidationError({"file": refused.messages}) from None


def _status_answer(data, *, location: str, running: bool, created: bool = False) -> Response:
    """201 for a new import, else 200; while its job works, where to poll in ``Location``."""
    response = Response(data, status=201 if created else 200)
    if created or running:
        response["Location"] = location
    return response


def _outcome(request, choices, default: str = "") -> str:
    value = request.query_params.get("outcome") or default
    if value and value not in choices:
        raise exceptions.ValidationError({"outcome": [_("Choose one of: %(choices)s.") % {
            "choices": ", ".join(choices)}]})
    return value


def _spreadsheet(workbook, file_name: str) -> FileResponse:
    return FileResponse(workbook, as_attachment=True, filename=file_name, content_type=XLSX_TYPE)


# the schema names the route's ``pk`` "id"
IMPORT = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The import.")
XLSX_ANSWER = {(200, XLSX_TYPE): OpenApiTypes.BINARY}
ACCEPTED = "While a job does the work the answer's `running` is true: poll the Location until it is false."


# --- the registry import --------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Nhập danh sách doanh nghiệp / Registry imports",
                       description="The caller's own registry imports, newest first, with their status."),
    create=extend_schema(
        summary="Tải lên danh sách doanh nghiệp / Upload a registry list",
        description="A list of enterprises (XLSX or CSV UTF-8) for the registry of a unit you supervise. When "
                    "every column is recognised its rows are checked at once (or, for more than 2.000 rows, by a "
                    "job: `running`); otherwise the status is `uploaded` and `mapping_problems` say which columns "
                    "to map. Nothing is written to the registry before the commit. A file that is not a list, too "
                    "large, or empty answers 400 with the reason on `file`, and nothing is stored.",
        request={"multipart/form-data": serializers.RegistryUploadSerializer},
        responses={201: serializers.RegistryImportSerializer}),
    retrieve=extend_schema(summary="Trạng thái nhập danh sách / A registry import's status", parameters=[IMPORT],
                           description="Poll while `running` is true: the check's or the commit's progress, then "
                                       "the counts of each outcome and what may be done next."),
    columns=extend_schema(
        parameters=[IMPORT], summary="Ghép cột / Map the columns",
        description="Say which field each column holds, then the rows are checked again. " + ACCEPTED,
        request=serializers.RegistryColumnsSerializer,
        responses=serializers.RegistryImportSerializer),
    check=extend_schema(
        parameters=[IMPORT], summary="Kiểm tra lại / Check the rows again",
        description="Against the registry as it is now (or when the check's job stopped). " + ACCEPTED,
        request=None, responses=serializers.RegistryImportSerializer),
    confirm=extend_schema(
        parameters=[IMPORT], summary="Ghi vào danh bạ / Commit the import",
        description="Writes every row checked without error, in one transaction, or none; rejected rows are never "
                    "written. A batch commits once (again: 409); a commit that fails answers 409 with the reason, "
                    "and nothing is written. " + ACCEPTED,
        request=None, responses=serializers.RegistryImportSerializer),
    rows=extend_schema(
        summary="Các dòng đã kiểm tra / The checked rows",
        description="The rows of one outcome, in file order, with the reasons of the rejected ones and the changes "
                    "of the updates (none before the check ends).",
        parameters=[IMPORT, OpenApiParameter("outcome", str, required=False, enum=list(ImportOutcome.values),
                                             description="error by default.")],
        responses=serializers.RegistryRowSerializer(many=True)))
class RegistryImportViewSet(viewsets.GenericViewSet):
    serializer_class = serializers.RegistryImportSerializer
    pagination_class = ByNewest
    filter_backends = []

    def get_queryset(self):
        return selectors.registry_imports_for(self.request.user)

    def _batch(self, pk):
        """The page's rule: the caller's own import, in a unit they supervise (else 404, audited)."""
        if not str(pk).isdigit():
            raise _not_found()
        return visible_or_404(self.get_queryset(), int(pk), request=self.request._request)

    def _answer(self, batch, *, created: bool = False) -> Response:
        """``batch`` read with its progress (``_batch`` or, after a write, ``_fresh``)."""
        state = selectors.registry_import_state(batch, now=clock.now())
        return _status_answer(self.get_serializer(state).data, running=state.running, created=created,
                              location=reverse("api:enterpriseimport-detail", args=[batch.pk]))

    def _fresh(self, pk: int):
        return selectors.registry_import_for(self.request.user, pk)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        now = clock.now()
        return self.get_paginated_response(self.get_serializer(
            [selectors.registry_import_state(batch, now=now) for batch in page], many=True).data)

    def create(self, request):
        units = selectors.registry_units_for(request.user)
        if not units:  # importing is a supervisor's work
            raise _not_found()
        form = ImportUploadForm(request.POST, request.FILES, units=[(u.pk, u.name) for u in units],
                                max_bytes=registry_imports.MAX_FILE_BYTES)
        _valid(form)
        upload = form.cleaned_data["file"]
        with _file_refused():
            batch = registry.import_upload(
                actor=request.user, unit=next(u for u in units if u.pk == form.cleaned_data["unit"]),
                file_name=upload.name, content=upload.read(), default_as_of=form.cleaned_data["default_as_of"],
                default_source=form.cleaned_data["default_source"])
        return self._answer(self._fresh(batch.pk), created=True)

    def retrieve(self, request, pk=None):
        return self._answer(self._batch(pk))

    @action(detail=True, methods=["post"])
    def columns(self, request, pk=None):
        batch = self._batch(pk)
        values = serializers.RegistryColumnsSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        try:
            registry.import_map_columns(batch_id=batch.pk, actor=request.user, mapping=values.validated_data["mapping"])
        except DjangoValidationError as refused:
            raise exceptions.ValidationError({"mapping": refused.messages}) from None
        return self._answer(self._fresh(batch.pk))

    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        batch = registry.import_preview(batch_id=self._batch(pk).pk, actor=request.user)
        return self._answer(self._fresh(batch.pk))

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        batch = registry.import_commit(batch_id=self._batch(pk).pk, actor=request.user)
        if batch.status == ImportStatus.FAILED:
            raise Conflict(batch.failure)
        return self._answer(self._fresh(batch.pk))

    @action(detail=True, pagination_class=ByRow, serializer_class=serializers.RegistryRowSerializer)
    def rows(self, request, pk=None):
        batch = self._batch(pk)
        rows = selectors.registry_import_rows(batch, _outcome(request, ImportOutcome.values, ImportOutcome.ERROR))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- the worker import of a case -----------------------------------------------------------
# the schema names the route's ``pk`` "id"
CAMPAIGN = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The campaign.")
WORKER_IMPORT = OpenApiParameter("import_id", int, OpenApiParameter.PATH, description="An import of its workers.")


@extend_schema_view(
    list=extend_schema(summary="Nhập người lao động / Worker imports of a case", parameters=[CAMPAIGN],
                       description="The imports of the case's enterprise, newest first, with their status (counts, "
                                   "no personal data). Who works on the people of the case only (the officers of "
                                   "its working group, the supervisors of its unit and above); 404 for anyone else."),
    create=extend_schema(
        summary="Tải lên danh sách người lao động / Upload a list of employees", parameters=[CAMPAIGN],
        description="The employer's or social insurance's list (XLSX or CSV), for an open case. Its rows are "
                    "checked by a job (`running`); nothing is written to the workers before the confirmation. A "
                    "file that is not a list, too large, empty or too long answers 400 with the reason on `file`, "
                    "and nothing is stored.",
        request={"multipart/form-data": serializers.WorkerUploadSerializer},
        responses={201: serializers.WorkerImportSerializer}),
    retrieve=extend_schema(summary="Trạng thái nhập người lao động / A worker import's status",
                           parameters=[CAMPAIGN, WORKER_IMPORT],
                           description="Poll while `running` is true: the job's progress, then the counts of each "
                                       "outcome and what may be done next (no personal data)."))
class CaseWorkerImportViewSet(AnyAccepted, viewsets.GenericViewSet):
    """``/campaigns/{pk}/worker-imports/…`` (routed in ``import_routes``)."""

    serializer_class = serializers.WorkerImportSerializer
    pagination_class = ByNewest
    filter_backends = []

    def _case(self, pk):
        campaign = selectors.case_for_worker_imports(self.request.user, pk)
        if campaign is None:
            raise _not_found()
        return campaign

    def _run(self, campaign, import_id):
        run = selectors.worker_import_of(campaign, import_id)
        if run is None:
            raise _not_found()
        return run

    def _answer(self, campaign, run, *, created: bool = False) -> Response:
        """``run`` read with its progress (``_run``, again after a write)."""
        state = selectors.worker_import_state(campaign, run, now=clock.now())
        return _status_answer(self.get_serializer(state).data, running=state.running, created=created,
                              location=reverse("api:caseworkerimport-detail", args=[campaign.pk, run.pk]))

    def list(self, request, pk=None):
        campaign = self._case(pk)
        page = self.paginate_queryset(selectors.worker_imports_of(campaign))
        now = clock.now()
        return self.get_paginated_response(self.get_serializer(
            [selectors.worker_import_state(campaign, run, now=now) for run in page], many=True).data)

    def create(self, request, pk=None):
        campaign = self._case(pk)
        form = WorkerImportForm(request.POST, request.FILES)
        _valid(form)
        upload = form.cleaned_data["file"]
        with _file_refused():
            run = worker_imports.worker_import_start(campaign_id=campaign.pk, actor=request.user,
                                                     file_name=upload.name, content=upload.read())
        return self._answer(campaign, self._run(campaign, run.pk), created=True)

    def retrieve(self, request, pk=None, import_id=None):
        campaign = self._case(pk)
        return self._answer(campaign, self._run(campaign, import_id))

    @extend_schema(
        summary="Xác nhận ghi / Confirm the import", parameters=[CAMPAIGN, WORKER_IMPORT], request=None,
        description="Writes the new workers and those who moved here (rows with errors, twice in the file or "
                    "already entered are not written), by a job, once (again: 409). " + ACCEPTED,
        responses=serializers.WorkerImportSerializer)
    def confirm(self, request, pk=None, import_id=None):
        campaign = self._case(pk)
        run = worker_imports.worker_import_confirm(campaign_id=campaign.pk, import_id=self._run(campaign, import_id).pk,
                                                   actor=request.user)
        return self._answer(campaign, self._run(campaign, run.pk))

    @extend_schema(summary="Huỷ nhập / Cancel the import", parameters=[CAMPAIGN, WORKER_IMPORT], request=None,
                   description="Before the confirmation: the file and the checked rows are dropped.",
                   responses=serializers.WorkerImportSerializer)
    def cancel(self, request, pk=None, import_id=None):
        campaign = self._case(pk)
        run = worker_imports.worker_import_cancel(campaign_id=campaign.pk, import_id=self._run(campaign, import_id).pk,
                                                  actor=request.user)
        return self._answer(campaign, self._run(campaign, run.pk))

    @extend_schema(
        summary="Xem trước các dòng / The checked rows", parameters=[
            CAMPAIGN, WORKER_IMPORT, OpenApiParameter("outcome", str, required=False,
                                                      enum=WorkerImportOutcome.values,
                                                      description="Only the rows of this outcome.")],
        description="The page's preview: the first 100 rows (of one outcome), with the workers' names and the "
                    "reasons of the rows with errors; the answer is written to the audit log. Every row with an "
                    "error is in the errors file.",
        responses=serializers.WorkerImportRowSerializer(many=True))
    def rows(self, request, pk=None, import_id=None):
        campaign = self._case(pk)
        run = self._run(campaign, import_id)
        rows = selectors.worker_import_rows(run, _outcome(request, WorkerImportOutcome.values))
        if rows:  # as the page: the rows shown, naming the workers entered here they match
            audit_record(kind=AuditKind.PERSONAL_DATA_VIEW, request=request,
                         workers=sorted({row.match for row in rows if row.match}),
                         detail=f"API: worker import {run.pk} of campaign {campaign.pk}: {len(rows)} rows of the "
                                f"list shown")
        return Response(serializers.WorkerImportRowSerializer(rows, many=True).data)

    @extend_schema(summary="Tệp các dòng lỗi / The rows with errors (XLSX)", parameters=[CAMPAIGN, WORKER_IMPORT],
                   description="Every row with an error: row, column, reason and its cells (not the citizen ID), "
                               "to fix and upload again. The download is written to the audit log.",
                   responses=XLSX_ANSWER)
    def errors(self, request, pk=None, import_id=None):
        campaign = self._case(pk)
        run, workbook = worker_imports.worker_import_errors_file(request.user, campaign,
                                                                 self._run(campaign, import_id).pk)
        audit_record(kind=AuditKind.PERSONAL_DATA_EXPORT, request=request,
                     detail=f"API: worker import {run.pk}: the {run.errors} rows with errors downloaded")
        stem = PurePath(run.file_name).stem[:80] or "workers"
        errors = _("errors")  # outside the f-string, where makemessages finds it
        return _spreadsheet(workbook, f"{stem} - {errors}.xlsx")


# --- the organisation import ---------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Nhập tổ chức / Organisation imports",
                       description="The caller's own organisation imports, newest first, with their status."),
    create=extend_schema(
        summary="Tải lên mẫu tổ chức / Upload the organisation template",
        description="The filled-in template (units, people, working groups, roles) for import under a unit you "
                    "administer. Its rows are checked by a job (`running`); nothing is written before the "
                    "confirmation. A file that is not the template, too large or empty answers 400 with the reason "
                    "on `file`, and nothing is stored.",
        request={"multipart/form-data": serializers.OrganisationUploadSerializer},
        responses={201: serializers.OrganisationImportSerializer}),
    retrieve=extend_schema(parameters=[IMPORT], summary="Trạng thái nhập tổ chức / An organisation import's status",
                           description="Poll while `running` is true: the job's progress, then the counts of each "
                                       "outcome, what the write does (`plan`) or did (`result`)."),
    check=extend_schema(parameters=[IMPORT], summary="Kiểm tra lại / Check the file again",
                        description="Against the organisation as it is now (or when the check's job stopped). "
                                    + ACCEPTED, request=None, responses=serializers.OrganisationImportSerializer),
    confirm=extend_schema(
        parameters=[IMPORT], summary="Xác nhận ghi / Confirm the import",
        description="Writes the whole file, by a job, in one transaction through the organisation's services, or "
                    "nothing of it: a file with an error is never written (400), nor one with nothing to write. "
                    "Once (again: 409). " + ACCEPTED,
        request=serializers.OrganisationConfirmSerializer, responses=serializers.OrganisationImportSerializer),
    errors=extend_schema(parameters=[IMPORT], summary="Tệp các dòng lỗi / The rows with their errors (XLSX)",
                         description="Every row of the file with its errors, to fix and upload again.",
                         responses=XLSX_ANSWER))
class OrganisationImportViewSet(AnyAccepted, viewsets.GenericViewSet):
    serializer_class = serializers.OrganisationImportSerializer
    pagination_class = ByNewest
    filter_backends = []

    def get_queryset(self):
        return selectors.organisation_imports_for(self.request.user)

    def _run(self, pk):
        """The page's rule: the caller's own import, under a unit they administer (else 404, audited)."""
        if not str(pk).isdigit():
            raise _not_found()
        return visible_or_404(self.get_queryset(), int(pk), request=self.request._request)

    def _answer(self, run, *, created: bool = False) -> Response:
        """``run`` read with its progress (``_run`` or, after a write, ``_fresh``)."""
        state = selectors.organisation_import_state(run, now=clock.now())
        return _status_answer(self.get_serializer(state).data, running=state.running, created=created,
                              location=reverse("api:organisationimport-detail", args=[run.pk]))

    def _fresh(self, pk: int):
        return selectors.organisation_import_for(self.request.user, pk)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        now = clock.now()
        return self.get_paginated_response(self.get_serializer(
            [selectors.organisation_import_state(run, now=now) for run in page], many=True).data)

    def create(self, request):
        units = selectors.organisation_units_for(request.user)
        if not units:  # administrators only
            raise _not_found()
        form = OrganisationImportForm(request.POST, request.FILES, max_bytes=import_sheets.MAX_FILE_BYTES,
                                      units=[(u.pk, f"{u.name} ({u.code})") for u in units])
        _valid(form)
        upload = form.cleaned_data["file"]
        with _file_refused():
            run = organisation.organisation_import_upload(
                actor=request.user, unit=next(u for u in units if u.pk == form.cleaned_data["unit"]),
                file_name=upload.name, content=upload.read())
        return self._answer(self._fresh(run.pk), created=True)

    def retrieve(self, request, pk=None):
        return self._answer(self._run(pk))

    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        run = organisation.organisation_import_check(import_id=self._run(pk).pk, actor=request.user)
        return self._answer(self._fresh(run.pk))

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        run = self._run(pk)
        form = ImportConfirmForm(request.data)
        _valid(form)
        run = organisation.organisation_import_confirm(
            import_id=run.pk, actor=request.user, invite=form.cleaned_data["invite"],
            base_url=settings.SITE_URL or request.build_absolute_uri("/"))
        return self._answer(self._fresh(run.pk))

    @action(detail=True)
    def errors(self, request, pk=None):
        run = self._run(pk)
        stem = PurePath(run.file_name).stem[:80] or "organisation"
        errors = _("errors")  # outside the f-string, where makemessages finds it
        return _spreadsheet(organisation.errors_file(run), f"{stem} - {errors}.xlsx")
