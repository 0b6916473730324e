"""Campaigns (cuộc vận động), their append-only history, tasks, and the
reference data that drives them (rule sets, per-stage task templates)."""
from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Length
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from workflows.core import clock

from . import flows
from .flows import AbandonReason, MeetingOutcome, Stage


class RuleSetQuerySet(models.QuerySet):
    def in_force(self, day: dt.date, unit=None) -> RuleSet | None:
        """The rule set in force on ``day`` for ``unit``'s campaigns (None:
        the national one): among the sets of the unit, of the units above it
        and the national ones, the nearest unit's that has any set effective
        by ``day`` — its latest one. One query (the limits besides): the
        paths of the units above are prefixes of the unit's path."""
        scope = Q(unit__isnull=True)
        if unit is not None:
            step = unit.steplen
            scope |= Q(unit__path__in=[unit.path[:end] for end in range(step, len(unit.path) + 1, step)])
        return (self.filter(scope, effective_from__lte=day)
                .annotate(depth=Coalesce(Length("unit__path"), 0))
                .order_by("-depth", "-effective_from").prefetch_related("limits").first())

    def rules_on(self, day: dt.date, unit=None) -> flows.Rules:
        """The values of the rule set in force on ``day`` for ``unit``
        (``in_force``); the charter's defaults when none is recorded."""
        rule_set = self.in_force(day, unit)
        return rule_set.as_rules() if rule_set else flows.Rules()


class RuleSet(models.Model):
    """The values the guards and deadlines use, from a given date on: they
    change with the law and the union charter. The set in force on a day is
    the one with the latest ``effective_from`` not after that day. The
    working days allowed in each stage are its ``limits`` (a stage without
    one has no limit)."""

    name = models.CharField(_("name"), max_length=200)
    # null: the national rule set; a unit: its subtree (the nearest unit's set wins).
    unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="rule_sets", verbose_name=_("unit"), help_text=_("Empty: the whole country."))
    effective_from = models.DateField(_("effective from"))
    min_committee = models.PositiveSmallIntegerField(_("minimum mobilising committee size"), default=3)
    min_members = models.PositiveSmallIntegerField(_("minimum members for a founding congress"), default=5)
    remind_before_due = models.PositiveSmallIntegerField(
        _("reminder: working days before the due date"), default=2,
        help_text=_("0: no reminder before the due date (the due-day reminder is still sent)."))
    escalate_overdue_after = models.PositiveSmallIntegerField(
        _("escalation: working days overdue"), default=3,
        help_text=_("Supervisors are told when a task is this many working days overdue; 0: never."))
    verification_days = models.PositiveSmallIntegerField(
        _("recognition: working days to verify a dossier"), default=5,
        help_text=_("A dossier waiting longer for verification is escalated to the unit's supervisors; 0: never."))
    decision_days = models.PositiveSmallIntegerField(
        _("recognition: working days to decide"), default=5,
        help_text=_("A verified dossier waiting longer for the decision is escalated; 0: never."))
    required_documents = models.JSONField(
        _("recognition: required documents"), default=flows.all_document_kinds, blank=True,
        help_text=_("The documents a recognition dossier must hold before it can be submitted."))
    follow_up_months = models.PositiveSmallIntegerField(
        _("follow-up of a new grassroots union (months)"), default=12,
        help_text=_("How long a new grassroots union's first-year milestones are followed after recognition."))
    dues_within_months = models.PositiveSmallIntegerField(
        _("dues collected within (months)"), default=6,
        help_text=_("A new grassroots union counts as collecting dues when its first dues are remitted within "
                    "this many months of recognition."))
    erase_after_months = models.PositiveSmallIntegerField(
        _("erase workers who did not join after (months)"), default=12, db_default=12,
        help_text=_("The personal data of an enterprise's workers who did not join the union is erased this many "
                    "months after its campaign closes (Decree 13/2023)."))
    note = models.TextField(_("legal basis"), blank=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        constraints = [
            models.UniqueConstraint(fields=["unit", "effective_from"], name="rule_set_unit_effective_from"),
            models.UniqueConstraint(fields=["effective_from"], condition=models.Q(unit__isnull=True),
                                    name="rule_set_national_effective_from"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%d/%m/%Y})"

    def clean(self) -> None:
        super().clean()
        unknown = set(self.required_documents or []) - set(flows.DocumentKind.values)
        if not isinstance(self.required_documents, list) or unknown:
            raise ValidationError({"required_documents": _("Choose documents from the list.")})

    def as_rules(self) -> flows.Rules:
        return flows.Rules(
            min_committee=self.min_committee,
            min_members=self.min_members,
            verification_days=self.verification_days,
            decision_days=self.decision_days,
            required_documents=tuple(k for k in flows.DocumentKind.values if k in (self.required_documents or [])),
            stage_limits=tuple((limit.stage, limit.working_days) for limit in self.limits.all()),
            follow_up_months=self.follow_up_months, dues_within_months=self.dues_within_months,
            erase_after_months=self.erase_after_months,
        )


class RuleSetLimit(models.Model):
    """The working days a campaign may stay in ``stage`` under a rule set:
    past it, the campaign is stalled and its supervisors are told."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="limits",
                                 verbose_name=_("rule set"))
    stage = models.CharField(_("stage"), max_length=32, choices=[(s.value, s.label) for s in flows.WORKING_STAGES])
    working_days = models.PositiveSmallIntegerField(_("working days allowed"))

    class Meta:
        ordering = ["rule_set", "stage"]
        verbose_name = _("stage time limit")
        verbose_name_plural = _("stage time limits")
        constraints = [models.UniqueConstraint(fields=["rule_set", "stage"], name="rule_set_limit_key")]

    def __str__(self) -> str:
        return f"{Stage(self.stage).label}: {self.working_days}"


class Milestone(models.TextChoices):
    """What a new grassroots union does in its first year (the follow-up's checklist)."""
    LAUNCH = "launch", _("Launch held")
    COMMITTEE_TRAINED = "committee_trained", _("Executive committee trained")
    DUES_SET_UP = "dues_set_up", _("Bank account and dues collection set up")
    DUES_REMITTED = "dues_remitted", _("First dues remitted")
    DIALOGUE = "dialogue", _("First workplace dialogue held")
    AGREEMENT = "agreement", _("Collective agreement negotiated or signed")
    CARDS = "cards", _("Members' cards issued")


#: The stages a checklist is kept for: the working stages, and "recognised"
#: for the first year's follow-up of the new grassroots union.
TEMPLATE_STAGES = [*((s.value, s.label) for s in flows.WORKING_STAGES),
                   (Stage.RECOGNISED.value, _("First year after recognition"))]


class StageTaskTemplate(models.Model):
    """A task created for every campaign that enters ``stage``, due
    ``due_in_working_days`` working days after the stage was entered."""

    # null: the national checklist; a unit: its subtree's (the nearest unit
    # with templates for a stage replaces the national ones for that stage).
    unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="task_templates", verbose_name=_("unit"),
                             help_text=_("Empty: the whole country."))
    stage = models.CharField(_("stage"), max_length=32, choices=TEMPLATE_STAGES)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    due_in_working_days = models.PositiveSmallIntegerField(_("due in working days"))
    milestone = models.CharField(_("follow-up milestone"), max_length=24, blank=True, choices=Milestone.choices,
                                 help_text=_("For the first year after recognition: which milestone the task is."))
    is_core = models.BooleanField(_("core milestone"), default=False,
                                  help_text=_("A new grassroots union stands on its own when its core milestones "
                                              "are done."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["stage", "order", "pk"]
        verbose_name = _("stage task template")
        verbose_name_plural = _("stage task templates")

    def __str__(self) -> str:
        return f"{Stage(self.stage).label}: {self.title}"


class Register(models.TextChoices):
    """How a campaign knows its workers: by name in the people register (the
    core group, applications and admitted members are derived from it), or
    as figures only, typed in (an enterprise whose workers are not entered)."""

    NAMES = "names", _("Workers by name")
    FIGURES = "figures", _("Figures only")


class Campaign(flows.StageMachine, ConcurrentTransitionMixin, models.Model):
    """A campaign (cuộc vận động) to found a grassroots union in one enterprise.

    ``stage`` changes only through the transition methods, one per
    declaration of ``flows.TRANSITIONS`` (``flows.StageMachine``), which only
    ``services`` call; ``ConcurrentTransitionMixin`` refuses to save a stage
    change over a stage that changed in the database meanwhile.
    """

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT,
                                   related_name="campaigns", verbose_name=_("enterprise"))
    responsible_unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT,
                                         related_name="campaigns", verbose_name=_("responsible unit"))
    # indexed by ``campaign_group_recent_idx``, which it leads
    working_group = models.ForeignKey("organisation.WorkingGroup", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="campaigns", verbose_name=_("working group"), db_index=False)
    stage = FSMField(_("stage"), max_length=32, choices=Stage.choices, default=Stage.SURVEYED, protected=True)
    held_stage = models.CharField(_("stage before the hold"), max_length=32, blank=True,
                                  choices=[(s.value, s.label) for s in flows.WORKING_STAGES])
    version = models.PositiveIntegerField(_("version"), default=0)

    opened_at = models.DateTimeField(_("opened at"))
    stage_entered_at = models.DateTimeField(_("stage entered at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    workforce = models.PositiveIntegerField(_("workforce"), default=0)
    core_group = models.PositiveIntegerField(_("core group"), default=0)
    committee_size = models.PositiveIntegerField(_("mobilising committee members"), default=0)
    applications = models.PositiveIntegerField(_("membership applications"), default=0)
    admitted_members = models.PositiveIntegerField(_("admitted members"), default=0)
    # database default: bulk loaders that name the columns they know stay valid
    register = models.CharField(_("workers recorded"), max_length=8, choices=Register.choices,
                                default=Register.FIGURES, db_default=Register.FIGURES)

    employer_met_on = models.DateField(_("employer meeting date"), null=True, blank=True)
    employer_meeting_outcome = models.CharField(_("employer meeting outcome"), max_length=16, blank=True,
                                                choices=MeetingOutcome.choices)
    committee_formed_on = models.DateField(_("committee formed on"), null=True, blank=True)
    congress_on = models.DateField(_("founding congress date"), null=True, blank=True)
    decision_number = models.CharField(_("recognition decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("recognition decision date"), null=True, blank=True)
    recognised_unit = models.OneToOneField("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="founding_campaign", verbose_name=_("grassroots union"))
    abandon_reason = models.CharField(_("abandon reason"), max_length=32, blank=True, choices=AbandonReason.choices)
    abandon_note = models.TextField(_("abandon note"), blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(stage__in=flows.OPEN_STAGES),
                name="one_open_campaign_per_enterprise",
                violation_error_message=_("This enterprise already has an open campaign."),
            ),
        ]
        indexes = [
            # a group's campaigns of a stage, the latest moved first (an officer's list and board: each
            # stage's first page, and the count, from the index alone); a unit's (a supervisor's); and the
            # same over every unit (a national or provincial scope)
            models.Index("working_group", "stage", F("stage_entered_at").desc(), F("id").desc(),
                         name="campaign_group_recent_idx"),
            models.Index("responsible_unit", "stage", F("stage_entered_at").desc(), F("id").desc(),
                         name="campaign_unit_stage_recent_idx"),
            # the lowest and the highest unit of a group's campaigns, a probe each: whether its open tasks
            # all sit in one unit (``selectors.reassignable_task_places``)
            models.Index(fields=["working_group", "responsible_unit"], name="campaign_group_unit_idx"),
            models.Index("stage", F("stage_entered_at").desc(), F("id").desc(), name="campaign_stage_recent_idx"),
        ]

    def __str__(self) -> str:
        return str(self.enterprise)

    @property
    def is_open(self) -> bool:
        return self.stage in flows.OPEN_STAGES

    @cached_property
    def rules(self) -> flows.Rules:
        """The rule set in force today for the responsible unit, the day a
        transition is taken or offered; a fresh instance reads it afresh."""
        return RuleSet.objects.rules_on(clock.today(), self.responsible_unit)


class CommitteeMember(models.Model):
    """A worker on the mobilising committee (ban vận động), chosen from the
    enterprise's workers (a line of a figures-only campaign's list becomes a
    worker). Contact details are personal data: shown only to the roles
    that work the campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="committee_members")
    worker = models.ForeignKey("people.Worker", on_delete=models.PROTECT, related_name="committee_seats",
                               verbose_name=_("worker"))
    is_head = models.BooleanField(_("head of the committee"), default=False)

    class Meta:
        ordering = ["-is_head", "worker__full_name", "pk"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [models.UniqueConstraint(fields=["campaign", "worker"], name="committee_seat_once")]

    def __str__(self) -> str:
        return self.full_name

    # what the pages and the decision read (select the worker with the seat)
    @property
    def full_name(self) -> str:
        return self.worker.display_name

    @property
    def job_title(self) -> str:
        return "" if self.worker.is_anonymised else (self.worker.job or self.worker.department)

    @property
    def phone(self) -> str:
        return self.worker.phone


class Application(models.Model):
    """A worker's application to join the union (đơn xin gia nhập), received
    on a day, optionally with the scanned form; withdrawn, or admitted at
    the founding congress. A figures-only campaign has none: it types the count."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="member_applications")
    worker = models.ForeignKey("people.Worker", on_delete=models.PROTECT, related_name="applications",
                               verbose_name=_("worker"))
    applied_on = models.DateField(_("applied on"))
    form_name = models.CharField(_("scanned form"), max_length=255, blank=True)
    form_type = models.CharField(max_length=100, blank=True)
    form_content = models.BinaryField(null=True, blank=True, editable=False)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["applied_on", "pk"]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        constraints = [models.UniqueConstraint(fields=["campaign", "worker"], name="application_once")]
        indexes = [models.Index(fields=["campaign", "withdrawn_on", "admitted_on"], name="application_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.applied_on:%d/%m/%Y})"

    @property
    def is_standing(self) -> bool:
        return self.withdrawn_on is None


class EventKind(models.TextChoices):
    OPENED = "opened", _("Campaign opened")
    STAGE = "stage", _("Stage changed")
    ASSIGNED = "assigned", _("Working group assigned")
    MEETING = "meeting", _("Employer meeting")
    COMMITTEE = "committee", _("Mobilising committee recorded")
    COUNTS = "counts", _("Counts recorded")
    NOTE = "note", _("Note")
    TASK_ADDED = "task_added", _("Task added")
    TASK_DONE = "task_done", _("Task completed")
    TASK_REOPENED = "task_reopened", _("Task reopened")
    TASK_REASSIGNED = "task_reassigned", _("Task reassigned")
    DOSSIER_SUBMITTED = "dossier_submitted", _("Recognition dossier submitted")
    DOSSIER_RETURNED = "dossier_returned", _("Recognition dossier returned for correction")
    DOSSIER_VERIFIED = "dossier_verified", _("Recognition dossier verified")
    DOSSIER_ESCALATED = "dossier_escalated", _("Recognition dossier escalated")
    TRANSFERRED = "transferred", _("Moved to another unit")
    FOLLOW_UP_FAILED = "follow_up_failed", _("New grassroots union failed")
    CONVERSATION = "conversation", _("Conversation with workers")
    APPLICATIONS = "applications", _("Membership applications")
    REGISTER = "register", _("How the workers are recorded")


class CampaignEvent(models.Model):
    """One entry of a campaign's append-only history: the case timeline and
    the source of time-in-stage figures. Never updated, never deleted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="events")
    # The campaign's responsible unit when the event happened: figures of the
    # past stay with it when a closed unit's work moves to its successor.
    unit = models.ForeignKey("organisation.Unit", null=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    from_stage = models.CharField(_("from stage"), max_length=32, blank=True, choices=Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=32, blank=True, choices=Stage.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")
        indexes = [
            models.Index(fields=["campaign", "at"], name="event_campaign_at_idx"),
            models.Index(fields=["unit", "at"], name="event_unit_at_idx"),
            models.Index(fields=["kind", "to_stage", "at"], name="event_kind_stage_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise RuntimeError("Campaign events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Campaign events are append-only.")

    @property
    def meeting_date(self):
        try:
            return dt.date.fromisoformat((self.data or {}).get("held_on", ""))
        except (TypeError, ValueError):
            return None

    @property
    def outcome_label(self) -> str:
        outcome = (self.data or {}).get("outcome")
        return MeetingOutcome(outcome).label if outcome in MeetingOutcome.values else ""


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """A task (công việc) of a campaign. No assignee: it waits in the working
    group's queue."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    stage = models.CharField(_("stage"), max_length=32, choices=Stage.choices)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    template = models.ForeignKey(StageTaskTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="tasks", verbose_name=_("assignee"))
    working_group = models.ForeignKey("organisation.WorkingGroup", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="tasks", verbose_name=_("working group"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    # database defaults: bulk loaders that name the columns they know (bench/generate.py) stay valid
    milestone = models.CharField(_("follow-up milestone"), max_length=24, blank=True, choices=Milestone.choices,
                                 default="", db_default="")
    is_core = models.BooleanField(_("core milestone"), default=False, db_default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # the conversation whose next step this task is
    conversation = models.ForeignKey("people.Conversation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="tasks", verbose_name=_("conversation"))

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "due_on"], condition=Q(status="open"), name="task_open_assignee_idx"),
            # a group's open tasks in due order; with their assignee, the groups page's workload per member
            # is read from the index alone (an open task is in its campaign's group: no campaign is read)
            models.Index(fields=["working_group", "due_on"], include=["assignee"], condition=Q(status="open"),
                         name="task_open_group_idx"),
            # a group's queue in due order: My tasks reads a page of it without sorting the queue
            models.Index(fields=["working_group", "due_on", "id"], condition=Q(status="open", assignee__isnull=True),
                         name="task_queue_idx"),
            # an officer's own open tasks by group in due order: My tasks counts them and reads a page of
            # them from the index alone (an open task is in its campaign's group: no campaign is read); with
            # their campaign, the officer's tasks page joins those of a group whose cases sit in several units
            # to their campaign without reading a task (``reassignable_task_places``)
            models.Index(fields=["assignee", "working_group", "due_on", "id"], include=["campaign"],
                         condition=Q(status="open"), name="task_open_mine_idx"),
            models.Index(fields=["campaign", "status"], name="task_campaign_status_idx"),
            # The reminder job walks open tasks by due date (keyset on due_on, id).
            models.Index(fields=["due_on", "id"], condition=Q(status="open"), name="task_open_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class FollowUpStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    LATE = "late", _("Late")
    STANDING = "standing", _("Standing on its own")
    FAILED = "failed", _("Failed or dissolved")


class FailureReason(models.TextChoices):
    DISSOLVED = "dissolved", _("Dissolved")
    ENTERPRISE_CLOSED = "enterprise_closed", _("The enterprise closed")
    NEVER_ACTIVE = "never_active", _("Never active (no dues, no meetings)")
    EMPLOYER_PRESSURE = "employer_pressure", _("Pressure from the employer")
    OTHER = "other", _("Other")


class FollowUp(models.Model):
    """The first year of a new grassroots union, opened by its recognition:
    the campaign goes on after the decision (its recognised figures do not
    move) with the checklist of stage "recognised" (``Task.milestone``).
    The dates of the milestones the figures count are kept here; the status
    is read (``status``): failed, else standing on its own (every core
    milestone done), else late (a milestone overdue), else on track."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="follow_up")
    unit = models.OneToOneField("organisation.Unit", on_delete=models.PROTECT, related_name="follow_up",
                                verbose_name=_("grassroots union"))
    opened_on = models.DateField(_("opened on"))
    ends_on = models.DateField(_("followed until"))
    dues_due_by = models.DateField(_("dues expected by"))
    launch_on = models.DateField(_("launch held on"), null=True, blank=True)
    dues_remitted_on = models.DateField(_("first dues remitted on"), null=True, blank=True)
    agreement_on = models.DateField(_("collective agreement on"), null=True, blank=True)
    standing_on = models.DateField(_("standing on its own since"), null=True, blank=True)
    failed_on = models.DateField(_("failed on"), null=True, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=24, blank=True, choices=FailureReason.choices)
    failure_note = models.TextField(_("note"), blank=True)
    members_lost = models.PositiveIntegerField(_("members lost"), default=0)

    class Meta:
        verbose_name = _("first-year follow-up")
        verbose_name_plural = _("first-year follow-ups")

    def __str__(self) -> str:
        return str(self.unit_id)

    def status_on(self, today: dt.date, *, late: bool) -> str:
        """The status on ``today``; ``late``: a milestone of it is overdue."""
        if self.failed_on:
            return FollowUpStatus.FAILED
        if self.standing_on:
            return FollowUpStatus.STANDING
        return FollowUpStatus.LATE if late else FollowUpStatus.ON_TRACK


#: The milestones whose day a follow-up keeps for the figures.
MILESTONE_DATES = {Milestone.LAUNCH: "launch_on", Milestone.DUES_REMITTED: "dues_remitted_on",
                   Milestone.AGREEMENT: "agreement_on"}


# --- summary tables ---------------------------------------------------------------
# Maintained by ``figures`` in the same transaction as the campaign or task
# change that moves a figure, keyed by the campaign's responsible unit; a
# subtree's figure is the sum over the units whose path starts with the
# subtree's. ``workflows.statistics.reconcile`` recomputes them from the base
# tables and reports any drift. (They lived in the statistics app: the table
# names stay ``statistics_*``.)
class StageCohort(models.Model):
    """Campaigns now at ``stage`` that entered it on ``entered_on``, per
    responsible unit: the pipeline (sum over days) and the stalled (those
    that entered before the stage's cut-off)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=32)
    entered_on = models.DateField()
    campaigns = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_stagecohort"
        constraints = [models.UniqueConstraint(fields=["unit", "stage", "entered_on"], name="stage_cohort_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.stage} {self.entered_on:%d/%m/%Y}: {self.campaigns}"


class SubtreeStage(models.Model):
    """The coarse level of ``StageCohort``: campaigns now at ``stage`` in the
    subtree of ``unit`` — the unit's own and those of every unit below it —
    one row per unit and stage, so that a dashboard, the board and the lists
    read one row per child unit and stage instead of summing the cohorts of
    the whole subtree. A unit's own campaigns are its row less its children's.

    Kept by PostgreSQL itself, in the writer's statement (migration
    ``0019_subtree_stage``): a trigger on ``StageCohort`` adds each change of
    a cohort to the unit's row and to every ancestor's, root first; a
    trigger on the units moves a moved subtree's figures from its old
    ancestors to its new ones. Nothing in Python writes it but ``rebuild``
    (``workflows.statistics.reconcile``), whose drift check covers it. On
    SQLite (small databases) it is not kept, and the readers sum the cohorts
    (``figures.rollups_kept``)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=32)
    campaigns = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_subtreestage"
        constraints = [models.UniqueConstraint(fields=["unit", "stage"], name="subtree_stage_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.stage}: {self.campaigns}"


class SubtreeByMonth(models.Model):
    """What the rollups by month have in common: a row of ``unit``'s subtree
    for ``month`` (its first day), or with ``whole_year`` for the year of
    ``month`` (its January), so that a dashboard reads a row per child for
    a year instead of twelve (``rollups.months_q``)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    whole_year = models.BooleanField()
    month = models.DateField()

    class Meta:
        abstract = True

    def _when(self) -> str:
        return self._when()


class SubtreeEntries(SubtreeByMonth):
    """The funnel (``StageEntries``) per unit subtree: the campaigns of the
    unit and of every unit below it that entered ``stage`` in ``month``, and
    with ``whole_year`` in the year of ``month`` (its January), so that a
    dashboard reads a row per child and stage for a year instead of twelve.

    Kept by PostgreSQL in the writer's statement (``rollups.ENTRIES``,
    migration ``0025_subtree_rollups``), like ``SubtreeStage``."""

    stage = models.CharField(max_length=32)
    campaigns = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_subtreeentries"
        constraints = [models.UniqueConstraint(fields=["unit", "whole_year", "month", "stage"],
                                               name="subtree_entries_key")]

    def __str__(self) -> str:
        return f"{self._when()} {self.stage}: {self.campaigns}"


class SubtreeMonthFigures(SubtreeByMonth):
    """``MonthFigures`` per unit subtree, by month and (``whole_year``) by
    year (``rollups.MONTHS``)."""

    abandoned = models.IntegerField(default=0, db_default=0)
    unions_founded = models.IntegerField(default=0, db_default=0)
    members_admitted = models.IntegerField(default=0, db_default=0)
    members_recruited = models.IntegerField(default=0, db_default=0)
    members_lost = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_subtreemonthfigures"
        constraints = [models.UniqueConstraint(fields=["unit", "whole_year", "month"],
                                               name="subtree_month_figures_key")]

    def __str__(self) -> str:
        return self._when()


class SubtreeDuration(SubtreeByMonth):
    """``StageDuration``'s histogram per unit subtree, by month and (``whole_year``)
    by year (``rollups.DURATIONS``): a dashboard reads its unit's rows only."""

    stage = models.CharField(max_length=32)
    working_days = models.IntegerField()
    stints = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_subtreeduration"
        constraints = [models.UniqueConstraint(fields=["unit", "whole_year", "month", "stage", "working_days"],
                                               name="subtree_duration_key")]

    def __str__(self) -> str:
        return f"{self._when()} {self.stage}: {self.stints}"


class SubtreeStalled(models.Model):
    """The stalled campaigns of ``unit``'s subtree at ``stage`` as of the day
    of ``DayCounters`` (a cohort is stalled when it entered the stage before
    the cut-off of its unit's zone, ``StalledCutoff``): one row per unit
    and stage, so that the dashboard reads a row per child instead of the
    cohorts of the whole subtree (``workflows.campaigns.day_counters``).

    Kept by PostgreSQL in the writer's statement (migration
    ``0023_day_counters``), like ``SubtreeStage``; rebuilt for a new day or
    new reference data by ``day_counters.refresh``. Read only while it is
    current (its day is today and the reference stamp unchanged)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=32)
    campaigns = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_subtreestalled"
        constraints = [models.UniqueConstraint(fields=["unit", "stage"], name="subtree_stalled_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.stage}: {self.campaigns}"


class SubtreeOverdue(models.Model):
    """The open tasks of ``unit``'s subtree due before the day of
    ``DayCounters``: one row per unit (``SubtreeStalled``'s twin for
    ``TaskDueCount``)."""

    unit = models.OneToOneField("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    open_tasks = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_subtreeoverdue"

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.open_tasks}"


class DayCounters(models.Model):
    """One row: the day ``SubtreeStalled`` and ``SubtreeOverdue`` count for
    and the reference stamp their cut-offs were computed with. The triggers
    read ``day`` (a task is overdue when due before it); the readers use the
    counters only when ``day`` is today and ``stamp`` the stamp now."""

    day = models.DateField(null=True)
    stamp = models.BigIntegerField(null=True)
    built_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "statistics_daycounters"

    def __str__(self) -> str:
        return f"{self.day} {self.stamp}"


class StalledCutoff(models.Model):
    """For the day of ``DayCounters``: a campaign of the zone of
    ``zone_path`` (the units under it down to the next zone: ``selectors.Zone``;
    "" the national one) at ``stage`` is stalled when it entered the stage
    before ``entered_before``; None: the stage has no time limit there. A
    unit's zone is the longest ``zone_path`` that prefixes its path."""

    zone_path = models.CharField(max_length=255, blank=True)
    stage = models.CharField(max_length=32)
    entered_before = models.DateField(null=True)

    class Meta:
        db_table = "statistics_stalledcutoff"
        constraints = [models.UniqueConstraint(fields=["stage", "zone_path"], name="stalled_cutoff_key")]

    def __str__(self) -> str:
        return f"{self.zone_path or '-'} {self.stage}: {self.entered_before}"


class MonthFigures(models.Model):
    """What happened in a unit in a month besides the funnel (``StageEntries``):
    campaigns abandoned, grassroots unions founded and their members admitted
    (by the month of the recognition decision: the day it happened, which may
    be before the day it was entered), members recruited and lost."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    abandoned = models.IntegerField(default=0, db_default=0)
    unions_founded = models.IntegerField(default=0, db_default=0)
    members_admitted = models.IntegerField(default=0, db_default=0)
    members_recruited = models.IntegerField(default=0, db_default=0)
    members_lost = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_monthfigures"
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="month_figures_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%m/%Y}"


class StageEntries(models.Model):
    """The funnel: campaigns of a unit that entered ``stage`` of the success
    path in ``month`` for the first time (entering "recognised" is a CĐCS
    founded). A campaign that comes back to a stage it had reached — resumed
    after a hold, stepped back and forward again — is not counted again
    (``figures.entries``)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    stage = models.CharField(max_length=32)
    campaigns = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month", "stage"], name="stage_entries_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%m/%Y} {self.stage}: {self.campaigns}"


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
        db_table = "statistics_stageduration"
        constraints = [models.UniqueConstraint(fields=["unit", "month", "stage", "working_days"],
                                               name="stage_duration_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%m/%Y} {self.stage} {self.working_days}: {self.stints}"


class TaskDueCount(models.Model):
    """Open tasks per unit and due date: overdue = the sum before today."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    open_tasks = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "statistics_taskduecount"
        constraints = [models.UniqueConstraint(fields=["unit", "due_on"], name="task_due_count_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.due_on:%d/%m/%Y}: {self.open_tasks}"
