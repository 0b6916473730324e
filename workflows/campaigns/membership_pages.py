"""Page contexts of the committee, applications and admission by name.

Who sees names: ``Action.PEOPLE`` (the officers of the case's working group,
the supervisors of its unit and above). Managers (``Action.VIEW`` only) get
the campaign page's panel with counts only, never a name or a link to the
people pages. Each page here reads a bounded number of queries whatever the
number of workers (the lists of candidates are capped and searched)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length

from workflows.organisation.permissions import scope_of
from workflows.people.models import Worker
from workflows.people.selectors import workers_of

from .flows import Stage
from .models import Application, Campaign, CommitteeMember, Register
from .permissions import Action, can

#: The most workers a list of candidates shows; a search narrows it.
CANDIDATES_SHOWN = 200
#: The stages in which the committee may be chosen (``register.committee_choose``).
COMMITTEE_STAGES = (Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE, Stage.FOUNDING_CONGRESS)
#: The stages at which a congress was held: its admissions are shown.
_CONGRESS_HELD = (Stage.FOUNDING_CONGRESS, Stage.RECOGNISED)


# --- the campaign page's panel ------------------------------------------------------------
@dataclass(frozen=True)
class MembershipPanel:
    """What the campaign page says of the committee, the applications and
    the admission. ``counts_only``: the user may not see names (a manager):
    no link to the pages that show them."""

    campaign_id: int
    version: int
    register: str
    register_label: str
    names: bool  # the workers are recorded by name
    counts_only: bool
    can_switch: bool  # may switch between figures only and workers by name
    can_choose_committee: bool
    can_see_applications: bool
    committee_size: int
    standing: int
    admitted: int
    withdrawn: int
    with_form: int
    congress_admitted: int | None  # the congress admitted this many (workers by name, congress held)
    congress_on: dt.date | None


def membership_panel(user, campaign, *, scope=None, today=None) -> MembershipPanel | None:
    """The campaign page's panel on its committee and applications; None:
    nothing to show (the user may not see the campaign). One query."""
    scope = scope or scope_of(user)
    if not can(user, Action.VIEW, campaign, scope=scope):
        return None
    people = can(user, Action.PEOPLE, campaign, scope=scope)
    works = people and can(user, Action.WORK, campaign, scope=scope)
    names = campaign.register == Register.NAMES
    figures = Application.objects.filter(campaign=campaign).aggregate(
        standing=Count("id", filter=Q(withdrawn_on__isnull=True)),
        admitted=Count("id", filter=Q(withdrawn_on__isnull=True, admitted_on__isnull=False)),
        withdrawn=Count("id", filter=Q(withdrawn_on__isnull=False)),
        with_form=Count("id", filter=Q(withdrawn_on__isnull=True) & ~Q(form_name="")))
    stage = campaign.held_stage or campaign.stage
    return MembershipPanel(
        campaign_id=campaign.pk, version=campaign.version, register=campaign.register,
        register_label=Register(campaign.register).label, names=names, counts_only=not people,
        can_switch=works and campaign.is_open,
        can_choose_committee=works and campaign.stage in COMMITTEE_STAGES,
        can_see_applications=people and names,
        committee_size=campaign.committee_size, **figures,
        congress_admitted=figures["admitted"] if names and stage in _CONGRESS_HELD else None,
        congress_on=campaign.congress_on,
    )


# --- the committee page ---------------------------------------------------------------------
@dataclass(frozen=True)
class CommitteeCandidate:
    worker: Worker
    chosen: bool
    is_head: bool


@dataclass(frozen=True)
class CommitteePage:
    """Choose the mobilising committee from the enterprise's workers: the
    chosen ones first, then the others found (at most ``CANDIDATES_SHOWN``)."""

    campaign: Campaign
    search: str
    candidates: tuple[CommitteeCandidate, ...]
    more: bool  # more workers match than are shown: search to narrow
    chosen_ids: tuple[int, ...]
    head_id: int | None

    @property
    def worker_ids(self) -> list[int]:
        return [c.worker.pk for c in self.candidates]


def committee_candidates(campaign: Campaign, *, search: str = "") -> QuerySet[Worker]:
    """The workers the committee may be chosen from: of the enterprise, not
    anonymised, still working there."""
    return workers_of(campaign.enterprise_id, search=search, include_left=False).filter(anonymised_at__isnull=True)


def committee_page(campaign: Campaign, *, search: str = "") -> CommitteePage:
    """Two queries: the seats (with their workers), the other candidates."""
    seats = list(CommitteeMember.objects.filter(campaign=campaign).select_related("worker"))
    chosen = [s.worker for s in seats]
    head_id = next((s.worker_id for s in seats if s.is_head), None)
    others = list(committee_candidates(campaign, search=search).exclude(pk__in=[w.pk for w in chosen])
                  .order_by("department", "full_name", "pk")[:CANDIDATES_SHOWN + 1])
    more = len(others) > CANDIDATES_SHOWN
    rows = [CommitteeCandidate(w, True, w.pk == head_id) for w in chosen]
    rows += [CommitteeCandidate(w, False, False) for w in others[:CANDIDATES_SHOWN]]
    return CommitteePage(campaign=campaign, search=search, candidates=tuple(rows), more=more,
                         chosen_ids=tuple(w.pk for w in chosen), head_id=head_id)


# --- the applications page ------------------------------------------------------------------
@dataclass(frozen=True)
class ApplicationRow:
    application: Application
    worker: Worker
    has_form: bool
    can_withdraw: bool


@dataclass(frozen=True)
class ApplicationsPage:
    campaign: Campaign
    names: bool
    can_switch: bool
    can_add: bool
    standing: tuple[ApplicationRow, ...]
    admitted: tuple[ApplicationRow, ...]
    withdrawn: tuple[ApplicationRow, ...]
    candidates: tuple[Worker, ...]  # who may apply: workers without a standing application
    more: bool
    search: str

    @property
    def worker_ids(self) -> list[int]:
        """Every worker whose name the page shows (for the audit)."""
        rows = (*self.standing, *self.admitted, *self.withdrawn)
        return sorted({r.worker.pk for r in rows} | {w.pk for w in self.candidates})


def applications_of(campaign: Campaign) -> QuerySet[Application]:
    """The campaign's applications with their workers, without the scanned
    forms' bytes (``has_form`` says whether there is one)."""
    return (Application.objects.filter(campaign=campaign).select_related("worker").defer("form_content")
            .annotate(form_length=Length("form_name")).order_by("applied_on", "worker__full_name", "pk"))


def application_candidates(campaign: Campaign, *, search: str = "") -> QuerySet[Worker]:
    standing = Application.objects.filter(campaign=campaign, worker=OuterRef("pk"), withdrawn_on__isnull=True)
    return (workers_of(campaign.enterprise_id, search=search, include_left=False)
            .filter(anonymised_at__isnull=True).exclude(Exists(standing)).order_by("department", "full_name", "pk"))


def applications_page(user, campaign: Campaign, *, search: str = "", scope=None) -> ApplicationsPage:
    """Two queries whatever the number of applications (none in figures only)."""
    scope = scope or scope_of(user)
    names = campaign.register == Register.NAMES
    works = can(user, Action.WORK, campaign, scope=scope)
    standing, admitted, withdrawn, candidates = [], [], [], []
    if names:
        for application in applications_of(campaign):
            row = ApplicationRow(application, application.worker, bool(application.form_length),
                                 can_withdraw=campaign.is_open and application.withdrawn_on is None
                                 and application.admitted_on is None)
            if application.withdrawn_on is not None:
                withdrawn.append(row)
            elif application.admitted_on is not None:
                admitted.append(row)
            else:
                standing.append(row)
        if campaign.is_open:
            candidates = list(application_candidates(campaign, search=search)[:CANDIDATES_SHOWN + 1])
    return ApplicationsPage(
        campaign=campaign, names=names, can_switch=works and campaign.is_open, can_add=names and campaign.is_open,
        standing=tuple(standing), admitted=tuple(admitted), withdrawn=tuple(withdrawn),
        candidates=tuple(candidates[:CANDIDATES_SHOWN]), more=len(candidates) > CANDIDATES_SHOWN, search=search)


def application_form_of(campaign: Campaign, worker_id: int) -> Application | None:
    """The application of ``worker_id`` to ``campaign`` with its scanned form, if it has one."""
    return Application.objects.filter(campaign=campaign, worker_id=worker_id).exclude(form_name="").first()
