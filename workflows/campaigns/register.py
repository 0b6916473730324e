"""Every write to the people of a case: its enterprise's workers, their
assessments and conversations, the mobilising committee chosen from them,
their applications and their admission.

Who may touch the workers of an enterprise follows from the case worked
there: ``Action.PEOPLE`` on the campaign (its working group's officers, the
supervisors of its unit and above; managers see counts only). Each service
takes the campaign's row lock, checks the permission and that the worker
belongs to the campaign's enterprise (otherwise it looks missing), calls
the people building block, and re-derives the campaign's counters
(``derived.derive``) in the same transaction, so the guards always read the
people data. A worker of another enterprise raises ``Worker.DoesNotExist``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workflows.core import clock
from workflows.core.errors import Conflict, DomainError
from workflows.people import services as people
from workflows.people.models import Assessment, Conversation, Worker
from workflows.people.services import WorkerData

from . import permissions
from .derived import derive
from .flows import Stage
from .models import Application, Campaign, CommitteeMember, EventKind, Register
from .permissions import Action
from .services import _check_fresh, _committee_seats_replace, _event, _lock, _past_or_today, _task_add

#: The largest scanned application form kept (the dossier's files are as large).
FORM_MAX_BYTES = 10 * 1024 * 1024
FORM_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _people_case(campaign_id: int, actor, *, expected_version: int | None = None) -> Campaign:
    campaign = _lock(campaign_id)
    permissions.require(actor, Action.PEOPLE, campaign)
    _check_fresh(campaign, None, expected_version)
    return campaign


def _save_derived(campaign: Campaign) -> dict:
    changes = derive(campaign)
    if changes:
        campaign.version += 1
        campaign.save()
    return changes


def _require_open(campaign: Campaign) -> None:
    if not campaign.is_open:
        raise DomainError(_("The campaign is closed."))


# --- workers ----------------------------------------------------------------------
@transaction.atomic
def worker_add(*, campaign_id: int, actor, data: WorkerData) -> Worker:
    """Enter a worker of the campaign's enterprise."""
    campaign = _people_case(campaign_id, actor)
    return people.worker_create(enterprise_id=campaign.enterprise_id, actor=actor, data=data)


@transaction.atomic
def worker_edit(*, campaign_id: int, worker_id: int, actor, changes: Mapping, citizen_id: str | None = None,
                expected_version: int | None = None) -> Worker:
    campaign = _people_case(campaign_id, actor)
    worker = people.worker_update(worker_id=worker_id, actor=actor, changes=changes, citizen_id=citizen_id,
                                  expected_version=expected_version, enterprise_id=campaign.enterprise_id)
    _save_derived(campaign)  # leaving the enterprise takes a worker out of the core group
    return worker


@transaction.atomic
def worker_consent_record(*, campaign_id: int, worker_id: int, actor, on: dt.date, method: str) -> Worker:
    campaign = _people_case(campaign_id, actor)
    return people.worker_consent_record(worker_id=worker_id, actor=actor, on=on, method=method,
                                        enterprise_id=campaign.enterprise_id)


@transaction.atomic
def worker_consent_withdraw(*, campaign_id: int, worker_id: int, actor, on: dt.date) -> Worker:
    """The worker withdraws consent: anonymised at once; the figures stay
    (the seat, the application and the level are kept, without the name)."""
    campaign = _people_case(campaign_id, actor)
    worker = people.worker_consent_withdraw(worker_id=worker_id, actor=actor, on=on,
                                            enterprise_id=campaign.enterprise_id)
    _save_derived(campaign)
    return worker


@transaction.atomic
def assessment_add(*, campaign_id: int, worker_id: int, actor, level: int, assessed_on: dt.date | None = None,
                   note: str = "") -> Assessment:
    campaign = _people_case(campaign_id, actor)
    assessment = people.assessment_record(worker_id=worker_id, actor=actor, level=level,
                                          assessed_on=assessed_on or clock.today(), note=note,
                                          enterprise_id=campaign.enterprise_id)
    _save_derived(campaign)
    return assessment


@transaction.atomic
def leader_set(*, campaign_id: int, worker_id: int, actor, is_leader: bool, follower_ids: Iterable[int] = ()
               ) -> Worker:
    campaign = _people_case(campaign_id, actor)
    return people.leader_set(worker_id=worker_id, actor=actor, is_leader=is_leader, follower_ids=follower_ids,
                             enterprise_id=campaign.enterprise_id)


@transaction.atomic
def conversation_add(*, campaign_id: int, actor, held_on: dt.date, worker_ids: Sequence[int], outcome: str,
                     kind: str = "", issue_ids: Iterable[int] = (), note: str = "", next_step: str = "",
                     next_step_on: dt.date | None = None, create_task: bool = False) -> Conversation:
    """Record a conversation; with ``create_task``, its next step becomes a
    task of the case due on the next step's day, given to the officer."""
    campaign = _people_case(campaign_id, actor)
    if create_task and (not next_step or next_step_on is None):
        raise ValidationError({"next_step_on": _("A task needs the next step and its date.")})
    conversation = people.conversation_record(
        enterprise_id=campaign.enterprise_id, actor=actor, held_on=held_on, worker_ids=worker_ids,
        outcome=outcome, kind=kind, issue_ids=issue_ids, note=note, next_step=next_step, next_step_on=next_step_on)
    _event(campaign, actor, EventKind.CONVERSATION, data={
        "conversation": conversation.pk, "workers": len(set(worker_ids)), "outcome": outcome})
    if create_task:
        _task_add(campaign, actor, title=conversation.next_step, due_on=next_step_on, assignee_id=actor.pk,
                  conversation_id=conversation.pk)
    return conversation


# --- the committee, applications, admission ----------------------------------------------
@transaction.atomic
def committee_choose(*, campaign_id: int, actor, worker_ids: Sequence[int], head_id: int | None = None,
                     formed_on: dt.date | None = None, expected_version: int | None = None,
                     note: str = "") -> Campaign:
    """The mobilising committee, chosen from the enterprise's workers (not
    anonymised, not gone); ``head_id`` among them."""
    campaign = _people_case(campaign_id, actor, expected_version=expected_version)
    permissions.require(actor, Action.WORK, campaign)
    if campaign.stage not in (Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE,
                              Stage.FOUNDING_CONGRESS):
        raise DomainError(_("The campaign is not being worked: its committee cannot change."))
    chosen = set(worker_ids)
    found = set(Worker.objects.filter(pk__in=chosen, enterprise_id=campaign.enterprise_id,
                                      anonymised_at__isnull=True).exclude(employment_status="left")
                .values_list("pk", flat=True))
    if found != chosen:
        raise ValidationError({"workers": _("Choose workers of this enterprise who still work there.")})
    if head_id is not None and head_id not in chosen:
        raise ValidationError({"head": _("The head is one of the committee's members.")})
    _past_or_today(formed_on, _("The committee cannot be formed in the future."))
    seats = [CommitteeMember(campaign=campaign, worker_id=pk, is_head=pk == head_id) for pk in sorted(chosen)]
    return _committee_seats_replace(campaign, actor, seats, formed_on=formed_on, note=note)


def _form_checked(form) -> tuple[str, str, bytes] | None:
    if form is None:
        return None
    content_type = getattr(form, "content_type", "") or ""
    if content_type not in FORM_TYPES:
        raise ValidationError({"form": _("The scanned form is a PDF, JPEG or PNG file.")})
    if form.size > FORM_MAX_BYTES:
        raise ValidationError({"form": _("The scanned form is at most 10 MB.")})
    return (form.name or "form")[:255], content_type, form.read()


@transaction.atomic
def application_add(*, campaign_id: int, worker_id: int, actor, applied_on: dt.date, form=None) -> Application:
    """A worker's application to join, received on ``applied_on`` (with the
    scanned form, optionally). Only a campaign whose workers are entered by
    name keeps applications; one that was withdrawn can be made again."""
    campaign = _people_case(campaign_id, actor)
    _require_open(campaign)
    if campaign.register != Register.NAMES:
        raise DomainError(_("This campaign counts its applications as a figure: switch it to workers by name "
                            "to record them one by one."))
    worker = Worker.objects.filter(pk=worker_id, enterprise_id=campaign.enterprise_id).first()
    if worker is None:
        raise Worker.DoesNotExist
    if worker.is_anonymised:
        raise DomainError(_("This worker was anonymised: their record can no longer be changed."))
    if applied_on is None or applied_on > clock.today():
        raise ValidationError({"applied_on": _("An application cannot be dated in the future.")})
    scanned = _form_checked(form)
    application = Application.objects.filter(campaign=campaign, worker=worker).first()
    if application is not None and application.withdrawn_on is None:
        raise ValidationError({"worker": _("%(name)s has already applied.") % {"name": worker.display_name}})
    if application is None:
        application = Application(campaign=campaign, worker=worker)
    application.applied_on, application.withdrawn_on, application.admitted_on = applied_on, None, None
    application.recorded_by, application.recorded_at = actor, clock.now()
    if scanned:
        application.form_name, application.form_type, application.form_content = scanned
    application.save()
    before = campaign.applications
    _save_derived(campaign)
    _event(campaign, actor, EventKind.APPLICATIONS, data={"applications": [before, campaign.applications]})
    return application


@transaction.atomic
def application_withdraw(*, campaign_id: int, worker_id: int, actor, on: dt.date | None = None) -> Application:
    """The worker takes back their application (before the congress admits it)."""
    campaign = _people_case(campaign_id, actor)
    _require_open(campaign)
    application = Application.objects.select_for_update().filter(
        campaign=campaign, worker_id=worker_id, withdrawn_on__isnull=True).first()
    if application is None:
        raise Application.DoesNotExist
    if application.admitted_on is not None:
        raise Conflict(_("The founding congress admitted this member already."))
    on = on or clock.today()
    if on > clock.today() or on < application.applied_on:
        raise ValidationError({"on": _("A withdrawal falls between the application and today.")})
    application.withdrawn_on = on
    application.save(update_fields=["withdrawn_on"])
    before = campaign.applications
    _save_derived(campaign)
    _event(campaign, actor, EventKind.APPLICATIONS, data={"applications": [before, campaign.applications]})
    return application


@transaction.atomic
def register_set(*, campaign_id: int, actor, register: str, expected_version: int | None = None) -> Campaign:
    """Switch how the case records its workers. To workers by name: the core
    group, applications and admitted members are derived from the register
    from now on; to figures only: they stay as they are and are typed in."""
    campaign = _people_case(campaign_id, actor, expected_version=expected_version)
    permissions.require(actor, Action.WORK, campaign)
    _require_open(campaign)
    if register not in Register.values:
        raise ValidationError({"register": _("Choose how the workers are recorded.")})
    if register == campaign.register:
        raise DomainError(_("Nothing changed."))
    before = campaign.register
    campaign.register = register
    changes = derive(campaign)
    campaign.version += 1
    campaign.save()
    _event(campaign, actor, EventKind.REGISTER, data={"register": [before, register], **changes})
    return campaign
