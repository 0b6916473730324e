"""Page contexts of the workers of a case (selectors for the people pages).

Who sees what follows ``permissions``: ``Action.PEOPLE`` (the officers of
the case's working group, the supervisors of its unit and above) sees names
and contacts; ``Action.VIEW`` alone (managers) sees counts only — the panel's
support share and the wall chart. A page that needs names raises
``PermissionDenied`` for anyone else (the view answers 404). Each page
lists ``shown``: the ids of the workers whose data it shows, for the audit
entry the view writes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Value, When
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from workflows.core import clock
from workflows.core.urls import reverse_pk
from workflows.organisation.permissions import scope_of
from workflows.people import selectors as people
from workflows.people.models import (
    ConversationOutcome,
    EmploymentStatus,
    Issue,
    SupportLevel,
    Worker,
)
from workflows.people.selectors import SupportShare, WallChart, WallRow

from .flows import Stage
from .models import Campaign
from .permissions import Action, can

#: Rows on a page of workers or conversations.
PER_PAGE = 50
#: Workers offered at once to choose from (a conversation's, a leader's followers): search for the others.
CHOICES_SHOWN = 200
def purpose() -> str:
    """Why the workers' data is processed (Decree 13/2023: stated where consent is recorded)."""
    return _("To organise a grassroots union at the workplace")


def _require_people(user, campaign: Campaign, scope=None) -> None:
    if not can(user, Action.PEOPLE, campaign, scope=scope):
        raise PermissionDenied


def masked_citizen_id(worker: Worker) -> str:
    """What the pages show of a citizen ID: its last four digits only."""
    return f"•••• •••• {worker.id_last4}" if worker.id_last4 else ""


def level_choices() -> tuple[tuple[int, str], ...]:
    return tuple((value, str(label)) for value, label in SupportLevel.choices)


# --- the campaign page's panel -------------------------------------------------------------
@dataclass(frozen=True)
class PeoplePanel:
    """The support share of the case's enterprise and the register's links;
    ``sees_names``: the links to pages with names (else the wall chart only)."""

    campaign_id: int
    share: SupportShare
    sees_names: bool
    may_add: bool

    @property
    def base(self) -> int:
        """The whole the share is of: the workforce, or the workers entered when it is unknown."""
        return self.share.workforce or self.share.entered


def people_panel(user, campaign, *, scope=None, today=None):
    """The campaign page's panel on its workers; None: nothing to show. One query."""
    scope = scope or scope_of(user)
    if not can(user, Action.VIEW, campaign, scope=scope):
        return None
    sees_names = can(user, Action.PEOPLE, campaign, scope=scope)
    return PeoplePanel(campaign_id=campaign.pk,
                       share=people.support_share(campaign.enterprise_id, workforce=campaign.workforce),
                       sees_names=sees_names, may_add=sees_names)


# --- the link from My tasks ---------------------------------------------------------------
@dataclass(frozen=True)
class RecordLinks:
    """The quick-record links of a task row: the field page of its case and,
    at stage *surveyed*, recording a visit (when that page exists)."""

    field_url: str
    visit_url: str = ""


def record_links(user, task) -> RecordLinks | None:
    """For a task whose campaign (and its unit) is loaded: no query once the
    user's scope is read."""
    campaign = task.campaign
    if not can(user, Action.PEOPLE, campaign, scope=scope_of(user)):
        return None
    visit_url = ""
    if campaign.stage == Stage.SURVEYED:
        try:
            visit_url = reverse_pk("people:visit_add", campaign.enterprise_id)
        except NoReverseMatch:  # the survey pages are not installed
            visit_url = ""
    return RecordLinks(field_url=reverse_pk("campaigns:field", campaign.pk), visit_url=visit_url)


# --- workers list ------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkerFilters:
    search: str = ""
    department: str = ""
    level: str = ""  # "1".."5", "none": not assessed, "": any


LEVEL_FILTERS = (*[str(v) for v in SupportLevel.values], "none")


@dataclass(frozen=True)
class WorkerRow:
    worker: Worker

    @property
    def consented(self) -> bool:
        return self.worker.consent_on is not None and self.worker.consent_withdrawn_on is None


@dataclass(frozen=True)
class WorkersPage:
    campaign: Campaign
    page: Page
    rows: tuple[WorkerRow, ...]
    filters: WorkerFilters
    departments: tuple[str, ...]
    levels: tuple[tuple[int, str], ...]

    @property
    def shown(self) -> list[int]:
        return [row.worker.pk for row in self.rows]


def workers_page(user, campaign: Campaign, filters: WorkerFilters, *, page_number=None) -> WorkersPage:
    """A page of the enterprise's workers: three queries whatever its size."""
    _require_people(user, campaign)
    workers = people.workers_of(campaign.enterprise_id, search=filters.search, department=filters.department,
                                level=filters.level or None)
    page = Paginator(workers, PER_PAGE).get_page(page_number)
    return WorkersPage(campaign=campaign, page=page, rows=tuple(WorkerRow(w) for w in page), filters=filters,
                       departments=tuple(people.departments_of(campaign.enterprise_id)), levels=level_choices())


# --- one worker --------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryRow:
    """A change of a worker: what and which fields (named, never their values)."""

    change: object
    fields: tuple[str, ...]


def _field_label(name: str) -> str:
    if name == "citizen_id":
        return _("citizen ID")
    try:
        return str(Worker._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field since removed: its name as recorded
        return name


@dataclass(frozen=True)
class WorkerPage:
    campaign: Campaign
    worker: Worker
    citizen_id: str
    purpose: str
    history: tuple
    assessments: tuple
    conversations: tuple
    other_enterprises: tuple[str, ...]
    leader: Worker | None
    followers: tuple[Worker, ...]
    can_change: bool  # not anonymised
    consented: bool  # consent recorded and not withdrawn

    @property
    def shown(self) -> list[int]:
        ids = [self.worker.pk, *[f.pk for f in self.followers]]
        if self.leader is not None:
            ids.append(self.leader.pk)
        return ids


def worker_of_case(user, campaign: Campaign, worker_id: int) -> Worker:
    """The worker of the case's enterprise; missing or forbidden: raises (404)."""
    _require_people(user, campaign)
    worker = people.worker_of(campaign.enterprise_id, worker_id)
    if worker is None:
        raise Worker.DoesNotExist
    return worker


def worker_page(user, campaign: Campaign, worker_id: int) -> WorkerPage:
    worker = worker_of_case(user, campaign, worker_id)
    return WorkerPage(
        campaign=campaign, worker=worker, citizen_id=masked_citizen_id(worker), purpose=purpose(),
        history=tuple(HistoryRow(h, tuple(_field_label(f) for f in h.fields or ()))
                      for h in people.history_of(worker)[:50]), assessments=tuple(people.assessments_of(worker)),
        conversations=tuple(people.conversations_with(worker)[:50]),
        other_enterprises=tuple(sorted({w.enterprise.name for w in people.workers_same_person(worker)})),
        leader=worker.led_by, followers=tuple(worker.followers.order_by("department", "full_name", "pk")),
        can_change=not worker.is_anonymised,
        consented=worker.consent_on is not None and worker.consent_withdrawn_on is None)


# --- choosing workers (a conversation's, a leader's followers) ------------------------------
@dataclass(frozen=True)
class WorkerChoices:
    """Workers to tick: those matching ``search`` (at most ``CHOICES_SHOWN``)
    and those already chosen."""

    workers: tuple[Worker, ...]
    chosen: frozenset[int]
    search: str
    more: bool  # some matching workers are not listed: search to find them

    @property
    def shown(self) -> list[int]:
        return [w.pk for w in self.workers]


def _choices(campaign: Campaign, *, search: str, chosen: set[int], first_department: str = "",
             exclude: int | None = None) -> WorkerChoices:
    workers = people.workers_of(campaign.enterprise_id, search=search, include_left=False) \
        .filter(anonymised_at__isnull=True)
    if exclude is not None:
        workers = workers.exclude(pk=exclude)
    if first_department:
        workers = workers.annotate(other_department=Case(When(department=first_department, then=Value(0)),
                                                         default=Value(1), output_field=IntegerField()))
        workers = workers.order_by("other_department", "department", "full_name", "pk")
    listed = list(workers[:CHOICES_SHOWN + 1])
    more = len(listed) > CHOICES_SHOWN
    listed = listed[:CHOICES_SHOWN]
    missing = set(chosen) - {w.pk for w in listed}
    if missing:
        listed = [*people.workers_of(campaign.enterprise_id).filter(pk__in=missing, anonymised_at__isnull=True),
                  *listed]
    return WorkerChoices(workers=tuple(listed), chosen=frozenset(chosen), search=search, more=more)


@dataclass(frozen=True)
class LeaderPage:
    campaign: Campaign
    worker: Worker
    choices: WorkerChoices

    @property
    def shown(self) -> list[int]:
        return [self.worker.pk, *self.choices.shown]


def leader_page(user, campaign: Campaign, worker_id: int, *, search: str = "",
                chosen: set[int] | None = None) -> LeaderPage:
    """Mark a natural leader and choose the workers they influence, those of
    their department first."""
    worker = worker_of_case(user, campaign, worker_id)
    if chosen is None:
        chosen = set(worker.followers.values_list("pk", flat=True))
    return LeaderPage(campaign=campaign, worker=worker,
                      choices=_choices(campaign, search=search, chosen=chosen, first_department=worker.department,
                                       exclude=worker.pk))


# --- conversations -------------------------------------------------------------------------
@dataclass(frozen=True)
class ConversationsPage:
    campaign: Campaign
    page: Page
    rows: tuple

    @property
    def shown(self) -> list[int]:
        return sorted({w.pk for c in self.rows for w in c.workers.all()})


def conversations_page(user, campaign: Campaign, *, page_number=None) -> ConversationsPage:
    """A page of the conversations held at the enterprise: four queries whatever its size."""
    _require_people(user, campaign)
    page = Paginator(people.conversations_at(campaign.enterprise_id), PER_PAGE).get_page(page_number)
    return ConversationsPage(campaign=campaign, page=page, rows=tuple(page))


@dataclass(frozen=True)
class ConversationFormPage:
    campaign: Campaign
    choices: WorkerChoices
    issues: tuple[Issue, ...]

    @property
    def shown(self) -> list[int]:
        return self.choices.shown


def conversation_form_page(user, campaign: Campaign, *, search: str = "",
                           chosen: set[int] | None = None) -> ConversationFormPage:
    _require_people(user, campaign)
    return ConversationFormPage(campaign=campaign, choices=_choices(campaign, search=search, chosen=chosen or set()),
                                issues=tuple(Issue.objects.filter(is_active=True)))


# --- the wall chart ------------------------------------------------------------------------
@dataclass(frozen=True)
class BarSegment:
    css: str  # level-1 … level-5, level-none
    x: float
    width: float
    count: int
    label: str


@dataclass(frozen=True)
class WallBar:
    row: WallRow
    segments: tuple[BarSegment, ...]


LEVEL_CSS = (*[f"level-{v}" for v in SupportLevel.values], "level-none")


def _bar(row: WallRow, labels: tuple[str, ...]) -> WallBar:
    segments, x = [], 0.0
    for css, count, label in zip(LEVEL_CSS, row.counts, labels, strict=True):
        if count and row.total:
            width = round(100 * count / row.total, 2)
            segments.append(BarSegment(css=css, x=round(x, 2), width=width, count=count, label=label))
            x += width
    return WallBar(row=row, segments=tuple(segments))


@dataclass(frozen=True)
class WallChartPage:
    """Departments × support levels: counts only (a manager may open it)."""

    campaign: Campaign
    chart: WallChart
    bars: tuple[WallBar, ...]
    total_bar: WallBar
    level_css: tuple[str, ...]
    legend: tuple[tuple[str, str], ...]  # (css class, level label)
    sees_names: bool  # the departments link to their workers


def wall_chart_page(user, campaign: Campaign) -> WallChartPage:
    scope = scope_of(user)
    if not can(user, Action.VIEW, campaign, scope=scope):
        raise PermissionDenied
    chart = people.wall_chart(campaign.enterprise_id, workforce=campaign.workforce)
    labels = chart.level_labels
    return WallChartPage(campaign=campaign, chart=chart, bars=tuple(_bar(row, labels) for row in chart.rows),
                         total_bar=_bar(chart.total, labels), level_css=LEVEL_CSS,
                         legend=tuple(zip(LEVEL_CSS, labels, strict=True)),
                         sees_names=can(user, Action.PEOPLE, campaign, scope=scope))


# --- the phone pages (quick record) ---------------------------------------------------------
@dataclass(frozen=True)
class FieldPage:
    """The case's workers as large rows to tap (those still there, not anonymised)."""

    campaign: Campaign
    page: Page
    search: str

    @property
    def shown(self) -> list[int]:
        return [w.pk for w in self.page]


def field_page(user, campaign: Campaign, *, search: str = "", page_number=None) -> FieldPage:
    _require_people(user, campaign)
    workers = people.workers_of(campaign.enterprise_id, search=search, include_left=False) \
        .filter(anonymised_at__isnull=True)
    return FieldPage(campaign=campaign, page=Paginator(workers, PER_PAGE).get_page(page_number), search=search)


@dataclass(frozen=True)
class QuickPage:
    """One worker: a tap records an assessment or a conversation today."""

    campaign: Campaign
    worker: Worker
    levels: tuple[tuple[int, str], ...]
    outcomes: tuple[tuple[str, str], ...]
    today: dt.date = field(default_factory=clock.today)

    @property
    def shown(self) -> list[int]:
        return [self.worker.pk]


def quick_page(user, campaign: Campaign, worker_id: int) -> QuickPage:
    worker = worker_of_case(user, campaign, worker_id)
    if worker.is_anonymised or worker.employment_status == EmploymentStatus.LEFT:
        raise Worker.DoesNotExist  # not on the field page
    return QuickPage(campaign=campaign, worker=worker, levels=level_choices(),
                     outcomes=tuple((value, str(label)) for value, label in ConversationOutcome.choices))
