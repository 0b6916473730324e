"""What the API's imports answer and take. An import's answer is its
status as its page shows it (``import_selectors``): a client polls it until
``running`` is false. The uploads are checked by the pages' own forms (the
same limits, the same translated errors); the serializers of the uploads
here say their shape in the schema."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.enterprises.imports import FIELDS as REGISTRY_FIELDS
from workflows.enterprises.models import ImportRow, WorkforceSource

from .answers import Answer


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(read_only=True, help_text="Rows (or actions) done by the running job.")
    total = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    stalled = serializers.BooleanField(read_only=True, help_text="The job has not reported for a few minutes: it "
                                                                  "may have stopped (check again, or wait for it "
                                                                  "to be run again).")


class MessageSerializer(serializers.Serializer):
    column = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)


class CountSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)


def _messages(pairs) -> list[dict]:
    return [{"column": str(column), "message": str(text)} for column, text in pairs]


# --- the registry import --------------------------------------------------------------------
REGISTRY_STATUSES = "uploaded (columns to map), previewing (checking the rows), previewed (ready to commit), " \
                    "committing, committed, failed"


class RegistryUploadSerializer(serializers.Serializer):
    """A registry list (multipart/form-data), as the upload page takes it."""

    file = serializers.FileField(help_text="XLSX, or CSV UTF-8, with a header row; at most 30 MB.")
    unit = serializers.IntegerField(help_text="The unit new enterprises are given to: an open unit, not a "
                                              "grassroots union, whose registry you supervise.")
    default_as_of = serializers.DateField(required=False, allow_null=True,
                                          help_text="Figures as of (yyyy-mm-dd or dd/mm/yyyy): for rows that give "
                                                    "a workforce but no date.")
    # a string, not a second name for the registry's WorkforceSource enum
    default_source = serializers.CharField(required=False, allow_blank=True,
                                           help_text="Source of the figures, for rows that give a workforce but no "
                                                     "source: " + ", ".join(WorkforceSource.values) + ".")


class RegistryColumnsSerializer(serializers.Serializer):
    # the service checks the fields (its refusals go on ``mapping``, flat, as the page shows them)
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=40),
        help_text="Column index (as text, from `columns`) → the field it holds, one of: " + ", ".join(REGISTRY_FIELDS)
                  + "; \"\" or left out: the column is not imported. The tax code and the name must be among them.")


class RegistryCountsSerializer(serializers.Serializer):
    rows_total = serializers.IntegerField(read_only=True)
    created = serializers.IntegerField(read_only=True, help_text="New enterprises.")
    updated = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
    older = serializers.IntegerField(read_only=True, help_text="Rows whose figures are older than the registry's.")
    errors = serializers.IntegerField(read_only=True, help_text="Rejected rows: never written.")


class RegistryColumnSerializer(serializers.Serializer):
    index = serializers.IntegerField(read_only=True)
    header = serializers.CharField(read_only=True)
    field = serializers.CharField(read_only=True, help_text="The field it holds; empty: left out.")


class RegistryImportSerializer(serializers.Serializer):
    """A registry import's status (``import_selectors.RegistryImportState``)."""

    id = serializers.IntegerField(source="batch.pk", read_only=True)
    file_name = serializers.CharField(source="batch.file_name", read_only=True)
    unit = serializers.IntegerField(source="batch.unit_id", read_only=True)
    unit_name = serializers.CharField(source="batch.unit.name", read_only=True)
    status = serializers.CharField(source="batch.status", read_only=True, help_text=REGISTRY_STATUSES)
    status_label = serializers.CharField(source="batch.get_status_display", read_only=True)
    running = serializers.BooleanField(read_only=True, help_text="A job is checking or committing the rows: poll "
                                                                 "until false.")
    progress = ProgressSerializer(read_only=True)
    counts = RegistryCountsSerializer(source="batch", read_only=True)
    failure = serializers.CharField(source="batch.failure", read_only=True,
                                    help_text="Why the check or the commit failed; empty otherwise.")
    columns = serializers.SerializerMethodField()
    mapping_problems = serializers.ListField(child=serializers.CharField(), read_only=True,
                                             help_text="What keeps the rows from being checked: map the columns.")
    default_as_of = serializers.DateField(source="batch.default_as_of", read_only=True, allow_null=True)
    default_source = serializers.CharField(source="batch.default_source", read_only=True)
    created_at = serializers.DateTimeField(source="batch.created_at", read_only=True)
    previewed_at = serializers.DateTimeField(source="batch.previewed_at", read_only=True, allow_null=True)
    committed_at = serializers.DateTimeField(source="batch.committed_at", read_only=True, allow_null=True)
    can_map = serializers.BooleanField(read_only=True)
    can_recheck = serializers.BooleanField(read_only=True)
    can_commit = serializers.BooleanField(read_only=True)

    @extend_schema_field(RegistryColumnSerializer(many=True))
    def get_columns(self, state) -> list[dict]:
        return [{"index": index, "header": header, "field": field} for index, header, field in state.columns]


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(read_only=True)
    before = serializers.JSONField(read_only=True)
    after = serializers.JSONField(read_only=True)


class RegistryRowSerializer(Answer):
    row = serializers.IntegerField(source="row_number", read_only=True)
    outcome = serializers.CharField(read_only=True, help_text="create, update, unchanged, older or error.")
    messages = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()
    enterprise = serializers.IntegerField(source="enterprise_id", read_only=True, allow_null=True)

    class Meta:
        model = ImportRow
        fields = ["row", "tax_code", "name", "outcome", "messages", "changes", "enterprise"]
        read_only_fields = fields

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, row: ImportRow) -> list[dict]:
        """Why the row is rejected or skipped."""
        return _messages(row.messages)

    @extend_schema_field(ChangeSerializer(many=True))
    def get_changes(self, row: ImportRow) -> list[dict]:
        """What an update changes (dates as yyyy-mm-dd)."""
        return [{"field": key, "before": before, "after": after} for key, before, after in row.changes]


# --- the worker import of a case -----------------------------------------------------------
WORKER_STATUSES = "uploaded, checking, checked (ready to confirm), writing, written, failed, cancelled"


class WorkerUploadSerializer(serializers.Serializer):
    """A list of employees (multipart/form-data), as the upload page takes it."""

    file = serializers.FileField(help_text="XLSX, or CSV (UTF-8 or Windows-1258), one row a worker, with a header "
                                           "row: “Họ và tên” and any of the template's columns; at most 20 MB and "
                                           "30.000 rows.")


class WorkerCountsSerializer(serializers.Serializer):
    rows_total = serializers.IntegerField(read_only=True)
    new = serializers.IntegerField(read_only=True)
    moved = serializers.IntegerField(read_only=True, help_text="Entered at another enterprise: they moved here.")
    existing = serializers.IntegerField(read_only=True, help_text="Already entered here: not written.")
    in_file = serializers.IntegerField(read_only=True, help_text="Twice in the file: not written.")
    errors = serializers.IntegerField(read_only=True, help_text="Rows with errors: not written.")


class WorkerImportSerializer(serializers.Serializer):
    """A worker import's status (``import_selectors.WorkerImportState``): counts, no personal data."""

    id = serializers.IntegerField(source="run.pk", read_only=True)
    enterprise = serializers.IntegerField(source="run.enterprise_id", read_only=True)
    file_name = serializers.CharField(source="run.file_name", read_only=True)
    status = serializers.CharField(source="run.status", read_only=True, help_text=WORKER_STATUSES)
    status_label = serializers.CharField(source="run.get_status_display", read_only=True)
    running = serializers.BooleanField(read_only=True, help_text="A job is checking the rows or writing the "
                                                                 "workers: poll until false.")
    progress = ProgressSerializer(read_only=True)
    counts = WorkerCountsSerializer(source="run", read_only=True)
    to_write = serializers.IntegerField(source="run.to_write", read_only=True,
                                        help_text="What confirming writes: the new rows and those who moved here.")
    written = serializers.IntegerField(source="run.written", read_only=True, help_text="Workers created.")
    skipped = serializers.IntegerField(source="run.skipped", read_only=True,
                                       help_text="Rows entered meanwhile by someone else, left out.")
    failure = serializers.CharField(source="run.failure", read_only=True,
                                    help_text="Why the check or the write failed; empty otherwise.")
    created_at = serializers.DateTimeField(source="run.created_at", read_only=True)
    checked_at = serializers.DateTimeField(source="run.checked_at", read_only=True, allow_null=True)
    confirmed_at = serializers.DateTimeField(source="run.confirmed_at", read_only=True, allow_null=True)
    written_at = serializers.DateTimeField(source="run.written_at", read_only=True, allow_null=True)
    can_confirm = serializers.BooleanField(read_only=True)
    can_cancel = serializers.BooleanField(read_only=True)


class WorkerImportRowSerializer(serializers.Serializer):
    """A checked row (``people.imports.RowShown``): the citizen ID only as its last four digits."""

    row = serializers.IntegerField(source="number", read_only=True)
    outcome = serializers.CharField(read_only=True, help_text="new, moved, existing, in_file or error.")
    outcome_label = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    birth_year = serializers.CharField(read_only=True, help_text="As read (a row with errors: as written).")
    department = serializers.CharField(read_only=True)
    id_last4 = serializers.CharField(read_only=True)
    moved_from = serializers.CharField(read_only=True, help_text="The enterprise where the person is entered.")
    match = serializers.IntegerField(read_only=True, allow_null=True, help_text="The worker already entered here.")
    messages = serializers.SerializerMethodField()

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, row) -> list[dict]:
        return _messages(row.messages)


# --- the organisation import ---------------------------------------------------------------
ORGANISATION_STATUSES = "uploaded, previewing (checking), previewed (checked), committing (writing), committed " \
                        "(imported), failed"


class OrganisationUploadSerializer(serializers.Serializer):
    """A filled-in organisation template (multipart/form-data), as the upload page takes it."""

    file = serializers.FileField(help_text="The template (.xlsx) downloaded from the import page, with your units "
                                           "and people.")
    unit = serializers.IntegerField(help_text="Import under this unit (one you administer): every unit of the file "
                                              "must be it or lie inside it.")


class OrganisationConfirmSerializer(serializers.Serializer):
    invite = serializers.BooleanField(required=False, default=False,
                                      help_text="E-mail an invitation to each new person with an e-mail address, "
                                                "once the file is written.")


class OrganisationCountsSerializer(serializers.Serializer):
    rows_total = serializers.IntegerField(read_only=True)
    created = serializers.IntegerField(read_only=True)
    updated = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
    errors = serializers.IntegerField(read_only=True, help_text="Rows with an error: a file with one is never "
                                                                "written.")


class NotInvitedSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)


class OrganisationImportSerializer(serializers.Serializer):
    """An organisation import's status (``import_selectors.OrganisationImportState``)."""

    id = serializers.IntegerField(source="run.pk", read_only=True)
    file_name = serializers.CharField(source="run.file_name", read_only=True)
    unit = serializers.IntegerField(source="run.unit_id", read_only=True)
    unit_name = serializers.CharField(source="run.unit.name", read_only=True)
    status = serializers.CharField(source="run.status", read_only=True, help_text=ORGANISATION_STATUSES)
    status_label = serializers.CharField(source="run.get_status_display", read_only=True)
    running = serializers.BooleanField(read_only=True, help_text="A job is checking or writing the file: poll "
                                                                 "until false.")
    progress = ProgressSerializer(read_only=True)
    counts = OrganisationCountsSerializer(source="run", read_only=True)
    plan = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    invitable = serializers.IntegerField(read_only=True, help_text="New people with an e-mail address.")
    invited = serializers.IntegerField(read_only=True, allow_null=True)
    not_invited = serializers.SerializerMethodField()
    failure = serializers.CharField(source="run.failure", read_only=True,
                                    help_text="Why the check or the write failed; empty otherwise.")
    created_at = serializers.DateTimeField(source="run.created_at", read_only=True)
    checked_at = serializers.DateTimeField(source="run.checked_at", read_only=True, allow_null=True)
    committed_at = serializers.DateTimeField(source="run.committed_at", read_only=True, allow_null=True)
    can_confirm = serializers.BooleanField(read_only=True)
    can_recheck = serializers.BooleanField(read_only=True)
    nothing_to_write = serializers.BooleanField(read_only=True)

    @extend_schema_field(CountSerializer(many=True))
    def get_plan(self, state) -> list[dict]:
        """What the write does, by kind."""
        return [{"key": key, "label": label, "count": count} for key, label, count in state.plan]

    @extend_schema_field(CountSerializer(many=True))
    def get_result(self, state) -> list[dict]:
        """What the write did, by kind."""
        return [{"key": key, "label": label, "count": count} for key, label, count in state.result]

    @extend_schema_field(NotInvitedSerializer(many=True))
    def get_not_invited(self, state) -> list[dict]:
        return [{"username": username, "reason": reason} for username, reason in state.not_invited]
