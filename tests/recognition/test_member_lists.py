"""The dossier's member list and list of applications, generated from the
workers entered by name (XLSX and Word), attached to the dossier or
downloaded; the decision's admitted members fixed to the derived count."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tests.campaigns.membership import apply, names_campaign, to_congress
from tests.conftest import campaign_at
from tests.recognition.dossiers import fill, waiting
from workflows.audit.models import AuditEntry, AuditKind
from workflows.campaigns import register
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import Campaign
from workflows.core import clock
from workflows.recognition import member_lists, services
from workflows.recognition.models import DossierDocument

ROLES = ["anonymous", "other_officer", "officer", "other_supervisor", "supervisor", "manager"]
ALLOWED = {"officer", "supervisor"}
#: entered in this order; listed by name
NAMES = ["Trần Thị Hoa", "Lê Văn An", "Phạm Thị Cúc", "Nguyễn Văn Bình", "Đỗ Thị Dung", "Vũ Văn Em"]
ADMITTED = sorted(NAMES[:5])


@pytest.fixture
def congress(world):
    """A congress that admitted five; a sixth applied and withdrew; a committee of three."""
    campaign, people = names_campaign(world, workers=3, prefix="Ban vận động")
    applicants = [register.worker_add(campaign_id=campaign.pk, actor=world.officer, data=register.WorkerData(
        full_name=name, department="Tổ may", birth_year=1990 + i, gender="female", job="=HYPERLINK(\"x\")"))
        for i, name in enumerate(NAMES)]
    apply(world, campaign, applicants[5:])
    register.application_withdraw(campaign_id=campaign.pk, worker_id=applicants[5].pk, actor=world.officer)
    to_congress(world, campaign, committee=people, applicants=applicants[:5])
    return Campaign.objects.select_related("enterprise", "responsible_unit").get(pk=campaign.pk), applicants


def _client(client, world, role):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if role != "anonymous":
        client.force_login(world.user(role))
    return client


def _xlsx_names(content: bytes) -> dict[str, list[str]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
            for sheet in book.worksheets}


def _docx_names(content: bytes) -> list[list[str]]:
    document = Document(io.BytesIO(content))
    return [[row.cells[1].text for row in table.rows[1:]] for table in document.tables]


def test_the_lists_hold_exactly_the_admitted_members_and_the_standing_applications(congress):
    # given
    campaign, applicants = congress

    # when
    lists = member_lists.member_lists_of(campaign, today=clock.today())
    workbook, document = member_lists.member_lists_xlsx(lists), member_lists.member_lists_docx(lists)

    # then: the admitted members in the order of their names, in both files and both lists
    assert _xlsx_names(workbook) == {"Danh sách đoàn viên": ADMITTED, "Danh sách đơn": ADMITTED}
    assert _docx_names(document) == [ADMITTED, ADMITTED]
    assert lists.committee_head == "Ban vận động 01"
    text = "\n".join(p.text for p in Document(io.BytesIO(document)).paragraphs)
    assert "TRƯỞNG BAN VẬN ĐỘNG" in text and "Ban vận động 01" in text and campaign.enterprise.name in text
    # what people typed is never a formula
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    jobs = [row[5] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert jobs == ["'=HYPERLINK(\"x\")"] * 5
    assert lists.worker_ids == sorted(a.pk for a in applicants[:5])


@pytest.mark.parametrize("role", ROLES)
def test_generating_the_member_list_into_the_dossier_per_role(client, world, congress, role):
    # given
    campaign, _applicants = congress
    client = _client(client, world, role)
    url = reverse("recognition:member_list_generate", args=[campaign.pk])

    # when: Word, then Excel
    first = client.post(url, {"version": 0, "format": "docx"})
    second = client.post(url, {"version": 1, "format": "xlsx"})

    # then: the second supersedes the first
    documents = list(DossierDocument.objects.filter(kind=DocumentKind.MEMBER_LIST).order_by("pk"))
    if role in ALLOWED:
        assert (first.status_code, second.status_code) == (302, 302)
        assert [(d.file_name.rpartition(".")[2], d.superseded_at is None) for d in documents] == [
            ("docx", False), ("xlsx", True)]
        assert _docx_names(bytes(documents[0].content)) == [ADMITTED, ADMITTED]
        assert _xlsx_names(bytes(documents[1].content))["Danh sách đoàn viên"] == ADMITTED
    else:
        assert first.status_code == second.status_code == (302 if role == "anonymous" else 404)
        assert documents == []


def test_a_figures_only_campaign_uploads_its_member_list(client, world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)

    response = _client(client, world, "officer").post(
        reverse("recognition:member_list_generate", args=[campaign.pk]), {"version": 0, "format": "docx"})

    assert response.status_code == 400
    assert ("This campaign records its workers as figures only: its member list is uploaded, not generated."
            in response.content.decode())
    assert DossierDocument.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("file_format", ["xlsx", "docx"])
def test_downloading_the_lists_is_audited(client, world, congress, role, file_format):
    campaign, applicants = congress

    response = _client(client, world, role).get(
        reverse("recognition:member_list_download", args=[campaign.pk, file_format]))

    entries = list(AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_EXPORT))
    if role in ALLOWED:
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        names = _docx_names(response.content)[0] if file_format == "docx" else \
            _xlsx_names(response.content)["Danh sách đoàn viên"]
        assert names == ADMITTED
        assert [sorted(e.workers) for e in entries] == [sorted(a.pk for a in applicants[:5])]
        assert DossierDocument.objects.count() == 0
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert entries == []


def test_the_decision_form_shows_the_admitted_members_fixed(client, world, congress):
    # given a verified dossier of a campaign whose congress admitted five by name
    campaign, _applicants = congress
    fill(campaign, world.officer)
    services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    task = waiting(campaign, "decide")
    client = _client(client, world, "supervisor")

    # when
    page = client.get(reverse("recognition:dossier", args=[campaign.pk]))
    response = client.post(reverse("recognition:decide", args=[task.pk]), {
        "version": page.context["version"], "approve": "yes", "decision_number": "21/QĐ-LĐLĐ",
        "decision_date": clock.today().strftime("%d/%m/%Y"), "admitted_members": "99"})

    # then
    field = page.context["decide_form"].fields["admitted_members"]
    assert (field.disabled, page.context["decide_form"].initial["admitted_members"]) == (True, 5)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.admitted_members) == (Stage.RECOGNISED, 5)
