"""The records an officer's device may keep offline and send later, declared
once: which form of the pages checks a record's fields, and which service
of the pages applies it.

A record is what the page's form would have posted (its fields, as the
form names them), with what the device knew when it was recorded: the
campaign (or the task) it belongs to, the campaign's version and stage the
officer read, the moment it was recorded and an idempotency key made on
the device. A survey visit hangs on its enterprise instead (a visit
belongs to an enterprise, not necessarily to a campaign): it carries the
enterprise and the id of the enterprise's latest visit the officer saw.
The same form validates it and the same service writes it, so a record
applied later is exactly what the page would have written then.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django import forms as django_forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from workflows.campaigns import (
    forms as campaign_forms,
    people_forms,
    permissions as campaign_permissions,
    register,
    services,
)
from workflows.people import forms as survey_forms, survey_pages, surveys
from workflows.people.models import ConversationKind

#: The most records one request may carry (a device sends its outbox in batches).
BATCH_LIMIT = 50


@dataclass(frozen=True)
class FieldRecord:
    """One record from a device, its shape checked (not its content)."""

    key: uuid.UUID
    kind: str
    campaign_id: int | None
    task_id: int | None
    worker_id: int | None
    base_version: int | None
    base_stage: str
    recorded_at: dt.datetime
    data: QueryDict = field(compare=False)
    enterprise_id: int | None = None
    base_visit: int | None = None  # the enterprise's latest visit the officer saw (a visit's record)

    @property
    def recorded_on(self) -> dt.date:
        return timezone.localdate(self.recorded_at)


@dataclass(frozen=True)
class Kind:
    """A kind of record: its form (built from the record's fields) and the
    service call that applies the cleaned form for ``actor``; ``on`` names
    the object it hangs on: a campaign, a task (of a campaign) or an
    enterprise (a survey visit)."""

    name: str
    label: str
    form: Callable[..., django_forms.Form]
    apply: Callable[..., object]
    on: str = "campaign"
    needs_worker: bool = False

    @property
    def on_task(self) -> bool:
        return self.on == "task"

    @property
    def on_enterprise(self) -> bool:
        return self.on == "enterprise"

    def form_for(self, *, actor, data: QueryDict, enterprise=None) -> django_forms.Form:
        """The page's form for the record's fields (a visit's offers what the page offers ``actor``)."""
        return self.form(data, actor=actor, enterprise=enterprise) if self.on_enterprise else self.form(data)


def _day(value: dt.date | None, record: FieldRecord, today: dt.date) -> dt.date:
    """A day the form left empty: the day the officer recorded it (never after today)."""
    return value or min(record.recorded_on, today)


def _task_complete(*, actor, record: FieldRecord, data: Mapping, today: dt.date):
    return services.task_complete(task_id=record.task_id, actor=actor, note=data["note"],
                                  done_on=_day(data["done_on"], record, today))


def _note(*, actor, record: FieldRecord, data: Mapping, today: dt.date):
    return services.campaign_note_add(campaign_id=record.campaign_id, actor=actor, text=data["text"])


def _meeting(*, actor, record: FieldRecord, data: Mapping, today: dt.date):
    return services.campaign_meeting_record(campaign_id=record.campaign_id, actor=actor, held_on=data["held_on"],
                                            outcome=data["outcome"], attendees=data["attendees"], note=data["note"])


def _conversation(*, actor, record: FieldRecord, data: Mapping, today: dt.date):
    return register.conversation_add(campaign_id=record.campaign_id, actor=actor, **data)


def _quick_conversation(*, actor, record: FieldRecord, data: Mapping, today: dt.date):
    return register.conversation_add(campaign_id=record.campaign_id, actor=actor, held_on=_day(None, record, today),
                                     worker_ids=[record.worker_id], kind=ConversationKind.ONE_TO_ONE,
                                     outcome=data["outcome"], note=data["note"])


def _assessment(*, actor, record: FieldRecord, data: Mapping, today: dt.date):
    return register.assessment_add(campaign_id=record.campaign_id, worker_id=record.worker_id, actor=actor,
                                   level=data["level"], assessed_on=_day(data["assessed_on"], record, today),
                                   note=data["note"])


def _visit_form(data: QueryDict, *, actor, enterprise) -> django_forms.Form:
    """The visit page's form, as ``visit_add`` builds it for ``actor`` and the enterprise."""
    offered = survey_pages.visit_form(actor, enterprise,
                                      may_open_campaign=campaign_permissions.can_open_for(actor, enterprise))
    return survey_forms.VisitForm(data, initial=offered.initial, rounds=offered.rounds, teams=offered.teams,
                                  issues=offered.issues, may_open_campaign=offered.may_open_campaign)


def _visit(*, actor, record: FieldRecord, data: Mapping, today: dt.date):
    """What ``visit_add`` writes: the visit, and the campaign it opens when asked (both or neither)."""
    form = data["form"]
    visit = surveys.survey_visit_record(enterprise_id=record.enterprise_id, actor=actor, data=form.visit_data())
    if "open_campaign" in form.fields and form.opens_campaign:
        services.campaign_open_from_visit(visit_id=visit.pk, actor=actor)
    return visit


class _ConversationRecord(people_forms.ConversationForm):
    """The conversation form, its cleaned data as the service takes it."""

    @property
    def cleaned(self) -> dict:
        return self.arguments()


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("task_complete", _("Task completed"), campaign_forms.CompleteForm, _task_complete, on="task"),
    Kind("note", _("Note"), campaign_forms.NoteForm, _note),
    Kind("meeting", _("Meeting with the employer"), campaign_forms.MeetingForm, _meeting),
    Kind("conversation", _("Conversation"), _ConversationRecord, _conversation),
    Kind("quick_conversation", _("Conversation"), people_forms.QuickConversationForm, _quick_conversation,
         needs_worker=True),
    Kind("assessment", _("Assessment"), people_forms.AssessForm, _assessment, needs_worker=True),
    Kind("visit", _("Survey visit"), _visit_form, _visit, on="enterprise"),
)}


def cleaned_of(form: django_forms.Form) -> Mapping:
    if isinstance(form, survey_forms.VisitForm):
        return {"form": form}
    return form.cleaned if isinstance(form, _ConversationRecord) else form.cleaned_data


class Malformed(ValueError):
    """A record whose shape is wrong (not its content): the device has a bug or an old script."""


def _int(raw: Mapping, name: str, *, required: bool = True) -> int | None:
    value = raw.get(name)
    if value in (None, ""):
        if required:
            raise Malformed(name)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Malformed(name)
    try:
        number = int(value)
    except ValueError as error:
        raise Malformed(name) from error
    if number < 0 or number > 2**62:
        raise Malformed(name)
    return number


def _query_dict(data) -> QueryDict:
    if not isinstance(data, Mapping):
        raise Malformed("data")
    query = QueryDict(mutable=True)
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(name, str) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                for v in values):
            raise Malformed("data")
        query.setlist(name, [str(v) for v in values])
    return query


def key_of(raw) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw.get("key")))
    except (AttributeError, ValueError) as error:
        raise Malformed("key") from error


def parse(raw) -> FieldRecord:
    """A record from the JSON a device sent; ``Malformed`` names the first wrong part."""
    if not isinstance(raw, Mapping):
        raise Malformed("record")
    key = key_of(raw)
    kind = KINDS.get(raw.get("kind"))
    if kind is None:
        raise Malformed("kind")
    recorded_at = parse_datetime(str(raw.get("recorded_at") or ""))
    if recorded_at is None:
        raise Malformed("recorded_at")
    if timezone.is_naive(recorded_at):
        recorded_at = timezone.make_aware(recorded_at)
    data = _query_dict(raw.get("data") or {})
    if kind.on_enterprise:  # a visit: its enterprise and the latest visit seen there (none yet: null)
        return FieldRecord(
            key=key, kind=kind.name, campaign_id=None, task_id=None, worker_id=None, base_version=None,
            base_stage="", recorded_at=recorded_at, data=data, enterprise_id=_int(raw, "enterprise"),
            base_visit=_int(raw, "base_visit", required=False))
    base_stage = raw.get("base_stage")
    if not isinstance(base_stage, str) or not base_stage:
        raise Malformed("base_stage")
    return FieldRecord(
        key=key, kind=kind.name, campaign_id=_int(raw, "campaign", required=kind.on == "campaign"),
        task_id=_int(raw, "task", required=kind.on_task), worker_id=_int(raw, "worker", required=kind.needs_worker),
        base_version=_int(raw, "base_version"), base_stage=base_stage, recorded_at=recorded_at, data=data)
