"""Managers' and supervisors' figures: the dashboard of a unit subtree, the
official report, target allocation and member movements."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice, param_int
from workflows.organisation.models import Unit
from workflows.organisation.selectors import units_overseen_by

from . import permissions, reports, selectors, services
from .forms import AllocationForm, MovementForm, TargetChoiceForm
from .models import Metric


def _chosen_unit(request) -> tuple[Unit, list[Unit]]:
    units = list(units_overseen_by(request.user))
    if not units:
        raise PermissionDenied
    unit_id = param_int(request.POST, "unit") or param_int(request.GET, "unit")
    if unit_id is None:
        return units[0], units
    chosen = next((u for u in units if u.pk == unit_id), None)
    if chosen is None:
        raise PermissionDenied  # a unit outside the user's scope: 404, never another unit instead
    return chosen, units


def _period(request, today: dt.date) -> tuple[str, int]:
    year = param_int(request.GET, "year") or today.year
    return param_choice(request.GET, "span", selectors.SPANS) or "year", year if 2000 <= year <= 2100 else today.year


def _as_of(request, today: dt.date) -> dt.date | None:
    value = request.GET.get("as_of", "")
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return day if day < today else None
    return None


@login_required
@require_GET
def home(request):
    today = clock.today()
    unit, units = _chosen_unit(request)
    span, year = _period(request, today)
    page = selectors.overview_page(request.user, unit, units, span=span, year=year, as_of=_as_of(request, today),
                                   today=today)
    return render(request, "statistics/home.html", context_of(page, nav_active="overview",
                                                              query=request.GET.urlencode()))


@login_required
@require_GET
def report(request, fmt: str):
    today = clock.today()
    unit, _units = _chosen_unit(request)
    span, year = _period(request, today)
    as_of = _as_of(request, today)
    board = selectors.dashboard(unit, span, year, as_of=as_of, today=today)
    period_label = {"year": _("year %(year)s"), "h1": _("first half of %(year)s"),
                    "h2": _("second half of %(year)s")}[span] % {"year": year}
    title = _("Results of founding grassroots unions and developing members — %(unit)s, %(period)s") % {
        "unit": unit.name, "period": period_label}
    if as_of:
        title += " " + _("(as of %(day)s)") % {"day": as_of.strftime("%d/%m/%Y")}
    name = f"bao-cao-{unit.code}-{year}-{span}"
    if fmt == "csv":
        response = HttpResponse(reports.report_csv(board, title), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    response = HttpResponse(reports.report_xlsx(board, title),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- targets ------------------------------------------------------------------------
@login_required
def targets(request):
    """One screen: the target the unit received and its split over the
    child units, with the sum against the received target."""
    unit, units = _chosen_unit(request)
    permissions.require(permissions.can_plan(request.user, unit))
    # What to show comes from the query (garbage means the defaults); a POST
    # must say exactly what it saves.
    shown = TargetChoiceForm.shown(request.GET, today=clock.today())
    posted = request.POST if request.method == "POST" else None
    choice = TargetChoiceForm(posted, initial=vars(shown))
    children = selectors.units_allocated_to(unit)
    values = AllocationForm(posted, unit=unit, children=children)
    if posted is not None and choice.is_valid():
        shown = choice.chosen()
        if values.is_valid():
            with errors_on(choice):
                _targets_save(request.user, unit, shown, values)
                messages.success(request, _("Targets saved."))
                return redirect(f"{request.path}?{request.GET.urlencode() or ''}&unit={unit.pk}&year={shown.year}"
                                f"&horizon={shown.horizon}&metric={shown.metric}")
    page = selectors.targets_page(request.user, unit, units, children, shown)
    return render(request, "statistics/targets.html", context_of(
        page, nav_active="overview", choice=choice, errors=[*values.non_field_errors(), *choice.non_field_errors()]),
        status=400 if values.errors or choice.errors else 200)


def _targets_save(actor, unit: Unit, chosen: selectors.TargetChoice, values: AllocationForm) -> None:
    services.targets_set(unit_id=unit.pk, year=chosen.year, metric=chosen.metric, horizon=chosen.horizon,
                         received=values.received, allocations=values.allocations, actor=actor,
                         min_workforce=chosen.min_workforce if chosen.metric == Metric.COVERAGE else None)


# --- member movements -----------------------------------------------------------------
@login_required
def movements(request):
    unit, units = _chosen_unit(request)
    plannable = [u for u in units if permissions.can_plan(request.user, u)]
    permissions.require(bool(plannable))
    form = MovementForm(request.POST or None, units=plannable, initial={"unit": unit.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.movement_record(unit_id=data["unit"], month=data["month"], kind=data["kind"],
                                     members=data["members"], note=data["note"], actor=request.user)
            messages.success(request, _("Movement recorded."))
            return redirect("statistics:movements")
    return render(request, "statistics/movements.html", {
        "nav_active": "overview", "form": form, "recent": selectors.movements_recent(unit), "unit": unit},
        status=400 if form.errors else 200)
