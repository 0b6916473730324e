"""Every write of the recognition review.

Each service is one transaction in one order: lock the campaign row (the
same first lock as every campaign service, so that the two never wait on
each other the other way round), check the actor's permission, check that
nothing changed since the actor read it, then move the flow under its own
``select_for_update`` lock, record the campaign event and queue the
notifications for after the commit.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, Register
from workflows.core import clock
from workflows.core.errors import Conflict, DomainError
from workflows.notifications.kinds import NotificationKind
from workflows.notifications.services import notifications_close
from workflows.organisation.permissions import require_administer_person
from workflows.webhooks import services as webhooks
from workflows.webhooks.kinds import EventKind as WebhookKind

from . import member_lists, notices, permissions, selectors
from .documents import CheckedFile, check_upload
from .duties import CORRECT, DECIDE, VERIFY, reviewers_of, supervisors_of
from .flows import RecognitionFlow
from .models import Dossier, DossierDocument, DossierStatus, RecognitionProcess
from .permissions import step_name

User = get_user_model()


# --- shared steps ---------------------------------------------------------------
def _lock_campaign(campaign_id: int) -> Campaign:
    return (Campaign.objects.select_for_update(of=("self",))
            .select_related("responsible_unit", "enterprise", "working_group").get(pk=campaign_id))


def _dossier_locked(campaign: Campaign, *, create: bool) -> Dossier | None:
    dossier = Dossier.objects.select_for_update().filter(campaign=campaign).first()
    if dossier is None and create:
        now = clock.now()
        dossier = Dossier.objects.create(campaign=campaign, created_at=now, updated_at=now)
    if dossier is not None:
        dossier.campaign = campaign
    return dossier


def _check_version(dossier: Dossier, expected_version: int | None) -> None:
    if expected_version is not None and dossier.version != expected_version:
        raise Conflict(_("Someone else changed this dossier in the meantime. Reload the page and try again."))


def _touch(dossier: Dossier, **fields) -> None:
    for name, value in fields.items():
        setattr(dossier, name, value)
    dossier.version += 1
    dossier.updated_at = clock.now()
    dossier.save()


def _event(campaign: Campaign, actor, kind: str, note: str = "", **data) -> CampaignEvent:
    return CampaignEvent.objects.create(campaign=campaign, unit_id=campaign.responsible_unit_id, kind=kind,
                                        at=clock.now(), actor=actor,
                                        note=(note or "").strip(), data=data)


def _require_congress_held(campaign: Campaign) -> None:
    if campaign.stage == Stage.ON_HOLD:
        raise DomainError(_("The campaign is on hold: resume it first."))
    if campaign.stage != Stage.FOUNDING_CONGRESS:
        raise DomainError(_("A recognition dossier belongs to a campaign whose founding congress was held."))


def _announce_waiting(campaign: Campaign, process: RecognitionProcess) -> None:
    """Tell who the step that now waits is for: its owner, or whoever may
    take it from the queue (separation of duties: not those who prepared
    the dossier or work the case)."""
    task = selectors.waiting_step(process)
    if task is None:
        return
    step = step_name(task)
    if task.owner_id:
        recipients = [task.owner_id]
    elif step in (VERIFY, DECIDE):
        recipients = reviewers_of(campaign).holders(step)
    else:
        recipients = supervisors_of(campaign)
    kind = NotificationKind.REVIEW_RETURNED if step == CORRECT else NotificationKind.REVIEW_WAITING
    notices.step_notify(campaign, recipients, kind, f"review:{task.pk}:{task.owner_id or 0}", task=task, step=step,
                        comments=process.dossier.review_comments if step == CORRECT else "",
                        due_on=task.data.get("due_on"))


class _FlowLock:
    """Turn the flow lock's refusal into a message a person can act on."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, FlowLockFailed):
            raise Conflict(_("Someone else is working on this dossier right now. Try again in a moment.")) from exc
        return False


# --- the dossier ----------------------------------------------------------------
def _dossier_to_prepare(campaign_id: int, actor, expected_version: int | None) -> Dossier:
    """The dossier, locked (created if need be), that ``actor`` may add documents to now."""
    campaign = _lock_campaign(campaign_id)
    permissions.require(permissions.can_prepare(actor, campaign))
    _require_congress_held(campaign)
    dossier = _dossier_locked(campaign, create=True)
    _check_version(dossier, expected_version)
    if not dossier.is_editable:
        raise DomainError(_("The dossier is under review (%(status)s): it cannot be changed now.")
                          % {"status": dossier.get_status_display()})
    return dossier


def _documents_add(dossier: Dossier, actor, checked: Mapping[str, CheckedFile]) -> list[DossierDocument]:
    now = clock.now()
    DossierDocument.objects.filter(dossier=dossier, kind__in=list(checked), superseded_at__isnull=True).update(
        superseded_at=now)
    documents = DossierDocument.objects.bulk_create([
        DossierDocument(dossier=dossier, kind=kind, file_name=file.name, content_type=file.content_type,
                        size=len(file.content), sha256=file.sha256, content=file.content, uploaded_by=actor,
                        uploaded_at=now)
        for kind, file in checked.items()])
    _touch(dossier)
    return documents


@transaction.atomic
def document_upload(*, campaign_id: int, actor, kind: str, upload, expected_version: int | None = None
                    ) -> DossierDocument:
    """Add a document to the dossier, superseding the one of the same kind.
    Only while the dossier is prepared or returned for correction."""
    if kind not in DocumentKind.values:
        _dossier_to_prepare(campaign_id, actor, None)  # who may not prepare it learns nothing more
        raise ValidationError({"kind": _("Choose a document from the list.")})
    dossier = _dossier_to_prepare(campaign_id, actor, expected_version)
    return _documents_add(dossier, actor, {kind: check_upload(upload)})[0]


@transaction.atomic
def documents_upload(*, campaign_id: int, actor, uploads: Mapping[str, object], expected_version: int | None = None
                     ) -> list[DossierDocument]:
    """Add several documents to the dossier at once (``uploads``: kind →
    file; from a phone, the whole checklist in one go), each superseding the
    one of its kind, on the terms of ``document_upload``. All or nothing:
    every file is checked first (``documents.check_upload``), and one that is
    refused refuses them all, each refusal on the field of its document
    (``file_<kind>``) and naming it."""
    dossier = _dossier_to_prepare(campaign_id, actor, expected_version)
    if not uploads or any(kind not in DocumentKind.values for kind in uploads):
        raise ValidationError({"kind": _("Choose a document from the list.")})
    checked, refused = {}, {}
    for kind, upload in uploads.items():
        try:
            checked[kind] = check_upload(upload)
        except ValidationError as error:
            refused[f"file_{kind}"] = [_("%(document)s: %(error)s") % {"document": DocumentKind(kind).label,
                                                                        "error": message}
                                       for message in error.messages]
    if refused:
        raise ValidationError(refused)
    return _documents_add(dossier, actor, checked)


@transaction.atomic
def member_list_attach(*, campaign_id: int, actor, format: str = "docx",  # noqa: A002 — the word the callers use
                       expected_version: int | None = None) -> DossierDocument:
    """Generate the member list and the list of applications from the
    people of a campaign whose workers are entered by name, as one document
    (Word: two sections; XLSX: two sheets), and add it to the dossier as its
    member list, superseding the previous one (``document_upload``)."""
    campaign = _lock_campaign(campaign_id)
    permissions.require(permissions.can_prepare(actor, campaign))
    if format not in member_lists.FORMATS:
        raise ValidationError({"format": _("Choose Word or Excel.")})
    if campaign.register != Register.NAMES:
        raise DomainError(_("This campaign records its workers as figures only: its member list is uploaded, "
                            "not generated."))
    name, content_type, content = member_lists.member_lists_file(
        member_lists.member_lists_of(campaign, today=clock.today()), format)
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return document_upload(campaign_id=campaign.pk, actor=actor, kind=DocumentKind.MEMBER_LIST, upload=upload,
                           expected_version=expected_version)


@transaction.atomic
def dossier_submit(*, campaign_id: int, actor, expected_version: int | None = None, note: str = "") -> Dossier:
    """Submit the dossier for verification (first time: the review starts;
    after a return: the correction step is done). Refused while a required
    document is missing."""
    campaign = _lock_campaign(campaign_id)
    permissions.require(permissions.can_prepare(actor, campaign))
    dossier = _dossier_locked(campaign, create=True)
    _check_version(dossier, expected_version)
    _require_congress_held(campaign)
    if not dossier.is_editable:
        raise Conflict(_("The dossier was already submitted."))
    rules = selectors.review_limits(clock.today(), campaign.responsible_unit)
    missing = selectors.missing_documents(selectors.current_documents(dossier), rules)
    if missing:
        raise DomainError(_("The dossier cannot be submitted: missing %(documents)s.")
                          % {"documents": "; ".join(missing)})
    first = dossier.status == DossierStatus.DRAFT
    _touch(dossier, status=DossierStatus.SUBMITTED, submitted_at=clock.now(), submissions=dossier.submissions + 1,
           submitted_by=dossier.submitted_by or actor)
    with _FlowLock():
        if first:
            process = RecognitionFlow.start.run(dossier=dossier)
        else:
            process = selectors.active_process(dossier)
            task = selectors.waiting_step(process)
            if task is None or step_name(task) != CORRECT:
                raise Conflict(_("The dossier was already submitted."))
            _complete(task, actor, reassign=True)
    _event(campaign, actor, EventKind.DOSSIER_SUBMITTED, note, submission=dossier.submissions)
    _announce_waiting(campaign, process)
    return dossier


def _complete(task: FlowTask, actor, *, reassign: bool = False) -> None:
    """Take ``task`` for ``actor`` if it waits in a queue, start it and
    complete it: the flow goes on to the next step. Inside the flow lock."""
    with task.activation() as activation:
        if task.status == STATUS.NEW:
            activation.assign(actor)
        elif task.owner_id != actor.pk:
            if not reassign:
                raise Conflict(_("This step was given to %(name)s.") % {"name": notices.person_label(task.owner)})
            activation.reassign(actor)
        activation.start(None)
        activation.execute()
    notifications_close(step_key=notices.step_key(task))


# --- review steps -----------------------------------------------------------------
def _step_locked(task_id: int, actor, *, steps: tuple[str, ...]) -> tuple[FlowTask, Campaign, Dossier]:
    """Lock the step's campaign and dossier and re-read the step; 404 for a
    step that is not a review step (PermissionDenied as for a stranger)."""
    row = (FlowTask.objects.filter(pk=task_id, process__flow_class=RecognitionFlow)
           .values_list("process__recognitionprocess__dossier__campaign_id", flat=True).first())
    if row is None:
        raise PermissionDenied
    campaign = _lock_campaign(row)
    dossier = _dossier_locked(campaign, create=False)
    task = FlowTask.objects.select_related("owner").get(pk=task_id)
    if step_name(task) not in steps:
        raise PermissionDenied
    return task, campaign, dossier


def _require_waiting(task: FlowTask) -> None:
    if task.status not in permissions.WAITING:
        raise Conflict(_("This step is already done."))


@transaction.atomic
def review_task_take(*, task_id: int, actor) -> FlowTask:
    """Take a verification or decision step from the queue."""
    task, campaign, _dossier = _step_locked(task_id, actor, steps=(VERIFY, DECIDE))
    permissions.require(permissions.can_take_step(actor, step_name(task), campaign,
                                                  reviewers=reviewers_of(campaign)))
    with _FlowLock(), task.activation() as activation:
        task = activation.task
        _require_waiting(task)
        if task.owner_id == actor.pk:
            return task
        if task.owner_id:
            raise Conflict(_("%(name)s has already taken this step.") % {"name": notices.person_label(task.owner)})
        activation.assign(actor)
    # no longer in the queue of the others who were invited to take it
    notifications_close(step_key=notices.step_key(task), kind=NotificationKind.REVIEW_WAITING,
                        keep_recipient_id=actor.pk)
    return task


@transaction.atomic
def review_task_reassign(*, task_id: int, actor, to_user_id: int | None) -> FlowTask:
    """Give a waiting review step to someone who may take it, or put it back
    in its queue (``to_user_id`` None; not the correction step, which is the
    committee's). Supervisors of the recognising unit only."""
    task, campaign, dossier = _step_locked(task_id, actor, steps=(VERIFY, DECIDE, CORRECT))
    permissions.require(permissions.can_hand_over(actor, campaign))
    step = step_name(task)
    target = None
    if to_user_id is not None:
        target = User.objects.filter(pk=to_user_id, is_active=True).first()
        reviewers = reviewers_of(campaign) if step in (VERIFY, DECIDE) else None
        if target is None or not permissions.can_take_step(target, step, campaign, reviewers=reviewers):
            raise ValidationError({"to_user": _("This person may not take this step.")})
    elif step == CORRECT:
        raise ValidationError({"to_user": _("The correction step must be given to someone.")})
    with _FlowLock(), task.activation() as activation:
        task = activation.task
        _require_waiting(task)
        previous = task.owner
        if target is None:
            if task.owner_id:
                activation.unassign()
        elif task.owner_id is None:
            activation.assign(target)
        elif task.owner_id != target.pk:
            activation.reassign(target)
    _event(campaign, actor, EventKind.TASK_REASSIGNED, title=str(task.flow_task.task_title),
           **{"from": notices.person_label(previous) if previous else "",
              "to": notices.person_label(target) if target else ""})
    _touch(dossier)
    holder = target.pk if target else None
    if holder != (previous.pk if previous else None):
        # the invitations of those it was for, but the new holder's
        notifications_close(step_key=notices.step_key(task), kind=NotificationKind.REVIEW_WAITING,
                            keep_recipient_id=holder)
    if target is not None and holder != (previous.pk if previous else None):
        notices.step_notify(campaign, [target.pk], NotificationKind.REVIEW_WAITING, f"review:{task.pk}:{target.pk}",
                            task=task, step=step, due_on=task.data.get("due_on"))
    return task


@transaction.atomic
def dossier_verify(*, task_id: int, actor, complete: bool, comments: str = "",
                   expected_version: int | None = None) -> Dossier:
    """The verifier's finding: complete (on to the decision) or not (back to
    the submitter with the comments, which are then required)."""
    task, campaign, dossier = _step_locked(task_id, actor, steps=(VERIFY,))
    permissions.require(permissions.can_verify(actor, reviewers_of(campaign)))
    _check_version(dossier, expected_version)
    _require_waiting(task)
    comments = (comments or "").strip()
    if not complete and not comments:
        raise ValidationError({"comments": _("Say what must be corrected.")})
    if len(comments) > 5000:
        raise ValidationError({"comments": _("At most 5.000 characters.")})
    _touch(dossier, status=DossierStatus.VERIFIED if complete else DossierStatus.RETURNED,
           review_comments="" if complete else comments)
    with _FlowLock():
        _complete(task, actor)
    _event(campaign, actor, EventKind.DOSSIER_VERIFIED if complete else EventKind.DOSSIER_RETURNED, comments)
    _announce_waiting(campaign, selectors.active_process(dossier))
    return dossier


@transaction.atomic
def dossier_decide(*, task_id: int, actor, approve: bool, decision_number: str = "",
                   decision_date: dt.date | None = None, admitted_members: int | None = None,
                   comments: str = "", expected_version: int | None = None) -> Dossier:
    """The supervisor's decision: recognise (decision number and date, the
    members admitted; the campaign is recognised through its service in the
    same transaction) or return the dossier for correction."""
    task, campaign, dossier = _step_locked(task_id, actor, steps=(DECIDE,))
    permissions.require(permissions.can_decide(actor, reviewers_of(campaign)))
    _check_version(dossier, expected_version)
    _require_waiting(task)
    comments = (comments or "").strip()
    if approve:
        _require_congress_held(campaign)
        errors = {}
        if not (decision_number or "").strip():
            errors["decision_number"] = _("Enter the decision number.")
        if decision_date is None:
            errors["decision_date"] = _("Enter the decision date.")
        if admitted_members is None:
            errors["admitted_members"] = _("Enter a whole number, zero or more.")
        if errors:
            raise ValidationError(errors)
        _touch(dossier, status=DossierStatus.RECOGNISED, decision_number=decision_number.strip(),
               decision_date=decision_date, admitted_members=admitted_members, decided_by=actor)
    else:
        if not comments:
            raise ValidationError({"comments": _("Say what must be corrected.")})
        _touch(dossier, status=DossierStatus.RETURNED, review_comments=comments)
    with _FlowLock():
        _complete(task, actor)
    if not approve:
        _event(campaign, actor, EventKind.DOSSIER_RETURNED, comments)
        _announce_waiting(campaign, selectors.active_process(dossier))
    webhooks.event_record(kind=WebhookKind.DOSSIER_DECIDED, unit=campaign.responsible_unit, data={
        "dossier": {"id": dossier.pk, "status": dossier.status, "decision_number": dossier.decision_number,
                    "decision_date": dossier.decision_date.isoformat() if dossier.decision_date else None,
                    "admitted_members": dossier.admitted_members},
        "approved": approve, "campaign": {"id": campaign.pk, "enterprise": campaign.enterprise_id},
        "unit": webhooks.unit_data(campaign.responsible_unit), "actor": actor.pk})
    return dossier


def review_cancel(*, campaign: Campaign) -> None:
    """The campaign was closed without recognition: stop its review."""
    dossier = Dossier.objects.select_for_update().filter(campaign=campaign).first()
    if dossier is None or dossier.status in (DossierStatus.RECOGNISED, DossierStatus.CANCELLED):
        return
    process = selectors.active_process(dossier)
    if process is not None:
        step = selectors.waiting_step(process)
        with _FlowLock():
            RecognitionFlow.instance.cancel(process)
        if step is not None:
            notifications_close(step_key=notices.step_key(step))
    _touch(dossier, status=DossierStatus.CANCELLED)


# --- a person who leaves (administration) -------------------------------------------
@transaction.atomic
def review_steps_release_of(*, person_id: int, actor, to_user_id: int | None) -> int:
    """Hand every waiting review step given to ``person_id`` (a person who
    leaves) to ``to_user_id``, who must be able to hold each of them
    (``permissions.can_take_step``), or (None) back to its queue: a
    verification or a decision to the unit's reviewers, who are told; a
    correction to those who work the case, who resubmit it from the
    dossier page (the supervisors are told). An administrator of the person;
    ``actor`` None is the system (a collaborator's end date passed). All or
    nothing. Returns how many steps were handed over."""
    person = User.objects.get(pk=person_id)
    if actor is not None:
        require_administer_person(actor, person)
    target = None
    if to_user_id is not None:
        target = User.objects.filter(pk=to_user_id, is_active=True).first()
        if target is None or target.pk == person.pk:
            raise ValidationError({"receiver": _("Choose an active person, other than %(name)s, to receive the "
                                                 "review steps.") % {"name": notices.person_label(person)}})
    rows = sorted(FlowTask.objects.filter(
        owner_id=person.pk, status__in=permissions.WAITING, process__flow_class=RecognitionFlow,
        flow_task__in=[getattr(RecognitionFlow, step) for step in permissions.HUMAN_STEPS],
    ).values_list("process__recognitionprocess__dossier__campaign_id", "pk"))
    handed = 0
    for campaign_id, task_id in rows:  # campaigns in id order, as every campaign write locks them
        campaign = _lock_campaign(campaign_id)
        dossier = _dossier_locked(campaign, create=False)
        task = FlowTask.objects.select_related("owner").get(pk=task_id)
        if task.owner_id != person.pk or task.status not in permissions.WAITING:
            continue
        step = step_name(task)
        if target is not None:
            reviewers = reviewers_of(campaign) if step in (VERIFY, DECIDE) else None
            if not permissions.can_take_step(target, step, campaign, reviewers=reviewers):
                raise ValidationError({"receiver": _(
                    "%(name)s may not take the step “%(step)s” of the dossier of %(enterprise)s; nothing was "
                    "moved.") % {"name": notices.person_label(target), "step": task.flow_task.task_title,
                                 "enterprise": campaign.enterprise.name}})
        with _FlowLock(), task.activation() as activation:
            task = activation.task
            if target is None:
                activation.unassign()
            else:
                activation.reassign(target)
        _event(campaign, actor, EventKind.TASK_REASSIGNED, title=str(task.flow_task.task_title),
               **{"from": notices.person_label(person), "to": notices.person_label(target) if target else ""})
        _touch(dossier)
        if target is not None:
            notifications_close(step_key=notices.step_key(task), kind=NotificationKind.REVIEW_WAITING,
                                keep_recipient_id=target.pk)
            notices.step_notify(campaign, [target.pk], NotificationKind.REVIEW_WAITING,
                                f"review:{task.pk}:{target.pk}", task=task, step=step, due_on=task.data.get("due_on"))
        else:
            _announce_waiting(campaign, selectors.active_process(dossier))
        handed += 1
    return handed
