"""Screens of the survey rounds and visits, under /surveys/ (namespace
"people"). Each view parses the request, calls a service or a selector and
renders; permissions come from ``permissions`` and a forbidden object
answers 404, like a missing one (``workflows.core.refusals``)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.campaigns import (
    permissions as campaign_permissions,
    selectors as campaign_selectors,
    services as campaign_services,
)
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice, param_date, param_int, param_str
from workflows.core.refusals import refusals_lead_to
from workflows.core.shortcuts import visible_or_404
from workflows.enterprises.models import WORKFORCE_BANDS
from workflows.organisation.selectors import unit_picker_for

from . import forms, permissions, survey_pages, surveys
from .models import SurveyRound, SurveyVisit


def _round_or_404(request, pk: int) -> SurveyRound:
    return visible_or_404(survey_pages.rounds_shown_to(request.user), pk, request=request)


def _visit_or_404(request, pk: int) -> SurveyVisit:
    visit = visible_or_404(survey_pages.visits_shown_to(request.user), pk, request=request)
    refusals_lead_to(request, reverse("people:visit", args=[pk]))
    return visit


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- rounds -------------------------------------------------------------------------
@login_required
@require_GET
def round_list(request):
    page = survey_pages.rounds_page(request.user)
    _require(permissions.sees_rounds_of(request.user))
    return render(request, "people/surveys/rounds.html", context_of(page, nav_active="surveys"))


def _choice_filters(request) -> survey_pages.RoundChoiceFilters:
    return survey_pages.RoundChoiceFilters(q=param_str(request.GET, "q", 100),
                                           district_id=param_int(request.GET, "district"),
                                           band=param_choice(request.GET, "band", list(WORKFORCE_BANDS)))


def _round_form_page(request, *, survey_round: SurveyRound | None):
    units = survey_pages.units_to_plan_in(request.user)
    _require(bool(units) and (survey_round is None or permissions.can_edit_round(request.user, survey_round)))
    if survey_round is not None:
        chosen, teams_chosen = survey_pages.round_chosen(survey_round)
        initial = {"name": survey_round.name, "unit": survey_round.unit_id, "starts_on": survey_round.starts_on,
                   "ends_on": survey_round.ends_on, "peak_month": survey_round.peak_month,
                   "note": survey_round.note, "enterprises": chosen, "teams": teams_chosen}
    else:
        chosen, initial = [], {"starts_on": clock.today()}
    posted = request.POST if request.method == "POST" else None
    unit_id = param_int(posted or request.GET, "unit") or initial.get("unit") or units[0].pk
    unit = next((u for u in units if u.pk == unit_id), units[0])
    initial["unit"] = unit.pk
    if posted is not None:
        chosen = [int(v) for v in posted.getlist("enterprises") if v.isascii() and v.isdigit() and len(v) <= 10]
    choices = survey_pages.round_choices(unit, _choice_filters(request), chosen=chosen)
    form = forms.RoundForm(posted, initial=initial, units=units, enterprises=choices.enterprises,
                           teams=choices.teams)
    if posted is not None and form.is_valid():
        with errors_on(form):
            if survey_round is None:
                saved = surveys.survey_round_create(actor=request.user, data=form.round_data())
                messages.success(request, _("Survey round planned."))
            else:
                saved = surveys.survey_round_update(round_id=survey_round.pk, actor=request.user,
                                                    data=form.round_data())
                messages.success(request, _("Survey round saved."))
            return redirect("people:round", pk=saved.pk)
    return render(request, "people/surveys/round_form.html", {
        "nav_active": "surveys", "form": form, "survey_round": survey_round, "choices": choices,
        "filters": _choice_filters(request)}, status=400 if form.errors else 200)


@login_required
def round_add(request):
    return _round_form_page(request, survey_round=None)


@login_required
def round_edit(request, pk: int):
    return _round_form_page(request, survey_round=_round_or_404(request, pk))


@login_required
@require_GET
def round_detail(request, pk: int):
    page = survey_pages.round_page(request.user, _round_or_404(request, pk))
    return render(request, "people/surveys/round.html", context_of(page, nav_active="surveys"))


# --- visits --------------------------------------------------------------------------
def _visit_form(request, enterprise, *, visit: SurveyVisit | None = None):
    may_open = visit is None and campaign_permissions.can_open_for(request.user, enterprise)
    offered = survey_pages.visit_form(request.user, enterprise, round_id=param_int(request.GET, "round"),
                                      visit=visit, may_open_campaign=may_open)
    form = forms.VisitForm(request.POST if request.method == "POST" else None, initial=offered.initial,
                           rounds=offered.rounds, teams=offered.teams, issues=offered.issues,
                           may_open_campaign=offered.may_open_campaign)
    return offered, form


def _visit_form_page(request, offered, form, *, visit: SurveyVisit | None = None):
    return render(request, "people/surveys/visit_form.html", {
        "nav_active": "surveys", "form": form, "enterprise": offered.enterprise, "visit": visit,
        "latest_visit": offered.latest_visit,
    }, status=400 if form.errors else 200)


@login_required
def visit_add(request, enterprise_pk: int):
    """Record a visit to an enterprise (three taps from the round's list on a phone)."""
    enterprise = visible_or_404(survey_pages.enterprises_to_visit_shown_to(request.user), enterprise_pk,
                                request=request)
    offered, form = _visit_form(request, enterprise)
    if request.method == "POST" and form.is_valid():
        with errors_on(form), transaction.atomic():  # the visit and the campaign it opens, or neither
            visit = surveys.survey_visit_record(enterprise_id=enterprise.pk, actor=request.user,
                                                data=form.visit_data())
            if "open_campaign" in form.fields and form.opens_campaign:
                campaign = campaign_services.campaign_open_from_visit(visit_id=visit.pk, actor=request.user)
                messages.success(request, _("Visit recorded and campaign opened."))
                return redirect("campaigns:detail", pk=campaign.pk)
            messages.success(request, _("Visit recorded."))
            return redirect("people:visit", pk=visit.pk)
    return _visit_form_page(request, offered, form)


@login_required
def visit_edit(request, pk: int):
    visit = _visit_or_404(request, pk)
    _require(permissions.can_edit_visit(request.user, visit))
    offered, form = _visit_form(request, visit.enterprise, visit=visit)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            surveys.survey_visit_update(visit_id=visit.pk, actor=request.user, data=form.visit_data())
            messages.success(request, _("Visit saved."))
            return redirect("people:visit", pk=visit.pk)
    return _visit_form_page(request, offered, form, visit=visit)


@login_required
@require_GET
def visit_detail(request, pk: int):
    visit = _visit_or_404(request, pk)
    page = survey_pages.visit_page(request.user, visit)
    campaigns = campaign_selectors.campaigns_of_enterprise(request.user, visit.enterprise)
    return render(request, "people/surveys/visit.html", context_of(
        page, nav_active="surveys", campaigns=campaigns,
        may_open_campaign=not campaigns.has_open and not visit.enterprise.has_union
        and campaign_permissions.can_open_for(request.user, visit.enterprise)))


@login_required
@require_POST
def visit_open_campaign(request, pk: int):
    visit = _visit_or_404(request, pk)
    campaign = campaign_services.campaign_open_from_visit(visit_id=visit.pk, actor=request.user,
                                                          working_group_id=param_int(request.POST, "working_group"))
    messages.success(request, _("Campaign opened."))
    return redirect("campaigns:detail", pk=campaign.pk)


# --- summary ---------------------------------------------------------------------------
@login_required
@require_GET
def summary(request):
    picker = unit_picker_for(request, all_units=False)  # the units the user oversees, their first by default
    unit_id, unit = param_int(request.GET, "unit"), picker.chosen
    _require(unit is not None and unit_id in (None, unit.pk))
    rounds = survey_pages.summary_rounds(request.user, unit)
    round_id = param_int(request.GET, "round")
    filters = survey_pages.SummaryFilters(
        round_id=round_id if any(r.pk == round_id for r in rounds) else None,
        start=param_date(request.GET, "from"), end=param_date(request.GET, "to"))
    page = survey_pages.survey_summary(unit, filters)
    return render(request, "people/surveys/summary.html", context_of(
        page, nav_active="surveys", picker=picker, rounds=rounds))
