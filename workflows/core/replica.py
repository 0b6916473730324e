"""The read replica (``DATABASE_REPLICA_URL``): pages that only show figures
— the dashboard, the reports, the exports' jobs — may read them from a
streaming copy of the database, so that the primary keeps its time for the
writes.

- A page opts in: ``on_replica(read, ...)`` (or ``@reads_replica`` on a view,
  or ``with reading_replica():`` in a job) runs its reads on the replica;
  everything else reads the primary, and every write goes to the primary
  (:class:`ReplicaRouter`).
- Read your own writes: after a request that wrote, the client reads the
  primary for ``REPLICA_READ_YOUR_WRITES_SECONDS`` (:class:`RecentWriteMiddleware`).
- A replica that does not answer is left for the primary, with a warning in
  the log; never an error page.
- :func:`lag_to_show`: how far behind the replica is, for the dashboard's
  banner past ``REPLICA_LAG_WARNING_SECONDS``.

Without ``DATABASE_REPLICA_URL`` (or with ``REPLICA_READS`` off) all of this
reads the primary, as before.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
#: The signed cookie of a client that has just written (its value: the time, signed).
WROTE_COOKIE = "cdcs_wrote"
_WROTE_SALT = "workflows.core.replica"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

P = ParamSpec("P")
T = TypeVar("T")

#: The alias the reads of the block in progress go to (None: no block, the primary).
_reading: ContextVar[str | None] = ContextVar("workflows_replica_reading", default=None)
#: The request in progress comes from a client that wrote a moment ago.
_wrote_recently: ContextVar[bool] = ContextVar("workflows_replica_wrote_recently", default=False)
#: When the client of the request in progress last wrote (its mark, a Unix time), if it still lasts.
_last_write: ContextVar[float | None] = ContextVar("workflows_replica_last_write", default=None)


def replica_configured() -> bool:
    """A replica is configured and pages may read from it."""
    return REPLICA in settings.DATABASES and settings.REPLICA_READS


# --- where reads go ------------------------------------------------------------------------
class ReplicaRouter:
    """Reads of a block that asked for the replica go to it; every other read,
    and every write, goes to the primary. Who may see what (the apps and models
    of ``REPLICA_PRIMARY_ONLY``: accounts, sessions, grants) is always read from
    the primary, even inside such a block: a grant taken away is gone at once,
    not when the replica has replayed it."""

    def db_for_read(self, model, **hints) -> str:
        alias = _reading.get()
        if alias is None or _primary_only(model):
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints) -> str:
        # Always named: left to Django, an object read from the replica would be saved back to it.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica is the primary's data, a moment later

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        return False if db == REPLICA else None


def _primary_only(model) -> bool:
    never = settings.REPLICA_PRIMARY_ONLY
    return model._meta.app_label in never or model._meta.label_lower in never


@contextlib.contextmanager
def reading_replica() -> Iterator[str]:
    """Run the block with its reads on the replica, if there is one, it
    answers and this client did not write a moment ago; else on the primary.
    Yields the alias chosen. Writes in the block go to the primary; inside a
    transaction on the primary (a service's) the reads stay there too: they
    must see what the transaction wrote. A replica failing in the middle of
    the block raises: use :func:`on_replica` to read again from the primary
    then."""
    alias = REPLICA if _replica_usable() else DEFAULT_DB_ALIAS
    token = _reading.set(alias)
    try:
        yield alias
    finally:
        _reading.reset(token)


@contextlib.contextmanager
def _reading_primary() -> Iterator[None]:
    token = _reading.set(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        _reading.reset(token)


def on_replica(read: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``read(*args, **kwargs)`` with its reads on the replica
    (:func:`reading_replica`). If the replica fails meanwhile (it went down, or
    cancelled a query that conflicted with its replay), the failure is logged
    and ``read`` runs again on the primary: it only reads, so running it again
    repeats nothing. A failure of the primary itself fails again, and is raised."""
    with reading_replica() as alias:
        if alias == DEFAULT_DB_ALIAS:
            return read(*args, **kwargs)
        try:
            return read(*args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            failure = error
    logger.warning("The read replica failed during %s (%s): reading the primary instead.",
                   getattr(read, "__qualname__", read), failure)
    with _reading_primary():
        return read(*args, **kwargs)


def reads_replica(view: Callable[..., T]) -> Callable[..., T]:
    """A view that reads the replica (:func:`on_replica`): for pages that only
    read, and that decide nothing the next request depends on."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return on_replica(view, request, *args, **kwargs)

    return wrapper


def _replica_usable() -> bool:
    if not replica_configured() or _wrote_recently.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    connection = connections[REPLICA]
    try:
        # A persistent connection the server dropped is noticed here (a
        # SELECT 1 once per request, as Django does), then made again.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        logger.warning("The read replica does not answer (%s): reading the primary instead.", error)
        return False
    return True


# --- read your own writes ---------------------------------------------------------------
class RecentWriteMiddleware:
    """Read your own writes. A request that may have written (POST, PUT, PATCH
    or DELETE, answered without an error) leaves its client a signed cookie
    holding the time it wrote; while it lasts (``REPLICA_READ_YOUR_WRITES_SECONDS``),
    that client's pages read the primary, where its change already is, even if the
    replica has not replayed it yet; and figures shared for a moment
    (``statistics.overview_cache``, ``DASHBOARD_SHARED_SECONDS``) that were counted
    before that time are counted again for it (:func:`last_write`). The cookie
    lasts the longer of the two.

    A cookie rather than a mark in the session: it costs no session write on
    every form sent (the session row is itself written on the primary), it
    works for any client that keeps cookies, the browser drops it by itself
    when it expires, and, being signed with its time, a client cannot make it
    last longer to keep its reads off the replica."""

    def __init__(self, get_response):
        if not (replica_configured() or _figures_seconds() > 0):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        seconds = _mark_seconds()
        wrote_at = _wrote_at(request.get_signed_cookie(WROTE_COOKIE, default=None, salt=_WROTE_SALT,
                                                       max_age=seconds))
        recently = wrote_at is not None and time.time() - wrote_at < settings.REPLICA_READ_YOUR_WRITES_SECONDS
        tokens = _wrote_recently.set(recently), _last_write.set(wrote_at)
        try:
            response = self.get_response(request)
        finally:
            _wrote_recently.reset(tokens[0])
            _last_write.reset(tokens[1])
        if request.method not in _SAFE_METHODS and response.status_code < 400:
            response.set_signed_cookie(WROTE_COOKIE, f"{time.time():.3f}", salt=_WROTE_SALT, max_age=seconds,
                                       secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
        return response


def _mark_seconds() -> int:
    """How long the mark of a write lasts: the longer of its two uses."""
    return max(settings.REPLICA_READ_YOUR_WRITES_SECONDS if replica_configured() else 0, _figures_seconds())


def _figures_seconds() -> int:
    """How long figures counted before a write may be shown to its writer, who must get them counted again."""
    return max(settings.DASHBOARD_SHARED_SECONDS, settings.DASHBOARD_STALE_SECONDS)


def _wrote_at(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:  # a mark of the release before, which held "1": a write a moment ago
        return time.time()


def last_write() -> float | None:
    """When (a Unix time) the client of the request in progress last wrote,
    if its mark still lasts; None otherwise, or outside a request."""
    return _last_write.get()


# --- how far behind ------------------------------------------------------------------------
# On the replica: is it one (not promoted), has it replayed all the WAL it
# received while its WAL receiver is connected, and how old is the last
# transaction it replayed (the primary's commit time).
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT FROM pg_stat_wal_receiver),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""


def lag_of(in_recovery: bool, caught_up: bool | None, age: float | None) -> float | None:
    """Seconds the replica is behind the primary, from what it says of itself.

    0 when it has replayed all it received and still receives: the primary
    has been quiet, and the time of the last transaction replayed, however
    old, says nothing of a lag. Else the age of that transaction. None when it
    cannot tell (it has replayed no transaction since it started).
    """
    if not in_recovery or caught_up:
        return 0.0
    return None if age is None else max(0.0, float(age))


def replica_lag() -> float | None:
    """The replica's lag in seconds (:func:`lag_of`); None when there is no
    replica or it does not answer (logged)."""
    if REPLICA not in settings.DATABASES:
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            return lag_of(*cursor.fetchone())
    except DatabaseError as error:
        logger.warning("The read replica's lag could not be read (%s).", error)
        return None


def lag_to_show() -> int | None:
    """The replica's lag in whole seconds when the reads in progress come from
    it and it is past ``REPLICA_LAG_WARNING_SECONDS``; else None."""
    if _reading.get() != REPLICA:
        return None
    lag = replica_lag()
    if lag is None or lag <= settings.REPLICA_LAG_WARNING_SECONDS:
        return None
    return max(1, round(lag))
