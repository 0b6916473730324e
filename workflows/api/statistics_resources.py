"""The API's statistics: the programmes a user may read with their
targets, and the indicator figures of a unit's subtree for a period —
counted by the same engine and read through the same definitions
(``statistics.indicators.REGISTRY``) as the dashboard and the reports.

Writes are the planning pages' (``statistics.views``), with their
permission checks, forms and messages: a programme (created by a
supervisor of its unit, changed with its ETag as If-Match), a milestone,
and a unit's targets — what it received and its split over its child
units. A unit or programme the caller may not plan answers 404, like a
missing one, and nothing is written."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.core.params import param_date
from workflows.statistics import planning, services
from workflows.statistics.forms import ProgrammeForm, TargetChoiceForm

from . import people_selectors as selectors, statistics_selectors as planned, statistics_serializers as serializers
from .authentication import Cursor


class ByStart(Cursor):
    ordering = ("-start", "pk")


def _not_found() -> exceptions.NotFound:
    return exceptions.NotFound(_("Not found."))


def programme_etag(programme) -> str:
    """The programme's version: a digest of the fields a change replaces
    (it has no version column; a milestone added does not change it)."""
    fields = (programme.name, programme.basis_kind, programme.basis, programme.start.isoformat(),
              programme.end.isoformat())
    return f'"{hashlib.sha256(chr(31).join(fields).encode()).hexdigest()[:24]}"'


def _with_etag(response: Response, programme) -> Response:
    response["ETag"] = programme_etag(programme)
    return response


def _flat(errors, prefix: str = "") -> dict[str, list[str]]:
    """A serializer's errors as field → messages, a nested field named by
    its path (``allocations.1.value``), as problem details carry them."""
    if isinstance(errors, Mapping):
        found = {}
        for key, value in errors.items():
            found.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(errors, list) and all(isinstance(m, str) for m in errors):
        return {prefix or "non_field_errors": [str(m) for m in errors]}
    found = {}
    for index, value in enumerate(errors if isinstance(errors, list) else [errors]):
        if value:
            found.update(_flat(value, f"{prefix}.{index}"))
    return found


def _form_data(data, names) -> dict:
    """The values a page's form checks, from a JSON object or a form: a
    JSON number or boolean as the text a browser would send."""
    return {name: data[name] if data[name] is None or isinstance(data[name], str) else str(data[name])
            for name in names if name in data}


def _checked(data, values_class, form_of=None):
    """``data`` checked by a page's form (``form_of(data)``) over its fields
    and by ``values_class`` over the rest, all the errors at once (400)."""
    values = values_class(data=data)
    errors = {} if values.is_valid() else _flat(values.errors)
    form = None
    if form_of is not None and isinstance(data, Mapping):
        form = form_of(data)
        if not form.is_valid():
            errors.update({name: [str(m) for m in found] for name, found in form.errors.items()})
    if errors:
        raise exceptions.ValidationError(errors)
    return form, values.validated_data


PROGRAMME_FIELDS = ("name", "basis_kind", "basis", "start", "end")


def _programme_values(data):
    """The programme's fields (the pages' ``ProgrammeForm``) and the
    milestones to add, as (day, label)."""
    form, values = _checked(data, serializers.MilestonesSerializer,
                            lambda d: ProgrammeForm(_form_data(d, PROGRAMME_FIELDS)))
    return form.values, [(m["on"], m["label"].strip()) for m in values.get("milestones", [])]


PROGRAMME = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The programme.")


@extend_schema_view(
    list=extend_schema(summary="Chương trình / Programmes",
                       description="The programmes of the units the caller oversees and of the units above them."),
    retrieve=extend_schema(summary="Một chương trình / A programme",
                           description="With its milestones and the targets of the units the caller oversees. "
                                       "The ETag is the programme's version: send it back as If-Match.",
                           responses=serializers.ProgrammeDetailSerializer),
    create=extend_schema(
        summary="Tạo chương trình / Create a programme",
        description="A congress term, a resolution's programme or the year's plan of a unit the caller supervises "
                    "(another unit answers 404), with milestones. The fields and messages of the programme page.",
        request=serializers.ProgrammeCreateSerializer, responses={201: serializers.ProgrammeDetailSerializer}),
    update=extend_schema(
        summary="Sửa chương trình / Change a programme",
        description="Its name, basis and dates, and milestones to add, all or nothing; supervisors of its unit "
                    "(anyone else: 404). Send its ETag as If-Match: a stale one answers 412. Targets due on the "
                    "old end move to the new one; a target or milestone outside the new dates refuses the change.",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                                     description="The programme's ETag.")],
        request=serializers.ProgrammeChangeSerializer, responses=serializers.ProgrammeDetailSerializer))
class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ProgrammeSerializer
    pagination_class = ByStart
    filter_backends = []

    def get_queryset(self):
        return selectors.programmes_for(self.request.user)

    def _detail(self, programme, status: int = 200) -> Response:
        return _with_etag(Response(serializers.ProgrammeDetailSerializer(programme).data, status=status), programme)

    def _fresh(self, pk: int, status: int = 200) -> Response:
        return self._detail(selectors.programme_for(self.request.user, pk), status)

    def retrieve(self, request, pk=None):
        programme = selectors.programme_for(request.user, pk)
        if programme is None:
            raise _not_found()
        return self._detail(programme)

    def create(self, request):
        unit_id = request.data.get("unit") if isinstance(request.data, Mapping) else None
        if unit_id is None or unit_id == "":
            raise exceptions.ValidationError({"unit": [_("This field is required.")]})
        unit = planned.unit_to_plan(request.user, unit_id)
        if unit is None:
            raise _not_found()
        values, milestones = _programme_values(request.data)
        programme = services.programme_create(unit_id=unit.pk, milestones=milestones, actor=request.user, **values)
        return self._fresh(programme.pk, status=201)

    def update(self, request, pk=None):
        programme = planned.programme_to_plan(request.user, pk)
        if programme is None:
            raise _not_found()
        header = request.headers.get("If-Match", "").strip()
        if not header:
            raise exceptions.ValidationError({"If-Match": [_(
                "Say which version of the object the change is based on (If-Match or expected_version).")]})
        request._if_match = True
        values, milestones = _programme_values(request.data)
        with transaction.atomic():
            current = programme_etag(planned.programme_locked(programme.pk))
            if header.removeprefix("W/").strip('"') != current.strip('"'):
                raise Conflict(_("Someone else changed this programme in the meantime. Reload the page and try "
                                 "again."))
            services.programme_update(programme_id=programme.pk, milestones=milestones, actor=request.user,
                                      **values)
        return self._fresh(programme.pk)

    @extend_schema(summary="Thêm mốc / Add a milestone", parameters=[PROGRAMME],
                   description="A day inside the programme's dates by which some of its targets fall due; "
                               "supervisors of its unit (anyone else: 404).",
                   request=serializers.MilestoneWriteSerializer, responses={201: serializers.MilestoneSerializer})
    @action(detail=True, methods=["post"])
    def milestones(self, request, pk=None):
        programme = planned.programme_to_plan(request.user, pk)
        if programme is None:
            raise _not_found()
        _form, values = _checked(request.data, serializers.MilestoneWriteSerializer)
        milestone = services.milestone_add(programme_id=programme.pk, on=values["on"],
                                           label=values["label"].strip(), actor=request.user)
        return Response(serializers.MilestoneSerializer(milestone).data, status=201)


def _day(params, name: str, default: dt.date) -> dt.date:
    if not params.get(name):
        return default
    day = param_date(params, name)
    if day is None or not 2000 <= day.year <= 2100:
        raise exceptions.ValidationError({name: [_("A day as dd/mm/yyyy or yyyy-mm-dd, between 2000 and 2100.")]})
    return day


@extend_schema_view(get=extend_schema(
    summary="Chỉ tiêu số liệu / Indicator figures",
    description="Every indicator of the registry for the subtree of an upper-level unit the caller oversees, "
                "over the days from `from` to `to` (this year by default); a unit out of reach answers 404.",
    parameters=[OpenApiParameter("unit", int, required=False,
                                 description="The unit; by default the first the caller oversees (as the dashboard)."),
                OpenApiParameter("from", str, required=False, description="dd/mm/yyyy or yyyy-mm-dd."),
                OpenApiParameter("to", str, required=False, description="dd/mm/yyyy or yyyy-mm-dd.")],
    responses=serializers.UnitFiguresSerializer))
class FiguresView(APIView):
    """One object (the unit's figures for the period), not a list: an APIView, not a viewset's list."""

    def get(self, request):
        unit = selectors.unit_to_read(request.user, request.query_params.get("unit"))
        if unit is None:
            raise exceptions.NotFound(_("Not found."))
        today = clock.today()
        start = _day(request.query_params, "from", dt.date(today.year, 1, 1))
        end = _day(request.query_params, "to", dt.date(today.year, 12, 31))
        if end < start:
            raise exceptions.ValidationError({"to": [_("The period ends on or after its first day.")]})
        figures = selectors.unit_figures(unit, start, end, today=today)
        return Response(serializers.UnitFiguresSerializer(figures).data)


# --- targets ------------------------------------------------------------------------------------
CHOICE_FIELDS = ("programme", "metric", "due_on", "sector", "min_workforce", "social_insurance_only",
                 "industrial_zone")
UNIT = OpenApiParameter("unit_pk", int, OpenApiParameter.PATH,
                        description="The unit: an upper-level unit the caller supervises (another answers 404).")


class UnitTargetsViewSet(viewsets.GenericViewSet):
    """``/units/{unit_pk}/targets/`` and ``/units/{unit_pk}/allocations/``
    (routed in ``statistics_routes``): the targets page of the unit."""

    serializer_class = serializers.UnitTargetsSerializer
    filter_backends = []

    def _save(self, request, unit_pk, values_class, save):
        """Check as the targets page does, ``save`` through a service, answer the page."""
        unit = planned.unit_to_plan(request.user, unit_pk)
        if unit is None:
            raise _not_found()
        programmes = planning.targets_programmes(unit)
        children = planning.targets_children(unit)
        choice, values = _checked(request.data, values_class, lambda d: TargetChoiceForm(
            _form_data(d, CHOICE_FIELDS), programmes=programmes))
        allocations = {row["unit"]: serializers.AmountSerializer.amount(row) for row in values.get("allocations", [])}
        if set(allocations) - {child.pk for child in children}:
            raise exceptions.ValidationError({"allocations": [_("Allocate only to the unit's own child units.")]})
        shown = choice.chosen(programmes)
        received = values.get("received")
        save(received=None if received is None else serializers.AmountSerializer.amount(received),
             programme_id=shown.programme.pk, unit_id=unit.pk, metric=shown.metric, due_on=shown.due_on,
             filters=shown.filters, allocations=allocations, actor=request.user)
        page = planning.targets_page(request.user, unit, None, programmes, children, shown)
        return Response(self.get_serializer(page).data)

    @extend_schema(
        summary="Đặt chỉ tiêu / Set a unit's targets",
        description="The targets page's save, all or nothing: the target the unit received in a programme (for "
                    "an indicator, a due date and filters; `received` null or left out: unchanged) and its split "
                    "over its child units. Allocating more than received is allowed; the answer says so (`over`).",
        parameters=[UNIT], request=serializers.TargetsWriteSerializer, responses=serializers.UnitTargetsSerializer)
    def set_targets(self, request, unit_pk=None):
        return self._save(request, unit_pk, serializers.TargetAmountsSerializer,
                          services.targets_set)

    @extend_schema(
        summary="Phân bổ chỉ tiêu / Allocate a unit's targets",
        description="Split the unit's target over its child units (what it received stays as it is), all or "
                    "nothing.",
        parameters=[UNIT], request=serializers.AllocationsWriteSerializer,
        responses=serializers.UnitTargetsSerializer)
    def allocate(self, request, unit_pk=None):
        return self._save(request, unit_pk, serializers.AllocationAmountsSerializer,
                          lambda received, **common: services.targets_allocate(**common))
