"""The API's people resources: the workers of a case with their
assessments and conversations, survey visits, and the caller's
notifications. Like the pages they parse, make one call and answer.

The workers of a case: only with ``Action.PEOPLE`` on its campaign (the
officers of its working group, the supervisors of its unit and above);
everyone else, managers included, gets 404 as for a missing case. Every
answer that holds a worker's personal data writes one audit entry naming
the workers it returned (Decree 13/2023). Writes go through
``campaigns.register``, which checks the permission again under the
campaign's lock; a change names the worker's version (If-Match).
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.campaigns import register
from workflows.notifications import services as notification_services
from workflows.people import surveys
from workflows.people.services import WORKER_FIELDS, WorkerData

from . import people_selectors as selectors, people_serializers as serializers
from .authentication import Cursor
from .problems import stale_unless_matching


class ByWorker(Cursor):
    ordering = "pk"


class ByCreation(Cursor):
    ordering = ("-created_at", "-pk")


def _not_found() -> exceptions.NotFound:
    return exceptions.NotFound(_("Not found."))


def _with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


def _shown(request, campaign, worker_ids, what: str) -> None:
    """The one audit entry of an answer holding workers' personal data."""
    audit_record(kind=AuditKind.PERSONAL_DATA_VIEW, request=request, workers=worker_ids,
                 detail=f"API: {what} of campaign {campaign.pk}")


CAMPAIGN = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The campaign.")
WORKER = OpenApiParameter("worker_id", int, OpenApiParameter.PATH, description="A worker of its enterprise.")
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                            description="The worker's ETag (its version); or expected_version in the body.")


@extend_schema_view(
    list=extend_schema(
        summary="Người lao động / Workers of a case",
        description="The workers of the campaign's enterprise, for the officers of its working group and the "
                    "supervisors of its unit and above (404 for anyone else). q: a name, phone, department or the "
                    "citizen ID's last four digits; department (exact); support_level 1–5 or none. Each answer is "
                    "written to the audit log with the workers it returned.",
        parameters=[CAMPAIGN, OpenApiParameter("q", str, required=False),
                    OpenApiParameter("department", str, required=False),
                    OpenApiParameter("support_level", str, required=False, enum=list(selectors.LEVEL_FILTERS))]),
    retrieve=extend_schema(summary="Một người lao động / A worker", parameters=[CAMPAIGN, WORKER],
                           description="The ETag is the worker's version: send it back as If-Match."),
    create=extend_schema(summary="Nhập người lao động / Enter a worker", parameters=[CAMPAIGN],
                         request=serializers.WorkerWriteSerializer, responses={201: serializers.WorkerSerializer}),
    partial_update=extend_schema(
        summary="Sửa người lao động / Change a worker", parameters=[CAMPAIGN, WORKER, IF_MATCH],
        description="Only the fields sent change; citizen_id \"\" removes it. A stale version answers 412 (409).",
        request=serializers.WorkerChangeSerializer, responses=serializers.WorkerSerializer))
class CaseWorkerViewSet(viewsets.GenericViewSet):
    """``/campaigns/{pk}/workers/…`` (routed in ``resource_urls``)."""

    serializer_class = serializers.WorkerSerializer
    pagination_class = ByWorker
    filter_backends = []

    def _case(self, pk):
        campaign = selectors.case_for_people(self.request.user, pk)
        if campaign is None:
            raise _not_found()
        return campaign

    def _worker(self, campaign, worker_id):
        worker = selectors.worker_of_case(campaign, worker_id)
        if worker is None:
            raise _not_found()
        return worker

    def list(self, request, pk=None):
        campaign = self._case(pk)
        page = self.paginate_queryset(selectors.workers_of_case(campaign, selectors.WorkerFilters.of(
            request.query_params)))
        _shown(request, campaign, [w.pk for w in page], "workers")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None, worker_id=None):
        campaign = self._case(pk)
        worker = self._worker(campaign, worker_id)
        _shown(request, campaign, [worker.pk], f"worker {worker.pk}")
        return _with_etag(Response(self.get_serializer(worker).data), worker.version)

    def create(self, request, pk=None):
        campaign = self._case(pk)
        values = serializers.WorkerWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        worker = register.worker_add(campaign_id=campaign.pk, actor=request.user,
                                     data=WorkerData(**values.validated_data))
        _shown(request, campaign, [worker.pk], f"worker {worker.pk} (entered)")
        return _with_etag(Response(self.get_serializer(worker).data, status=201), worker.version)

    def partial_update(self, request, pk=None, worker_id=None):
        campaign = self._case(pk)
        worker = self._worker(campaign, worker_id)
        version = stale_unless_matching(request, worker.version)
        values = serializers.WorkerChangeSerializer(data=request.data, partial=True)
        values.is_valid(raise_exception=True)
        sent = values.validated_data
        changed = register.worker_edit(
            campaign_id=campaign.pk, worker_id=worker.pk, actor=request.user, expected_version=version,
            changes={name: sent[name] for name in WORKER_FIELDS if name in sent}, citizen_id=sent.get("citizen_id"))
        _shown(request, campaign, [changed.pk], f"worker {changed.pk} (changed)")
        return _with_etag(Response(self.get_serializer(changed).data), changed.version)

    @extend_schema(summary="Đánh giá mức ủng hộ / Assess a worker's support", parameters=[CAMPAIGN, WORKER],
                   request=serializers.AssessmentWriteSerializer, responses={201: serializers.AssessmentSerializer})
    def assess(self, request, pk=None, worker_id=None):
        campaign = self._case(pk)
        worker = self._worker(campaign, worker_id)
        values = serializers.AssessmentWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        assessment = register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=request.user,
                                             **values.validated_data)
        return Response(serializers.AssessmentSerializer(assessment).data, status=201)


@extend_schema_view(create=extend_schema(
    summary="Ghi cuộc trao đổi / Record a conversation", parameters=[CAMPAIGN],
    description="A conversation with workers of the campaign's enterprise (their ids); with create_task its next "
                "step becomes a task of the case given to the caller.",
    request=serializers.ConversationWriteSerializer, responses={201: serializers.ConversationSerializer}))
class CaseConversationViewSet(viewsets.GenericViewSet):
    """``/campaigns/{pk}/conversations/`` (routed in ``resource_urls``)."""

    serializer_class = serializers.ConversationSerializer
    filter_backends = []

    def create(self, request, pk=None):
        campaign = selectors.case_for_people(request.user, pk)
        if campaign is None:
            raise _not_found()
        values = serializers.ConversationWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = dict(values.validated_data)
        conversation = register.conversation_add(
            campaign_id=campaign.pk, actor=request.user, worker_ids=data.pop("workers"),
            issue_ids=data.pop("issues"), **data)
        return Response(self.get_serializer(conversation).data, status=201)


# --- survey visits ----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Lượt khảo sát / Survey visits",
                       description="The visits to enterprises of the subtrees the caller oversees, administers or "
                                   "works in: figures, no personal data."),
    retrieve=extend_schema(summary="Một lượt khảo sát / A survey visit"))
class SurveyVisitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.SurveyVisitSerializer
    filterset_fields = ["enterprise", "round", "team"]
    ordering_fields = ["id", "visited_on"]

    def get_queryset(self):
        return selectors.visits_for(self.request.user)


@extend_schema_view(create=extend_schema(
    summary="Ghi lượt khảo sát / Record a survey visit",
    description="An officer of the enterprise's unit or of a unit above it, or a supervisor of its subtree. The "
                "figures hold together (women, migrants, age bands within the workforce); in a round, the day "
                "falls within its dates and the enterprise is on its list.",
    parameters=[OpenApiParameter("enterprise_pk", int, OpenApiParameter.PATH, description="The enterprise.")],
    request=serializers.SurveyVisitWriteSerializer, responses={201: serializers.SurveyVisitSerializer}))
class EnterpriseSurveyVisitViewSet(viewsets.GenericViewSet):
    """``/enterprises/{enterprise_pk}/survey-visits/`` (routed in ``resource_urls``)."""

    serializer_class = serializers.SurveyVisitSerializer
    filter_backends = []

    def create(self, request, enterprise_pk=None):
        enterprise = selectors.enterprise_to_visit(request.user, enterprise_pk)
        if enterprise is None:
            raise _not_found()
        values = serializers.SurveyVisitWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = dict(values.validated_data)
        visit = surveys.survey_visit_record(enterprise_id=enterprise.pk, actor=request.user, data=surveys.VisitData(
            round_id=data.pop("round"), team_id=data.pop("team"), issue_ids=tuple(data.pop("issues")), **data))
        fresh = selectors.visits_for(request.user).filter(pk=visit.pk).first() or visit
        return Response(self.get_serializer(fresh).data, status=201)


# --- notifications ----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Thông báo của tôi / My notifications",
                       description="Newest first; title and body in the caller's language."),
    read=extend_schema(summary="Đánh dấu đã đọc / Mark read", request=None,
                       parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
                       responses=serializers.NotificationSerializer))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.NotificationSerializer
    pagination_class = ByCreation
    filter_backends = []

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = selectors.notification_for(request.user, pk)
        if notification is None:
            raise _not_found()
        notification_services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
        return Response(self.get_serializer(selectors.notification_for(request.user, notification.pk)).data)

