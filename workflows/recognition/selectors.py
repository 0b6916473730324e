"""Reads of the recognition review: the rules, a dossier's checklist, the
current step, the inbox rows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _, gettext_lazy
from viewflow.workflow import chart
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from workflows.campaigns.flows import DocumentKind, Rules
from workflows.campaigns.models import Campaign
from workflows.campaigns.selectors import rules_in_force
from workflows.organisation.selectors import group_members, person_choices

from .duties import Reviewers, reviewers_of, supervisors_of
from .flows import RecognitionFlow
from .models import Dossier, DossierDocument, DossierStatus, RecognitionProcess
from .permissions import (
    CORRECT,
    DECIDE,
    HUMAN_STEPS,
    VERIFY,
    WAITING,
    DossierRights,
    campaigns_for_review,
    dossier_rights,
    review_steps_may_wait_for,
    review_tasks_for_inbox,
    step_name,
)

#: From a step of the review to its campaign.
_CAMPAIGN = "process__recognitionprocess__dossier__campaign"


def review_limits(day: dt.date, unit=None) -> Rules:
    """The rule set in force on ``day`` for the campaigns of ``unit`` (the campaign's responsible unit)."""
    return rules_in_force(on=day, unit=unit)


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
    query whatever their number (none when a cheap query says that no step
    can wait for the user: ``review_steps_may_wait_for``)."""
    if not review_steps_may_wait_for(user):
        return []
    tasks = list(review_tasks_for_inbox(user).select_related(
        "owner", "process__recognitionprocess__dossier__campaign__enterprise",
        "process__recognitionprocess__dossier__campaign__responsible_unit",
    ).order_by("created", "pk")[:200])
    for task in tasks:
        task.campaign = task.process.recognitionprocess.dossier.campaign
    return tasks


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


# =====================================================================================
# Page contexts (read by the views)
# =====================================================================================
@dataclass(frozen=True)
class DossierPage:
    """The dossier page: the checklist, the step that waits, the history,
    and what the user may do there (``rights``)."""
    campaign: Campaign
    dossier: Dossier | None
    version: int  # the dossier's version the page's forms were read at
    status_label: str
    checklist: tuple[ChecklistItem, ...]
    missing: tuple[str, ...]
    step: FlowTask | None
    rights: DossierRights
    history: tuple[HistoryRow, ...]
    show_decision: bool  # the draft decision may be downloaded
    hand_over_to: tuple[tuple[int, str], ...]  # who the waiting step may be given to (when rights.can_hand_over)


#: The dossier statuses in which the draft of the recognition decision may be downloaded.
DECISION_DRAFTED = (DossierStatus.VERIFIED, DossierStatus.RECOGNISED)


def dossier_page(user, campaign: Campaign, *, today: dt.date) -> DossierPage:
    dossier = dossier_of(campaign)
    rules = review_limits(today, campaign.responsible_unit)
    documents = current_documents(dossier)
    process = latest_process(dossier)
    step = waiting_step(process) if process and process.finished is None else None
    name = step_name(step) if step else ""
    # separation of duties: who may verify and decide this dossier
    reviewers = reviewers_of(campaign) if name in (VERIFY, DECIDE) else None
    rights = dossier_rights(user, campaign, editable=dossier is None or dossier.is_editable, step=step,
                            reviewers=reviewers)
    return DossierPage(
        campaign=campaign, dossier=dossier, version=dossier.version if dossier else 0,
        status_label=dossier.get_status_display() if dossier else DossierStatus.DRAFT.label,
        checklist=tuple(checklist(documents, rules)), missing=tuple(missing_documents(documents, rules)),
        step=step, rights=rights,
        history=tuple(review_history(process, submitter=dossier.submitted_by if dossier else None)),
        show_decision=bool(dossier and dossier.status in DECISION_DRAFTED),
        hand_over_to=tuple(people_for_step(name, campaign, reviewers=reviewers)) if rights.can_hand_over else (),
    )


def campaigns_shown_for_review(user) -> QuerySet[Campaign]:
    """The campaigns whose dossier ``user`` may open, with what the pages show of them."""
    return campaigns_for_review(user).select_related("enterprise", "responsible_unit", "working_group",
                                                     "recognised_unit")


def review_step(task_pk: int) -> FlowTask | None:
    """A step of a recognition review with its owner, and the id of its
    campaign (``review_campaign_id``); None when there is no such step."""
    return (FlowTask.objects.filter(pk=task_pk, process__flow_class=RecognitionFlow).select_related("owner")
            .annotate(review_campaign_id=F(f"{_CAMPAIGN}_id")).first())


def inbox_row(user, task_pk: int) -> FlowTask:
    """A review step as a row of My tasks shows it (after it was taken,
    also when it is no longer the user's to do)."""
    task = next((t for t in inbox_rows(user) if t.pk == task_pk), None)
    if task is None:
        task = FlowTask.objects.select_related("owner", f"{_CAMPAIGN}__enterprise").get(pk=task_pk)
        task.campaign = task.process.recognitionprocess.dossier.campaign
    return task


def document_of(campaign: Campaign, document_pk: int) -> DossierDocument | None:
    return DossierDocument.objects.filter(pk=document_pk, dossier__campaign=campaign).first()


@dataclass(frozen=True)
class ReviewDiagram:
    """The review procedure drawn, with where this campaign's review is."""
    campaign: Campaign
    dossier: Dossier | None
    grid: object  # viewflow.workflow.chart's layout, with the cells' status
    current: str  # the name of the step that waits; "" when none
    step: FlowTask | None
    finished: bool


def review_diagram(campaign: Campaign) -> ReviewDiagram:
    dossier = dossier_of(campaign)
    process = latest_process(dossier)
    grid = chart.calc_layout_data(RecognitionFlow)
    if process is not None:
        chart.calc_cell_status(RecognitionFlow, grid, process.pk)
    step = waiting_step(process) if process and process.finished is None else None
    return ReviewDiagram(campaign=campaign, dossier=dossier, grid=grid, current=step_name(step) if step else "",
                         step=step, finished=bool(process and process.finished))
