"""Files prepared by a job (xuất tệp): a list or a report, with the list's
filters, written in the background with its progress, then kept for its
creator to download for a few days.

The file is kept in the database, in chunks of ``CHUNK_BYTES`` (not under
MEDIA_ROOT): the job worker may run on another machine than the web
process, as for the imports (their uploaded files are in the database too);
a backup holds the files with their rows, and deleting a run deletes its
file. Chunks rather than one value: a country's registry is tens of
megabytes, and neither the job (writing) nor the web worker (streaming the
download) ever holds more than one chunk of it in memory.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The size of one stored piece of a file.
CHUNK_BYTES = 1024 * 1024


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a job worker")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportRun(models.Model):
    """One file asked for by one user: what (``kind``, a key of
    ``workflows.exports.kinds.KINDS``), with which parameters (the list's
    query: name → values), how far its job got, and the file once ready."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("asked for by"))
    kind = models.CharField(_("kind"), max_length=40)
    #: The query of the list or report page, without its page number: name → list of values.
    parameters = models.JSONField(default=dict)
    #: The language the file is written in: the creator's when they asked for it.
    language = models.CharField(max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    #: The job run that owns the run: a second delivery of the job takes over only from a dead one.
    token = models.CharField(max_length=32, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("asked for at"))
    started_at = models.DateTimeField(null=True, blank=True)
    #: When the job last reported: a job that stops reporting has died.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="export_run_user_idx"),
            models.Index(fields=["status", "created_at"], name="export_run_status_idx"),
        ]
        constraints = [
            # A file is there exactly when the run is ready.
            models.CheckConstraint(condition=models.Q(status="ready", finished_at__isnull=False)
                                   | ~models.Q(status="ready"), name="export_run_ready_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class ExportChunk(models.Model):
    """One piece of a ready file, in order (``seq`` from 0)."""

    run = models.ForeignKey(ExportRun, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="export_chunk_run_seq")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.seq}"
