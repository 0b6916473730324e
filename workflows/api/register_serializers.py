"""What the API answers and takes for the rest of the people register
(consent, leaders, the committee, applications, the register switch, the
conversations and a worker's history) and for the people (accounts).

The writes are parsed by the pages' own forms (``campaigns.people_forms``,
``campaigns.membership_forms``), so the API takes the same fields with the
same checks and messages; the ``*Write`` serializers here describe them in
the schema. Answers name workers by id; a worker's details are read from
``/workers/{id}/``. People: never a password or a two-step sign-in field;
the e-mail on the list and the detail, the phone on the detail only, as the
pages show them."""
from __future__ import annotations

from rest_framework import serializers

from workflows.campaigns.models import Application, Register
from workflows.people.models import ConsentMethod, WorkerChange

from .answers import Answer
from .people_serializers import WorkerSerializer


# --- consent and leaders --------------------------------------------------------------------
class ConsentWriteSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The day consent was given (dd/mm/yyyy or yyyy-mm-dd).")
    # a string, not a second name in the schema for the worker's ConsentMethodEnum
    method = serializers.CharField(help_text=f"How it was given: {', '.join(ConsentMethod.values)}.")


class WithdrawalWriteSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The day consent was withdrawn (not after today).")
    confirm = serializers.BooleanField(help_text="true: anonymise the record now (name and contacts erased, "
                                                 "figures kept). It cannot be undone.")


class LeaderWriteSerializer(serializers.Serializer):
    is_leader = serializers.BooleanField(required=False, default=False)
    followers = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                      help_text="The workers they influence (workers of the same enterprise); "
                                                "only a leader has some.")


class LeaderSerializer(WorkerSerializer):
    """The worker with the workers they influence (ids)."""

    followers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(WorkerSerializer.Meta):
        fields = [*WorkerSerializer.Meta.fields, "followers"]
        read_only_fields = fields


# --- the committee ------------------------------------------------------------------------------
class SeatSerializer(serializers.Serializer):
    worker = serializers.IntegerField(read_only=True)
    is_head = serializers.BooleanField(read_only=True)


class CommitteeSerializer(serializers.Serializer):
    """``version`` is the campaign's: send it back (If-Match) to choose again."""

    campaign = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    formed_on = serializers.DateField(read_only=True, allow_null=True)
    members = SeatSerializer(many=True, read_only=True)


class CommitteeWriteSerializer(serializers.Serializer):
    workers = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False,
                                    help_text="The members: workers of the enterprise who still work there.")
    head = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                    help_text="The head, one of the members.")
    formed_on = serializers.DateField(required=False, allow_null=True, help_text="Not after today.")
    expected_version = serializers.IntegerField(required=False, min_value=0,
                                                help_text="The campaign's version, when no If-Match header is sent.")


# --- applications --------------------------------------------------------------------------------
class ApplicationSerializer(Answer):
    status = serializers.SerializerMethodField()
    has_form = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "campaign", "worker", "applied_on", "withdrawn_on", "admitted_on", "status", "has_form",
                  "recorded_by", "recorded_at"]
        read_only_fields = fields

    def get_status(self, application: Application) -> str:
        """standing, admitted (by the founding congress) or withdrawn."""
        if application.withdrawn_on is not None:
            return "withdrawn"
        return "standing" if application.admitted_on is None else "admitted"

    def get_has_form(self, application: Application) -> bool:
        """Whether the scanned application form was kept (read it on the page)."""
        return bool(application.form_name)


class ApplicationWriteSerializer(serializers.Serializer):
    """multipart/form-data with the scanned form; JSON without it."""

    worker = serializers.IntegerField(min_value=1, help_text="The worker who applies.")
    applied_on = serializers.DateField(help_text="Not after today.")
    form = serializers.FileField(required=False, help_text="The scanned form: PDF, JPEG or PNG, at most 10 MB.")


class ApplicationWithdrawalWriteSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True,
                               help_text="Between the application and today; today when not given.")


# --- the register switch -----------------------------------------------------------------------
class RegisterWriteSerializer(serializers.Serializer):
    register = serializers.ChoiceField(choices=Register.choices, help_text="How the workers are recorded from now on.")
    expected_version = serializers.IntegerField(required=False, min_value=0,
                                                help_text="The campaign's version, when no If-Match header is sent.")


# --- a worker's history --------------------------------------------------------------------------
class WorkerChangeSerializer(Answer):
    fields = serializers.ListField(child=serializers.CharField(), read_only=True,
                                   help_text="The fields changed (their names, never their values).")

    class Meta:
        model = WorkerChange
        fields = ["id", "worker", "at", "actor", "kind", "fields"]
        read_only_fields = fields


# --- people (accounts) ---------------------------------------------------------------------------
def _status(person) -> str:
    if not person.is_active:
        return "deactivated"
    return "active" if person.has_usable_password() else "invited"


class PersonSerializer(serializers.Serializer):
    """A row of the people list: name, user name, position, e-mail, unit,
    status, collaborator and the end of their access. The profile's fields
    are null for an account without one (made in Django admin)."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True)
    position = serializers.CharField(source="profile.position", read_only=True, allow_null=True)
    unit = serializers.IntegerField(source="profile.unit_id", read_only=True, allow_null=True,
                                    help_text="The unit that keeps the account.")
    unit_name = serializers.CharField(source="profile.unit.name", read_only=True, allow_null=True)
    status = serializers.SerializerMethodField()
    is_collaborator = serializers.BooleanField(source="profile.is_collaborator", read_only=True, allow_null=True)
    access_until = serializers.DateField(source="profile.access_until", read_only=True, allow_null=True,
                                         help_text="After this day the person loses access; null: no end.")

    def get_name(self, person) -> str:
        return person.get_full_name() or person.get_username()

    def get_status(self, person) -> str:
        """active, invited (no password yet) or deactivated."""
        return _status(person)


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField(read_only=True, help_text="The role's name, in the caller's language.")
    where = serializers.CharField(read_only=True, help_text="The unit, or the working group and its unit.")
    granted_by = serializers.CharField(read_only=True, help_text="Who granted it; empty: unknown.")
    granted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    inert = serializers.CharField(read_only=True,
                                  help_text="Why it grants nothing now (a closed unit or group, an access that "
                                            "ended); empty: it does.")


class PersonDetailSerializer(serializers.Serializer):
    """A person's page: their details, their roles (where, who granted them
    when), the working groups they lead and their open tasks."""

    id = serializers.IntegerField(source="person.pk", read_only=True)
    username = serializers.CharField(source="person.username", read_only=True)
    name = serializers.SerializerMethodField()
    email = serializers.CharField(source="person.email", read_only=True)
    phone = serializers.CharField(source="profile.phone", read_only=True, allow_null=True)
    position = serializers.CharField(source="profile.position", read_only=True, allow_null=True)
    unit = serializers.IntegerField(source="profile.unit_id", read_only=True, allow_null=True,
                                    help_text="The unit that keeps the account.")
    unit_name = serializers.CharField(source="profile.unit.name", read_only=True, allow_null=True)
    status = serializers.SerializerMethodField()
    is_collaborator = serializers.BooleanField(source="profile.is_collaborator", read_only=True, allow_null=True)
    access_until = serializers.DateField(source="profile.access_until", read_only=True, allow_null=True,
                                         help_text="After this day the person loses access; null: no end.")
    deactivated_on = serializers.DateField(source="profile.deactivated_on", read_only=True, allow_null=True)
    open_tasks = serializers.IntegerField(read_only=True)
    roles = RoleSerializer(many=True, read_only=True)
    leads = serializers.ListField(child=serializers.CharField(), read_only=True,
                                  help_text="The working groups they lead.")

    def get_name(self, page) -> str:
        return page.person.get_full_name() or page.person.get_username()

    def get_status(self, page) -> str:
        """active, invited (no password yet) or deactivated."""
        return _status(page.person)
