"""Survey rounds and visits: validation, who may plan, record and read, and
opening a campaign from a visit."""
from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from tests import factories
from workflows.campaigns import services as campaign_services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Campaign, EventKind
from workflows.core import clock
from workflows.core.errors import DomainError, InvalidInput
from workflows.people import surveys
from workflows.people.models import EmployerAttitude, Issue, SurveyRound, SurveyVisit

ROLES = ["anonymous", "other_officer", "officer", "other_supervisor", "supervisor", "manager", "administrator"]


def _round(world, *, enterprises=None, days_back: int = 10, days_ahead: int = 10, teams=()):
    today = clock.today()
    return surveys.survey_round_create(actor=world.supervisor, data=surveys.RoundData(
        unit_id=world.district.pk, name="Khảo sát quý I", starts_on=today - dt.timedelta(days=days_back),
        ends_on=today + dt.timedelta(days=days_ahead),
        enterprise_ids=tuple(e.pk for e in (enterprises or [world.enterprise])), team_ids=tuple(teams)))


def _visit_data(**changes) -> surveys.VisitData:
    values = {"visited_on": clock.today(), "workforce": 400, "women": 250, "migrants": 120, "aged_under_30": 200,
                  "aged_30_to_45": 150, "aged_over_45": 50, "wage_min": 5_000_000, "wage_max": 9_000_000,
                  "employer_attitude": EmployerAttitude.NEUTRAL}
    values.update(changes)
    return surveys.VisitData(**values)


def _visit_post(**changes) -> dict:
    values = {"visited_on": clock.today().strftime("%d/%m/%Y"), "workforce": "400", "women": "250",
              "migrants": "120", "aged_under_30": "200", "aged_30_to_45": "150", "aged_over_45": "50",
              "wage_min": "5000000", "wage_max": "9000000", "employer_attitude": "neutral"}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


# --- validation ------------------------------------------------------------------------
def test_figures_that_do_not_hold_together_are_refused_on_their_fields(world):
    # given figures above the workforce, bands adding up to more, wages upside down, a day to come
    data = _visit_data(workforce=100, women=101, migrants=150, aged_under_30=60, aged_30_to_45=30,
                       aged_over_45=20, wage_min=9_000_000, wage_max=5_000_000,
                       visited_on=clock.today() + dt.timedelta(days=1))

    # when an officer records the visit
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer, data=data)

    # then each field says why, and nothing is written
    assert refused.value.fields == {
        "women": ["There cannot be more women than workers."],
        "migrants": ["There cannot be more migrant workers than workers."],
        "aged_over_45": ["The age bands add up to more than the workforce."],
        "wage_max": ["The highest wage cannot be lower than the lowest."],
        "visited_on": ["A visit cannot be recorded before it takes place."],
    }
    assert SurveyVisit.objects.count() == 0


def test_a_visit_outside_its_round_or_to_an_enterprise_off_its_list_is_refused(world):
    # given a round from 10 days ago to yesterday, listing another enterprise than the visited one
    other = factories.EnterpriseFactory(responsible_unit=world.district)
    survey_round = _round(world, enterprises=[world.enterprise], days_ahead=-1)

    # when visits are recorded today in the round, and to the other enterprise
    with translation.override("en"), pytest.raises(InvalidInput) as late:
        surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer,
                                    data=_visit_data(round_id=survey_round.pk))
    with translation.override("en"), pytest.raises(InvalidInput) as off_list:
        surveys.survey_visit_record(enterprise_id=other.pk, actor=world.officer,
                                    data=_visit_data(round_id=survey_round.pk))

    # then both are refused on the field at fault
    assert list(late.value.fields) == ["visited_on"]
    assert off_list.value.fields == {"round": ["This enterprise is not on that round's list."]}
    assert SurveyVisit.objects.count() == 0


def test_the_visit_form_shows_the_errors_next_to_the_fields_and_writes_nothing(world, client):
    client.force_login(world.officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse("people:visit_add", args=[world.enterprise.pk]),
                           _visit_post(workforce="100", women="300", wage_min="abc"))

    assert response.status_code == 400
    assert response.context["form"].errors == {"wage_min": ["Enter a whole number, zero or more."]}
    assert SurveyVisit.objects.count() == 0
    # the number fields open the phone's number pad
    assert response.content.decode().count('inputmode="numeric"') >= 10


def test_the_service_refusals_come_back_on_the_form(world, client):
    client.force_login(world.officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse("people:visit_add", args=[world.enterprise.pk]),
                           _visit_post(workforce="100", women="300", migrants="10", aged_under_30="10",
                                       aged_30_to_45="10", aged_over_45="10"))

    assert response.status_code == 400
    assert response.context["form"].errors == {"women": ["There cannot be more women than workers."]}
    assert SurveyVisit.objects.count() == 0


def test_a_visit_form_starts_with_today_the_running_round_and_the_officers_group(world, client):
    survey_round = _round(world)
    client.force_login(world.officer)

    response = client.get(reverse("people:visit_add", args=[world.enterprise.pk]))

    form = response.context["form"]
    assert response.status_code == 200
    assert (form.initial["visited_on"], form.initial["round"], form.initial["team"]) == (
        clock.today(), survey_round.pk, world.group.pk)
    assert "open_campaign" not in form.fields  # an officer does not open campaigns


def test_a_round_whose_peak_month_lies_outside_its_dates_is_refused(world):
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        surveys.survey_round_create(actor=world.supervisor, data=surveys.RoundData(
            unit_id=world.district.pk, name="Đợt 1", starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 4, 30),
            peak_month=7))

    assert refused.value.fields == {"peak_month": ["The peak month lies between the round's dates."]}
    assert SurveyRound.objects.count() == 0


def test_a_round_adds_every_enterprise_without_a_union_from_a_workforce(world):
    # given enterprises of the district of 30, 80 and 120 workers, one of 500 with a union, one elsewhere
    small = factories.EnterpriseFactory(responsible_unit=world.district, workforce=30)
    middle = factories.EnterpriseFactory(responsible_unit=world.district, workforce=80)
    large = factories.EnterpriseFactory(responsible_unit=world.district, workforce=120)
    factories.EnterpriseFactory(responsible_unit=world.district, workforce=500, has_union=True)
    factories.EnterpriseFactory(responsible_unit=world.other_district, workforce=900)

    # when a round lists the small one and adds all from 100 workers
    survey_round = surveys.survey_round_create(actor=world.supervisor, data=surveys.RoundData(
        unit_id=world.district.pk, name="Đợt 1", starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 4, 30),
        enterprise_ids=(small.pk,), add_all_from=100, team_ids=(world.group.pk,)))

    # then the list holds the small one, the 250-worker one of the world and the 120-worker one
    assert set(survey_round.enterprises.values_list("pk", flat=True)) == {small.pk, world.enterprise.pk, large.pk}
    assert middle.pk not in set(survey_round.enterprises.values_list("pk", flat=True))


# --- who may do what --------------------------------------------------------------------
ROUND_ADD = {"anonymous": 302, "other_officer": 404, "officer": 404, "other_supervisor": 404, "supervisor": 302,
             "manager": 404, "administrator": 302}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_plan_a_round_of_the_district(world, client, role):
    user = world.user(role)
    if user:
        client.force_login(user)

    response = client.post(reverse("people:round_add"), {
        "name": "Khảo sát tháng 3", "unit": world.district.pk, "starts_on": "01/03/2025", "ends_on": "31/03/2025",
        "peak_month": "3", "enterprises": [world.enterprise.pk], "teams": [world.group.pk]})

    assert response.status_code == ROUND_ADD[role]
    assert SurveyRound.objects.count() == (1 if role in ("supervisor", "administrator") else 0)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


# An officer of any working group of the district records visits to its enterprises.
VISIT_ADD = {"anonymous": 302, "other_officer": 302, "officer": 302, "other_supervisor": 404, "supervisor": 302,
             "manager": 404, "administrator": 404}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_record_a_visit(world, client, role):
    user = world.user(role)
    if user:
        client.force_login(user)

    response = client.post(reverse("people:visit_add", args=[world.enterprise.pk]), _visit_post())

    assert response.status_code == VISIT_ADD[role]
    written = VISIT_ADD[role] == 302 and role != "anonymous"
    assert SurveyVisit.objects.count() == (1 if written else 0)
    if written:
        assert response["Location"] == reverse("people:visit", args=[SurveyVisit.objects.get().pk])


SUMMARY = {"anonymous": 302, "other_officer": 404, "officer": 404, "other_supervisor": 404, "supervisor": 200,
           "manager": 200, "administrator": 404}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_summary_of_the_district(world, client, role):
    user = world.user(role)
    if user:
        client.force_login(user)

    response = client.get(reverse("people:summary"), {"unit": world.district.pk})

    assert response.status_code == SUMMARY[role]


ROUND_READ = {"anonymous": 302, "other_officer": 404, "officer": 200, "other_supervisor": 404, "supervisor": 200,
              "manager": 200, "administrator": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_a_round(world, client, role):
    # given a round of the district worked by the officer's group
    survey_round = _round(world, teams=[world.group.pk])
    user = world.user(role)
    if user:
        client.force_login(user)

    response = client.get(reverse("people:round", args=[survey_round.pk]))

    assert response.status_code == ROUND_READ[role]


def test_a_visit_is_corrected_by_its_officer_not_by_another(world, client):
    visit = surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer, data=_visit_data())
    url = reverse("people:visit_edit", args=[visit.pk])

    client.force_login(world.other_officer)
    refused = client.post(url, _visit_post(workforce="999"))
    client.force_login(world.officer)
    saved = client.post(url, _visit_post(workforce="450"))

    visit.refresh_from_db()
    assert (refused.status_code, saved.status_code, visit.workforce) == (404, 302, 450)


# --- opening the campaign -------------------------------------------------------------------
def test_a_visit_opens_the_campaign_at_surveyed_with_its_workforce(world):
    # given a visit that counted 400 workers (the registry says 250)
    visit = surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer,
                                        data=_visit_data(team_id=world.group.pk))

    # when the supervisor opens the campaign from it
    campaign = campaign_services.campaign_open_from_visit(visit_id=visit.pk, actor=world.supervisor)

    # then it is at "surveyed", worked by the visit's team, with the surveyed workforce on record
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.workforce, campaign.working_group_id) == (Stage.SURVEYED, 400, world.group.pk)
    assert list(campaign.events.values_list("kind", flat=True).order_by("pk")) == [EventKind.OPENED,
                                                                                   EventKind.COUNTS]


def test_a_second_open_campaign_is_refused(world):
    visit = surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer, data=_visit_data())
    campaign_services.campaign_open_from_visit(visit_id=visit.pk, actor=world.supervisor)

    with translation.override("en"), pytest.raises(DomainError) as refused:
        campaign_services.campaign_open_from_visit(visit_id=visit.pk, actor=world.supervisor)

    assert "already has an open campaign" in refused.value.message
    assert Campaign.objects.filter(enterprise=world.enterprise).count() == 1


def test_an_officer_does_not_open_the_campaign_from_a_visit(world):
    visit = surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer, data=_visit_data())

    with pytest.raises(PermissionDenied):
        campaign_services.campaign_open_from_visit(visit_id=visit.pk, actor=world.officer)

    assert Campaign.objects.count() == 0


def test_the_supervisor_records_a_visit_and_opens_the_campaign_in_one_go(world, client):
    client.force_login(world.supervisor)

    response = client.post(reverse("people:visit_add", args=[world.enterprise.pk]),
                           _visit_post(open_campaign="on", workforce="640", women="300"))

    campaign = Campaign.objects.get(enterprise=world.enterprise)
    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    assert (campaign.stage, campaign.workforce, SurveyVisit.objects.count()) == (Stage.SURVEYED, 640, 1)


def test_a_refused_opening_leaves_no_visit_behind(world, client):
    # given the enterprise's campaign already open
    visit = surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer, data=_visit_data())
    campaign_services.campaign_open_from_visit(visit_id=visit.pk, actor=world.supervisor)
    client.force_login(world.supervisor)

    response = client.post(reverse("people:visit_add", args=[world.enterprise.pk]),
                           _visit_post(open_campaign="on"))

    assert response.status_code == 400
    assert SurveyVisit.objects.count() == 1


def test_the_visit_page_offers_to_open_the_campaign_then_links_to_it(world, client):
    visit = surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer, data=_visit_data())
    page = reverse("people:visit", args=[visit.pk])
    open_url = reverse("people:visit_open_campaign", args=[visit.pk])

    client.force_login(world.officer)
    officer_before = client.get(page).content.decode()
    client.force_login(world.supervisor)
    supervisor_before = client.get(page).content.decode()
    opened = client.post(open_url)
    campaign = Campaign.objects.get()
    supervisor_after = client.get(page).content.decode()
    client.force_login(world.other_officer)  # not of the campaign's group: no link
    other_after = client.get(page).content.decode()

    assert (open_url in officer_before, open_url in supervisor_before) == (False, True)
    assert opened["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    campaign_url = reverse("campaigns:detail", args=[campaign.pk])
    assert (open_url in supervisor_after, campaign_url in supervisor_after, campaign_url in other_after) == (
        False, True, False)


def test_issues_are_recorded_with_the_visit(world):
    wages = Issue.objects.create(code="t-wages", name="Lương thấp", name_en="Low wages")

    visit = surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.officer,
                                        data=_visit_data(issue_ids=(wages.pk,)))

    assert list(visit.issues.values_list("code", flat=True)) == ["t-wages"]
