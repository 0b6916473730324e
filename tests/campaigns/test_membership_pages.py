"""The pages of the committee chosen from the workers, the applications and
the "workers recorded" switch; the campaign page's membership panel and
counters; the founding congress's form in a campaign with its workers by name."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tests.campaigns.membership import add_worker, apply, names_campaign, to_committee, to_congress
from tests.conftest import campaign_at
from workflows.audit.models import AuditEntry, AuditKind
from workflows.campaigns import membership_pages
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Application, Campaign, CommitteeMember, Register
from workflows.core import clock
from workflows.organisation.permissions import scope_of

ROLES = ["anonymous", "other_officer", "officer", "other_supervisor", "supervisor", "manager"]
ALLOWED = {"officer", "supervisor"}
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _client(client, world, role):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if role != "anonymous":
        client.force_login(world.user(role))
    return client


def _refused(response, role) -> bool:
    return response.status_code == (302 if role == "anonymous" else 404)


def _views() -> int:
    return AuditEntry.objects.filter(kind__in=[AuditKind.PERSONAL_DATA_VIEW, AuditKind.PERSONAL_DATA_EXPORT]).count()


# --- the switch -----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_the_switch_to_workers_by_name_per_role(client, world, role):
    # given a figures-only campaign
    campaign = campaign_at(world, Stage.SURVEYED)

    # when
    response = _client(client, world, role).post(reverse("campaigns:register", args=[campaign.pk]),
                                                 {"version": campaign.version, "register": "names"})

    # then
    campaign.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert campaign.register == Register.NAMES
    else:
        assert _refused(response, role)
        assert campaign.register == Register.FIGURES


def test_the_switch_explains_what_changes_and_refuses_a_stale_version(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = _client(client, world, "officer")

    page = client.get(reverse("campaigns:register", args=[campaign.pk]))
    stale = client.post(reverse("campaigns:register", args=[campaign.pk]),
                        {"version": campaign.version + 1, "register": "names"})

    assert page.status_code == 200
    assert b"are derived from them" in page.content
    assert stale.status_code == 409
    campaign.refresh_from_db()
    assert campaign.register == Register.FIGURES


# --- the committee ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_choosing_the_committee_per_role(client, world, role):
    # given a campaign with five workers
    campaign, people = names_campaign(world, workers=5)
    url = reverse("campaigns:committee_choose", args=[campaign.pk])
    client = _client(client, world, role)

    # when
    page = client.get(url)
    response = client.post(url, {"version": campaign.version, "workers": [w.pk for w in people[:3]],
                                 "head": people[1].pk, "formed_on": clock.today().strftime("%d/%m/%Y")})

    # then
    campaign.refresh_from_db()
    seats = list(CommitteeMember.objects.filter(campaign=campaign).values_list("worker_id", "is_head"))
    if role in ALLOWED:
        assert (page.status_code, response.status_code) == (200, 302)
        assert sorted(seats) == [(people[0].pk, False), (people[1].pk, True), (people[2].pk, False)]
        assert campaign.committee_size == 3
        entry = AuditEntry.objects.get(kind=AuditKind.PERSONAL_DATA_VIEW)
        assert sorted(entry.workers) == sorted(w.pk for w in people)
    else:
        assert _refused(page, role) and _refused(response, role)
        assert (seats, campaign.committee_size, _views()) == ([], 0, 0)


def test_a_stale_committee_form_is_a_conflict(client, world):
    campaign, people = names_campaign(world, workers=3)
    response = _client(client, world, "officer").post(
        reverse("campaigns:committee_choose", args=[campaign.pk]),
        {"version": campaign.version + 1, "workers": [w.pk for w in people]})

    assert response.status_code == 409
    assert CommitteeMember.objects.filter(campaign=campaign).count() == 0


def test_a_head_outside_the_committee_is_refused_on_the_form(client, world):
    campaign, people = names_campaign(world, workers=4)
    response = _client(client, world, "officer").post(
        reverse("campaigns:committee_choose", args=[campaign.pk]),
        {"version": campaign.version, "workers": [w.pk for w in people[:3]], "head": people[3].pk})

    assert response.status_code == 400
    with translation.override("en"):
        assert "The head is one of the committee&#x27;s members." in response.content.decode()
    assert CommitteeMember.objects.filter(campaign=campaign).count() == 0


# --- applications ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_the_applications_page_per_role(client, world, role):
    # given two applications
    campaign, people = names_campaign(world, workers=3)
    apply(world, campaign, people[:2])

    # when
    response = _client(client, world, role).get(reverse("campaigns:applications", args=[campaign.pk]))

    # then: names for those who work the case, audited with the workers shown
    if role in ALLOWED:
        assert response.status_code == 200
        assert "Công nhân 01" in response.content.decode()
        entry = AuditEntry.objects.get(kind=AuditKind.PERSONAL_DATA_VIEW)
        assert sorted(entry.workers) == sorted(w.pk for w in people)  # two applicants and the one who may apply
    else:
        assert _refused(response, role)
        assert _views() == 0


@pytest.mark.parametrize("role", ROLES)
def test_adding_and_withdrawing_an_application_per_role(client, world, role):
    campaign, people = names_campaign(world, workers=2)
    apply(world, campaign, people[1:])
    client = _client(client, world, role)

    added = client.post(reverse("campaigns:application_add", args=[campaign.pk]),
                        {"worker": people[0].pk, "applied_on": clock.today().strftime("%d/%m/%Y")})
    withdrawn = client.post(reverse("campaigns:application_withdraw", args=[campaign.pk, people[1].pk]), {})

    standing = sorted(Application.objects.filter(campaign=campaign, withdrawn_on__isnull=True)
                      .values_list("worker_id", flat=True))
    campaign.refresh_from_db()
    if role in ALLOWED:
        assert (added.status_code, withdrawn.status_code) == (302, 302)
        assert (standing, campaign.applications) == ([people[0].pk], 1)
    else:
        assert _refused(added, role) and _refused(withdrawn, role)
        assert (standing, campaign.applications) == ([people[1].pk], 1)


def test_a_worker_of_another_enterprise_cannot_apply_here(client, world):
    from tests import factories

    campaign, _people = names_campaign(world, workers=1)
    elsewhere, (stranger,) = names_campaign(world, enterprise=factories.EnterpriseFactory(
        responsible_unit=world.district), workers=1)

    response = _client(client, world, "officer").post(
        reverse("campaigns:application_add", args=[campaign.pk]),
        {"worker": stranger.pk, "applied_on": clock.today().strftime("%d/%m/%Y")})

    assert response.status_code == 404
    assert Application.objects.count() == 0


@pytest.mark.parametrize(("name", "content", "content_type", "message"), [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf", "The scanned form is a PDF, JPEG or PNG file."),
    ("notes.txt", b"hello", "text/plain", "The scanned form is a PDF, JPEG or PNG file."),
    ("form.pdf", b"just some text, not a PDF", "application/pdf",
     "The file&#x27;s content is not a .pdf file: it may be damaged or wrongly named."),
    ("large.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf", "The scanned form is at most 10 MB."),
])
def test_the_scanned_form_is_a_pdf_jpeg_or_png_of_at_most_10_mb(client, world, name, content, content_type,
                                                                 message):
    campaign, (worker,) = names_campaign(world, workers=1)

    response = _client(client, world, "officer").post(
        reverse("campaigns:application_add", args=[campaign.pk]),
        {"worker": worker.pk, "applied_on": clock.today().strftime("%d/%m/%Y"),
         "form": SimpleUploadedFile(name, content, content_type=content_type)})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Application.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_the_scanned_form_downloads_audited(client, world, role):
    # given an application with its scanned form
    campaign, (worker,) = names_campaign(world, workers=1)
    _client(client, world, "officer").post(
        reverse("campaigns:application_add", args=[campaign.pk]),
        {"worker": worker.pk, "applied_on": clock.today().strftime("%d/%m/%Y"),
         "form": SimpleUploadedFile("đơn của tôi.pdf", PDF, content_type="application/octet-stream")})
    client.logout()

    # when
    response = _client(client, world, role).get(
        reverse("campaigns:application_form", args=[campaign.pk, worker.pk]))

    # then
    if role in ALLOWED:
        assert response.status_code == 200
        assert (response.content, response["Content-Type"]) == (PDF, "application/pdf")
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        entry = AuditEntry.objects.get(kind=AuditKind.PERSONAL_DATA_EXPORT)
        assert entry.workers == [worker.pk]
    else:
        assert _refused(response, role)
        assert _views() == 0


def test_a_figures_only_campaign_says_why_it_has_no_list(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = _client(client, world, "officer")

    page = client.get(reverse("campaigns:applications", args=[campaign.pk]))

    assert page.status_code == 200
    assert b'id="figures-only"' in page.content
    assert reverse("campaigns:register", args=[campaign.pk]).encode() in page.content
    assert _views() == 0


@pytest.mark.parametrize("rows", [2, 20])
def test_the_applications_page_reads_a_constant_number_of_queries(client, world, django_assert_max_num_queries,
                                                                  rows):
    campaign, people = names_campaign(world, workers=rows + 2)
    apply(world, campaign, people[:rows])
    client = _client(client, world, "officer")

    with django_assert_max_num_queries(7):
        response = client.get(reverse("campaigns:applications", args=[campaign.pk]))

    assert response.status_code == 200
    assert response.content.decode().count('class="application-row"') == rows


# --- the campaign page ----------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "counts_only", "links"), [
    ("officer", False, True), ("supervisor", False, True), ("manager", True, False)])
def test_the_panel_says_counts_only_to_managers(client, world, role, counts_only, links):
    # given a congress that admitted five
    campaign, people = names_campaign(world, workers=8)
    to_congress(world, campaign, committee=people[5:8], applicants=people[:5])
    user = world.user(role)
    campaign = Campaign.objects.select_related("responsible_unit", "enterprise").get(pk=campaign.pk)
    scope = scope_of(user)

    # when
    panel = membership_pages.membership_panel(user, campaign, scope=scope)
    page = _client(client, world, role).get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    # then
    assert (panel.counts_only, panel.standing, panel.admitted, panel.congress_admitted) == (counts_only, 5, 5, 5)
    assert (reverse("campaigns:applications", args=[campaign.pk]) in page) is links
    assert 'id="congress-admitted"' in page
    assert "Công nhân 01" not in page if counts_only else True


def test_the_panel_reads_one_query(world, django_assert_num_queries):
    campaign, people = names_campaign(world, workers=6)
    apply(world, campaign, people)
    campaign = Campaign.objects.select_related("responsible_unit").get(pk=campaign.pk)
    scope = scope_of(world.officer)

    with django_assert_num_queries(1):
        panel = membership_pages.membership_panel(world.officer, campaign, scope=scope)

    assert (panel.standing, panel.admitted, panel.can_switch, panel.names) == (6, 0, True, True)


@pytest.mark.parametrize(("register", "derived", "entered"), [("names", 4, 0), ("figures", 1, 3)])
def test_the_counters_say_whether_each_figure_is_entered_or_derived(client, world, register, derived, entered):
    campaign = campaign_at(world, Stage.SURVEYED)
    if register == "names":
        _client(client, world, "officer").post(reverse("campaigns:register", args=[campaign.pk]),
                                               {"version": campaign.version, "register": "names"})

    page = _client(client, world, "officer").get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert (page.count("figure-derived"), page.count("figure-entered")) == (derived, entered)


# --- the founding congress by name ----------------------------------------------------------------
def test_the_congress_form_shows_the_derived_count_fixed_and_refuses_too_few(client, world):
    # given four standing applications (the rule set asks for five)
    campaign, people = names_campaign(world, workers=7)
    to_committee(world, campaign, people[4:7])
    apply(world, campaign, people[:4])
    url = reverse("campaigns:transition", args=[campaign.pk, "hold_congress"])
    client = _client(client, world, "officer")

    # when
    form = client.get(url)
    response = client.post(url, {"expected_stage": Stage.MOBILISING_COMMITTEE, "applications": "99",
                                 "congress_on": clock.today().strftime("%d/%m/%Y")})

    # then: the field shows 4, fixed; the guard refuses
    assert form.status_code == 200
    field = form.context["form"].fields["applications"]
    assert (field.disabled, form.context["form"].initial["applications"]) == (True, 4)
    assert response.status_code == 400
    with translation.override("en"):
        assert response.context["form"].errors["applications"] == [
            "At least 5 membership applications are needed (there are 4)."]
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.applications) == (Stage.MOBILISING_COMMITTEE, 4)


def test_the_congress_admits_every_standing_application(world):
    campaign, people = names_campaign(world, workers=8)
    add_worker(world, campaign, "Không nộp đơn")

    to_congress(world, campaign, committee=people[5:8], applicants=people[:5])

    assert campaign.admitted_members == 5
    assert Application.objects.filter(campaign=campaign, admitted_on=clock.today()).count() == 5
