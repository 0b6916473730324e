"""What the API answers and takes. Reads only: every write goes through a
service (``resources``), which checks the rules; these say the shape."""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from workflows.campaigns.models import Campaign, CampaignEvent, Task
from workflows.enterprises.models import Enterprise, OwnershipSector, WorkforceSource
from workflows.organisation.models import Unit, WorkingGroup

from .answers import Answer


class UnitSerializer(Answer):
    kind = serializers.CharField(source="kind.code", read_only=True)
    parent = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "depth", "path", "parent", "is_active"]

    def get_parent(self, unit: Unit) -> str | None:
        """The parent's path (the tree is a materialised path: 4 characters a level)."""
        return unit.path[: -Unit.steplen] or None


class WorkingGroupSerializer(Answer):
    class Meta:
        model = WorkingGroup
        fields = ["id", "name", "unit", "is_active"]


class CampaignSerializer(Answer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    # choices that may be blank: a string ("" when none) — a read-only enum would not allow the blank
    held_stage = serializers.CharField(read_only=True, help_text="The stage before the hold; empty when not on hold.")
    abandon_reason = serializers.CharField(read_only=True, help_text="Why it was abandoned; empty otherwise.")

    class Meta:
        model = Campaign
        fields = ["id", "enterprise", "enterprise_name", "responsible_unit", "working_group", "stage", "stage_label",
                  "held_stage", "version", "register", "opened_at", "stage_entered_at", "closed_at", "workforce",
                  "core_group", "committee_size", "applications", "admitted_members", "employer_met_on",
                  "committee_formed_on", "congress_on", "decision_number", "decision_date", "recognised_unit",
                  "abandon_reason"]
        read_only_fields = fields


class EventSerializer(Answer):
    actor = serializers.SerializerMethodField()
    # stages that may be blank (an opening has no stage before it; a note none at all): strings
    from_stage = serializers.CharField(read_only=True, help_text="The stage before a move; empty otherwise.")
    to_stage = serializers.CharField(read_only=True, help_text="The stage after a move or an opening; empty otherwise.")

    class Meta:
        model = CampaignEvent
        fields = ["id", "kind", "at", "actor", "from_stage", "to_stage", "note", "data"]
        read_only_fields = fields

    def get_actor(self, event: CampaignEvent) -> str | None:
        """The person's login; null: the system (a job)."""
        return event.actor.get_username() if event.actor_id else None


class TaskSerializer(Answer):
    campaign_name = serializers.CharField(source="campaign.enterprise.name", read_only=True)
    milestone = serializers.CharField(read_only=True, help_text="The first-year milestone; empty for other tasks.")
    assignee = serializers.IntegerField(source="assignee_id", read_only=True, allow_null=True,
                                        help_text="Who holds the task; null: it waits in the group's queue.")
    working_group = serializers.IntegerField(source="working_group_id", read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = ["id", "campaign", "campaign_name", "stage", "title", "description", "assignee", "working_group",
                  "due_on", "status", "milestone", "done_on", "created_at", "closed_at"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    """The values a transition's form takes (its declaration says which);
    ``expected_version`` when no If-Match header is sent."""

    expected_version = serializers.IntegerField(required=False, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True)


class TaskCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    done_on = serializers.DateField(required=False, allow_null=True, default=None)


class EnterpriseSerializer(Answer):
    workforce_source = serializers.CharField(read_only=True, help_text="Where the workforce comes from; may be empty.")
    class Meta:
        model = Enterprise
        fields = ["id", "tax_code", "name", "address", "province", "commune", "industrial_zone", "ownership_sector",
                  "industry", "workforce", "workforce_as_of", "workforce_source", "responsible_unit", "has_union",
                  "union_unit", "updated_at"]
        read_only_fields = fields


class EnterpriseWriteSerializer(serializers.Serializer):
    """An enterprise's facts as a client sends them; the tax code and the
    unit only when it is registered (``enterprises.services`` checks them)."""

    tax_code = serializers.CharField(required=False, max_length=20)
    responsible_unit = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=255)
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    province = serializers.CharField(required=False, allow_blank=True, default="", max_length=80)
    commune = serializers.CharField(required=False, allow_blank=True, default="", max_length=80)
    industrial_zone = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    ownership_sector = serializers.ChoiceField(choices=OwnershipSector.choices,
                                               default=OwnershipSector.DOMESTIC_PRIVATE)
    industry = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    workforce = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**6)
    workforce_as_of = serializers.DateField(required=False, allow_null=True, default=None)
    workforce_source = serializers.ChoiceField(choices=[("", "—"), *WorkforceSource.choices], required=False,
                                               default="")


class TaskReassignSerializer(serializers.Serializer):
    assignee_id = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BulkReassignSerializer(serializers.Serializer):
    to_user = serializers.IntegerField()
    task_ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_empty=False,
                                     max_length=2000)
    from_user = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data):
        if ("task_ids" in data) == ("from_user" in data):
            raise serializers.ValidationError(_("Give either the tasks (task_ids) or whose tasks (from_user)."))
        return data


class BulkReassignResultSerializer(serializers.Serializer):
    moved = serializers.IntegerField()
