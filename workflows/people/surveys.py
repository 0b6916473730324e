"""Every write to survey rounds (đợt khảo sát) and their visits.

Each service takes its actor, checks it (``permissions``; a refusal
answers 404), validates the whole input at once (``InvalidInput`` with the
message next to each field: nothing is written) and writes in one
transaction. Opening a campaign from a visit is the campaigns app's
(``campaigns.services.campaign_open_from_visit``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from workflows.core import clock
from workflows.core.errors import InvalidInput
from workflows.enterprises.models import Enterprise
from workflows.organisation.models import Unit, WorkingGroup

from . import permissions
from .models import EmployerAttitude, Housing, Issue, SurveyRound, SurveyVisit

#: How many enterprises "add every enterprise with at least N workers" may put on one list.
ROUND_LIST_LIMIT = 5000


# --- rounds ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundData:
    unit_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    peak_month: int | None = None
    note: str = ""
    enterprise_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    #: also put on the list every enterprise of the unit's subtree without a union and with at least this workforce
    add_all_from: int | None = None


def _months_between(start: dt.date, end: dt.date) -> set[int]:
    months, year, month = set(), start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 12:
        months.add(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _round_checked(unit: Unit, data: RoundData) -> tuple[list[int], list[int]]:
    """The enterprises and teams of the round, or ``InvalidInput`` naming
    every field that is wrong."""
    fields: dict[str, list[str]] = {}
    if not data.name.strip():
        fields["name"] = [_("Enter a name.")]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        fields["ends_on"] = [_("The round ends on or after the day it starts.")]
    if data.peak_month is not None:
        if not 1 <= data.peak_month <= 12:
            fields["peak_month"] = [_("Choose a month from 1 to 12.")]
        elif "ends_on" not in fields and data.peak_month not in _months_between(data.starts_on, data.ends_on):
            fields["peak_month"] = [_("The peak month lies between the round's dates.")]
    subtree = Enterprise.objects.filter(responsible_unit__path__startswith=unit.path, has_union=False)
    wanted = set(data.enterprise_ids)
    found = set(subtree.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
    if wanted - found:
        fields["enterprises"] = [_("Choose enterprises of %(unit)s or of a unit below it that have no grassroots "
                                   "union yet.") % {"unit": unit.name}]
    if data.add_all_from is not None:
        if data.add_all_from < 0:
            fields["add_all_from"] = [_("Enter a whole number, zero or more.")]
        else:
            more = set(subtree.filter(workforce__gte=data.add_all_from)
                       .values_list("pk", flat=True)[:ROUND_LIST_LIMIT + 1])
            found |= more
    if len(found) > ROUND_LIST_LIMIT:
        fields.setdefault("add_all_from", []).append(
            _("A round lists at most %(limit)s enterprises: raise the workforce.") % {"limit": ROUND_LIST_LIMIT})
    teams = set(data.team_ids)
    found_teams = set(WorkingGroup.objects.filter(pk__in=teams, is_active=True, unit__path__startswith=unit.path)
                      .values_list("pk", flat=True)) if teams else set()
    if teams - found_teams:
        fields["teams"] = [_("Choose open working groups of %(unit)s or of a unit below it.") % {"unit": unit.name}]
    if fields:
        raise InvalidInput(fields=fields)
    return sorted(found), sorted(found_teams)


def _unit_to_plan(actor, unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput(fields={"unit": [_("Choose a unit.")]})
    permissions.require_plan_round(actor, unit)
    return unit


def _round_write(survey_round: SurveyRound, unit: Unit, data: RoundData, enterprise_ids, team_ids) -> SurveyRound:
    survey_round.unit = unit
    survey_round.name = data.name.strip()
    survey_round.starts_on, survey_round.ends_on = data.starts_on, data.ends_on
    survey_round.peak_month = data.peak_month
    survey_round.note = data.note.strip()
    survey_round.save()
    survey_round.enterprises.set(enterprise_ids)
    survey_round.teams.set(team_ids)
    return survey_round


@transaction.atomic
def survey_round_create(*, actor, data: RoundData) -> SurveyRound:
    """Plan a round of a unit the actor supervises or administers (or one
    below it): its list holds enterprises of the unit's subtree without a
    grassroots union, its teams are open working groups of the subtree."""
    unit = _unit_to_plan(actor, data.unit_id)
    enterprise_ids, team_ids = _round_checked(unit, data)
    return _round_write(SurveyRound(created_by=actor), unit, data, enterprise_ids, team_ids)


@transaction.atomic
def survey_round_update(*, round_id: int, actor, data: RoundData) -> SurveyRound:
    """Change a round (the actor must plan rounds of its unit and of the
    unit it moves to). An enterprise already visited in the round stays on
    its list."""
    survey_round = SurveyRound.objects.select_for_update(of=("self",)).select_related("unit").get(pk=round_id)
    permissions.require_plan_round(actor, survey_round.unit)
    unit = survey_round.unit if data.unit_id == survey_round.unit_id else _unit_to_plan(actor, data.unit_id)
    enterprise_ids, team_ids = _round_checked(unit, data)
    visited = set(survey_round.visits.values_list("enterprise_id", flat=True))
    if visited - set(enterprise_ids):
        raise InvalidInput(fields={"enterprises": [
            _("An enterprise already visited in this round stays on its list.")]})
    outside = survey_round.visits.exclude(visited_on__range=(data.starts_on, data.ends_on)).exists()
    if outside:
        raise InvalidInput(fields={"starts_on": [_("Some visits of this round fall outside these dates.")]})
    return _round_write(survey_round, unit, data, enterprise_ids, team_ids)


# --- visits ---------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitData:
    visited_on: dt.date
    workforce: int
    round_id: int | None = None
    team_id: int | None = None
    women: int = 0
    migrants: int = 0
    aged_under_30: int = 0
    aged_30_to_45: int = 0
    aged_over_45: int = 0
    wage_min: int | None = None
    wage_max: int | None = None
    shifts: int | None = None
    overtime_hours: int | None = None
    housing: str = ""
    worker_groups: str = ""
    employer_attitude: str = EmployerAttitude.UNKNOWN
    issue_ids: tuple[int, ...] = field(default_factory=tuple)
    issues_note: str = ""
    follow_up: str = ""


_COUNTS = ("workforce", "women", "migrants", "aged_under_30", "aged_30_to_45", "aged_over_45", "wage_min",
           "wage_max", "shifts", "overtime_hours")


def _visit_checked(enterprise: Enterprise, data: VisitData, *, actor, visit: SurveyVisit | None = None
                   ) -> tuple[SurveyRound | None, list[int]]:
    """The round and issues of the visit, or ``InvalidInput`` naming every
    field that is wrong (nothing is written)."""
    fields: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        fields.setdefault(name, []).append(message)

    for name in _COUNTS:
        value = getattr(data, name)
        if value is not None and (not isinstance(value, int) or value < 0):
            refuse(name, _("Enter a whole number, zero or more."))
    if fields:
        raise InvalidInput(fields=fields)
    if data.workforce < 1:
        refuse("workforce", _("Enter the number of workers (1 or more)."))
    if data.women > data.workforce:
        refuse("women", _("There cannot be more women than workers."))
    if data.migrants > data.workforce:
        refuse("migrants", _("There cannot be more migrant workers than workers."))
    if data.aged_under_30 + data.aged_30_to_45 + data.aged_over_45 > data.workforce:
        refuse("aged_over_45", _("The age bands add up to more than the workforce."))
    if data.wage_min is not None and data.wage_max is not None and data.wage_min > data.wage_max:
        refuse("wage_max", _("The highest wage cannot be lower than the lowest."))
    if data.shifts is not None and not 1 <= data.shifts <= 4:
        refuse("shifts", _("Enter 1 to 4 shifts a day."))
    if data.overtime_hours is not None and data.overtime_hours > 300:
        refuse("overtime_hours", _("Enter at most 300 overtime hours a month."))
    if data.housing and data.housing not in Housing.values:
        refuse("housing", _("Choose from the list."))
    if data.employer_attitude not in EmployerAttitude.values:
        refuse("employer_attitude", _("Choose from the list."))
    if data.visited_on is None:
        refuse("visited_on", _("Give the day of the visit."))
    elif data.visited_on > clock.today():
        refuse("visited_on", _("A visit cannot be recorded before it takes place."))
    survey_round = None
    if data.round_id is not None:
        survey_round = SurveyRound.objects.filter(pk=data.round_id, enterprises=enterprise).first()
        if survey_round is None:
            refuse("round", _("This enterprise is not on that round's list."))
        elif data.visited_on and not survey_round.starts_on <= data.visited_on <= survey_round.ends_on:
            refuse("visited_on", _("The round runs from %(start)s to %(end)s.") % {
                "start": survey_round.starts_on.strftime("%d/%m/%Y"),
                "end": survey_round.ends_on.strftime("%d/%m/%Y")})
    if data.team_id is not None and not permissions.teams_for_visit(actor, enterprise).filter(
            pk=data.team_id).exists() and not (survey_round is not None
                                               and survey_round.teams.filter(pk=data.team_id).exists()):
        refuse("team", _("Choose a working group of the enterprise's unit or of a unit above it."))
    wanted = set(data.issue_ids)
    found = set(Issue.objects.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
    if wanted - found:
        refuse("issues", _("Choose issues from the list."))
    if fields:
        raise InvalidInput(fields=fields)
    return survey_round, sorted(found)


def _visit_write(visit: SurveyVisit, data: VisitData, survey_round: SurveyRound | None,
                 issue_ids: Iterable[int]) -> SurveyVisit:
    visit.round = survey_round
    visit.team_id = data.team_id
    visit.visited_on = data.visited_on
    for name in _COUNTS + ("housing", "employer_attitude"):
        setattr(visit, name, getattr(data, name))
    visit.worker_groups = data.worker_groups.strip()
    visit.issues_note = data.issues_note.strip()
    visit.follow_up = data.follow_up.strip()
    visit.save()
    visit.issues.set(list(issue_ids))
    return visit


@transaction.atomic
def survey_visit_record(*, enterprise_id: int, actor, data: VisitData) -> SurveyVisit:
    """Record a visit to an enterprise: an officer of its unit or of a unit
    above it, or a supervisor of its subtree. The figures hold together
    (women, migrants, the age bands within the workforce; the lowest wage
    not above the highest), the day is not in the future and, in a round,
    within the round's dates and the enterprise on its list."""
    enterprise = Enterprise.objects.select_related("responsible_unit").get(pk=enterprise_id)
    permissions.require_record_visit(actor, enterprise)
    survey_round, issue_ids = _visit_checked(enterprise, data, actor=actor)
    return _visit_write(SurveyVisit(enterprise=enterprise, officer=actor), data, survey_round, issue_ids)


@transaction.atomic
def survey_visit_update(*, visit_id: int, actor, data: VisitData) -> SurveyVisit:
    """Correct a visit: its officer, or a supervisor of the enterprise's subtree."""
    visit = (SurveyVisit.objects.select_for_update(of=("self",)).select_related("enterprise__responsible_unit")
             .get(pk=visit_id))
    permissions.require_edit_visit(actor, visit)
    survey_round, issue_ids = _visit_checked(visit.enterprise, data, actor=actor, visit=visit)
    return _visit_write(visit, data, survey_round, issue_ids)
