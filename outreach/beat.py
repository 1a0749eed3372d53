"""Beat's scheduler: django-celery-beat's, with two additions.

- Settings never overwrite what admins changed in the schedule.
- Exactly one beat sends at a time. On PostgreSQL each beat process asks for a session-level advisory
  lock on its own connection before it sends anything; a second beat (started by mistake, or a standby
  on another host) waits for the lock and takes over when the first one's connection ends. A beat
  that loses its connection stops, so that it cannot send beside the one that took over; systemd or
  compose starts it again, and it waits its turn. (Duplicate sends would still not double anything:
  reminders are unique in the database and deliveries are claimed one by one. The lock keeps the
  queues free of the extra work.)
- A stop asked for (SIGTERM, SIGINT) while the scheduler is being set up is kept until the set-up is done
  or interrupted at a safe point, then beat exits. Celery's own handler would ask for the scheduler that
  is still being built: it would build a second one on the database connection the first is in the middle
  of using, and the error that follows is swallowed by django-celery-beat, so the stop was lost and beat
  ran on.
"""

import logging
import signal
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from .models import Heartbeat

log = logging.getLogger(__name__)

BEAT_LOCK_KEY = 4_826_197_302  # any constant bigint, the same in every beat process
STANDBY_POLL_SECONDS = 5


class BeatLock:
    """A PostgreSQL advisory lock held by this process's own connection for as long as it lives."""

    def __init__(self):
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        # Keepalives and a TCP timeout: on a silent network partition the lock's session must be seen
        # gone within a minute on both sides, not after the kernel's two hours.
        self.connection = psycopg.connect(
            **params, autocommit=True, application_name="outreach-beat-lock", connect_timeout=10,
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3, tcp_user_timeout=30_000,
        )

    def try_acquire(self) -> bool:
        return self.connection.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY]).fetchone()[0]

    def still_held(self) -> bool:
        try:
            self.connection.execute("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - any failure means the session, and with it the lock, is gone
            return False


_held: BeatLock | None = None
_set_up = False  # a beat process sets up one scheduler: the one Celery keeps for as long as it runs
_stop_asked: int | None = None  # the signal that asked for a stop while the scheduler was being set up


def _ask_to_stop(signum, frame):
    global _stop_asked
    _stop_asked = signum


def _stop_if_asked() -> None:
    if _stop_asked is not None:
        log.info("Stopping as asked (%s) while the schedule was being set up.", signal.Signals(_stop_asked).name)
        raise SystemExit(0)


@contextmanager
def stops_kept_for_later():
    """While the body runs, SIGTERM and SIGINT only note that a stop was asked for; afterwards Celery's
    handlers are back and, if a stop was asked for, beat exits (SystemExit) before it sends anything."""
    if threading.current_thread() is not threading.main_thread():
        yield  # an embedded beat (worker -B) runs in a thread, where signals cannot be handled
        return
    previous = {number: signal.signal(number, _ask_to_stop) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    _stop_if_asked()


def hold_the_beat_lock() -> None:
    """Called as beat's scheduler is set up, before it reads or writes the schedule: returns once this
    process holds the lock, waiting while another beat holds it (and stopping if told to meanwhile)."""
    global _held
    if _held is not None or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return  # already ours; or the demo's SQLite: one machine, one `make run`
    lock = BeatLock()
    if not lock.try_acquire():
        log.warning("Another beat holds the beat lock: standing by until it stops.")
        while not lock.try_acquire():
            deadline = time.monotonic() + STANDBY_POLL_SECONDS
            while time.monotonic() < deadline:
                _stop_if_asked()  # systemctl stop on the standby host
                time.sleep(0.1)
    log.info("Holding the beat lock: this process sends the schedule.")
    _held = lock


class Scheduler(DatabaseScheduler):
    """The settings' CELERY_BEAT_SCHEDULE is installed for entries the database does not have yet;
    an entry an admin edited (interval, enabled) keeps its edits across restarts."""

    _stamped_at = 0.0

    def setup_schedule(self):
        global _set_up
        if _set_up:
            # Only Celery's SIGTERM handler asks for a second one, in the moment between the end of this set-up
            # and Celery keeping the scheduler: stop, without touching the connection the first one uses.
            raise SystemExit(0)
        _set_up = True
        with stops_kept_for_later():
            # A standby must not load the schedule before it takes over: what ran meanwhile would look due.
            hold_the_beat_lock()
            super().setup_schedule()

    def tick(self, *args, **kwargs):
        if _held is not None and not _held.still_held():
            # Celery ends beat quietly (exit status 0) on SystemExit: the units restart it whatever the status.
            log.error("Lost the database connection that holds the beat lock: stopping so that only one beat sends.")
            raise SystemExit(1)
        self.stamp_heartbeat()
        return super().tick(*args, **kwargs)

    def stamp_heartbeat(self) -> None:
        """/readyz asks whether beat is alive. django-celery-beat writes an entry's last run to the
        database only every few minutes, so beat stamps its own heartbeat row as it ticks."""
        if time.monotonic() - self._stamped_at >= settings.HEARTBEAT_SECONDS / 2:
            Heartbeat.stamp(Heartbeat.BEAT)
            self._stamped_at = time.monotonic()

    def update_from_dict(self, mapping):
        existing = set(PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True))
        super().update_from_dict({name: entry for name, entry in mapping.items() if name not in existing})
