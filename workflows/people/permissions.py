"""Who may plan survey rounds, read them and record visits; which rounds,
visits and units a user may see. Services and pages ask here.

- Supervisors and administrators of a unit plan rounds for the unit or a
  unit below it (``can_plan_round``).
- Whoever oversees a unit (manager, supervisor) reads its subtree's rounds,
  visits and survey summary; an administrator reads the rounds he may plan;
  an officer reads the rounds his working group is a team of.
- An officer records visits to an enterprise whose responsible unit lies
  in the subtree of a unit where he is an officer (``Scope.is_officer_of``);
  supervisors of that subtree too (``can_record_visit``). A visit is
  changed by the officer who recorded it, while he still may record one
  there, and by the subtree's supervisors.

Refusals raise ``PermissionDenied``; the pages answer 404, as for a missing
object.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from workflows.enterprises.models import Enterprise
from workflows.organisation.models import Unit, WorkingGroup
from workflows.organisation.permissions import Scope, scope_of

from .models import SurveyRound, SurveyVisit


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _planning_paths(scope: Scope) -> tuple[str, ...]:
    return scope.supervised + scope.administered


def _officer_of_above(scope: Scope, path: str) -> bool:
    """Is the user an officer of a unit at ``path`` or above it?"""
    return any(scope.is_officer_of(path[:end]) for end in range(Unit.steplen, len(path) + 1, Unit.steplen))


# --- rounds -------------------------------------------------------------------------
def can_plan_round(user, unit: Unit) -> bool:
    """Plan (create, change) a round of ``unit``: its supervisors and
    administrators, or those of a unit above it, while the unit is open."""
    if not _signed_in(user) or not unit.is_active:
        return False
    scope = scope_of(user)
    return scope.supervises(unit.path) or scope.administers(unit.path)


def require_plan_round(user, unit: Unit) -> None:
    if not can_plan_round(user, unit):
        raise PermissionDenied


def may_plan_rounds(user) -> bool:
    """Does ``user`` plan rounds anywhere (the "new round" link)?"""
    return _signed_in(user) and bool(_planning_paths(scope_of(user)))


def units_to_plan_in(user) -> QuerySet[Unit]:
    """The open upper-level units whose rounds ``user`` may plan, in tree order."""
    scope = scope_of(user)
    return (Unit.objects.filter(scope.subtree_q("path", _planning_paths(scope)), is_active=True,
                                kind__is_grassroots=False).order_by("path"))


def sees_rounds(scope: Scope) -> bool:
    """May the holder of ``scope`` see any round (the menu item)? The
    organisation's menu asks the same of the scope."""
    return bool(scope.overseen or scope.groups or scope.administered)


def can_see_round(user, survey_round: SurveyRound, *, team_ids=None) -> bool:
    """``team_ids``: the round's teams, when already read (else one query)."""
    scope = scope_of(user)
    path = survey_round.unit.path
    if scope.oversees(path) or scope.administers(path):
        return True
    if not scope.groups:
        return False
    teams = set(team_ids) if team_ids is not None else set(survey_round.teams.values_list("pk", flat=True))
    return bool(teams & scope.groups)


def rounds_visible_to(user) -> QuerySet[SurveyRound]:
    """The rounds ``user`` may read: those of the units he oversees or
    administers (and below), and those his working groups are teams of."""
    scope = scope_of(user)
    condition = scope.subtree_q("unit__path", scope.overseen + scope.administered)
    if scope.groups:
        condition |= Q(pk__in=SurveyRound.teams.through.objects.filter(
            workinggroup_id__in=scope.groups).values("surveyround_id"))
    return SurveyRound.objects.filter(condition)


def can_edit_round(user, survey_round: SurveyRound) -> bool:
    return can_plan_round(user, survey_round.unit)


# --- visits --------------------------------------------------------------------------
def can_record_visit(user, enterprise: Enterprise, *, scope: Scope | None = None) -> bool:
    """Record a visit to ``enterprise`` (its ``responsible_unit`` selected):
    an officer of its unit or of a unit above it, a supervisor of its subtree."""
    if not _signed_in(user):
        return False
    scope = scope or scope_of(user)
    path = enterprise.responsible_unit.path
    return scope.supervises(path) or _officer_of_above(scope, path)


def require_record_visit(user, enterprise: Enterprise) -> None:
    if not can_record_visit(user, enterprise):
        raise PermissionDenied


def enterprises_to_visit(user) -> QuerySet[Enterprise]:
    """The enterprises ``user`` may record a visit to."""
    scope = scope_of(user)
    return Enterprise.objects.filter(scope.subtree_q("responsible_unit__path", scope.supervised + scope.group_units))


def can_edit_visit(user, visit: SurveyVisit, *, scope: Scope | None = None) -> bool:
    """Change a visit: its officer (while he may record one there) and the
    supervisors of the enterprise's subtree."""
    scope = scope or scope_of(user)
    if not can_record_visit(user, visit.enterprise, scope=scope):
        return False
    return visit.officer_id == user.pk or scope.supervises(visit.enterprise.responsible_unit.path)


def require_edit_visit(user, visit: SurveyVisit) -> None:
    if not can_edit_visit(user, visit):
        raise PermissionDenied


def visits_visible_to(user) -> QuerySet[SurveyVisit]:
    """The visits ``user`` may read: those to enterprises of the subtrees he
    oversees, administers (as he reads their rounds) or works in (a visit
    holds figures, no personal data)."""
    scope = scope_of(user)
    return SurveyVisit.objects.filter(scope.subtree_q("enterprise__responsible_unit__path",
                                                      scope.overseen + scope.administered + scope.group_units))


def teams_for_visit(user, enterprise: Enterprise) -> QuerySet[WorkingGroup]:
    """The working groups a visit to ``enterprise`` may be recorded for:
    the open groups of its unit and of the units above it."""
    path = enterprise.responsible_unit.path
    chain = [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]
    return WorkingGroup.objects.filter(unit__path__in=chain, is_active=True).select_related("unit")


# --- summary -----------------------------------------------------------------------
def can_see_summary(user, unit: Unit) -> bool:
    """Read the survey summary of ``unit``: whoever oversees it (manager, supervisor)."""
    return _signed_in(user) and scope_of(user).oversees(unit.path)


def require_see_summary(user, unit: Unit) -> None:
    if not can_see_summary(user, unit):
        raise PermissionDenied


def sees_rounds_of(user) -> bool:
    return _signed_in(user) and sees_rounds(scope_of(user))
