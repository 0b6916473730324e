"""Work left for after a response is sent (``core.after_response``)."""
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from workflows.core import after_response


def test_outside_a_request_the_work_runs_at_once():
    done = []
    after_response.defer(lambda: done.append(1))
    assert done == [1]


@pytest.mark.django_db  # closing a response sends request_finished, which closes old database connections
def test_the_work_runs_when_the_response_is_closed_and_a_failure_is_logged_not_raised(caplog):
    done = []

    def view(request):
        after_response.defer(lambda: done.append("first"))
        after_response.defer(lambda: 1 / 0)
        after_response.defer(lambda: done.append("after the failure"))
        done.append("page")
        return HttpResponse("ok")

    response = after_response.AfterResponseMiddleware(view)(RequestFactory().get("/"))
    before_close = list(done)
    with caplog.at_level(logging.ERROR, logger="workflows.core.after_response"):
        response.close()

    assert before_close == ["page"]
    assert done == ["page", "first", "after the failure"]
    assert [r.message for r in caplog.records] == ["work left for after the response failed"]
    assert response.content == b"ok"


def test_a_request_that_leaves_nothing_adds_no_closer():
    response = after_response.AfterResponseMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    assert response._resource_closers == []
