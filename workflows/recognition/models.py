"""The recognition dossier of a campaign, its documents, and the review
process (a viewflow.workflow Process) that carries it from submission to the
decision."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.campaigns.flows import DocumentKind
from workflows.campaigns.models import Campaign

__all__ = ["DocumentKind", "Dossier", "DossierDocument", "DossierStatus", "RecognitionProcess"]


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Waiting for verification")
    RETURNED = "returned", _("Returned for correction")
    VERIFIED = "verified", _("Waiting for the decision")
    RECOGNISED = "recognised", _("Recognised")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses in which the committee's officers may change the documents.
EDITABLE = (DossierStatus.DRAFT, DossierStatus.RETURNED)


class Dossier(models.Model):
    """What the mobilising committee submits for recognition: documents, and
    what the review made of them."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="dossier",
                                    verbose_name=_("campaign"))
    status = models.CharField(_("status"), max_length=16, choices=DossierStatus.choices,
                              default=DossierStatus.DRAFT)
    #: Moves on every change: a form read at one version is refused at another.
    version = models.PositiveIntegerField(default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submissions = models.PositiveSmallIntegerField(_("submissions"), default=0)
    review_comments = models.TextField(_("verifier's comments"), blank=True)
    decision_number = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    admitted_members = models.PositiveIntegerField(_("admitted members"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("recognition dossier")
        verbose_name_plural = _("recognition dossiers")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return str(self.campaign)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class DossierDocument(models.Model):
    """One uploaded document. A new upload of the same kind supersedes the
    previous one, which is kept for the record. The file is kept in the
    database, like import files: the web tier keeps no state."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=32, choices=DocumentKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "kind"], condition=Q(superseded_at__isnull=True),
                                    name="one_current_document_per_kind"),
        ]
        indexes = [models.Index(fields=["dossier", "kind", "uploaded_at"])]

    def __str__(self) -> str:
        return self.file_name


class RecognitionProcess(Process):
    """One run of the review of a dossier (viewflow.workflow)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="processes")

    class Meta:
        verbose_name = _("recognition review")
        verbose_name_plural = _("recognition reviews")
