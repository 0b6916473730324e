"""Separation of duties in the recognition review: who may hold its
verification and its decision (decided here; read by ``permissions``,
``selectors``, ``services`` and the flow's escalation in ``notices``).

Whoever prepared the dossier (uploaded one of its documents) or submitted
it, and the members of the working group that works the case, may neither
verify nor decide it (``prepared_or_worked``). Verification is for the
officers of the recognising unit; when none of them is free of the case, its
supervisors verify (``Reviewers``). The module knows nothing of the flow, so
that the flow may ask it who to tell.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from workflows.campaigns.models import Campaign, CampaignEvent, EventKind
from workflows.campaigns.selectors import supervisors_by_unit_path
from workflows.organisation.models import WorkingGroupUserObjectPermission
from workflows.organisation.permissions import Role

from .models import Dossier, DossierDocument

#: The steps a person takes, by the name of their node in the flow.
VERIFY, CORRECT, DECIDE = "verify", "correct", "decide"


def officer_grants(unit) -> QuerySet[WorkingGroupUserObjectPermission]:
    """The grants that make their holders officers of ``unit`` (an id or a
    query expression), who verify the dossiers it recognises: active people
    in its active working groups."""
    return WorkingGroupUserObjectPermission.objects.filter(
        content_object__unit_id=unit, content_object__is_active=True, permission__codename=Role.OFFICER,
        user__is_active=True)


def prepared_or_worked(*, person, campaign) -> Q:
    """The rule of separation of duties, as one condition on a person and a
    campaign (each an id or a query expression, so that a list can apply it
    in its query): the person uploaded a document of the campaign's dossier,
    submitted it (the first time or again), or is a member of the working
    group that works the case. Such a person may neither verify the dossier
    nor decide on it."""
    return (Exists(Dossier.objects.filter(campaign_id=campaign, submitted_by_id=person))
            | Exists(DossierDocument.objects.filter(dossier__campaign_id=campaign, uploaded_by_id=person))
            | Exists(CampaignEvent.objects.filter(campaign_id=campaign, kind=EventKind.DOSSIER_SUBMITTED,
                                                  actor_id=person))
            | Exists(WorkingGroupUserObjectPermission.objects.filter(
                content_object__campaigns__pk=campaign, permission__codename=Role.OFFICER, user_id=person)))


@dataclass(frozen=True)
class Reviewers:
    """Who may hold the verification and the decision of one dossier (read
    by ``reviewers_of``, decided here)."""

    officers: frozenset[int]  # the officers of the recognising unit
    supervisors: frozenset[int]  # the supervisors of that unit or of a unit above
    conflicted: frozenset[int]  # those of them who prepared or submitted the dossier or work the case

    @property
    def free_officers(self) -> frozenset[int]:
        return self.officers - self.conflicted

    @property
    def deciders(self) -> frozenset[int]:
        return self.supervisors - self.conflicted

    @property
    def verified_by_supervisors(self) -> bool:
        """Nobody else in the recognising unit may verify: its supervisors do."""
        return not self.free_officers

    @property
    def verifiers(self) -> frozenset[int]:
        return self.free_officers or self.deciders

    def holders(self, step: str) -> frozenset[int]:
        """Who may hold (take, be given, be told about) a verification or a decision."""
        return {VERIFY: self.verifiers, DECIDE: self.deciders}.get(step, frozenset())


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
