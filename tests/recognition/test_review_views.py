"""The review's screens: the dossier page and its checklist, uploads and
submission through the page, the inbox rows in My tasks (a constant number
of queries), the diagram with the current step, the decision draft."""
from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory, UserFactory
from tests.recognition.dossiers import PDF, fill, pdf, submitted, waiting
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import Campaign
from workflows.organisation import services as org
from workflows.recognition import services
from workflows.recognition.models import Dossier, DossierDocument, DossierStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_checklist_shows_what_is_missing_and_submission_waits(english, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer, kinds=[DocumentKind.MEMBER_LIST])
    english.force_login(world.officer)
    page = english.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode()
    assert 'id="doc-member_list" class="present"' in page
    assert 'id="doc-vote_count" class="missing"' in page
    assert ("Still missing: Founding congress minutes; Vote-count minutes; List of the provisional executive "
            "committee; Enterprise registration certificate; Workforce report") in page
    assert "<button type=\"submit\" disabled>Submit the dossier</button>" in page


def test_an_officer_uploads_and_submits_through_the_page(english, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer, kinds=[k for k in DocumentKind.values if k != DocumentKind.WORKFORCE_REPORT])
    english.force_login(world.officer)
    version = Dossier.objects.get(campaign=campaign).version
    response = english.post(reverse("recognition:upload", args=[campaign.pk]), {
        "version": version, "kind": DocumentKind.WORKFORCE_REPORT, "file": pdf("Báo cáo lao động.pdf")})
    assert response.status_code == 302
    document = DossierDocument.objects.get(dossier__campaign=campaign, kind=DocumentKind.WORKFORCE_REPORT)
    assert (document.file_name, bytes(document.content)) == ("Báo cáo lao động.pdf", PDF)
    # the file comes back as it went in, under its Vietnamese name
    download = english.get(reverse("recognition:document", args=[campaign.pk, document.pk]))
    assert download.content == PDF and download["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20lao%20%C4%91%E1%BB%99ng.pdf" in download["Content-Disposition"]

    response = english.post(reverse("recognition:submit", args=[campaign.pk]),
                            {"version": version + 1, "note": "Hồ sơ đủ"})
    assert response.status_code == 302
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.SUBMITTED
    waiting(campaign, "verify")


def test_a_refused_upload_says_why_on_the_page(english, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    english.force_login(world.officer)
    response = english.post(reverse("recognition:upload", args=[campaign.pk]), {
        "version": 0, "kind": DocumentKind.MEMBER_LIST, "file": pdf("danh-sach.pdf", b"not a pdf")})
    assert response.status_code == 400
    assert "The file&#x27;s content is not a .pdf file: it may be damaged or wrongly named." in (
        response.content.decode())
    assert not DossierDocument.objects.exists()


def test_a_stale_page_answers_409(english, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer)
    english.force_login(world.officer)
    response = english.post(reverse("recognition:submit", args=[campaign.pk]), {"version": 0})
    assert response.status_code == 409
    assert "Someone else changed this dossier in the meantime." in response.content.decode()
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.DRAFT


def test_the_verifier_takes_the_step_from_my_tasks(english, world):
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    english.force_login(world.other_officer)
    page = english.get(reverse("campaigns:my_tasks")).content.decode()
    assert f'id="review-{task.pk}"' in page and "Verify the dossier" in page
    response = english.post(reverse("recognition:take", args=[task.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="review-{task.pk}"' in response.content.decode()
    assert waiting(campaign, "verify").owner_id == world.other_officer.pk
    # the page of the dossier now offers the verification form
    page = english.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode()
    assert 'id="verify-form"' in page
    response = english.post(reverse("recognition:verify", args=[task.pk]), {
        "version": Dossier.objects.get(campaign=campaign).version, "complete": "no", "comments": "Thiếu dấu"})
    assert response.status_code == 302
    assert waiting(campaign, "correct").owner_id == world.officer.pk


def test_someone_else_took_it_first(english, world):
    colleague = UserFactory(username="colleague")
    org.working_group_member_add(group=world.other_group, user=colleague, actor=world.admin)
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    services.review_task_take(task_id=task.pk, actor=colleague)
    english.force_login(world.other_officer)
    response = english.post(reverse("recognition:take", args=[task.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert f"{colleague.get_full_name()} has already taken this step." in response.content.decode()


def test_the_supervisor_decides_on_the_page_and_the_campaign_is_recognised(english, world):
    campaign = submitted(world)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    task = waiting(campaign, "decide")
    english.force_login(world.supervisor)
    page = english.get(reverse("recognition:dossier", args=[campaign.pk])).content.decode()
    assert 'id="decide-form"' in page and 'id="reassign-form"' in page
    response = english.post(reverse("recognition:decide", args=[task.pk]), {
        "version": Dossier.objects.get(campaign=campaign).version, "approve": "yes",
        "decision_number": "21/QĐ-LĐLĐ", "decision_date": campaign.congress_on.strftime("%d/%m/%Y"),
        "admitted_members": "6"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.decision_number, campaign.admitted_members) == (
        Stage.RECOGNISED, "21/QĐ-LĐLĐ", 6)


def test_my_tasks_reads_the_review_steps_in_a_constant_number_of_queries(client, world):
    def queries() -> int:
        client.force_login(world.other_officer)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("campaigns:my_tasks")).status_code == 200
        return len(captured.captured_queries)

    submitted(world)
    few = queries()
    for _ in range(6):
        submitted(world, enterprise=EnterpriseFactory(responsible_unit=world.district))
    page = client.get(reverse("campaigns:my_tasks")).content.decode()
    assert page.count('<tr id="review-') == 7
    assert queries() == few


def test_the_diagram_marks_the_current_step(english, world):
    campaign = submitted(world)
    english.force_login(world.officer)
    page = english.get(reverse("recognition:diagram", args=[campaign.pk])).content.decode()
    assert 'id="node-verify" transform' in page
    assert 'class="node new current"' in page  # the verification waits in the queue
    assert page.count(" current\"") == 1
    assert 'id="node-start" transform="translate(' in page and 'class="node done"' in page
    assert "Current step: <strong>Verify the dossier</strong>" in page


def test_the_decision_draft_is_a_word_document_filled_from_the_case(english, world):
    campaign = submitted(world)
    english.force_login(world.supervisor)
    assert english.get(reverse("recognition:decision_draft", args=[campaign.pk])).status_code == 404  # not verified
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    response = english.get(reverse("recognition:decision_draft", args=[campaign.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    enterprise = campaign.enterprise
    assert ("Về việc công nhận đoàn viên, Công đoàn cơ sở và Ban Chấp hành lâm thời Công đoàn cơ sở "
            f"{enterprise.name}") in text
    assert "Điều 1. Công nhận 5 đoàn viên công đoàn (có danh sách kèm theo)" in text
    assert f"(mã số thuế {enterprise.tax_code})" in text
    assert f"ngày {campaign.congress_on:%d/%m/%Y}" in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert any("LIÊN ĐOÀN LAO ĐỘNG KHU VỰC TỪ SƠN" in cell for cell in cells)
    assert any("Số: …………/QĐ-CĐ" in cell for cell in cells)


def test_the_recognise_move_leads_to_the_dossier(english, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    english.force_login(world.supervisor)
    response = english.get(reverse("campaigns:transition", args=[campaign.pk, "recognise"]))
    assert response.status_code == 302 and response["Location"] == reverse("recognition:dossier", args=[campaign.pk])
    detail = english.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert 'id="dossier-link"' in detail
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.FOUNDING_CONGRESS
