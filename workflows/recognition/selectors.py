"""Reads of the recognition review: the rules, a dossier's checklist, the
current step, the inbox rows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import OuterRef
from django.utils.translation import gettext as _, gettext_lazy
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from workflows.campaigns.flows import DocumentKind, Rules
from workflows.campaigns.models import Campaign
from workflows.campaigns.selectors import rules_in_force, supervisors_by_unit_path
from workflows.organisation.selectors import group_members, person_choices

from .flows import RecognitionFlow
from .models import Dossier, DossierDocument, RecognitionProcess
from .permissions import (
    CORRECT, HUMAN_STEPS, WAITING, Reviewers, officer_grants, prepared_or_worked, review_tasks_for_inbox,
)


def review_limits(day: dt.date) -> Rules:
    return rules_in_force(on=day)


def current_documents(dossier: Dossier | None) -> dict[str, DossierDocument]:
    """The documents in force, by kind, without their content."""
    if dossier is None or dossier.pk is None:
        return {}
    rows = (DossierDocument.objects.filter(dossier=dossier, superseded_at__isnull=True)
            .defer("content").select_related("uploaded_by"))
    return {row.kind: row for row in rows}


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    label: str
    required: bool
    document: DossierDocument | None

    @property
    def missing(self) -> bool:
        return self.required and self.document is None


def checklist(documents: dict[str, DossierDocument], rules: Rules) -> list[ChecklistItem]:
    return [ChecklistItem(kind, str(label), kind in rules.required_documents, documents.get(kind))
            for kind, label in DocumentKind.choices]


def missing_documents(documents: dict[str, DossierDocument], rules: Rules) -> list[str]:
    return [str(DocumentKind(kind).label) for kind in rules.required_documents if kind not in documents]


def active_process(dossier: Dossier | None) -> RecognitionProcess | None:
    if dossier is None or dossier.pk is None:
        return None
    return (RecognitionProcess.objects.filter(dossier=dossier, finished__isnull=True)
            .exclude(status__in=["DONE", "CANCELED"]).order_by("-pk").first())


def latest_process(dossier: Dossier | None) -> RecognitionProcess | None:
    if dossier is None or dossier.pk is None:
        return None
    return RecognitionProcess.objects.filter(dossier=dossier).order_by("-pk").first()


def waiting_step(process: RecognitionProcess | None) -> FlowTask | None:
    """The review step that waits for a person, if any (there is one at most)."""
    if process is None:
        return None
    return (FlowTask.objects.filter(process_id=process.pk, status__in=WAITING,
                                    flow_task__in=[getattr(RecognitionFlow, s) for s in HUMAN_STEPS])
            .select_related("owner").order_by("-pk").first())


#: How a step of the review stands, in the reader's words.
_STEP_STATUS = {STATUS.NEW: gettext_lazy("waiting"), STATUS.ASSIGNED: gettext_lazy("taken"),
                STATUS.STARTED: gettext_lazy("in progress"), STATUS.DONE: gettext_lazy("done"),
                STATUS.CANCELED: gettext_lazy("cancelled"), STATUS.ERROR: gettext_lazy("failed")}


@dataclass(frozen=True)
class HistoryRow:
    title: str
    #: Who took the step; the system for the steps the flow or a job took
    #: (the recognition, an escalation); empty while it waits in a queue.
    actor: str
    created: dt.datetime
    finished: dt.datetime | None
    status: str


def review_history(process: RecognitionProcess | None, *, submitter=None) -> list[HistoryRow]:
    """The steps of the review so far, oldest first (the gateways and
    timers left out), each with who took it (``submitter``: the dossier's
    first submitter). One query."""
    if process is None:
        return []
    tasks = (FlowTask.objects.filter(process_id=process.pk, flow_task_type__in=("START", "HUMAN", "FUNCTION"))
             .select_related("owner").order_by("created", "pk"))
    rows = []
    for task in tasks:
        # the first submission's step has no owner in reviews started before it was recorded
        person = task.owner or (submitter if task.flow_task_type == "START" else None)
        if person is not None:
            actor = person.get_full_name() or person.get_username()
        else:
            actor = "" if task.flow_task_type == "HUMAN" else _("System")
        rows.append(HistoryRow(
            title=str(task.flow_task.task_title) if task.flow_task is not None else "",
            actor=actor,
            created=task.created, finished=task.finished, status=str(_STEP_STATUS.get(task.status, task.status))))
    return rows


def inbox_rows(user) -> list[FlowTask]:
    """The user's review steps with their campaign, oldest first, in one
    query whatever their number."""
    tasks = list(review_tasks_for_inbox(user).select_related(
        "owner", "process__recognitionprocess__dossier__campaign__enterprise",
        "process__recognitionprocess__dossier__campaign__responsible_unit",
    ).order_by("created", "pk")[:200])
    for task in tasks:
        task.campaign = task.process.recognitionprocess.dossier.campaign
    return tasks


def officers_of_unit(unit_id: int) -> list[int]:
    """The active officers of the working groups of exactly this unit: the
    verifiers of the dossiers it recognises."""
    return list(officer_grants(unit_id).order_by("user_id").values_list("user_id", flat=True).distinct())


def supervisors_of(campaign: Campaign) -> frozenset[int]:
    """The active supervisors of the recognising unit or a unit above it."""
    path = campaign.responsible_unit.path
    return supervisors_by_unit_path([path]).get(path, frozenset())


def reviewers_of(campaign: Campaign) -> Reviewers:
    """Who may verify and decide this campaign's dossier: the unit's
    officers and supervisors, and those of them whom separation of duties
    leaves out. Three queries."""
    officers, supervisors = frozenset(officers_of_unit(campaign.responsible_unit_id)), supervisors_of(campaign)
    conflicted = frozenset(get_user_model().objects.filter(pk__in=officers | supervisors).filter(
        prepared_or_worked(person=OuterRef("pk"), campaign=campaign.pk)).values_list("pk", flat=True))
    return Reviewers(officers=officers, supervisors=supervisors, conflicted=conflicted)


def people_for_step(step: str, campaign: Campaign, *, reviewers: Reviewers | None = None) -> list[tuple[int, str]]:
    """Who may be given ``step`` of this campaign's review, as choices."""
    if step == CORRECT:
        ids = set(supervisors_of(campaign))
        if campaign.working_group_id:
            ids |= set(group_members([campaign.working_group_id]).values_list("pk", flat=True))
    else:
        ids = set((reviewers or reviewers_of(campaign)).holders(step))
    return person_choices(get_user_model().objects.filter(is_active=True, pk__in=ids)
                          .order_by("last_name", "first_name", "username"))


def dossier_of(campaign: Campaign) -> Dossier | None:
    return Dossier.objects.filter(campaign=campaign).select_related("submitted_by", "decided_by").first()
