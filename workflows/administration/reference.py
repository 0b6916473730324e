"""Reference data per subtree: the stage task templates (checklists), the
rule sets and the calendar exceptions (extra days off, make-up working days)
a unit keeps for its subtree.

What applies to a campaign (``workflows.campaigns.selectors``): the rule set
of the nearest unit — the campaign's own or one above it — that has one in
force, else the national one; the checklist of a stage of the nearest unit
that keeps one (active templates) for the stage, else the national one; the
calendar exceptions of the nation, then of each unit above down to the
campaign's (the nearest wins for a day).

An administrator of a unit (``organisation.permissions.can_administer_unit``)
keeps that unit's own items here; the national items (no unit) are kept by
the technical superuser in Django admin. Every write below takes its actor,
checks it inside (a refusal answers 404), runs in one transaction and leaves
a ``ChangeRecord`` (``REFERENCE_CHANGED``: who, when, before → after) on the
unit's history.

Rule sets and days already in force are history: a rule set in force since
before today, or a day in the past, is not changed or withdrawn (the figures
and deadlines computed with them stay true); a new rule set starts today or
later.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from workflows.campaigns import flows
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import TEMPLATE_STAGES, Milestone, RuleSet, RuleSetLimit, StageTaskTemplate
from workflows.campaigns.selectors import stage_templates
from workflows.core import clock
from workflows.core.errors import DomainError, InvalidInput
from workflows.organisation.models import CalendarDay, ChangeAction, Unit
from workflows.organisation.permissions import require_administer_unit, units_administered_by
from workflows.organisation.services import change_record
from workflows.organisation.workdays import chain_paths, public_calendar


# =====================================================================================
# Reads
# =====================================================================================
def reference_units(user) -> QuerySet[Unit]:
    """The units whose reference data ``user`` may keep (those they administer)."""
    return units_administered_by(user).select_related("kind").order_by("path")


def reference_unit_choices(user) -> list[tuple[int, str]]:
    """(pk, name indented by depth) of the open upper-level units ``user``
    administers, in tree order."""
    units = list(reference_units(user).filter(kind__is_grassroots=False, is_active=True))
    top = min((u.depth for u in units), default=1)
    return [(u.pk, "— " * (u.depth - top) + u.name) for u in units]


def own_templates(unit: Unit) -> QuerySet[StageTaskTemplate]:
    return StageTaskTemplate.objects.filter(unit=unit)


def own_rule_sets(unit: Unit) -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(unit=unit).prefetch_related("limits")


def own_calendar_days(unit: Unit) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(unit=unit)


@dataclass(frozen=True)
class Origin:
    """Where an item in force comes from: the nation, a unit above, or the page's unit."""
    unit: Unit | None
    own: bool

    @property
    def label(self) -> str:
        if self.unit is None:
            return _("National")
        return _("This unit") if self.own else self.unit.name


@dataclass(frozen=True)
class RuleSetRow:
    """A rule set in force for the unit from ``start`` to ``end`` (None: until further notice)."""
    rule_set: RuleSet
    origin: Origin
    start: dt.date
    end: dt.date | None
    current: bool
    limits: tuple[tuple[str, int], ...]  # (stage label, working days)


@dataclass(frozen=True)
class OwnRuleSet:
    rule_set: RuleSet
    editable: bool  # not in force before today


@dataclass(frozen=True)
class StageChecklist:
    """The checklist of a stage in force for the unit, and the unit's own templates of it."""
    stage: str
    label: str
    templates: tuple[StageTaskTemplate, ...]  # in force
    origin: Origin
    own: tuple[StageTaskTemplate, ...]  # the unit's, inactive ones included

    @property
    def may_copy(self) -> bool:
        """The checklist is inherited: it may be copied to the unit to be changed there."""
        return not self.origin.own and bool(self.templates)


@dataclass(frozen=True)
class CalendarRow:
    """A day of the year that is not ordinary for the unit."""
    day: dt.date
    is_working_day: bool
    name: str
    origin: Origin | None  # None: the law (a public holiday, a weekend day worked to bridge one)
    replaces: str  # what it overrides, in words ("" if nothing)
    own_pk: int | None  # the unit's own exception, to edit
    editable: bool  # the unit's own, today or later


@dataclass(frozen=True)
class ReferencePage:
    unit: Unit
    above: tuple[Unit, ...]  # the units above it, the top first
    today: dt.date
    rule_sets: tuple[RuleSetRow, ...]
    own_rule_sets: tuple[OwnRuleSet, ...]
    checklists: tuple[StageChecklist, ...]
    year: int
    calendar: tuple[CalendarRow, ...]


def _origin(unit_id: int | None, units: Mapping[int, Unit], page_unit: Unit) -> Origin:
    return Origin(units.get(unit_id) if unit_id else None, unit_id == page_unit.pk)


#: The stages a unit keeps a checklist for: the working stages and the first
#: year after recognition (the follow-up's milestones).
CHECKLIST_STAGES = [stage for stage, _label in TEMPLATE_STAGES]
_STAGE_LABELS = dict(TEMPLATE_STAGES)


def _stage_label(stage: str) -> str:
    return str(_STAGE_LABELS.get(stage) or Stage(stage).label)


def _depth(unit_id: int | None, units: Mapping[int, Unit]) -> int:
    return len(units[unit_id].path) if unit_id else 0


def rule_set_timeline(rule_sets: list[RuleSet], units: Mapping[int, Unit], unit: Unit,
                      today: dt.date) -> list[RuleSetRow]:
    """Which rule set applies to ``unit``'s campaigns over time: from each
    effective date of its chain's sets, the nearest unit's latest set
    effective by then (``RuleSetQuerySet.in_force``, in memory); the days
    under the same set make one row."""
    ordered = sorted(rule_sets, key=lambda r: (_depth(r.unit_id, units), r.effective_from), reverse=True)
    periods: list[tuple[dt.date, RuleSet]] = []
    for day in sorted({r.effective_from for r in rule_sets}):
        in_force = next(r for r in ordered if r.effective_from <= day)
        if not periods or periods[-1][1].pk != in_force.pk:
            periods.append((day, in_force))
    rows = []
    for index, (start, rule_set) in enumerate(periods):
        end = periods[index + 1][0] - dt.timedelta(days=1) if index + 1 < len(periods) else None
        rows.append(RuleSetRow(rule_set, _origin(rule_set.unit_id, units, unit), start, end,
                               current=start <= today and (end is None or today <= end),
                               limits=tuple((_stage_label(limit.stage), limit.working_days) for limit in sorted(
                                   rule_set.limits.all(), key=lambda limit: flows.WORKING_STAGES.index(limit.stage)))))
    return rows


def checklists_for(templates: list[StageTaskTemplate], units: Mapping[int, Unit], unit: Unit
                   ) -> list[StageChecklist]:
    """Per working stage and for the first year after recognition, the
    templates in force for ``unit`` (the nearest unit's active ones, else the
    national ones: ``stage_templates``, in memory) and the unit's own."""
    checklists = []
    for stage in CHECKLIST_STAGES:
        of_stage = [t for t in templates if t.stage == stage]
        active = [t for t in of_stage if t.is_active]
        keeper = max((t.unit_id for t in active if t.unit_id), key=lambda pk: _depth(pk, units), default=None)
        in_force = sorted((t for t in active if t.unit_id == keeper), key=lambda t: (t.order, t.pk))
        own = sorted((t for t in of_stage if t.unit_id == unit.pk), key=lambda t: (not t.is_active, t.order, t.pk))
        checklists.append(StageChecklist(stage, _stage_label(stage), tuple(in_force),
                                         _origin(keeper, units, unit), tuple(own)))
    return checklists


def calendar_for(days: list[CalendarDay], units: Mapping[int, Unit], unit: Unit, year: int,
                 today: dt.date) -> list[CalendarRow]:
    """The days of ``year`` that are not ordinary for ``unit``: the public
    holidays and the weekend days worked to bridge them (the law), then the
    exceptions ``days`` of the nation and of the units above down to
    ``unit`` (the nearest wins for a day), each with where it comes from and
    what it replaces."""
    law = _("the law")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    holidays, bridged = (frozenset(d for d in dates if start <= d <= end) for dates in public_calendar(year))
    # per day, what applies in order: the law, the nation, then each unit from the top down
    layers: dict[dt.date, list[tuple[CalendarDay | None, bool, str]]] = {}
    for day in sorted(holidays | bridged):
        layers[day] = [(None, day in bridged, "")]
    for exception in sorted(days, key=lambda d: _depth(d.unit_id, units)):
        layers.setdefault(exception.date, []).append((exception, exception.is_working_day, exception.name))
    rows = []
    for day in sorted(layers):
        exception, working, name = layers[day][-1]
        below = layers[day][-2] if len(layers[day]) > 1 else None
        replaces = ""
        if below is not None and below[1] != working:
            source = law if below[0] is None else _origin(below[0].unit_id, units, unit).label
            replaces = (_("instead of a working day (%(source)s)") if below[1]
                        else _("instead of a day off (%(source)s)")) % {"source": source}
        if exception is None:
            origin = None
            name = _("Weekend day worked to bridge a holiday") if working else _("Public holiday")
        else:
            origin = _origin(exception.unit_id, units, unit)
        own = exception is not None and exception.unit_id == unit.pk
        rows.append(CalendarRow(day, working, name, origin, replaces, exception.pk if own else None,
                                editable=own and day >= today))
    return rows


def reference_page(unit: Unit, *, today: dt.date, year: int | None = None) -> ReferencePage:
    """The reference data in force for ``unit``'s campaigns, each item with
    where it comes from, and the unit's own items to keep: five queries."""
    year = year or today.year
    chain = list(Unit.objects.filter(path__in=chain_paths(unit.path)).order_by("path"))
    units = {u.pk: u for u in chain}
    of_chain = Q(unit__isnull=True) | Q(unit_id__in=list(units))
    rule_sets = list(RuleSet.objects.filter(of_chain).prefetch_related("limits"))
    templates = list(StageTaskTemplate.objects.filter(of_chain))
    days = list(CalendarDay.objects.filter(of_chain, date__range=(dt.date(year, 1, 1), dt.date(year, 12, 31))))
    own = sorted((r for r in rule_sets if r.unit_id == unit.pk), key=lambda r: r.effective_from, reverse=True)
    return ReferencePage(
        unit=unit, above=tuple(u for u in chain if u.pk != unit.pk), today=today,
        rule_sets=tuple(rule_set_timeline(rule_sets, units, unit, today)),
        own_rule_sets=tuple(OwnRuleSet(r, editable=r.effective_from >= today) for r in own),
        checklists=tuple(checklists_for(templates, units, unit)),
        year=year, calendar=tuple(calendar_for(days, units, unit, year, today)),
    )


# =====================================================================================
# Writes
# =====================================================================================
def _unit_for_write(actor, unit_id: int) -> Unit:
    """The unit, locked (its reference data change one writer at a time),
    if ``actor`` administers it; else PermissionDenied (404)."""
    unit = Unit.objects.select_for_update(of=("self",)).filter(pk=unit_id).first()
    if unit is None:
        raise PermissionDenied
    require_administer_unit(actor, unit)
    return unit


def _own_item(model, actor, pk: int):
    """A unit's item, its unit locked, if ``actor`` administers the unit; the
    national items (no unit) are kept in Django admin: PermissionDenied."""
    unit_id = model.objects.filter(pk=pk, unit__isnull=False).values_list("unit_id", flat=True).first()
    if unit_id is None:
        raise PermissionDenied
    unit = _unit_for_write(actor, unit_id)
    item = model.objects.select_for_update(of=("self",)).get(pk=pk)
    item.unit = unit
    return item


def _record(actor, unit: Unit, summary: str, *, before: dict | None = None, after: dict | None = None) -> None:
    change_record(actor=actor, action=ChangeAction.REFERENCE_CHANGED, unit=unit, summary=summary,
                  before=before, after=after)


# --- stage task templates ----------------------------------------------------------------
@dataclass(frozen=True)
class TemplateValues:
    stage: str
    title: str
    description: str = ""
    due_in_working_days: int = 5
    order: int = 0
    is_active: bool = True
    milestone: str = ""  # the first year's checklist only (stage "recognised")
    is_core: bool = False


def _template_record(template: StageTaskTemplate) -> dict:
    return {"stage": template.stage, "title": template.title, "description": template.description,
            "due_in_working_days": template.due_in_working_days, "order": template.order,
            "is_active": template.is_active, "milestone": template.milestone, "is_core": template.is_core}


def _template_check(unit: Unit, values: TemplateValues, *, exclude_pk: int | None = None) -> None:
    """The values are whole; a task of the first year after recognition is
    one milestone, kept once among the unit's active templates."""
    fields = {}
    if values.stage not in CHECKLIST_STAGES:
        fields["stage"] = [_("Choose a stage from the list.")]
    elif values.stage == Stage.RECOGNISED:
        if values.milestone not in Milestone.values:
            fields["milestone"] = [_("Choose the milestone this task is.")]
        elif values.is_active and StageTaskTemplate.objects.filter(
                unit=unit, stage=values.stage, milestone=values.milestone, is_active=True).exclude(
                pk=exclude_pk).exists():
            fields["milestone"] = [_("This unit's checklist already has an active task for this milestone.")]
    elif values.milestone:
        fields["milestone"] = [_("Only the tasks of the first year after recognition are milestones.")]
    if not values.title.strip():
        fields["title"] = [_("Enter a title.")]
    if values.due_in_working_days < 0:
        fields["due_in_working_days"] = [_("Enter a number of working days, 0 or more.")]
    if fields:
        raise InvalidInput(fields=fields)


def _template_set(template: StageTaskTemplate, values: TemplateValues) -> None:
    template.stage, template.title = values.stage, values.title.strip()
    template.description = values.description.strip()
    template.due_in_working_days, template.order, template.is_active = (
        values.due_in_working_days, values.order, values.is_active)
    is_milestone = values.stage == Stage.RECOGNISED
    template.milestone = values.milestone if is_milestone else ""
    template.is_core = values.is_core if is_milestone else False


@transaction.atomic
def task_template_create(*, actor, unit_id: int, values: TemplateValues) -> StageTaskTemplate:
    """Add a task to the unit's checklist of a stage. The unit's active
    templates of a stage replace the inherited checklist for its subtree (to
    change the inherited one, copy it first: ``task_templates_copy``)."""
    unit = _unit_for_write(actor, unit_id)
    _template_check(unit, values)
    template = StageTaskTemplate(unit=unit)
    _template_set(template, values)
    template.save()
    _record(actor, unit, _("Task template “%(title)s” added to the checklist of “%(stage)s”.") % {
        "title": template.title, "stage": _stage_label(template.stage)}, after=_template_record(template))
    return template


@transaction.atomic
def task_template_update(*, actor, template_id: int, values: TemplateValues) -> StageTaskTemplate:
    """Change one of the unit's templates (campaigns entering the stage from
    now on get the new version; tasks already created stay as they are)."""
    template = _own_item(StageTaskTemplate, actor, template_id)
    _template_check(template.unit, values, exclude_pk=template.pk)
    before = _template_record(template)
    _template_set(template, values)
    template.save()
    _record(actor, template.unit, _("Task template “%(title)s” (“%(stage)s”) changed.") % {
        "title": template.title, "stage": _stage_label(template.stage)}, before=before,
        after=_template_record(template))
    return template


@transaction.atomic
def task_template_deactivate(*, actor, template_id: int) -> StageTaskTemplate:
    """Take a template off the unit's checklist (kept, inactive: the tasks
    made from it keep their link). With no active template left for the
    stage, the inherited checklist applies again."""
    template = _own_item(StageTaskTemplate, actor, template_id)
    if not template.is_active:
        return template
    before = _template_record(template)
    template.is_active = False
    template.save(update_fields=["is_active"])
    _record(actor, template.unit, _("Task template “%(title)s” (“%(stage)s”) deactivated.") % {
        "title": template.title, "stage": _stage_label(template.stage)}, before=before,
        after=_template_record(template))
    return template


@transaction.atomic
def task_templates_copy(*, actor, unit_id: int, stage: str) -> list[StageTaskTemplate]:
    """Copy the checklist of ``stage`` that the unit inherits (from a unit
    above or the nation) to the unit, to change it there: the copies are the
    unit's own, and from now on they are the checklist of its subtree."""
    unit = _unit_for_write(actor, unit_id)
    if stage not in CHECKLIST_STAGES:
        raise InvalidInput(fields={"stage": [_("Choose a stage from the list.")]})
    inherited = list(stage_templates(stage, unit=unit))
    if any(t.unit_id == unit.pk for t in inherited):
        raise DomainError(_("This unit already keeps its own checklist for “%(stage)s”.") % {
            "stage": _stage_label(stage)})
    if not inherited:
        raise DomainError(_("There is no checklist to copy for “%(stage)s”.") % {"stage": _stage_label(stage)})
    copies = StageTaskTemplate.objects.bulk_create([
        StageTaskTemplate(unit=unit, stage=stage, title=t.title, description=t.description,
                          due_in_working_days=t.due_in_working_days, order=t.order, is_active=True,
                          milestone=t.milestone, is_core=t.is_core)
        for t in inherited])
    source = inherited[0].unit.name if inherited[0].unit_id else _("National")
    _record(actor, unit, _("Checklist of “%(stage)s” copied from %(source)s (%(count)d tasks).") % {
        "stage": _stage_label(stage), "source": source, "count": len(copies)},
        before={"from": inherited[0].unit_id, "templates": [_template_record(t) for t in inherited]},
        after={"templates": [_template_record(t) for t in copies]})
    return copies


# --- rule sets ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleSetValues:
    name: str
    effective_from: dt.date
    min_committee: int = 3
    min_members: int = 5
    remind_before_due: int = 2
    escalate_overdue_after: int = 3
    verification_days: int = 5
    decision_days: int = 5
    required_documents: tuple[str, ...] = tuple(flows.DocumentKind.values)
    follow_up_months: int = 12
    dues_within_months: int = 6
    note: str = ""
    limits: Mapping[str, int] = field(default_factory=dict)  # stage → working days allowed; left out: no limit

    @classmethod
    def of(cls, rule_set: RuleSet) -> RuleSetValues:
        return cls(**{name: getattr(rule_set, name) for name in _RULE_FIELDS},
                   required_documents=tuple(rule_set.required_documents or ()),
                   limits={limit.stage: limit.working_days for limit in rule_set.limits.all()})


_RULE_FIELDS = ("name", "effective_from", "min_committee", "min_members", "remind_before_due",
                "escalate_overdue_after", "verification_days", "decision_days", "follow_up_months",
                "dues_within_months", "note")

#: What the first year's follow-up may last, and the months for dues, in months.
FOLLOW_UP_MONTHS = (1, 36)
DUES_WITHIN_MONTHS = (1, 24)


def _rule_set_record(rule_set: RuleSet) -> dict:
    return {**{name: getattr(rule_set, name) for name in _RULE_FIELDS},
            "effective_from": rule_set.effective_from.isoformat(),
            "required_documents": list(rule_set.required_documents or []),
            "limits": {limit.stage: limit.working_days for limit in rule_set.limits.all()}}


def _rule_set_check(unit: Unit, values: RuleSetValues, *, exclude_pk: int | None = None) -> None:
    today, fields = clock.today(), {}
    if not values.name.strip():
        fields["name"] = [_("Enter a name.")]
    if values.effective_from < today:
        fields["effective_from"] = [_("A rule set starts today or later: the days gone by keep the rules they had.")]
    elif RuleSet.objects.filter(unit=unit, effective_from=values.effective_from).exclude(pk=exclude_pk).exists():
        fields["effective_from"] = [_("This unit already has a rule set from that day.")]
    if values.min_committee < 1:
        fields["min_committee"] = [_("Enter at least 1.")]
    if values.min_members < 1:
        fields["min_members"] = [_("Enter at least 1.")]
    if not FOLLOW_UP_MONTHS[0] <= values.follow_up_months <= FOLLOW_UP_MONTHS[1]:
        fields["follow_up_months"] = [_("Enter a number of months from %(low)d to %(high)d.") % {
            "low": FOLLOW_UP_MONTHS[0], "high": FOLLOW_UP_MONTHS[1]}]
    if not DUES_WITHIN_MONTHS[0] <= values.dues_within_months <= DUES_WITHIN_MONTHS[1]:
        fields["dues_within_months"] = [_("Enter a number of months from %(low)d to %(high)d.") % {
            "low": DUES_WITHIN_MONTHS[0], "high": DUES_WITHIN_MONTHS[1]}]
    if set(values.required_documents) - set(flows.DocumentKind.values):
        fields["required_documents"] = [_("Choose documents from the list.")]
    limits = values.limits or {}
    if set(limits) - set(flows.WORKING_STAGES) or any(days < 1 for days in limits.values()):
        fields["limits"] = [_("A stage's limit is a number of working days, 1 or more (empty: no limit).")]
    if fields:
        raise InvalidInput(fields=fields)


def _rule_set_set(rule_set: RuleSet, values: RuleSetValues) -> None:
    for name in _RULE_FIELDS:
        setattr(rule_set, name, getattr(values, name))
    rule_set.name, rule_set.note = values.name.strip(), values.note.strip()
    rule_set.required_documents = [k for k in flows.DocumentKind.values if k in values.required_documents]
    rule_set.save()
    rule_set.limits.all().delete()
    RuleSetLimit.objects.bulk_create([RuleSetLimit(rule_set=rule_set, stage=stage, working_days=days)
                                      for stage, days in sorted((values.limits or {}).items())])


def _require_not_in_force(rule_set: RuleSet) -> None:
    if rule_set.effective_from < clock.today():
        raise DomainError(_("This rule set has been in force since %(day)s: it is history and stays as it was. "
                            "Add a new rule set from a later day instead.") % {
            "day": rule_set.effective_from.strftime("%d/%m/%Y")})


@transaction.atomic
def rule_set_create(*, actor, unit_id: int, values: RuleSetValues) -> RuleSet:
    """A rule set of the unit, for its subtree's campaigns from
    ``effective_from`` (today or later) on: until then the rule set of the
    unit above (or the national one) still applies."""
    unit = _unit_for_write(actor, unit_id)
    _rule_set_check(unit, values)
    rule_set = RuleSet(unit=unit)
    _rule_set_set(rule_set, values)
    _record(actor, unit, _("Rule set “%(name)s” from %(day)s added.") % {
        "name": rule_set.name, "day": rule_set.effective_from.strftime("%d/%m/%Y")}, after=_rule_set_record(rule_set))
    return rule_set


@transaction.atomic
def rule_set_update(*, actor, rule_set_id: int, values: RuleSetValues) -> RuleSet:
    """Change one of the unit's rule sets that is not yet in force (or comes in force today)."""
    rule_set = _own_item(RuleSet, actor, rule_set_id)
    _require_not_in_force(rule_set)
    _rule_set_check(rule_set.unit, values, exclude_pk=rule_set.pk)
    before = _rule_set_record(rule_set)
    _rule_set_set(rule_set, values)
    _record(actor, rule_set.unit, _("Rule set “%(name)s” from %(day)s changed.") % {
        "name": rule_set.name, "day": rule_set.effective_from.strftime("%d/%m/%Y")}, before=before,
        after=_rule_set_record(rule_set))
    return rule_set


@transaction.atomic
def rule_set_withdraw(*, actor, rule_set_id: int) -> None:
    """Withdraw one of the unit's rule sets that is not yet in force (or comes in force today)."""
    rule_set = _own_item(RuleSet, actor, rule_set_id)
    _require_not_in_force(rule_set)
    before, unit = _rule_set_record(rule_set), rule_set.unit
    rule_set.delete()
    _record(actor, unit, _("Rule set “%(name)s” from %(day)s withdrawn.") % {
        "name": before["name"], "day": rule_set.effective_from.strftime("%d/%m/%Y")}, before=before)


# --- calendar exceptions -------------------------------------------------------------------
@dataclass(frozen=True)
class DayValues:
    date: dt.date
    is_working_day: bool
    name: str


def _day_record(day: CalendarDay) -> dict:
    return {"date": day.date.isoformat(), "is_working_day": day.is_working_day, "name": day.name}


def _day_words(day: CalendarDay) -> str:
    what = _("make-up working day") if day.is_working_day else _("day off")
    return f"{day.date:%d/%m/%Y} ({what}{': ' + day.name if day.name else ''})"


def _day_check(unit: Unit, values: DayValues, *, exclude_pk: int | None = None) -> None:
    fields = {}
    if values.date < clock.today():
        fields["date"] = [_("Choose today or a later day: the days gone by stay as they were counted.")]
    elif CalendarDay.objects.filter(unit=unit, date=values.date).exclude(pk=exclude_pk).exists():
        fields["date"] = [_("This unit already has an exception on that day.")]
    if fields:
        raise InvalidInput(fields=fields)


def _require_not_past(day: CalendarDay) -> None:
    if day.date < clock.today():
        raise DomainError(_("%(day)s is past: it stays as it was counted.") % {"day": day.date.strftime("%d/%m/%Y")})


def _day_save(day: CalendarDay) -> None:
    try:
        with transaction.atomic():
            day.save()
    except IntegrityError:  # a concurrent writer took the day first
        raise InvalidInput(fields={"date": [_("This unit already has an exception on that day.")]}) from None


@transaction.atomic
def calendar_day_create(*, actor, unit_id: int, values: DayValues) -> CalendarDay:
    """An extra day off or a make-up working day for the unit's subtree
    (it wins over the national calendar and the units' above for that day).
    Due dates already set stay; what is counted from now on uses it."""
    unit = _unit_for_write(actor, unit_id)
    _day_check(unit, values)
    day = CalendarDay(unit=unit, date=values.date, is_working_day=values.is_working_day, name=values.name.strip())
    _day_save(day)
    _record(actor, unit, _("Calendar: %(day)s added.") % {"day": _day_words(day)}, after=_day_record(day))
    return day


@transaction.atomic
def calendar_day_update(*, actor, day_id: int, values: DayValues) -> CalendarDay:
    day = _own_item(CalendarDay, actor, day_id)
    _require_not_past(day)
    _day_check(day.unit, values, exclude_pk=day.pk)
    before = _day_record(day)
    day.date, day.is_working_day, day.name = values.date, values.is_working_day, values.name.strip()
    _day_save(day)
    _record(actor, day.unit, _("Calendar: %(day)s changed.") % {"day": _day_words(day)}, before=before,
            after=_day_record(day))
    return day


@transaction.atomic
def calendar_day_withdraw(*, actor, day_id: int) -> None:
    day = _own_item(CalendarDay, actor, day_id)
    _require_not_past(day)
    before, unit, words = _day_record(day), day.unit, _day_words(day)
    day.delete()
    _record(actor, unit, _("Calendar: %(day)s withdrawn.") % {"day": words}, before=before)
