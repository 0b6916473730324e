"""Targets (chỉ tiêu), member movements, and the summary tables every
dashboard and report reads.

The summary tables are maintained by ``counters`` in the same transaction as
the change that moves a figure, keyed by the unit that owns the figure (a
campaign's responsible unit); a subtree's figure is the sum over the units
whose path starts with the subtree's. ``reconcile`` recomputes them from the
base tables and reports any drift.
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


# --- summary tables ---------------------------------------------------------------
class StageCohort(models.Model):
    """Campaigns now at ``stage`` that entered it on ``entered_on``, per
    responsible unit: the pipeline (sum over days) and the stalled (those
    that entered before the stage's cut-off)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=32)
    entered_on = models.DateField()
    campaigns = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "stage", "entered_on"], name="stage_cohort_key")]


class MonthFigures(models.Model):
    """What happened in a unit in a month: campaigns entering each stage of
    the success path (the funnel; entering "recognised" is a CĐCS founded),
    campaigns abandoned, and members admitted, recruited and lost."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    entered_surveyed = models.IntegerField(default=0, db_default=0)
    entered_employer_contacted = models.IntegerField(default=0, db_default=0)
    entered_mobilising_committee = models.IntegerField(default=0, db_default=0)
    entered_founding_congress = models.IntegerField(default=0, db_default=0)
    entered_recognised = models.IntegerField(default=0, db_default=0)
    abandoned = models.IntegerField(default=0, db_default=0)
    members_admitted = models.IntegerField(default=0, db_default=0)
    members_recruited = models.IntegerField(default=0, db_default=0)
    members_lost = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="month_figures_key")]


class StageDuration(models.Model):
    """A histogram: how many stints in ``stage`` that ended in ``month``
    lasted ``working_days`` working days. Percentiles of a subtree and
    period come from the summed histogram."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    stage = models.CharField(max_length=32)
    working_days = models.IntegerField()
    stints = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month", "stage", "working_days"],
                                               name="stage_duration_key")]


class TaskDueCount(models.Model):
    """Open tasks per unit and due date: overdue = the sum before today."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    open_tasks = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "due_on"], name="task_due_count_key")]


#: Workforce thresholds the coverage figures can be asked for.
WORKFORCE_FLOORS = (0, 10, 20, 25, 50, 100, 200, 500, 1000, 5000)


class EnterpriseBand(models.Model):
    """Enterprises per responsible unit, workforce band and union status,
    with their workforce (all, and the part known from social insurance)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    band = models.IntegerField(help_text="the largest WORKFORCE_FLOORS value not above the workforce")
    has_union = models.BooleanField()
    enterprises = models.IntegerField(default=0, db_default=0)
    workforce = models.BigIntegerField(default=0, db_default=0)
    workforce_social_insurance = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "band", "has_union"], name="enterprise_band_key")]
