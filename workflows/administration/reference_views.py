"""Screens of the reference data per subtree (``reference``): for a unit the
user administers, the rule sets, the stage checklists and the calendar
exceptions in force there, each saying where it comes from, and the unit's
own items to add, change, deactivate or withdraw. Each view parses the
request, calls one selector or service, and renders; a unit the user does
not administer answers 404."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.params import param_choice, param_int
from workflows.core.shortcuts import visible_or_404

from . import reference
from .reference_forms import CHECKLIST_STAGES, CalendarDayForm, CopyChecklistForm, RuleSetForm, TemplateForm

UNIT_PAGE = "administration:reference:unit"
STAGE_NAMES = [stage for stage, _label in CHECKLIST_STAGES]


def _unit_or_404(request, unit_pk: int):
    return visible_or_404(reference.reference_units(request.user), unit_pk, request=request)


def _back(unit, anchor: str):
    response = redirect(UNIT_PAGE, unit_pk=unit.pk)
    response["Location"] += f"#{anchor}"
    return response


def _form_page(request, unit, form, *, title: str, item=None, action_label: str):
    return render(request, "administration/reference/form.html", {
        "nav_active": "administration", "unit": unit, "form": form, "title": title, "item": item,
        "action_label": action_label}, status=400 if form.errors else 200)


@login_required
@require_GET
def home(request):
    """Choose the unit whose reference data to see and keep."""
    if (unit_pk := param_int(request.GET, "unit")) is not None:
        return redirect(UNIT_PAGE, unit_pk=unit_pk)
    units = list(reference.reference_unit_choices(request.user))
    if len(units) == 1:
        return redirect(UNIT_PAGE, unit_pk=units[0][0])
    return render(request, "administration/reference/home.html", {"nav_active": "administration", "units": units})


@login_required
@require_GET
def unit_page(request, unit_pk: int):
    unit = _unit_or_404(request, unit_pk)
    today = clock.today()
    year = param_int(request.GET, "year")
    page = reference.reference_page(unit, today=today, year=year if year and 2000 <= year <= 2100 else None)
    return render(request, "administration/reference/unit.html", {
        "nav_active": "administration", "page": page, "copy_form": CopyChecklistForm()})


# --- stage task templates ------------------------------------------------------------------
@login_required
def template_add(request, unit_pk: int):
    unit = _unit_or_404(request, unit_pk)
    form = TemplateForm(request.POST or None, initial={"stage": param_choice(request.GET, "stage", STAGE_NAMES)})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            reference.task_template_create(actor=request.user, unit_id=unit.pk, values=form.values())
            messages.success(request, _("The task was added to the checklist."))
            return _back(unit, "checklists")
    return _form_page(request, unit, form, title=_("Add a task to the checklist"), action_label=_("Add"))


@login_required
def template_edit(request, unit_pk: int, pk: int):
    unit = _unit_or_404(request, unit_pk)
    template = visible_or_404(reference.own_templates(unit), pk, request=request)
    form = TemplateForm.of(template, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            reference.task_template_update(actor=request.user, template_id=template.pk, values=form.values())
            messages.success(request, _("The task template was saved."))
            return _back(unit, "checklists")
    return _form_page(request, unit, form, title=_("Change a task template"), item=template, action_label=_("Save"))


@login_required
@require_POST
def template_deactivate(request, unit_pk: int, pk: int):
    unit = _unit_or_404(request, unit_pk)
    template = visible_or_404(reference.own_templates(unit), pk, request=request)
    reference.task_template_deactivate(actor=request.user, template_id=template.pk)
    messages.success(request, _("The task template was deactivated."))
    return _back(unit, "checklists")


@login_required
@require_POST
def checklist_copy(request, unit_pk: int):
    unit = _unit_or_404(request, unit_pk)
    form = CopyChecklistForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            copies = reference.task_templates_copy(actor=request.user, unit_id=unit.pk,
                                                   stage=form.cleaned_data["stage"])
            messages.success(request, _("The checklist was copied to this unit (%(count)d tasks): change it here.")
                             % {"count": len(copies)})
            return _back(unit, "checklists")
    for error in form.non_field_errors() or [_("Choose a stage from the list.")]:
        messages.error(request, error)
    return _back(unit, "checklists")


# --- rule sets ----------------------------------------------------------------------------------
@login_required
def rule_set_add(request, unit_pk: int):
    unit = _unit_or_404(request, unit_pk)
    form = RuleSetForm(request.POST or None, initial={"effective_from": clock.today()})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            reference.rule_set_create(actor=request.user, unit_id=unit.pk, values=form.values())
            messages.success(request, _("The rule set was added."))
            return _back(unit, "rules")
    return _form_page(request, unit, form, title=_("Add a rule set"), action_label=_("Add"))


@login_required
def rule_set_edit(request, unit_pk: int, pk: int):
    unit = _unit_or_404(request, unit_pk)
    rule_set = visible_or_404(reference.own_rule_sets(unit), pk, request=request)
    form = RuleSetForm.of(rule_set, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            reference.rule_set_update(actor=request.user, rule_set_id=rule_set.pk, values=form.values())
            messages.success(request, _("The rule set was saved."))
            return _back(unit, "rules")
    return _form_page(request, unit, form, title=_("Change a rule set"), item=rule_set, action_label=_("Save"))


@login_required
@require_POST
def rule_set_withdraw(request, unit_pk: int, pk: int):
    unit = _unit_or_404(request, unit_pk)
    rule_set = visible_or_404(reference.own_rule_sets(unit), pk, request=request)
    reference.rule_set_withdraw(actor=request.user, rule_set_id=rule_set.pk)
    messages.success(request, _("The rule set was withdrawn."))
    return _back(unit, "rules")


# --- calendar exceptions --------------------------------------------------------------------
@login_required
def day_add(request, unit_pk: int):
    unit = _unit_or_404(request, unit_pk)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            day = reference.calendar_day_create(actor=request.user, unit_id=unit.pk, values=form.values())
            messages.success(request, _("The day was added to the calendar."))
            response = redirect(UNIT_PAGE, unit_pk=unit.pk)
            response["Location"] += f"?year={day.date.year}#calendar"
            return response
    return _form_page(request, unit, form, title=_("Add a day to the calendar"), action_label=_("Add"))


@login_required
def day_edit(request, unit_pk: int, pk: int):
    unit = _unit_or_404(request, unit_pk)
    day = visible_or_404(reference.own_calendar_days(unit), pk, request=request)
    form = CalendarDayForm.of(day, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            reference.calendar_day_update(actor=request.user, day_id=day.pk, values=form.values())
            messages.success(request, _("The day was saved."))
            return _back(unit, "calendar")
    return _form_page(request, unit, form, title=_("Change a day of the calendar"), item=day, action_label=_("Save"))


@login_required
@require_POST
def day_withdraw(request, unit_pk: int, pk: int):
    unit = _unit_or_404(request, unit_pk)
    day = visible_or_404(reference.own_calendar_days(unit), pk, request=request)
    reference.calendar_day_withdraw(actor=request.user, day_id=day.pk)
    messages.success(request, _("The day was withdrawn from the calendar."))
    return _back(unit, "calendar")
