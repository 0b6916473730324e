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
    """The indicators a target can be set for (``indicators.REGISTRY`` defines
    each: how it is counted, rolled up and achieved)."""
    NEW_MEMBERS = "new_members", _("New members")
    NET_MEMBERS = "net_members", _("Net increase in members")
    NEW_UNIONS = "new_unions", _("New grassroots unions")
    UNION_MEMBERS = "union_members", _("Members of grassroots unions")
    COVERAGE = "coverage", _("Coverage of enterprises with at least N workers (%)")


class TargetSource(models.TextChoices):
    RECEIVED = "received", _("Received from the level above")
    ALLOCATED = "allocated", _("Own allocation")


class ProgrammeBasis(models.TextChoices):
    CONGRESS_RESOLUTION = "congress", _("Congress resolution (term)")
    RESOLUTION_PLAN = "resolution_plan", _("Plan implementing a resolution")
    YEAR_PLAN = "year_plan", _("Year's plan")
    OTHER = "other", _("Other")


class Programme(models.Model):
    """What targets belong to: a congress term, a resolution's programme, the
    year's plan — with its legal basis and dates. Programmes overlap freely;
    each is shown as its own group of columns. A programme of a unit covers
    its subtree: the unit records there what it received and what it split
    over its child units, and each child unit splits its share further."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="programmes",
                             verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=200)
    basis_kind = models.CharField(_("kind of basis"), max_length=20, choices=ProgrammeBasis.choices)
    basis = models.CharField(_("legal basis"), max_length=300, blank=True,
                             help_text=_("The resolution or plan, with its number and date."))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-start", "name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                              name="programme_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.name} ({self.start:%d/%m/%Y}–{self.end:%d/%m/%Y})"


class Milestone(models.Model):
    """A date inside a programme by which some of its targets fall due
    (a resolution's goals for 2028 and for 2033)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="milestones",
                                  verbose_name=_("programme"))
    on = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=120)

    class Meta:
        ordering = ["on"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [models.UniqueConstraint(fields=["programme", "on"], name="milestone_unique")]

    def __str__(self) -> str:
        return f"{self.label} ({self.on:%d/%m/%Y})"


class Target(models.Model):
    """A target of a unit in a programme, due on the programme's end or on
    one of its milestones. ``received`` is what the level above gave the
    unit; ``allocated`` is what the unit's parent split down to it (the
    allocations of a parent's children may add up to more than it
    received). A range (6.000–7.000) has ``value_max``; filters restrict
    the indicator to some enterprises (ownership sector, workforce floor,
    paying social insurance, industrial zone)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets",
                                  verbose_name=_("programme"))
    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="targets",
                             verbose_name=_("unit"))
    due_on = models.DateField(_("due on"))
    metric = models.CharField(_("indicator"), max_length=32, choices=Metric.choices)
    source = models.CharField(_("source"), max_length=12, choices=TargetSource.choices)
    value = models.PositiveIntegerField(_("value"))
    value_max = models.PositiveIntegerField(_("upper bound"), null=True, blank=True,
                                            help_text=_("For a range (6.000–7.000): its upper bound."))
    sector = models.CharField(_("ownership sector"), max_length=20, blank=True,
                              help_text=_("Only enterprises of this ownership sector (empty: all)."))
    min_workforce = models.PositiveIntegerField(
        _("minimum workforce"), default=0,
        help_text=_("Only enterprises with at least this many workers (0: all)."),
    )
    social_insurance_only = models.BooleanField(_("only enterprises paying social insurance"), default=False)
    industrial_zone = models.CharField(_("industrial zone"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "unit", "due_on", "metric", "source", "sector", "min_workforce",
                        "social_insurance_only", "industrial_zone"], name="target_unique"),
            models.CheckConstraint(
                condition=models.Q(value_max__isnull=True) | models.Q(value_max__gte=models.F("value")),
                name="target_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.programme.name} {self.get_metric_display()}: {self.value}"


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
    on = models.DateField(_("date"), help_text=_("The day the members joined or left (or the month's first)."))
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


class MemberCensus(models.Model):
    """A count of members a unit reports as of a date, with its source (a
    census, the unit's own register): for a grassroots union its members;
    for an upper-level unit those of its whole subtree. The count of members
    on a later day is the census plus what was recruited, admitted and lost
    since (``engine.union_members``)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="member_censuses",
                             verbose_name=_("unit"))
    as_of = models.DateField(_("as of"))
    members = models.PositiveIntegerField(_("members"))
    source = models.CharField(_("source"), max_length=200)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        ordering = ["-as_of", "unit"]
        verbose_name = _("member count")
        verbose_name_plural = _("member counts")
        constraints = [models.UniqueConstraint(fields=["unit", "as_of"], name="member_census_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.as_of:%d/%m/%Y}: {self.members}"


class EstimateKind(models.TextChoices):
    WORKFORCE_INCREASE = "workforce_increase", _("Expected workforce increase")


class Estimate(models.Model):
    """A figure a unit estimates for a year (the workforce increase it expects
    next year), dated and sourced. The latest entered for a unit, kind and
    year counts."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="estimates",
                             verbose_name=_("unit"))
    kind = models.CharField(_("estimate"), max_length=32, choices=EstimateKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.PositiveIntegerField(_("value"))
    source = models.CharField(_("source"), max_length=200)
    as_of = models.DateField(_("as of"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        ordering = ["-year", "unit"]
        verbose_name = _("estimate")
        verbose_name_plural = _("estimates")
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "year"], name="estimate_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.year}: {self.value}"



class UnitStock(models.Model):
    """A unit's stocks as ``engine._Stocks`` computes them (members of
    grassroots unions, the workforce in and out of them, the estimates), for
    its whole subtree and for its own rows, at the end of ``StockRun.day``.

    Written by ``stocks.refresh`` (a job) for every unit at once; read by the
    dashboards only while nothing they are computed from has changed since
    (``stocks.fresh``), otherwise the engine computes them from the base
    tables. PostgreSQL only (the change counter is kept by triggers)."""

    unit = models.OneToOneField("organisation.Unit", primary_key=True, on_delete=models.CASCADE, related_name="+")
    members = models.IntegerField(default=0)
    census_on = models.DateField(null=True)
    census_source = models.CharField(max_length=200, blank=True)
    counts_below = models.IntegerField(default=0)
    latest_below = models.DateField(null=True)
    own_members = models.IntegerField(default=0)
    in_unions = models.BigIntegerField(default=0)
    not_unionised = models.BigIntegerField(default=0)  # of the enterprises with a union: workforce less members
    own_in_unions = models.BigIntegerField(default=0)
    own_not_unionised = models.BigIntegerField(default=0)
    latest_as_of = models.DateField(null=True)
    own_latest_as_of = models.DateField(null=True)
    estimates = models.JSONField(default=dict)  # kind → [value, source, as_of (ISO)]
    own_estimates = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.members}"


class StockRun(models.Model):
    """The one refresh of ``UnitStock`` in place: the day its stocks are at,
    and the value of the change counter (a sequence that every change of
    what they are computed from advances) that they include."""

    day = models.DateField()
    generation = models.BigIntegerField()
    future_inputs = models.BooleanField(default=False)  # something dated after ``day`` was entered
    taken_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} #{self.generation}"


class KeptFiguresStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a job worker")
    RUNNING = "running", _("Being counted")
    READY = "ready", _("Counted")
    FAILED = "failed", _("Failed")


class KeptFigures(models.Model):
    """Figures too long to count on a page — a dashboard as it stood on a
    past day, a report from the history — counted once by a job and kept
    rendered as the page shows them (they hold nothing of the user), for
    everyone who asks for the same figures (``kept_figures``).

    ``kind`` says which page ("overview", "report"); ``parameters`` is the
    page's query, normalised (what decides the figures), and ``digest`` its
    SHA-256, the key's part. The page says when they were counted and offers
    to count them again."""

    kind = models.CharField(max_length=16)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    parameters = models.TextField()
    digest = models.CharField(max_length=64)
    language = models.CharField(max_length=10)
    can_plan = models.BooleanField()  # the figures link to the targets' pages for a user who may plan the unit
    status = models.CharField(max_length=10, choices=KeptFiguresStatus.choices, default=KeptFiguresStatus.QUEUED)
    #: The job run at work on it: a second delivery takes over only from a dead one.
    token = models.CharField(max_length=32, blank=True)
    asked_at = models.DateTimeField()
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True)
    counted_at = models.DateTimeField(null=True)  # when the counting started: what was written after may be missing
    seconds = models.FloatField(default=0)
    heading = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    figures = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "unit", "digest", "language", "can_plan"],
                                               name="kept_figures_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id} {self.parameters}: {self.status}"
