"""The campaign page names who did each thing of its history; what a job
did (the recognition timer's escalation) has no actor and reads as the
system. Before the fix the page answered 500 from the first escalation on."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.recognition.dossiers import submitted
from workflows.campaigns.models import CampaignEvent, EventKind
from workflows.core import clock
from workflows.core.people import person_label
from workflows.recognition import jobs

#: Thursday before Tết 2026: the verification is due 26/02, escalated on the 27th.
BEFORE_TET = dt.date(2026, 2, 12)


def timeline_entries(html: str) -> list[tuple[str, str]]:
    """(event kind, who) of each timeline entry, newest first."""
    return re.findall(r'<li class="(\w+)">\s*<small class="muted">[^<]*<span class="actor">([^<]*)</span>', html)


@pytest.fixture
def escalated(world):
    with clock.travel_to(BEFORE_TET):
        campaign = submitted(world)
    assert jobs.timers_fire(day="2026-02-27") == 1
    return campaign


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager"])
def test_the_campaign_page_shows_an_escalation_by_the_system(client, world, escalated, role):
    # given a dossier escalated by the timer job: an event without an actor
    assert CampaignEvent.objects.filter(campaign=escalated, kind=EventKind.DOSSIER_ESCALATED,
                                        actor=None).count() == 1
    client.force_login(world.user(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when the campaign's page is opened
    response = client.get(reverse("campaigns:detail", args=[escalated.pk]))

    # then it answers, and the escalation reads as the system, the submission as the officer
    assert response.status_code == 200
    entries = timeline_entries(response.content.decode())
    assert entries[0] == ("dossier_escalated", "System")
    assert entries[1] == ("dossier_submitted", world.officer.get_full_name())


def test_nobody_is_named_as_the_system_and_people_by_their_name(world):
    with translation.override("en"):
        assert person_label(None) == "System"
    world.officer.first_name, world.officer.last_name = "", ""
    assert person_label(world.officer) == "officer"
    assert person_label(world.supervisor) == world.supervisor.get_full_name()
