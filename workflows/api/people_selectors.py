"""What the API's people, survey, statistics and notification resources
read, always through the permission modules: a user sees through the API
exactly what the pages show them, and nothing else (None: answer 404).

- The workers of a case: ``Action.PEOPLE`` on its campaign (the officers
  of its working group, the supervisors of its unit and above); a manager
  sees counts on the pages, never names, so none here.
- Survey visits: ``people.permissions.visits_visible_to`` (figures only).
- Programmes: those whose page opens for the user — a programme of a unit
  at or above one of the units the user oversees (``statistics:programme``);
  their targets: those of the units the user oversees.
- Figures: an upper-level unit the user oversees (``statistics:home``).
- Notifications: the user's own.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from workflows.campaigns import permissions as campaign_permissions
from workflows.campaigns.models import Campaign
from workflows.campaigns.permissions import Action
from workflows.campaigns.selectors import campaigns_shown_to
from workflows.enterprises.models import Enterprise
from workflows.notifications import selectors as notification_selectors
from workflows.notifications.models import Notification
from workflows.organisation.models import Unit
from workflows.organisation.permissions import scope_of
from workflows.organisation.selectors import units_overseen_by
from workflows.people import selectors as people
from workflows.people.models import SupportLevel, SurveyVisit, Worker
from workflows.people.survey_pages import enterprises_to_visit_shown_to, visits_shown_to
from workflows.statistics import indicators, permissions as statistics_permissions
from workflows.statistics.engine import figures_for
from workflows.statistics.models import Milestone, Programme, Target
from workflows.statistics.periods import Period

#: ``support_level``: a level 1–5, or "none" (not assessed yet).
LEVEL_FILTERS = (*[str(v) for v in SupportLevel.values], "none")


# --- the workers of a case ------------------------------------------------------------
def case_for_people(user, pk) -> Campaign | None:
    """The campaign ``pk`` if ``user`` may see and change its workers."""
    if not str(pk).isdigit():
        return None
    campaign = campaigns_shown_to(user).filter(pk=int(pk)).first()
    if campaign is None or not campaign_permissions.can(user, Action.PEOPLE, campaign):
        return None
    return campaign


@dataclass(frozen=True)
class WorkerFilters:
    q: str = ""
    department: str = ""
    support_level: str = ""  # "1".."5", "none", "": any

    @classmethod
    def of(cls, params) -> WorkerFilters:
        level = params.get("support_level") or ""
        return cls(q=" ".join((params.get("q") or "").split())[:100],
                   department=(params.get("department") or "").strip()[:120],
                   support_level=level if level in LEVEL_FILTERS else "")


def workers_of_case(campaign: Campaign, filters: WorkerFilters) -> QuerySet[Worker]:
    """The workers of the case's enterprise (the caller holds ``case_for_people``)."""
    return people.workers_of(campaign.enterprise_id, search=filters.q, department=filters.department,
                             level=filters.support_level or None)


def worker_of_case(campaign: Campaign, worker_id) -> Worker | None:
    if not str(worker_id).isdigit():
        return None
    return people.worker_of(campaign.enterprise_id, int(worker_id))


# --- survey visits ------------------------------------------------------------------------
def visits_for(user) -> QuerySet[SurveyVisit]:
    return visits_shown_to(user).prefetch_related("issues")


def enterprise_to_visit(user, pk) -> Enterprise | None:
    """An enterprise ``user`` may record a visit to (the page's rule)."""
    if not str(pk).isdigit():
        return None
    return enterprises_to_visit_shown_to(user).filter(pk=int(pk)).first()


# --- programmes and targets ---------------------------------------------------------------
def programmes_for(user) -> QuerySet[Programme]:
    """The programmes whose page opens for ``user``: those of a unit at or
    above an upper-level unit the user oversees. One query (and one for the
    milestones)."""
    overseen = units_overseen_by(user).filter(path__startswith=OuterRef("unit__path"))
    return (Programme.objects.filter(Exists(overseen)).select_related("unit")
            .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("on"),
                                       to_attr="milestone_list"))
            .order_by("-start", "name", "pk"))


def programme_for(user, pk) -> Programme | None:
    """One programme, with the targets of the units ``user`` oversees."""
    if not str(pk).isdigit():
        return None
    scope = scope_of(user)
    targets = (Target.objects.filter(scope.subtree_q("unit__path", scope.overseen)).select_related("unit")
               .order_by("due_on", "metric", "unit__path", "source", "pk"))
    return (programmes_for(user).filter(pk=int(pk))
            .prefetch_related(Prefetch("targets", queryset=targets, to_attr="target_list")).first())


# --- figures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorFigure:
    code: str
    label: str
    unit: str
    kind: str
    percent: bool
    value: int | Decimal


@dataclass(frozen=True)
class UnitFigures:
    """Every indicator of the registry for a unit's subtree over a period."""

    unit: Unit
    period: Period
    indicators: tuple[IndicatorFigure, ...]


def unit_to_read(user, pk=None) -> Unit | None:
    """An upper-level unit whose figures ``user`` reads (the dashboard's
    picker); no ``pk``: the first of them, as the dashboard opens."""
    units = units_overseen_by(user)
    if not pk:
        unit = units.first()
    elif not str(pk).isdigit():
        return None
    else:
        unit = units.filter(pk=int(pk)).first()
    if unit is None or not statistics_permissions.can_read(user, unit):
        return None
    return unit


def unit_figures(unit: Unit, start: dt.date, end: dt.date, *, today: dt.date,
                 workforce_floor: int = 25) -> UnitFigures:
    """The figures as the dashboard and the reports count them (``engine``),
    each read through its definition (``indicators.REGISTRY``)."""
    period = Period.between(start, end)
    total = figures_for(unit, period, today=today).total
    return UnitFigures(unit=unit, period=period, indicators=tuple(
        IndicatorFigure(code=code, label=str(found.label), unit=str(found.unit), kind=found.kind,
                        percent=found.percent, value=found.value(total, workforce_floor))
        for code, found in indicators.REGISTRY.items()))


# --- notifications ---------------------------------------------------------------------------
def notifications_for(user) -> QuerySet[Notification]:
    return notification_selectors.notifications_of(user)


def notification_for(user, pk) -> Notification | None:
    return notification_selectors.notification_of(user, int(pk)) if str(pk).isdigit() else None
