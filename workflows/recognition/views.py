"""Screens of the recognition review: the dossier page (checklist, uploads,
the step that waits and its form), the procedure's diagram, the decision
draft. Every view reads the campaign through the campaign policy (404 when
out of scope) and writes through ``services``."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from viewflow.workflow import chart
from viewflow.workflow.models import Task as FlowTask

from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign
from workflows.core import clock
from workflows.core.errors import Conflict
from workflows.core.forms import run_service
from workflows.core.shortcuts import visible_or_404
from workflows.organisation.permissions import scope_of

from . import decision, forms, permissions, selectors, services
from .flows import RecognitionFlow
from .models import DossierDocument, DossierStatus
from .permissions import CORRECT, DECIDE, VERIFY, step_name

def _campaign_or_404(request, pk: int) -> Campaign:
    return visible_or_404(permissions.campaigns_for_review(request.user).select_related(
        "enterprise", "responsible_unit", "working_group", "recognised_unit"), pk, request=request)


def _step_or_404(request, task_pk: int) -> tuple[FlowTask, Campaign]:
    """A review step whose campaign the user may see."""
    campaign_id = (FlowTask.objects.filter(pk=task_pk, process__flow_class=RecognitionFlow)
                   .values_list("process__recognitionprocess__dossier__campaign_id", flat=True).first())
    if campaign_id is None:
        raise Http404
    campaign = _campaign_or_404(request, campaign_id)
    return FlowTask.objects.select_related("owner").get(pk=task_pk), campaign


def _back(campaign_pk: int):
    return redirect("recognition:dossier", pk=campaign_pk)


def _conflict(request, campaign: Campaign, error: Conflict):
    return render(request, "partials/conflict.html", {
        "messages_list": error.messages, "back_url": reverse("recognition:dossier", args=[campaign.pk]),
        "base_template": "partials/fragment.html" if request.htmx else "base.html",
    }, status=409)


# --- the dossier page ------------------------------------------------------------------
def _context(request, campaign: Campaign, **bound_forms):
    user, today = request.user, clock.today()
    scope = scope_of(user)
    dossier = selectors.dossier_of(campaign)
    rules = selectors.review_limits(today)
    documents = selectors.current_documents(dossier)
    process = selectors.latest_process(dossier)
    step = selectors.waiting_step(process) if process and process.finished is None else None
    version = dossier.version if dossier else 0
    editable = dossier is None or dossier.is_editable
    may_prepare = (permissions.can_prepare(user, campaign, scope=scope)
                   and campaign.stage == Stage.FOUNDING_CONGRESS and editable)
    name = step_name(step) if step else ""
    mine = bool(step and step.owner_id == user.pk)
    in_queue = bool(step and step.owner_id is None)
    # separation of duties: who may verify and decide this dossier
    reviewers = selectors.reviewers_of(campaign) if name in (VERIFY, DECIDE) else None
    may_take_step = bool(step and permissions.can_take_step(user, name, campaign, reviewers=reviewers, scope=scope))
    context = {
        "nav_active": "campaigns", "campaign": campaign, "dossier": dossier, "version": version,
        "status_label": dossier.get_status_display() if dossier else DossierStatus.DRAFT.label,
        "checklist": selectors.checklist(documents, rules),
        "missing": selectors.missing_documents(documents, rules),
        "can_view_campaign": permissions.can_view(user, campaign, scope=scope),
        "may_prepare": may_prepare, "step": step, "step_name": name, "mine": mine, "in_queue": in_queue,
        "can_take": in_queue and may_take_step and name != CORRECT,
        "can_act": (mine or (in_queue and name != CORRECT)) and may_take_step,
        "can_resubmit": name == CORRECT and may_prepare,
        "can_hand_over": bool(step) and permissions.can_hand_over(user, campaign, scope=scope),
        "verified_by_supervisors": bool(name == VERIFY and reviewers.verified_by_supervisors),
        "nobody_may_take": bool(reviewers and not reviewers.holders(name)),
        "kept_from_review": bool(reviewers and user.pk in reviewers.conflicted),
        "history": selectors.review_history(process, submitter=dossier.submitted_by if dossier else None),
        "show_decision": bool(dossier and dossier.status in (DossierStatus.VERIFIED, DossierStatus.RECOGNISED)),
        "upload_form": forms.UploadForm(initial={"version": version}),
        "submit_form": forms.SubmitForm(initial={"version": version}),
        "verify_form": forms.VerifyForm(initial={"version": version}),
        "decide_form": forms.DecideForm(initial={"version": version, "admitted_members": campaign.applications}),
    }
    context.update({
        "show_upload_form": may_prepare,
        "show_submit_form": (may_prepare and not step) or context["can_resubmit"],
        "show_verify_form": context["can_act"] and name == VERIFY,
        "show_decide_form": context["can_act"] and name == DECIDE,
        "show_reassign_form": context["can_hand_over"],
    })
    if context["can_hand_over"]:
        context["reassign_form"] = forms.ReassignForm(
            people=selectors.people_for_step(name, campaign, reviewers=reviewers),
            queue_label=None if name == CORRECT else _("— back to the queue —"),
            initial={"to_user": step.owner_id})
    context.update(bound_forms)
    for form_name, form in bound_forms.items():
        # A refused form whose section is not on the page any more (the
        # dossier moved on meanwhile): its errors are shown at the top.
        if not context.get(f"show_{form_name}"):
            context["stray_errors"] = [str(e) for errors in form.errors.values() for e in errors]
    return context


def _render(request, campaign: Campaign, status: int = 200, **bound_forms):
    return render(request, "recognition/dossier.html", _context(request, campaign, **bound_forms), status=status)


@login_required
@require_GET
def dossier(request, pk: int):
    return _render(request, _campaign_or_404(request, pk))


def _post(request, campaign: Campaign, form, call, form_name: str, success: str):
    try:
        done = form.is_valid() and run_service(form, call)
    except Conflict as error:
        return _conflict(request, campaign, error)
    if done:
        messages.success(request, success)
        return _back(campaign.pk)
    return _render(request, campaign, 400, **{form_name: form})


@login_required
@require_POST
def document_upload(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.UploadForm(request.POST, request.FILES)
    return _post(request, campaign, form, lambda: services.document_upload(
        campaign_id=campaign.pk, actor=request.user, kind=form.cleaned_data["kind"],
        upload=form.cleaned_data["file"], expected_version=form.cleaned_data["version"]),
        "upload_form", _("Document added to the dossier."))


@login_required
@require_POST
def dossier_submit(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.SubmitForm(request.POST)
    return _post(request, campaign, form, lambda: services.dossier_submit(
        campaign_id=campaign.pk, actor=request.user, expected_version=form.cleaned_data["version"],
        note=form.cleaned_data["note"]), "submit_form", _("The dossier was submitted for verification."))


@login_required
@require_GET
def document_download(request, pk: int, doc_pk: int):
    campaign = _campaign_or_404(request, pk)
    document = (DossierDocument.objects.filter(pk=doc_pk, dossier__campaign=campaign).first())
    if document is None:
        raise Http404
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = decision.attachment(document.file_name)
    return response


# --- review steps --------------------------------------------------------------------------
@login_required
@require_POST
def review_take(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    try:
        services.review_task_take(task_id=task.pk, actor=request.user)
    except Conflict as error:
        if request.htmx:
            return render(request, "recognition/_inbox_row.html",
                          {"row": _inbox_row(request, task.pk), "refusal": error.message}, status=409)
        return _conflict(request, campaign, error)
    if request.htmx:
        return render(request, "recognition/_inbox_row.html", {"row": _inbox_row(request, task.pk)})
    messages.success(request, _("The step is yours."))
    return _back(campaign.pk)


def _inbox_row(request, task_pk: int) -> FlowTask:
    task = next((t for t in selectors.inbox_rows(request.user) if t.pk == task_pk), None)
    if task is None:
        task = FlowTask.objects.select_related(
            "owner", "process__recognitionprocess__dossier__campaign__enterprise").get(pk=task_pk)
        task.campaign = task.process.recognitionprocess.dossier.campaign
    return task


@login_required
@require_POST
def review_verify(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    form = forms.VerifyForm(request.POST)
    return _post(request, campaign, form, lambda: services.dossier_verify(
        task_id=task.pk, actor=request.user, complete=form.cleaned_data["complete"],
        comments=form.cleaned_data["comments"], expected_version=form.cleaned_data["version"]),
        "verify_form", _("Verification recorded."))


@login_required
@require_POST
def review_decide(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    form = forms.DecideForm(request.POST)
    return _post(request, campaign, form, lambda: services.dossier_decide(
        task_id=task.pk, actor=request.user, approve=form.cleaned_data["approve"],
        decision_number=form.cleaned_data["decision_number"], decision_date=form.cleaned_data["decision_date"],
        admitted_members=form.cleaned_data["admitted_members"], comments=form.cleaned_data["comments"],
        expected_version=form.cleaned_data["version"]), "decide_form", _("Decision recorded."))


@login_required
@require_POST
def review_reassign(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    permissions.require(permissions.can_hand_over(request.user, campaign))
    name = step_name(task)
    form = forms.ReassignForm(request.POST, people=selectors.people_for_step(name, campaign),
                              queue_label=None if name == CORRECT else _("— back to the queue —"))
    return _post(request, campaign, form, lambda: services.review_task_reassign(
        task_id=task.pk, actor=request.user, to_user_id=form.cleaned_data["to_user"]),
        "reassign_form", _("The step was handed over."))


# --- the diagram and the decision draft -----------------------------------------------------
@login_required
@require_GET
def diagram(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    dossier = selectors.dossier_of(campaign)
    process = selectors.latest_process(dossier)
    grid = chart.calc_layout_data(RecognitionFlow)
    if process is not None:
        chart.calc_cell_status(RecognitionFlow, grid, process.pk)
    step = selectors.waiting_step(process) if process and process.finished is None else None
    return render(request, "recognition/diagram.html", {
        "nav_active": "campaigns", "campaign": campaign, "dossier": dossier, "grid": grid,
        "current": step_name(step) if step else "", "step": step,
        "finished": bool(process and process.finished),
    })


@login_required
@require_GET
def decision_draft(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    dossier = selectors.dossier_of(campaign)
    if dossier is None or dossier.status not in (DossierStatus.VERIFIED, DossierStatus.RECOGNISED):
        raise Http404
    content = decision.decision_docx(decision.draft_for(campaign, dossier))
    response = HttpResponse(content, content_type=decision.DOCX)
    response["Content-Disposition"] = decision.attachment(f"quyet-dinh-cong-nhan-{campaign.enterprise.tax_code}.docx")
    return response
