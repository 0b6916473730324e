"""Transition forms put each refusal on the field it concerns and state the
rule set's figures with what the case records now. Before the fix a refused
guard showed above the form, and the hint kept the count recorded before the
form was filled ("there are 0") next to an error about the typed count."""
from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.conftest import campaign_at
from workflows.campaigns import services
from workflows.campaigns.flows import TRANSITIONS, Stage
from workflows.campaigns.forms import TransitionForm
from workflows.campaigns.models import Campaign, CampaignEvent, RuleSet
from workflows.core import clock

TOMORROW = (clock.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
TODAY = clock.today().strftime("%d/%m/%Y")


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def state(campaign) -> tuple:
    row = Campaign.objects.get(pk=campaign.pk)
    return (row.stage, row.version, row.applications, row.committee_size, row.employer_met_on,
            CampaignEvent.objects.filter(campaign=campaign).count())


def post(client, user, campaign, name, data):
    """POST the transition form; a refusal answers 400 and writes nothing."""
    client.force_login(user)
    before = state(campaign)
    response = client.post(reverse("campaigns:transition", args=[campaign.pk, name]),
                           {"expected_stage": campaign.stage, **data})
    assert response.status_code == 400
    assert state(campaign) == before
    form = response.context["form"]
    assert form.non_field_errors() == []
    return form.errors


def help_texts(client, user, campaign, name) -> tuple[dict, str]:
    client.force_login(user)
    response = client.get(reverse("campaigns:transition", args=[campaign.pk, name]))
    assert response.status_code == 200
    form = response.context["form"]
    return {n: str(f.help_text) for n, f in form.fields.items() if f.help_text}, response.content.decode()


def test_every_guard_of_a_transition_belongs_to_a_field_of_its_form():
    for name, transition in TRANSITIONS.items():
        form = TransitionForm(transition=transition)
        assert {check.field for check in transition.checks if not callable(check.field)} <= set(form.fields), name
        assert all(check.field for check in transition.checks), name


# --- founding congress ------------------------------------------------------------
def test_too_few_applications_are_refused_on_their_field(english, world):
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)

    errors = post(english, world.officer, campaign, "hold_congress", {"applications": "3", "congress_on": TODAY})

    assert errors == {"applications": ["At least 5 membership applications are needed (there are 3)."]}


def test_the_applications_hint_states_the_rule_set_and_the_recorded_count(english, world):
    RuleSet.objects.create(name="Điều lệ sửa đổi", effective_from=clock.today(), min_members=7)
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=6)

    hints, html = help_texts(english, world.officer, campaign, "hold_congress")

    assert hints == {"applications": "The rule set in force asks for at least 7 applications; 6 recorded now."}
    assert 'class="blocked"' not in html  # the requirement is the field's, not a sentence above the form


def test_a_congress_in_the_future_is_refused_on_its_date(english, world):
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    services.campaign_counts_record(campaign_id=campaign.pk, actor=world.officer, applications=5)

    errors = post(english, world.officer, campaign, "hold_congress", {"applications": "5", "congress_on": TOMORROW})

    assert errors == {"congress_on": ["The founding congress cannot be recorded before it is held."]}


def test_the_applications_and_the_date_are_judged_together(english, world):
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)

    errors = post(english, world.officer, campaign, "hold_congress", {"applications": "1", "congress_on": TOMORROW})

    assert errors == {"applications": ["At least 5 membership applications are needed (there are 1)."],
                      "congress_on": ["The founding congress cannot be recorded before it is held."]}


# --- mobilising committee ---------------------------------------------------------
def test_a_small_committee_is_refused_on_its_members(english, world):
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    errors = post(english, world.officer, campaign, "form_committee",
                  {"members": "*Nguyễn Văn An; tổ trưởng\nTrần Thị Bình; công nhân"})

    assert errors == {"members": ["The mobilising committee needs at least 3 core workers (it has 2)."]}


@pytest.mark.parametrize("members, message", [
    ("Nguyễn Văn An\n; thợ may; 0912345678\nLê Văn Cường", "Every committee member needs a name."),
    ("*Nguyễn Văn An\n*Trần Thị Bình\nLê Văn Cường", "The committee has one head."),
])
def test_a_malformed_member_list_is_refused_on_its_members(english, world, members, message):
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    errors = post(english, world.officer, campaign, "form_committee", {"members": members})

    assert errors == {"members": [message]}


def test_a_committee_formed_in_the_future_is_refused_on_its_date(english, world):
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    errors = post(english, world.officer, campaign, "form_committee",
                  {"members": "Nguyễn Văn An\nTrần Thị Bình\nLê Văn Cường", "formed_on": TOMORROW})

    assert errors == {"formed_on": ["The committee cannot be formed in the future."]}


def test_the_committee_hint_states_the_rule_set_and_the_recorded_size(english, world):
    RuleSet.objects.create(name="Điều lệ sửa đổi", effective_from=clock.today(), min_committee=4)
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    hints, html = help_texts(english, world.officer, campaign, "form_committee")

    assert hints["members"].endswith("The rule set in force asks for at least 4 members; 0 recorded now.")
    assert 'class="blocked"' not in html


# --- employer contact, abandon, hold and resume ------------------------------------
def test_a_meeting_in_the_future_is_refused_on_its_date(english, world):
    campaign = campaign_at(world, Stage.SURVEYED)

    errors = post(english, world.officer, campaign, "contact_employer",
                  {"held_on": TOMORROW, "outcome": "supportive"})

    assert errors == {"held_on": ["A meeting cannot be recorded before it takes place."]}


def test_abandoning_for_another_reason_without_a_note_is_refused_on_the_note(english, world):
    campaign = campaign_at(world, Stage.SURVEYED)

    errors = post(english, world.supervisor, campaign, "abandon", {"reason": "other", "note": "  "})

    assert errors == {"note": ["Explain the reason when it is 'Other'."]}
    hints, _html = help_texts(english, world.supervisor, campaign, "abandon")
    assert hints == {"note": "Required when the reason is “Other”."}


@pytest.mark.parametrize("name, stage", [("hold", Stage.SURVEYED), ("resume", Stage.ON_HOLD)])
def test_hold_and_resume_have_no_figures_to_state(english, world, name, stage):
    campaign = campaign_at(world, stage)

    hints, html = help_texts(english, world.officer, campaign, name)

    assert hints == {}
    assert 'class="blocked"' not in html


# --- recognition (through the dossier review; its form judges the same way) ---------
def test_the_recognition_form_puts_too_few_admitted_members_on_their_field(world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)

    with translation.override("en"):
        form = TransitionForm({"expected_stage": campaign.stage, "decision_number": "12/QĐ", "decision_date": TODAY,
                               "admitted_members": "4"}, transition=TRANSITIONS["recognise"], campaign=campaign)
        assert form.errors == {"admitted_members": [
            "A grassroots union needs at least 5 admitted members (the decision admits 4)."]}
        assert str(form.fields["admitted_members"].help_text) == (
            "The rule set in force asks for at least 5 members; 5 applications recorded.")
