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
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_GET, require_POST
from viewflow.workflow.models import Task as FlowTask

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.campaigns.models import Campaign, Register
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.refusals import refusals_lead_to
from workflows.core.shortcuts import visible_or_404

from . import decision, forms, member_lists, permissions, selectors, services
from .documents import ACCEPT_ON_PHONES
from .permissions import CORRECT, step_name


def _campaign_or_404(request, pk: int) -> Campaign:
    """The campaign whose dossier the user may open (else 404, audited); a
    refusal on this request leads back to the dossier page."""
    campaign = visible_or_404(selectors.campaigns_shown_for_review(request.user), pk, request=request)
    refusals_lead_to(request, reverse("recognition:dossier", args=[campaign.pk]))
    return campaign


def _step_or_404(request, task_pk: int) -> tuple[FlowTask, Campaign]:
    """A review step whose campaign the user may see."""
    task = selectors.review_step(task_pk)
    if task is None:
        raise Http404
    return task, _campaign_or_404(request, task.review_campaign_id)


# --- the dossier page ------------------------------------------------------------------
def _render(request, campaign: Campaign, *, status: int = 200, **bound_forms):
    """The dossier page; ``bound_forms``: a refused form, shown with its errors."""
    page = selectors.dossier_page(request.user, campaign, today=clock.today())
    rights, version = page.rights, page.version
    blank_forms = {
        "upload_form": forms.UploadForm(initial={"version": version}),
        "submit_form": forms.SubmitForm(initial={"version": version}),
        "verify_form": forms.VerifyForm(initial={"version": version}),
        "decide_form": forms.decide_form(campaign=campaign, version=version),
        "member_list_form": forms.MemberListForm(initial={"version": version, "format": "docx"}),
        "reassign_form": forms.ReassignForm(
            people=page.hand_over_to, queue_label=None if rights.step == CORRECT else _("— back to the queue —"),
            initial={"to_user": page.step.owner_id}) if rights.can_hand_over else None,
    }
    # A refused form whose section is not on the page any more (the dossier
    # moved on meanwhile): its errors are shown at the top.
    member_list_shown = rights.may_prepare and campaign.register == Register.NAMES
    stray_errors = [str(e) for name, form in bound_forms.items()
                    if not getattr(rights, f"show_{name}", member_list_shown)
                    for errors in form.errors.values() for e in errors]
    return render(request, "recognition/dossier.html", context_of(
        page, nav_active="campaigns", stray_errors=stray_errors, upload_accept=ACCEPT_ON_PHONES,
        **{**blank_forms, **bound_forms}), status=status)


@login_required
@require_GET
def dossier(request, pk: int):
    return _render(request, _campaign_or_404(request, pk))


def _done(request, campaign: Campaign, success: str):
    messages.success(request, success)
    return redirect("recognition:dossier", pk=campaign.pk)


@login_required
@require_POST
def document_upload(request, pk: int):
    """One document (a row's form names its ``kind``), or several at once:
    the checklist's form, a file input per document (``file_<kind>``)."""
    campaign = _campaign_or_404(request, pk)
    if "kind" not in request.POST:
        return _documents_upload(request, campaign)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.document_upload(campaign_id=campaign.pk, actor=request.user, kind=data["kind"],
                                     upload=data["file"], expected_version=data["version"])
            return _done(request, campaign, _("Document added to the dossier."))
    return _render(request, campaign, status=400, upload_form=form)


def _documents_upload(request, campaign: Campaign):
    form = forms.UploadManyForm(request.POST, request.FILES)
    if form.is_valid():
        with errors_on(form):
            added = services.documents_upload(campaign_id=campaign.pk, actor=request.user, uploads=form.uploads(),
                                              expected_version=form.cleaned_data["version"])
            return _done(request, campaign, ngettext("%(n)d document added to the dossier.",
                                                     "%(n)d documents added to the dossier.", len(added))
                         % {"n": len(added)})
    return _render(request, campaign, status=400, upload_form=form)


@login_required
@require_POST
def dossier_submit(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    form = forms.SubmitForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.dossier_submit(campaign_id=campaign.pk, actor=request.user,
                                    expected_version=form.cleaned_data["version"], note=form.cleaned_data["note"])
            return _done(request, campaign, _("The dossier was submitted for verification."))
    return _render(request, campaign, status=400, submit_form=form)


@login_required
@require_GET
def document_download(request, pk: int, doc_pk: int):
    document = selectors.document_of(_campaign_or_404(request, pk), doc_pk)
    if document is None:
        raise Http404
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = decision.attachment(document.file_name)
    return response


@login_required
@require_POST
def member_list_generate(request, pk: int):
    """Generate the member list and the list of applications from the
    register and add them to the dossier (superseding the member list)."""
    campaign = _campaign_or_404(request, pk)
    form = forms.MemberListForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            data = form.cleaned_data
            services.member_list_attach(campaign_id=campaign.pk, actor=request.user, format=data["format"],
                                        expected_version=data["version"])
            return _done(request, campaign, _("The member list was generated from the register and added to the "
                                              "dossier."))
    return _render(request, campaign, status=400, member_list_form=form)


@login_required
@require_GET
def member_list_download(request, pk: int, file_format: str):
    """The generated lists, without adding them to the dossier (personal
    data: audited with the workers listed)."""
    campaign = _campaign_or_404(request, pk)
    if file_format not in member_lists.FORMATS:
        raise Http404
    permissions.require(permissions.can_prepare(request.user, campaign) and campaign.register == Register.NAMES)
    lists = member_lists.member_lists_of(campaign, today=clock.today())
    name, content_type, content = member_lists.member_lists_file(lists, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = decision.attachment(name)
    response["Cache-Control"] = "no-store"
    audit_record(kind=AuditKind.PERSONAL_DATA_EXPORT, request=request, workers=lists.worker_ids,
                 detail=f"member list of campaign {campaign.pk} ({file_format}): {len(lists.worker_ids)} workers")
    return response


# --- review steps --------------------------------------------------------------------------
def _inbox_row(request, task_pk: int, refusal: str = ""):
    return render(request, "recognition/_inbox_row.html",
                  {"row": selectors.inbox_row(request.user, task_pk), "refusal": refusal})


@login_required
@require_POST
def review_take(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    # From My tasks (htmx), a refusal shows in the step's row.
    refusals_lead_to(request, reverse("recognition:dossier", args=[campaign.pk]),
                     fragment=lambda messages: _inbox_row(request, task.pk, "; ".join(messages)))
    services.review_task_take(task_id=task.pk, actor=request.user)
    if request.htmx:
        return _inbox_row(request, task.pk)
    return _done(request, campaign, _("The step is yours."))


@login_required
@require_POST
def review_verify(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    form = forms.VerifyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.dossier_verify(task_id=task.pk, actor=request.user, complete=data["complete"],
                                    comments=data["comments"], expected_version=data["version"])
            return _done(request, campaign, _("Verification recorded."))
    return _render(request, campaign, status=400, verify_form=form)


@login_required
@require_POST
def review_decide(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    form = forms.decide_form(request.POST, campaign=campaign)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.dossier_decide(
                task_id=task.pk, actor=request.user, approve=data["approve"], decision_number=data["decision_number"],
                decision_date=data["decision_date"], admitted_members=data["admitted_members"],
                comments=data["comments"], expected_version=data["version"])
            return _done(request, campaign, _("Decision recorded."))
    return _render(request, campaign, status=400, decide_form=form)


@login_required
@require_POST
def review_reassign(request, task_pk: int):
    task, campaign = _step_or_404(request, task_pk)
    permissions.require(permissions.can_hand_over(request.user, campaign))
    name = step_name(task)
    form = forms.ReassignForm(request.POST, people=selectors.people_for_step(name, campaign),
                              queue_label=None if name == CORRECT else _("— back to the queue —"))
    if form.is_valid():
        with errors_on(form):
            services.review_task_reassign(task_id=task.pk, actor=request.user, to_user_id=form.cleaned_data["to_user"])
            return _done(request, campaign, _("The step was handed over."))
    return _render(request, campaign, status=400, reassign_form=form)


# --- the diagram and the decision draft -----------------------------------------------------
@login_required
@require_GET
def diagram(request, pk: int):
    diagram = selectors.review_diagram(_campaign_or_404(request, pk))
    return render(request, "recognition/diagram.html", context_of(diagram, nav_active="campaigns"))


@login_required
@require_GET
def decision_draft(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    dossier = selectors.dossier_of(campaign)
    if dossier is None or dossier.status not in selectors.DECISION_DRAFTED:
        raise Http404
    content = decision.decision_docx(decision.draft_for(campaign, dossier))
    response = HttpResponse(content, content_type=decision.DOCX)
    response["Content-Disposition"] = decision.attachment(f"quyet-dinh-cong-nhan-{campaign.enterprise.tax_code}.docx")
    return response
