"""A switch for writing history without telling anyone.

The demo-data builder writes months of backdated history through the real
services; nobody needs e-mails about it. Wrap the whole transaction in
``silenced()`` so that the after-commit callbacks run inside it too.
"""
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_silenced: ContextVar[bool] = ContextVar("workflows_notifications_silenced", default=False)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def paused() -> bool:
    return _silenced.get()
