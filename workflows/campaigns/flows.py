"""The campaign state machine, declared once.

Stages (``Campaign.stage``, a django-fsm-2 field)::

    surveyed → employer_contacted → mobilising_committee → founding_congress → recognised
        any working stage ⇄ on_hold (resume returns to the held stage)
        any open stage → abandoned (a reason is required)
        mobilising_committee → employer_contacted   (step back: the committee fell apart)
        founding_congress → mobilising_committee    (step back: the congress was called off)

Each transition is one ``Transition`` in ``TRANSITIONS`` below: its name,
from → to, label, the permission it needs (``Action``), its guards with the
form field each judges, its form's fields, and what it records besides the
stage. ``services.campaign_transition`` takes any of them;
``forms.TransitionForm`` builds its form; ``Campaign`` gets one django-fsm-2
transition method per declaration (``StageMachine``). Adding a transition
is one entry here.

Guards are read from the rule set in force on the day of the transition. A
guard returns ``None`` when met, or a translated sentence that says what is
missing; the same sentences explain in the UI why a button is unavailable,
go on the form field they judge, and fill the error a refused service call
raises.

Only ``services`` call the transition methods.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django import forms
from django.db import models
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _, gettext_lazy
from django_fsm import RETURN_VALUE, transition

from workflows.core.errors import IllegalTransition

from . import fields as f

if TYPE_CHECKING:  # models is built on this module: annotations only
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


class Action(StrEnum):
    """What a user may do to a campaign; ``permissions`` says who may.
    Each transition names the one it needs."""

    VIEW = "view"
    OPEN = "open"  # on the enterprise
    ASSIGN = "assign"
    WORK = "work"  # meetings, committee, counts, notes, ad-hoc tasks
    ADVANCE = "advance"  # up to the founding congress
    HOLD = "hold"
    RESUME = "resume"
    ABANDON = "abandon"
    RECOGNISE = "recognise"
    STEP_BACK = "step_back"  # back one stage, when the case fell back
    FAIL = "fail"  # record that a new grassroots union failed in its first year
    PEOPLE = "people"  # see and change the workers of the case's enterprise by name (managers see counts only)


@dataclass(frozen=True)
class Rules:
    """The values of the rule set in force on a day (see ``RuleSet``)."""

    min_committee: int = 3
    min_members: int = 5
    stage_limits: tuple[tuple[str, int], ...] = ()
    verification_days: int = 5
    decision_days: int = 5
    required_documents: tuple[str, ...] = tuple(DocumentKind.values)
    follow_up_months: int = 12  # how long a new grassroots union is followed up
    dues_within_months: int = 6  # "dues collected within N months" counts this N
    erase_after_months: int = 12  # workers who did not join are erased this long after the campaign closes

    def stage_limit(self, stage: str) -> int | None:
        return dict(self.stage_limits).get(stage)


# --- guards -----------------------------------------------------------------
Guard = Callable[["Campaign", Rules], "str | None"]


def employer_meeting_recorded(campaign: Campaign, rules: Rules) -> str | None:
    if campaign.employer_met_on is None:
        return _("A meeting with the employer must be recorded first.")
    return None


def committee_formed(campaign: Campaign, rules: Rules) -> str | None:
    if campaign.committee_size < rules.min_committee:
        return _("The mobilising committee needs at least %(need)d core workers (it has %(have)d).") % {
            "need": rules.min_committee, "have": campaign.committee_size,
        }
    return None


def enough_applications(campaign: Campaign, rules: Rules) -> str | None:
    if campaign.applications < rules.min_members:
        return _("At least %(need)d membership applications are needed (there are %(have)d).") % {
            "need": rules.min_members, "have": campaign.applications,
        }
    return None


def congress_date_recorded(campaign: Campaign, rules: Rules) -> str | None:
    if campaign.congress_on is None:
        return _("The date of the founding congress must be given.")
    return None


def decision_recorded(campaign: Campaign, rules: Rules) -> str | None:
    if not (campaign.decision_number or "").strip() or campaign.decision_date is None:
        return _("Recognition needs the decision number and date.")
    return None


def enough_admitted(campaign: Campaign, rules: Rules) -> str | None:
    if campaign.admitted_members < rules.min_members:
        return _("A grassroots union needs at least %(need)d admitted members (the decision admits %(have)d).") % {
            "need": rules.min_members, "have": campaign.admitted_members,
        }
    return None


def abandon_reason_given(campaign: Campaign, rules: Rules) -> str | None:
    if campaign.abandon_reason not in AbandonReason.values:
        return _("Choose why the campaign is abandoned.")
    if campaign.abandon_reason == AbandonReason.OTHER and not (campaign.abandon_note or "").strip():
        return _("Explain the reason when it is 'Other'.")
    return None




# --- what a transition records besides the stage ---------------------------------
class Record(StrEnum):
    """What a transition records from its form, before its guards are judged
    (they read it); ``services`` writes each (``_RECORDERS``)."""

    MEETING = "meeting"  # held_on, outcome: the employer meeting, its own event
    COMMITTEE = "committee"  # members, formed_on: the committee's list, its own event
    APPLICATIONS = "applications"  # the application count, a counts event when it changed
    CONGRESS_DATE = "congress_date"  # congress_on, kept on the campaign and in the stage event
    DECISION = "decision"  # the recognition decision's number, date and admitted members
    ABANDON_REASON = "abandon_reason"  # reason (and the note for "other")


class Effect(StrEnum):
    """What a transition does once its guards are met; ``services`` does each
    (``_EFFECTS``)."""

    GRASSROOTS_UNIT = "grassroots_unit"  # the new CĐCS unit, the enterprise unionised, its members counted
    ADMISSION = "admission"  # workers by name: the congress admits every standing application
    ADMISSION_UNDONE = "admission_undone"  # workers by name: the congress called off, nobody is admitted


# --- the fsm methods' own work ---------------------------------------------------
def remember_held_stage(campaign: Campaign) -> None:
    campaign.held_stage = campaign.stage


def return_to_held_stage(campaign: Campaign) -> str:
    held, campaign.held_stage = campaign.held_stage, ""
    return held


def forget_held_stage(campaign: Campaign) -> None:
    campaign.held_stage = ""


def _figure(value: int) -> str:
    return number_format(value, force_grouping=True)


# --- transitions ------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """A guard of a transition. ``field``: the form field whose value it
    judges (or, given the candidate campaign, a function that says which);
    empty when no field of the form collects what it needs. ``on_input``:
    it judges the data the transition brings, so it is not shown before the
    form is filled."""

    guard: Guard
    field: str | Callable[[Campaign], str] = ""
    on_input: bool = False

    def field_for(self, candidate: Campaign) -> str:
        return self.field(candidate) if callable(self.field) else self.field


@dataclass(frozen=True, eq=False)
class Transition:
    """One transition of the campaign state machine, everything about it."""

    name: str
    sources: tuple[str, ...]
    #: None: resume, whose target is the held stage
    target: str | None
    label: Promise
    #: the permission it needs (``permissions.can``)
    action: Action
    checks: tuple[Check, ...] = ()
    #: the sentence refusing a blank note, when the transition needs a reason
    reason_required: Promise | None = None
    #: its form's fields, in order, besides the stage seen and the note
    #: (a field named "note" replaces the note)
    fields: Mapping[str, forms.Field] = field(default_factory=dict)
    #: the form's first values, given the campaign
    initial: Callable[[Campaign], dict] | None = None
    #: hints on fields, given the campaign and its rules: the figures the rule set asks for
    hints: Callable[[Campaign, Rules], dict[str, str]] | None = None
    #: the campaign's attributes as the form's values would record them (the
    #: form judges the guards on them; the service records through ``records``)
    proposes: Callable[[Mapping], dict] | None = None
    records: tuple[Record, ...] = ()
    effects: tuple[Effect, ...] = ()
    #: the fsm method's own work (the held stage); may return the target
    on_take: Callable[[Campaign], str | None] | None = None
    #: jobs queued after the commit with the campaign's id, by dotted name
    #: (callbacks of apps above this one: campaigns may not import them)
    jobs: tuple[str, ...] = ()
    #: the page where the transition is taken instead of its form (URL name, campaign id)
    taken_on: str = ""
    #: offered as a secondary button (it pauses, closes or steps back the case)
    secondary: bool = False
    #: fields whose figure a campaign with its workers by name derives from
    #: the register (committee seats, applications, admissions): its form
    #: shows them fixed, and the service records the derived figure
    derived: tuple[str, ...] = ()

    @property
    def guards(self) -> tuple[Guard, ...]:
        return tuple(check.guard for check in self.checks)

    def blocked_by(self, campaign: Campaign, rules: Rules) -> list[str]:
        """Why the transition cannot be offered now, before its form is filled."""
        return [reason for check in self.checks if not check.on_input
                and (reason := check.guard(campaign, rules))]

    def unmet(self, campaign: Campaign, rules: Rules) -> list[str]:
        return [reason for check in self.checks if (reason := check.guard(campaign, rules))]

    def reason_missing(self, note: str) -> list[str]:
        if self.reason_required and not (note or "").strip():
            return [str(self.reason_required)]
        return []

    def target_from(self, campaign: Campaign) -> str:
        return self.target or campaign.held_stage


def _past(label, message) -> forms.DateField:
    return f.past_date_field(label, message)


_COUNT = {"min_value": 0, "max_value": 10**6}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "contact_employer", (Stage.SURVEYED,), Stage.EMPLOYER_CONTACTED,
            gettext_lazy("Record employer contact"), Action.ADVANCE,
            checks=(Check(employer_meeting_recorded, "held_on"),),
            fields={"held_on": _past(gettext_lazy("Date of the meeting with the employer"),
                                     gettext_lazy("A meeting cannot be recorded before it takes place.")),
                    "outcome": forms.ChoiceField(label=gettext_lazy("Outcome"), choices=MeetingOutcome.choices)},
            proposes=lambda data: {"employer_met_on": data.get("held_on")},
            records=(Record.MEETING,),
        ),
        Transition(
            "form_committee", (Stage.EMPLOYER_CONTACTED,), Stage.MOBILISING_COMMITTEE,
            gettext_lazy("Mobilising committee formed"), Action.ADVANCE,
            checks=(Check(committee_formed, "members"),),
            fields={"members": f.committee_field(),
                    "formed_on": f.past_date_field(gettext_lazy("Formed on"), f.FORMED_ON_PAST, required=False)},
            hints=lambda campaign, rules: {"members": _(
                "The rule set in force asks for at least %(need)s members; %(have)s recorded now.") % {
                "need": _figure(rules.min_committee), "have": _figure(campaign.committee_size)}},
            proposes=lambda data: {"committee_size": len(data.get("members") or [])},
            records=(Record.COMMITTEE,),
            derived=("members",),
        ),
        Transition(
            "hold_congress", (Stage.MOBILISING_COMMITTEE,), Stage.FOUNDING_CONGRESS,
            gettext_lazy("Founding congress held"), Action.ADVANCE,
            checks=(Check(enough_applications, "applications"),
                    Check(congress_date_recorded, "congress_on", on_input=True)),
            fields={"applications": forms.IntegerField(label=gettext_lazy("Membership applications received"),
                                                       **_COUNT),
                    "congress_on": _past(gettext_lazy("Date of the founding congress"),
                                         gettext_lazy("The founding congress cannot be recorded before it is held."))},
            initial=lambda campaign: {"applications": campaign.applications},
            hints=lambda campaign, rules: {"applications": _(
                "The rule set in force asks for at least %(need)s applications; %(have)s recorded now.") % {
                "need": _figure(rules.min_members), "have": _figure(campaign.applications)}},
            proposes=lambda data: {"applications": data.get("applications"), "congress_on": data.get("congress_on")},
            records=(Record.APPLICATIONS, Record.CONGRESS_DATE),
            effects=(Effect.ADMISSION,),
            derived=("applications",),
        ),
        Transition(
            "recognise", (Stage.FOUNDING_CONGRESS,), Stage.RECOGNISED,
            gettext_lazy("Recognise the grassroots union"), Action.RECOGNISE,
            checks=(Check(decision_recorded, "decision_number", on_input=True),
                    Check(enough_admitted, "admitted_members", on_input=True)),
            fields={"decision_number": forms.CharField(label=gettext_lazy("Decision number"), max_length=64),
                    "decision_date": _past(gettext_lazy("Decision date"),
                                           gettext_lazy("The decision date cannot be in the future.")),
                    "admitted_members": forms.IntegerField(label=gettext_lazy("Members admitted by the decision"),
                                                           **_COUNT)},
            initial=lambda campaign: {"admitted_members": campaign.applications},
            hints=lambda campaign, rules: {"admitted_members": _(
                "The rule set in force asks for at least %(need)s members; %(have)s applications recorded.") % {
                "need": _figure(rules.min_members), "have": _figure(campaign.applications)}},
            proposes=lambda data: {"decision_number": (data.get("decision_number") or "").strip(),
                                   "decision_date": data.get("decision_date"),
                                   "admitted_members": data.get("admitted_members")},
            records=(Record.DECISION,),
            effects=(Effect.GRASSROOTS_UNIT,),
            derived=("admitted_members",),
            # recognition goes through the dossier review (submit, verify, decide), never straight to the form
            taken_on="recognition:dossier",
        ),
        Transition(
            "hold", WORKING_STAGES, Stage.ON_HOLD, gettext_lazy("Put on hold"), Action.HOLD,
            on_take=remember_held_stage, secondary=True,
        ),
        Transition(
            "resume", (Stage.ON_HOLD,), None, gettext_lazy("Resume"), Action.RESUME,
            on_take=return_to_held_stage,
        ),
        Transition(
            "abandon", OPEN_STAGES, Stage.ABANDONED, gettext_lazy("Abandon"), Action.ABANDON,
            # "Other" without an explanation: the note is what is missing
            checks=(Check(abandon_reason_given, lambda candidate: "note" if candidate.abandon_reason
                          in AbandonReason.values else "reason", on_input=True),),
            fields={"reason": forms.ChoiceField(label=gettext_lazy("Reason"), choices=AbandonReason.choices),
                    "note": f.note_field(help_text=gettext_lazy("Required when the reason is “Other”."))},
            proposes=lambda data: {"abandon_reason": data.get("reason") or "",
                                   "abandon_note": (data.get("note") or "").strip()},
            records=(Record.ABANDON_REASON,),
            on_take=forget_held_stage, secondary=True,
            # the recognition review of the campaign, if any, is cancelled
            jobs=("workflows.recognition.jobs.review_cancel_for_campaign",),
        ),
        # Steps back, when the case fell back; supervisors only, with the reason.
        Transition(
            "committee_fell_apart", (Stage.MOBILISING_COMMITTEE,), Stage.EMPLOYER_CONTACTED,
            gettext_lazy("Back: the committee fell apart"), Action.STEP_BACK, secondary=True,
            reason_required=gettext_lazy("Say why the committee fell apart (workers dismissed, resigned…)."),
            fields={"note": f.note_field(gettext_lazy("Reason"), required=True, help_text=gettext_lazy(
                "Workers of the committee were dismissed or resigned: the campaign goes back to "
                "“Employer contacted” until a committee is formed again."))},
        ),
        Transition(
            "congress_called_off", (Stage.FOUNDING_CONGRESS,), Stage.MOBILISING_COMMITTEE,
            gettext_lazy("Back: the congress was called off"), Action.STEP_BACK, secondary=True,
            reason_required=gettext_lazy("Say why the founding congress was called off."),
            fields={"note": f.note_field(gettext_lazy("Reason"), required=True, help_text=gettext_lazy(
                "The campaign goes back to “Mobilising committee” until the congress is held."))},
            effects=(Effect.ADMISSION_UNDONE,),
        ),
    )
}


def transitions_from(stage: str) -> list[Transition]:
    """The transitions leaving ``stage``, in declaration order."""
    return [t for t in TRANSITIONS.values() if stage in t.sources]


def transition_from(stage: str, name: str) -> Transition:
    """The transition ``name`` if it leaves ``stage``; IllegalTransition otherwise."""
    declared = TRANSITIONS.get(name)
    if declared is None or stage not in declared.sources:
        raise IllegalTransition(
            _("A campaign at stage “%(stage)s” cannot be moved that way.") % {"stage": Stage(stage).label}
        )
    return declared


# --- the django-fsm-2 methods ------------------------------------------------------
def _fsm_method(declared: Transition):
    """``Campaign.<name>()``: the transition on the model, with its sources,
    target and guards from the declaration."""

    def guards_met(campaign: Campaign) -> bool:
        return not declared.unmet(campaign, campaign.rules)

    def take(campaign: Campaign) -> str | None:
        return declared.on_take(campaign) if declared.on_take else None

    take.__name__ = take.__qualname__ = declared.name
    take.__doc__ = f"{declared.name}: {', '.join(declared.sources)} → {declared.target or 'the held stage'}"
    target = RETURN_VALUE(*WORKING_STAGES) if declared.target is None else declared.target
    return transition(field="stage", source=list(declared.sources), target=target,
                      conditions=[guards_met], custom={"label": declared.label})(take)


#: The mixin that gives ``Campaign`` one transition method per declaration.
StageMachine = type("StageMachine", (), {
    "__module__": __name__,
    "__doc__": "One django-fsm-2 transition method per entry of TRANSITIONS (only services call them).",
    **{name: _fsm_method(declared) for name, declared in TRANSITIONS.items()},
})
