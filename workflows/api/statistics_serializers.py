"""What the API answers of programmes, their targets and the indicator
figures of a unit (reads only: targets are set on the pages)."""
from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.statistics.models import Milestone, Programme, Target


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["on", "label"]
        read_only_fields = fields


class ProgrammeSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    milestones = MilestoneSerializer(source="milestone_list", many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "unit", "unit_name", "name", "basis_kind", "basis", "start", "end", "milestones"]
        read_only_fields = fields


class TargetSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Target
        fields = ["id", "unit", "unit_name", "due_on", "metric", "source", "value", "value_max", "sector",
                  "min_workforce", "social_insurance_only", "industrial_zone"]
        read_only_fields = fields


class ProgrammeDetailSerializer(ProgrammeSerializer):
    """With the targets of the units the caller oversees."""

    targets = TargetSerializer(source="target_list", many=True, read_only=True)

    class Meta(ProgrammeSerializer.Meta):
        fields = [*ProgrammeSerializer.Meta.fields, "targets"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.ReadOnlyField):
    """A count as an integer, a percentage as a number with two decimals."""

    def to_representation(self, value):
        return float(value) if isinstance(value, Decimal) else value


class IndicatorFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(help_text="What it counts (members, enterprises, %).")
    kind = serializers.CharField(help_text="flow: what happened in the period; stock: at its end.")
    percent = serializers.BooleanField()
    value = NumberField()


class UnitFiguresSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    label = serializers.CharField(source="period.label")
    indicators = IndicatorFigureSerializer(many=True)
