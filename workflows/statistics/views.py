"""Managers' and supervisors' figures: the dashboard of a unit subtree, the
official report, target allocation and member movements."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from workflows.campaigns import flows
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.core.forms import date_field, run_service
from workflows.core.params import param_choice, param_int
from workflows.enterprises.models import WORKFORCE_FLOORS
from workflows.organisation.models import Unit
from workflows.organisation.selectors import units_overseen_by

from . import permissions, reports, selectors, services
from .models import MemberMovement, Metric, MovementKind, Target, TargetHorizon, TargetSource


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


def _period(request, today: dt.date) -> tuple[selectors.Period, str, int]:
    year = param_int(request.GET, "year") or today.year
    year = year if 2000 <= year <= 2100 else today.year
    span = param_choice(request.GET, "span", ["year", "h1", "h2"]) or "year"
    period = {"year": selectors.Period.year(year), "h1": selectors.Period.half(year, 1),
              "h2": selectors.Period.half(year, 2)}[span]
    return period, span, year


def _as_of(request, today: dt.date) -> dt.date | None:
    value = request.GET.get("as_of", "")
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return day if day < today else None
    return None


def _dashboard(request):
    today = clock.today()
    unit, units = _chosen_unit(request)
    period, span, year = _period(request, today)
    as_of = _as_of(request, today)
    board = (selectors.dashboard_as_of(unit, period, day=as_of) if as_of
             else selectors.dashboard_for(unit, period, today=today))
    return board, unit, units, span, year, as_of


@login_required
@require_GET
def home(request):
    board, unit, units, span, year, as_of = _dashboard(request)
    parent = next((u for u in units if unit.path.startswith(u.path) and u.depth == unit.depth - 1), None)
    return render(request, "statistics/home.html", {
        "nav_active": "overview", "board": board, "unit": unit, "units": units, "parent": parent,
        "span": span, "year": year, "years": range(clock.today().year - 4, clock.today().year + 1),
        "as_of": as_of, "stage_labels": [(s, Stage(s).label) for s in selectors.STAGES],
        "pipeline_bars": _bars([(s, Stage(s).label, board.total.stages.get(s, 0)) for s in selectors.STAGES]),
        "funnel_bars": _bars([(s, label, n) for s, label, n, _pct in board.funnel]),
        "funnel": board.funnel,
        "durations": [(Stage(s).label, board.median_days(s), board.p90_days(s)) for s in flows.WORKING_STAGES],
        "targets": _target_rows(board),
        "can_plan": permissions.can_plan(request.user, unit),
        "query": request.GET.urlencode(),
    })


def _bars(items):
    largest = max([n for _s, _l, n in items] + [1])
    return [(stage, label, n, round(100 * n / largest)) for stage, label, n in items]


def _target_rows(board):
    """Per child: the year's targets (allocated) against what was achieved."""
    rows = []
    for figures in board.rows + [board.total]:
        source = TargetSource.RECEIVED if figures is board.total else TargetSource.ALLOCATED
        members = figures.targets.get((TargetHorizon.YEAR, Metric.NEW_MEMBERS, source))
        unions = figures.targets.get((TargetHorizon.YEAR, Metric.NEW_UNIONS, source))
        coverage = figures.targets.get((TargetHorizon.YEAR, Metric.COVERAGE, source))
        floor = figures.targets.get(("min_workforce", Metric.COVERAGE)) or 25
        with_union, everyone = figures.coverage.get(floor, (0, 0))
        reached = selectors.percent_cut(with_union, everyone)
        rows.append({
            "figures": figures, "is_total": figures is board.total,
            "members": members, "members_done": figures.new_members,
            "members_pct": selectors.percent_cut(figures.new_members, members or 0) if members else None,
            "unions": unions, "unions_done": figures.unions_founded,
            "unions_pct": selectors.percent_cut(figures.unions_founded, unions or 0) if unions else None,
            "coverage": coverage, "coverage_floor": floor, "coverage_done": reached,
            "bar": min(100, int(selectors.percent_cut(figures.new_members, members or 0))) if members else 0,
        })
    return rows


@login_required
@require_GET
def report(request, fmt: str):
    board, unit, _units, span, year, as_of = _dashboard(request)
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
class TargetChoiceForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    horizon = forms.ChoiceField(label=gettext_lazy("Horizon"), choices=TargetHorizon.choices)
    metric = forms.ChoiceField(label=gettext_lazy("Metric"), choices=Metric.choices)
    min_workforce = forms.TypedChoiceField(label=gettext_lazy("Minimum workforce (coverage)"), coerce=int,
                                           choices=[(f, f) for f in WORKFORCE_FLOORS if f], required=False,
                                           empty_value=None)


@login_required
def targets(request):
    """One screen: the target the unit received and its split over the
    child units, with the sum against the received target."""
    unit, units = _chosen_unit(request)
    permissions.require(permissions.can_plan(request.user, unit))
    # What to show comes from the query (garbage means the defaults); a POST
    # must say exactly what it saves.
    year = param_int(request.GET, "year") or clock.today().year
    year = year if 2000 <= year <= 2100 else clock.today().year
    horizon = param_choice(request.GET, "horizon", TargetHorizon.values) or TargetHorizon.YEAR
    metric = param_choice(request.GET, "metric", Metric.values) or Metric.NEW_MEMBERS
    floor = param_int(request.GET, "min_workforce") or 25
    floor = floor if floor in WORKFORCE_FLOORS else 25
    initial = {"year": year, "horizon": horizon, "metric": metric, "min_workforce": floor}
    choice = TargetChoiceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and choice.is_valid():
        year, horizon, metric = choice.cleaned_data["year"], choice.cleaned_data["horizon"], \
            choice.cleaned_data["metric"]
        floor = choice.cleaned_data["min_workforce"] or 25
    children = list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1, is_active=True,
                                        kind__is_grassroots=False).order_by("path"))
    existing = {(t.unit_id, t.source): t.value for t in Target.objects.filter(
        unit__in=[unit, *children], year=year, horizon=horizon, metric=metric)}
    errors = []
    if request.method == "POST" and choice.is_valid():
        values, bad = {}, False
        for child in [unit, *children]:
            raw = (request.POST.get(f"value-{child.pk}") or "").replace(".", "").strip()
            if raw == "":
                continue
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # "²".isdigit(), yet int("²") fails
                errors.append(_("“%(value)s” for %(unit)s is not a whole number.") % {
                    "value": request.POST.get(f"value-{child.pk}")[:20], "unit": child.name})
                bad = True
                continue
            values[child.pk] = int(raw)
        if not bad:
            received = values.pop(unit.pk, None)
            common = {"year": year, "metric": metric, "horizon": horizon,
                      "min_workforce": floor if metric == Metric.COVERAGE else None, "actor": request.user}
            done = run_service(choice, lambda: (
                received is not None and services.target_set_received(unit_id=unit.pk, value=received, **common),
                services.targets_allocate(unit_id=unit.pk, allocations=values, **common)))
            if done:
                messages.success(request, _("Targets saved."))
                return redirect(f"{request.path}?{request.GET.urlencode() or ''}&unit={unit.pk}&year={year}"
                                f"&horizon={horizon}&metric={metric}")
    received = existing.get((unit.pk, TargetSource.RECEIVED))
    allocated = [(child, existing.get((child.pk, TargetSource.ALLOCATED))) for child in children]
    total = sum(v or 0 for _c, v in allocated)
    return render(request, "statistics/targets.html", {
        "nav_active": "overview", "unit": unit, "units": [u for u in units if permissions.can_plan(request.user, u)],
        "choice": choice, "received": received, "allocated": allocated, "allocated_total": total,
        "over": received is not None and total > received, "difference": total - (received or 0),
        "errors": errors + [e for e in choice.non_field_errors()],
        "year": year, "horizon": horizon, "metric": metric, "metric_label": Metric(metric).label,
    }, status=400 if errors or choice.errors else 200)


# --- member movements -----------------------------------------------------------------
class MovementForm(forms.Form):
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), coerce=int)
    month = date_field(gettext_lazy("Month (any day of it)"))
    kind = forms.ChoiceField(label=gettext_lazy("Movement"), choices=MovementKind.choices)
    members = forms.IntegerField(label=gettext_lazy("Members"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


@login_required
def movements(request):
    unit, units = _chosen_unit(request)
    plannable = [u for u in units if permissions.can_plan(request.user, u)]
    permissions.require(bool(plannable))
    form = MovementForm(request.POST or None, units=plannable, initial={"unit": unit.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(form, lambda: services.movement_record(
                unit_id=data["unit"], month=data["month"], kind=data["kind"], members=data["members"],
                note=data["note"], actor=request.user)):
            messages.success(request, _("Movement recorded."))
            return redirect("statistics:movements")
    recent = (MemberMovement.objects.filter(unit__path__startswith=unit.path).select_related("unit", "entered_by")
              .order_by("-month", "-entered_at")[:50])
    return render(request, "statistics/movements.html", {"nav_active": "overview", "form": form,
                                                         "recent": recent, "unit": unit},
                  status=400 if form.errors else 200)
