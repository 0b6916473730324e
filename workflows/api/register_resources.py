"""The API's rest of the people register: consent, leaders, the committee,
applications, the register switch, and the reads the pages show — a
case's conversations, a worker's assessments and history. Like the pages
they parse (with the pages' own forms: the same fields, checks and
messages), make one call and answer.

The same personal-data rules as ``people_resources``: only with
``Action.PEOPLE`` on the campaign (the committee and the switch also
``Action.WORK``, as their pages), everyone else — managers included — gets
404 as for a missing case. Every read, and every answer with a worker's
details, writes one audit entry naming the workers it returned; a write
that answers ids only does not (the caller sent them). Writes go through
``campaigns.register``, which checks the permission again under the
campaign's lock; a change of the campaign (the committee, the switch)
names its version (If-Match or expected_version). Consent, leaders and
applications take no version: their services take none.
"""
from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, parsers, viewsets
from rest_framework.response import Response

from workflows.campaigns import membership_forms, people_forms, register
from workflows.core.shortcuts import visible_or_404

from . import (
    people_resources,
    people_selectors,
    people_serializers,
    register_selectors as selectors,
    register_serializers as serializers,
    selectors as campaign_selectors,
    serializers as campaign_serializers,
)
from .authentication import Cursor
from .people_resources import CAMPAIGN, WORKER, _not_found, _shown, _with_etag
from .problems import stale_unless_matching

CAMPAIGN_IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False,
    description="The campaign's ETag (its version); or expected_version in the body.")
APPLICANT = OpenApiParameter("worker_id", int, OpenApiParameter.PATH, description="The worker who applied.")


class ByHeldOn(Cursor):
    ordering = ("-held_on", "-pk")


class ByAssessedOn(Cursor):
    ordering = ("-assessed_on", "-pk")


class ByMoment(Cursor):
    ordering = ("-at", "-pk")


class ByApplication(Cursor):
    ordering = ("applied_on", "pk")


def _case(request, pk):
    campaign = people_selectors.case_for_people(request.user, pk)
    if campaign is None:
        raise _not_found()
    return campaign


def _case_to_work(request, pk):
    campaign = selectors.case_to_work(request.user, pk)
    if campaign is None:
        raise _not_found()
    return campaign


def _worker(campaign, worker_id):
    worker = people_selectors.worker_of_case(campaign, worker_id)
    if worker is None:
        raise _not_found()
    return worker


def _as_typed(value):
    """A JSON value as a form field reads it: text, as a browser sends it
    (a list stays a list of them; an object becomes text the form refuses)."""
    if isinstance(value, list):
        return [_as_typed(item) if not isinstance(item, list) else str(item) for item in value]
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _data(request):
    """The body as the pages' forms read it: a form's as it came, a JSON
    object's values as text (a JSON body that is not an object sends nothing)."""
    if hasattr(request.data, "lists"):
        return request.data
    if not isinstance(request.data, dict):
        return {}
    return {key: _as_typed(value) for key, value in request.data.items()}


def _valid(form) -> dict:
    """The values of a page's form, or its errors as the API's 400."""
    if not form.is_valid():
        raise exceptions.ValidationError({"non_field_errors" if name == "__all__" else name: [str(m) for m in found]
                                          for name, found in form.errors.items()})
    return form.cleaned_data


def _versioned(request, campaign):
    """The body with the campaign's version the write is based on, for a
    page's form that carries it (a stale one is refused under the lock:
    412 with If-Match, else 409)."""
    version = stale_unless_matching(request, campaign.version)
    body = _data(request)
    if hasattr(body, "lists"):  # a form's body: keep repeated keys (the workers)
        data = QueryDict(mutable=True)
        for key, values in body.lists():
            data.setlist(key, values)
    else:
        data = dict(body)
    data.pop("expected_version", None)
    data["version"] = version
    return data


# --- consent and leaders ------------------------------------------------------------------------
class CaseWorkerStepViewSet(viewsets.GenericViewSet):
    """``/campaigns/{pk}/workers/{worker_id}/consent/…`` and ``…/leader/``
    (routed in ``register_routes``). The answer is the worker as now, with
    its ETag, audited."""

    serializer_class = people_serializers.WorkerSerializer
    filter_backends = []

    @extend_schema(
        summary="Ghi nhận đồng ý / Record consent", parameters=[CAMPAIGN, WORKER],
        description="The worker's consent to the processing of their data for the purpose the page states "
                    "(organising the union at their workplace): the day and how it was given.",
        request=serializers.ConsentWriteSerializer, responses=people_serializers.WorkerSerializer)
    def consent(self, request, pk=None, worker_id=None):
        campaign = _case(request, pk)
        worker = _worker(campaign, worker_id)
        data = _valid(people_forms.ConsentForm(_data(request)))
        changed = register.worker_consent_record(campaign_id=campaign.pk, worker_id=worker.pk, actor=request.user,
                                                 on=data["on"], method=data["method"])
        _shown(request, campaign, [changed.pk], f"worker {changed.pk} (consent recorded)")
        return _with_etag(Response(self.get_serializer(changed).data), changed.version)

    @extend_schema(
        summary="Rút lại đồng ý / Withdraw consent", parameters=[CAMPAIGN, WORKER],
        description="The worker withdrew consent: the record is anonymised at once (name, year of birth, line, "
                    "shift, phone, Zalo, hometown and citizen ID erased); department, gender, support levels, "
                    "committee seat and application stay, so every figure stays. confirm must be true. It cannot "
                    "be undone.",
        request=serializers.WithdrawalWriteSerializer, responses=people_serializers.WorkerSerializer)
    def withdraw(self, request, pk=None, worker_id=None):
        campaign = _case(request, pk)
        worker = _worker(campaign, worker_id)
        data = _valid(people_forms.WithdrawForm(_data(request)))
        changed = register.worker_consent_withdraw(campaign_id=campaign.pk, worker_id=worker.pk,
                                                   actor=request.user, on=data["on"])
        _shown(request, campaign, [changed.pk], f"worker {changed.pk} (consent withdrawn)")
        return _with_etag(Response(self.get_serializer(changed).data), changed.version)

    @extend_schema(
        summary="Người có ảnh hưởng / Set or unset a leader", parameters=[CAMPAIGN, WORKER],
        description="Mark (is_leader true) or unmark a natural leader and link the workers they influence "
                    "(followers: workers of the same enterprise; the others are unlinked). Unmarking unlinks them "
                    "all.",
        request=serializers.LeaderWriteSerializer, responses=serializers.LeaderSerializer)
    def leader(self, request, pk=None, worker_id=None):
        campaign = _case(request, pk)
        worker = _worker(campaign, worker_id)
        data = _valid(people_forms.LeaderForm(_data(request)))
        changed = register.leader_set(campaign_id=campaign.pk, worker_id=worker.pk, actor=request.user,
                                      is_leader=data["is_leader"], follower_ids=data["followers"])
        body = serializers.LeaderSerializer(changed).data
        _shown(request, campaign, [changed.pk, *body["followers"]], f"worker {changed.pk} (leader)")
        return _with_etag(Response(body), changed.version)


# --- a worker's assessments and history ----------------------------------------------------------
class WorkerAssessmentViewSet(people_resources.CaseWorkerViewSet):
    """``/campaigns/{pk}/workers/{worker_id}/assessments/``: the worker's
    assessments (GET), and a new one (POST, ``CaseWorkerViewSet.assess``)."""

    pagination_class = ByAssessedOn

    @extend_schema(summary="Các lần đánh giá / A worker's assessments", parameters=[CAMPAIGN, WORKER],
                   description="Newest first, as the worker's page lists them; the latest by day (then by entry) is "
                               "the worker's level. Audited.",
                   responses=people_serializers.AssessmentSerializer(many=True))
    def assessments(self, request, pk=None, worker_id=None):
        campaign = self._case(pk)
        worker = self._worker(campaign, worker_id)
        page = self.paginate_queryset(selectors.assessments_of_worker(worker))
        _shown(request, campaign, [worker.pk], f"assessments of worker {worker.pk}")
        return self.get_paginated_response(people_serializers.AssessmentSerializer(page, many=True).data)


@extend_schema_view(list=extend_schema(
    summary="Lịch sử người lao động / A worker's history", parameters=[CAMPAIGN, WORKER],
    description="What was done to the worker, newest first: entered, changed (which fields, never their values), "
                "assessed, leadership, consent, anonymised. Audited."))
class WorkerHistoryViewSet(viewsets.GenericViewSet):
    """``/campaigns/{pk}/workers/{worker_id}/history/``."""

    serializer_class = serializers.WorkerChangeSerializer
    pagination_class = ByMoment
    filter_backends = []

    def list(self, request, pk=None, worker_id=None):
        campaign = _case(request, pk)
        worker = _worker(campaign, worker_id)
        page = self.paginate_queryset(selectors.history_of_worker(worker))
        _shown(request, campaign, [worker.pk], f"history of worker {worker.pk}")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- conversations --------------------------------------------------------------------------
@extend_schema_view(list=extend_schema(
    summary="Các cuộc trao đổi / Conversations of a case", parameters=[CAMPAIGN],
    description="The conversations held at the campaign's enterprise, newest first, with the workers spoken with "
                "(ids) and the issues raised. Audited with the workers they name."))
class CaseConversationViewSet(people_resources.CaseConversationViewSet):
    """``/campaigns/{pk}/conversations/``: the list (GET) and a new one
    (POST, ``people_resources.CaseConversationViewSet.create``)."""

    pagination_class = ByHeldOn

    def list(self, request, pk=None):
        campaign = _case(request, pk)
        page = self.paginate_queryset(selectors.conversations_of_case(campaign))
        _shown(request, campaign, sorted({w.pk for c in page for w in c.workers.all()}), "conversations")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- the committee ----------------------------------------------------------------------------
@extend_schema_view(
    retrieve=extend_schema(
        summary="Ban vận động / The mobilising committee", parameters=[CAMPAIGN],
        description="The members chosen from the enterprise's workers (ids), the head first. The ETag is the "
                    "campaign's version: send it back as If-Match to choose again. Audited."))
class CaseCommitteeViewSet(viewsets.GenericViewSet):
    """``/campaigns/{pk}/committee/`` (routed in ``register_routes``)."""

    serializer_class = serializers.CommitteeSerializer
    filter_backends = []

    def retrieve(self, request, pk=None):
        campaign = _case_to_work(request, pk)
        committee = selectors.committee_of(campaign)
        _shown(request, campaign, committee.worker_ids, "committee")
        return _with_etag(Response(self.get_serializer(committee).data), committee.version)

    @extend_schema(
        summary="Chọn ban vận động / Choose the committee", parameters=[CAMPAIGN, CAMPAIGN_IF_MATCH],
        description="Replace the committee with these workers of the enterprise (not anonymised, still working "
                    "there), head among them, while the campaign is being worked (surveyed up to the founding "
                    "congress). A stale version answers 412 (409).",
        request=serializers.CommitteeWriteSerializer, responses=serializers.CommitteeSerializer)
    def choose(self, request, pk=None):
        campaign = _case_to_work(request, pk)
        data = _valid(membership_forms.CommitteeChooseForm(_versioned(request, campaign)))
        chosen = register.committee_choose(campaign_id=campaign.pk, actor=request.user, worker_ids=data["workers"],
                                           head_id=data["head"], formed_on=data["formed_on"],
                                           expected_version=data["version"])
        committee = selectors.committee_of(chosen)
        return _with_etag(Response(self.get_serializer(committee).data), committee.version)


# --- applications -------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Đơn xin gia nhập / Applications of a case", parameters=[
            CAMPAIGN, OpenApiParameter("status", str, required=False, enum=list(selectors.APPLICATION_STATUSES))],
        description="The workers' applications to join, by the day received; none while the workers are recorded "
                    "as figures only. Audited with the workers they name."),
    create=extend_schema(
        summary="Ghi đơn xin gia nhập / Record an application", parameters=[CAMPAIGN],
        description="A worker's application received on a day, with the scanned form optionally "
                    "(multipart/form-data: a PDF, JPEG or PNG of at most 10 MB, checked by its bytes). Only while "
                    "the workers are recorded by name; one withdrawn can be made again.",
        request={"multipart/form-data": serializers.ApplicationWriteSerializer,
                 "application/json": serializers.ApplicationWriteSerializer},
        responses={201: serializers.ApplicationSerializer}))
class CaseApplicationViewSet(viewsets.GenericViewSet):
    """``/campaigns/{pk}/applications/…`` (routed in ``register_routes``)."""

    serializer_class = serializers.ApplicationSerializer
    pagination_class = ByApplication
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    filter_backends = []

    def list(self, request, pk=None):
        campaign = _case(request, pk)
        status = request.query_params.get("status") or ""
        page = self.paginate_queryset(selectors.applications_of_case(
            campaign, status if status in selectors.APPLICATION_STATUSES else ""))
        _shown(request, campaign, sorted({a.worker_id for a in page}), "applications")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, pk=None):
        campaign = _case(request, pk)
        data = _valid(membership_forms.ApplicationAddForm(_data(request), request.FILES))
        application = register.application_add(campaign_id=campaign.pk, worker_id=data["worker"],
                                               actor=request.user, applied_on=data["applied_on"], form=data["form"])
        return Response(self.get_serializer(application).data, status=201)

    @extend_schema(
        summary="Rút đơn / Withdraw an application", parameters=[CAMPAIGN, APPLICANT],
        description="The worker takes back their standing application (before the congress admits it).",
        request=serializers.ApplicationWithdrawalWriteSerializer, responses=serializers.ApplicationSerializer)
    def withdraw(self, request, pk=None, worker_id=None):
        campaign = _case(request, pk)
        data = _valid(membership_forms.ApplicationWithdrawForm(_data(request)))
        application = register.application_withdraw(campaign_id=campaign.pk, worker_id=worker_id,
                                                    actor=request.user, on=data["on"])
        return Response(self.get_serializer(application).data)


# --- the register switch --------------------------------------------------------------------------
class CaseRegisterViewSet(viewsets.GenericViewSet):
    """``/campaigns/{pk}/register/`` (routed in ``register_routes``)."""

    serializer_class = campaign_serializers.CampaignSerializer
    filter_backends = []

    @extend_schema(
        summary="Cách ghi người lao động / Switch how workers are recorded",
        parameters=[CAMPAIGN, CAMPAIGN_IF_MATCH],
        description="names: the core group, applications and admitted members are derived from the workers entered "
                    "from now on; figures: they stay as they are and are typed in. Send the campaign's ETag as "
                    "If-Match (or expected_version): a stale one answers 412 (409).",
        request=serializers.RegisterWriteSerializer, responses=campaign_serializers.CampaignSerializer)
    def switch(self, request, pk=None):
        campaign = _case_to_work(request, pk)
        data = _valid(membership_forms.RegisterForm(_versioned(request, campaign)))
        moved = register.register_set(campaign_id=campaign.pk, actor=request.user, register=data["register"],
                                      expected_version=data["version"])
        fresh = campaign_selectors.campaigns_for(request.user).filter(pk=moved.pk).first() or moved
        return _with_etag(Response(self.get_serializer(fresh).data), fresh.version)


# --- people (accounts) ----------------------------------------------------------------------------
class ByPerson(Cursor):
    ordering = "pk"


@extend_schema_view(
    list=extend_schema(
        summary="Người dùng / People",
        description="The accounts the caller administers (the people page of the administration: an administrator "
                    "of a unit sees the people its units keep); nobody for anyone else. q: words of the name, user "
                    "name or e-mail (as typed); unit: a unit the caller administers and its subtree; status: "
                    "active, invited (no password yet) or deactivated. No password or two-step sign-in field, no "
                    "phone (the person's page has it).",
        parameters=[OpenApiParameter("q", str, required=False),
                    OpenApiParameter("unit", int, required=False),
                    OpenApiParameter("status", str, required=False, enum=["active", "invited", "deactivated"])]),
    retrieve=extend_schema(
        summary="Một người dùng / A person",
        description="The person's page: details (with the phone), roles with where and who granted them when, the "
                    "working groups they lead, their open tasks. Out of the caller's reach: 404.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The account.")],
        responses=serializers.PersonDetailSerializer))
class PersonViewSet(viewsets.GenericViewSet):
    """``/people/`` (routed in ``register_routes``)."""

    serializer_class = serializers.PersonSerializer
    pagination_class = ByPerson
    filter_backends = []

    def list(self, request):
        page = self.paginate_queryset(selectors.people_for(request.user, request.query_params))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        if not str(pk).isdigit():
            raise exceptions.NotFound(_("Not found."))
        person = visible_or_404(selectors.people_visible_to(request.user), int(pk), request=request._request)
        return Response(serializers.PersonDetailSerializer(selectors.person_page(request.user, person)).data)
