"""Reads from the streaming replica (database alias `replica`, REPLICA_DATABASE_URL), so that dashboards, rankings,
their drill-down lists and exports do not load the primary.

- Routes marked `reads_from_replica` (in the urls.py files) read there; every other page, every write, and every
  read after a write in the same request go to the primary (ReplicaRouter).
- Someone who wrote reads the primary for REPLICA_PIN_SECONDS after (a cookie set by ReplicaMiddleware), so what
  they just saved is on the next page, whatever the replica's lag.
- Before a request reads there, the replica's state is checked (at most every REPLICA_CHECK_SECONDS per process):
  when it does not answer, or its data is older than REPLICA_MAX_LAG_SECONDS, reads fall back to the primary with
  a log line. The page says how current the replica's data is ("数据截至 …", `replica_as_of`).

Without a `replica` alias, or with REPLICA_READS off (the test suite, but for its replica tests), nothing changes.
"""

import contextvars
import datetime
import logging
import threading
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "read_primary_until"


@dataclass
class _RequestReads:
    replica: bool = False  # this request may read the replica
    wrote: bool = False  # it wrote: every read after goes to the primary


_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar("replica_reads", default=None)


class ReplicaRouter:
    """The `replica` alias for the reads of a marked request that has not written; the primary for everything else."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        return REPLICA if reads is not None and reads.replica and not reads.wrote else None

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True if {obj1._state.db, obj2._state.db} <= {"default", REPLICA} else None  # the same rows, either way

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None  # a standby takes its schema from the primary's WAL


@dataclass(frozen=True)
class ReplicaState:
    as_of: datetime.datetime  # the replica holds every change made on the primary until then
    lag_seconds: float


_checked: dict = {"at": None, "state": None}
_lock = threading.Lock()


def replica_state() -> ReplicaState | None:
    """The replica's state if reads may go there now, else None (not configured, switched off, down or too far behind)."""
    if REPLICA not in settings.DATABASES or not settings.REPLICA_READS:
        return None
    with _lock:
        if _checked["at"] is not None and time.monotonic() - _checked["at"] < settings.REPLICA_CHECK_SECONDS:
            return _checked["state"]
        state = _check()
        _checked.update(at=time.monotonic(), state=state)
        return state


def forget_replica_state() -> None:
    """Check the replica again on the next request (tests, after stopping or starting it)."""
    with _lock:
        _checked.update(at=None, state=None)


def _check() -> ReplicaState | None:
    # Caught up when all the WAL received has been replayed: its data is as of now. Otherwise as of the last
    # transaction it replayed.
    sql = ("SELECT pg_is_in_recovery(), now(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN now() "
           "ELSE pg_last_xact_replay_timestamp() END")
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(sql)
            standby, now, as_of = cursor.fetchone()
    except DatabaseError as error:
        connections[REPLICA].close()
        log.warning("replica unavailable, reading from the primary: %s", str(error).strip().splitlines()[0] if str(error).strip() else error)
        return None
    if not standby:
        log.warning("the replica database is not a standby: reading from the primary")
        return None
    lag = (now - as_of).total_seconds() if as_of else float("inf")
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        log.warning("replica lags %.1f s (limit %s s), reading from the primary", lag, settings.REPLICA_MAX_LAG_SECONDS)
        return None
    return ReplicaState(as_of=as_of, lag_seconds=lag)


def reads_from_replica(view):
    """Mark a read-only page (a dashboard, a list, an export) as one the replica may answer."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        reads = _reads.get()
        state = None if reads is None or _pinned(request) else replica_state()
        if state is not None:
            reads.replica, request.replica_as_of = True, state.as_of
        return view(request, *args, **kwargs)
    return wrapper


def _pinned(request) -> bool:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


class ReplicaMiddleware:
    """Tracks whether the request wrote (ReplicaRouter.db_for_write) and, if it did, pins the browser to the primary
    for REPLICA_PIN_SECONDS. Outermost of the middleware that touch the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reads.set(_RequestReads())
        try:
            response = self.get_response(request)
            wrote = _reads.get().wrote
        finally:
            _reads.reset(token)
        if wrote and REPLICA in settings.DATABASES:
            pin = settings.REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, f"{time.time() + pin:.0f}", max_age=pin, secure=settings.SESSION_COOKIE_SECURE,
                                httponly=True, samesite="Lax")
        return response


def replica_context(request) -> dict:
    """`replica_as_of` on pages read from the replica: base.html says how current its data is."""
    return {"replica_as_of": getattr(request, "replica_as_of", None)}
