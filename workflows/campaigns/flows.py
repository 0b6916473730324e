"""The campaign state machine, declared once.

Stages (``Campaign.stage``, a django-fsm-2 field)::

    surveyed → employer_contacted → mobilising_committee → founding_congress → recognised
        any working stage ⇄ on_hold (resume returns to the held stage)
        any open stage → abandoned (a reason is required)

Each transition has guards read from the rule set in force on the day of the
transition. A guard returns ``None`` when met, or a translated sentence that
says what is missing; the same sentences explain in the UI why a button is
unavailable and fill the error a refused service call raises.

Only ``services`` call the transition methods.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext as _, gettext_lazy
from django_fsm import RETURN_VALUE, transition

if TYPE_CHECKING:
    from .models import Campaign


class Stage(models.TextChoices):
    SURVEYED = "surveyed", gettext_lazy("Surveyed")
    EMPLOYER_CONTACTED = "employer_contacted", gettext_lazy("Employer contacted")
    MOBILISING_COMMITTEE = "mobilising_committee", gettext_lazy("Mobilising committee")
    FOUNDING_CONGRESS = "founding_congress", gettext_lazy("Founding congress")
    RECOGNISED = "recognised", gettext_lazy("Recognised")
    ON_HOLD = "on_hold", gettext_lazy("On hold")
    ABANDONED = "abandoned", gettext_lazy("Abandoned")


#: Stages in which the case is being worked, in pipeline order.
WORKING_STAGES = (
    Stage.SURVEYED,
    Stage.EMPLOYER_CONTACTED,
    Stage.MOBILISING_COMMITTEE,
    Stage.FOUNDING_CONGRESS,
)
#: Stages of a campaign that is not closed (at most one per enterprise).
OPEN_STAGES = WORKING_STAGES + (Stage.ON_HOLD,)
CLOSED_STAGES = (Stage.RECOGNISED, Stage.ABANDONED)
#: The success path, for pipelines and funnels.
PIPELINE = WORKING_STAGES + (Stage.RECOGNISED,)


class AbandonReason(models.TextChoices):
    ENTERPRISE_DISSOLVED = "enterprise_dissolved", gettext_lazy("Enterprise dissolved")
    EMPLOYER_REFUSED = "employer_refused", gettext_lazy("Employer refused")
    WORKERS_DECLINED = "workers_declined", gettext_lazy("Workers declined")
    MERGED = "merged", gettext_lazy("Merged into another enterprise")
    OTHER = "other", gettext_lazy("Other")


class MeetingOutcome(models.TextChoices):
    SUPPORTIVE = "supportive", gettext_lazy("Supportive")
    NEUTRAL = "neutral", gettext_lazy("Neutral")
    OPPOSED = "opposed", gettext_lazy("Opposed")


class DocumentKind(models.TextChoices):
    """The documents of a recognition dossier; the rule set in force says
    which of them are required."""

    MEMBER_LIST = "member_list", gettext_lazy("Member list and membership applications")
    CONGRESS_MINUTES = "congress_minutes", gettext_lazy("Founding congress minutes")
    VOTE_COUNT = "vote_count", gettext_lazy("Vote-count minutes")
    EXECUTIVE_LIST = "executive_list", gettext_lazy("List of the provisional executive committee")
    REGISTRATION = "registration", gettext_lazy("Enterprise registration certificate")
    WORKFORCE_REPORT = "workforce_report", gettext_lazy("Workforce report")


def all_document_kinds() -> list[str]:
    return list(DocumentKind.values)


@dataclass(frozen=True)
class Rules:
    """The values of the rule set in force on a day (see ``RuleSet``)."""

    min_committee: int = 3
    min_members: int = 5
    stage_limits: tuple[tuple[str, int], ...] = ()
    verification_days: int = 5
    decision_days: int = 5
    required_documents: tuple[str, ...] = tuple(DocumentKind.values)

    def stage_limit(self, stage: str) -> int | None:
        return dict(self.stage_limits).get(stage)


# --- guards -----------------------------------------------------------------
Guard = Callable[["Campaign", Rules], "str | None"]


def employer_meeting_recorded(campaign: "Campaign", rules: Rules) -> str | None:
    if campaign.employer_met_on is None:
        return _("A meeting with the employer must be recorded first.")
    return None


def committee_formed(campaign: "Campaign", rules: Rules) -> str | None:
    if campaign.committee_size < rules.min_committee:
        return _("The mobilising committee needs at least %(need)d core workers (it has %(have)d).") % {
            "need": rules.min_committee, "have": campaign.committee_size,
        }
    return None


def enough_applications(campaign: "Campaign", rules: Rules) -> str | None:
    if campaign.applications < rules.min_members:
        return _("At least %(need)d membership applications are needed (there are %(have)d).") % {
            "need": rules.min_members, "have": campaign.applications,
        }
    return None


def congress_date_recorded(campaign: "Campaign", rules: Rules) -> str | None:
    if campaign.congress_on is None:
        return _("The date of the founding congress must be given.")
    return None


def decision_recorded(campaign: "Campaign", rules: Rules) -> str | None:
    if not (campaign.decision_number or "").strip() or campaign.decision_date is None:
        return _("Recognition needs the decision number and date.")
    return None


def enough_admitted(campaign: "Campaign", rules: Rules) -> str | None:
    if campaign.admitted_members < rules.min_members:
        return _("A grassroots union needs at least %(need)d admitted members (the decision admits %(have)d).") % {
            "need": rules.min_members, "have": campaign.admitted_members,
        }
    return None


def abandon_reason_given(campaign: "Campaign", rules: Rules) -> str | None:
    if campaign.abandon_reason not in AbandonReason.values:
        return _("Choose why the campaign is abandoned.")
    if campaign.abandon_reason == AbandonReason.OTHER and not (campaign.abandon_note or "").strip():
        return _("Explain the reason when it is 'Other'.")
    return None


# --- transitions ------------------------------------------------------------
@dataclass(frozen=True)
class TransitionSpec:
    name: str
    sources: Sequence[str]
    target: str | None  # None: resume, whose target is the held stage
    label: object
    #: Guards on what the case has recorded before the transition.
    guards: tuple[Guard, ...] = ()
    #: Guards on the data the transition itself brings (a date, a decision, a reason).
    input_guards: tuple[Guard, ...] = ()

    def blocked_by(self, campaign: "Campaign", rules: Rules) -> list[str]:
        """Why the transition cannot be offered now, before its form is filled."""
        return [reason for guard in self.guards if (reason := guard(campaign, rules))]

    def unmet(self, campaign: "Campaign", rules: Rules) -> list[str]:
        return [reason for guard in self.guards + self.input_guards if (reason := guard(campaign, rules))]


TRANSITIONS: dict[str, TransitionSpec] = {
    spec.name: spec
    for spec in (
        TransitionSpec("contact_employer", [Stage.SURVEYED], Stage.EMPLOYER_CONTACTED,
                       gettext_lazy("Record employer contact"), (employer_meeting_recorded,)),
        TransitionSpec("form_committee", [Stage.EMPLOYER_CONTACTED], Stage.MOBILISING_COMMITTEE,
                       gettext_lazy("Mobilising committee formed"), (committee_formed,)),
        TransitionSpec("hold_congress", [Stage.MOBILISING_COMMITTEE], Stage.FOUNDING_CONGRESS,
                       gettext_lazy("Founding congress held"), (enough_applications,), (congress_date_recorded,)),
        TransitionSpec("recognise", [Stage.FOUNDING_CONGRESS], Stage.RECOGNISED,
                       gettext_lazy("Recognise the grassroots union"), (), (decision_recorded, enough_admitted)),
        TransitionSpec("hold", list(WORKING_STAGES), Stage.ON_HOLD, gettext_lazy("Put on hold")),
        TransitionSpec("resume", [Stage.ON_HOLD], None, gettext_lazy("Resume")),
        TransitionSpec("abandon", list(OPEN_STAGES), Stage.ABANDONED,
                       gettext_lazy("Abandon"), (), (abandon_reason_given,)),
    )
}

#: The forward step out of each working stage.
ADVANCE_FROM = {spec.sources[0]: spec for spec in TRANSITIONS.values()
                if spec.target in PIPELINE and len(spec.sources) == 1}


def declare(name: str):
    """The django-fsm-2 decorator for the transition ``name`` of TRANSITIONS:
    sources, target and guard conditions come from the table above."""
    spec = TRANSITIONS[name]

    def guards_met(campaign: "Campaign") -> bool:
        return not spec.unmet(campaign, campaign.rules)

    target = RETURN_VALUE(*WORKING_STAGES) if spec.target is None else spec.target
    return transition(field="stage", source=list(spec.sources), target=target,
                      conditions=[guards_met], custom={"label": spec.label})


def spec_for(stage: str, name: str) -> TransitionSpec:
    """The transition ``name`` if it leaves ``stage``; IllegalTransition otherwise."""
    from workflows.core.errors import IllegalTransition

    spec = TRANSITIONS.get(name)
    if spec is None or stage not in spec.sources:
        raise IllegalTransition(
            _("A campaign at stage “%(stage)s” cannot be moved that way.") % {"stage": Stage(stage).label}
        )
    return spec


def spec_to(stage: str, target: str) -> TransitionSpec:
    """The forward transition from ``stage`` to ``target``; IllegalTransition otherwise."""
    from workflows.core.errors import IllegalTransition

    spec = ADVANCE_FROM.get(stage)
    if spec is None or spec.target != target:
        raise IllegalTransition(
            _("A campaign at stage “%(stage)s” cannot move to “%(target)s”.")
            % {"stage": Stage(stage).label, "target": Stage(target).label if target in Stage.values else target}
        )
    return spec
