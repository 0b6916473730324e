"""The recognition policy: who may see and change a dossier, and who may
take each step of its review. Builds on the campaign policy.

- The dossier is seen by whoever sees the campaign; it is prepared and
  submitted by those who work the case (officers of the campaign's working
  group, supervisors of the responsible unit or above).
- Verification is for the officers of the recognising unit — the
  campaign's responsible unit: members of one of its own working groups.
- The decision is for the supervisors of the recognising unit or a unit
  above it; they also hand review steps from one person to another.
- Separation of duties: whoever prepared the dossier (uploaded one of its
  documents) or submitted it, and the members of the working group that
  works the case, may neither verify nor decide it; when nobody else among
  the unit's officers may verify, the verification goes to the unit's
  supervisors. That rule and who holds each step are in ``duties``, which
  knows nothing of the flow: the flow's escalation asks it who to tell.

Refusals raise ``PermissionDenied``; views answer 404.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from workflows.campaigns import permissions as campaign_policy
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign
from workflows.campaigns.permissions import Action
from workflows.organisation.permissions import Scope, scope_of

from .duties import CORRECT, DECIDE, VERIFY, Reviewers, officer_grants, prepared_or_worked
from .flows import RecognitionFlow

#: The steps a person takes, by the name of their node.
HUMAN_STEPS = (VERIFY, CORRECT, DECIDE)
#: The statuses of a step that waits for someone.
WAITING = (STATUS.NEW, STATUS.ASSIGNED)
_CAMPAIGN = "process__recognitionprocess__dossier__campaign"


#: Dossier statuses in which the recognising unit's officers see the dossier.
_UNDER_REVIEW = ("submitted", "returned", "verified", "recognised")


def campaigns_for_review(user) -> QuerySet[Campaign]:
    """The campaigns whose dossier ``user`` may open: those they may see,
    and those whose dossier was submitted to a unit they are an officer of
    (the verifiers, who need not work the case)."""
    scope = scope_of(user)
    visible = campaign_policy.campaigns_visible_to(user)
    if not scope.officer_units:
        return visible
    return visible | Campaign.objects.filter(responsible_unit__path__in=list(scope.officer_units),
                                             dossier__status__in=_UNDER_REVIEW)


def can_view(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    return campaign_policy.can(user, Action.VIEW, campaign, scope=scope)


def can_prepare(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    return campaign_policy.can(user, Action.WORK, campaign, scope=scope)


def can_verify(user, reviewers: Reviewers) -> bool:
    return user.pk in reviewers.verifiers


def can_decide(user, reviewers: Reviewers) -> bool:
    return user.pk in reviewers.deciders


def can_hand_over(user, campaign: Campaign, *, scope: Scope | None = None) -> bool:
    """Reassign a review step: supervisors of the recognising unit or above."""
    scope = scope or scope_of(user)
    return scope.supervises(campaign.responsible_unit.path)


def can_take_step(user, step: str, campaign: Campaign, *, reviewers: Reviewers | None,
                  scope: Scope | None = None) -> bool:
    """May ``user`` hold (take, be given) a step of this campaign's review?
    ``reviewers`` is needed for the verification and the decision."""
    if step == CORRECT:
        return can_prepare(user, campaign, scope=scope)
    return bool(reviewers and user.pk in reviewers.holders(step))


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def step_name(task: FlowTask) -> str:
    return task.flow_task.name if task.flow_task is not None else ""


def review_tasks_for_inbox(user) -> QuerySet[FlowTask]:
    """The waiting review steps that are ``user``'s to do: those given to
    them, the verification queue of the units they are officers of (of the
    units they supervise when no other officer may verify), and the decision
    queue of the units they supervise — leaving out the dossiers they
    prepared, submitted or work. One query."""
    scope = scope_of(user)
    if scope.is_empty:
        return FlowTask.objects.none()
    flow = RecognitionFlow
    free = ~prepared_or_worked(person=user.pk, campaign=OuterRef(_CAMPAIGN))
    supervised = scope.subtree_q(f"{_CAMPAIGN}__responsible_unit__path", scope.supervised)
    free_officer = Exists(officer_grants(OuterRef(f"{_CAMPAIGN}__responsible_unit")).filter(
        ~prepared_or_worked(person=OuterRef("user_id"), campaign=OuterRef(OuterRef(_CAMPAIGN)))))
    verify = Q(flow_task=flow.verify) & (
        Q(**{f"{_CAMPAIGN}__responsible_unit__path__in": list(scope.officer_units)})
        | (supervised & ~free_officer))
    queue = Q(owner__isnull=True) & ((verify | (Q(flow_task=flow.decide) & supervised)) & free)
    mine = Q(owner_id=user.pk) & (Q(flow_task=flow.correct) | free)
    return FlowTask.objects.filter(
        mine | queue, process__flow_class=flow, status__in=WAITING,
        flow_task__in=[flow.verify, flow.correct, flow.decide],
    )


def review_steps_may_wait_for(user) -> bool:
    """Could ``review_tasks_for_inbox`` find a step for ``user``? The same
    steps without the separation of duties (so a superset), in a query that
    is cheap to build and to plan: My tasks asks it first, and most of the
    people who open My tasks have no review step waiting (issue 19: building
    and planning the whole query was a third of the heaviest officer's page)."""
    scope = scope_of(user)
    if scope.is_empty:
        return False
    flow = RecognitionFlow
    supervised = scope.subtree_q(f"{_CAMPAIGN}__responsible_unit__path", scope.supervised)
    verify = Q(**{f"{_CAMPAIGN}__responsible_unit__path__in": list(scope.officer_units)}) | supervised
    queue = Q(owner__isnull=True) & ((Q(flow_task=flow.verify) & verify) | (Q(flow_task=flow.decide) & supervised))
    return FlowTask.objects.filter(
        Q(owner_id=user.pk) | queue, process__flow_class=flow, status__in=WAITING,
        flow_task__in=[flow.verify, flow.correct, flow.decide],
    ).exists()


# --- the dossier page ---------------------------------------------------------------
@dataclass(frozen=True)
class DossierRights:
    """What the dossier page offers ``user`` now, and why it offers no more
    (read by ``selectors.dossier_page``; decided here)."""

    step: str  # the name of the review step that waits; "" when none waits
    can_view_campaign: bool
    may_prepare: bool  # upload documents, submit (works the case, the congress was held, the dossier is editable)
    mine: bool  # the waiting step is given to the user
    in_queue: bool  # the waiting step waits in a queue
    may_take_step: bool  # the user may hold the waiting step (``can_take_step``)
    can_hand_over: bool
    verified_by_supervisors: bool  # nobody else in the unit may verify: its supervisors do
    nobody_may_take: bool
    kept_from_review: bool  # separation of duties keeps the user from this review

    @property
    def can_take(self) -> bool:
        return self.in_queue and self.may_take_step and self.step != CORRECT

    @property
    def can_act(self) -> bool:
        """Verify or decide now (a correction is resubmitted instead)."""
        return (self.mine or (self.in_queue and self.step != CORRECT)) and self.may_take_step

    @property
    def can_resubmit(self) -> bool:
        return self.step == CORRECT and self.may_prepare

    @property
    def show_upload_form(self) -> bool:
        return self.may_prepare

    @property
    def show_submit_form(self) -> bool:
        return self.can_resubmit or (self.may_prepare and not self.step)

    @property
    def show_verify_form(self) -> bool:
        return self.can_act and self.step == VERIFY

    @property
    def show_decide_form(self) -> bool:
        return self.can_act and self.step == DECIDE

    @property
    def show_reassign_form(self) -> bool:
        return self.can_hand_over


def dossier_rights(user, campaign: Campaign, *, editable: bool, step: FlowTask | None, reviewers: Reviewers | None,
                   scope: Scope | None = None) -> DossierRights:
    """``step``: the review step that waits, if any; ``reviewers``: who may
    verify and decide (given while a verification or a decision waits)."""
    scope = scope or scope_of(user)
    name = step_name(step) if step else ""
    return DossierRights(
        step=name, can_view_campaign=can_view(user, campaign, scope=scope),
        may_prepare=can_prepare(user, campaign, scope=scope) and campaign.stage == Stage.FOUNDING_CONGRESS and editable,
        mine=step is not None and step.owner_id == user.pk, in_queue=step is not None and step.owner_id is None,
        may_take_step=step is not None and can_take_step(user, name, campaign, reviewers=reviewers, scope=scope),
        can_hand_over=step is not None and can_hand_over(user, campaign, scope=scope),
        **_standing_in_review(user, name, reviewers),
    )


def _standing_in_review(user, step: str, reviewers: Reviewers | None) -> dict[str, bool]:
    if reviewers is None:
        return {"verified_by_supervisors": False, "nobody_may_take": False, "kept_from_review": False}
    return {"verified_by_supervisors": step == VERIFY and reviewers.verified_by_supervisors,
            "nobody_may_take": not reviewers.holders(step), "kept_from_review": user.pk in reviewers.conflicted}
