"""The API's resources. Like the pages' views they parse, make one call
and answer: reads through ``selectors`` (the permission modules decide what
each user sees; anything else is 404), writes through the services, which
check the permission again under the row lock. A write names the version
it was based on (``If-Match`` with the ETag of the detail, or
``expected_version``): a stale one is refused (412 / 409)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.campaigns import flows, forms as campaign_forms, permissions as campaign_permissions, services
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.core.shortcuts import visible_or_404
from workflows.enterprises import services as registry
from workflows.enterprises.services import EnterpriseData

from . import selectors, serializers
from .authentication import Cursor
from .problems import stale_unless_matching


class AuditedObjects:
    """``get_object`` through ``core.shortcuts.visible_or_404``: an object
    outside the caller's scope answers 404 like a missing one, and the
    refusal is audited, as on the pages."""

    def get_object(self):
        pk = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if not str(pk).isdigit():
            raise exceptions.NotFound(_("Not found."))
        obj = visible_or_404(self.get_queryset(), int(pk), request=self.request._request)
        self.check_object_permissions(self.request, obj)
        return obj


class ByPath(Cursor):
    ordering = "path"


class ByMoment(Cursor):
    ordering = ("at", "pk")


def _with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


@extend_schema_view(list=extend_schema(summary="Đơn vị / Units", description="The units the caller may see."),
                    retrieve=extend_schema(summary="Một đơn vị / A unit"))
class UnitViewSet(AuditedObjects, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.UnitSerializer
    pagination_class = ByPath
    filterset_fields = ["depth", "is_active"]
    ordering_fields = ["path", "name"]

    def get_queryset(self):
        return selectors.units_for(self.request.user)


@extend_schema_view(list=extend_schema(summary="Tổ công tác / Working groups"),
                    retrieve=extend_schema(summary="Một tổ công tác / A working group"))
class WorkingGroupViewSet(AuditedObjects, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.WorkingGroupSerializer
    filterset_fields = ["unit", "is_active"]

    def get_queryset(self):
        return selectors.working_groups_for(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Cuộc vận động / Campaigns", description="The campaigns the caller may see."),
    retrieve=extend_schema(summary="Một cuộc vận động / A campaign",
                           description="The ETag header is the campaign's version: send it back as If-Match."))
class CampaignViewSet(AuditedObjects, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CampaignSerializer
    filterset_fields = ["stage", "responsible_unit", "working_group", "register", "enterprise"]
    ordering_fields = ["id", "opened_at", "stage_entered_at"]

    def get_queryset(self):
        return selectors.campaigns_for(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        campaign = self.get_object()
        return _with_etag(Response(self.get_serializer(campaign).data), campaign.version)

    @extend_schema(summary="Lịch sử / History", responses=serializers.EventSerializer(many=True))
    @action(detail=True, pagination_class=ByMoment, filterset_fields=[], ordering_fields=[])
    def history(self, request, pk=None):
        page = self.paginate_queryset(selectors.history_of(self.get_object()))
        return self.get_paginated_response(serializers.EventSerializer(page, many=True).data)

    @extend_schema(
        summary="Chuyển bước / Take a transition",
        description="Any declared transition (contact_employer, form_committee, hold_congress, hold, resume, "
                    "abandon, committee_fell_apart, congress_called_off) with the fields of its form. Send the "
                    "campaign's ETag as If-Match (or expected_version): a stale one answers 412 (409).",
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH),
                    OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
        request=serializers.TransitionSerializer, responses=serializers.CampaignSerializer)
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", url_name="transition",
            filterset_fields=[], ordering_fields=[])
    def transition(self, request, pk=None, name=None):
        campaign = self.get_object()
        declared = flows.TRANSITIONS.get(name)
        if declared is None or not campaign_permissions.can(request.user, declared.action, campaign):
            raise exceptions.NotFound(_("Not found."))
        # a version read before a change that moved the stage is stale (412), not a missing transition
        version = stale_unless_matching(request, campaign.version)
        if version != campaign.version:
            raise Conflict.stale()
        try:
            declared = campaign_permissions.transition_open_to(request.user, campaign, name)
        except PermissionDenied:
            raise exceptions.NotFound(_("Not found.")) from None
        data = {key: value for key, value in request.data.items() if key != "expected_version"}
        form = campaign_forms.TransitionForm({**data, "expected_stage": campaign.stage}, transition=declared,
                                             campaign=campaign)
        if not form.is_valid():
            raise exceptions.ValidationError({name: [str(m) for m in found] for name, found in form.errors.items()})
        moved = services.campaign_transition(campaign_id=campaign.pk, name=name, actor=request.user,
                                             data=form.cleaned_data, expected_version=version)
        fresh = selectors.campaigns_for(request.user).filter(pk=moved.pk).first() or moved
        return _with_etag(Response(serializers.CampaignSerializer(fresh).data), fresh.version)


@extend_schema_view(list=extend_schema(summary="Công việc / Tasks", description="The tasks the caller may see."),
                    retrieve=extend_schema(summary="Một công việc / A task"))
class TaskViewSet(AuditedObjects, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.TaskSerializer
    filterset_fields = ["status", "stage", "campaign", "assignee", "working_group"]
    ordering_fields = ["id", "due_on"]

    def get_queryset(self):
        return selectors.tasks_for(self.request.user)

    @extend_schema(summary="Công việc của tôi / My tasks",
                   description="Open tasks given to me or waiting in the queues of my working groups.")
    @action(detail=False)
    def mine(self, request):
        page = self.paginate_queryset(self.filter_queryset(selectors.tasks_mine(request.user)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="Hàng đợi của tổ / My groups' queues",
                   description="Open tasks waiting in the queues of my working groups (nobody holds them yet).")
    @action(detail=False)
    def queue(self, request):
        page = self.paginate_queryset(self.filter_queryset(selectors.tasks_queued(request.user)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="Giao lại / Reassign a task", request=serializers.TaskReassignSerializer,
                   responses=serializers.TaskSerializer,
                   description="Supervisors: to another person who works the case, or (assignee null) back to the "
                               "working group's queue.")
    @action(detail=True, methods=["post"], filterset_fields=[], ordering_fields=[])
    def reassign(self, request, pk=None):
        task = self.get_object()
        values = serializers.TaskReassignSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        task = services.task_reassign(task_id=task.pk, actor=request.user, **values.validated_data)
        return Response(self.get_serializer(task).data)

    @extend_schema(summary="Giao lại nhiều việc / Reassign many tasks", request=serializers.BulkReassignSerializer,
                   responses=serializers.BulkReassignResultSerializer,
                   description="All or nothing: the chosen tasks (task_ids), or every open task of from_user, to "
                               "to_user.")
    @action(detail=False, methods=["post"], url_path="bulk-reassign", url_name="bulk-reassign",
            filterset_fields=[], ordering_fields=[])
    def bulk_reassign(self, request):
        values = serializers.BulkReassignSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = values.validated_data
        result = services.tasks_bulk_reassign(actor=request.user, to_user_id=data["to_user"],
                                              task_ids=data.get("task_ids"), from_user_id=data.get("from_user"),
                                              note=data.get("note", ""))
        return Response(serializers.BulkReassignResultSerializer(result).data)

    @extend_schema(summary="Nhận việc / Claim a task", request=None, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"], filterset_fields=[], ordering_fields=[])
    def claim(self, request, pk=None):
        task = services.task_claim(task_id=self.get_object().pk, actor=request.user)
        return Response(self.get_serializer(task).data)

    @extend_schema(summary="Hoàn thành / Complete a task", request=serializers.TaskCompleteSerializer,
                   responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"], filterset_fields=[], ordering_fields=[])
    def complete(self, request, pk=None):
        task = self.get_object()
        values = serializers.TaskCompleteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        task = services.task_complete(task_id=task.pk, actor=request.user, note=values.validated_data["note"],
                                      done_on=values.validated_data["done_on"] or clock.today())
        return Response(self.get_serializer(task).data)


def _enterprise_etag(enterprise) -> str:
    return f'"{enterprise.updated_at.isoformat()}"'


@extend_schema_view(
    list=extend_schema(summary="Doanh nghiệp / Enterprises",
                       description="The registry the caller sees. q: a name (diacritics optional) or a tax code; "
                                   "sector, band (a workforce band), union (yes/no).",
                       parameters=[OpenApiParameter(name, str, required=False)
                                   for name in ("q", "sector", "band", "union")]),
    retrieve=extend_schema(summary="Một doanh nghiệp / An enterprise",
                           description="The ETag is the moment of the last change: send it back as If-Match."),
    create=extend_schema(summary="Đăng ký doanh nghiệp / Register an enterprise",
                         request=serializers.EnterpriseWriteSerializer, responses=serializers.EnterpriseSerializer),
    update=extend_schema(summary="Sửa doanh nghiệp / Change an enterprise",
                         request=serializers.EnterpriseWriteSerializer, responses=serializers.EnterpriseSerializer,
                         parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)]))
class EnterpriseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.EnterpriseSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.enterprises_for(self.request.user, self.request.query_params)

    def retrieve(self, request, pk=None):
        enterprise = selectors.enterprise_for(request.user, int(pk)) if str(pk).isdigit() else None
        if enterprise is None:
            raise exceptions.NotFound(_("Not found."))
        response = Response(self.get_serializer(enterprise).data)
        response["ETag"] = _enterprise_etag(enterprise)
        return response

    def create(self, request):
        values = serializers.EnterpriseWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = dict(values.validated_data)
        unit = selectors.unit_for(request.user, data.pop("responsible_unit", ""))
        if unit is None:
            raise exceptions.ValidationError({"responsible_unit": [_("Choose a unit you work in.")]})
        enterprise = registry.enterprise_create(tax_code=data.pop("tax_code", ""), data=EnterpriseData(**data),
                                                responsible_unit=unit, actor=request.user)
        response = Response(self.get_serializer(enterprise).data, status=201)
        response["ETag"] = _enterprise_etag(enterprise)
        return response

    def update(self, request, pk=None):
        enterprise = selectors.enterprise_for(request.user, int(pk)) if str(pk).isdigit() else None
        if enterprise is None:
            raise exceptions.NotFound(_("Not found."))
        header = request.headers.get("If-Match", "").strip()
        if not header:
            raise exceptions.ValidationError({"If-Match": [_(
                "Say which version of the object the change is based on (If-Match or expected_version).")]})
        request._if_match = True
        if header.removeprefix("W/").strip('"') != enterprise.updated_at.isoformat():
            raise Conflict(_("Someone else changed this enterprise in the meantime. Reload the page and try again."))
        values = serializers.EnterpriseWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = {k: v for k, v in values.validated_data.items() if k not in ("tax_code", "responsible_unit")}
        enterprise = registry.enterprise_update(enterprise_id=enterprise.pk, data=EnterpriseData(**data),
                                                actor=request.user, expected_updated_at=enterprise.updated_at)
        response = Response(self.get_serializer(enterprise).data)
        response["ETag"] = _enterprise_etag(enterprise)
        return response
