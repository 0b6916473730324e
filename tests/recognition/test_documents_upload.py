"""Several dossier documents in one POST (issue 18: on a phone, the whole
checklist in one go): each file checked on its own terms, all or nothing,
each refusal naming its document."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import campaign_at
from tests.recognition.dossiers import PDF, pdf
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.core.errors import Conflict
from workflows.recognition import services
from workflows.recognition.models import Dossier, DossierDocument

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def campaign(world):
    return campaign_at(world, Stage.FOUNDING_CONGRESS)


def documents(campaign) -> list[tuple[str, str]]:
    return sorted(DossierDocument.objects.filter(dossier__campaign=campaign, superseded_at__isnull=True)
                  .values_list("kind", "file_name"))


def test_two_documents_in_one_post_are_both_added_and_the_version_moves_once(english, world, campaign):
    english.force_login(world.officer)

    response = english.post(reverse("recognition:upload", args=[campaign.pk]), {
        "version": 0, f"file_{DocumentKind.CONGRESS_MINUTES}": pdf("bien-ban.pdf"),
        f"file_{DocumentKind.MEMBER_LIST}": SimpleUploadedFile("anh-danh-sach.jpg", JPEG, "image/jpeg")})

    assert (response.status_code, response["Location"]) == (302, reverse("recognition:dossier", args=[campaign.pk]))
    assert documents(campaign) == [(DocumentKind.CONGRESS_MINUTES, "bien-ban.pdf"),
                                   (DocumentKind.MEMBER_LIST, "anh-danh-sach.jpg")]
    assert Dossier.objects.get(campaign=campaign).version == 1


def test_one_bad_file_refuses_them_all_and_names_its_document(english, world, campaign):
    english.force_login(world.officer)

    response = english.post(reverse("recognition:upload", args=[campaign.pk]), {
        "version": 0, f"file_{DocumentKind.CONGRESS_MINUTES}": pdf("bien-ban.pdf"),
        f"file_{DocumentKind.VOTE_COUNT}": pdf("kiem-phieu.pdf", b"not a pdf"),
        f"file_{DocumentKind.REGISTRATION}": SimpleUploadedFile("giay-phep.exe", b"MZ\x90\x00")})

    page = response.content.decode()
    assert response.status_code == 400
    assert ("Vote-count minutes: The file&#x27;s content is not a .pdf file: it may be damaged or wrongly "
            "named.") in page
    assert "Enterprise registration certificate: Only PDF, JPEG, PNG, Word and Excel files are accepted" in page
    assert documents(campaign) == []


def test_the_form_without_a_file_asks_for_one(english, world, campaign):
    english.force_login(world.officer)

    response = english.post(reverse("recognition:upload", args=[campaign.pk]), {"version": 0})

    assert response.status_code == 400
    assert "Choose at least one file." in response.content.decode()
    assert documents(campaign) == []


def test_a_stale_checklist_is_refused_whole(world, campaign):
    services.document_upload(campaign_id=campaign.pk, actor=world.officer, kind=DocumentKind.MEMBER_LIST,
                             upload=pdf("danh-sach.pdf"))

    with pytest.raises(Conflict):
        services.documents_upload(campaign_id=campaign.pk, actor=world.officer, expected_version=0, uploads={
            DocumentKind.CONGRESS_MINUTES: pdf("bien-ban.pdf"), DocumentKind.VOTE_COUNT: pdf("kiem-phieu.pdf")})

    assert documents(campaign) == [(DocumentKind.MEMBER_LIST, "danh-sach.pdf")]


def test_a_document_sent_again_supersedes_the_one_before(world, campaign):
    services.documents_upload(campaign_id=campaign.pk, actor=world.officer, uploads={
        DocumentKind.MEMBER_LIST: pdf("cu.pdf")})

    services.documents_upload(campaign_id=campaign.pk, actor=world.officer, expected_version=1, uploads={
        DocumentKind.MEMBER_LIST: pdf("moi.pdf"), DocumentKind.WORKFORCE_REPORT: pdf("bao-cao.pdf", PDF)})

    assert documents(campaign) == [(DocumentKind.MEMBER_LIST, "moi.pdf"),
                                   (DocumentKind.WORKFORCE_REPORT, "bao-cao.pdf")]
    assert DossierDocument.objects.filter(dossier__campaign=campaign).count() == 3


@pytest.mark.parametrize("role", ["manager", "other_officer", "other_supervisor"])
def test_who_may_not_prepare_the_dossier_writes_nothing(client, world, campaign, role):
    client.force_login(world.user(role))

    response = client.post(reverse("recognition:upload", args=[campaign.pk]), {
        "version": 0, f"file_{DocumentKind.CONGRESS_MINUTES}": pdf("bien-ban.pdf")})

    assert response.status_code == 404
    assert documents(campaign) == []
