"""The API's statistics: the programmes a user may read with their
targets, and the indicator figures of a unit's subtree for a period —
counted by the same engine and read through the same definitions
(``statistics.indicators.REGISTRY``) as the dashboard and the reports."""
from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.core import clock
from workflows.core.params import param_date

from . import people_selectors as selectors, statistics_serializers as serializers
from .authentication import Cursor


class ByStart(Cursor):
    ordering = ("-start", "pk")


@extend_schema_view(
    list=extend_schema(summary="Chương trình / Programmes",
                       description="The programmes of the units the caller oversees and of the units above them."),
    retrieve=extend_schema(summary="Một chương trình / A programme",
                           description="With its milestones and the targets of the units the caller oversees.",
                           responses=serializers.ProgrammeDetailSerializer))
class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ProgrammeSerializer
    pagination_class = ByStart
    filter_backends = []

    def get_queryset(self):
        return selectors.programmes_for(self.request.user)

    def retrieve(self, request, pk=None):
        programme = selectors.programme_for(request.user, pk)
        if programme is None:
            raise exceptions.NotFound(_("Not found."))
        return Response(serializers.ProgrammeDetailSerializer(programme).data)


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
