"""Values read once per request: ``per_request(key, load)`` keeps what
``load()`` returned for the rest of the request (``RequestMemoMiddleware``),
so that a page asking the same small question in several places (which unit
kinds are upper-level, say) asks the database once. Outside a request (a
job, a command, a test's own code) ``load()`` runs every time: nothing is
kept past the request, so a change is seen by the next one."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("workflows_request_memo", default=None)


def per_request(key: Hashable, load: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Keep ``per_request``'s values inside the block (a request: the middleware)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


class RequestMemoMiddleware:
    """Keep ``per_request``'s values for one request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope():
            return self.get_response(request)
