"""The organisation import: a filled-in template (units, people, working
groups, roles) uploaded by an administrator, checked row by row without
writing, then written on confirmation in one transaction."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    # The values are the registry import's (``enterprises.ImportStatus``): one vocabulary, one set of badges.
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "previewing", _("Checking")
    CHECKED = "previewed", _("Checked")
    COMMITTING = "committing", _("Writing")
    COMMITTED = "committed", _("Imported")
    FAILED = "failed", _("Failed")


class RowOutcome(models.TextChoices):
    CREATE = "create", _("To create")
    UPDATE = "update", _("To update")
    UNCHANGED = "unchanged", _("Unchanged")
    ERROR = "error", _("Errors")


class OrganisationImport(models.Model):
    """A filled-in organisation template uploaded for import under ``unit``
    (a unit its uploader administers: every unit of the file lies inside
    it). The file is kept in the database (a job worker on another machine
    reads it) until it is written; the check's verdicts are kept as JSON,
    one entry per row of either sheet; once written, ``result`` says what
    was created, updated and left unchanged."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("imported by"))
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("imported under"))
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(editable=False)
    #: The uploader's language: the job writes the row messages in it.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    #: The check run that owns the import: a newer run makes an older one stop.
    run_token = models.CharField(max_length=32, blank=True)
    rows_estimate = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    #: Rows by outcome (both sheets).
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    #: What the write would do (units, people, groups, roles to create or change): counts by kind.
    plan = models.JSONField(default=dict)
    #: sheet kind ("units", "people") → the key of each of the file's columns, in order ("" for one left out).
    columns = models.JSONField(default=dict)
    #: The check's verdicts, in sheet and row order: [{"sheet", "row", "key", "name", "outcome",
    #: "messages": [[column, text], …], "notes": [text, …], "cells": […]}, …].
    rows = models.JSONField(default=list)
    failure = models.TextField(blank=True)
    #: Set on confirmation: e-mail an invitation to the people created, and the site's address for the link.
    invite = models.BooleanField(_("send invitations"), default=False)
    base_url = models.CharField(max_length=255, blank=True)
    #: What the write did: the plan's counts as written, and the invitations sent and not sent.
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("uploaded at"))
    checked_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("organisation import")
        verbose_name_plural = _("organisation imports")
        indexes = [models.Index(fields=["created_by", "created_at"], name="org_import_user_idx")]
        constraints = [
            # Written exactly when the write time is set: the commit job sets
            # both in the one transaction that writes the organisation.
            models.CheckConstraint(
                condition=models.Q(status="committed", committed_at__isnull=False)
                | (~models.Q(status="committed") & models.Q(committed_at__isnull=True)),
                name="org_import_committed_at"),
        ]

    def __str__(self) -> str:
        return self.file_name


class OrganisationImportProgress(models.Model):
    """How far the running job of an import got. A row of its own: the
    commit job holds a lock on its import for its whole transaction and
    reports progress through a second connection, which must not wait for
    that lock (``workflows.core.progress``)."""

    organisation_import = models.OneToOneField(OrganisationImport, on_delete=models.CASCADE, primary_key=True,
                                               related_name="progress")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    #: When the job last reported: a job that stops reporting has died.
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.organisation_import_id}: {self.done}/{self.total}"
