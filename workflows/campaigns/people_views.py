"""The pages of the workers of a case (the people register), phone first.

Names and contacts: ``Action.PEOPLE``; the wall chart (counts only):
``Action.VIEW``. Anything else answers 404, like a missing page. Every page
that shows a worker's data writes one audit entry naming the workers shown
(Decree 13/2023). Each view parses, calls one selector or service, renders;
the services (``register``) check the permission again under the lock."""
from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice, param_int, param_str
from workflows.core.refusals import refusals_lead_to
from workflows.core.shortcuts import visible_or_404
from workflows.people.models import ConversationKind, SupportLevel

from . import people_forms as forms, people_pages as pages, permissions, register, selectors
from .models import Campaign
from .permissions import Action


def _case_or_404(request, pk: int, action: Action = Action.PEOPLE, *, back: str = "") -> Campaign:
    """The campaign if the user may take ``action`` on it; else 404 (audited).
    A refusal of this request leads back to ``back`` (the campaign page)."""
    campaign = visible_or_404(selectors.campaigns_shown_to(request.user), pk, request=request)
    permissions.require(request.user, action, campaign)
    refusals_lead_to(request, back or reverse("campaigns:detail", args=[pk]),
                     current=functools.partial(selectors.campaign_visible, request.user, pk))
    return campaign


def _viewed(request, page, what: str) -> None:
    audit_record(kind=AuditKind.PERSONAL_DATA_VIEW, request=request, workers=page.shown,
                 detail=f"{what} of campaign {page.campaign.pk}")


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _worker_url(campaign: Campaign, worker_id: int) -> str:
    return reverse("campaigns:worker", args=[campaign.pk, worker_id])


# --- workers ------------------------------------------------------------------------------
@login_required
@require_GET
def workers(request, pk: int):
    campaign = _case_or_404(request, pk)
    filters = pages.WorkerFilters(search=param_str(request.GET, "q", 100),
                                  department=param_str(request.GET, "department", 120),
                                  level=param_choice(request.GET, "level", pages.LEVEL_FILTERS))
    page = pages.workers_page(request.user, campaign, filters, page_number=param_int(request.GET, "page"))
    _viewed(request, page, "workers")
    return render(request, "campaigns/people/workers.html", context_of(
        page, nav_active="campaigns", query=_query_without_page(request)))


def _worker_page(request, campaign: Campaign, worker_id: int, *, status: int = 200, **bound_forms):
    page = pages.worker_page(request.user, campaign, worker_id)
    _viewed(request, page, f"worker {worker_id}")
    blank = {"consent_form": forms.ConsentForm(), "withdraw_form": forms.WithdrawForm(),
             "assess_form": forms.AssessForm()}
    return render(request, "campaigns/people/worker.html", context_of(
        page, nav_active="campaigns", **{**blank, **bound_forms}), status=status)


@login_required
@require_GET
def worker(request, pk: int, worker_id: int):
    return _worker_page(request, _case_or_404(request, pk), worker_id)


@login_required
def worker_add(request, pk: int):
    campaign = _case_or_404(request, pk)
    form = forms.WorkerAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            added = register.worker_add(campaign_id=campaign.pk, actor=request.user, data=form.data_of())
            messages.success(request, _("Worker entered: %(name)s") % {"name": added.display_name})
            return redirect(_worker_url(campaign, added.pk))
    return render(request, "campaigns/people/worker_form.html", {
        "campaign": campaign, "form": form, "nav_active": "campaigns", "purpose": pages.purpose()},
        status=400 if form.errors else 200)


@login_required
def worker_edit(request, pk: int, worker_id: int):
    campaign = _case_or_404(request, pk)
    found = pages.worker_of_case(request.user, campaign, worker_id)
    refusals_lead_to(request, _worker_url(campaign, found.pk))
    form = forms.WorkerEditForm(request.POST or None, worker=found)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            register.worker_edit(campaign_id=campaign.pk, worker_id=found.pk, actor=request.user,
                                 changes=form.values(), citizen_id=form.citizen_id(),
                                 expected_version=form.cleaned_data["version"])
            messages.success(request, _("Worker's details saved."))
            return redirect(_worker_url(campaign, found.pk))
    audit_record(kind=AuditKind.PERSONAL_DATA_VIEW, request=request, workers=[found.pk],
                 detail=f"worker {found.pk} of campaign {campaign.pk} (edit)")
    return render(request, "campaigns/people/worker_form.html", {
        "campaign": campaign, "form": form, "worker": found, "nav_active": "campaigns"},
        status=400 if form.errors else 200)


@login_required
@require_POST
def worker_consent(request, pk: int, worker_id: int):
    campaign = _case_or_404(request, pk)
    form = forms.ConsentForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            register.worker_consent_record(campaign_id=campaign.pk, worker_id=worker_id, actor=request.user,
                                           on=form.cleaned_data["on"], method=form.cleaned_data["method"])
            messages.success(request, _("Consent recorded."))
            return redirect(_worker_url(campaign, worker_id))
    return _worker_page(request, campaign, worker_id, status=400, consent_form=form)


@login_required
@require_POST
def worker_withdraw(request, pk: int, worker_id: int):
    campaign = _case_or_404(request, pk)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            register.worker_consent_withdraw(campaign_id=campaign.pk, worker_id=worker_id, actor=request.user,
                                             on=form.cleaned_data["on"])
            messages.success(request, _("Consent withdrawn: the worker's record was anonymised; the figures stay."))
            return redirect(_worker_url(campaign, worker_id))
    return _worker_page(request, campaign, worker_id, status=400, withdraw_form=form)


@login_required
@require_POST
def worker_assess(request, pk: int, worker_id: int):
    """An assessment from the worker page, or one tap on the phone page
    (``back=field``: back to the field page)."""
    campaign = _case_or_404(request, pk, back=reverse("campaigns:field", args=[pk]))
    form = forms.AssessForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            assessment = register.assessment_add(
                campaign_id=campaign.pk, worker_id=worker_id, actor=request.user, level=form.cleaned_data["level"],
                assessed_on=form.cleaned_data["assessed_on"] or clock.today(), note=form.cleaned_data["note"])
            messages.success(request, _("Assessed: %(name)s, %(level)s.") % {
                "name": assessment.worker.display_name, "level": SupportLevel(assessment.level).label})
            if form.to_field:
                return redirect("campaigns:field", pk=campaign.pk)
            return redirect(_worker_url(campaign, worker_id))
    return _worker_page(request, campaign, worker_id, status=400, assess_form=form)


@login_required
def worker_leader(request, pk: int, worker_id: int):
    campaign = _case_or_404(request, pk)
    form = forms.LeaderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            register.leader_set(campaign_id=campaign.pk, worker_id=worker_id, actor=request.user,
                                is_leader=form.cleaned_data["is_leader"], follower_ids=form.cleaned_data["followers"])
            messages.success(request, _("Leadership saved."))
            return redirect(_worker_url(campaign, worker_id))
    bound = getattr(form, "cleaned_data", {})
    page = pages.leader_page(request.user, campaign, worker_id, search=param_str(request.GET, "q", 100),
                             chosen=set(bound["followers"]) if "followers" in bound else None)
    _viewed(request, page, f"leader {worker_id}")
    return render(request, "campaigns/people/leader.html", context_of(
        page, form=form, nav_active="campaigns", is_leader=bound.get("is_leader", page.worker.is_leader)),
        status=400 if form.errors else 200)


# --- conversations --------------------------------------------------------------------------
@login_required
@require_GET
def conversations(request, pk: int):
    campaign = _case_or_404(request, pk)
    page = pages.conversations_page(request.user, campaign, page_number=param_int(request.GET, "page"))
    _viewed(request, page, "conversations")
    return render(request, "campaigns/people/conversations.html", context_of(
        page, nav_active="campaigns", query=_query_without_page(request)))


@login_required
def conversation_add(request, pk: int):
    campaign = _case_or_404(request, pk)
    form = forms.ConversationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            register.conversation_add(campaign_id=campaign.pk, actor=request.user, **form.arguments())
            messages.success(request, _("Conversation recorded."))
            return redirect("campaigns:conversations", pk=campaign.pk)
    preselected = param_int(request.GET, "worker")
    bound = getattr(form, "cleaned_data", {})
    chosen = set(bound["workers"]) if "workers" in bound else ({preselected} if preselected else set())
    page = pages.conversation_form_page(request.user, campaign, search=param_str(request.GET, "q", 100),
                                        chosen=chosen)
    _viewed(request, page, "conversation form")
    return render(request, "campaigns/people/conversation_form.html", context_of(
        page, form=form, nav_active="campaigns", preselected=preselected or ""),
        status=400 if form.errors else 200)


# --- the wall chart ---------------------------------------------------------------------------
@login_required
@require_GET
def wall_chart(request, pk: int):
    """Departments × support levels: counts, never names (managers may open it)."""
    campaign = _case_or_404(request, pk, Action.VIEW)
    page = pages.wall_chart_page(request.user, campaign)
    return render(request, "campaigns/people/wall_chart.html", context_of(page, nav_active="campaigns"))


# --- the phone pages ------------------------------------------------------------------------
@login_required
@require_GET
def field(request, pk: int):
    """Tap 2 of the quick record: the case's workers as large rows."""
    campaign = _case_or_404(request, pk)
    page = pages.field_page(request.user, campaign, search=param_str(request.GET, "q", 100),
                            page_number=param_int(request.GET, "page"))
    _viewed(request, page, "field page")
    return render(request, "campaigns/people/field.html", context_of(
        page, nav_active="my_tasks", query=_query_without_page(request)))


@login_required
@require_GET
def worker_quick(request, pk: int, worker_id: int):
    """Tap 3 of the quick record: a level or an outcome button records it today."""
    campaign = _case_or_404(request, pk)
    page = pages.quick_page(request.user, campaign, worker_id)
    _viewed(request, page, f"quick record {worker_id}")
    return render(request, "campaigns/people/quick.html", context_of(
        page, nav_active="my_tasks", back=forms.BACK_TO_FIELD, quick_form=forms.QuickConversationForm()))


@login_required
@require_POST
def worker_quick_conversation(request, pk: int, worker_id: int):
    """One tap on an outcome: a one-to-one conversation with the worker today."""
    campaign = _case_or_404(request, pk, back=reverse("campaigns:field", args=[pk]))
    form = forms.QuickConversationForm(request.POST)
    if form.is_valid():
        register.conversation_add(campaign_id=campaign.pk, actor=request.user, held_on=clock.today(),
                                  worker_ids=[worker_id], kind=ConversationKind.ONE_TO_ONE,
                                  outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
        messages.success(request, _("Conversation recorded."))
        return redirect("campaigns:field", pk=campaign.pk)
    page = pages.quick_page(request.user, campaign, worker_id)
    _viewed(request, page, f"quick record {worker_id}")
    return render(request, "campaigns/people/quick.html", context_of(
        page, nav_active="my_tasks", back=forms.BACK_TO_FIELD, quick_form=form), status=400)
