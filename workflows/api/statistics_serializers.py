"""What the API answers and takes of programmes, their milestones and
targets, and the indicator figures of a unit. A write's programme fields and
which targets it sets are checked by the pages' own forms
(``statistics.forms``); these say their shape, and check what a JSON client
sends instead of the pages' typed text (milestones, values), with the pages'
messages. The services check everything again."""
from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.enterprises.models import WORKFORCE_FLOORS, OwnershipSector
from workflows.statistics.models import Metric, Milestone, Programme, ProgrammeBasis, Target

from .answers import Answer


class MilestoneSerializer(Answer):
    class Meta:
        model = Milestone
        fields = ["on", "label"]
        read_only_fields = fields


class ProgrammeSerializer(Answer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    milestones = MilestoneSerializer(source="milestone_list", many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "unit", "unit_name", "name", "basis_kind", "basis", "start", "end", "milestones"]
        read_only_fields = fields


class TargetSerializer(Answer):
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


# --- writes ---------------------------------------------------------------------------------
#: The pages' date formats (``core.forms.date_field``), ISO included.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
_DATE = _("Enter a date as dd/mm/yyyy.")
_TARGET = _("A target is a whole number from 0 to 10.000.000.")
_TARGET_ERRORS = dict.fromkeys(("invalid", "required", "null", "min_value", "max_value", "max_string_length"),
                               _TARGET)


class MilestoneWriteSerializer(serializers.Serializer):
    """A milestone to add: a day inside the programme's dates, and a label."""

    on = serializers.DateField(input_formats=DATE_FORMATS, error_messages={
        "invalid": _DATE, "required": _("Give the milestone's date."), "null": _("Give the milestone's date.")})
    label = serializers.CharField(max_length=120, error_messages=dict.fromkeys(("required", "null", "blank"),
                                                                              _("Give the milestone a label.")))


class ProgrammeChangeSerializer(serializers.Serializer):
    """A programme's fields (checked by the pages' ``ProgrammeForm``) and the
    milestones to add with it (all or nothing)."""

    name = serializers.CharField(max_length=200)
    basis_kind = serializers.ChoiceField(choices=ProgrammeBasis.choices)
    basis = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                  help_text="The resolution or plan, with its number and date.")
    start = serializers.DateField()
    end = serializers.DateField()
    milestones = MilestoneWriteSerializer(many=True, required=False, help_text="Milestones to add.")


class ProgrammeCreateSerializer(ProgrammeChangeSerializer):
    unit = serializers.IntegerField(help_text="The unit whose programme it is: one the caller supervises "
                                              "(another answers 404).")


class MilestonesSerializer(serializers.Serializer):
    """What a programme write takes besides the form's fields."""

    milestones = MilestoneWriteSerializer(many=True, required=False)


class AmountSerializer(serializers.Serializer):
    """A target: a whole number, or a range (6.000–7.000) up to ``value_max``."""

    value = serializers.IntegerField(min_value=0, max_value=10_000_000, error_messages=_TARGET_ERRORS)
    value_max = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True,
                                         default=None, error_messages=_TARGET_ERRORS,
                                         help_text="For a range: its upper bound (null: a single value).")

    def validate(self, data):
        if data.get("value_max") is not None and data["value_max"] < data["value"]:
            raise serializers.ValidationError({"value_max": [_("A range's upper bound is at least its lower "
                                                               "bound.")]})
        return data

    @staticmethod
    def amount(data) -> tuple[int, int | None]:
        return data["value"], data.get("value_max")


class AllocationSerializer(AmountSerializer):
    unit = serializers.IntegerField(help_text="A child unit of the unit (as the targets page lists them).")


class TargetAmountsSerializer(serializers.Serializer):
    """The values of a targets write: what the unit received (null or left
    out: unchanged) and its allocations to child units."""

    received = AmountSerializer(required=False, allow_null=True, default=None,
                                help_text="The target the unit received from the level above.")
    allocations = AllocationSerializer(many=True, required=False, help_text="Its split over its child units.")

    def validate_allocations(self, rows):
        units = [row["unit"] for row in rows]
        if len(set(units)) != len(units):
            raise serializers.ValidationError(_("Give each child unit once."))
        return rows


class AllocationAmountsSerializer(TargetAmountsSerializer):
    received = None
    allocations = AllocationSerializer(many=True, allow_empty=False, help_text="The split over child units.")


class TargetsChoiceSerializer(serializers.Serializer):
    """Which targets a write sets, as the targets page chooses them (its
    ``TargetChoiceForm`` checks them)."""

    programme = serializers.IntegerField(help_text="A programme of the unit or of a unit above it.")
    metric = serializers.ChoiceField(choices=Metric.choices)
    due_on = serializers.DateField(help_text="The programme's end or one of its milestones.")
    sector = serializers.ChoiceField(choices=[("", "—"), *OwnershipSector.choices], required=False, default="",
                                     help_text="Only enterprises of this ownership sector (empty: all).")
    min_workforce = serializers.ChoiceField(choices=[(floor, str(floor)) for floor in WORKFORCE_FLOORS],
                                            required=False, default=0,
                                            help_text="Only enterprises with at least this many workers (0: all; "
                                                      "a coverage target needs one).")
    social_insurance_only = serializers.BooleanField(required=False, default=False)
    industrial_zone = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class TargetsWriteSerializer(TargetsChoiceSerializer, TargetAmountsSerializer):
    pass


class AllocationsWriteSerializer(TargetsChoiceSerializer, AllocationAmountsSerializer):
    pass


# --- the targets screen after a write --------------------------------------------------------
class TargetValueSerializer(serializers.Serializer):
    value = serializers.IntegerField(source="low")
    value_max = serializers.IntegerField(source="high", allow_null=True, help_text="A range's upper bound.")


class AllocatedSerializer(serializers.Serializer):
    """A child unit and what it was allocated (null values: nothing yet)."""

    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    value_max = serializers.IntegerField(allow_null=True)

    def to_representation(self, line):
        child, value = line
        return {"unit": child.pk, "unit_name": child.name, "value": value.low if value else None,
                "value_max": value.high if value else None}


class UnitTargetsSerializer(serializers.Serializer):
    """The targets page of a unit: what it received and its split over its
    child units, with the sum against what it received."""

    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    programme = serializers.IntegerField(source="programme.pk")
    due_on = serializers.DateField()
    metric = serializers.CharField()
    metric_label = serializers.CharField()
    sector = serializers.CharField(source="filters.sector")
    min_workforce = serializers.IntegerField(source="filters.min_workforce")
    social_insurance_only = serializers.BooleanField(source="filters.social_insurance_only")
    industrial_zone = serializers.CharField(source="filters.industrial_zone")
    received = TargetValueSerializer(allow_null=True)
    allocations = AllocatedSerializer(source="allocated", many=True)
    allocated = TargetValueSerializer(source="balance.allocated", allow_null=True,
                                      help_text="The sum of the allocations.")
    over = serializers.BooleanField(source="balance.over", help_text="More is allocated than was received.")
    difference = serializers.CharField(source="balance.difference",
                                       help_text="Allocated − received, signed (\"+1.200\"); empty if unknown.")
