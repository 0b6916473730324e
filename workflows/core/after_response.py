"""Work a request leaves for after its page is sent: ``defer(work)`` runs
``work()`` once the server has written the response to the client (WSGI
and ASGI servers close a response after sending it; its closers run then),
in the same process, so the user does not wait for it. The dashboard counts
its figures again this way when it shows figures a little old
(``statistics.overview_cache``): the next visitor gets them fresh.

Outside a request (a job, a command, a test's own code) ``defer`` runs the
work at once. A failure is logged, never shown: the page has been sent."""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar

logger = logging.getLogger(__name__)

_pending: ContextVar[list[Callable[[], object]] | None] = ContextVar("workflows_after_response", default=None)


def defer(work: Callable[[], object]) -> None:
    pending = _pending.get()
    if pending is None:
        work()
    else:
        pending.append(work)


def _run(pending: list[Callable[[], object]]) -> None:
    for work in pending:
        try:
            work()
        except Exception:
            logger.exception("work left for after the response failed")


class AfterResponseMiddleware:
    """Collect the request's deferred work; run it when the response is closed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pending.set([])
        try:
            response = self.get_response(request)
        finally:
            pending = _pending.get()
            _pending.reset(token)
        if pending:
            # HttpResponseBase.close() runs these after the server sent the body, then sends
            # request_finished (which closes the database connection past its age); Django's own file
            # responses close their files the same way.
            response._resource_closers.append(lambda: _run(pending))
        return response
