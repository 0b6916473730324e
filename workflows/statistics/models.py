"""Targets (chỉ tiêu) and member movements.

The summary tables every dashboard and report reads belong to the apps whose
services move them in the same transaction as the change: the campaign and
task figures to ``workflows.campaigns`` (``models`` and ``figures``), the
registry's to ``workflows.enterprises``. ``reconcile`` recomputes them from
the base tables and reports any drift.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    NEW_MEMBERS = "new_members", _("New members")
    NEW_UNIONS = "new_unions", _("New grassroots unions")
    COVERAGE = "coverage", _("Coverage of enterprises with at least N workers (%)")


class TargetSource(models.TextChoices):
    RECEIVED = "received", _("Received from the level above")
    ALLOCATED = "allocated", _("Own allocation")


class TargetHorizon(models.TextChoices):
    YEAR = "year", _("Year")
    TERM = "term", _("Congress term (5 years)")


class Target(models.Model):
    """A yearly target of a unit. ``received`` is what the level above gave
    the unit; ``allocated`` is what the unit's parent split down to it (the
    allocations of a parent's children may add up to more than it received)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="targets",
                             verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("For a term target: its first year."))
    horizon = models.CharField(_("horizon"), max_length=8, choices=TargetHorizon.choices, default=TargetHorizon.YEAR)
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    source = models.CharField(_("source"), max_length=12, choices=TargetSource.choices)
    value = models.PositiveIntegerField(_("value"))
    min_workforce = models.PositiveIntegerField(
        _("minimum workforce"), null=True, blank=True,
        help_text=_("For coverage: count enterprises with at least this many workers."),
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "horizon", "metric", "source"], name="target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_metric_display()}: {self.value}"


class MovementKind(models.TextChoices):
    RECRUITED = "recruited", _("New members recruited in existing grassroots unions")
    LOST = "lost", _("Members lost")


class MemberMovement(models.Model):
    """Members recruited in existing grassroots unions, or lost, as a unit
    reports them for a month. (New members of newly recognised unions come
    from the campaigns themselves.)"""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="member_movements",
                             verbose_name=_("unit"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    members = models.PositiveIntegerField(_("members"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        ordering = ["-month", "unit"]
        verbose_name = _("member movement")
        verbose_name_plural = _("member movements")
        indexes = [models.Index(fields=["unit", "month"], name="movement_unit_month_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%m/%Y} {self.get_kind_display()}: {self.members}"
