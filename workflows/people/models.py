"""The people of organising: survey rounds and their visits, the workers of
an enterprise (người lao động), their support assessments, natural leaders
and conversations.

Workers belong to the enterprise, not to a campaign: a campaign's committee,
applications and admissions point at them (``campaigns``). Personal data
follows Decree 13/2023/NĐ-CP: the purpose and the worker's consent are
recorded; the citizen ID (CCCD) is kept only as a keyed hash and its last
four digits (``identity``); a worker who withdraws consent is anonymised and
a worker who did not join is erased after the rule set's delay; the figures
(department, gender, support level) stay.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext_lazy as _

from workflows.core import clock


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other / not said")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    PROBATION = "probation", _("On probation")
    LEAVE = "leave", _("On leave")
    LEFT = "left", _("Left the enterprise")


class SupportLevel(models.IntegerChoices):
    """How much a worker supports founding the union (1 best … 5 opposed)."""

    LEADER = 1, _("1 – Leader or active supporter")
    SUPPORTER = 2, _("2 – Supporter")
    UNDECIDED = 3, _("3 – Undecided")
    RELUCTANT = 4, _("4 – Reluctant")
    OPPOSED = 5, _("5 – Opposed")


#: The levels counted as support (the share an organiser checks before the congress).
SUPPORTIVE_LEVELS = (SupportLevel.LEADER, SupportLevel.SUPPORTER)


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Signed form")
    VERBAL = "verbal", _("Verbal, before a witness")
    ELECTRONIC = "electronic", _("Electronic (message, online form)")


class WorkerSource(models.TextChoices):
    ENTERED = "entered", _("Entered by an officer")
    IMPORTED = "imported", _("Imported from a list of employees")
    COMMITTEE_LINE = "committee_line", _("From a line of the committee's list")


class Issue(models.Model):
    """A workplace issue workers raise (wages, overtime, safety…): reference
    data, kept by the organisation department."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("workplace issue")
        verbose_name_plural = _("workplace issues")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if self.name_en and get_language() == "en" else self.name


class Worker(models.Model):
    """A worker (người lao động) of an enterprise. ``version`` grows with
    every change (a stale form is refused). The citizen ID is never stored:
    ``id_hash`` is its keyed hash (duplicates, a move between enterprises),
    ``id_last4`` what the pages show."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="workers",
                                   verbose_name=_("enterprise"))
    full_name = models.CharField(_("full name"), max_length=120, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True,
                                                  validators=[MinValueValidator(1930), MaxValueValidator(2100)])
    department = models.CharField(_("department / workshop"), max_length=120, blank=True)
    line = models.CharField(_("line or team"), max_length=120, blank=True)
    shift = models.CharField(_("shift"), max_length=40, blank=True)
    job = models.CharField(_("job"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    zalo = models.CharField(_("Zalo"), max_length=40, blank=True)
    hometown = models.CharField(_("hometown"), max_length=120, blank=True)
    employment_status = models.CharField(_("employment status"), max_length=12, choices=EmploymentStatus.choices,
                                         default=EmploymentStatus.EMPLOYED)
    id_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_last4 = models.CharField(_("citizen ID (last four digits)"), max_length=4, blank=True, editable=False)

    support_level = models.PositiveSmallIntegerField(_("support level"), null=True, blank=True,
                                                     choices=SupportLevel.choices)
    support_assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    is_leader = models.BooleanField(_("natural leader"), default=False)
    led_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followers",
                               verbose_name=_("influenced by"))

    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_method = models.CharField(_("consent given by"), max_length=12, choices=ConsentMethod.choices, blank=True)
    consent_withdrawn_on = models.DateField(_("consent withdrawn on"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    source = models.CharField(_("source"), max_length=16, choices=WorkerSource.choices, default=WorkerSource.ENTERED)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["department", "full_name", "id"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        indexes = [
            models.Index(fields=["enterprise", "department"], name="worker_enterprise_dept_idx"),
            models.Index(fields=["id_hash"], name="worker_id_hash_idx", condition=~Q(id_hash="")),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.anonymised_at is not None:
            return str(_("Anonymised worker #%(id)s") % {"id": self.pk})
        return self.full_name or str(_("Worker #%(id)s") % {"id": self.pk})

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


#: The fields that identify or reach a person: cleared by anonymisation and erasure.
PERSONAL_FIELDS = ("full_name", "birth_year", "line", "shift", "phone", "zalo", "hometown", "id_hash", "id_last4")


class WorkerChange(models.Model):
    """The history of a worker: created, changed (which fields), assessed,
    consent recorded or withdrawn, anonymised, moved in from another
    enterprise. Append-only; it names fields, never their personal values."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Entered")
        IMPORTED = "imported", _("Imported")
        CHANGED = "changed", _("Changed")
        ASSESSED = "assessed", _("Support assessed")
        LEADER = "leader", _("Leadership changed")
        CONSENT = "consent", _("Consent recorded")
        WITHDRAWN = "withdrawn", _("Consent withdrawn")
        ANONYMISED = "anonymised", _("Anonymised")
        ERASED = "erased", _("Personal data erased")

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("at"), default=clock.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("by"))
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    fields = models.JSONField(_("fields"), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["worker", "at"], name="worker_change_idx")]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.kind} {self.at:%d/%m/%Y}"


class Assessment(models.Model):
    """A support assessment of a worker, dated, by an officer; the latest
    (by day, then entry) is the worker's current level."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="assessments")
    level = models.PositiveSmallIntegerField(_("support level"), choices=SupportLevel.choices)
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("assessed by"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["worker", "assessed_on"], name="assessment_worker_idx")]

    def __str__(self) -> str:
        return f"{self.worker_id}: {self.level} ({self.assessed_on:%d/%m/%Y})"


class ConversationKind(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    GROUP = "group", _("Group")


class ConversationOutcome(models.TextChoices):
    SUPPORTIVE = "supportive", _("Supportive")
    INTERESTED = "interested", _("Interested, needs more")
    UNDECIDED = "undecided", _("Undecided")
    HOSTILE = "hostile", _("Not interested or hostile")


class Conversation(models.Model):
    """A conversation of an officer with one worker or a group, at one
    enterprise: the issues raised, its outcome and the next step."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="conversations",
                                   verbose_name=_("enterprise"))
    held_on = models.DateField(_("held on"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("officer"))
    kind = models.CharField(_("kind"), max_length=12, choices=ConversationKind.choices,
                            default=ConversationKind.ONE_TO_ONE)
    workers = models.ManyToManyField(Worker, related_name="conversations", verbose_name=_("workers"))
    issues = models.ManyToManyField(Issue, blank=True, related_name="+", verbose_name=_("issues raised"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=ConversationOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_on = models.DateField(_("next step by"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["enterprise", "held_on"], name="conversation_enterprise_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%d/%m/%Y}"


class SurveyRound(models.Model):
    """A survey round (đợt khảo sát) of a unit: the enterprises on its list
    are visited by its teams between two dates, most in the peak month."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="survey_rounds",
                             verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    peak_month = models.PositiveSmallIntegerField(_("peak month"), null=True, blank=True,
                                                  validators=[MinValueValidator(1), MaxValueValidator(12)])
    enterprises = models.ManyToManyField("enterprises.Enterprise", blank=True, related_name="survey_rounds",
                                         verbose_name=_("enterprises to visit"))
    teams = models.ManyToManyField("organisation.WorkingGroup", blank=True, related_name="survey_rounds",
                                   verbose_name=_("teams"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")

    def __str__(self) -> str:
        return self.name


class Housing(models.TextChoices):
    DORMITORY = "dormitory", _("Employer's dormitory")
    RENTED = "rented", _("Rented rooms")
    OWN = "own", _("Own or family home")
    MIXED = "mixed", _("Mixed")


class EmployerAttitude(models.TextChoices):
    SUPPORTIVE = "supportive", _("Supportive")
    NEUTRAL = "neutral", _("Neutral")
    OPPOSED = "opposed", _("Opposed")
    UNKNOWN = "unknown", _("Not met yet")


class SurveyVisit(models.Model):
    """One visit of a survey round to an enterprise and what it learned.
    Its figures roll up into the round's and the unit's survey summary; the
    workforce feeds the campaign the visit opens (stage *surveyed*)."""

    round = models.ForeignKey(SurveyRound, null=True, blank=True, on_delete=models.PROTECT, related_name="visits",
                              verbose_name=_("survey round"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="survey_visits",
                                   verbose_name=_("enterprise"))
    visited_on = models.DateField(_("visited on"))
    team = models.ForeignKey("organisation.WorkingGroup", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("team"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("officer"))
    workforce = models.PositiveIntegerField(_("workforce"))
    women = models.PositiveIntegerField(_("women"), default=0)
    migrants = models.PositiveIntegerField(_("migrant workers"), default=0)
    aged_under_30 = models.PositiveIntegerField(_("aged under 30"), default=0)
    aged_30_to_45 = models.PositiveIntegerField(_("aged 30 to 45"), default=0)
    aged_over_45 = models.PositiveIntegerField(_("aged over 45"), default=0)
    wage_min = models.PositiveIntegerField(_("lowest monthly wage (VND)"), null=True, blank=True)
    wage_max = models.PositiveIntegerField(_("highest monthly wage (VND)"), null=True, blank=True)
    shifts = models.PositiveSmallIntegerField(_("shifts a day"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(4)])
    overtime_hours = models.PositiveSmallIntegerField(_("overtime hours a month"), null=True, blank=True)
    housing = models.CharField(_("housing"), max_length=12, choices=Housing.choices, blank=True)
    worker_groups = models.TextField(_("existing worker groups"), blank=True)
    employer_attitude = models.CharField(_("employer's attitude"), max_length=12, choices=EmployerAttitude.choices,
                                         default=EmployerAttitude.UNKNOWN)
    issues = models.ManyToManyField(Issue, blank=True, related_name="+", verbose_name=_("issues raised"))
    issues_note = models.TextField(_("issues in their words"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("survey visit")
        verbose_name_plural = _("survey visits")
        indexes = [
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise_idx"),
            models.Index(fields=["round", "visited_on"], name="visit_round_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.visited_on:%d/%m/%Y}"


class WorkerImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    WRITING = "writing", _("Writing")
    WRITTEN = "written", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class WorkerImportOutcome(models.TextChoices):
    """What the import does with a row of the list."""

    NEW = "new", _("New")
    MOVED = "moved", _("Entered at another enterprise")
    EXISTING = "existing", _("Already entered here")
    IN_FILE = "in_file", _("Twice in the file")
    ERROR = "error", _("With errors")


class WorkerImport(models.Model):
    """A list of employees (danh sách lao động: the employer's, or social
    insurance's) uploaded to enter the workers of an enterprise at once.

    The file is kept (a job worker on another machine reads it) only until
    it is checked: then the checked rows are stored — the citizen ID as its
    keyed hash and last four digits, never in clear — and the file is
    dropped. Nothing is written to ``Worker`` until the uploader confirms;
    the write then creates the new workers in one transaction."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="worker_imports",
                                   verbose_name=_("enterprise"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("uploaded by"))
    file_name = models.CharField(_("file name"), max_length=255)
    #: The uploaded file, until its check ends (it holds citizen IDs in clear).
    content = models.BinaryField(editable=False, default=b"")
    #: The uploader's language: the job writes the row messages in it.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=WorkerImportStatus.choices,
                              default=WorkerImportStatus.UPLOADED)
    #: The check run that owns the import: a newer run makes an older one stop.
    run_token = models.CharField(max_length=32, blank=True)
    rows_estimate = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    moved = models.PositiveIntegerField(_("entered at another enterprise"), default=0)
    existing = models.PositiveIntegerField(_("already entered here"), default=0)
    in_file = models.PositiveIntegerField(_("twice in the file"), default=0)
    errors = models.PositiveIntegerField(_("with errors"), default=0)
    #: The keys of the file's columns, in order ("" for a column left out).
    columns = models.JSONField(default=list)
    #: Where the list is in the file (format, sheet, header row, CSV delimiter): the check reads it from there.
    layout = models.JSONField(default=dict)
    #: The checked rows, in file order: [{"row", "outcome", "values": {…}, "id_hash", "id_last4",
    #: "messages": [[column, text], …], "match": worker id or None, "from": enterprise name}, …].
    rows = models.JSONField(default=list)
    failure = models.TextField(blank=True)
    #: How many workers the write created, and how many rows it found entered meanwhile.
    written = models.PositiveIntegerField(_("workers created"), default=0)
    skipped = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("uploaded at"), default=clock.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    written_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("worker import")
        verbose_name_plural = _("worker imports")
        indexes = [models.Index(fields=["enterprise", "created_at"], name="worker_import_enterprise_idx")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def to_write(self) -> int:
        return self.new + self.moved


class WorkerImportProgress(models.Model):
    """How far the running job of a worker import got. A row of its own:
    the write holds a lock on its import for its whole transaction and
    reports through a second connection (``workflows.core.progress``)."""

    worker_import = models.OneToOneField(WorkerImport, on_delete=models.CASCADE, primary_key=True,
                                         related_name="progress")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.worker_import_id}: {self.done}/{self.total}"
