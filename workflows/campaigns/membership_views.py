"""Screens of the committee chosen from the workers, the applications and
the "workers recorded" switch. Each view parses the request, makes one
service or selector call and renders; the people pages are for
``Action.PEOPLE`` (others: 404), and every page or file that shows a
worker's name writes one audit entry naming the workers shown."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_str

from . import membership_forms as forms, membership_pages as pages, permissions, register
from .models import Campaign, Register
from .permissions import Action
from .views import _campaign_or_404


def _attachment(file_name: str) -> str:
    """A Content-Disposition that keeps Vietnamese file names."""
    ascii_name = file_name.encode("ascii", "ignore").decode().replace('"', "") or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


def _people_case_or_404(request, pk: int, *action: Action) -> Campaign:
    """The campaign if the user may see its people (and take ``action``); else 404."""
    campaign = _campaign_or_404(request, pk)
    for needed in (Action.PEOPLE, *action):
        permissions.require(request.user, needed, campaign)
    return campaign


# --- the switch ---------------------------------------------------------------------------
@login_required
def register_switch(request, pk: int):
    """What recording the workers by name changes (GET) and the switch (POST)."""
    campaign = _people_case_or_404(request, pk, Action.WORK)
    other = Register.FIGURES if campaign.register == Register.NAMES else Register.NAMES
    form = forms.RegisterForm(request.POST or None, initial={"version": campaign.version, "register": other})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            moved = register.register_set(campaign_id=campaign.pk, actor=request.user,
                                          register=form.cleaned_data["register"],
                                          expected_version=form.cleaned_data["version"])
            messages.success(request, _("Workers are now recorded: %(how)s.") % {
                "how": Register(moved.register).label})
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/membership/register.html", {
        "nav_active": "campaigns", "campaign": campaign, "form": form, "other": other,
        "other_label": Register(other).label}, status=400 if form.errors else 200)


# --- the committee ------------------------------------------------------------------------
def _committee_render(request, campaign: Campaign, form, *, status: int = 200):
    page = pages.committee_page(campaign, search=param_str(request.GET, "q", 100))
    audit_record(kind=AuditKind.PERSONAL_DATA_VIEW, request=request, workers=page.worker_ids,
                 detail=f"committee choice of campaign {campaign.pk}: {len(page.worker_ids)} workers")
    return render(request, "campaigns/membership/committee.html",
                  context_of(page, nav_active="campaigns", form=form), status=status)


@login_required
def committee_choose(request, pk: int):
    """Choose the mobilising committee from the enterprise's workers."""
    campaign = _people_case_or_404(request, pk, Action.WORK)
    if campaign.stage not in pages.COMMITTEE_STAGES:
        raise Http404
    form = forms.CommitteeChooseForm(request.POST or None, initial={
        "version": campaign.version, "formed_on": campaign.committee_formed_on or clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            register.committee_choose(campaign_id=campaign.pk, actor=request.user, worker_ids=data["workers"],
                                      head_id=data["head"], formed_on=data["formed_on"],
                                      expected_version=data["version"])
            messages.success(request, _("Committee recorded."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return _committee_render(request, campaign, form, status=400 if form.errors else 200)


# --- applications ---------------------------------------------------------------------------
def _applications_render(request, campaign: Campaign, form=None, *, status: int = 200):
    page = pages.applications_page(request.user, campaign, search=param_str(request.GET, "q", 100))
    if form is None:
        form = forms.ApplicationAddForm(initial={"applied_on": clock.today()})
    form.workers_offered(page.candidates)
    if page.worker_ids:
        audit_record(kind=AuditKind.PERSONAL_DATA_VIEW, request=request, workers=page.worker_ids,
                     detail=f"applications of campaign {campaign.pk}: {len(page.worker_ids)} workers")
    return render(request, "campaigns/membership/applications.html",
                  context_of(page, nav_active="campaigns", form=form, withdraw_form=forms.ApplicationWithdrawForm(),
                             max_bytes=register.FORM_MAX_BYTES), status=status)


@login_required
@require_GET
def applications(request, pk: int):
    return _applications_render(request, _people_case_or_404(request, pk))


@login_required
@require_POST
def application_add(request, pk: int):
    campaign = _people_case_or_404(request, pk)
    form = forms.ApplicationAddForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            application = register.application_add(campaign_id=campaign.pk, worker_id=data["worker"],
                                                    actor=request.user, applied_on=data["applied_on"],
                                                    form=data["form"])
            messages.success(request, _("Application of %(name)s recorded.") % {
                "name": application.worker.display_name})
            return redirect("campaigns:applications", pk=campaign.pk)
    return _applications_render(request, campaign, form, status=400)


@login_required
@require_POST
def application_withdraw(request, pk: int, worker_id: int):
    campaign = _people_case_or_404(request, pk)
    form = forms.ApplicationWithdrawForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            register.application_withdraw(campaign_id=campaign.pk, worker_id=worker_id, actor=request.user,
                                          on=form.cleaned_data["on"])
            messages.success(request, _("Application withdrawn."))
            return redirect("campaigns:applications", pk=campaign.pk)
    messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return _applications_render(request, campaign, status=400)


@login_required
@require_GET
def application_form(request, pk: int, worker_id: int):
    """The scanned application form of one worker (personal data: audited)."""
    campaign = _people_case_or_404(request, pk)
    application = pages.application_form_of(campaign, worker_id)
    if application is None:
        raise Http404
    response = HttpResponse(bytes(application.form_content or b""), content_type=application.form_type)
    response["Content-Disposition"] = _attachment(application.form_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    audit_record(kind=AuditKind.PERSONAL_DATA_EXPORT, request=request, workers=[worker_id],
                 detail=f"scanned application form, campaign {campaign.pk}")
    return response
