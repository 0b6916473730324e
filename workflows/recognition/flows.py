"""The recognition review, declared once (viewflow.workflow)::

    submit ─► verify ─► complete? ─yes─► decide ─► approved? ─yes─► recognise ─► end
                ▲           │no                        │no
                └─ correct ◄┴──────────────────────────┘
    verify / decide waiting past the rule set's limit ─► escalate (the task goes on)

The human steps (verify, correct, decide) are driven by our own views through
``services``, which check the permission module first; the flow's functions
below only run inside those services or inside the timer job.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import lock, nodes
from viewflow.workflow.base import Flow

from workflows.campaigns import services as campaign_services
from workflows.campaigns.flows import Stage
from workflows.campaigns.selectors import rules_in_force
from workflows.core import clock
from workflows.organisation.workdays import add_working_days

from . import notices
from .models import DossierStatus, RecognitionProcess

#: The hour (Vietnamese time) at which an overdue step is escalated on the
#: first working day after its limit.
ESCALATE_AT = dt.time(7, 0)


class RecognitionFlow(Flow):
    """Recognition dossier review

    The mobilising committee submits its dossier; an officer of the
    recognising unit verifies it; a supervisor of that unit decides."""

    process_class = RecognitionProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Recognition dossier review")

    start = (nodes.StartHandle(this.start_review)
             .Annotation(title=_("Submit the dossier"))
             .Next(this.verify))
    verify = (nodes.View(None)
              .onCreate(this.stamp_verification_due)
              .Annotation(title=_("Verify the dossier"))
              .OnTimeout(this.escalates_at, this.escalate, interrupting=False,
                         title=_("Verification overdue"))
              .Next(this.is_complete))
    is_complete = (nodes.If(this.dossier_complete)
                   .Annotation(title=_("Complete?"))
                   .Then(this.decide)
                   .Else(this.correct))
    correct = (nodes.View(None)
               .Assign(this.submitter)
               .Annotation(title=_("Correct and resubmit"))
               .Next(this.verify))
    decide = (nodes.View(None)
              .onCreate(this.stamp_decision_due)
              .Annotation(title=_("Decide on recognition"))
              .OnTimeout(this.escalates_at, this.escalate, interrupting=False,
                         title=_("Decision overdue"))
              .Next(this.is_approved))
    is_approved = (nodes.If(this.decision_approved)
                   .Annotation(title=_("Approved?"))
                   .Then(this.recognise)
                   .Else(this.correct))
    recognise = (nodes.Function(this.recognise_campaign)
                 .Annotation(title=_("Recognise the CĐCS"))
                 .Next(this.end))
    escalate = (nodes.Function(this.escalate_to_supervisors)
                .Annotation(title=_("Escalate to the supervisors"))
                .Next(this.escalated))
    escalated = nodes.End().Annotation(title=_("Escalated"))
    end = nodes.End().Annotation(title=_("Recognised"))

    # --- what the nodes call -------------------------------------------------------
    def start_review(self, activation, dossier):
        activation.process.dossier = dossier
        # the review's history names who submitted, like every other step's owner
        activation.task.owner = dossier.submitted_by
        return activation.process

    def submitter(self, activation):
        return activation.process.dossier.submitted_by

    def dossier_complete(self, activation) -> bool:
        return activation.process.dossier.status == DossierStatus.VERIFIED

    def decision_approved(self, activation) -> bool:
        return activation.process.dossier.status == DossierStatus.RECOGNISED

    def stamp_verification_due(self, activation) -> None:
        _stamp_due(activation, "verification_days")

    def stamp_decision_due(self, activation) -> None:
        _stamp_due(activation, "decision_days")

    def escalates_at(self, activation) -> dt.datetime:
        """The first working morning after the waiting step's due day."""
        due_on = activation.task.previous.get().data.get("due_on")
        if not due_on:
            return _NEVER
        morning = add_working_days(dt.date.fromisoformat(due_on), 1, _unit_of(activation))
        return timezone.make_aware(dt.datetime.combine(morning, ESCALATE_AT))

    def recognise_campaign(self, activation) -> None:
        """Recognise the campaign with the decision taken, through the
        campaign service (CĐCS unit, members, summary figures)."""
        dossier = activation.process.dossier
        campaign_services.campaign_transition(
            campaign_id=dossier.campaign_id, name="recognise", actor=dossier.decided_by, data={
                "decision_number": dossier.decision_number, "decision_date": dossier.decision_date,
                "admitted_members": dossier.admitted_members},
            expected_stage=Stage.FOUNDING_CONGRESS)

    def escalate_to_supervisors(self, activation) -> None:
        # the function's task follows the timer's, which follows the waiting step's
        timer = activation.task.previous.get()
        notices.review_escalate(dossier=activation.process.dossier, step_task=timer.previous.get())


_NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def _unit_of(activation):
    """The campaign's responsible unit: its rule set and its calendar time the review."""
    return activation.process.dossier.campaign.responsible_unit


def _stamp_due(activation, limit_field: str) -> None:
    """Write on a new step its due day: the limit of the rule set in force
    for the campaign's unit, in the unit's working days from today (none
    when the limit is 0)."""
    unit = _unit_of(activation)
    limit = getattr(rules_in_force(on=clock.today(), unit=unit), limit_field)
    task = activation.task
    task.data["due_on"] = add_working_days(clock.today(), limit, unit).isoformat() if limit else None
    task.save(update_fields=["data"])
