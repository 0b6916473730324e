"""What the API's register and people (accounts) resources read, always
through the permission modules: a user sees through the API exactly what
the pages show them, and nothing else (None: answer 404).

- The people register of a case (conversations, assessments, history,
  the committee, applications): ``Action.PEOPLE`` on its campaign, as the
  people pages (``people_selectors.case_for_people``); choosing the
  committee and switching the register also ``Action.WORK``, as their
  pages. Applications exist only when the workers are recorded by name.
- People (accounts): the administration people pages — an administrator
  of a unit sees the accounts kept by the units they administer (the
  technical superuser every account); anyone else nobody.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from workflows.administration import permissions as administration_permissions, selectors as administration
from workflows.campaigns import membership_pages, permissions as campaign_permissions
from workflows.campaigns.models import Application, Campaign, CommitteeMember, Register
from workflows.campaigns.permissions import Action
from workflows.core.params import param_choice, param_int, param_str
from workflows.people import selectors as people
from workflows.people.models import Assessment, Conversation, Worker, WorkerChange

from .people_selectors import case_for_people

#: ``status`` of an application: still standing, admitted by the congress, withdrawn.
APPLICATION_STATUSES = ("standing", "admitted", "withdrawn")


# --- the register of a case ---------------------------------------------------------------
def case_to_work(user, pk) -> Campaign | None:
    """The campaign ``pk`` if ``user`` may see its workers and work it (the
    committee and register pages' rule)."""
    campaign = case_for_people(user, pk)
    if campaign is None or not campaign_permissions.can(user, Action.WORK, campaign):
        return None
    return campaign


def conversations_of_case(campaign: Campaign) -> QuerySet[Conversation]:
    """The conversations held at the case's enterprise, with their workers
    and issues (three queries a page)."""
    return people.conversations_at(campaign.enterprise_id)


def assessments_of_worker(worker: Worker) -> QuerySet[Assessment]:
    return people.assessments_of(worker)


def history_of_worker(worker: Worker) -> QuerySet[WorkerChange]:
    """What was done to the worker: which fields, never their values."""
    return people.history_of(worker)


def applications_of_case(campaign: Campaign, status: str = "") -> QuerySet[Application]:
    """The case's applications, without the scanned forms' bytes; none when
    its workers are recorded as figures only (the page shows none either)."""
    if campaign.register != Register.NAMES:
        return Application.objects.none()
    applications = membership_pages.applications_of(campaign)
    if status == "standing":
        applications = applications.filter(withdrawn_on__isnull=True, admitted_on__isnull=True)
    elif status == "admitted":
        applications = applications.filter(withdrawn_on__isnull=True, admitted_on__isnull=False)
    elif status == "withdrawn":
        applications = applications.filter(withdrawn_on__isnull=False)
    return applications


@dataclass(frozen=True)
class Seat:
    worker: int
    is_head: bool


@dataclass(frozen=True)
class Committee:
    """The mobilising committee chosen from the enterprise's workers; its
    ``version`` is the campaign's (send it back to choose again)."""

    campaign: int
    version: int
    formed_on: dt.date | None
    members: tuple[Seat, ...]

    @property
    def worker_ids(self) -> list[int]:
        return [seat.worker for seat in self.members]


def committee_of(campaign: Campaign) -> Committee:
    """One query: the seats, the head first."""
    seats = CommitteeMember.objects.filter(campaign=campaign).order_by("-is_head", "worker_id") \
        .values_list("worker_id", "is_head")
    return Committee(campaign=campaign.pk, version=campaign.version, formed_on=campaign.committee_formed_on,
                     members=tuple(Seat(worker, is_head) for worker, is_head in seats))


# --- people (accounts) ---------------------------------------------------------------------------
def people_for(user, params) -> QuerySet:
    """The accounts of the people list (``administration:people``) with its
    filters: ``q`` words in the name, user name or e-mail (as typed: the
    page does not fold diacritics), ``unit`` (its subtree), ``status``.
    With their profile and unit: one query a page."""
    if not administration_permissions.can_administer_units(user):
        return administration.people_shown_to(user).none()
    return administration.people_for_list(user, administration.PeopleFilters(
        q=param_str(params, "q", 100), unit=param_int(params, "unit"),
        status=param_choice(params, "status", administration.PERSON_STATUSES)))


def people_visible_to(user) -> QuerySet:
    """The accounts whose administration page ``user`` may open."""
    return administration.people_shown_to(user)


def person_page(user, person) -> administration.PersonPage:
    """The person's page as an administrator of the person reads it."""
    return administration.person_page(user, person)
