"""Hostile input at the review's forms: never a 500, a refusal says why in
an ``errorlist``, and anything but a success writes nothing (see
tests/security/test_hostile_input.py, whose tools this uses)."""
from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, strategies as st

from tests.conftest import campaign_at
from tests.recognition.dossiers import PDF, fill, waiting
from tests.security.test_hostile_input import (
    HOSTILE,
    any_text,
    choice,
    date,
    enterprise,
    form_data,
    number,
    post_and_check,
    rolled_back,
    signed_in,
)
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.recognition import services
from workflows.recognition.models import Dossier

pytestmark = pytest.mark.django_db

NAMES = ["bien-ban.pdf", "a.PDF", "scan.jpg", "ds.docx", "", ".pdf", "x" * 300 + ".pdf", "../../etc/passwd.pdf",
         "tên có dấu.pdf", "nul\x00.pdf", "\u202efdp.exe", "con.pdf", "a.pdf.exe"]
CONTENTS = [PDF, b"", b"MZ\x90\x00", b"\x89PNG\r\n\x1a\n" + b"0" * 20, b"\xff\xd8\xff\xe0", b"PK\x03\x04", b"%PDF-",
            b"x" * 5000, "Tên doanh nghiệp".encode("utf-16")]


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    try:
        return SimpleUploadedFile(name, content)
    except SuspiciousFileOperation:  # a name Django's test client itself cannot send
        return SimpleUploadedFile("tep", content)


def a_file() -> st.SearchStrategy:
    return st.builds(_upload, st.one_of(st.sampled_from(NAMES), any_text()), st.sampled_from(CONTENTS))


@pytest.fixture
def review_scene(world, settings):
    """Three dossiers: one being prepared, one waiting for verification, one
    waiting for the decision."""
    settings.RECOGNITION_MAX_DOCUMENT_BYTES = 4096
    draft = campaign_at(world, Stage.FOUNDING_CONGRESS, enterprise=enterprise(world))
    fill(draft, world.officer, kinds=[DocumentKind.MEMBER_LIST])
    submitted = campaign_at(world, Stage.FOUNDING_CONGRESS, enterprise=enterprise(world))
    fill(submitted, world.officer)
    services.dossier_submit(campaign_id=submitted.pk, actor=world.officer)
    verified = campaign_at(world, Stage.FOUNDING_CONGRESS, enterprise=enterprise(world))
    fill(verified, world.officer)
    services.dossier_submit(campaign_id=verified.pk, actor=world.officer)
    services.dossier_verify(task_id=waiting(verified, "verify").pk, actor=world.other_officer, complete=True)
    clients = {role: signed_in(getattr(world, role)) for role in ("officer", "other_officer", "supervisor")}
    return world, clients, {"draft": draft, "submitted": submitted, "verified": verified}


def _version(campaign):
    return number(Dossier.objects.get(campaign=campaign).version)


def _step(campaign):
    name = {"submitted": "verify", "verified": "decide"}
    dossier = Dossier.objects.get(campaign=campaign)
    return waiting(campaign, name[dossier.status]) if dossier.status in name else None


CASES = {
    "upload": (("officer", "supervisor"), lambda w, c: reverse("recognition:upload", args=[c.pk]),
               lambda w, c: {"version": _version(c), "kind": choice(DocumentKind.values), "file": a_file()}),
    "submit": (("officer", "supervisor"), lambda w, c: reverse("recognition:submit", args=[c.pk]),
               lambda w, c: {"version": _version(c), "note": any_text()}),
    "verify": (("other_officer",), lambda w, c: reverse("recognition:verify", args=[_step(c).pk]),
               lambda w, c: {"version": _version(c), "complete": choice(["yes", "no"]), "comments": any_text()}),
    "decide": (("supervisor",), lambda w, c: reverse("recognition:decide", args=[_step(c).pk]),
               lambda w, c: {"version": _version(c), "approve": choice(["yes", "no"]), "comments": any_text(),
                             "decision_number": st.one_of(st.just("15/QĐ-LĐLĐ"), any_text()),
                             "decision_date": date(), "admitted_members": number(5, 6)}),
    "reassign": (("supervisor",), lambda w, c: reverse("recognition:reassign", args=[_step(c).pk]),
                 lambda w, c: {"to_user": number(w.officer.pk, w.other_officer.pk, w.manager.pk, w.supervisor.pk)}),
    "take": (("officer", "other_officer", "supervisor"), lambda w, c: reverse("recognition:take", args=[_step(c).pk]),
             lambda w, c: {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
@HOSTILE
@given(data=st.data())
def test_review_forms_refuse_hostile_input_with_a_message_and_write_nothing(review_scene, name, data):
    world, clients, campaigns = review_scene
    roles, url, fields = CASES[name]
    which = ("draft", "submitted", "verified") if name in ("upload", "submit") else ("submitted", "verified")
    campaign = campaigns[data.draw(st.sampled_from(which), label="dossier")]
    role = data.draw(st.sampled_from(roles), label="role")
    post = data.draw(form_data(fields(world, campaign)), label="post")
    with rolled_back():
        post_and_check(clients[role], url(world, campaign), post)
