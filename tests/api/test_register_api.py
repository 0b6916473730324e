"""The rest of the people register over the API: consent, leaders, the
committee, applications (with the scanned form), the switch between figures
and workers by name, and the reads the pages show — a case's conversations,
a worker's assessments and history. Only who works the case gets an answer
(managers 404, like everyone out of scope); every read is audited with the
workers it names; a campaign's change carries its version; the pages' own
forms check the values, with their messages."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.api.test_people_api import ROLES as PEOPLE_ROLES, client_of, enter, viewed
from tests.campaigns.membership import apply, names_campaign, to_congress
from tests.conftest import campaign_at
from workflows.campaigns import register
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Application, Campaign, CampaignEvent, CommitteeMember, Register
from workflows.core import clock
from workflows.people.models import Conversation, Worker, WorkerChange

#: who works the case reads and writes its register; a province's administrator (no other role) does not
ROLES = [*PEOPLE_ROLES, ("administrator", False)]
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def today() -> str:
    return clock.today().isoformat()


def register_state() -> tuple:
    """Everything the register's writes may change."""
    return (sorted(Worker.objects.values_list("pk", "version", "full_name", "consent_on", "consent_withdrawn_on",
                                              "is_leader", "led_by_id", "anonymised_at")),
            sorted(CommitteeMember.objects.values_list("campaign_id", "worker_id", "is_head")),
            sorted(Application.objects.values_list("pk", "applied_on", "withdrawn_on", "form_name")),
            sorted(Campaign.objects.values_list("pk", "version", "register", "applications")),
            WorkerChange.objects.count(), Conversation.objects.count(), CampaignEvent.objects.count())


# --- who may ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role,sees", ROLES)
def test_each_role_reads_the_register_or_gets_404(world, role, sees):
    campaign, workers = names_campaign(world, workers=3)
    register.conversation_add(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                              worker_ids=[workers[0].pk, workers[1].pk], outcome="supportive")
    register.assessment_add(campaign_id=campaign.pk, worker_id=workers[0].pk, actor=world.officer, level=2)
    register.committee_choose(campaign_id=campaign.pk, actor=world.officer, worker_ids=[workers[1].pk],
                              head_id=workers[1].pk)
    apply(world, campaign, [workers[2]])
    client = client_of(world.user(role))
    base = f"/api/v1/campaigns/{campaign.pk}"

    answers = [client.get(url) for url in (
        f"{base}/conversations/", f"{base}/workers/{workers[0].pk}/assessments/",
        f"{base}/workers/{workers[0].pk}/history/", f"{base}/committee/", f"{base}/applications/")]

    assert [a.status_code for a in answers] == ([200] * 5 if sees else [404] * 5)
    if sees:
        assert viewed() == [[workers[0].pk, workers[1].pk], [workers[0].pk], [workers[0].pk], [workers[1].pk],
                            [workers[2].pk]]
    else:
        assert {a["Content-Type"] for a in answers} == {"application/problem+json"}
        assert viewed() == []


@pytest.mark.parametrize("role,sees", ROLES)
def test_who_may_not_work_the_case_writes_nothing(world, role, sees):
    campaign, workers = names_campaign(world, workers=5)
    apply(world, campaign, [workers[4]])
    campaign.refresh_from_db()
    client = client_of(world.user(role))
    base = f"/api/v1/campaigns/{campaign.pk}"
    before = register_state()

    answers = [
        client.post(f"{base}/workers/{workers[0].pk}/consent/", {"on": today(), "method": "verbal"}, format="json"),
        client.post(f"{base}/workers/{workers[1].pk}/consent/withdrawal/", {"on": today(), "confirm": True},
                    format="json"),
        client.post(f"{base}/workers/{workers[2].pk}/leader/", {"is_leader": True, "followers": [workers[3].pk]},
                    format="json"),
        client.post(f"{base}/committee/", {"workers": [workers[2].pk, workers[3].pk], "head": workers[2].pk},
                    format="json", HTTP_IF_MATCH=f'"{campaign.version}"'),
        client.post(f"{base}/applications/", {"worker": workers[3].pk, "applied_on": today()}, format="json"),
        client.post(f"{base}/applications/{workers[4].pk}/withdrawal/", {}, format="json"),
    ]
    switch = client.post(f"{base}/register/", {"register": "figures"}, format="json",
                         HTTP_IF_MATCH=f'"{Campaign.objects.get(pk=campaign.pk).version}"')

    assert [a.status_code for a in answers] + [switch.status_code] == (
        [200, 200, 200, 200, 201, 200, 200] if sees else [404] * 7)
    if not sees:
        assert register_state() == before
        assert viewed() == []


# --- consent ----------------------------------------------------------------------------------
def test_consent_is_recorded_then_withdrawn_and_the_record_anonymised(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/workers/{worker.pk}/consent/"

    recorded = client.post(url, {"on": today(), "method": "written"}, format="json")

    assert recorded.status_code == 200, recorded.json()
    assert (recorded.json()["consent_on"], recorded.json()["consent_method"]) == (today(), "written")
    assert recorded["ETag"] == f'"{worker.version + 1}"'
    assert (Worker.objects.get(pk=worker.pk).consent_on, viewed()) == (clock.today(), [[worker.pk]])

    unconfirmed = client.post(f"{url}withdrawal/", {"on": today()}, format="json")
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["errors"] == {"confirm": ["This field is required."]}
    future = client.post(f"{url}withdrawal/", {"on": (clock.today() + dt.timedelta(days=1)).isoformat(),
                                               "confirm": True}, format="json")
    assert future.status_code == 400
    assert future.json()["errors"] == {"on": ["Consent cannot be withdrawn in the future."]}
    assert Worker.objects.get(pk=worker.pk).anonymised_at is None

    withdrawn = client.post(f"{url}withdrawal/", {"on": today(), "confirm": True}, format="json")

    assert withdrawn.status_code == 200, withdrawn.json()
    body = withdrawn.json()
    assert (body["full_name"], body["phone"], body["is_anonymised"], body["consent_withdrawn_on"]) == (
        "", "", True, today())
    assert body["display_name"] == f"Anonymised worker #{worker.pk}"
    again = client.post(url, {"on": today(), "method": "written"}, format="json")
    assert again.status_code == 400
    assert again.json()["detail"] == "This worker was anonymised: their record can no longer be changed."
    assert viewed() == [[worker.pk], [worker.pk]]


def test_a_consent_takes_the_pages_values_and_their_messages(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]

    response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/workers/{worker.pk}/consent/",
                                             {"on": "31/02/2026", "method": "telepathy"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "on": ["Enter a date as dd/mm/yyyy."],
        "method": ["Select a valid choice. telepathy is not one of the available choices."]}
    assert Worker.objects.get(pk=worker.pk).version == worker.version


def test_json_values_of_another_type_are_refused_on_their_field(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]
    url = f"/api/v1/campaigns/{campaign.pk}/workers/{worker.pk}/consent/withdrawal/"

    response = client_of(world.officer).post(url, {"on": 20261101, "confirm": {"yes": True}}, format="json")
    not_an_object = client_of(world.officer).post(url, [today()], format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"on": ["Enter a date as dd/mm/yyyy."]}
    assert not_an_object.status_code == 400
    assert set(not_an_object.json()["errors"]) == {"on", "confirm"}
    assert Worker.objects.get(pk=worker.pk).anonymised_at is None


# --- leaders ---------------------------------------------------------------------------------
def test_a_leader_is_set_with_followers_and_unset(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    leader, *followers = enter(world, campaign, 3)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/workers/{leader.pk}/leader/"

    response = client.post(url, {"is_leader": True, "followers": [f.pk for f in followers]}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["is_leader"], sorted(response.json()["followers"])) == (True, [f.pk for f in followers])
    assert sorted(Worker.objects.filter(led_by=leader).values_list("pk", flat=True)) == [f.pk for f in followers]
    assert viewed() == [sorted([leader.pk, *[f.pk for f in followers]])]

    unset = client.post(url, {"is_leader": False}, format="json")

    assert unset.status_code == 200
    assert (unset.json()["is_leader"], unset.json()["followers"]) == (False, [])
    assert Worker.objects.filter(led_by=leader).count() == 0


def test_followers_are_workers_of_the_same_enterprise_and_only_a_leader_has_some(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    leader, follower = enter(world, campaign, 2)
    elsewhere = campaign_at(world, Stage.SURVEYED, enterprise=factories.EnterpriseFactory(
        responsible_unit=world.district))
    stranger = enter(world, elsewhere, 1, department="Kho")[0]
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/workers/{leader.pk}/leader/"
    before = register_state()

    foreign = client.post(url, {"is_leader": True, "followers": [stranger.pk]}, format="json")
    not_leader = client.post(url, {"is_leader": False, "followers": [follower.pk]}, format="json")

    assert (foreign.status_code, not_leader.status_code) == (400, 400)
    assert foreign.json()["errors"] == {"followers": ["Choose workers of the same enterprise."]}
    assert not_leader.json()["errors"] == {"followers": ["Only a leader has workers they influence."]}
    assert register_state() == before


# --- the committee ------------------------------------------------------------------------------
def test_the_committee_is_chosen_with_the_campaigns_version(world):
    campaign, workers = names_campaign(world, workers=4)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/committee/"
    etag = client.get(url)["ETag"]

    chosen = client.post(url, {"workers": [workers[2].pk, workers[0].pk], "head": workers[2].pk,
                               "formed_on": today()}, format="json", HTTP_IF_MATCH=etag)

    assert chosen.status_code == 200, chosen.json()
    fresh = Campaign.objects.get(pk=campaign.pk)
    assert chosen.json() == {"campaign": campaign.pk, "version": fresh.version, "formed_on": today(), "members": [
        {"worker": workers[2].pk, "is_head": True}, {"worker": workers[0].pk, "is_head": False}]}
    assert chosen["ETag"] == f'"{fresh.version}"' != etag
    assert sorted(CommitteeMember.objects.filter(campaign=campaign).values_list("worker_id", "is_head")) == [
        (workers[0].pk, False), (workers[2].pk, True)]
    stale = client.post(url, {"workers": [workers[1].pk]}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["detail"] == ("Someone else changed this campaign in the meantime. "
                                      "Reload the page and try again.")
    missing = client.post(url, {"workers": [workers[1].pk]}, format="json")
    assert missing.status_code == 400 and "expected_version" in missing.json()["errors"]
    by_body = client.post(url, {"workers": [workers[1].pk], "head": workers[3].pk,
                                "expected_version": fresh.version}, format="json")
    assert by_body.status_code == 400
    assert by_body.json()["errors"] == {"head": ["The head is one of the committee's members."]}
    assert CommitteeMember.objects.filter(campaign=campaign).count() == 2
    assert viewed() == [[]]  # the GET, before any member was chosen


def test_a_committee_needs_workers_who_still_work_there(world):
    campaign, workers = names_campaign(world, workers=1)
    client = client_of(world.officer)

    empty = client.post(f"/api/v1/campaigns/{campaign.pk}/committee/", {"workers": []}, format="json",
                        HTTP_IF_MATCH=f'"{campaign.version}"')
    unknown = client.post(f"/api/v1/campaigns/{campaign.pk}/committee/", {"workers": [workers[0].pk, 999999]},
                          format="json", HTTP_IF_MATCH=f'"{campaign.version}"')

    assert empty.json()["errors"] == {"workers": ["Choose the committee's members."]}
    assert unknown.json()["errors"] == {"workers": ["Choose workers of this enterprise who still work there."]}
    assert CommitteeMember.objects.filter(campaign=campaign).count() == 0


def test_a_committee_may_come_as_a_form_with_repeated_workers(world):
    campaign, workers = names_campaign(world, workers=3)

    response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/committee/", {
        "workers": [workers[0].pk, workers[1].pk], "head": workers[1].pk, "expected_version": campaign.version},
        format="multipart")

    assert response.status_code == 200, response.json()
    assert sorted(CommitteeMember.objects.filter(campaign=campaign).values_list("worker_id", "is_head")) == [
        (workers[0].pk, False), (workers[1].pk, True)]


# --- applications -------------------------------------------------------------------------------
def test_an_application_with_its_scanned_form_in_multipart(world):
    campaign, workers = names_campaign(world, workers=2)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/applications/"

    with_form = client.post(url, {"worker": workers[0].pk, "applied_on": today(),
                                  "form": SimpleUploadedFile("đơn.pdf", PDF, content_type="text/plain")},
                            format="multipart")
    without = client.post(url, {"worker": workers[1].pk, "applied_on": today()}, format="json")

    assert (with_form.status_code, without.status_code) == (201, 201), with_form.json()
    assert {k: with_form.json()[k] for k in ("worker", "applied_on", "status", "has_form")} == {
        "worker": workers[0].pk, "applied_on": today(), "status": "standing", "has_form": True}
    assert without.json()["has_form"] is False
    stored = Application.objects.get(pk=with_form.json()["id"])
    assert (stored.form_name, stored.form_type, bytes(stored.form_content)) == ("đơn.pdf", "application/pdf", PDF)
    assert Campaign.objects.get(pk=campaign.pk).applications == 2
    assert viewed() == []  # ids only: the caller sent them

    listed = client.get(url)
    assert [(row["worker"], row["status"]) for row in listed.json()["results"]] == [
        (workers[0].pk, "standing"), (workers[1].pk, "standing")]
    assert viewed() == [[workers[0].pk, workers[1].pk]]


@pytest.mark.parametrize("name,content,message", [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "The scanned form is a PDF, JPEG or PNG file."),
    ("form.pdf", b"just some text, not a PDF", "The file's content is not a .pdf file: it may be damaged or "
                                               "wrongly named."),
])
def test_the_scanned_form_is_checked_by_its_name_and_its_bytes(world, name, content, message):
    campaign, workers = names_campaign(world, workers=1)

    response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/applications/", {
        "worker": workers[0].pk, "applied_on": today(), "form": SimpleUploadedFile(name, content)},
        format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == {"form": [message]}
    assert Application.objects.count() == 0


def test_applications_are_refused_twice_withdrawn_and_made_again(world):
    campaign, workers = names_campaign(world, workers=1)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/applications/"
    client.post(url, {"worker": workers[0].pk, "applied_on": today()}, format="json")

    twice = client.post(url, {"worker": workers[0].pk, "applied_on": today()}, format="json")
    withdrawn = client.post(f"{url}{workers[0].pk}/withdrawal/", {"on": today()}, format="json")
    none_left = client.post(f"{url}{workers[0].pk}/withdrawal/", {}, format="json")

    assert twice.status_code == 400
    assert twice.json()["errors"] == {"worker": ["Công nhân 01 has already applied."]}
    assert (withdrawn.status_code, withdrawn.json()["status"], withdrawn.json()["withdrawn_on"]) == (
        200, "withdrawn", today())
    assert none_left.status_code == 404
    assert [r["status"] for r in client.get(url, {"status": "withdrawn"}).json()["results"]] == ["withdrawn"]
    assert client.get(url, {"status": "standing"}).json()["results"] == []
    again = client.post(url, {"worker": workers[0].pk, "applied_on": today()}, format="json")
    assert (again.status_code, again.json()["status"]) == (201, "standing")
    assert Application.objects.filter(campaign=campaign).count() == 1


def test_an_admitted_application_cannot_be_withdrawn(world):
    campaign, workers = names_campaign(world, workers=8)
    to_congress(world, campaign, workers[:3], workers[3:])

    response = client_of(world.officer).post(
        f"/api/v1/campaigns/{campaign.pk}/applications/{workers[3].pk}/withdrawal/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == "The founding congress admitted this member already."
    assert Application.objects.get(worker=workers[3]).withdrawn_on is None


def test_a_figures_only_campaign_keeps_no_applications(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]
    client = client_of(world.officer)

    response = client.post(f"/api/v1/campaigns/{campaign.pk}/applications/",
                           {"worker": worker.pk, "applied_on": today()}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == ("This campaign counts its applications as a figure: switch it to workers "
                                         "by name to record them one by one.")
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/applications/").json()["results"] == []
    assert Application.objects.count() == 0


# --- the switch --------------------------------------------------------------------------------
def test_the_register_switches_with_the_campaigns_version(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/register/"
    etag = client.get(f"/api/v1/campaigns/{campaign.pk}/")["ETag"]

    switched = client.post(url, {"register": "names"}, format="json", HTTP_IF_MATCH=etag)

    assert switched.status_code == 200, switched.json()
    assert (switched.json()["register"], switched["ETag"]) == ("names", f'"{campaign.version + 1}"')
    assert Campaign.objects.get(pk=campaign.pk).register == Register.NAMES
    stale = client.post(url, {"register": "figures"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    same = client.post(url, {"register": "names", "expected_version": campaign.version + 1}, format="json")
    assert (same.status_code, same.json()["detail"]) == (400, "Nothing changed.")
    unknown = client.post(url, {"register": "both", "expected_version": campaign.version + 1}, format="json")
    assert unknown.json()["errors"] == {"register": ["Select a valid choice. both is not one of the available "
                                                     "choices."]}
    assert CampaignEvent.objects.filter(campaign=campaign, kind="register").count() == 1


# --- reads ---------------------------------------------------------------------------------------
def test_the_conversations_of_a_case_page_by_cursor_newest_first(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    workers = enter(world, campaign, 3)
    for days, worker in enumerate(workers):
        register.conversation_add(campaign_id=campaign.pk, actor=world.officer, worker_ids=[worker.pk],
                                  held_on=clock.today() - dt.timedelta(days=days), outcome="interested")
    client = client_of(world.officer)

    first = client.get(f"/api/v1/campaigns/{campaign.pk}/conversations/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["workers"] for row in first["results"]] == [[workers[0].pk], [workers[1].pk]]
    assert [row["workers"] for row in second["results"]] == [[workers[2].pk]]
    assert second["next"] is None
    assert viewed() == [[workers[0].pk, workers[1].pk], [workers[2].pk]]


def test_a_workers_history_names_fields_never_their_values(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    worker = enter(world, campaign, 1)[0]
    register.worker_edit(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer,
                         changes={"phone": "0987654321"}, citizen_id="001203004567")
    register.assessment_add(campaign_id=campaign.pk, worker_id=worker.pk, actor=world.officer, level=1,
                            note="Rất nhiệt tình")
    client = client_of(world.supervisor)
    base = f"/api/v1/campaigns/{campaign.pk}/workers/{worker.pk}"

    history = client.get(f"{base}/history/")
    assessments = client.get(f"{base}/assessments/")

    assert [(row["kind"], row["fields"], row["actor"]) for row in history.json()["results"]] == [
        ("assessed", [], world.officer.pk), ("changed", ["phone", "citizen_id"], world.officer.pk),
        ("created", [], world.officer.pk)]
    assert "0987654321" not in history.content.decode() and "4567" not in history.content.decode()
    assert [(row["level"], row["note"], row["assessed_by"]) for row in assessments.json()["results"]] == [
        (1, "Rất nhiệt tình", world.officer.pk)]
    assert viewed() == [[worker.pk], [worker.pk]]


@pytest.mark.parametrize("what", ["conversations", "applications"])
def test_the_lists_cost_the_same_queries_for_few_and_many(world, what, django_assert_max_num_queries):
    campaign, workers = names_campaign(world, workers=22)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/{what}/"

    def add(few):
        if what == "applications":
            apply(world, campaign, few)
        else:
            for worker in few:
                register.conversation_add(campaign_id=campaign.pk, actor=world.officer, held_on=clock.today(),
                                          worker_ids=[worker.pk, workers[0].pk], outcome="supportive")

    add(workers[1:3])
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    add(workers[3:])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.json()["results"]) == 21


def test_a_worker_of_another_enterprise_is_not_found_through_this_case(world):
    campaign = campaign_at(world, Stage.SURVEYED)
    elsewhere = campaign_at(world, Stage.SURVEYED, enterprise=factories.EnterpriseFactory(
        responsible_unit=world.district))
    stranger = enter(world, elsewhere, 1)[0]
    client = client_of(world.officer)
    base = f"/api/v1/campaigns/{campaign.pk}/workers/{stranger.pk}"
    before = register_state()

    answers = [client.get(f"{base}/history/").status_code, client.get(f"{base}/assessments/").status_code,
               client.post(f"{base}/consent/", {"on": today(), "method": "verbal"}, format="json").status_code,
               client.post(f"{base}/leader/", {"is_leader": True}, format="json").status_code]

    assert answers == [404, 404, 404, 404]
    assert register_state() == before
    assert viewed() == []

