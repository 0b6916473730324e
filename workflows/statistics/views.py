"""Managers' and supervisors' figures: the dashboard of a unit subtree and
the planning pages — programmes, targets, member counts, estimates and
member movements."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from workflows.core import clock, replica
from workflows.core.errors import DomainError
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice, param_date, param_int
from workflows.organisation.models import Unit
from workflows.organisation.selectors import (
    Reach,
    UnitPicker,
    paths_under,
    reach_paths,
    unit_picked,
    unit_picker_for,
)

from . import kept_figures, overview_cache, permissions, planning, selectors, services
from .forms import AllocationForm, EstimateForm, MemberCountForm, MovementForm, ProgrammeForm, TargetChoiceForm
from .models import EstimateKind, Programme


def _picked(request, *, reach: Reach = Reach.OVERSEEN, query_only: bool = False,
            **options) -> tuple[Unit, UnitPicker]:
    """The unit asked for (posted or in the query; ``query_only``: in the
    query, a posted unit being the form's to check) among those the user may
    pick in ``reach`` — their first top unit when none is asked for — and
    the page's unit picker; none, or a unit outside them: 404, never another
    unit instead."""
    unit_id = (None if query_only else param_int(request.POST, "unit")) or param_int(request.GET, "unit")
    picker = unit_picker_for(request, all_units=False, unit_id=unit_id, reach=reach, **options)
    if picker.chosen is None or (unit_id is not None and picker.chosen.pk != unit_id):
        raise PermissionDenied
    return picker.chosen, picker


def _period(request, today: dt.date) -> tuple[str, int]:
    year = param_int(request.GET, "year") or today.year
    return param_choice(request.GET, "span", selectors.SPANS) or "year", year if 2000 <= year <= 2100 else today.year


def _as_of(request, today: dt.date) -> dt.date | None:
    day = param_date(request.GET, "as_of")
    return day if day and day < today else None


@login_required
@require_GET
def home(request):
    """The dashboard: who may see which unit is decided on every request (on
    the primary); the figures are counted once and shared for a moment
    (``overview_cache``), from the read replica when there is one (which
    says how far behind it is). A past day of a subtree too big for a page
    is counted by a job and kept (``kept_figures``)."""
    today = clock.today()
    unit, picker = _picked(request)
    span, year, month, months, as_of, can_plan = asked = _overview_asked(request, unit, today)
    past_campaigns = selectors.as_of_too_long(unit) if as_of else None
    past = kept_figures.kept(kept_figures.overview_key(unit.pk, span=span, year=year, month=month, months=months,
                                                   day=as_of, can_plan=can_plan)) if past_campaigns else None
    counted: list = []

    def count() -> overview_cache.Shown:
        started = overview_cache.now()  # what is written after this may be missing from the figures
        page = replica.on_replica(selectors.overview_page, request.user, unit, picker, span=span, year=year,
                                  as_of=as_of, today=today, month=month, months=months, can_plan=can_plan,
                                  too_long_for=past_campaigns)
        counted.append(page)
        heading, notes, figures = kept_figures.overview_parts(page)  # they show nothing of the user nor the request
        return overview_cache.Shown(at=started, as_of=page.as_of, heading=heading, notes=notes, figures=figures)

    again = request.GET.get("again") == "1"
    if past is not None and past.figures:  # the past day's figures a job counted
        heading, notes, figures = kept_figures.shown_parts(past)
        shown = overview_cache.Shown(at=past.counted_at, as_of=as_of, heading=heading, notes=notes, figures=figures)
    else:
        shown = overview_cache.shown(_figures_parts(unit, asked, today), again=again, count=count)
    query = _query_without_again(request)
    keep = request.GET.copy()
    keep["again"] = "1"
    context = {
        # the page's own context when its figures were counted for it (the tests read them there)
        **(context_of(counted[0]) if counted else {}),
        "unit": unit, "picker": picker, "parent": selectors.parent_in(picker, unit), "span": span,
        "year": year, "years": selectors.overview_years(today), "month": month, "months": months,
        "month_choices": range(1, 13), "as_of": shown.as_of, "can_plan": can_plan,
        "period_query": selectors.period_query(span, year, month, months), "shown": shown,
        "again_query": keep.urlencode(), "nav_active": "overview", "query": query,
        "past_day": as_of if past_campaigns else None,
        "fresh_url": (f"{reverse('statistics:figures_fresh')}?{_fresh_query(request, unit, shown)}"
                      if shown.stale else ""),
        **kept_context(past, reverse("statistics:past_count"), query)}
    return render(request, "statistics/home.html", context)


def _overview_asked(request, unit: Unit, today: dt.date) -> tuple[str, int, int, int, dt.date | None, bool]:
    """What the dashboard's query asks of ``unit``: the period (span, year, month, months), the past day, and
    whether the user may plan the unit (a link in the figures)."""
    span, year = _period(request, today)
    month, months = selectors.overview_months(today, *_overview_months(request))
    return span, year, month, months, _as_of(request, today), permissions.can_plan(request.user, unit)


def _figures_parts(unit: Unit, asked: tuple, today: dt.date) -> tuple:
    """What decides the shared figures (``overview_cache.key``)."""
    span, year, month, months, as_of, can_plan = asked
    return unit.pk, span, year, month, months, as_of, today, int(can_plan)


def _fresh_query(request, unit: Unit, shown: overview_cache.Shown) -> str:
    keep = request.GET.copy()
    keep.pop("again", None)
    keep["unit"], keep["since"] = str(unit.pk), shown.stamp
    return keep.urlencode()


@login_required
@require_GET
def figures_fresh(request):
    """Whether the dashboard's figures a page showed a little old (``since``:
    when they were counted) have been counted again since (the page asks
    every few seconds): 204 while they have not, a reload once they have,
    286 (htmx stops asking) when asking is no use any more. A unit the user
    may not see: 404."""
    unit = unit_picked(request.user, param_int(request.GET, "unit"))
    if unit is None:
        raise Http404
    today = clock.today()
    fresh = overview_cache.fresh_since(_figures_parts(unit, _overview_asked(request, unit, today), today),
                                       request.GET.get("since", ""))
    if fresh is None:
        return HttpResponse(status=286)
    return HttpResponseClientRefresh() if fresh else HttpResponse(status=204)


@login_required
@require_POST
def past_count(request):
    """Have a past day's dashboard of a subtree too big for a page counted
    by a job (the dashboard's query: the unit, the period, the day); back
    to the dashboard, which shows them once they are ready."""
    today = clock.today()
    unit, _picker = _picked(request, query_only=True)
    span, year = _period(request, today)
    month, months = selectors.overview_months(today, *_overview_months(request))
    as_of = _as_of(request, today)
    back = f"{reverse('statistics:home')}?{_query_without_again(request)}"
    if as_of is None or selectors.as_of_too_long(unit) is None:
        messages.error(request, _("Only the figures of a past day of a large subtree are counted by a job: "
                                  "this page shows the others at once."))
        return redirect(back)
    key = kept_figures.overview_key(unit.pk, span=span, year=year, month=month, months=months, day=as_of,
                                    can_plan=permissions.can_plan(request.user, unit))
    return kept_ask(request, key, back)


def kept_ask(request, key, back: str):
    """Ask for the figures of ``key`` to be counted (the page checked the user may see them); back."""
    try:
        kept_figures.ask(actor=request.user, key=key)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)


def kept_context(row, ask_url: str, query: str) -> dict:
    """What ``statistics/_kept_figures.html`` shows: the figures kept (or being counted) and where to ask."""
    return {"kept": row, "kept_alive": row is not None and kept_figures.alive(row, clock.now()),
            "kept_ask_url": f"{ask_url}?{query}"}


@login_required
@require_GET
def kept_status(request, pk: int):
    """Whether figures a job counts are still being counted (the page asks
    every few seconds): 204 while they are, else the page is reloaded to
    show them (or why they failed). Another unit's: 404."""
    row = kept_figures.status_of(pk)
    if row is None or unit_picked(request.user, row.unit_id) is None:
        raise Http404
    if kept_figures.alive(row, clock.now()):
        return HttpResponse(status=204)
    return HttpResponseClientRefresh()


def _query_without_again(request) -> str:
    """The dashboard's query without "count again now" (``again=1``)."""
    keep = request.GET.copy()
    keep.pop("again", None)
    return keep.urlencode()


def _overview_months(request) -> tuple[int | None, int | None]:
    """The month of ``span=month`` and the number of months of ``span=first_months`` (1–12; else None)."""
    month, months = param_int(request.GET, "month"), param_int(request.GET, "months")
    return (month if month and month <= 12 else None), (months if months and months <= 12 else None)


def _subnav(name: str, can_plan: bool) -> dict:
    return {"nav_active": "overview", "subnav": name, "can_plan": can_plan}


def _recording(request) -> tuple[Unit, UnitPicker, Callable[[int], Unit | None]]:
    """The unit a page of member counts, estimates or movements is about
    (the query's; the user's first top unit they plan when none; one they
    may not plan: 404), its picker among the units the user may record
    figures for, and the check of the unit its form posts (one row)."""
    unit, picker = _picked(request, reach=Reach.SUPERVISED, query_only=True)
    permissions.require(permissions.can_plan(request.user, unit))
    return unit, picker, lambda unit_id: unit_picked(request.user, unit_id, reach=Reach.SUPERVISED)


def _posted(request):
    return request.POST if request.method == "POST" else None


# --- programmes ----------------------------------------------------------------------------
@login_required
@require_GET
def programmes(request):
    """The programmes that apply to the chosen unit, with their milestones."""
    unit, picker = _picked(request)
    permissions.require(permissions.can_read(request.user, unit))
    page = planning.programmes_page(request.user, unit, picker)
    return render(request, "statistics/programmes.html", context_of(page, **_subnav("programmes", page.can_plan)))


@login_required
def programme_create(request):
    unit, picker = _picked(request, reach=Reach.SUPERVISED)
    permissions.require(permissions.can_plan(request.user, unit))
    form = ProgrammeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            programme = services.programme_create(unit_id=unit.pk, milestones=form.milestones, actor=request.user,
                                                  **form.values)
            messages.success(request, _("Programme created."))
            return redirect(f"{reverse('statistics:programme', args=[programme.pk])}?unit={unit.pk}")
    return render(request, "statistics/programme_form.html", {
        **_subnav("programmes", True), "form": form, "unit": unit, "programme": None, "picker": picker},
        status=400 if form.errors else 200)


def _programme_unit(request, programme: Programme) -> tuple[Unit, UnitPicker]:
    """The unit whose targets a programme's page sums up: one the user
    oversees and the programme covers (none: 404)."""
    covered = paths_under(reach_paths(request.user, Reach.OVERSEEN), programme.unit.path)
    return _picked(request, within=covered, under=programme.unit_id)


@login_required
@require_GET
def programme_detail(request, pk: int):
    programme = planning.programme_get(pk)
    unit, picker = _programme_unit(request, programme)
    page = planning.programme_page(request.user, programme, unit, picker)
    return render(request, "statistics/programme.html", context_of(page, **_subnav("programmes", page.can_plan)))


@login_required
def programme_edit(request, pk: int):
    """The programme's name, basis and dates (``programme_update``), and
    milestones to add (``milestone_add``), all or nothing."""
    programme = planning.programme_get(pk)
    permissions.require(permissions.can_plan(request.user, programme.unit))
    form = ProgrammeForm(_posted(request), initial={
        "name": programme.name, "basis_kind": programme.basis_kind, "basis": programme.basis,
        "start": programme.start, "end": programme.end})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.programme_update(programme_id=programme.pk, actor=request.user, milestones=form.milestones,
                                      **form.values)
            messages.success(request, _("Programme saved."))
            return redirect("statistics:programme", pk=programme.pk)
    return render(request, "statistics/programme_form.html", {
        **_subnav("programmes", True), "form": form, "unit": programme.unit, "programme": programme,
        "milestones": planning.milestones_of(programme), "picker": None},
        status=400 if form.errors else 200)


# --- targets ------------------------------------------------------------------------
@login_required
def targets(request):
    """One screen: the target the unit received in a programme (by a due
    date, for an indicator and filters) and its split over the child units,
    with the sum against the received target."""
    unit, picker = _picked(request, reach=Reach.SUPERVISED)
    permissions.require(permissions.can_plan(request.user, unit))
    programme_list = planning.targets_programmes(unit)
    children = planning.targets_children(unit)
    # What to show comes from the query (garbage means the defaults); a POST
    # must say exactly what it saves.
    shown = TargetChoiceForm.shown(request.GET, programme_list)
    posted = _posted(request)
    choice = TargetChoiceForm(posted, programmes=programme_list)
    values = AllocationForm(posted, unit=unit, children=children)
    if posted is not None and choice.is_valid():
        shown = choice.chosen(programme_list)
        if values.is_valid():
            with errors_on(choice):
                services.targets_set(
                    programme_id=shown.programme.pk, unit_id=unit.pk, metric=shown.metric, due_on=shown.due_on,
                    filters=shown.filters, received=values.received, allocations=values.allocations,
                    actor=request.user)
                messages.success(request, _("Targets saved."))
                return redirect(planning.targets_url(unit, shown.programme, shown.due_on, shown.metric,
                                                     shown.filters))
    page = planning.targets_page(request.user, unit, picker, programme_list, children, shown)
    typed = (lambda u, value: posted.get(f"value-{u.pk}", "")) if posted is not None else (
        lambda u, value: str(value) if value else "")
    errors = [*values.non_field_errors(), *choice.non_field_errors(),
              *(f"{choice[name].label}: {error}" for name, errors in choice.errors.items() if name != "__all__"
                for error in errors)]
    return render(request, "statistics/targets.html", context_of(
        page, **_subnav("targets", True), choice=choice, errors=errors,
        received_typed=typed(unit, page.received),
        inputs=[(child, typed(child, value)) for child, value in page.allocated]),
        status=400 if values.errors or choice.errors else 200)


# --- member counts, estimates, movements -----------------------------------------------------
# The unit is chosen with the picker (a GET form above the page's form: the
# page reloads on the unit chosen); the form posts it and checks it again.
@login_required
def member_counts(request):
    """Counts of members as of a day, with their source (``member_count_record``)."""
    unit, picker, unit_of = _recording(request)
    form = MemberCountForm(_posted(request), unit_of=unit_of, initial={"unit": unit.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.member_count_record(unit_id=data["unit"].pk, as_of=data["as_of"], members=data["members"],
                                         source=data["source"], actor=request.user)
            messages.success(request, _("Member count recorded."))
            return redirect(f"{reverse('statistics:member_counts')}?unit={data['unit'].pk}")
    page = planning.member_counts_page(unit, picker)
    return render(request, "statistics/member_counts.html", context_of(page, **_subnav("counts", True), form=form),
                  status=400 if form.errors else 200)


@login_required
def estimates(request):
    """The workforce increase a unit expects in a year (``estimate_record``)."""
    unit, picker, unit_of = _recording(request)
    form = EstimateForm(_posted(request), unit_of=unit_of,
                        initial={"unit": unit.pk, "year": clock.today().year + 1})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.estimate_record(unit_id=data["unit"].pk, kind=EstimateKind.WORKFORCE_INCREASE,
                                     year=data["year"], value=data["value"], source=data["source"],
                                     as_of=data["as_of"], actor=request.user)
            messages.success(request, _("Estimate recorded."))
            return redirect(f"{reverse('statistics:estimates')}?unit={data['unit'].pk}")
    page = planning.estimates_page(unit, picker)
    return render(request, "statistics/estimates.html", context_of(page, **_subnav("estimates", True), form=form),
                  status=400 if form.errors else 200)


@login_required
def movements(request):
    """Members recruited in existing grassroots unions, or lost, on a day."""
    unit, picker, unit_of = _recording(request)
    form = MovementForm(_posted(request), unit_of=unit_of, initial={"unit": unit.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.movement_record(unit_id=data["unit"].pk, on=data["on"], kind=data["kind"],
                                     members=data["members"], note=data["note"], actor=request.user)
            messages.success(request, _("Movement recorded."))
            return redirect(f"{reverse('statistics:movements')}?unit={data['unit'].pk}")
    page = planning.movements_page(unit, picker)
    return render(request, "statistics/movements.html", context_of(page, **_subnav("movements", True), form=form),
                  status=400 if form.errors else 200)
