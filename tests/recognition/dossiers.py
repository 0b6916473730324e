"""Building recognition dossiers for tests, through the services."""
from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from tests.conftest import campaign_at
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.recognition import services
from workflows.recognition.flows import RecognitionFlow
from workflows.recognition.models import Dossier

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "bien-ban.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fill(campaign, actor, kinds=None) -> Dossier:
    for kind in kinds if kinds is not None else DocumentKind.values:
        services.document_upload(campaign_id=campaign.pk, actor=actor, kind=kind, upload=pdf(f"{kind}.pdf"))
    return Dossier.objects.get(campaign=campaign)


def submitted(world, enterprise=None):
    """A campaign at the founding congress whose complete dossier the
    officer has submitted: the verification step waits in the queue."""
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS, enterprise=enterprise)
    fill(campaign, world.officer)
    services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)
    return campaign


def waiting(campaign, step: str) -> FlowTask:
    """The one step of ``campaign``'s review that waits, which must be ``step``."""
    task = FlowTask.objects.filter(
        process__recognitionprocess__dossier__campaign=campaign, status__in=[STATUS.NEW, STATUS.ASSIGNED],
        flow_task__in=[RecognitionFlow.verify, RecognitionFlow.correct, RecognitionFlow.decide]).get()
    assert task.flow_task.name == step, task.flow_task.name
    return task
