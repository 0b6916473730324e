"""What the API answers and takes for the workers of a case, survey visits
and notifications. The citizen ID is never answered (its last four digits
only); it is taken in clear on its way to the hash. Every write goes
through a service, which checks the values again."""
from __future__ import annotations

from rest_framework import serializers

from workflows.notifications.models import Notification
from workflows.people.models import (
    Assessment,
    ConsentMethod,
    Conversation,
    ConversationKind,
    ConversationOutcome,
    EmployerAttitude,
    EmploymentStatus,
    Gender,
    Housing,
    SurveyVisit,
    Worker,
)

from .answers import Answer


def _blank_or(choices) -> list:
    return [("", "—"), *choices]


# --- workers ------------------------------------------------------------------------------
class WorkerSerializer(Answer):
    display_name = serializers.CharField(read_only=True)
    is_anonymised = serializers.BooleanField(read_only=True)

    class Meta:
        model = Worker
        fields = ["id", "enterprise", "display_name", "full_name", "gender", "birth_year", "department", "line",
                  "shift", "job", "phone", "zalo", "hometown", "employment_status", "id_last4", "support_level",
                  "support_assessed_on", "is_leader", "led_by", "consent_on", "consent_method",
                  "consent_withdrawn_on", "is_anonymised", "source", "version", "created_at"]
        read_only_fields = fields


class WorkerWriteSerializer(serializers.Serializer):
    """A worker as an officer types it; ``citizen_id`` (12 digits) is kept as
    a keyed hash and its last four digits. On a change (PATCH) only the
    fields sent change; ``citizen_id`` "" removes it."""

    full_name = serializers.CharField(max_length=120)
    gender = serializers.ChoiceField(choices=_blank_or(Gender.choices), required=False, default="")
    birth_year = serializers.IntegerField(required=False, allow_null=True, default=None)
    department = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    line = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    shift = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    job = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    zalo = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    hometown = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    employment_status = serializers.ChoiceField(choices=EmploymentStatus.choices, required=False,
                                                default=EmploymentStatus.EMPLOYED)
    citizen_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="", write_only=True)
    consent_on = serializers.DateField(required=False, allow_null=True, default=None)
    consent_method = serializers.ChoiceField(choices=_blank_or(ConsentMethod.choices), required=False, default="")


class WorkerChangeSerializer(WorkerWriteSerializer):
    """The fields of a worker a PATCH may change (consent has its own step on the pages)."""

    consent_on = None
    consent_method = None
    expected_version = serializers.IntegerField(required=False, min_value=0,
                                                help_text="When no If-Match header is sent.")


class AssessmentSerializer(Answer):
    # a number, not a second name for the worker's SupportLevel enum
    level = serializers.IntegerField(read_only=True, help_text="1 best … 5 opposed.")

    class Meta:
        model = Assessment
        fields = ["id", "worker", "level", "assessed_on", "assessed_by", "note", "created_at"]
        read_only_fields = fields


class AssessmentWriteSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=5, help_text="The support level: 1 best … 5 opposed.")
    assessed_on = serializers.DateField(required=False, allow_null=True, default=None,
                                        help_text="Today when not given.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConversationSerializer(Answer):
    kind = serializers.CharField(read_only=True, help_text="one_to_one or group.")  # one enum name for "kind"

    class Meta:
        model = Conversation
        fields = ["id", "enterprise", "held_on", "officer", "kind", "workers", "issues", "outcome", "note",
                  "next_step", "next_step_on", "created_at"]
        read_only_fields = fields


class ConversationWriteSerializer(serializers.Serializer):
    """A conversation with workers of the case's enterprise; with
    ``create_task`` its next step becomes a task of the case."""

    held_on = serializers.DateField()
    workers = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True)
    outcome = serializers.ChoiceField(choices=ConversationOutcome.choices)
    kind = serializers.ChoiceField(choices=_blank_or(ConversationKind.choices), required=False, default="")
    issues = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    next_step = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    next_step_on = serializers.DateField(required=False, allow_null=True, default=None)
    create_task = serializers.BooleanField(required=False, default=False)


# --- survey visits ---------------------------------------------------------------------------
class SurveyVisitSerializer(Answer):
    """A visit's figures (no personal data)."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = SurveyVisit
        fields = ["id", "round", "enterprise", "enterprise_name", "visited_on", "team", "officer", "workforce",
                  "women", "migrants", "aged_under_30", "aged_30_to_45", "aged_over_45", "wage_min", "wage_max",
                  "shifts", "overtime_hours", "housing", "worker_groups", "employer_attitude", "issues",
                  "issues_note", "follow_up", "created_at"]
        read_only_fields = fields


class SurveyVisitWriteSerializer(serializers.Serializer):
    """A visit as ``people.surveys.VisitData``: ``round`` and ``team`` by id."""

    visited_on = serializers.DateField()
    workforce = serializers.IntegerField(min_value=0)
    round = serializers.IntegerField(required=False, allow_null=True, default=None)
    team = serializers.IntegerField(required=False, allow_null=True, default=None)
    women = serializers.IntegerField(required=False, default=0, min_value=0)
    migrants = serializers.IntegerField(required=False, default=0, min_value=0)
    aged_under_30 = serializers.IntegerField(required=False, default=0, min_value=0)
    aged_30_to_45 = serializers.IntegerField(required=False, default=0, min_value=0)
    aged_over_45 = serializers.IntegerField(required=False, default=0, min_value=0)
    wage_min = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    wage_max = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    shifts = serializers.IntegerField(required=False, allow_null=True, default=None)
    overtime_hours = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    housing = serializers.ChoiceField(choices=_blank_or(Housing.choices), required=False, default="")
    worker_groups = serializers.CharField(required=False, allow_blank=True, default="")
    employer_attitude = serializers.ChoiceField(choices=EmployerAttitude.choices, required=False,
                                                default=EmployerAttitude.UNKNOWN)
    issues = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    issues_note = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up = serializers.CharField(required=False, allow_blank=True, default="")


# --- notifications ---------------------------------------------------------------------------
class NotificationSerializer(Answer):
    """Its title and body in the caller's language (written when read)."""

    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "campaign", "task", "created_at", "is_read", "read_at",
                  "done_at"]
        read_only_fields = fields
