"""Every write to workers, their assessments and conversations.

These are building blocks: they check the data, never the actor's right to
touch it. Who may see and change the workers of an enterprise follows from
the case worked there, so the callers are the campaign services
(``workflows.campaigns.register``), which check ``Action.PEOPLE`` on the
campaign first and keep its derived counters in the same transaction.
Survey rounds and visits (``surveys``) check their own permissions: they
belong to a unit, not to a case.

Every change writes the worker's history (``WorkerChange``), which names
the fields changed, never their values.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from workflows.core import clock
from workflows.core.errors import Conflict, DomainError

from . import identity
from .models import (
    PERSONAL_FIELDS,
    Assessment,
    ConsentMethod,
    Conversation,
    ConversationKind,
    ConversationOutcome,
    EmploymentStatus,
    Gender,
    Issue,
    SupportLevel,
    Worker,
    WorkerChange,
    WorkerSource,
)

#: The fields of a worker an officer types (the citizen ID apart).
WORKER_FIELDS = ("full_name", "gender", "birth_year", "department", "line", "shift", "job", "phone", "zalo",
                 "hometown", "employment_status")


@dataclass(frozen=True)
class WorkerData:
    """A worker as typed or imported; ``citizen_id`` in clear only on its way
    to the hash."""

    full_name: str
    gender: str = ""
    birth_year: int | None = None
    department: str = ""
    line: str = ""
    shift: str = ""
    job: str = ""
    phone: str = ""
    zalo: str = ""
    hometown: str = ""
    employment_status: str = EmploymentStatus.EMPLOYED
    citizen_id: str = field(default="", repr=False)
    consent_on: dt.date | None = None
    consent_method: str = ""

    def values(self) -> dict:
        return {name: getattr(self, name) for name in WORKER_FIELDS}


def _clean(values: Mapping) -> dict:
    """Trimmed values, checked; ValidationError names the field."""
    cleaned = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = " ".join(value.split())
            limit = Worker._meta.get_field(name).max_length
            if limit and len(value) > limit:
                errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
        cleaned[name] = value
    if "full_name" in cleaned and not cleaned["full_name"]:
        errors["full_name"] = _("Give the worker's full name.")
    if cleaned.get("gender") and cleaned["gender"] not in Gender.values:
        errors["gender"] = _("Choose a gender from the list.")
    if cleaned.get("employment_status") and cleaned["employment_status"] not in EmploymentStatus.values:
        errors["employment_status"] = _("Choose an employment status from the list.")
    year = cleaned.get("birth_year")
    if year is not None and not (1930 <= year <= clock.today().year - 14):
        errors["birth_year"] = _("A year of birth between 1930 and %(last)d.") % {"last": clock.today().year - 14}
    if errors:
        raise ValidationError(errors)
    return cleaned


def _consent_checked(on: dt.date | None, method: str) -> None:
    if on is None and not method:
        return
    if on is None or method not in ConsentMethod.values:
        raise ValidationError({"consent_on": _("Consent needs its date and how it was given.")})
    if on > clock.today():
        raise ValidationError({"consent_on": _("Consent cannot be dated in the future.")})


def _history(worker: Worker, actor, kind: str, fields: Sequence[str] = ()) -> None:
    WorkerChange.objects.create(worker=worker, actor=actor, kind=kind, fields=list(fields))


def _lock(worker_id: int, enterprise_id: int | None = None) -> Worker:
    worker = Worker.objects.select_for_update().filter(pk=worker_id).first()
    if worker is None or (enterprise_id is not None and worker.enterprise_id != enterprise_id):
        raise Worker.DoesNotExist
    return worker


def _require_identifiable(worker: Worker) -> None:
    if worker.is_anonymised:
        raise DomainError(_("This worker was anonymised: their record can no longer be changed."))


def id_of(raw: str) -> identity.CitizenId | None:
    """The citizen ID's hash and last digits, or None when none is given;
    a wrong one raises ValidationError on ``citizen_id``."""
    try:
        return identity.citizen_id_or_none(raw)
    except ValidationError as error:
        raise ValidationError({"citizen_id": error.messages}) from error


@transaction.atomic
def worker_create(*, enterprise_id: int, actor, data: WorkerData,
                  source: str = WorkerSource.ENTERED) -> Worker:
    """Enter a worker of the enterprise. The same citizen ID twice in one
    enterprise is refused (the same person moving to another enterprise is
    a new worker there, recognised by the hash: ``workers_same_person``)."""
    values = _clean(data.values())
    cid = id_of(data.citizen_id)
    _consent_checked(data.consent_on, data.consent_method)
    if cid and Worker.objects.filter(enterprise_id=enterprise_id, id_hash=cid.hash).exists():
        raise ValidationError({"citizen_id": _("A worker with this citizen ID is already entered here.")})
    worker = Worker.objects.create(
        enterprise_id=enterprise_id, created_by=actor, source=source, **values,
        id_hash=cid.hash if cid else "", id_last4=cid.last4 if cid else "",
        consent_on=data.consent_on, consent_method=data.consent_method if data.consent_on else "")
    _history(worker, actor, WorkerChange.Kind.IMPORTED if source == WorkerSource.IMPORTED
             else WorkerChange.Kind.CREATED)
    return worker


@transaction.atomic
def worker_update(*, worker_id: int, actor, changes: Mapping, citizen_id: str | None = None,
                  expected_version: int | None = None, enterprise_id: int | None = None) -> Worker:
    """Change a worker's details (``changes``: some of ``WORKER_FIELDS``);
    ``citizen_id``: None keeps it, "" removes it. A stale version is refused."""
    worker = _lock(worker_id, enterprise_id)
    if expected_version is not None and worker.version != expected_version:
        raise Conflict(_("Someone else changed this worker in the meantime. Reload the page and try again."))
    _require_identifiable(worker)
    unknown = set(changes) - set(WORKER_FIELDS)
    if unknown:
        raise ValueError(f"not worker fields: {sorted(unknown)}")
    values = _clean(changes)
    changed = [name for name, value in values.items() if getattr(worker, name) != value]
    for name in changed:
        setattr(worker, name, values[name])
    if citizen_id is not None:
        cid = id_of(citizen_id)
        new_hash, new_last4 = (cid.hash, cid.last4) if cid else ("", "")
        if new_hash != worker.id_hash:
            if cid and Worker.objects.filter(enterprise_id=worker.enterprise_id, id_hash=cid.hash) \
                    .exclude(pk=worker.pk).exists():
                raise ValidationError({"citizen_id": _("A worker with this citizen ID is already entered here.")})
            worker.id_hash, worker.id_last4 = new_hash, new_last4
            changed.append("citizen_id")
    if not changed:
        raise DomainError(_("Nothing changed."))
    worker.version += 1
    worker.save()
    _history(worker, actor, WorkerChange.Kind.CHANGED, changed)
    return worker


@transaction.atomic
def worker_consent_record(*, worker_id: int, actor, on: dt.date, method: str,
                          enterprise_id: int | None = None) -> Worker:
    """Record the worker's consent to the processing of their data for the
    purpose the page states (organising the union at their workplace)."""
    worker = _lock(worker_id, enterprise_id)
    _require_identifiable(worker)
    _consent_checked(on, method)
    if on is None:
        raise ValidationError({"consent_on": _("Consent needs its date and how it was given.")})
    worker.consent_on, worker.consent_method, worker.consent_withdrawn_on = on, method, None
    worker.version += 1
    worker.save()
    _history(worker, actor, WorkerChange.Kind.CONSENT)
    return worker


def _anonymise(worker: Worker, actor, kind: str) -> None:
    for name in PERSONAL_FIELDS:
        setattr(worker, name, None if name == "birth_year" else "")
    worker.anonymised_at = clock.now()
    worker.is_leader = False
    worker.version += 1
    worker.save()
    Worker.objects.filter(led_by=worker).update(led_by=None, version=F("version") + 1)
    Assessment.objects.filter(worker=worker).exclude(note="").update(note="")
    _history(worker, actor, kind)


@transaction.atomic
def worker_consent_withdraw(*, worker_id: int, actor, on: dt.date, enterprise_id: int | None = None) -> Worker:
    """The worker withdraws consent: their personal fields are erased at
    once (name, year of birth, line, shift, phone, Zalo, hometown, the
    citizen ID's hash); department, gender, employment status, support
    levels, committee seats and applications stay, so every figure stays."""
    worker = _lock(worker_id, enterprise_id)
    _require_identifiable(worker)
    if on > clock.today():
        raise ValidationError({"on": _("Consent cannot be withdrawn in the future.")})
    worker.consent_withdrawn_on = on
    _anonymise(worker, actor, WorkerChange.Kind.WITHDRAWN)
    return worker


def workers_erase(*, worker_ids: Iterable[int], actor=None) -> list[int]:
    """Erase the personal fields of these workers (the scheduled erasure of
    workers who did not join); those already anonymised are skipped. Returns
    the ids erased. The caller holds the transaction."""
    erased = []
    for worker in Worker.objects.select_for_update().filter(pk__in=list(worker_ids), anonymised_at__isnull=True) \
            .order_by("pk"):
        _anonymise(worker, actor, WorkerChange.Kind.ERASED)
        erased.append(worker.pk)
    return erased


@transaction.atomic
def assessment_record(*, worker_id: int, actor, level: int, assessed_on: dt.date, note: str = "",
                      enterprise_id: int | None = None) -> Assessment:
    """Assess a worker's support (1 best … 5 opposed) on a day. The latest
    assessment by day (then by entry) is the worker's current level."""
    worker = _lock(worker_id, enterprise_id)
    _require_identifiable(worker)
    if level not in SupportLevel.values:
        raise ValidationError({"level": _("Choose a support level from 1 to 5.")})
    if assessed_on is None or assessed_on > clock.today():
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
    assessment = Assessment.objects.create(worker=worker, level=level, assessed_on=assessed_on,
                                           assessed_by=actor, note=(note or "").strip())
    if worker.support_assessed_on is None or assessed_on >= worker.support_assessed_on:
        worker.support_level, worker.support_assessed_on = level, assessed_on
        worker.version += 1
        worker.save(update_fields=["support_level", "support_assessed_on", "version"])
    _history(worker, actor, WorkerChange.Kind.ASSESSED)
    return assessment


@transaction.atomic
def leader_set(*, worker_id: int, actor, is_leader: bool, follower_ids: Iterable[int] = (),
               enterprise_id: int | None = None) -> Worker:
    """Mark (or unmark) a worker as a natural leader of their department and
    link the workers they influence (of the same enterprise); unmarking
    unlinks their followers."""
    worker = _lock(worker_id, enterprise_id)
    _require_identifiable(worker)
    followers = set(follower_ids) - {worker.pk}
    if followers and not is_leader:
        raise ValidationError({"followers": _("Only a leader has workers they influence.")})
    found = set(Worker.objects.filter(pk__in=followers, enterprise_id=worker.enterprise_id)
                .values_list("pk", flat=True))
    if found != followers:
        raise ValidationError({"followers": _("Choose workers of the same enterprise.")})
    worker.is_leader = is_leader
    worker.version += 1
    worker.save(update_fields=["is_leader", "version"])
    Worker.objects.filter(led_by=worker).exclude(pk__in=followers).update(led_by=None, version=F("version") + 1)
    Worker.objects.filter(pk__in=followers).exclude(led_by=worker).update(led_by=worker, version=F("version") + 1)
    _history(worker, actor, WorkerChange.Kind.LEADER)
    return worker


@transaction.atomic
def conversation_record(*, enterprise_id: int, actor, held_on: dt.date, worker_ids: Sequence[int],
                        outcome: str, kind: str = "", issue_ids: Iterable[int] = (), note: str = "",
                        next_step: str = "", next_step_on: dt.date | None = None) -> Conversation:
    """Record a conversation with workers of the enterprise (one: one-to-one,
    several: a group, unless ``kind`` says otherwise)."""
    errors = {}
    workers = list(Worker.objects.filter(pk__in=set(worker_ids), enterprise_id=enterprise_id,
                                         anonymised_at__isnull=True).values_list("pk", flat=True))
    if not worker_ids:
        errors["workers"] = _("Choose the worker or workers spoken with.")
    elif len(workers) != len(set(worker_ids)):
        errors["workers"] = _("Choose workers of this enterprise.")
    if held_on is None or held_on > clock.today():
        errors["held_on"] = _("A conversation cannot be recorded before it takes place.")
    if outcome not in ConversationOutcome.values:
        errors["outcome"] = _("Choose the outcome.")
    next_step = " ".join((next_step or "").split())
    if next_step_on is not None and not next_step:
        errors["next_step"] = _("Say what the next step is.")
    if next_step_on is not None and held_on is not None and next_step_on < held_on:
        errors["next_step_on"] = _("The next step cannot come before the conversation.")
    issues = list(Issue.objects.filter(pk__in=set(issue_ids), is_active=True).values_list("pk", flat=True))
    if len(issues) != len(set(issue_ids)):
        errors["issues"] = _("Choose issues from the list.")
    if errors:
        raise ValidationError(errors)
    kind = kind or (ConversationKind.ONE_TO_ONE if len(workers) == 1 else ConversationKind.GROUP)
    conversation = Conversation.objects.create(
        enterprise_id=enterprise_id, held_on=held_on, officer=actor, kind=kind, outcome=outcome,
        note=(note or "").strip(), next_step=next_step[:200], next_step_on=next_step_on)
    conversation.workers.set(workers)
    conversation.issues.set(issues)
    return conversation
