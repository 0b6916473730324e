"""The audit log: sign-ins, failures, lockouts, refused authorisations and
exports of personal data. Times are stored in UTC. Append-only: PostgreSQL
refuses UPDATE, DELETE and TRUNCATE of it (migration 0002)."""
from django.conf import settings
from django.db import models
from django.db.models import Value
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    SIGN_OUT = "sign_out", _("Signed out")
    ACCESS_REFUSED = "access_refused", _("Access refused")
    PERSONAL_DATA_EXPORT = "personal_data_export", _("Personal data exported")
    PERSONAL_DATA_VIEW = "personal_data_view", _("Personal data viewed")
    PERSONAL_DATA_CHANGE = "personal_data_change", _("Personal data changed or erased")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("at (UTC)"), db_index=True)
    kind = models.CharField(_("kind"), max_length=24, choices=AuditKind.choices)
    # PROTECT: the log is never rewritten, not even to forget a deleted user
    # (deactivate people instead).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("user"))
    username = models.CharField(_("user name given"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    # whose personal data was viewed, exported or changed: ids of workers (people.Worker)
    # (a database default: the tests and tools that insert rows by SQL leave it out)
    workers = models.JSONField(_("workers"), default=list, blank=True,
                               db_default=Value([], output_field=models.JSONField()))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["kind", "at"], name="audit_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}Z {self.kind} {self.username}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise RuntimeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("The audit log is append-only.")
