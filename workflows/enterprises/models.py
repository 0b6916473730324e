"""The enterprise registry (doanh nghiệp)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .validation import validate_tax_code


class OwnershipSector(models.TextChoices):
    DOMESTIC_PRIVATE = "domestic_private", _("Domestic private")
    FDI = "fdi", _("Foreign-invested (FDI)")
    STATE = "state", _("State-owned")
    COOPERATIVE = "cooperative", _("Cooperative")
    OTHER = "other", _("Other")


class WorkforceSource(models.TextChoices):
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    TAX = "tax", _("Tax office")
    SURVEY = "survey", _("Survey")


class Enterprise(models.Model):
    """An enterprise (doanh nghiệp) in which a union may be founded."""

    tax_code = models.CharField(_("tax code"), max_length=14, unique=True, validators=[validate_tax_code],
                                error_messages={"unique": _("An enterprise with this tax code already exists.")})
    name = models.CharField(_("name"), max_length=255)
    #: ``name`` folded to lower case without diacritics, for accent-insensitive search.
    search_name = models.CharField(max_length=255, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    province = models.CharField(_("province"), max_length=80, blank=True)
    commune = models.CharField(_("commune or ward"), max_length=80, blank=True)
    industrial_zone = models.CharField(_("industrial zone"), max_length=120, blank=True)
    ownership_sector = models.CharField(_("ownership sector"), max_length=20, choices=OwnershipSector.choices,
                                        default=OwnershipSector.DOMESTIC_PRIVATE)
    industry = models.CharField(_("industry"), max_length=120, blank=True)
    workforce = models.PositiveIntegerField(_("workforce"), default=0)
    workforce_as_of = models.DateField(_("workforce as of"), null=True, blank=True)
    workforce_source = models.CharField(_("workforce source"), max_length=20, choices=WorkforceSource.choices,
                                        blank=True)
    responsible_unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT,
                                         related_name="enterprises", verbose_name=_("responsible unit"))
    has_union = models.BooleanField(_("has a grassroots union"), default=False)
    union_unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("grassroots union"))
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [
            models.Index(fields=["responsible_unit", "has_union"], name="enterprise_unit_union_idx"),
            # the registry list's order: a page is the next 25 names, not a million sorted (issue 19)
            models.Index(fields=["search_name", "id"], name="enterprise_name_order_idx"),
        ]

    def __str__(self) -> str:
        return self.name


# --- registry import (danh sách doanh nghiệp từ BHXH, cơ quan thuế) ------------------
class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Columns to check")
    PREVIEWING = "previewing", _("Checking the rows")
    PREVIEWED = "previewed", _("Ready to commit")
    COMMITTING = "committing", _("Committing")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")


class ImportOutcome(models.TextChoices):
    CREATE = "create", _("New")
    UPDATE = "update", _("Update")
    UNCHANGED = "unchanged", _("Unchanged")
    OLDER = "older", _("Older figure")
    ERROR = "error", _("Rejected")


class ImportBatch(models.Model):
    """A registry list uploaded for import: its file, the column mapping, the
    preview's counts and, once committed, what was written. The file is kept
    in the database (not MEDIA_ROOT) so that a job worker on another machine
    reads it; it is dropped once the batch is committed."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("imported by"))
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("responsible unit for new enterprises"))
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(max_length=8)
    delimiter = models.CharField(max_length=1, blank=True)
    content = models.BinaryField(editable=False)
    sheet = models.PositiveSmallIntegerField(default=0)
    header_row = models.PositiveIntegerField(default=1)
    headers = models.JSONField(default=list)
    #: column index (as a string) → Enterprise field, or "" for a column left out.
    mapping = models.JSONField(default=dict)
    default_as_of = models.DateField(_("figures as of"), null=True, blank=True)
    default_source = models.CharField(_("source of the figures"), max_length=20, blank=True,
                                      choices=WorkforceSource.choices)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    #: The preview run that owns the batch: a newer run makes an older one stop.
    run_token = models.CharField(max_length=32, blank=True)
    rows_estimate = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    older = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    previewed_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        indexes = [models.Index(fields=["created_by", "created_at"], name="import_batch_user_idx")]
        constraints = [
            # Committed exactly when the commit time is set: the commit job
            # sets both in the one transaction that writes the registry.
            models.CheckConstraint(
                condition=models.Q(status="committed", committed_at__isnull=False)
                | (~models.Q(status="committed") & models.Q(committed_at__isnull=True)),
                name="import_batch_committed_at"),
        ]

    def __str__(self) -> str:
        return self.file_name


class ImportProgress(models.Model):
    """How far the running job of a batch got. A row of its own: the commit
    job holds a lock on its batch for its whole transaction and reports
    progress through a second connection, which must not wait for that lock."""

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, primary_key=True, related_name="progress")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    #: When the job last reported: a job that stops reporting has died.
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.done}/{self.total}"


class ImportRow(models.Model):
    """One data row of an imported file and what the import does with it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    tax_code = models.CharField(_("tax code"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ImportOutcome.choices)
    #: The values the row gives (Enterprise field → value; dates as ISO text).
    values = models.JSONField(default=dict)
    #: The row's cells as read, for the file of rejected rows.
    cells = models.JSONField(default=list)
    #: [[column, reason], …]: why the row is rejected or skipped.
    messages = models.JSONField(default=list)
    #: [[field, before, after], …]: what an update changes.
    changes = models.JSONField(default=list)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="import_row_key")]
        indexes = [models.Index(fields=["batch", "outcome", "row_number"], name="import_row_outcome_idx"),
                   models.Index(fields=["batch", "tax_code"], name="import_row_tax_code_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number} {self.tax_code} ({self.outcome})"


#: The workforce bands the lists filter by: label → (lowest, highest or None).
WORKFORCE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-24": (0, 24), "25-99": (25, 99), "100-499": (100, 499), "500-999": (500, 999), "1000+": (1000, None),
}


# --- summary table ----------------------------------------------------------------
#: Workforce thresholds the coverage figures can be asked for.
WORKFORCE_FLOORS = (0, 10, 20, 25, 50, 100, 200, 500, 1000, 5000)


class EnterpriseBand(models.Model):
    """Enterprises per responsible unit, workforce band and union status,
    with their workforce (all, and the part known from social insurance).

    Maintained by ``figures`` in the same transaction as the registry change;
    ``workflows.statistics.reconcile`` recomputes it and reports any drift.
    (It lived in the statistics app: the table name stays.)"""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    band = models.IntegerField(help_text="the largest WORKFORCE_FLOORS value not above the workforce")
    has_union = models.BooleanField()
    sector = models.CharField(max_length=20, default="", db_default="")
    social_insurance = models.BooleanField(default=False, db_default=False,
                                           help_text="the workforce is known from social insurance (pays it)")
    zone = models.CharField(max_length=120, default="", db_default="")
    enterprises = models.IntegerField(default=0, db_default=0)
    workforce = models.BigIntegerField(default=0, db_default=0)
    workforce_social_insurance = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_enterpriseband"
        constraints = [models.UniqueConstraint(
            fields=["unit", "band", "has_union", "sector", "social_insurance", "zone"], name="enterprise_band_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.band}+ {'union' if self.has_union else 'no union'}: {self.enterprises}"


class SubtreeBand(models.Model):
    """``EnterpriseBand`` per unit subtree, band and union status, over all
    the enterprises (the dashboard's figures without filters; a filtered
    figure sums ``EnterpriseBand``). Kept by PostgreSQL in the writer's
    statement (``workflows.campaigns.rollups.BANDS``)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    band = models.IntegerField()
    has_union = models.BooleanField()
    enterprises = models.IntegerField(default=0, db_default=0)
    workforce = models.BigIntegerField(default=0, db_default=0)
    workforce_social_insurance = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_subtreeband"
        constraints = [models.UniqueConstraint(fields=["unit", "band", "has_union"], name="subtree_band_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.band}+ {'union' if self.has_union else 'no union'}: {self.enterprises}"
