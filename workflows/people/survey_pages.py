"""Page contexts of the survey rounds and visits, and the survey summary of a
unit rolled up over its child units (selectors: they only read).

The roll-up is done in the database: every row's enterprise is given the
path of the child unit it falls under (its responsible unit's path cut to
the child's depth: treebeard's materialised path), and the figures are
grouped by it — one query per figure family, however many child units.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Substr

from workflows.core import clock
from workflows.core.text import fold
from workflows.enterprises.models import WORKFORCE_BANDS, Enterprise
from workflows.organisation.models import Unit, WorkingGroup, upper_level
from workflows.organisation.permissions import scope_of

from . import permissions
from .models import EmployerAttitude, Issue, SurveyRound, SurveyVisit


# --- what the views fetch -------------------------------------------------------------
def rounds_shown_to(user) -> QuerySet[SurveyRound]:
    return permissions.rounds_visible_to(user).select_related("unit")


def visits_shown_to(user) -> QuerySet[SurveyVisit]:
    return permissions.visits_visible_to(user).select_related(
        "enterprise__responsible_unit", "round__unit", "team", "officer")


def enterprises_to_visit_shown_to(user) -> QuerySet[Enterprise]:
    return permissions.enterprises_to_visit(user).select_related("responsible_unit")


def units_to_plan_in(user) -> list[Unit]:
    return list(permissions.units_to_plan_in(user))


# --- the list of rounds ---------------------------------------------------------------
@dataclass(frozen=True)
class RoundRow:
    survey_round: SurveyRound
    total: int
    visited: int


@dataclass(frozen=True)
class RoundsPage:
    rows: tuple[RoundRow, ...]
    may_plan: bool
    may_see_summary: bool


def _with_progress(rounds: QuerySet[SurveyRound]) -> QuerySet[SurveyRound]:
    listed = (SurveyRound.enterprises.through.objects.filter(surveyround_id=OuterRef("pk"))
              .order_by().values("surveyround_id").annotate(n=Count("pk")).values("n"))
    visited = (SurveyVisit.objects.filter(round_id=OuterRef("pk")).order_by().values("round_id")
               .annotate(n=Count("enterprise_id", distinct=True)).values("n"))
    return rounds.annotate(total=Subquery(listed, output_field=IntegerField()),
                           visited=Subquery(visited, output_field=IntegerField()))


def rounds_page(user) -> RoundsPage:
    """The rounds ``user`` may read, newest first, each with how many of its
    enterprises were visited: one query."""
    rounds = _with_progress(rounds_shown_to(user)).order_by("-starts_on", "-pk")
    return RoundsPage(tuple(RoundRow(r, r.total or 0, r.visited or 0) for r in rounds),
                      may_plan=permissions.may_plan_rounds(user),
                      may_see_summary=bool(scope_of(user).overseen))


# --- one round ----------------------------------------------------------------------
@dataclass(frozen=True)
class RoundEnterpriseRow:
    enterprise: Enterprise
    last_visit: SurveyVisit | None
    may_record: bool


@dataclass(frozen=True)
class TeamCount:
    name: str
    visits: int


@dataclass(frozen=True)
class RoundPage:
    survey_round: SurveyRound
    rows: tuple[RoundEnterpriseRow, ...]
    teams: tuple[TeamCount, ...]
    total: int
    visited: int
    percent: int
    may_edit: bool
    may_see_summary: bool


def _latest_visit(**where) -> Subquery:
    return Subquery(SurveyVisit.objects.filter(**where).order_by("-visited_on", "-pk").values("pk")[:1])


def round_page(user, survey_round: SurveyRound) -> RoundPage:
    """The enterprises on the round's list (visited or not, the last visit's
    figures), the visits per team: four queries."""
    scope = scope_of(user)
    enterprises = list(survey_round.enterprises.select_related("responsible_unit")
                       .annotate(last_visit_id=_latest_visit(round_id=survey_round.pk, enterprise_id=OuterRef("pk")))
                       .order_by("responsible_unit__path", "search_name", "pk"))
    visits = SurveyVisit.objects.in_bulk([e.last_visit_id for e in enterprises if e.last_visit_id])
    teams = (SurveyVisit.objects.filter(round_id=survey_round.pk).order_by().values("team__name")
             .annotate(n=Count("pk")).order_by("-n", "team__name"))
    rows = tuple(RoundEnterpriseRow(e, visits.get(e.last_visit_id),
                                    permissions.can_record_visit(user, e, scope=scope)) for e in enterprises)
    visited = sum(1 for r in rows if r.last_visit is not None)
    return RoundPage(
        survey_round=survey_round, rows=rows,
        teams=tuple(TeamCount(t["team__name"] or "—", t["n"]) for t in teams),
        total=len(rows), visited=visited, percent=round(100 * visited / len(rows)) if rows else 0,
        may_edit=permissions.can_edit_round(user, survey_round),
        may_see_summary=permissions.can_see_summary(user, survey_round.unit),
    )


# --- the round's form: the enterprises and teams to choose from ---------------------------
@dataclass(frozen=True)
class RoundChoiceFilters:
    q: str = ""
    district_id: int | None = None
    band: str = ""


@dataclass(frozen=True)
class RoundChoices:
    unit: Unit | None
    enterprises: tuple[tuple[int, str], ...]  # the chosen ones first, then the candidates found
    teams: tuple[tuple[int, str], ...]
    districts: tuple[Unit, ...]  # the units of the subtree, to filter by
    bands: tuple[str, ...]
    more: bool  # more candidates than shown: narrow the filters


#: How many candidate enterprises the round's form lists at a time.
CANDIDATES_SHOWN = 200


def round_choices(unit: Unit | None, filters: RoundChoiceFilters, *, chosen: list[int]) -> RoundChoices:
    """What the round's form offers for ``unit``: the enterprises of its
    subtree without a union (filtered: name, unit, workforce band), the
    chosen ones always, and the open working groups of the subtree."""
    if unit is None:
        return RoundChoices(None, (), (), (), tuple(WORKFORCE_BANDS), False)
    subtree = Enterprise.objects.filter(responsible_unit__path__startswith=unit.path, has_union=False)
    candidates = subtree.exclude(pk__in=chosen)
    if filters.q:
        candidates = candidates.filter(search_name__contains=fold(filters.q))
    districts = list(Unit.objects.filter(path__startswith=unit.path, is_active=True, kind__is_grassroots=False)
                     .order_by("path"))
    district = next((d for d in districts if d.pk == filters.district_id), None)
    if district is not None:
        candidates = candidates.filter(responsible_unit__path__startswith=district.path)
    if filters.band in WORKFORCE_BANDS:
        low, high = WORKFORCE_BANDS[filters.band]
        candidates = (candidates.filter(workforce__gte=low) if high is None
                      else candidates.filter(workforce__range=(low, high)))
    found = list(candidates.order_by("-workforce", "search_name").values_list("pk", "name", "workforce")
                 [:CANDIDATES_SHOWN + 1])
    picked = list(Enterprise.objects.filter(pk__in=chosen).order_by("search_name")
                  .values_list("pk", "name", "workforce")) if chosen else []
    teams = (WorkingGroup.objects.filter(unit__path__startswith=unit.path, is_active=True)
             .order_by("unit__path", "name").values_list("pk", "name", "unit__name"))
    return RoundChoices(
        unit=unit,
        enterprises=tuple((pk, f"{name} ({workforce})") for pk, name, workforce in picked + found[:CANDIDATES_SHOWN]),
        teams=tuple((pk, f"{name} — {unit_name}") for pk, name, unit_name in teams),
        districts=tuple(districts), bands=tuple(WORKFORCE_BANDS), more=len(found) > CANDIDATES_SHOWN,
    )


def round_chosen(survey_round: SurveyRound) -> tuple[list[int], list[int]]:
    """The ids of the round's enterprises and teams (the form's initial values)."""
    return (list(survey_round.enterprises.values_list("pk", flat=True)),
            list(survey_round.teams.values_list("pk", flat=True)))


# --- a visit ----------------------------------------------------------------------------
def round_open_for(enterprise_id: int, *, on: dt.date) -> SurveyRound | None:
    """The round running on ``on`` whose list holds the enterprise (the one
    that started last), the visit form's default."""
    return (SurveyRound.objects.filter(enterprises=enterprise_id, starts_on__lte=on, ends_on__gte=on)
            .order_by("-starts_on", "-pk").first())


@dataclass(frozen=True)
class VisitForm:
    """What the visit form offers and starts with."""
    enterprise: Enterprise
    rounds: tuple[tuple[int, str], ...]
    teams: tuple[tuple[int, str], ...]
    issues: tuple[tuple[int, str], ...]
    initial: dict
    may_open_campaign: bool
    latest_visit: int | None = None  # a new visit's base: the field app's conflict rule


def visit_form(user, enterprise: Enterprise, *, round_id: int | None = None, visit: SurveyVisit | None = None,
               may_open_campaign: bool = False) -> VisitForm:
    """The rounds listing the enterprise, the working groups a visit may be
    recorded for, the issues in use; the defaults: today, the round asked
    for or the one running with the enterprise on its list, the officer's
    own group."""
    today = clock.today()
    rounds = list(SurveyRound.objects.filter(enterprises=enterprise).order_by("-starts_on", "-pk")[:20])
    teams = list(permissions.teams_for_visit(user, enterprise).order_by("unit__path", "name"))
    chosen_issues = set(visit.issues.values_list("pk", flat=True)) if visit else set()
    issues = list(Issue.objects.filter(Q(is_active=True) | Q(pk__in=chosen_issues)))
    if visit is None:
        scope = scope_of(user)
        running = [r for r in rounds if r.starts_on <= today <= r.ends_on]
        default_round = next((r.pk for r in rounds if r.pk == round_id), running[0].pk if running else None)
        own = [t.pk for t in teams if scope.works_in(t.pk)]
        initial = {"visited_on": today, "round": default_round, "team": own[-1] if own else None,
                   "employer_attitude": EmployerAttitude.UNKNOWN}
        latest_visit = (SurveyVisit.objects.filter(enterprise=enterprise).order_by("-pk")
                        .values_list("pk", flat=True).first())
    else:
        initial = {name: getattr(visit, name) for name in (
            "visited_on", "workforce", "women", "migrants", "aged_under_30", "aged_30_to_45", "aged_over_45",
            "wage_min", "wage_max", "shifts", "overtime_hours", "housing", "worker_groups", "employer_attitude",
            "issues_note", "follow_up")}
        initial.update(round=visit.round_id, team=visit.team_id, issues=sorted(chosen_issues))
        latest_visit = None
    return VisitForm(
        enterprise=enterprise,
        rounds=tuple((r.pk, f"{r.name} ({r.starts_on:%d/%m/%Y}–{r.ends_on:%d/%m/%Y})") for r in rounds),
        teams=tuple((t.pk, f"{t.name} — {t.unit.name}") for t in teams),
        issues=tuple((i.pk, i.label) for i in issues), initial=initial, may_open_campaign=may_open_campaign,
        latest_visit=latest_visit,
    )


@dataclass(frozen=True)
class VisitPage:
    visit: SurveyVisit
    issues: tuple[str, ...]
    may_edit: bool
    may_see_round: bool


def visit_page(user, visit: SurveyVisit) -> VisitPage:
    return VisitPage(
        visit=visit, issues=tuple(i.label for i in visit.issues.all()),
        may_edit=permissions.can_edit_visit(user, visit),
        may_see_round=visit.round is not None and permissions.can_see_round(user, visit.round),
    )


def latest_visit_of(enterprise_id: int) -> SurveyVisit | None:
    """The enterprise's latest visit, with its round and team (the campaign
    page's survey figures): one query."""
    return (SurveyVisit.objects.filter(enterprise_id=enterprise_id).select_related("round", "team")
            .order_by("-visited_on", "-pk").first())


# --- the survey summary of a unit ---------------------------------------------------------
@dataclass(frozen=True)
class SummaryFilters:
    round_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class IssueCount:
    label: str
    count: int


@dataclass(frozen=True)
class SummaryRow:
    """The survey figures of a child unit (or the unit's own total)."""
    unit: Unit | None  # None: the enterprises directly under the unit
    on_list: int = 0
    visited: int = 0
    workforce: int = 0
    women: int = 0
    migrants: int = 0
    aged_under_30: int = 0
    aged_30_to_45: int = 0
    aged_over_45: int = 0
    wage_min_sum: int = 0
    wage_min_count: int = 0
    wage_max_sum: int = 0
    wage_max_count: int = 0
    supportive: int = 0
    neutral: int = 0
    opposed: int = 0
    not_met: int = 0
    issues: tuple[IssueCount, ...] = ()

    @property
    def wage_min_avg(self) -> int | None:
        return round(self.wage_min_sum / self.wage_min_count) if self.wage_min_count else None

    @property
    def wage_max_avg(self) -> int | None:
        return round(self.wage_max_sum / self.wage_max_count) if self.wage_max_count else None


_SUMMED = ("on_list", "visited", "workforce", "women", "migrants", "aged_under_30", "aged_30_to_45",
           "aged_over_45", "wage_min_sum", "wage_min_count", "wage_max_sum", "wage_max_count", "supportive",
           "neutral", "opposed", "not_met")


@dataclass(frozen=True)
class ChartBar:
    label: str
    on_list: int
    visited: int
    y: int
    list_width: int
    visited_width: int


@dataclass(frozen=True)
class SurveySummary:
    unit: Unit
    filters: SummaryFilters
    rows: tuple[SummaryRow, ...]  # per child unit (and the unit's own enterprises), in tree order
    total: SummaryRow
    bars: tuple[ChartBar, ...]
    chart_height: int


#: How many issues a row lists.
TOP_ISSUES = 5
_BAR_WIDTH = 200
_BAR_STEP = 30


def _under(unit: Unit, field: str):
    """The path of the child unit of ``unit`` the row falls under (the
    unit's own path for what is directly under it)."""
    return Substr(F(field), 1, len(unit.path) + Unit.steplen)


def _latest_visits(unit: Unit, filters: SummaryFilters) -> QuerySet[SurveyVisit]:
    """The latest visit to each enterprise of the subtree within the filters."""
    where = Q(enterprise__responsible_unit__path__startswith=unit.path)
    if filters.round_id is not None:
        where &= Q(round_id=filters.round_id)
    if filters.start is not None:
        where &= Q(visited_on__gte=filters.start)
    if filters.end is not None:
        where &= Q(visited_on__lte=filters.end)
    latest = SurveyVisit.objects.filter(where, enterprise_id=OuterRef("enterprise_id")).order_by(
        "-visited_on", "-pk").values("pk")[:1]
    return SurveyVisit.objects.filter(where).filter(pk=Subquery(latest))


def _listed(unit: Unit, filters: SummaryFilters):
    rows = SurveyRound.enterprises.through.objects.filter(enterprise__responsible_unit__path__startswith=unit.path)
    if filters.round_id is not None:
        rows = rows.filter(surveyround_id=filters.round_id)
    if filters.start is not None:
        rows = rows.filter(surveyround__ends_on__gte=filters.start)
    if filters.end is not None:
        rows = rows.filter(surveyround__starts_on__lte=filters.end)
    return rows


def survey_summary(unit: Unit, filters: SummaryFilters) -> SurveySummary:
    """The survey figures of ``unit``, one row per child unit (and one for
    the enterprises directly under it), and the unit's total: the
    enterprises on the lists of the rounds (the one asked for, or those
    running in the period), those visited, and the figures of each
    enterprise's latest visit in the period. Four queries whatever the
    number of child units."""
    children = list(Unit.objects.filter(upper_level(), path__startswith=unit.path, depth=unit.depth + 1)
                    .order_by("path"))
    listed = {row["under"]: row["n"] for row in _listed(unit, filters).annotate(
        under=_under(unit, "enterprise__responsible_unit__path")).order_by().values("under").annotate(
        n=Count("enterprise_id", distinct=True))}
    visits = _latest_visits(unit, filters).annotate(under=_under(unit, "enterprise__responsible_unit__path"))
    attitude = {EmployerAttitude.SUPPORTIVE: "supportive", EmployerAttitude.NEUTRAL: "neutral",
                EmployerAttitude.OPPOSED: "opposed", EmployerAttitude.UNKNOWN: "not_met"}
    figures = {row.pop("under"): row for row in visits.order_by().values("under").annotate(
        visited=Count("enterprise_id", distinct=True),
        workforce=Sum("workforce"), women=Sum("women"), migrants=Sum("migrants"),
        aged_under_30=Sum("aged_under_30"), aged_30_to_45=Sum("aged_30_to_45"), aged_over_45=Sum("aged_over_45"),
        wage_min_sum=Sum("wage_min"), wage_min_count=Count("wage_min"),
        wage_max_sum=Sum("wage_max"), wage_max_count=Count("wage_max"),
        **{name: Count("pk", filter=Q(employer_attitude=value)) for value, name in attitude.items()})}
    issue_counts: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    raised = (SurveyVisit.issues.through.objects.filter(surveyvisit_id__in=visits.values("pk"))
              .annotate(under=_under(unit, "surveyvisit__enterprise__responsible_unit__path"))
              .order_by().values("under", "issue_id", "issue__name", "issue__name_en").annotate(n=Count("pk")))
    for row in raised:
        issue_counts[row["under"]].append((row["n"], row["issue_id"], row["issue__name"], row["issue__name_en"]))

    def label(name: str, name_en: str) -> str:
        return Issue(name=name, name_en=name_en).label

    def row_of(key: str, row_unit: Unit | None) -> SummaryRow:
        found = figures.get(key, {})
        values = {name: found.get(name) or 0 for name in _SUMMED if name != "on_list"}
        top = sorted(issue_counts.get(key, []), key=lambda item: (-item[0], item[2]))[:TOP_ISSUES]
        return SummaryRow(unit=row_unit, on_list=listed.get(key, 0), **values,
                          issues=tuple(IssueCount(label(name, name_en), n) for n, _pk, name, name_en in top))

    rows = [row_of(child.path, child) for child in children]
    own = row_of(unit.path, None)
    if own.on_list or own.visited:
        rows.append(own)
    total_issues: dict[int, list] = {}
    for counts in issue_counts.values():
        for n, pk, name, name_en in counts:
            entry = total_issues.setdefault(pk, [0, name, name_en])
            entry[0] += n
    top = sorted(total_issues.values(), key=lambda item: (-item[0], item[1]))[:TOP_ISSUES]
    total = SummaryRow(unit=unit, **{name: sum(getattr(r, name) for r in rows) for name in _SUMMED},
                       issues=tuple(IssueCount(label(name, name_en), n) for n, name, name_en in top))
    widest = max((r.on_list for r in rows), default=0) or 1
    bars = tuple(ChartBar(label=r.unit.name if r.unit else str(unit.name), on_list=r.on_list, visited=r.visited,
                          y=index * _BAR_STEP, list_width=round(_BAR_WIDTH * r.on_list / widest),
                          visited_width=round(_BAR_WIDTH * r.visited / widest))
                 for index, r in enumerate(rows))
    return SurveySummary(unit=unit, filters=filters, rows=tuple(rows), total=total, bars=bars,
                         chart_height=max(len(bars), 1) * _BAR_STEP + 10)


def summary_rounds(user, unit: Unit) -> list[SurveyRound]:
    """The rounds the summary may be narrowed to: the visible rounds of the
    unit's subtree and of the units above it."""
    path = unit.path
    chain = [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]
    return list(rounds_shown_to(user).filter(Q(unit__path__startswith=path) | Q(unit__path__in=chain))
                .order_by("-starts_on", "-pk")[:50])

