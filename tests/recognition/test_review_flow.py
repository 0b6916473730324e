"""The recognition review end to end through the services: submit, verify,
return for correction, resubmit, decide — and the campaign is recognised
once, through the campaign service."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from tests.conftest import campaign_at
from tests.recognition.dossiers import fill, pdf, submitted, waiting
from workflows.campaigns import services as campaign_services
from workflows.campaigns.flows import AbandonReason, DocumentKind, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, EventKind, MonthFigures, RuleSet
from workflows.core import clock
from workflows.core.errors import Conflict, DomainError
from workflows.enterprises.models import Enterprise
from workflows.notifications.models import Notification, NotificationKind
from workflows.organisation.models import Unit
from workflows.recognition import services
from workflows.recognition.models import Dossier, DossierDocument, DossierStatus, RecognitionProcess

pytestmark = pytest.mark.django_db


def _events(campaign, kind) -> int:
    return CampaignEvent.objects.filter(campaign=campaign, kind=kind).count()


def _decide(world, campaign, **overrides):
    task = waiting(campaign, "decide")
    return services.dossier_decide(task_id=task.pk, actor=world.supervisor, **{
        "approve": True, "decision_number": "15/QĐ-LĐLĐ", "decision_date": campaign.congress_on,
        "admitted_members": 5, **overrides})


def _assert_recognised_once(world, campaign):
    campaign.refresh_from_db()
    assert campaign.stage == Stage.RECOGNISED
    assert campaign.decision_number == "15/QĐ-LĐLĐ" and campaign.admitted_members == 5
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.STAGE, to_stage=Stage.RECOGNISED).count() == 1
    unions = Unit.objects.filter(kind__is_grassroots=True, path__startswith=world.district.path)
    assert list(unions.values_list("pk", flat=True)) == [campaign.recognised_unit_id]
    assert Enterprise.objects.get(pk=campaign.enterprise_id).has_union is True
    month = campaign.decision_date.replace(day=1)
    assert MonthFigures.objects.get(unit=world.district, month=month).members_admitted == 5
    process = RecognitionProcess.objects.get(dossier__campaign=campaign)
    assert process.status == STATUS.DONE and process.finished is not None
    assert not FlowTask.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED,
                                                                    STATUS.SCHEDULED]).exists()
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.RECOGNISED


def test_happy_path_recognises_the_campaign_once(world):
    campaign = submitted(world)
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.SUBMITTED
    verify = waiting(campaign, "verify")
    assert verify.owner_id is None and verify.data["due_on"]

    services.review_task_take(task_id=verify.pk, actor=world.other_officer)
    services.dossier_verify(task_id=verify.pk, actor=world.other_officer, complete=True)
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.VERIFIED
    _decide(world, campaign)

    _assert_recognised_once(world, campaign)
    assert _events(campaign, EventKind.DOSSIER_SUBMITTED) == 1
    assert _events(campaign, EventKind.DOSSIER_VERIFIED) == 1
    assert _events(campaign, EventKind.DOSSIER_RETURNED) == 0


def test_returned_twice_then_recognised_once(world):
    campaign = submitted(world)
    # the verifier finds it incomplete: back to the submitter with the comments
    verify = waiting(campaign, "verify")
    services.dossier_verify(task_id=verify.pk, actor=world.other_officer, complete=False,
                            comments="Biên bản kiểm phiếu thiếu chữ ký")
    correct = waiting(campaign, "correct")
    assert correct.owner_id == world.officer.pk
    dossier = Dossier.objects.get(campaign=campaign)
    assert (dossier.status, dossier.review_comments) == (DossierStatus.RETURNED, "Biên bản kiểm phiếu thiếu chữ ký")
    returned = Notification.objects.get(recipient=world.officer, kind=NotificationKind.REVIEW_RETURNED)
    assert returned.params["comments"] == "Biên bản kiểm phiếu thiếu chữ ký"

    # the committee replaces a document and resubmits; verified; the decider returns it too
    services.document_upload(campaign_id=campaign.pk, actor=world.officer, kind=DocumentKind.VOTE_COUNT,
                             upload=pdf("kiem-phieu-co-chu-ky.pdf"))
    services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    services.dossier_decide(task_id=waiting(campaign, "decide").pk, actor=world.supervisor, approve=False,
                            comments="Danh sách BCH lâm thời chưa đóng dấu")
    assert waiting(campaign, "correct").owner_id == world.officer.pk

    # third submission goes through
    services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    _decide(world, campaign)

    _assert_recognised_once(world, campaign)
    assert Dossier.objects.get(campaign=campaign).submissions == 3
    assert _events(campaign, EventKind.DOSSIER_SUBMITTED) == 3
    assert _events(campaign, EventKind.DOSSIER_RETURNED) == 2
    assert _events(campaign, EventKind.DOSSIER_VERIFIED) == 2
    # the replaced document is kept, superseded
    vote_counts = DossierDocument.objects.filter(dossier__campaign=campaign, kind=DocumentKind.VOTE_COUNT)
    assert sorted(vote_counts.values_list("file_name", flat=True)) == ["kiem-phieu-co-chu-ky.pdf", "vote_count.pdf"]
    assert vote_counts.filter(superseded_at__isnull=True).get().file_name == "kiem-phieu-co-chu-ky.pdf"


def test_submission_is_refused_while_a_document_is_missing(world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer, kinds=[DocumentKind.MEMBER_LIST, DocumentKind.CONGRESS_MINUTES])
    with pytest.raises(DomainError) as refused:
        services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)
    assert refused.value.message == (
        "The dossier cannot be submitted: missing Vote-count minutes; List of the provisional executive "
        "committee; Enterprise registration certificate; Workforce report.")
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.DRAFT
    assert not RecognitionProcess.objects.exists()
    assert _events(campaign, EventKind.DOSSIER_SUBMITTED) == 0


def test_the_rule_set_in_force_says_which_documents_are_required(world):
    RuleSet.objects.create(name="Hướng dẫn 2026", effective_from=clock.today() - dt.timedelta(days=1),
                           required_documents=[DocumentKind.MEMBER_LIST, DocumentKind.CONGRESS_MINUTES])
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer, kinds=[DocumentKind.MEMBER_LIST, DocumentKind.CONGRESS_MINUTES])
    services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.SUBMITTED
    waiting(campaign, "verify")


@pytest.mark.parametrize("name, content, message", [
    ("virus.exe", b"MZ\x90\x00", "Only PDF, JPEG, PNG, Word and Excel files are accepted (doc, docx, jpeg, jpg, "
                                 "pdf, png, xls, xlsx)."),
    ("bien-ban.pdf", b"just some text", "The file's content is not a .pdf file: it may be damaged or wrongly named."),
    ("danh-sach.docx", b"PK\x03\x04 not really a zip", "The file's content is not a .docx file: it may be damaged or "
                                                       "wrongly named."),
    ("trong.pdf", b"", "The file is empty."),
    ("khong-duoi", b"%PDF-1.4", "Only PDF, JPEG, PNG, Word and Excel files are accepted (doc, docx, jpeg, jpg, "
                                "pdf, png, xls, xlsx)."),
])
def test_a_bad_file_is_refused_and_nothing_is_written(world, name, content, message):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    with pytest.raises(ValidationError) as refused:
        services.document_upload(campaign_id=campaign.pk, actor=world.officer, kind=DocumentKind.MEMBER_LIST,
                                 upload=pdf(name, content))
    assert refused.value.message_dict == {"file": [message]}
    assert not DossierDocument.objects.exists()
    assert not Dossier.objects.exists()


def test_a_file_over_the_limit_is_refused(world, settings):
    settings.RECOGNITION_MAX_DOCUMENT_BYTES = 1000
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    with pytest.raises(ValidationError) as refused:
        services.document_upload(campaign_id=campaign.pk, actor=world.officer, kind=DocumentKind.MEMBER_LIST,
                                 upload=pdf("lon.pdf", b"%PDF-1.4" + b"0" * 1000))
    assert refused.value.message_dict == {"file": ["The file is larger than 1000\xa0bytes."]}
    assert not DossierDocument.objects.exists()


def test_the_dossier_cannot_change_under_review(world):
    campaign = submitted(world)
    with pytest.raises(DomainError, match="under review"):
        services.document_upload(campaign_id=campaign.pk, actor=world.officer, kind=DocumentKind.MEMBER_LIST,
                                 upload=pdf())
    with pytest.raises(Conflict, match="already submitted"):
        services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)


def test_no_dossier_before_the_founding_congress(world):
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE)
    with pytest.raises(DomainError) as refused:
        services.document_upload(campaign_id=campaign.pk, actor=world.officer, kind=DocumentKind.MEMBER_LIST,
                                 upload=pdf())
    assert refused.value.message == ("A recognition dossier belongs to a campaign whose founding congress was held.")


def test_a_stale_form_is_refused(world):
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    fill(campaign, world.officer)
    with pytest.raises(Conflict):
        services.dossier_submit(campaign_id=campaign.pk, actor=world.officer, expected_version=1)
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.DRAFT


def test_the_decision_waits_while_the_campaign_is_on_hold(world):
    campaign = submitted(world)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    campaign_services.campaign_transition(campaign_id=campaign.pk, name="hold", actor=world.officer)
    with pytest.raises(DomainError, match="on hold"):
        _decide(world, campaign)
    decide = waiting(campaign, "decide")  # still waiting, nothing recorded
    assert decide.owner_id is None
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.VERIFIED
    campaign_services.campaign_transition(campaign_id=campaign.pk, name="resume", actor=world.officer)
    _decide(world, campaign)
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.RECOGNISED


def test_a_decision_the_campaign_service_refuses_writes_nothing(world):
    campaign = submitted(world)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=True)
    with pytest.raises(ValidationError) as refused:
        _decide(world, campaign, decision_date=clock.today() + dt.timedelta(days=3))
    assert refused.value.message_dict == {"decision_date": ["The decision date cannot be in the future."]}
    assert Campaign.objects.get(pk=campaign.pk).stage == Stage.FOUNDING_CONGRESS
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.VERIFIED
    assert waiting(campaign, "decide").status == STATUS.NEW


def test_abandoning_the_campaign_stops_its_review(world, django_capture_on_commit_callbacks):
    campaign = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):  # the review is stopped by a job after the commit
        campaign_services.campaign_transition(campaign_id=campaign.pk, name="abandon", actor=world.supervisor,
                                              data={"reason": AbandonReason.ENTERPRISE_DISSOLVED})
    process = RecognitionProcess.objects.get(dossier__campaign=campaign)
    assert process.status == STATUS.CANCELED
    assert not FlowTask.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED,
                                                                    STATUS.SCHEDULED]).exists()
    assert Dossier.objects.get(campaign=campaign).status == DossierStatus.CANCELLED


def test_returning_needs_comments(world):
    campaign = submitted(world)
    with pytest.raises(ValidationError) as refused:
        services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=False)
    assert refused.value.message_dict == {"comments": ["Say what must be corrected."]}
    assert waiting(campaign, "verify").owner_id is None
