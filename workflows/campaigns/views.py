"""Screens of campaigns and tasks. Each view parses the request, calls one
selector or service, and renders; permissions come from ``permissions`` and
forbidden objects answer 404 (see workflows.core.middleware)."""
from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.core import clock
from workflows.core.errors import InvalidInput
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_bool, param_choice, param_int, param_str
from workflows.core.redirects import safe_next
from workflows.core.refusals import refusals_lead_to
from workflows.core.shortcuts import visible_or_404
from workflows.core.urls import reverse_pk
from workflows.enterprises import selectors as enterprise_selectors
from workflows.enterprises.models import OwnershipSector
from workflows.organisation.permissions import can_administer, scope_of
from workflows.organisation.selectors import groups_supervised_by, groups_that_may_work, unit_picker_for
from workflows.recognition import selectors as recognition_selectors
from workflows.statistics import services as statistics_services

from . import flows, forms, permissions, selectors, services
from .exports import committee_workbook
from .flows import Stage
from .models import Campaign, FollowUpStatus, Register, Task
from .permissions import Action


def _campaign_or_404(request, pk: int) -> Campaign:
    """The campaign if the user may see it (else 404, audited); a refusal on
    this request then leads back to its page, and a conflict shows the stage
    it is at now (``workflows.core.refusals``)."""
    campaign = visible_or_404(selectors.campaigns_shown_to(request.user), pk, request=request)
    refusals_lead_to(request, reverse("campaigns:detail", args=[pk]),
                     current=functools.partial(selectors.campaign_visible, request.user, pk))
    return campaign


def _task_or_404(request, pk: int) -> Task:
    return visible_or_404(selectors.tasks_shown_to(request.user), pk, request=request)


# --- home and My tasks -------------------------------------------------------------
@login_required
def home(request):
    scope = scope_of(request.user)
    if scope.groups or scope.supervised:
        return redirect("campaigns:my_tasks")
    if scope.overseen:
        return redirect("statistics:home")
    if can_administer(request.user):  # an administrator without a unit role: the reference data they keep
        return redirect("administration:home")
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
    """My tasks, a screen of cards at a time; "More tasks" (htmx, ``more=1``)
    answers only the next page's cards, appended below, and the button for
    the page after (without JavaScript it is the next page)."""
    today = clock.today()
    filters = _inbox_filters(request)
    page = Paginator(selectors.tasks_for_inbox(request.user, filters, today=today),
                     selectors.INBOX_TASKS_PER_PAGE).get_page(param_int(request.GET, "page"))
    rows = selectors.task_rows(request.user, page, today=today)
    context = {"page": page, "rows": rows, "today": today, "query": _query_without_page(request)}
    if request.htmx and param_bool(request.GET, "more"):
        return render(request, "campaigns/_my_tasks_more.html", context)
    return render(request, "campaigns/my_tasks.html", {
        **context, "nav_active": "my_tasks", "filters": filters,
        "reviews": recognition_selectors.inbox_rows(request.user) if page.number == 1 else [],
        "stages": [(s.value, s.label) for s in flows.WORKING_STAGES],
    })


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("more", None)
    return query.urlencode()


def _task_row_response(request, task: Task, *, toast: str = "", refusals: list[str] | None = None):
    """The task's row as it is now (htmx); ``toast``: "undo" (the task was
    just completed: the undo offer) or "reopened", swapped into the page's
    toast out of band; ``refusals``: why the undo was refused, in the toast."""
    task = _task_or_404(request, task.pk)
    today = clock.today()
    row, = selectors.task_rows(request.user, [task], today=today)
    return render(request, "campaigns/_task_row.html", {
        "row": row, "row_context": request.POST.get("context", ""), "today": today, "toast": toast,
        "refusals": refusals or [], "next": safe_next(request, "campaigns:my_tasks")})


@login_required
@require_POST
def task_complete(request, pk: int):
    task = _task_or_404(request, pk)
    form = forms.CompleteForm(request.POST)
    if not form.is_valid():  # a day that is not one: refused before anything is written (400)
        raise InvalidInput(fields=form.errors)
    task = services.task_complete(task_id=task.pk, actor=request.user, note=form.cleaned_data["note"],
                                  done_on=form.cleaned_data["done_on"])
    if request.htmx:
        return _task_row_response(request, task, toast="" if task.milestone else "undo")
    # without JavaScript, the page the officer goes back to offers the undo (base.html's toast reads the
    # message's tag); a milestone was confirmed in its own form, with its evidence: no undo
    messages.success(request, _("Task completed: %(title)s") % {"title": task.title},
                     extra_tags="" if task.milestone else f"task-undo-{task.pk}")
    return redirect(safe_next(request, "campaigns:my_tasks"))


@login_required
@require_POST
def task_reopen(request, pk: int):
    """Undo the completion of a task (``services.task_reopen``): with htmx
    the row comes back open (or stays, the refusal in the toast)."""
    task = _task_or_404(request, pk)
    back = safe_next(request, "campaigns:my_tasks")
    refusals_lead_to(request, back, fragment=lambda refusals: _task_row_response(request, task, refusals=refusals))
    task = services.task_reopen(task_id=task.pk, actor=request.user)
    if request.htmx:
        return _task_row_response(request, task, toast="reopened")
    messages.success(request, _("Task reopened: %(title)s") % {"title": task.title})
    return redirect(back)


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
    form = forms.ReassignForm(request.POST or None, people=selectors.task_people(task.campaign),
                              initial={"assignee": task.assignee_id})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.task_reassign(task_id=task.pk, actor=request.user, assignee_id=form.cleaned_data["assignee"],
                                   note=form.cleaned_data["note"])
            messages.success(request, _("Task reassigned."))
            return redirect("campaigns:detail", pk=task.campaign_id)
    return render(request, "campaigns/task_reassign.html", {"task": task, "form": form, "status": 200},
                  status=400 if form.errors else 200)


# --- campaign list and board --------------------------------------------------------
def _campaign_filters(request, unit_path: str) -> selectors.CampaignFilters:
    """The list's and the board's filters; ``unit_path``: the subtree of the
    unit picked (``_filter_choices``), "" for all the user's units."""
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
    """The unit picker (the unit asked for if the user oversees it, its
    children; never every unit) and the working groups to filter by."""
    picker = unit_picker_for(request, all_units=True)
    scope = scope_of(request.user)
    groups = list(groups_supervised_by(request.user)) if scope.supervised else []
    return picker, groups


@login_required
@require_GET
def campaign_list(request):
    today = clock.today()
    picker, groups = _filter_choices(request)
    filters = _campaign_filters(request, picker.path)
    page = Paginator(selectors.campaigns_for_list_counted(request.user, filters, today=today), 25).get_page(
        param_int(request.GET, "page"))
    cutoffs = selectors.stalled_cutoffs_by_unit(today=today)
    rows = [{"campaign": c, "stalled": selectors.is_stalled(c, cutoffs)} for c in page]
    return render(request, "campaigns/list.html", {
        "nav_active": "campaigns", "page": page, "rows": rows, "filters": filters,
        "picker": picker, "groups": groups,
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
    picker, groups = _filter_choices(request)
    filters = _campaign_filters(request, picker.path)
    columns = selectors.pipeline_board(request.user, filters, today=today)
    cutoffs = selectors.stalled_cutoffs_by_unit(today=today)
    board_columns = []
    for column in columns:
        cards = []
        for campaign in column.cards:
            moves = {target: reverse_pk("campaigns:transition", campaign.pk, name)
                     for target, name in selectors.transitions_into(request.user, campaign).items()}
            cards.append({
                "campaign": campaign, "stalled": selectors.is_stalled(campaign, cutoffs),
                "moves": moves, "moves_json": json.dumps(moves),
                "move_links": [(Stage(target).label, url) for target, url in moves.items()],
            })
        board_columns.append({"column": column, "cards": cards})
    return render(request, "campaigns/board.html", {
        "nav_active": "board", "columns": board_columns, "filters": filters, "picker": picker, "groups": groups,
    })


@login_required
@require_GET
def follow_up_list(request):
    """The new grassroots unions in their first year whose campaign the user may see."""
    today = clock.today()
    filters = selectors.FollowUpFilters(status=param_choice(request.GET, "status", FollowUpStatus.values))
    page = Paginator(selectors.follow_ups_for_list(request.user, filters, today=today), 25).get_page(
        param_int(request.GET, "page"))
    return render(request, "campaigns/follow_ups.html", {
        "nav_active": "campaigns", "page": page, "filters": filters, "today": today,
        "statuses": FollowUpStatus.choices, "query": _query_without_page(request),
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
    return _detail_page(request, _campaign_or_404(request, pk))


def _detail_page(request, campaign: Campaign, *, status: int = 200, **bound_forms):
    """The campaign page; ``bound_forms``: a refused form, shown with its errors."""
    page = selectors.campaign_page(request.user, campaign, today=clock.today())
    blank_forms = {
        "meeting_form": forms.MeetingForm(), "note_form": forms.NoteForm(),
        "counts_form": forms.CountsForm(initial={"version": campaign.version, "workforce": campaign.workforce,
                                                 "core_group": campaign.core_group,
                                                 "applications": campaign.applications}),
        "task_form": forms.TaskAddForm(people=page.people),
        "assign_form": forms.AssignForm(initial={"version": campaign.version,
                                                 "working_group": campaign.working_group_id}, groups=page.groups)
        if page.may_assign else None,
        "complete_form": forms.CompleteForm(initial={"done_on": page.today}),
        "fail_form": forms.FollowUpFailForm(initial={"on": page.today})
        if page.follow_up and page.follow_up.can_fail else None,
    }
    return render(request, "campaigns/detail.html", context_of(
        page, nav_active="campaigns", dossier=recognition_selectors.dossier_of(campaign),
        **{**blank_forms, **bound_forms}), status=status)


def _refused_form(request, campaign: Campaign, **bound_form):
    """The campaign page again (read afresh), with the refused form and its errors."""
    return _detail_page(request, _campaign_or_404(request, campaign.pk), status=400, **bound_form)


def _recorded(request, campaign: Campaign, success: str):
    messages.success(request, success)
    return redirect("campaigns:detail", pk=campaign.pk)


@login_required
def campaign_transition(request, pk: int, name: str):
    """The form of a transition (GET) and the transition (POST). Everything
    about it is declared in ``flows.TRANSITIONS``; ``campaign_transition``
    takes it. Forbidden or impossible: 404; the case moved since the user
    saw it: 409 (``workflows.core.refusals``)."""
    campaign = _campaign_or_404(request, pk)
    declared = flows.TRANSITIONS.get(name)
    if declared is not None and declared.taken_on and campaign.stage in declared.sources:
        return _go(request, reverse(declared.taken_on, args=[campaign.pk]))  # e.g. recognition: the dossier review
    declared = permissions.transition_open_to(request.user, campaign, name, seen=request.POST.get("expected_stage"))
    form = forms.TransitionForm(request.POST or None, transition=declared, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            moved = services.campaign_transition(campaign_id=campaign.pk, name=name, actor=request.user,
                                                 data=form.cleaned_data,
                                                 expected_stage=form.cleaned_data["expected_stage"])
            messages.success(request, _("“%(enterprise)s” moved to “%(stage)s”.") % {
                "enterprise": campaign.enterprise.name, "stage": Stage(moved.stage).label})
            return _go(request, reverse("campaigns:detail", args=[campaign.pk]))
    template = "campaigns/_transition_dialog.html" if request.htmx else "campaigns/transition.html"
    target = declared.target_from(campaign)
    return render(request, template, {
        "campaign": campaign, "form": form, "transition": declared, "hints": form.open_hints(),
        "target_label": Stage(target).label if target else "",
    }, status=400 if form.errors else 200)


def _go(request, url: str):
    """Redirect, in the page or, for htmx, the whole window."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- what is recorded on the campaign page -----------------------------------------------
@login_required
@require_POST
def meeting_record(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.MeetingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.campaign_meeting_record(campaign_id=campaign.pk, actor=request.user, held_on=data["held_on"],
                                             outcome=data["outcome"], attendees=data["attendees"], note=data["note"])
            return _recorded(request, campaign, _("Meeting recorded."))
    return _refused_form(request, campaign, meeting_form=form)


@login_required
@require_POST
def counts_record(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.CountsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.campaign_counts_record(
                campaign_id=campaign.pk, actor=request.user, workforce=data["workforce"],
                core_group=data["core_group"], applications=data["applications"], expected_version=data["version"],
                note=data["note"])
            return _recorded(request, campaign, _("Counts recorded."))
    return _refused_form(request, campaign, counts_form=form)


@login_required
@require_POST
def committee_record(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.CommitteeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.campaign_committee_record(campaign_id=campaign.pk, actor=request.user, members=data["members"],
                                               formed_on=data["formed_on"], expected_version=data["version"])
            return _recorded(request, campaign, _("Committee recorded."))
    return _refused_form(request, campaign, committee_form=form)


@login_required
@require_POST
def note_add(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.campaign_note_add(campaign_id=campaign.pk, actor=request.user, text=form.cleaned_data["text"])
            return _recorded(request, campaign, _("Note added."))
    return _refused_form(request, campaign, note_form=form)


@login_required
@require_POST
def task_add(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.TaskAddForm(request.POST, people=selectors.task_people(campaign))
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.task_add(campaign_id=campaign.pk, actor=request.user, title=data["title"], due_on=data["due_on"],
                              assignee_id=data["assignee"])
            return _recorded(request, campaign, _("Task added."))
    return _refused_form(request, campaign, task_form=form)


@login_required
@require_POST
def campaign_assign(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    permissions.require(request.user, Action.ASSIGN, campaign)  # the form offers the groups the user may give
    form = forms.AssignForm(request.POST, groups=[(g.pk, g.name) for g in groups_that_may_work(
        request.user, campaign.responsible_unit)])
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.campaign_assign(campaign_id=campaign.pk, working_group_id=data["working_group"],
                                     actor=request.user, expected_version=data["version"], note=data["note"])
            return _recorded(request, campaign, _("Campaign assigned."))
    return _refused_form(request, campaign, assign_form=form)


@login_required
@require_POST
def follow_up_fail(request, pk: int):
    """Record that the campaign's new grassroots union failed in its first
    year (supervisors, ``Action.FAIL``): the follow-up and the members lost."""
    campaign = _campaign_or_404(request, pk)
    permissions.require(request.user, Action.FAIL, campaign)
    form = forms.FollowUpFailForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            statistics_services.follow_up_failed(campaign_id=campaign.pk, actor=request.user, reason=data["reason"],
                                                 on=data["on"], members_lost=data["members_lost"], note=data["note"])
            return _recorded(request, campaign, _("Failure of the grassroots union recorded."))
    return _refused_form(request, campaign, fail_form=form)


@login_required
@require_POST
def campaign_open(request, enterprise_pk: int):
    enterprise = visible_or_404(enterprise_selectors.enterprises_shown_to(request.user), enterprise_pk,
                                request=request)
    campaign = services.campaign_open(enterprise_id=enterprise.pk, actor=request.user,
                                      working_group_id=param_int(request.POST, "working_group"),
                                      register=request.POST.get("register") or Register.NAMES)
    messages.success(request, _("Campaign opened."))
    return redirect("campaigns:detail", pk=campaign.pk)


@login_required
@require_GET
def committee_export(request, pk: int):
    """The mobilising committee with contact details, as XLSX, for the
    founding congress file. It holds personal data: only those who work the
    campaign may take it, the sheet says so, and each export is audited."""
    campaign = _campaign_or_404(request, pk)
    permissions.require(request.user, Action.WORK, campaign)
    members = list(selectors.committee_of(campaign))
    response = HttpResponse(committee_workbook(campaign, members),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ban-van-dong-{campaign.pk}.xlsx"'
    response["Cache-Control"] = "no-store"
    audit_record(kind=AuditKind.PERSONAL_DATA_EXPORT, request=request,
                 detail=f"committee of campaign {campaign.pk}: {len(members)} people",
                 workers=[m.worker_id for m in members])
    return response
