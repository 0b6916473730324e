"""Screens of campaigns and tasks. Each view parses the request, calls one
selector or service, and renders; permissions come from ``permissions`` and
forbidden objects answer 404 (see workflows.core.middleware)."""
from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.core.forms import run_service
from workflows.core.shortcuts import visible_or_404
from workflows.core.params import param_bool, param_choice, param_int, param_str
from workflows.core.redirects import safe_next
from workflows.enterprises.models import OwnershipSector
from workflows.organisation.permissions import can_administer, scope_of
from workflows.organisation.selectors import (group_members, groups_supervised_by, groups_that_may_work,
                                              person_choices, units_overseen_by)

from workflows.recognition import selectors as recognition_selectors

from . import flows, forms, permissions, selectors, services
from .flows import Stage
from .models import Campaign, Task
from .permissions import Action


def _conflict(request, campaign_pk: int, error: Conflict):
    """409: somebody moved the case first; say so and show where it is now."""
    return render(request, "partials/conflict.html", {
        "messages_list": error.messages, "current": _campaign_or_404(request, campaign_pk),
        "base_template": "partials/fragment.html" if request.htmx else "base.html",
        "back_url": reverse("campaigns:detail", args=[campaign_pk]),
    }, status=409)


def _campaign_or_404(request, pk: int) -> Campaign:
    return visible_or_404(permissions.campaigns_visible_to(request.user).select_related(
        "enterprise", "responsible_unit", "working_group", "recognised_unit"), pk, request=request)


def _task_or_404(request, pk: int) -> Task:
    return visible_or_404(permissions.tasks_visible_to(request.user).select_related(
        "campaign__responsible_unit", "campaign__enterprise", "assignee", "working_group"), pk, request=request)


# --- home and My tasks -------------------------------------------------------------
@login_required
def home(request):
    scope = scope_of(request.user)
    if scope.groups or scope.supervised:
        return redirect("campaigns:my_tasks")
    if scope.overseen:
        return redirect("statistics:home")
    if can_administer(request.user):  # an administrator without a unit role: the reference data they keep
        return redirect("organisation:administration")
    return render(request, "campaigns/no_role.html")


def _inbox_filters(request) -> selectors.InboxFilters:
    return selectors.InboxFilters(
        campaign=param_int(request.GET, "campaign"),
        stage=param_choice(request.GET, "stage", Stage.values),
        due_this_week=param_bool(request.GET, "week"),
        overdue=param_bool(request.GET, "overdue"),
    )


@login_required
@require_GET
def my_tasks(request):
    today = clock.today()
    filters = _inbox_filters(request)
    page = Paginator(selectors.tasks_for_inbox(request.user, filters, today=today), 50).get_page(
        param_int(request.GET, "page"))
    scope = scope_of(request.user)
    rows = [_task_row(request.user, task, scope, today) for task in page]
    return render(request, "campaigns/my_tasks.html", {
        "nav_active": "my_tasks", "page": page, "rows": rows, "filters": filters, "today": today,
        "reviews": recognition_selectors.inbox_rows(request.user) if page.number == 1 else [],
        "stages": [(s.value, s.label) for s in flows.WORKING_STAGES], "query": _query_without_page(request),
    })


def _task_row(user, task: Task, scope, today):
    return {
        "task": task,
        "overdue": task.due_on < today,
        "can_complete": permissions.can_complete_task(user, task, scope=scope),
        "can_claim": task.assignee_id is None and permissions.can_claim_task(user, task, scope=scope),
        "can_reassign": permissions.can_reassign_task(user, task, scope=scope),
    }


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _task_row_response(request, task: Task):
    task = _task_or_404(request, task.pk)
    row = _task_row(request.user, task, scope_of(request.user), clock.today())
    return render(request, "campaigns/_task_row.html", {"row": row, "row_context": request.POST.get("context", "")})


@login_required
@require_POST
def task_complete(request, pk: int):
    task = _task_or_404(request, pk)
    form = forms.CompleteForm(request.POST)
    form.is_valid()
    task = services.task_complete(task_id=task.pk, actor=request.user, note=form.cleaned_data.get("note", ""))
    if request.htmx:
        return _task_row_response(request, task)
    messages.success(request, _("Task completed: %(title)s") % {"title": task.title})
    return redirect(safe_next(request, "campaigns:my_tasks"))


@login_required
@require_POST
def task_claim(request, pk: int):
    task = _task_or_404(request, pk)
    task = services.task_claim(task_id=task.pk, actor=request.user)
    if request.htmx:
        return _task_row_response(request, task)
    messages.success(request, _("You took the task: %(title)s") % {"title": task.title})
    return redirect(safe_next(request, "campaigns:my_tasks"))


@login_required
def task_reassign(request, pk: int):
    task = _task_or_404(request, pk)
    permissions.require_task(permissions.can_reassign_task(request.user, task))
    people = _people(task.campaign)
    form = forms.ReassignForm(request.POST or None, people=people,
                              initial={"assignee": task.assignee_id})
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: services.task_reassign(
            task_id=task.pk, actor=request.user, assignee_id=form.cleaned_data["assignee"],
            note=form.cleaned_data["note"]))
        if done:
            messages.success(request, _("Task reassigned."))
            return redirect("campaigns:detail", pk=task.campaign_id)
    return render(request, "campaigns/task_reassign.html", {"task": task, "form": form, "status": 200},
                  status=400 if form.errors else 200)


# --- campaign list and board --------------------------------------------------------
def _campaign_filters(request, units) -> selectors.CampaignFilters:
    unit_id = param_int(request.GET, "unit")
    unit_path = next((u.path for u in units if u.pk == unit_id), "")
    return selectors.CampaignFilters(
        q=param_str(request.GET, "q", 100),
        stage=param_choice(request.GET, "stage", Stage.values),
        unit_path=unit_path,
        group=param_int(request.GET, "group"),
        sector=param_choice(request.GET, "sector", OwnershipSector.values),
        band=param_choice(request.GET, "band", list(selectors.WORKFORCE_BANDS)),
        overdue=param_bool(request.GET, "overdue"),
        stalled=param_bool(request.GET, "stalled"),
        open_only=param_bool(request.GET, "open"),
        sort=param_choice(request.GET, "sort", list(selectors.CAMPAIGN_SORTS)) or "-stage_entered_at",
    )


def _filter_choices(request):
    units = list(units_overseen_by(request.user))
    scope = scope_of(request.user)
    groups = list(groups_supervised_by(request.user)) if scope.supervised else []
    return units, groups


@login_required
@require_GET
def campaign_list(request):
    today = clock.today()
    units, groups = _filter_choices(request)
    filters = _campaign_filters(request, units)
    page = Paginator(selectors.campaigns_for_list(request.user, filters, today=today), 25).get_page(
        param_int(request.GET, "page"))
    cutoffs = selectors.stalled_cutoffs(today=today)
    rows = [{"campaign": c, "stalled": selectors.is_stalled(c, cutoffs)} for c in page]
    return render(request, "campaigns/list.html", {
        "nav_active": "campaigns", "page": page, "rows": rows, "filters": filters,
        "units": units, "groups": groups, "unit_selected": param_int(request.GET, "unit"),
        "stages": Stage.choices, "sectors": OwnershipSector.choices, "bands": list(selectors.WORKFORCE_BANDS),
        "sorts": _sort_labels(), "query": _query_without_page(request),
    })


def _sort_labels():
    return [("-stage_entered_at", _("Recently moved")), ("stage_entered_at", _("Longest in stage")),
            ("name", _("Enterprise A–Z")), ("-name", _("Enterprise Z–A")), ("-workforce", _("Largest workforce")),
            ("-applications", _("Most applications")), ("-opened_at", _("Newest")), ("opened_at", _("Oldest"))]


@login_required
@require_GET
def board(request):
    today = clock.today()
    units, groups = _filter_choices(request)
    filters = _campaign_filters(request, units)
    columns = selectors.pipeline_board(request.user, filters, today=today)
    cutoffs = selectors.stalled_cutoffs(today=today)
    board_columns = []
    for column in columns:
        cards = []
        for campaign in column.cards:
            moves = {target: reverse("campaigns:transition", args=[campaign.pk, name])
                     for target, name in selectors.transitions_into(request.user, campaign).items()}
            cards.append({
                "campaign": campaign, "stalled": selectors.is_stalled(campaign, cutoffs),
                "moves": moves, "moves_json": json.dumps(moves),
                "move_links": [(Stage(target).label, url) for target, url in moves.items()],
            })
        board_columns.append({"column": column, "cards": cards})
    return render(request, "campaigns/board.html", {
        "nav_active": "board", "columns": board_columns, "filters": filters, "units": units, "groups": groups,
        "unit_selected": param_int(request.GET, "unit"),
    })


@login_required
@require_GET
def move_refused(request, pk: int):
    """What the board shows when a card is dropped where it cannot go."""
    campaign = _campaign_or_404(request, pk)
    target = param_choice(request.GET, "to", Stage.values)
    return render(request, "campaigns/_move_refused.html", {"campaign": campaign,
                                                            "target": Stage(target).label if target else ""})


# --- campaign detail ----------------------------------------------------------------
@login_required
@require_GET
def campaign_detail(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    return render(request, "campaigns/detail.html", _detail_context(request, campaign))


def _detail_context(request, campaign: Campaign, **extra):
    user, today = request.user, clock.today()
    scope = scope_of(user)
    can_work = permissions.can(user, Action.WORK, campaign, scope=scope) and campaign.stage in flows.WORKING_STAGES
    tasks = list(campaign.tasks.select_related("assignee", "working_group", "closed_by")
                 .order_by("status", "due_on", "pk"))
    for task in tasks:
        task.campaign = campaign  # already loaded: the policy reads its unit
    people = _people(campaign)
    pipeline = [(s.value, s.label) for s in flows.PIPELINE]
    reached = flows.PIPELINE.index(campaign.held_stage or campaign.stage) if (
        campaign.held_stage or campaign.stage) in flows.PIPELINE else -1
    events = list(selectors.campaign_timeline(campaign))
    context = {
        "nav_active": "campaigns", "campaign": campaign, "today": today,
        "options": selectors.transition_options_for(user, campaign),
        "pipeline": pipeline, "reached": reached,
        "events": events, "workforce": selectors.campaign_workforce_figure(campaign, events),
        "open_rows": [_task_row(user, t, scope, today) for t in tasks if t.status == "open"],
        "closed_tasks": [t for t in tasks if t.status != "open"],
        "can_work": can_work,
        "can_assign": permissions.can(user, Action.ASSIGN, campaign, scope=scope) and campaign.is_open,
        "show_contacts": permissions.can(user, Action.WORK, campaign, scope=scope),
        "committee": list(campaign.committee_members.all()),
        "dossier": recognition_selectors.dossier_of(campaign),
        "stalled": selectors.is_stalled(campaign, selectors.stalled_cutoffs(today=today)),
        "meeting_form": forms.MeetingForm(), "note_form": forms.NoteForm(),
        "counts_form": forms.CountsForm(initial={"version": campaign.version, "workforce": campaign.workforce,
                                                 "core_group": campaign.core_group,
                                                 "applications": campaign.applications}),
        "task_form": forms.TaskAddForm(people=people),
        "assign_form": forms.AssignForm(initial={"version": campaign.version,
                                                 "working_group": campaign.working_group_id},
                                        groups=[(g.pk, f"{g.name} — {g.unit.name}")
                                                for g in groups_that_may_work(user, campaign.responsible_unit)])
        if permissions.can(user, Action.ASSIGN, campaign, scope=scope) else None,
    }
    context.update(extra)
    return context


def _rerender_detail(request, campaign: Campaign, status: int, **forms_with_errors):
    campaign = _campaign_or_404(request, campaign.pk)
    return render(request, "campaigns/detail.html", _detail_context(request, campaign, **forms_with_errors),
                  status=status)


@login_required
def campaign_transition(request, pk: int, name: str):
    campaign = _campaign_or_404(request, pk)
    spec = flows.TRANSITIONS.get(name)
    if spec is None:
        raise Http404
    if name == "recognise" and campaign.stage == Stage.FOUNDING_CONGRESS:
        # Recognition goes through the dossier review, never straight here.
        url = reverse("recognition:dossier", args=[campaign.pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    target = spec.target or campaign.held_stage
    option = next((o for o in selectors.transition_options_for(request.user, campaign)
                   if o.name == name and o.allowed), None)
    if option is None:
        seen = request.POST.get("expected_stage")
        may = permissions.can(request.user, selectors.flows_action(name, target or ""), campaign)
        if request.method == "POST" and may and seen and seen != campaign.stage:
            # The move was offered at the stage the user saw; the case has
            # moved on since.
            return _conflict(request, campaign.pk, Conflict.stale())
        raise Http404
    form_class = forms.TRANSITION_FORMS[name]
    initial = {"expected_stage": campaign.stage}
    if name == "hold_congress":
        initial["applications"] = campaign.applications
    if name == "recognise":
        initial["admitted_members"] = campaign.applications
    form = form_class(request.POST or None, initial=initial, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = run_service(form, lambda: _TRANSITION_CALLS[name](campaign.pk, request.user, data))
        except Conflict as error:
            return _conflict(request, campaign.pk, error)
        if done:
            messages.success(request, _("“%(enterprise)s” moved to “%(stage)s”.") % {
                "enterprise": campaign.enterprise.name, "stage": Stage(done.stage).label})
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("campaigns:detail", args=[campaign.pk])
                return response
            return redirect("campaigns:detail", pk=campaign.pk)
    template = "campaigns/_transition_dialog.html" if request.htmx else "campaigns/transition.html"
    return render(request, template, {
        "campaign": campaign, "form": form, "spec": spec, "option": option, "hints": form.open_hints(spec),
        "target_label": Stage(target).label if target else "",
    }, status=400 if form.errors else 200)


def _common(data):
    return {"expected_stage": data["expected_stage"], "note": data.get("note", "")}


_TRANSITION_CALLS = {
    "contact_employer": lambda pk, user, d: services.campaign_contact_employer(
        campaign_id=pk, actor=user, held_on=d["held_on"], outcome=d["outcome"], **_common(d)),
    "form_committee": lambda pk, user, d: services.campaign_form_committee(
        campaign_id=pk, actor=user, members=d["members"], formed_on=d["formed_on"], **_common(d)),
    "hold_congress": lambda pk, user, d: services.campaign_hold_congress(
        campaign_id=pk, actor=user, applications=d["applications"], congress_on=d["congress_on"], **_common(d)),
    "recognise": lambda pk, user, d: services.campaign_recognise(
        campaign_id=pk, actor=user, decision_number=d["decision_number"], decision_date=d["decision_date"],
        admitted_members=d["admitted_members"], **_common(d)),
    "hold": lambda pk, user, d: services.campaign_hold(campaign_id=pk, actor=user, **_common(d)),
    "resume": lambda pk, user, d: services.campaign_resume(campaign_id=pk, actor=user, **_common(d)),
    "abandon": lambda pk, user, d: services.campaign_abandon(
        campaign_id=pk, actor=user, reason=d["reason"], **_common(d)),
}


def _record(request, pk: int, make_form, call, form_name: str, success: str):
    """POST handler shared by the detail page's small forms: bind, call the
    service, and on refusal show the page again with the errors in place."""
    campaign = _campaign_or_404(request, pk)
    form = make_form(campaign)
    try:
        done = form.is_valid() and run_service(form, lambda: call(campaign, form.cleaned_data))
    except Conflict as error:
        return _conflict(request, campaign.pk, error)
    if done:
        messages.success(request, success)
        return redirect("campaigns:detail", pk=campaign.pk)
    return _rerender_detail(request, campaign, 400, **{form_name: form})


@login_required
@require_POST
def meeting_record(request, pk: int):
    return _record(request, pk, lambda c: forms.MeetingForm(request.POST),
                   lambda c, d: services.campaign_meeting_record(
                       campaign_id=c.pk, actor=request.user, held_on=d["held_on"], outcome=d["outcome"],
                       attendees=d["attendees"], note=d["note"]),
                   "meeting_form", _("Meeting recorded."))


@login_required
@require_POST
def counts_record(request, pk: int):
    return _record(request, pk, lambda c: forms.CountsForm(request.POST),
                   lambda c, d: services.campaign_counts_record(
                       campaign_id=c.pk, actor=request.user, workforce=d["workforce"], core_group=d["core_group"],
                       applications=d["applications"], expected_version=d["version"], note=d["note"]),
                   "counts_form", _("Counts recorded."))


@login_required
@require_POST
def committee_record(request, pk: int):
    return _record(request, pk, lambda c: forms.CommitteeForm(request.POST),
                   lambda c, d: services.campaign_committee_record(
                       campaign_id=c.pk, actor=request.user, members=d["members"], formed_on=d["formed_on"],
                       expected_version=d["version"]),
                   "committee_form", _("Committee recorded."))


@login_required
@require_POST
def note_add(request, pk: int):
    return _record(request, pk, lambda c: forms.NoteForm(request.POST),
                   lambda c, d: services.campaign_note_add(campaign_id=c.pk, actor=request.user, text=d["text"]),
                   "note_form", _("Note added."))


def _people(campaign: Campaign) -> list[tuple[int, str]]:
    return person_choices(group_members([campaign.working_group_id])) if campaign.working_group_id else []


@login_required
@require_POST
def task_add(request, pk: int):
    return _record(request, pk, lambda c: forms.TaskAddForm(request.POST, people=_people(c)),
                   lambda c, d: services.task_add(campaign_id=c.pk, actor=request.user, title=d["title"],
                                                  due_on=d["due_on"], assignee_id=d["assignee"]),
                   "task_form", _("Task added."))


@login_required
@require_POST
def campaign_assign(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    permissions.require(request.user, Action.ASSIGN, campaign)
    return _record(request, pk, lambda c: forms.AssignForm(
                       request.POST, groups=[(g.pk, g.name) for g in groups_that_may_work(request.user,
                                                                                          c.responsible_unit)]),
                   lambda c, d: services.campaign_assign(
                       campaign_id=c.pk, working_group_id=d["working_group"], actor=request.user,
                       expected_version=d["version"], note=d["note"]),
                   "assign_form", _("Campaign assigned."))


@login_required
@require_POST
def campaign_open(request, enterprise_pk: int):
    from workflows.enterprises.permissions import enterprises_visible_to

    enterprise = visible_or_404(enterprises_visible_to(request.user).select_related("responsible_unit"),
                                enterprise_pk, request=request)
    campaign = services.campaign_open(enterprise_id=enterprise.pk, actor=request.user,
                                      working_group_id=param_int(request.POST, "working_group"))
    messages.success(request, _("Campaign opened."))
    return redirect("campaigns:detail", pk=campaign.pk)


@login_required
@require_GET
def committee_export(request, pk: int):
    """The mobilising committee with contact details, as XLSX, for the
    founding congress file. It holds personal data: only those who work the
    campaign may take it, the sheet says so, and each export is audited."""
    from workflows.audit.models import AuditKind
    from workflows.audit.services import audit_record

    from .exports import committee_workbook

    campaign = _campaign_or_404(request, pk)
    permissions.require(request.user, Action.WORK, campaign)
    members = list(campaign.committee_members.all())
    response = HttpResponse(committee_workbook(campaign, members),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ban-van-dong-{campaign.pk}.xlsx"'
    response["Cache-Control"] = "no-store"
    audit_record(kind=AuditKind.PERSONAL_DATA_EXPORT, request=request,
                 detail=f"committee of campaign {campaign.pk}: {len(members)} people")
    return response
