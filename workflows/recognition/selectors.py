"""Reads of the recognition review: the rules, a dossier's checklist, the
current step, the inbox rows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from viewflow.workflow.models import Task as FlowTask

from workflows.campaigns.flows import DocumentKind, Rules
from workflows.campaigns.models import Campaign
from workflows.campaigns.selectors import rules_in_force, supervisors_by_unit_path
from workflows.organisation.models import WorkingGroupUserObjectPermission
from workflows.organisation.permissions import Role
from workflows.organisation.selectors import group_members, person_choices

from .flows import RecognitionFlow
from .models import Dossier, DossierDocument, RecognitionProcess
from .permissions import CORRECT, HUMAN_STEPS, VERIFY, WAITING, review_tasks_for_inbox


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


def review_history(process: RecognitionProcess | None) -> QuerySet[FlowTask]:
    if process is None:
        return FlowTask.objects.none()
    return FlowTask.objects.filter(process_id=process.pk).select_related("owner").order_by("created", "pk")


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
    return list(WorkingGroupUserObjectPermission.objects.filter(
        content_object__unit_id=unit_id, content_object__is_active=True, permission__codename=Role.OFFICER,
        user__is_active=True).order_by("user_id").values_list("user_id", flat=True).distinct())


def supervisors_of(campaign: Campaign) -> frozenset[int]:
    """The active supervisors of the recognising unit or a unit above it."""
    path = campaign.responsible_unit.path
    return supervisors_by_unit_path([path]).get(path, frozenset())


def people_for_step(step: str, campaign: Campaign) -> list[tuple[int, str]]:
    """Who may be given ``step`` of this campaign's review, as choices."""
    if step == VERIFY:
        ids = set(officers_of_unit(campaign.responsible_unit_id))
    else:
        ids = set(supervisors_of(campaign))
        if step == CORRECT and campaign.working_group_id:
            ids |= set(group_members([campaign.working_group_id]).values_list("pk", flat=True))
    return person_choices(get_user_model().objects.filter(is_active=True, pk__in=ids)
                          .order_by("last_name", "first_name", "username"))


def dossier_of(campaign: Campaign) -> Dossier | None:
    return Dossier.objects.filter(campaign=campaign).select_related("submitted_by", "decided_by").first()
