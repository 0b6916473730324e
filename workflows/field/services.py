"""Applying the records officers' devices kept offline (``records.KINDS``).

Each record is applied in its own transaction, in this order:

1. its receipt is written under the device's idempotency key (unique per
   user): a second request with the same key waits here for the first to
   commit, then reads its outcome — a record is never applied twice;
2. the campaign's row is locked (the task's campaign for a task), and the
   actor's permission checked through the campaign policy: a campaign or
   task the actor may not work on is refused as not found;
3. the case must still be where the officer saw it: when its stage moved
   since the record's base, the record is *not* applied and no receipt is
   kept (the transaction rolls back) — the answer says where the case is
   now, the device keeps the record and the officer decides (send it again
   based on the new version, or discard it);
4. the record's fields are checked by the page's own form, and the page's
   own service writes them; a refusal (a rule, a closed task) is kept on
   the receipt as the final outcome.

A version that moved while the stage stayed (another note, a count
recorded meanwhile) does not conflict: the services check what they need
under the same lock.

A survey visit hangs on its enterprise: step 2 locks the enterprise's row
if the actor may record a visit there (the check of the visit page,
``people.permissions.enterprises_to_visit``), and step 3 answers a conflict
when another visit of the enterprise was recorded (by anyone) after the
latest one the officer saw (the record's ``base_visit``; none: any visit).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from workflows.campaigns import permissions
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, Task
from workflows.campaigns.permissions import Action
from workflows.core import clock
from workflows.core.errors import DomainError
from workflows.enterprises.models import Enterprise
from workflows.people import permissions as survey_permissions
from workflows.people.models import SurveyVisit

from .models import FieldReceipt, Outcome
from .records import KINDS, FieldRecord, cleaned_of

CONFLICT = "conflict"


@dataclass(frozen=True)
class CaseNow:
    """Where a case is now, for a conflict's answer."""

    id: int
    version: int
    stage: str
    stage_label: str


@dataclass(frozen=True)
class EnterpriseNow:
    """The enterprise's latest visit now, for a visit's conflict (the base of "apply anyway")."""

    id: int
    visit: int | None


@dataclass(frozen=True)
class FieldAnswer:
    key: str
    outcome: str  # Outcome.APPLIED, Outcome.REFUSED or CONFLICT
    message: str = ""
    case: CaseNow | None = None
    enterprise: EnterpriseNow | None = None
    replayed: bool = False  # the stored outcome of an earlier request with the same key


class _Conflicted(Exception):
    def __init__(self, answer: FieldAnswer) -> None:
        self.answer = answer


def _messages(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, DomainError):
        return error.message
    return str(error)


def _not_found() -> str:
    return _("This campaign or task is not yours to work on, or no longer exists.")


def _stored(receipt: FieldReceipt) -> FieldAnswer:
    return FieldAnswer(key=str(receipt.key), outcome=receipt.outcome, message=receipt.message, replayed=True)


def _locked_case(actor, record: FieldRecord) -> Campaign | None:
    """The record's campaign, its row locked, if the actor may do the
    record's work on it (None otherwise: it looks missing)."""
    campaign_id = record.campaign_id
    task = None
    if record.task_id is not None:
        task = Task.objects.filter(pk=record.task_id).only("pk", "campaign_id").first()
        if task is None:
            return None
        campaign_id = task.campaign_id
    campaign = (Campaign.objects.select_for_update(of=("self",)).select_related("responsible_unit")
                .filter(pk=campaign_id).first())
    if campaign is None:
        return None
    if task is not None:
        task = Task.objects.select_related("campaign__responsible_unit").get(pk=task.pk)
        return campaign if permissions.can_complete_task(actor, task) else None
    action = Action.PEOPLE if record.kind in ("conversation", "quick_conversation", "assessment") else Action.WORK
    return campaign if permissions.can(actor, action, campaign) else None


def _locked_enterprise(actor, record: FieldRecord) -> Enterprise | None:
    """The visit's enterprise, its row locked, if the actor may record a visit
    there — the visit page's own check (None otherwise: it looks missing)."""
    return (survey_permissions.enterprises_to_visit(actor).select_for_update(of=("self",))
            .select_related("responsible_unit").filter(pk=record.enterprise_id).first())


def _validated(actor, record: FieldRecord, today: dt.date, *, enterprise=None) -> FieldAnswer:
    """The record's fields checked by the page's form and written by the page's service."""
    key = str(record.key)
    kind = KINDS[record.kind]
    form = kind.form_for(actor=actor, data=record.data, enterprise=enterprise)
    if not form.is_valid():
        return FieldAnswer(key=key, outcome=Outcome.REFUSED, message=" ".join(
            f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
            for name, errors in form.errors.items()))
    try:
        with transaction.atomic():
            kind.apply(actor=actor, record=record, data=cleaned_of(form), today=today)
    except (DomainError, ValidationError) as error:
        return FieldAnswer(key=key, outcome=Outcome.REFUSED, message=_messages(error))
    except (PermissionDenied, ObjectDoesNotExist):
        return FieldAnswer(key=key, outcome=Outcome.REFUSED, message=_not_found())
    return FieldAnswer(key=key, outcome=Outcome.APPLIED)


def _decide_visit(actor, record: FieldRecord, today: dt.date) -> FieldAnswer:
    key = str(record.key)
    enterprise = _locked_enterprise(actor, record)
    if enterprise is None:
        return FieldAnswer(key=key, outcome=Outcome.REFUSED,
                           message=_("This enterprise is not yours to visit, or no longer exists."))
    later = SurveyVisit.objects.filter(enterprise_id=enterprise.pk)
    if record.base_visit is not None:
        later = later.filter(pk__gt=record.base_visit)
    latest = later.order_by("-pk").values_list("pk", "visited_on").first()
    if latest is not None:
        raise _Conflicted(FieldAnswer(
            key=key, outcome=CONFLICT,
            message=_("Another visit to %(enterprise)s (on %(day)s) was recorded since this form was "
                      "opened.") % {"enterprise": enterprise.name, "day": latest[1].strftime("%d/%m/%Y")},
            enterprise=EnterpriseNow(id=enterprise.pk, visit=latest[0])))
    return _validated(actor, record, today, enterprise=enterprise)


def _decide(actor, record: FieldRecord, today: dt.date) -> FieldAnswer:
    if KINDS[record.kind].on_enterprise:
        return _decide_visit(actor, record, today)
    key = str(record.key)
    campaign = _locked_case(actor, record)
    if campaign is None:
        return FieldAnswer(key=key, outcome=Outcome.REFUSED, message=_not_found())
    if campaign.stage != record.base_stage:
        raise _Conflicted(FieldAnswer(
            key=key, outcome=CONFLICT,
            message=_("The case moved to “%(now)s” since this was recorded (it was at “%(then)s”).") % {
                "now": Stage(campaign.stage).label,
                "then": Stage(record.base_stage).label if record.base_stage in Stage.values else record.base_stage},
            case=CaseNow(id=campaign.pk, version=campaign.version, stage=campaign.stage,
                         stage_label=str(Stage(campaign.stage).label))))
    return _validated(actor, record, today)


def _apply_one(actor, record: FieldRecord, today: dt.date) -> FieldAnswer:
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    receipt = FieldReceipt.objects.create(
                        user=actor, key=record.key, kind=record.kind, campaign_id=record.campaign_id,
                        outcome=Outcome.APPLIED, recorded_at=record.recorded_at, received_at=clock.now())
            except IntegrityError:
                # Another request with the same key committed first (it waited for it here).
                return _stored(FieldReceipt.objects.get(user=actor, key=record.key))
            answer = _decide(actor, record, today)
            receipt.outcome, receipt.message = answer.outcome, answer.message
            if answer.outcome != Outcome.APPLIED:
                receipt.save(update_fields=["outcome", "message"])
            return answer
    except _Conflicted as conflict:  # nothing kept: the officer decides
        return conflict.answer


def field_records_apply(*, actor, records: Sequence[FieldRecord]) -> list[FieldAnswer]:
    """Apply the records a device sent, each in its own transaction (see the
    module's docstring); the answers come in the records' order. The keys
    already received are read in one query and answered from their receipts."""
    keys = [record.key for record in records]
    stored = {receipt.key: receipt for receipt in FieldReceipt.objects.filter(user=actor, key__in=keys)}
    today = clock.today()
    answers = []
    for record in records:
        found = stored.get(record.key)
        answers.append(_stored(found) if found is not None else _apply_one(actor, record, today))
    return answers

