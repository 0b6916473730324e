"""What the field app keeps on the server: one receipt per record an
officer's device sent, under the idempotency key the device made for it.

A device sends a record until it hears an answer, and may send it again
(a lost answer, two tabs, the service worker's background sync and the page
at once); the receipt is written in the same transaction as the record's
effect, so a key is applied once and a retry reads the stored outcome.
A record refused for a conflict (the case moved meanwhile) leaves no
receipt: the officer decides, and the device sends it again under the same
key with the version it now knows."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")


class FieldReceipt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField(help_text=_("The idempotency key the device made for the record."))
    kind = models.CharField(max_length=32)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    message = models.TextField(blank=True, default="")
    recorded_at = models.DateTimeField(null=True, blank=True,
                                       help_text=_("When the officer recorded it on the device."))
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("field record receipt")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="field_receipt_one_per_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.outcome})"
