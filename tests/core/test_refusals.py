"""Refusals answered in one place (``workflows.core.refusals``, called by the
middleware): a lost race answers 409 with where the object is now, a
forbidden or missing object 404 (audited when refused), a refused rule 400
with its sentences, for full pages and htmx alike; ``errors_on`` puts the
400 sentences on a form instead. Before, a ``ValidationError`` escaping a
view answered 500 and each view decided 409 against 404 itself."""
from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from workflows.audit.models import AuditEntry, AuditKind
from workflows.core.errors import (
    Conflict,
    DomainError,
    GuardNotMet,
    IllegalTransition,
    InvalidInput,
    NotFoundOrForbidden,
)
from workflows.core.forms import errors_on
from workflows.core.middleware import DomainErrorMiddleware
from workflows.core.refusals import refusals_lead_to

ANSWERS = [
    (Conflict("Someone else changed it."), 409),
    (NotFoundOrForbidden("not yours"), 404),
    (PermissionDenied("not yours"), 404),
    (ObjectDoesNotExist(), 404),
    (GuardNotMet("At least 3 members."), 400),
    (IllegalTransition("No such move."), 400),
    (InvalidInput("Wrong.", fields={"year": ["Give a year."]}), 400),
    (DomainError("The campaign is closed."), 400),
    (ValidationError({"members": ["Give a number."]}), 400),
    (ValidationError("Choose a metric."), 400),
]


def _request(*, htmx: bool = False, referer: str = ""):
    headers = {"HX-Request": "true"} if htmx else {}
    if referer:
        headers["Referer"] = referer
    request = RequestFactory().post("/campaigns/7/note/", headers=headers)
    request.user = AnonymousUser()
    request.htmx = htmx
    return request


def _answer(request, error):
    return DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(request, error)


@pytest.mark.parametrize(("error", "status"), ANSWERS, ids=lambda v: type(v).__name__ if isinstance(v, Exception)
                         else str(v))
def test_each_error_has_its_status(db, error, status):
    # when a service's error leaves a view
    response = _answer(_request(), error)

    # then
    assert response.status_code == status


@pytest.mark.parametrize(("error", "status"), [a for a in ANSWERS if a[1] != 404],
                         ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v))
def test_the_sentences_are_shown_on_full_pages_and_htmx_fragments(db, error, status):
    for htmx in (False, True):
        response = _answer(_request(htmx=htmx), error)

        page = response.content.decode()
        assert response.status_code == status
        assert ('<html' in page) is not htmx
        assert page.count('class="errorlist"') == 1
        for message in (error.messages if hasattr(error, "messages") else []):
            assert str(message) in page


def test_an_error_that_is_not_a_refusal_is_left_to_django(db):
    assert _answer(_request(), ValueError("a bug")) is None


@pytest.mark.parametrize(("error", "audited"), [(PermissionDenied("campaign 7"), 1),
                                                (NotFoundOrForbidden("campaign 7"), 1),
                                                (ObjectDoesNotExist(), 0)])
def test_a_refused_object_looks_missing_and_is_audited(db, error, audited):
    response = _answer(_request(), error)

    assert response.status_code == 404
    assert AuditEntry.objects.filter(kind=AuditKind.ACCESS_REFUSED).count() == audited


def test_a_conflict_shows_the_object_as_it_is_now_and_leads_back_to_its_page(db):
    # given a view that said where its refusals lead
    request = _request(referer="https://evil.example/")
    reads = []
    refusals_lead_to(request, "/campaigns/7/", current=lambda: reads.append(1) or {"get_stage_display": "Tạm dừng"})

    # when the service reports a lost race
    response = _answer(request, Conflict.stale())

    # then the object is read again after the conflict, and the page leads back to it
    page = response.content.decode()
    assert response.status_code == 409
    assert reads == [1]
    assert "Tạm dừng" in page
    assert 'href="/campaigns/7/"' in page


def test_without_a_page_a_refusal_leads_back_only_to_this_site(db):
    response = _answer(_request(referer="https://evil.example/x"), DomainError("No."))

    assert 'href="/"' in response.content.decode()
    response = _answer(_request(referer="http://testserver/tasks/"), DomainError("No."))
    assert 'href="http://testserver/tasks/"' in response.content.decode()


def test_htmx_gets_the_fragment_the_view_asked_for_with_the_status(db):
    request = _request(htmx=True)
    refusals_lead_to(request, "/x/", fragment=lambda messages: HttpResponse("row: " + "; ".join(messages)))

    response = _answer(request, Conflict("Taken by Lan."))

    assert response.status_code == 409
    assert response.content.decode() == "row: Taken by Lan."


class _Form(forms.Form):
    year = forms.IntegerField(required=False)


@pytest.mark.parametrize(("error", "field_errors", "top_errors"), [
    (GuardNotMet("At least 3 members.", "At least 5 applications."), {},
     ["At least 3 members.", "At least 5 applications."]),
    (InvalidInput("Wrong.", fields={"year": ["Give a year."], "other": ["Elsewhere."]}), {"year": ["Give a year."]},
     ["Elsewhere.", "Wrong."]),
    (ValidationError({"year": ["Give a year."]}), {"year": ["Give a year."]}, []),
    (ValidationError("Choose a metric."), {}, ["Choose a metric."]),
    (IllegalTransition("No such move."), {}, ["No such move."]),
])
def test_errors_on_puts_a_refused_rule_on_the_form(error, field_errors, top_errors):
    form = _Form({})
    assert form.is_valid()
    reached = []

    with errors_on(form):
        raise error
    reached.append("after")

    assert reached == ["after"]
    assert {k: v for k, v in form.errors.items() if k != "__all__"} == field_errors
    assert sorted(form.non_field_errors()) == sorted(top_errors)


@pytest.mark.parametrize("error", [Conflict("Changed."), PermissionDenied(), NotFoundOrForbidden("x"),
                                   ValueError("a bug")], ids=lambda e: type(e).__name__)
def test_errors_on_lets_conflicts_and_refused_objects_through(error):
    form = _Form({})
    form.is_valid()

    with pytest.raises(type(error)), errors_on(form):
        raise error
    assert form.errors == {}
